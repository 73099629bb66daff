/* AVX2 Q4_0 x Q8_0 in llama.cpp's order (ggml-cpu/arch/x86/repack.cpp, its q4_0_8x8 kernels, for
 * one token and for batches alike; docs/NUMERICS.md): every output element is
 *     acc = 0; for each block b in order: acc = fma((float)isum_b, d_w[b] * d_x[b], acc)
 * with isum_b the exact integer dot of the block's codes minus 8 with the activation bytes. That
 * is ref_dot_q4_0 bit for bit at any row and token count, so batches equal one-token decoding.
 *
 * Rows in vector lanes: 8 rows at a time, each row's 32 products of a block as 8 int32 lanes
 * (maddubs of the unsigned codes, minus 8 x the activation pair sums, madd), the 8 rows' lanes
 * summed into one register with row i in lane i (integer adds: exact in any order), then one
 * convert and one FMA per block for the 8 rows. Batches of 3 tokens or more take the packed panels
 * of gemm_q32.c, which keep the same per-element order. */
#include <math.h>

#include "gemm.h"

/* Each row's integer dot of one block: 8 int32 lanes (codes C unsigned, X the activation bytes,
 * OFF = 8 x their pair sums). */
static inline __attribute__((always_inline)) __m256i block_lanes(__m256i c, __m256i x, __m256i off)
{
    return _mm256_madd_epi16(_mm256_sub_epi16(_mm256_maddubs_epi16(c, x), off), _mm256_set1_epi16(1));
}

/* The half scales at base + idx[i] (row i's block) as 8 floats. */
static inline __attribute__((always_inline)) __m256 gather_scales(const char *base, __m256i idx)
{
    const __m256i lo16 = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 4, 5, 8, 9,
                                          12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    __m256i v = _mm256_i32gather_epi32((const int *)base, idx, 1);
    v = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(v, lo16), 0x08);
    return _mm256_cvtph_ps(_mm256_castsi256_si128(v));
}

float avx2_ggml_dot_q4_0(int64_t n, const void *w, const void *x)
{
    const block_q4_0 *a = w;
    const block_q8_0 *q = x;
    float acc = 0.0f;
    for (int64_t b = 0; b < n / QK4_0; b++) {
        __m256i xq = _mm256_loadu_si256((const __m256i *)q[b].qs);
        __m256i off = _mm256_maddubs_epi16(_mm256_set1_epi8(8), xq);
        __m256i v = block_lanes(avx2_nibbles(a[b].qs), xq, off);
        float d = *avx2_half_ref(&a[b].d) * *avx2_half_ref(&q[b].d);
        acc = fmaf((float)avx2_hsum_i32(v), d, acc);
    }
    return acc;
}

/* Rows [r, r + 8) of one token. */
static inline __attribute__((always_inline)) void rows8(const char *w, size_t wrb, int64_t nb, const block_q8_0 *x,
                                                        float *y, int64_t r)
{
    const char *row = w + (size_t)r * wrb;
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)wrb));
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const char *blk = row + (size_t)b * sizeof(block_q4_0);
        __m256i xq = _mm256_loadu_si256((const __m256i *)x[b].qs);
        __m256i off = _mm256_maddubs_epi16(_mm256_set1_epi8(8), xq);
        __m256i v[8];
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) {
            const char *bi = blk + (size_t)i * wrb;
            _mm_prefetch(bi + AVX2_PREFETCH, _MM_HINT_T0);
            v[i] = block_lanes(avx2_nibbles(((const block_q4_0 *)bi)->qs), xq, off);
        }
        __m256 d = _mm256_mul_ps(gather_scales(blk, idx), _mm256_broadcast_ss(avx2_half_ref(&x[b].d)));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(avx2_sum_rows8(v)), d, acc);
    }
    _mm256_storeu_ps(y + r, acc);
}

void avx2_ggml_matvec_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    const int64_t nb = n / QK4_0;
    int64_t r = r0;
    for (; r + 8 <= r1; r += 8)
        rows8(w, wrb, nb, qx, y, r);
    for (; r < r1; r++)
        y[r] = avx2_ggml_dot_q4_0(n, (const char *)w + (size_t)r * wrb, qx);
}

/* Batches below the panels: the one-token kernel token by token over groups of rows
 * small enough (about 128 KiB) to stay in L2 while every token passes over them. */
void avx2_ggml_matmul_few_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok,
                               float *y, size_t ys, int64_t r0, int64_t r1)
{
    simd_matmul_tokens_in_l2(avx2_ggml_matvec_q4_0, 8, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

/* From this many tokens the packed panels (same order) beat the kernel above token by token: per
 * CPU-second from L2 on 128 x 4096, 74 / 105 / 119 GOP/s at 4 / 8 / 15 tokens against 45 (and
 * the old row walks' 51 / 55 / 53); at 2 tokens 42 against 45. */
enum { GGML_PANEL_MIN_TOK = 3 };

void avx2_ggml_matmul_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                           size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= GGML_PANEL_MIN_TOK)
        avx2_gemm_q4_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx2_ggml_matmul_few_q4_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
