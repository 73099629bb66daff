/* IQ4_NL and IQ4_XS: 4-bit indices into a fixed non-linear table of 16 signed bytes (docs/FORMATS-IQ4.md).
 * IQ4_NL: 32 weights per block, d * table[i]; pairs with Q8_0 activations. IQ4_XS: 256 per super-block,
 * d * (6-bit scale - 32) per 32-run * table[i]; pairs with Q8_K. The dot products add in the order
 * of llama.cpp's x86 CPU backend (see each function; IQ4_XS has a second order for batches of 8+
 * tokens), so logits can match it bit for bit. The
 * quantizers are tolk's own (a small scale search), good enough to write test files. */
#include <math.h>
#include <string.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

const int8_t iq4_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* ---- dequantize ---------------------------------------------------------------------------------- */

static void iq4_run_to_float(const uint8_t *qs, float scale, float *dst)
{
    for (int j = 0; j < 16; j++) {
        dst[j] = scale * (float)iq4_values[qs[j] & 15];
        dst[j + 16] = scale * (float)iq4_values[qs[j] >> 4];
    }
}

void ref_dequant_iq4_nl(const void *src, float *dst, int64_t n)
{
    const block_iq4_nl *b = src;
    for (int64_t i = 0; i < n / QK4_NL; i++, dst += QK4_NL)
        iq4_run_to_float(b[i].qs, half_load(&b[i].d), dst);
}

void ref_dequant_iq4_xs(const void *src, float *dst, int64_t n)
{
    const block_iq4_xs *b = src;
    for (int64_t i = 0; i < n / QK_K; i++) {
        float d = half_load(&b[i].d);
        for (int ib = 0; ib < QK_K / 32; ib++, dst += 32)
            iq4_run_to_float(b[i].qs + 16 * ib, d * (float)iq4_xs_scale(&b[i], ib), dst);
    }
}

/* ---- quantize ------------------------------------------------------------------------------------ */

static int iq4_nearest(float v)
{
    int best = 0;
    float err = fabsf(v - (float)iq4_values[0]);
    for (int k = 1; k < 16; k++) {
        float e = fabsf(v - (float)iq4_values[k]);
        if (e < err) {
            err = e;
            best = k;
        }
    }
    return best;
}

/* Best scale of a 32-run for the table, weighted by x^2: the largest magnitude is tried at
 * several table positions on either end, indices are rounded, and each try's least-squares scale
 * is scored by sumqx^2 / sumq2; 0 for an all-zero run. */
static float iq4_run_scale(const float *x)
{
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 32; j++)
        if (fabsf(x[j]) > amax) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    if (amax < 1e-30f)
        return 0.0f;
    float best_d = max / -127.0f, best = -1.0f;
    for (int t = -127; t <= 127; t += 3) {
        if (t > -96 && t < 96)
            continue;
        float id = (float)t / max, sumqx = 0.0f, sumq2 = 0.0f;
        for (int j = 0; j < 32; j++) {
            float q = (float)iq4_values[iq4_nearest(x[j] * id)], w = x[j] * x[j];
            sumqx += w * q * x[j];
            sumq2 += w * q * q;
        }
        if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) {
            best = sumqx * sumqx / sumq2;
            best_d = sumqx / sumq2;
        }
    }
    return best_d;
}

static void iq4_run_codes(const float *x, float d, uint8_t *qs)
{
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int j = 0; j < 16; j++)
        qs[j] = (uint8_t)(iq4_nearest(x[j] * id) | (iq4_nearest(x[j + 16] * id) << 4));
}

void ref_quant_iq4_nl(const float *src, void *dst, int64_t n)
{
    block_iq4_nl *b = dst;
    for (int64_t i = 0; i < n / QK4_NL; i++, src += QK4_NL) {
        b[i].d = half_from_f32(iq4_run_scale(src));
        iq4_run_codes(src, half_load(&b[i].d), b[i].qs); /* codes for the stored scale */
    }
}

void ref_quant_iq4_xs(const float *src, void *dst, int64_t n)
{
    block_iq4_xs *b = dst;
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float s[8], smax = 0.0f, amax = 0.0f;
        for (int ib = 0; ib < 8; ib++) {
            s[ib] = iq4_run_scale(src + 32 * ib);
            if (fabsf(s[ib]) > amax) {
                amax = fabsf(s[ib]);
                smax = s[ib];
            }
        }
        memset(&b[i], 0, sizeof b[i]);
        float d = smax / -32.0f; /* the largest run scale becomes -32 */
        b[i].d = half_from_f32(d);
        float dh = half_load(&b[i].d), id = dh != 0.0f ? 1.0f / dh : 0.0f;
        for (int ib = 0; ib < 8; ib++) {
            int l = (int)nearbyintf(s[ib] * id);
            l = l < -32 ? -32 : l > 31 ? 31 : l;
            int u = l + 32;
            b[i].scales_l[ib / 2] |= (uint8_t)((u & 15) << (4 * (ib % 2)));
            b[i].scales_h |= (uint16_t)((u >> 4) << (2 * ib));
            iq4_run_codes(src + 32 * ib, dh * (float)l, b[i].qs + 16 * ib);
        }
    }
}

/* ---- dot products -------------------------------------------------------------------------------- */

/* The exact integer dot of one 32-run of codes with 32 activation bytes, elements [lo, lo + len). */
static int iq4_run_isum(const uint8_t *qs, const int8_t *x, int lo, int len)
{
    int s = 0;
    for (int e = lo; e < lo + len; e++) {
        int code = e < 16 ? qs[e] & 15 : qs[e - 16] >> 4;
        s += iq4_values[code] * x[e];
    }
    return s;
}

/* llama.cpp's order on x86 (AVX2: IQ4_NL weights are repacked 8 rows at a time and run through the
 * q4_0 8x8 kernels with this table, ggml-cpu/arch/x86/repack.cpp): per block the exact integer
 * dot, converted to float, then ONE fused multiply-add per block in block order, with d_w * d_x
 * rounded to float first: ref_dot_q4_0's order. */
float ref_dot_iq4_nl(int64_t n, const void *w, const void *x)
{
    const block_iq4_nl *a = w;
    const block_q8_0 *q = x;
    float acc = 0.0f;
    for (int64_t i = 0; i < n / QK4_NL; i++) {
        float d = half_load(&a[i].d) * half_load(&q[i].d);
        acc = fmaf((float)iq4_run_isum(a[i].qs, q[i].qs, 0, 32), d, acc);
    }
    return acc;
}

/* llama.cpp's order on x86 (ggml_vec_dot_iq4_xs_q8_K, AVX2): eight int32 lanes per super-block,
 * lane l holding sum over the 32-runs ib of scale_ib * (the integer dot of elements 4l..4l+3 of
 * run ib); then per lane acc[l] = fma(d_w * d_x, (float)lane, acc[l]) over super-blocks; at the end
 * h[k] = acc[k + 4] + acc[k], then (h0 + h2) + (h1 + h3). */
float ref_dot_iq4_xs(int64_t n, const void *w, const void *x)
{
    const block_iq4_xs *a = w;
    const block_q8_K *q = x;
    float acc[8] = {0};
    for (int64_t i = 0; i < n / QK_K; i++) {
        int lanes[8] = {0};
        for (int ib = 0; ib < 8; ib++) {
            int ls = iq4_xs_scale(&a[i], ib);
            for (int l = 0; l < 8; l++)
                lanes[l] += ls * iq4_run_isum(a[i].qs + 16 * ib, q[i].qs + 32 * ib, 4 * l, 4);
        }
        float d = half_load(&a[i].d) * q[i].d;
        for (int l = 0; l < 8; l++)
            acc[l] = fmaf(d, (float)lanes[l], acc[l]);
    }
    float h[4];
    for (int k = 0; k < 4; k++)
        h[k] = acc[k + 4] + acc[k];
    return (h[0] + h[2]) + (h[1] + h[3]);
}

/* llama.cpp's order for IQ4_XS batches of IQ4_XS_TILED_MIN_TOK tokens and more (its "tiled" mat x mat,
 * ggml-cpu/tiled/tiled.cpp and tiled-kernel.cpp, docs/FORMATS-IQ4.md): per super-block the exact
 * integer sum over all 256 elements of scale_ib * table * x, then acc = fma(d_w * (float)isum, d_x, acc)
 * with d_w * (float)isum rounded first, super-blocks in order, no lanes. */
float ref_dot_iq4_xs_tiled(int64_t n, const void *w, const void *x)
{
    const block_iq4_xs *a = w;
    const block_q8_K *q = x;
    float acc = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        int isum = 0;
        for (int ib = 0; ib < 8; ib++)
            isum += iq4_xs_scale(&a[i], ib) * iq4_run_isum(a[i].qs + 16 * ib, q[i].qs + 32 * ib, 0, 32);
        acc = fmaf(half_load(&a[i].d) * (float)isum, q[i].d, acc);
    }
    return acc;
}

void ref_matmul_iq4_xs(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                       size_t ys, int64_t r0, int64_t r1)
{
    const int tiled = n_tok >= IQ4_XS_TILED_MIN_TOK;
    for (int64_t t = 0; t < n_tok; t++)
        for (int64_t r = r0; r < r1; r++) {
            const char *wr = (const char *)w + (size_t)r * wrb, *xt = (const char *)qx + (size_t)t * qrb;
            y[(size_t)t * ys + (size_t)r] = tiled ? ref_dot_iq4_xs_tiled(n, wr, xt) : ref_dot_iq4_xs(n, wr, xt);
        }
}
