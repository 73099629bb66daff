/* NEON Q5_K x Q8_K: Q4_K's kernel with the fifth bits from qh OR-ed into the nibbles (codes 0..31
 * still fit signed bytes for vdot); the mins come off through the activation bsums. */
#include "neon.h"

/* The 8 scales and 8 mins of a block as bytes (see kq_scale_min for the packing). */
static inline void scales_mins(const uint8_t *s, uint8_t sc[8], uint8_t m[8])
{
    uint32_t s0, s1, s2;
    memcpy(&s0, s, 4);
    memcpy(&s1, s + 4, 4);
    memcpy(&s2, s + 8, 4);
    uint32_t v[4] = {s0 & 0x3f3f3f3f, ((s2 & 0x0f0f0f0f) | ((s0 >> 6) & 0x03030303) << 4), s1 & 0x3f3f3f3f,
                     (((s2 >> 4) & 0x0f0f0f0f) | ((s1 >> 6) & 0x03030303) << 4)};
    memcpy(sc, v, 8);
    memcpy(m, v + 2, 8);
}

float neon_dot_q5_k(int64_t n, const void *w, const void *x)
{
    const block_q5_K *b = w;
    const block_q8_K *a = x;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], m[8];
        scales_mins(b[i].scales, sc, m);
        int32x4_t isum = vdupq_n_s32(0);
        uint8x16_t h0 = vld1q_u8(b[i].qh), h1 = vld1q_u8(b[i].qh + 16);
        const uint8x16_t low = vdupq_n_u8(15), sixteen = vdupq_n_u8(16);
        for (int c = 0; c < 4; c++) {
            uint8x16_t q0 = vld1q_u8(b[i].qs + 32 * c), q1 = vld1q_u8(b[i].qs + 32 * c + 16);
            /* bit 2c of qh[l] -> +16 on the low run, bit 2c + 1 -> +16 on the high run */
            uint8x16_t m0 = vdupq_n_u8((uint8_t)(1 << (2 * c))), m1 = vdupq_n_u8((uint8_t)(2 << (2 * c)));
            uint8x16_t l0 = vorrq_u8(vandq_u8(q0, low), vandq_u8(vtstq_u8(h0, m0), sixteen));
            uint8x16_t l1 = vorrq_u8(vandq_u8(q1, low), vandq_u8(vtstq_u8(h1, m0), sixteen));
            uint8x16_t u0 = vorrq_u8(vshrq_n_u8(q0, 4), vandq_u8(vtstq_u8(h0, m1), sixteen));
            uint8x16_t u1 = vorrq_u8(vshrq_n_u8(q1, 4), vandq_u8(vtstq_u8(h1, m1), sixteen));
            int32x4_t plo = neon_dot32(vreinterpretq_s8_u8(l0), vreinterpretq_s8_u8(l1), a[i].qs + 64 * c);
            int32x4_t phi = neon_dot32(vreinterpretq_s8_u8(u0), vreinterpretq_s8_u8(u1), a[i].qs + 64 * c + 32);
            isum = vmlaq_n_s32(isum, plo, sc[2 * c]);
            isum = vmlaq_n_s32(isum, phi, sc[2 * c + 1]);
        }
        int16x8_t bs = vpaddq_s16(vld1q_s16(a[i].bsums), vld1q_s16(a[i].bsums + 8)); /* per sub-block sums */
        int16x8_t mv = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(m)));
        int32_t msum = vaddvq_s32(vaddq_s32(vmull_s16(vget_low_s16(bs), vget_low_s16(mv)),
                                            vmull_s16(vget_high_s16(bs), vget_high_s16(mv))));
        sum += neon_half(&b[i].d) * a[i].d * (float)vaddvq_s32(isum) - neon_half(&b[i].dmin) * a[i].d * (float)msum;
    }
    return sum;
}
