/* Q5_0: 32 weights per block, one half scale, 5-bit codes offset by 16 (low nibbles in qs, fifth
 * bits in the u32 qh). Pairs with Q8_0 activations; the dot sums in llama.cpp's x86 order. */
#include <math.h>
#include <string.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

static inline uint32_t q5_high_bits(const uint8_t qh[4])
{
    return (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
}

void ref_dequant_q5_0(const void *src, float *dst, int64_t n)
{
    const block_q5_0 *b = src;
    for (int64_t i = 0; i < n / QK5_0; i++, dst += QK5_0) {
        float d = half_load(&b[i].d);
        uint32_t qh = q5_high_bits(b[i].qh);
        for (int j = 0; j < 16; j++) {
            int lo = (b[i].qs[j] & 15) | (int)((qh >> j) & 1) << 4;
            int hi = (b[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            dst[j] = d * (float)(lo - 16);
            dst[j + 16] = d * (float)(hi - 16);
        }
    }
}

void ref_quant_q5_0(const float *src, void *dst, int64_t n)
{
    block_q5_0 *b = dst;
    for (int64_t i = 0; i < n / QK5_0; i++, src += QK5_0) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK5_0; j++) {
            if (amax < fabsf(src[j])) {
                amax = fabsf(src[j]);
                max = src[j];
            }
        }
        float d = max / -16.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = half_from_f32(d);
        uint32_t qh = 0;
        for (int j = 0; j < 16; j++) {
            int8_t lo = (int8_t)(src[j] * id + 16.5f), hi = (int8_t)(src[j + 16] * id + 16.5f);
            if (lo > 31)
                lo = 31;
            if (hi > 31)
                hi = 31;
            b[i].qs[j] = (uint8_t)((lo & 15) | ((hi & 15) << 4));
            qh |= (uint32_t)((lo >> 4) & 1) << j;
            qh |= (uint32_t)((hi >> 4) & 1) << (j + 16);
        }
        for (int k = 0; k < 4; k++)
            b[i].qh[k] = (uint8_t)(qh >> (8 * k));
    }
}

/* llama.cpp's order, as ref_dot_q8_0 (ref_ggml_hsum8 in ref.h): element j's code is the low or
 * high nibble of qs[j mod 16] with bit j of qh as its fifth bit, minus 16. */
float ref_dot_q5_0(int64_t n, const void *w, const void *x)
{
    const block_q5_0 *a = w;
    const block_q8_0 *q = x;
    float acc[8] = {0};
    for (int64_t i = 0; i < n / QK5_0; i++) {
        uint32_t qh = q5_high_bits(a[i].qh);
        float d = half_load(&a[i].d) * half_load(&q[i].d);
        for (int l = 0; l < 8; l++) {
            int isum = 0;
            for (int j = 4 * l; j < 4 * l + 4; j++) {
                int nib = j < 16 ? a[i].qs[j] & 15 : a[i].qs[j - 16] >> 4;
                isum += ((nib | (int)((qh >> j) & 1) << 4) - 16) * q[i].qs[j];
            }
            acc[l] = fmaf((float)isum, d, acc[l]);
        }
    }
    return ref_ggml_hsum8(acc);
}
