/* BF16 rows (top half of an IEEE float). Activations are rounded to bf16 with ggml's rounding
 * (nearest even, NaN kept quiet); products are summed in double, then returned as float. */
#include "../half.h"
#include "ref.h"

void ref_dequant_bf16(const void *src, float *dst, int64_t n)
{
    const uint16_t *h = src;
    for (int64_t i = 0; i < n; i++)
        dst[i] = bf16_to_f32(h[i]);
}

void ref_quant_bf16(const float *src, void *dst, int64_t n)
{
    uint16_t *h = dst;
    for (int64_t i = 0; i < n; i++)
        h[i] = bf16_from_f32(src[i]);
}

float ref_dot_bf16(int64_t n, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += (double)(bf16_to_f32(a[i]) * bf16_to_f32(b[i]));
    return (float)sum;
}
