/* Q4_1: 32 weights per block as d * q + m with q in 0..15. Pairs with Q8_1 activations, whose
 * stored s = d_x * sum(q_x) turns the min term into one multiply per block. */
#include "../blocks.h"
#include "../half.h"
#include "ref.h"

void ref_dequant_q4_1(const void *src, float *dst, int64_t n)
{
    const block_q4_1 *b = src;
    for (int64_t i = 0; i < n / QK4_1; i++, dst += QK4_1) {
        float d = half_load(&b[i].d), m = half_load(&b[i].m);
        for (int j = 0; j < 16; j++) {
            dst[j] = d * (float)(b[i].qs[j] & 15) + m;
            dst[j + 16] = d * (float)(b[i].qs[j] >> 4) + m;
        }
    }
}

void ref_quant_q4_1(const float *src, void *dst, int64_t n)
{
    block_q4_1 *b = dst;
    for (int64_t i = 0; i < n / QK4_1; i++, src += QK4_1) {
        float min = src[0], max = src[0];
        for (int j = 1; j < QK4_1; j++) {
            if (src[j] < min)
                min = src[j];
            if (src[j] > max)
                max = src[j];
        }
        float d = (max - min) / 15.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = half_from_f32(d);
        b[i].m = half_from_f32(min);
        for (int j = 0; j < 16; j++) {
            int8_t lo = (int8_t)((src[j] - min) * id + 0.5f), hi = (int8_t)((src[j + 16] - min) * id + 0.5f);
            if (lo > 15)
                lo = 15;
            if (hi > 15)
                hi = 15;
            b[i].qs[j] = (uint8_t)(lo | (hi << 4));
        }
    }
}

float ref_dot_q4_1(int64_t n, const void *w, const void *x)
{
    const block_q4_1 *a = w;
    const block_q8_1 *q = x;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK4_1; i++) {
        int isum = 0;
        for (int j = 0; j < 16; j++)
            isum += (a[i].qs[j] & 15) * q[i].qs[j] + (a[i].qs[j] >> 4) * q[i].qs[j + 16];
        sum += (half_load(&a[i].d) * half_load(&q[i].d)) * (float)isum + half_load(&a[i].m) * half_load(&q[i].s);
    }
    return sum;
}
