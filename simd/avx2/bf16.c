/* AVX2 BF16 x BF16: the float-format kernels of fp.h for this format. */
#include "fp.h"

float avx2_dot_bf16(int64_t n, const void *w, const void *x)
{
    return fp_dot(FP_BF16, n, w, x);
}

void avx2_matmul_bf16(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    fp_matmul(FP_BF16, avx2_dot_bf16, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}
