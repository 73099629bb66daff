/* NEON F16 x F16: widen to float (exact) and accumulate with float FMA in four accumulators; half
 * arithmetic would lose precision over long rows. */
#include "../half.h"
#include "neon.h"

static inline float32x4_t load4(const uint16_t *p)
{
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

float neon_dot_f16(int64_t n, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
    float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0), s2 = vdupq_n_f32(0), s3 = vdupq_n_f32(0);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = vfmaq_f32(s0, load4(a + i), load4(b + i));
        s1 = vfmaq_f32(s1, load4(a + i + 4), load4(b + i + 4));
        s2 = vfmaq_f32(s2, load4(a + i + 8), load4(b + i + 8));
        s3 = vfmaq_f32(s3, load4(a + i + 12), load4(b + i + 12));
    }
    float sum = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; i++)
        sum += half_to_f32(a[i]) * half_to_f32(b[i]);
    return sum;
}
