/* llama.cpp-order arithmetic for attention (see attn_ggml.h). Every step is an exactly rounded
 * fmaf or a plain float add in ggml's order, so the results are the same on every ISA; on x86
 * the hot loops are also compiled for FMA hardware (target_clones), since without it fmaf is a
 * slow library call. Orders read from ggml-cpu (vec.h GGML_F32x16_REDUCE, llamafile/sgemm.cpp
 * tinyBLAS::gemm_bloc) and confirmed bit for bit against its eval callback on the default model. */
#include <math.h>
#include <stdint.h>

#include "attn_ggml.h"
#include "half.h"

#if defined(__GNUC__) && defined(__x86_64__) && defined(__ELF__) && !defined(__SANITIZE_ADDRESS__)
#define AG_CLONES __attribute__((target_clones("fma", "default")))
#else
#define AG_CLONES
#endif

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define AG_X86 1
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
#pragma omp simd
    for (int64_t d = 0; d < n; d++)
        dst[d] += b[d];
}

#ifdef AG_X86
static int x86_vector_paths(void);

/* The tiled order's reduce16 for eight outputs at a time, the 16 lane rows' values loaded once and
 * the tree kept in registers (the row form below writes every step back: a prompt's items hold a
 * megabyte of lanes on Gemma 3, past L2). The same adds on the same pairs, so the same bits. */
__attribute__((target("avx2"))) static void reduce_tiled_avx2(const float *acc, int64_t n, float *out)
{
    int64_t d = 0;
    for (; d + 8 <= n; d += 8) {
        __m256 t8[8], t4[4];
        #pragma GCC unroll 8
        for (int l = 0; l < 8; l++)
            t8[l] = _mm256_add_ps(_mm256_loadu_ps(acc + l * n + d), _mm256_loadu_ps(acc + (l + 8) * n + d));
        #pragma GCC unroll 8
        for (int l = 0; l < 4; l++)
            t4[l] = _mm256_add_ps(t8[l], t8[l + 4]);
        _mm256_storeu_ps(out + d, _mm256_add_ps(_mm256_add_ps(t4[0], t4[2]), _mm256_add_ps(t4[1], t4[3])));
    }
    for (; d < n; d++) {
        float x[AG_LANES];
        for (int l = 0; l < AG_LANES; l++)
            x[l] = acc[l * n + d];
        out[d] = reduce16(x);
    }
}
#endif

void ag_reduce(ag_order o, float *acc, int64_t n, float *out)
{
#ifdef AG_X86
    if (o == AG_TILED && x86_vector_paths()) {
        reduce_tiled_avx2(acc, n, out);
        return;
    }
#endif
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
#pragma omp simd
    for (int64_t d = 0; d < n; d++)
        out[d] = r[0][d] + r[1][d];
}

/* 2^e for e in [-126, 127], built from its exponent bits. */
static inline float pow2i(int32_t e)
{
    union {
        uint32_t u;
        float f;
    } v = {.u = (uint32_t)(e + 127) << 23};
    return v.f;
}

/* ggml_v_expf's value for one lane, without branches or library calls so that a loop of them
 * vectorizes: n = round(x / ln 2) by the 1.5 * 2^23 trick, b = x - n ln 2 in two parts, a
 * degree-5 polynomial, then j * 2^n as _mm512_scalef_ps gives it (one rounding): two exact
 * power-of-two factors of at most 2^96 each, so only the second product can round (into the
 * subnormals) or overflow. |n| > 192 gives 0 or infinity, as ggml's mask does. */
static inline float expf_lane(float x)
{
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                         u, fmaf(0x1.ffffecp-1f, b, 1.0f));
    const float nc = n < -192.0f ? -192.0f : n > 192.0f ? 192.0f : n; /* also takes -inf and +inf */
    const int32_t ni = (int32_t)nc, n1 = ni / 2;
    const float scaled = j * pow2i(n1) * pow2i(ni - n1);
    const float big = n <= 0.0f ? 0.0f : INFINITY;
    return (n > 192.0f || n < -192.0f) ? big : scaled;
}

float ag_expf(float x)
{
    return expf_lane(x);
}

#ifdef AG_X86
/* expf_lane for 8 lanes at once, the same operations in the same order (the vectorizer keeps
 * its branches, which -ftrapping-math does not let it if-convert). Splitting n as floor(n / 2)
 * and the rest instead of truncation changes no bit: either way j * 2^n1 is exact and only the
 * last product rounds. */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 exp8_v(__m256 x, __m256 max)
{
    const __m256 r = _mm256_set1_ps(0x1.8p23f);
    const __m256 v = _mm256_sub_ps(x, max);
    const __m256 n = _mm256_sub_ps(_mm256_fmadd_ps(v, _mm256_set1_ps(0x1.715476p+0f), r), r);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                      _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), v));
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 j = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                        _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
        u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
    const __m256 nc = _mm256_min_ps(_mm256_max_ps(n, _mm256_set1_ps(-192.0f)), _mm256_set1_ps(192.0f));
    const __m256i ni = _mm256_cvttps_epi32(nc), n1 = _mm256_srai_epi32(ni, 1), bias = _mm256_set1_epi32(127);
    const __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    const __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, n1), bias), 23));
    const __m256 scaled = _mm256_mul_ps(_mm256_mul_ps(j, p1), p2);
    const __m256 out = _mm256_or_ps(_mm256_cmp_ps(n, _mm256_set1_ps(192.0f), _CMP_GT_OQ),
                                    _mm256_cmp_ps(n, _mm256_set1_ps(-192.0f), _CMP_LT_OQ));
    const __m256 big = _mm256_and_ps(_mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_GT_OQ), _mm256_set1_ps(INFINITY));
    return _mm256_blendv_ps(scaled, big, out);
}

__attribute__((target("avx2,fma"))) static void exp8_avx2(float *x, float max)
{
    _mm256_storeu_ps(x, exp8_v(_mm256_loadu_ps(x), _mm256_set1_ps(max)));
}

/* Whether this CPU runs the AVX2+FMA exp and the F16C rounding below (one check, then cached;
 * every x86 CPU with AVX2 and FMA also has F16C). */
static int x86_vector_paths(void)
{
    static int have = -1;
    if (have < 0)
        have = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    return have;
}
#endif

void ag_exp16(float *x, float max)
{
#ifdef AG_X86
    if (x86_vector_paths()) {
        exp8_avx2(x, max);
        exp8_avx2(x + 8, max);
        return;
    }
#endif
    for (int l = 0; l < AG_LANES; l++)
        x[l] = expf_lane(x[l] - max);
}

#ifdef AG_X86
/* Eight values at a time through F16C (round to nearest even, as half_from_f32). */
__attribute__((target("avx,f16c"))) static void round_f16_f16c(float *x, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
    for (; i < n; i++)
        x[i] = half_to_f32(half_from_f32(x[i]));
}
#endif

void ag_round_f16(float *x, int64_t n)
{
#ifdef AG_X86
    if (x86_vector_paths()) {
        round_f16_f16c(x, n);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++)
        x[i] = half_to_f32(half_from_f32(x[i]));
}

void ag_softmax(float *x, int64_t n)
{
    float max = -INFINITY;
    /* any order gives the same maximum (a -0 / +0 tie changes no x - max) */
#pragma omp simd reduction(max : max)
    for (int64_t i = 0; i < n; i++)
        max = x[i] > max ? x[i] : max;
    /* ggml_vec_soft_max_f32 on AVX-512: 16 values at a time through its polynomial exp, each
     * group tree-summed in float and added to a double; a tail of n % 16 uses expf. */
    double sum = 0.0;
    int64_t i = 0;
    for (; i + AG_LANES <= n; i += AG_LANES) {
        ag_exp16(x + i, max);
        sum += (double)reduce16(x + i);
    }
    for (; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += (double)x[i];
    }
    const float inv = (float)(1.0 / sum);
#pragma omp simd
    for (int64_t j = 0; j < n; j++)
        x[j] *= inv;
}

#ifdef AG_X86
/* The same operations with the exp, the 16-lane tree and the F16 rounding kept in registers
 * (the maximum's order is free: a -0 / +0 tie changes no x - max). */
__attribute__((target("avx2,fma,f16c"))) static void softmax_round_avx2(float *x, int64_t n)
{
    __m256 m8 = _mm256_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        m8 = _mm256_max_ps(m8, _mm256_loadu_ps(x + i));
    float lanes[8], max = -INFINITY;
    _mm256_storeu_ps(lanes, m8);
    for (int l = 0; l < 8; l++)
        max = lanes[l] > max ? lanes[l] : max;
    for (; i < n; i++)
        max = x[i] > max ? x[i] : max;
    const __m256 vmax = _mm256_set1_ps(max);
    double sum = 0.0;
    for (i = 0; i + AG_LANES <= n; i += AG_LANES) {
        const __m256 lo = exp8_v(_mm256_loadu_ps(x + i), vmax), hi = exp8_v(_mm256_loadu_ps(x + i + 8), vmax);
        _mm256_storeu_ps(x + i, lo);
        _mm256_storeu_ps(x + i + 8, hi);
        /* reduce16: + halves, + quarters, (0 + 2) + (1 + 3) */
        const __m256 t8 = _mm256_add_ps(lo, hi);
        const __m128 t4 = _mm_add_ps(_mm256_castps256_ps128(t8), _mm256_extractf128_ps(t8, 1));
        const __m128 u = _mm_add_ps(t4, _mm_movehl_ps(t4, t4));
        sum += (double)_mm_cvtss_f32(_mm_add_ss(u, _mm_movehdup_ps(u)));
    }
    for (; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += (double)x[i];
    }
    const float inv = (float)(1.0 / sum);
    const __m256 vinv = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_mul_ps(_mm256_loadu_ps(x + i), vinv),
                                                                _MM_FROUND_TO_NEAREST_INT)));
    for (; i < n; i++)
        x[i] = half_to_f32(half_from_f32(x[i] * inv));
}
#endif

void ag_softmax_round(float *x, int64_t n)
{
#ifdef AG_X86
    if (x86_vector_paths()) {
        softmax_round_avx2(x, n);
        return;
    }
#endif
    ag_softmax(x, n);
    ag_round_f16(x, n);
}
