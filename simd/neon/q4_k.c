/* NEON Q4_K x Q8_K with dotprod: per 32-value sub-block one vdot pair, weighted by its 6-bit scale
 * in an int32 vector; the mins come off once per block through the activation bsums. */
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

float neon_dot_q4_k(int64_t n, const void *w, const void *x)
{
    const block_q4_K *b = w;
    const block_q8_K *a = x;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], m[8];
        scales_mins(b[i].scales, sc, m);
        int32x4_t isum = vdupq_n_s32(0);
        for (int c = 0; c < 4; c++) {
            uint8x16_t q0 = vld1q_u8(b[i].qs + 32 * c), q1 = vld1q_u8(b[i].qs + 32 * c + 16);
            const uint8x16_t low = vdupq_n_u8(15);
            int32x4_t plo = neon_dot32(vreinterpretq_s8_u8(vandq_u8(q0, low)), vreinterpretq_s8_u8(vandq_u8(q1, low)),
                                       a[i].qs + 64 * c);
            int32x4_t phi = neon_dot32(vreinterpretq_s8_u8(vshrq_n_u8(q0, 4)), vreinterpretq_s8_u8(vshrq_n_u8(q1, 4)),
                                       a[i].qs + 64 * c + 32);
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
