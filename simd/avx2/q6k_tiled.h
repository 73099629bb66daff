/* AVX2 Q6_K x Q8_K prompt batches in llama.cpp's tiled order (q6k_tiled.c, ref_dot_q6_k_tiled). The
 * tables send batches of Q6_K_TILED_MIN_TOK tokens and more here and fewer to their one-token
 * order, the split llama.cpp makes (ref_matmul_q6_k). The AVX-512 table keeps it. */
#ifndef TOLK_SIMD_AVX2_Q6K_TILED_H
#define TOLK_SIMD_AVX2_Q6K_TILED_H

#include <stddef.h>
#include <stdint.h>

#include "../ref/ref.h" /* Q6_K_TILED_MIN_TOK */

/* Every token of the batch in the tiled order (any count). */
void avx2_gemm_q6_k_tiled(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                          int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

#endif
