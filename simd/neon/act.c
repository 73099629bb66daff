/* NEON activation quantizers, byte-identical to the scalar activation quantizers: scales are
 * computed in scalar float exactly as ref/ does, and vcvtn rounds to nearest even like nearbyintf
 * and kq_nearest_int. */
#include <math.h>

#include "../half.h"
#include "neon.h"

/* One 32-value block Q8_0-style; returns d and stores the codes. */
static inline float q8_block(const float *x, int8_t *qs)
{
    float32x4_t v[8];
    float32x4_t m = vdupq_n_f32(0.0f);
    for (int j = 0; j < 8; j++) {
        v[j] = vld1q_f32(x + 4 * j);
        m = vmaxq_f32(m, vabsq_f32(v[j]));
    }
    float amax = vmaxvq_f32(m);
    float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    for (int j = 0; j < 8; j += 2) {
        int32x4_t a = vcvtnq_s32_f32(vmulq_n_f32(v[j], id)), b = vcvtnq_s32_f32(vmulq_n_f32(v[j + 1], id));
        int16x8_t h = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
        vst1_s8(qs + 4 * j, vqmovn_s16(h));
    }
    return amax / 127.0f;
}

void neon_quant_act_q8_0(const float *src, void *dst, int64_t n)
{
    block_q8_0 *b = dst;
    for (int64_t i = 0; i < n / QK8_0; i++)
        b[i].d = half_from_f32(q8_block(src + i * QK8_0, b[i].qs));
}

void neon_quant_act_q8_1(const float *src, void *dst, int64_t n)
{
    block_q8_1 *b = dst;
    for (int64_t i = 0; i < n / QK8_1; i++) {
        float d = q8_block(src + i * QK8_1, b[i].qs);
        int sum = vaddlvq_s8(vld1q_s8(b[i].qs)) + vaddlvq_s8(vld1q_s8(b[i].qs + 16));
        b[i].d = half_from_f32(d);
        b[i].s = half_from_f32((float)sum * d);
    }
}

void neon_quant_act_q8_k(const float *src, void *dst, int64_t n)
{
    block_q8_K *b = dst;
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float32x4_t m = vdupq_n_f32(0.0f);
        for (int j = 0; j < QK_K; j += 4)
            m = vmaxq_f32(m, vabsq_f32(vld1q_f32(src + j)));
        float amax = vmaxvq_f32(m), max = 0.0f;
        memset(&b[i], 0, sizeof(b[i]));
        if (amax == 0.0f)
            continue;
        for (int j = 0; j < QK_K; j++) /* the first value of largest magnitude sets the sign */
            if (fabsf(src[j]) == amax) {
                max = src[j];
                break;
            }
        float iscale = -127.0f / max;
        for (int j = 0; j < QK_K; j += 8) {
            int32x4_t a = vminq_s32(vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(src + j), iscale)), vdupq_n_s32(127));
            int32x4_t c = vminq_s32(vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(src + j + 4), iscale)), vdupq_n_s32(127));
            vst1_s8(b[i].qs + j, vqmovn_s16(vcombine_s16(vqmovn_s32(a), vqmovn_s32(c))));
        }
        for (int g = 0; g < QK_K / 16; g++)
            b[i].bsums[g] = (int16_t)vaddlvq_s8(vld1q_s8(b[i].qs + 16 * g));
        b[i].d = 1.0f / iscale;
    }
}

void neon_quant_act_f16(const float *src, void *dst, int64_t n)
{
    uint16_t *h = dst;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1_u16(h + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
    for (; i < n; i++)
        h[i] = half_from_f32(src[i]);
}

void neon_quant_act_bf16(const float *src, void *dst, int64_t n)
{
    uint16_t *h = dst;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32x4_t u = vreinterpretq_u32_f32(vld1q_f32(src + i));
        uint32x4_t odd = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
        uint32x4_t r = vshrq_n_u32(vaddq_u32(u, vaddq_u32(odd, vdupq_n_u32(0x7fff))), 16);
        uint32x4_t nan = vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7fffffff)), vdupq_n_u32(0x7f800000));
        r = vbslq_u32(nan, vorrq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(64)), r);
        vst1_u16(h + i, vmovn_u32(r));
    }
    for (; i < n; i++)
        h[i] = bf16_from_f32(src[i]);
}
