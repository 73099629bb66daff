/* Q6_K: 256 weights per super-block, 16 groups of 16 with signed int8 scales against one half d;
 * 6-bit codes offset by 32 (low nibbles in ql, top two bits in qh). Pairs with Q8_K activations. */
#include <math.h>
#include <string.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

/* Signed codes (-32..31) of one block in element order. */
static void q6k_codes(const block_q6_K *b, int8_t q[QK_K])
{
    for (int h = 0; h < 2; h++)
        for (int k = 0; k < 4; k++)
            for (int l = 0; l < 32; l++) {
                uint8_t byte = b->ql[64 * h + l + 32 * (k & 1)];
                int nib = k < 2 ? byte & 15 : byte >> 4;
                int hi = (b->qh[32 * h + l] >> (2 * k)) & 3;
                q[128 * h + 32 * k + l] = (int8_t)((nib | hi << 4) - 32);
            }
}

void ref_dequant_q6_k(const void *src, float *dst, int64_t n)
{
    const block_q6_K *b = src;
    int8_t q[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        float d = half_load(&b[i].d);
        q6k_codes(&b[i], q);
        for (int g = 0; g < 16; g++) {
            float ds = d * (float)b[i].scales[g];
            for (int l = 0; l < 16; l++)
                dst[16 * g + l] = ds * (float)q[16 * g + l];
        }
    }
}

void ref_quant_q6_k(const float *src, void *dst, int64_t n)
{
    block_q6_K *b = dst;
    int8_t L[QK_K];
    float scales[16];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float max_scale = 0.0f, max_abs_scale = 0.0f;
        for (int g = 0; g < 16; g++) {
            scales[g] = kq_make_qx_quants(16, 32, src + 16 * g, L + 16 * g, 1);
            if (fabsf(scales[g]) > max_abs_scale) {
                max_abs_scale = fabsf(scales[g]);
                max_scale = scales[g];
            }
        }
        memset(&b[i], 0, sizeof(b[i]));
        if (max_abs_scale < 1e-15f) {
            b[i].d = half_from_f32(0.0f);
            continue;
        }
        float iscale = -128.0f / max_scale;
        b[i].d = half_from_f32(1.0f / iscale);
        for (int g = 0; g < 16; g++) {
            int v = kq_nearest_int(iscale * scales[g]);
            b[i].scales[g] = (int8_t)(v > 127 ? 127 : v);
        }
        for (int g = 0; g < 16; g++) {
            float d = half_to_f32(b[i].d) * (float)b[i].scales[g];
            if (d == 0.0f)
                continue;
            for (int l = 0; l < 16; l++) {
                int v = kq_nearest_int(src[16 * g + l] / d);
                v = v < -32 ? -32 : v > 31 ? 31 : v;
                L[16 * g + l] = (int8_t)(v + 32);
            }
        }
        for (int h = 0; h < 2; h++)
            for (int l = 0; l < 32; l++) {
                const int8_t *Lh = L + 128 * h;
                b[i].ql[64 * h + l] = (uint8_t)((Lh[l] & 15) | ((Lh[l + 64] & 15) << 4));
                b[i].ql[64 * h + l + 32] = (uint8_t)((Lh[l + 32] & 15) | ((Lh[l + 96] & 15) << 4));
                b[i].qh[32 * h + l] = (uint8_t)((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) |
                                                ((Lh[l + 96] >> 4) << 6));
            }
    }
}

/* llama.cpp's order (ggml_vec_dot_q6_K_q8_K, ggml-cpu/arch/x86/quants.c:2426-2507, the x86 dot of every
 * Q6_K product: Q6_K is not repacked there and llamafile's sgemm leaves it alone, so one token and
 * batches alike; docs/NUMERICS.md): per block, 8 int32 lanes, lane l holding the codes (unsigned,
 * 0..63) times the activation bytes times the group scale at elements 32k + 4l .. 32k + 4l + 3 of
 * each 32-element run k, minus 32 x (bsum_2l x scale_2l + bsum_2l+1 x scale_2l+1); each lane
 * converted to float and added to its own float lane with one FMA by d_x x d_w; at the end the 8
 * lanes summed as ((0+4)+(2+6)) + ((1+5)+(3+7)) (hsum_float_8). */
float ref_dot_q6_k(int64_t n, const void *w, const void *x)
{
    const block_q6_K *b = w;
    const block_q8_K *a = x;
    int8_t q[QK_K];
    float acc[8] = {0};
    for (int64_t i = 0; i < n / QK_K; i++) {
        q6k_codes(&b[i], q);
        int32_t lane[8] = {0};
        for (int e = 0; e < QK_K; e++)
            lane[(e % 32) / 4] += b[i].scales[e / 16] * (q[e] + 32) * a[i].qs[e];
        for (int l = 0; l < 8; l++)
            lane[l] -= 32 * (a[i].bsums[2 * l] * b[i].scales[2 * l] + a[i].bsums[2 * l + 1] * b[i].scales[2 * l + 1]);
        const float d = a[i].d * half_load(&b[i].d);
        for (int l = 0; l < 8; l++)
            acc[l] = fmaf(d, (float)lane[l], acc[l]);
    }
    return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

/* llama.cpp's order for batches of Q6_K_TILED_MIN_TOK tokens and more (its tiled mat x mat,
 * ggml-cpu/tiled/tiled.cpp and tiled-kernel.cpp, docs/NUMERICS.md): per super-block the exact integer
 * sum over all 256 elements of scale_g * (code - 32) * x, then acc = fma(d_w * (float)isum, d_x, acc)
 * with d_w * (float)isum rounded first, super-blocks in order, no lanes. */
float ref_dot_q6_k_tiled(int64_t n, const void *w, const void *x)
{
    const block_q6_K *b = w;
    const block_q8_K *a = x;
    int8_t q[QK_K];
    float acc = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        q6k_codes(&b[i], q);
        int32_t isum = 0;
        for (int e = 0; e < QK_K; e++)
            isum += b[i].scales[e / 16] * q[e] * a[i].qs[e];
        acc = fmaf(half_load(&b[i].d) * (float)isum, a[i].d, acc);
    }
    return acc;
}

void ref_matmul_q6_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1)
{
    const int tiled = n_tok >= Q6_K_TILED_MIN_TOK;
    for (int64_t t = 0; t < n_tok; t++)
        for (int64_t r = r0; r < r1; r++) {
            const char *wr = (const char *)w + (size_t)r * wrb, *xt = (const char *)qx + (size_t)t * qrb;
            y[(size_t)t * ys + (size_t)r] = tiled ? ref_dot_q6_k_tiled(n, wr, xt) : ref_dot_q6_k(n, wr, xt);
        }
}
