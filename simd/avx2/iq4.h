/* AVX2 IQ4_NL x Q8_0 and IQ4_XS x Q8_K kernels (iq4.c), in llama.cpp's x86 order: the scalar
 * reference's bits (ref/iq4.c). The AVX-512 table keeps them. */
#ifndef TOLK_SIMD_AVX2_IQ4_H
#define TOLK_SIMD_AVX2_IQ4_H

#include <stddef.h>
#include <stdint.h>

float avx2_dot_iq4_nl(int64_t n, const void *w, const void *x);
void avx2_matvec_iq4_nl(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matmul_iq4_nl(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                        int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_iq4_xs(int64_t n, const void *w, const void *x);
void avx2_matvec_iq4_xs(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matmul_iq4_xs(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                        int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

#endif
