/* NEON Q5_1 x Q8_1: unsigned 5-bit codes (fifth bits via vtst) with dotprod, plus m * s per block. */
#include "neon.h"

float neon_dot_q5_1(int64_t n, const void *w, const void *x)
{
    const block_q5_1 *a = w;
    const block_q8_1 *q = x;
    float32x4_t acc = vdupq_n_f32(0.0f);
    float mins = 0.0f;
    const uint8x16_t sixteen = vdupq_n_u8(16);
    for (int64_t i = 0; i < n / QK5_1; i++) {
        uint8x16_t b = vld1q_u8(a[i].qs);
        uint8x16_t lo = vorrq_u8(vandq_u8(b, vdupq_n_u8(15)), vandq_u8(sixteen, neon_bits_to_bytes(a[i].qh, 0)));
        uint8x16_t hi = vorrq_u8(vshrq_n_u8(b, 4), vandq_u8(sixteen, neon_bits_to_bytes(a[i].qh, 1)));
        int32x4_t p = neon_dot32(vreinterpretq_s8_u8(lo), vreinterpretq_s8_u8(hi), q[i].qs);
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), neon_half(&a[i].d) * neon_half(&q[i].d));
        mins += neon_half(&a[i].m) * neon_half(&q[i].s);
    }
    return vaddvq_f32(acc) + mins;
}
