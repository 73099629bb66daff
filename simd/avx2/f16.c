/* AVX2 F16 x F16: the float-format kernels of fp.h for this format, and the F16 -> F32 row
 * conversion. */
#include "fp.h"

/* F16 -> F32 rows (KV cache reads in attention, F16 embeddings): the hardware conversion is exact,
 * so this gives the reference's bits 8 values per instruction. */
void avx2_f16_to_f32(const void *src, float *dst, int64_t n)
{
    const uint16_t *s = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, fp_load8(FP_F16, s, i));
    for (; i < n; i++)
        dst[i] = half_to_f32(s[i]);
}

float avx2_dot_f16(int64_t n, const void *w, const void *x)
{
    return fp_dot(FP_F16, n, w, x);
}

void avx2_matmul_f16(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    fp_matmul(FP_F16, avx2_dot_f16, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}
