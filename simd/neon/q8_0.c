/* NEON Q8_0 x Q8_0 with the dotprod instructions: one vdot pair per block, scaled and summed in a
 * float vector so the only horizontal add is at the end. */
#include "neon.h"

float neon_dot_q8_0(int64_t n, const void *w, const void *x)
{
    const block_q8_0 *a = w, *q = x;
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (int64_t i = 0; i < n / QK8_0; i++) {
        int32x4_t p = neon_dot32(vld1q_s8(a[i].qs), vld1q_s8(a[i].qs + 16), q[i].qs);
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), neon_half(&a[i].d) * neon_half(&q[i].d));
    }
    return vaddvq_f32(acc);
}
