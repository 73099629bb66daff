/* Q4_K reference: dequantize and quantize through the Q4_K / Q5_K body of q45_k.h; the dot product
 * in llama.cpp's order (its x86 q4_K_8x8 repack kernels, docs/NUMERICS.md), one token and batches. */
#include "q45_k.h"

void ref_dequant_q4_k(const void *src, float *dst, int64_t n)
{
    q45k_dequant(src, dst, n, 0);
}

void ref_quant_q4_k(const float *src, void *dst, int64_t n)
{
    q45k_quant(src, dst, n, 0);
}

/* llama.cpp's x86 order for Q4_K weights with a row count divisible by 8, which it repacks into
 * q4_K_8x8 (ggml-cpu/repack.cpp:5007-5010). Per row two float accumulators, A for the scales and M
 * for the mins, each step A = fma((float)isum, d_w x d_x, A), M = fma((float)msum, dmin_w x d_x,
 * M) with the integer sums exact; the result A - M. The one-token kernel (ggml_gemv_q4_K_8x8_q8_K,
 * arch/x86/repack.cpp:1464-1684) takes one step per super-block (isum = sum_j sc_j x dot_j, msum =
 * sum_j m_j x (bsum_2j + bsum_2j+1)); the batch kernel (ggml_gemm_q4_K_8x8_q8_K, :2042-3488) one
 * step per 64 elements (sub-blocks 2s and 2s + 1). PER_64: the batch kernel's order. */
static float q4k_dot_llama(int64_t n, const void *w, const void *x, int per_64)
{
    const block_q4_K *b = w;
    const block_q8_K *a = x;
    float acc = 0.0f, accm = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float dd = half_load(&b[i].d) * a[i].d, dm = half_load(&b[i].dmin) * a[i].d;
        int32_t isum = 0, msum = 0;
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            kq_scale_min(j, b[i].scales, &sc, &m);
            int32_t s = 0;
            for (int l = 0; l < 32; l++) {
                const uint8_t byte = b[i].qs[32 * (j / 2) + l];
                s += (j % 2 ? byte >> 4 : byte & 15) * a[i].qs[32 * j + l];
            }
            isum += sc * s;
            msum += m * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
            if (per_64 ? j % 2 == 1 : j == 7) {
                acc = fmaf((float)isum, dd, acc);
                accm = fmaf((float)msum, dm, accm);
                isum = msum = 0;
            }
        }
    }
    return acc - accm;
}

float ref_dot_q4_k(int64_t n, const void *w, const void *x)
{
    return q4k_dot_llama(n, w, x, 0);
}

float ref_dot_q4_k_per64(int64_t n, const void *w, const void *x)
{
    return q4k_dot_llama(n, w, x, 1);
}

int64_t ref_q4_k_batch_tokens(int64_t n_tok)
{
    return n_tok - n_tok % 4;
}

void ref_matmul_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1)
{
    const int64_t nb = ref_q4_k_batch_tokens(n_tok);
    for (int64_t t = 0; t < n_tok; t++)
        for (int64_t r = r0; r < r1; r++)
            y[(size_t)t * ys + (size_t)r] = q4k_dot_llama(n, (const char *)w + (size_t)r * wrb,
                                                          (const char *)qx + (size_t)t * qrb, t < nb);
}
