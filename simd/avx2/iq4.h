/* AVX2 IQ4_NL x Q8_0 and IQ4_XS x Q8_K kernels (iq4.c, iq4_gemm.c), in llama.cpp's x86 orders: the
 * scalar reference's bits (ref/iq4.c; IQ4_XS batches: ref_matmul_iq4_xs). The AVX-512 table keeps them. */
#ifndef TOLK_SIMD_AVX2_IQ4_H
#define TOLK_SIMD_AVX2_IQ4_H

#include <stddef.h>
#include <stdint.h>

#include "../ref/ref.h" /* IQ4_XS_TILED_MIN_TOK */

float avx2_dot_iq4_nl(int64_t n, const void *w, const void *x);
void avx2_matvec_iq4_nl(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matmul_iq4_nl(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                        int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_iq4_xs(int64_t n, const void *w, const void *x);
void avx2_matvec_iq4_xs(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matmul_iq4_xs(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                        int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

void avx2_one_order_iq4_xs(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                           int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
/* The panels (iq4_gemm.c): IQ4_NL in its one order; IQ4_XS in llama.cpp's batch order (ref_dot_iq4_xs_tiled). */
void avx2_gemm_iq4_nl(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                      float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx2_gemm_iq4_xs_tiled(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                            int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

#endif
