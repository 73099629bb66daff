/* F16 rows (IEEE half). Activations are rounded to half too, as ggml's CPU backend does for F16
 * weights; products are summed in double like ggml's scalar path, then returned as float. */
#include "../half.h"
#include "ref.h"

void ref_dequant_f16(const void *src, float *dst, int64_t n)
{
    const uint16_t *h = src;
    for (int64_t i = 0; i < n; i++)
        dst[i] = half_to_f32(h[i]);
}

void ref_quant_f16(const float *src, void *dst, int64_t n)
{
    uint16_t *h = dst;
    for (int64_t i = 0; i < n; i++)
        h[i] = half_from_f32(src[i]);
}

float ref_dot_f16(int64_t n, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += (double)(half_to_f32(a[i]) * half_to_f32(b[i]));
    return (float)sum;
}
