/* Q4_K reference: the Q4_K / Q5_K body of q45_k.h for this format. */
#include "q45_k.h"

void ref_dequant_q4_k(const void *src, float *dst, int64_t n)
{
    q45k_dequant(src, dst, n, 0);
}

void ref_quant_q4_k(const float *src, void *dst, int64_t n)
{
    q45k_quant(src, dst, n, 0);
}

float ref_dot_q4_k(int64_t n, const void *w, const void *x)
{
    return q45k_dot(n, w, x, 0);
}
