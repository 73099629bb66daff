/* Q8_0: 32 int8 codes and one half scale d = amax / 127. Weights round like ggml's reference
 * quantizer (x / d, half away from zero); activations (for Q4_0, Q5_0 and Q8_0 weights) round like
 * ggml's CPU backend on x86 (x * 127 / amax, nearest even), so logits match llama.cpp there. The
 * dot sums in llama.cpp's x86 order (ref_dot_q8_0). */
#include <math.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

void ref_dequant_q8_0(const void *src, float *dst, int64_t n)
{
    const block_q8_0 *b = src;
    for (int64_t i = 0; i < n / QK8_0; i++, dst += QK8_0) {
        float d = half_load(&b[i].d);
        for (int j = 0; j < QK8_0; j++)
            dst[j] = d * (float)b[i].qs[j];
    }
}

void ref_quant_q8_0(const float *src, void *dst, int64_t n)
{
    block_q8_0 *b = dst;
    for (int64_t i = 0; i < n / QK8_0; i++, src += QK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; j++)
            amax = fmaxf(amax, fabsf(src[j]));
        float d = amax / 127.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = half_from_f32(d);
        for (int j = 0; j < QK8_0; j++)
            b[i].qs[j] = (int8_t)roundf(src[j] * id);
    }
}

void ref_quant_act_q8_0(const float *src, void *dst, int64_t n)
{
    block_q8_0 *b = dst;
    for (int64_t i = 0; i < n / QK8_0; i++, src += QK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; j++)
            amax = fmaxf(amax, fabsf(src[j]));
        float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        b[i].d = half_from_f32(amax / 127.0f);
        for (int j = 0; j < QK8_0; j++)
            b[i].qs[j] = (int8_t)nearbyintf(src[j] * id);
    }
}

/* llama.cpp's order (ref_ggml_hsum8 in ref.h): per block eight exact 4-element integer sums, each
 * fused into its own float lane with d_w * d_x rounded to float, the lanes summed at the end. */
float ref_dot_q8_0(int64_t n, const void *w, const void *x)
{
    const block_q8_0 *a = w, *q = x;
    float acc[8] = {0};
    for (int64_t i = 0; i < n / QK8_0; i++) {
        float d = half_load(&a[i].d) * half_load(&q[i].d);
        for (int l = 0; l < 8; l++) {
            int isum = 0;
            for (int j = 4 * l; j < 4 * l + 4; j++)
                isum += a[i].qs[j] * q[i].qs[j];
            acc[l] = fmaf((float)isum, d, acc[l]);
        }
    }
    return ref_ggml_hsum8(acc);
}
