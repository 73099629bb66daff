/* Q8_1: Q8_0 plus s = d * sum(q), the activation format of Q4_1 / Q5_1 weights. An activation
 * format only, so it has no dot product of its own. The reference row quantizer rounds like ggml's
 * reference; the activation quantizer like ggml's CPU backend on x86 (see ref/q8_0.c). */
#include <math.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

void ref_dequant_q8_1(const void *src, float *dst, int64_t n)
{
    const block_q8_1 *b = src;
    for (int64_t i = 0; i < n / QK8_1; i++, dst += QK8_1) {
        float d = half_load(&b[i].d);
        for (int j = 0; j < QK8_1; j++)
            dst[j] = d * (float)b[i].qs[j];
    }
}

void ref_quant_q8_1(const float *src, void *dst, int64_t n)
{
    block_q8_1 *b = dst;
    for (int64_t i = 0; i < n / QK8_1; i++, src += QK8_1) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_1; j++)
            amax = fmaxf(amax, fabsf(src[j]));
        float d = amax / 127.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = half_from_f32(d);
        int sum = 0;
        for (int j = 0; j < QK8_1; j++) {
            b[i].qs[j] = (int8_t)roundf(src[j] * id);
            sum += b[i].qs[j];
        }
        b[i].s = half_from_f32((float)sum * d);
    }
}

void ref_quant_act_q8_1(const float *src, void *dst, int64_t n)
{
    block_q8_1 *b = dst;
    for (int64_t i = 0; i < n / QK8_1; i++, src += QK8_1) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_1; j++)
            amax = fmaxf(amax, fabsf(src[j]));
        float d = amax / 127.0f, id = amax != 0.0f ? 127.0f / amax : 0.0f;
        int sum = 0;
        for (int j = 0; j < QK8_1; j++) {
            b[i].qs[j] = (int8_t)nearbyintf(src[j] * id);
            sum += b[i].qs[j];
        }
        b[i].d = half_from_f32(d);
        b[i].s = half_from_f32((float)sum * d);
    }
}
