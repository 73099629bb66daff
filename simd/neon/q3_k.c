/* NEON Q3_K x Q8_K with dotprod: codes rebuilt signed (two low bits | hmask bit << 2, minus 4),
 * one vdot per 16-value group weighted by its signed 6-bit scale. */
#include "neon.h"

/* The sixteen signed scales: low nibbles from bytes 0..7 (scales 0..7) and their high nibbles
 * (8..15), each with two high bits from bytes 8..11, minus 32. */
static inline void scales16(const uint8_t *s, int8_t sc[16])
{
    uint64_t lo;
    uint32_t aux;
    memcpy(&lo, s, 8);
    memcpy(&aux, s + 8, 4);
    uint64_t h0 = (uint64_t)(aux & 0x03030303) | (uint64_t)((aux >> 2) & 0x03030303) << 32;
    uint64_t h1 = (uint64_t)((aux >> 4) & 0x03030303) | (uint64_t)((aux >> 6) & 0x03030303) << 32;
    uint64_t r[2] = {(lo & 0x0f0f0f0f0f0f0f0full) | h0 << 4, ((lo >> 4) & 0x0f0f0f0f0f0f0f0full) | h1 << 4};
    vst1q_s8(sc, vsubq_s8(vreinterpretq_s8_u64(vld1q_u64(r)), vdupq_n_s8(32)));
}

float neon_dot_q3_k(int64_t n, const void *w, const void *x)
{
    const block_q3_K *b = w;
    const block_q8_K *a = x;
    float sum = 0.0f;
    const uint8x16_t three = vdupq_n_u8(3), one = vdupq_n_u8(1);
    for (int64_t i = 0; i < n / QK_K; i++) {
        int8_t sc[16];
        scales16(b[i].scales, sc);
        uint8x16_t hm0 = vld1q_u8(b[i].hmask), hm1 = vld1q_u8(b[i].hmask + 16);
        int32x4_t isum = vdupq_n_s32(0);
        for (int h = 0; h < 2; h++) {
            uint8x16_t q0 = vld1q_u8(b[i].qs + 32 * h), q1 = vld1q_u8(b[i].qs + 32 * h + 16);
            for (int j = 0; j < 4; j++) {
                int8x16_t sh = vdupq_n_s8((int8_t)(-2 * j)), hs = vdupq_n_s8((int8_t)(-(4 * h + j)));
                uint8x16_t u0 = vorrq_u8(vandq_u8(vshlq_u8(q0, sh), three), vshlq_n_u8(vandq_u8(vshlq_u8(hm0, hs), one), 2));
                uint8x16_t u1 = vorrq_u8(vandq_u8(vshlq_u8(q1, sh), three), vshlq_n_u8(vandq_u8(vshlq_u8(hm1, hs), one), 2));
                int8x16_t c0 = vsubq_s8(vreinterpretq_s8_u8(u0), vdupq_n_s8(4));
                int8x16_t c1 = vsubq_s8(vreinterpretq_s8_u8(u1), vdupq_n_s8(4));
                const int8_t *aq = a[i].qs + 128 * h + 32 * j;
                int g = 8 * h + 2 * j;
                isum = vmlaq_n_s32(isum, vdotq_s32(vdupq_n_s32(0), c0, vld1q_s8(aq)), sc[g]);
                isum = vmlaq_n_s32(isum, vdotq_s32(vdupq_n_s32(0), c1, vld1q_s8(aq + 16)), sc[g + 1]);
            }
        }
        sum += neon_half(&b[i].d) * a[i].d * (float)vaddvq_s32(isum);
    }
    return sum;
}
