/* NEON Q2_K x Q8_K with dotprod: 2-bit codes shifted out of each byte, one vdot per 16-value
 * group weighted by its 4-bit scale; the 4-bit mins come off through the activation bsums. */
#include "neon.h"

float neon_dot_q2_k(int64_t n, const void *w, const void *x)
{
    const block_q2_K *b = w;
    const block_q8_K *a = x;
    float sum = 0.0f;
    const uint8x16_t three = vdupq_n_u8(3);
    for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t *sc = b[i].scales;
        uint8x16_t s8 = vld1q_u8(sc);
        int16x8_t m0 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(vshrq_n_u8(s8, 4))));
        int16x8_t m1 = vreinterpretq_s16_u16(vmovl_u8(vget_high_u8(vshrq_n_u8(s8, 4))));
        int16x8_t bs0 = vld1q_s16(a[i].bsums), bs1 = vld1q_s16(a[i].bsums + 8);
        int32x4_t mv = vmull_s16(vget_low_s16(m0), vget_low_s16(bs0));
        mv = vmlal_s16(mv, vget_high_s16(m0), vget_high_s16(bs0));
        mv = vmlal_s16(mv, vget_low_s16(m1), vget_low_s16(bs1));
        mv = vmlal_s16(mv, vget_high_s16(m1), vget_high_s16(bs1));
        int32x4_t isum = vdupq_n_s32(0);
        for (int h = 0; h < 2; h++) {
            uint8x16_t q0 = vld1q_u8(b[i].qs + 32 * h), q1 = vld1q_u8(b[i].qs + 32 * h + 16);
            for (int j = 0; j < 4; j++) {
                int8x16_t sh = vdupq_n_s8((int8_t)(-2 * j));
                int8x16_t c0 = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q0, sh), three));
                int8x16_t c1 = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q1, sh), three));
                const int8_t *aq = a[i].qs + 128 * h + 32 * j;
                int g = 8 * h + 2 * j;
                isum = vmlaq_n_s32(isum, vdotq_s32(vdupq_n_s32(0), c0, vld1q_s8(aq)), sc[g] & 15);
                isum = vmlaq_n_s32(isum, vdotq_s32(vdupq_n_s32(0), c1, vld1q_s8(aq + 16)), sc[g + 1] & 15);
            }
        }
        sum += neon_half(&b[i].d) * a[i].d * (float)vaddvq_s32(isum) -
               neon_half(&b[i].dmin) * a[i].d * (float)vaddvq_s32(mv);
    }
    return sum;
}
