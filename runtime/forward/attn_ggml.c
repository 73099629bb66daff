/* llama.cpp-order arithmetic for attention (see attn_ggml.h). Every step is an exactly rounded
 * fmaf or a plain float add in ggml's order, so the results are the same on every ISA; on x86
 * the hot loops are also compiled for FMA hardware (target_clones), since without it fmaf is a
 * slow library call. Orders read from ggml-cpu (vec.h GGML_F32x16_REDUCE, llamafile/sgemm.cpp
 * tinyBLAS::gemm_bloc) and confirmed bit for bit against its eval callback on the default model. */
#include <math.h>

#include "attn_ggml.h"

#if defined(__GNUC__) && defined(__x86_64__) && defined(__ELF__) && !defined(__SANITIZE_ADDRESS__)
#define AG_CLONES __attribute__((target_clones("fma", "default")))
#else
#define AG_CLONES
#endif

static inline float reduce16(const float *x)
{
    float t8[8], t4[4];
    for (int l = 0; l < 8; l++)
        t8[l] = x[l] + x[l + 8];
    for (int l = 0; l < 4; l++)
        t4[l] = t8[l] + t8[l + 4];
    return (t4[0] + t4[2]) + (t4[1] + t4[3]);
}

float ag_reduce16(const float *x)
{
    return reduce16(x);
}

/* 64 lanes -> 16: register 0 += 2, 1 += 3, then 0 += 1. */
static inline void fold64(float *acc)
{
    for (int l = 0; l < AG_LANES; l++) {
        acc[l] += acc[2 * AG_LANES + l];
        acc[AG_LANES + l] += acc[3 * AG_LANES + l];
    }
    for (int l = 0; l < AG_LANES; l++)
        acc[l] += acc[AG_LANES + l];
}

AG_CLONES float ag_dot(ag_order o, const float *a, const float *b, int64_t n)
{
    if (o == AG_TILED) {
        float lane[AG_LANES] = {0};
        for (int64_t i = 0; i + AG_LANES <= n; i += AG_LANES)
            for (int l = 0; l < AG_LANES; l++)
                lane[l] = fmaf(a[i + l], b[i + l], lane[l]);
        return reduce16(lane);
    }
    float acc[AG_VLANES] = {0};
    const int64_t np = n / AG_VLANES * AG_VLANES;
    for (int64_t i = 0; i < np; i += AG_VLANES)
        for (int m = 0; m < AG_VLANES; m++)
            acc[m] = fmaf(a[i + m], b[i + m], acc[m]);
    fold64(acc);
    double s = reduce16(acc);
    for (int64_t i = np; i < n; i++)
        s += (double)(a[i] * b[i]);
    return (float)s;
}

AG_CLONES void ag_accumulate(float *restrict acc, int64_t lanes, int64_t c, float w, const float *restrict v,
                             int64_t n, bool first)
{
    float *restrict row = acc + (c % lanes) * n;
    int64_t d = 0;
    if (first) {
        for (; d < n; d++)
            row[d] = fmaf(w, v[d], 0.0f);
        return;
    }
    for (; d + AG_LANES <= n; d += AG_LANES)
        for (int l = 0; l < AG_LANES; l++)
            row[d + l] = fmaf(w, v[d + l], row[d + l]);
    for (; d < n; d++)
        row[d] = fmaf(w, v[d], row[d]);
}

/* dst[d] += b[d]: one step of the lane tree, for all n outputs at once (rows never overlap). */
static void add_rows(float *restrict dst, const float *restrict b, int64_t n)
{
    for (int64_t d = 0; d < n; d++)
        dst[d] += b[d];
}

void ag_reduce(ag_order o, float *acc, int64_t n, float *out)
{
    /* The same adds as fold64 and reduce16, applied to whole lane rows (acc[m * n ..]) so they
     * run over contiguous memory; acc is consumed. */
    const int lanes = o == AG_TILED ? AG_LANES : AG_VLANES;
    float *r[AG_VLANES];
    for (int m = 0; m < lanes; m++)
        r[m] = acc + m * n;
    if (o == AG_VECDOT) {
        for (int l = 0; l < AG_LANES; l++) {
            add_rows(r[l], r[2 * AG_LANES + l], n);
            add_rows(r[AG_LANES + l], r[3 * AG_LANES + l], n);
        }
        for (int l = 0; l < AG_LANES; l++)
            add_rows(r[l], r[AG_LANES + l], n);
    }
    for (int l = 0; l < 8; l++)
        add_rows(r[l], r[l + 8], n);
    for (int l = 0; l < 4; l++)
        add_rows(r[l], r[l + 4], n);
    add_rows(r[0], r[2], n);
    add_rows(r[1], r[3], n);
    for (int64_t d = 0; d < n; d++)
        out[d] = r[0][d] + r[1][d];
}

AG_CLONES float ag_expf(float x)
{
    /* n = round(x / ln 2) by the 1.5 * 2^23 trick, b = x - n ln 2 in two parts, a degree-5
     * polynomial, then the exact scaling by 2^n (_mm512_scalef_ps). */
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                         u, fmaf(0x1.ffffecp-1f, b, 1.0f));
    if (fabsf(n) > 192.0f)
        return n <= 0.0f ? 0.0f : INFINITY;
    return ldexpf(j, (int)n);
}
