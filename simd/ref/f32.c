/* F32 rows: the identity format. Its "activation" is the float row itself, and the dot product
 * accumulates in float in element order. */
#include <string.h>

#include "ref.h"

void ref_dequant_f32(const void *src, float *dst, int64_t n)
{
    memcpy(dst, src, (size_t)n * sizeof(float));
}

void ref_quant_f32(const float *src, void *dst, int64_t n)
{
    memcpy(dst, src, (size_t)n * sizeof(float));
}

float ref_dot_f32(int64_t n, const void *w, const void *x)
{
    const float *a = w, *b = x;
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++)
        sum += a[i] * b[i];
    return sum;
}
