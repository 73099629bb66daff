/* Inline IEEE half / bfloat16 conversions for the scalar kernels. Rounding is to nearest even,
 * matching the F16C instructions and ggml's reference conversion, so every path rounds alike. */
#ifndef TOLK_SIMD_HALF_H
#define TOLK_SIMD_HALF_H

#include <stdint.h>
#include <string.h>

static inline uint32_t half_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float half_bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline float half_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0) {
        /* zero or subnormal: mant * 2^-24 is exact in float */
        float v = (float)mant * (1.0f / 16777216.0f);
        return half_bits_f32(half_f32_bits(v) | sign);
    }
    if (exp == 31)
        return half_bits_f32(sign | 0x7f800000u | (mant << 13));
    return half_bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

static inline uint16_t half_from_f32(float f)
{
    uint32_t u = half_f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) /* NaN stays a quiet NaN */
        return (uint16_t)(sign | 0x7e00 | ((a >> 13) & 0x3ff));
    if (a >= 0x477ff000u) /* rounds to or beyond infinity */
        return (uint16_t)(sign | 0x7c00);
    if (a < 0x38800000u) {
        /* subnormal result: adding 0.5 lines the value up on a 2^-24 grid with RNE rounding */
        float v = half_bits_f32(a) + 0.5f;
        return (uint16_t)(sign | (half_f32_bits(v) - 0x3f000000u));
    }
    a += 0xc8000fffu + ((a >> 13) & 1); /* rebias exponent, round to nearest even */
    return (uint16_t)(sign | (a >> 13));
}

static inline float bf16_to_f32(uint16_t h)
{
    return half_bits_f32((uint32_t)h << 16);
}

static inline uint16_t bf16_from_f32(float f)
{
    uint32_t u = half_f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 64); /* keep NaN a (quiet) NaN */
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}

/* Half fields inside packed blocks may be unaligned. */
static inline float half_load(const void *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return half_to_f32(h);
}

#endif
