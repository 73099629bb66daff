/* NEON Q4_0 x Q8_0: nibbles to signed bytes (q - 8), then the dotprod pair per block. */
#include "neon.h"

float neon_dot_q4_0(int64_t n, const void *w, const void *x)
{
    const block_q4_0 *a = w;
    const block_q8_0 *q = x;
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (int64_t i = 0; i < n / QK4_0; i++) {
        uint8x16_t b = vld1q_u8(a[i].qs);
        int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(b, vdupq_n_u8(15))), vdupq_n_s8(8));
        int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(b, 4)), vdupq_n_s8(8));
        int32x4_t p = neon_dot32(lo, hi, q[i].qs);
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), neon_half(&a[i].d) * neon_half(&q[i].d));
    }
    return vaddvq_f32(acc);
}
