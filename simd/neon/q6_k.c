/* NEON Q6_K x Q8_K with dotprod: codes rebuilt from ql/qh and offset to signed (-32..31), one vdot
 * per 16-value group weighted by its signed scale in an int32 vector. */
#include "neon.h"

float neon_dot_q6_k(int64_t n, const void *w, const void *x)
{
    const block_q6_K *b = w;
    const block_q8_K *a = x;
    float sum = 0.0f;
    const uint8x16_t low = vdupq_n_u8(15), three = vdupq_n_u8(3);
    const int8x16_t off = vdupq_n_s8(32);
    for (int64_t i = 0; i < n / QK_K; i++) {
        int32x4_t isum = vdupq_n_s32(0);
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = b[i].ql + 64 * h, *qh = b[i].qh + 32 * h;
            const int8_t *aq = a[i].qs + 128 * h, *sc = b[i].scales + 8 * h;
            for (int half = 0; half < 2; half++) { /* the two 16-byte halves of each 32-code run */
                uint8x16_t l0 = vld1q_u8(ql + 16 * half), l1 = vld1q_u8(ql + 32 + 16 * half);
                uint8x16_t hb = vld1q_u8(qh + 16 * half);
                uint8x16_t q[4] = {
                    vorrq_u8(vandq_u8(l0, low), vshlq_n_u8(vandq_u8(hb, three), 4)),
                    vorrq_u8(vandq_u8(l1, low), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), three), 4)),
                    vorrq_u8(vshrq_n_u8(l0, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 4), three), 4)),
                    vorrq_u8(vshrq_n_u8(l1, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4)),
                };
                for (int k = 0; k < 4; k++) {
                    int8x16_t qs = vsubq_s8(vreinterpretq_s8_u8(q[k]), off);
                    int32x4_t p = vdotq_s32(vdupq_n_s32(0), qs, vld1q_s8(aq + 32 * k + 16 * half));
                    isum = vmlaq_n_s32(isum, p, sc[2 * k + half]);
                }
            }
        }
        sum += neon_half(&b[i].d) * a[i].d * (float)vaddvq_s32(isum);
    }
    return sum;
}
