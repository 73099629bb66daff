/* Q5_K reference: the Q4_K / Q5_K body of q45_k.h for this format. */
#include "q45_k.h"

void ref_dequant_q5_k(const void *src, float *dst, int64_t n)
{
    q45k_dequant(src, dst, n, 1);
}

void ref_quant_q5_k(const float *src, void *dst, int64_t n)
{
    q45k_quant(src, dst, n, 1);
}

float ref_dot_q5_k(int64_t n, const void *w, const void *x)
{
    return q45k_dot(n, w, x, 1);
}
