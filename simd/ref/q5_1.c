/* Q5_1: 32 weights per block as d * q + m with 5-bit q (fifth bits in qh). Pairs with Q8_1
 * activations like Q4_1. */
#include "../blocks.h"
#include "../half.h"
#include "ref.h"

static inline uint32_t q5_high_bits(const uint8_t qh[4])
{
    return (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
}

void ref_dequant_q5_1(const void *src, float *dst, int64_t n)
{
    const block_q5_1 *b = src;
    for (int64_t i = 0; i < n / QK5_1; i++, dst += QK5_1) {
        float d = half_load(&b[i].d), m = half_load(&b[i].m);
        uint32_t qh = q5_high_bits(b[i].qh);
        for (int j = 0; j < 16; j++) {
            int lo = (b[i].qs[j] & 15) | (int)((qh >> j) & 1) << 4;
            int hi = (b[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            dst[j] = d * (float)lo + m;
            dst[j + 16] = d * (float)hi + m;
        }
    }
}

void ref_quant_q5_1(const float *src, void *dst, int64_t n)
{
    block_q5_1 *b = dst;
    for (int64_t i = 0; i < n / QK5_1; i++, src += QK5_1) {
        float min = src[0], max = src[0];
        for (int j = 1; j < QK5_1; j++) {
            if (src[j] < min)
                min = src[j];
            if (src[j] > max)
                max = src[j];
        }
        float d = (max - min) / 31.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = half_from_f32(d);
        b[i].m = half_from_f32(min);
        uint32_t qh = 0;
        for (int j = 0; j < 16; j++) {
            uint8_t lo = (uint8_t)((src[j] - min) * id + 0.5f), hi = (uint8_t)((src[j + 16] - min) * id + 0.5f);
            b[i].qs[j] = (uint8_t)((lo & 15) | ((hi & 15) << 4));
            qh |= (uint32_t)((lo >> 4) & 1) << j;
            qh |= (uint32_t)((hi >> 4) & 1) << (j + 16);
        }
        for (int k = 0; k < 4; k++)
            b[i].qh[k] = (uint8_t)(qh >> (8 * k));
    }
}

float ref_dot_q5_1(int64_t n, const void *w, const void *x)
{
    const block_q5_1 *a = w;
    const block_q8_1 *q = x;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK5_1; i++) {
        uint32_t qh = q5_high_bits(a[i].qh);
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            int lo = (a[i].qs[j] & 15) | (int)((qh >> j) & 1) << 4;
            int hi = (a[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            isum += lo * q[i].qs[j] + hi * q[i].qs[j + 16];
        }
        sum += (half_load(&a[i].d) * half_load(&q[i].d)) * (float)isum + half_load(&a[i].m) * half_load(&q[i].s);
    }
    return sum;
}
