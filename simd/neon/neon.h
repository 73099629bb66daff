/* Small NEON helpers shared by the NEON kernel files (armv8.2-a + dotprod + fp16, compiled with
 * NEON_DOTPROD_CFLAGS and reached only when HWCAP reports those features). */
#ifndef TOLK_SIMD_NEON_H
#define TOLK_SIMD_NEON_H

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#include "../blocks.h"
#include "../kernels.h"

static inline float neon_half(const simd_half *p)
{
    __fp16 h;
    memcpy(&h, p, 2);
    return (float)h;
}

/* 32 signed bytes dot 32 signed bytes into four int32 lanes. */
static inline int32x4_t neon_dot32(int8x16_t w0, int8x16_t w1, const int8_t *a)
{
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, vld1q_s8(a)), w1, vld1q_s8(a + 16));
}

/* 16 bits of a Q5 qh word (starting at bit 16 * half) to 16 bytes: 0xff where set. */
static inline uint8x16_t neon_bits_to_bytes(const uint8_t qh[4], int half)
{
    static const uint8_t bit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    uint8x16_t v = vcombine_u8(vdup_n_u8(qh[2 * half]), vdup_n_u8(qh[2 * half + 1]));
    return vtstq_u8(v, vld1q_u8(bit));
}

void neon_quant_act_q8_0(const float *src, void *dst, int64_t n);
void neon_quant_act_q8_1(const float *src, void *dst, int64_t n);
void neon_quant_act_q8_k(const float *src, void *dst, int64_t n);
void neon_quant_act_f16(const float *src, void *dst, int64_t n);
void neon_quant_act_bf16(const float *src, void *dst, int64_t n);

float neon_dot_f32(int64_t n, const void *w, const void *x);
float neon_dot_f16(int64_t n, const void *w, const void *x);
float neon_dot_bf16(int64_t n, const void *w, const void *x);
float neon_dot_q4_0(int64_t n, const void *w, const void *x);
float neon_dot_q4_1(int64_t n, const void *w, const void *x);
float neon_dot_q5_0(int64_t n, const void *w, const void *x);
float neon_dot_q5_1(int64_t n, const void *w, const void *x);
float neon_dot_q8_0(int64_t n, const void *w, const void *x);
float neon_dot_q2_k(int64_t n, const void *w, const void *x);
float neon_dot_q3_k(int64_t n, const void *w, const void *x);
float neon_dot_q4_k(int64_t n, const void *w, const void *x);
float neon_dot_q5_k(int64_t n, const void *w, const void *x);
float neon_dot_q6_k(int64_t n, const void *w, const void *x);

#endif
