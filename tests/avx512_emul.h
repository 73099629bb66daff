/* Portable stand-ins for the AVX-512 intrinsics tolk's simd/avx512 files use, so those files can be
 * compiled for and run on a CPU without AVX-512 (tests/test_simd_avx512_emul.c). Force-included
 * before each file; lane semantics follow Intel's intrinsics guide. The kernels' entry points are
 * renamed (emu_*) so they never clash with the real ones inside libtolk. */
#ifndef TOLK_AVX512_EMUL_H
#define TOLK_AVX512_EMUL_H

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../simd/half.h"

typedef struct {
    union {
        int8_t i8[64];
        uint8_t u8[64];
        int16_t i16[32];
        uint16_t u16[32];
        int32_t i32[16];
        float f32[16];
    };
} emu512;

#define __m512i emu512
#define __m512 emu512
#define __m512d emu512

#define avx512_dot_q8_0 emu_avx512_dot_q8_0
#define avx512_dot_q4_0 emu_avx512_dot_q4_0
#define avx512_dot_q5_0 emu_avx512_dot_q5_0
#define avx512_dot_q4_k emu_avx512_dot_q4_k
#define avx512_dot_q6_k emu_avx512_dot_q6_k
#define avx512_dot_f16 emu_avx512_dot_f16
#define avx512_dot_bf16 emu_avx512_dot_bf16
#define simd_fill_avx512 emu_simd_fill_avx512

static inline emu512 emu_zero(void)
{
    emu512 r;
    memset(&r, 0, sizeof(r));
    return r;
}
#define _mm512_setzero_ps emu_zero
#define _mm512_setzero_si512 emu_zero

static inline emu512 emu_set1_epi8(char c)
{
    emu512 r;
    memset(r.u8, (unsigned char)c, 64);
    return r;
}
#define _mm512_set1_epi8 emu_set1_epi8

static inline emu512 emu_set1_ps(float f)
{
    emu512 r;
    for (int i = 0; i < 16; i++)
        r.f32[i] = f;
    return r;
}
#define _mm512_set1_ps emu_set1_ps

static inline emu512 emu_loadu(const void *p)
{
    emu512 r;
    memcpy(&r, p, 64);
    return r;
}
#define _mm512_loadu_si512 emu_loadu

static inline emu512 emu_cast256(__m256i v)
{
    emu512 r = emu_zero();
    memcpy(&r, &v, 32);
    return r;
}
#define _mm512_castsi256_si512 emu_cast256

static inline __m256i emu_extract256(emu512 a, int half)
{
    __m256i r;
    memcpy(&r, a.u8 + 32 * half, 32);
    return r;
}
#define _mm512_extracti64x4_epi64 emu_extract256

static inline __m256i emu_cast512_256(emu512 a)
{
    return emu_extract256(a, 0);
}
#define _mm512_castsi512_si256 emu_cast512_256

static inline emu512 emu_insert256(emu512 a, __m256i b, int half)
{
    memcpy(a.u8 + 32 * half, &b, 32);
    return a;
}
#define _mm512_inserti64x4 emu_insert256

static inline emu512 emu_insertf256(emu512 a, __m256d b, int half)
{
    memcpy(a.u8 + 32 * half, &b, 32);
    return a;
}
#define _mm512_insertf64x4 emu_insertf256

static inline emu512 emu_identity(emu512 a)
{
    return a;
}
#define _mm512_castps_pd emu_identity
#define _mm512_castpd_ps emu_identity
#define _mm512_castsi512_ps emu_identity

static inline emu512 emu_and(emu512 a, emu512 b)
{
    for (int i = 0; i < 64; i++)
        a.u8[i] &= b.u8[i];
    return a;
}
#define _mm512_and_si512 emu_and

static inline emu512 emu_sub_epi8(emu512 a, emu512 b)
{
    for (int i = 0; i < 64; i++)
        a.u8[i] = (uint8_t)(a.u8[i] - b.u8[i]);
    return a;
}
#define _mm512_sub_epi8 emu_sub_epi8

static inline emu512 emu_mask_sub_epi8(emu512 src, uint64_t k, emu512 a, emu512 b)
{
    for (int i = 0; i < 64; i++)
        src.u8[i] = (k >> i) & 1 ? (uint8_t)(a.u8[i] - b.u8[i]) : src.u8[i];
    return src;
}
#define _mm512_mask_sub_epi8 emu_mask_sub_epi8

static inline uint64_t emu_movepi8_mask(emu512 a)
{
    uint64_t k = 0;
    for (int i = 0; i < 64; i++)
        k |= (uint64_t)(a.u8[i] >> 7) << i;
    return k;
}
#define _mm512_movepi8_mask emu_movepi8_mask

static inline emu512 emu_abs_epi8(emu512 a)
{
    for (int i = 0; i < 64; i++)
        a.u8[i] = (uint8_t)(a.i8[i] < 0 ? -a.i8[i] : a.i8[i]);
    return a;
}
#define _mm512_abs_epi8 emu_abs_epi8

static inline emu512 emu_add_epi32(emu512 a, emu512 b)
{
    for (int i = 0; i < 16; i++)
        a.i32[i] = (int32_t)((uint32_t)a.i32[i] + (uint32_t)b.i32[i]);
    return a;
}
#define _mm512_add_epi32 emu_add_epi32

static inline emu512 emu_or(emu512 a, emu512 b)
{
    for (int i = 0; i < 64; i++)
        a.u8[i] |= b.u8[i];
    return a;
}
#define _mm512_or_si512 emu_or

static inline emu512 emu_slli_epi16(emu512 a, int s)
{
    for (int i = 0; i < 32; i++)
        a.u16[i] = (uint16_t)(a.u16[i] << s);
    return a;
}
#define _mm512_slli_epi16 emu_slli_epi16

static inline emu512 emu_permutexvar_epi16(emu512 idx, emu512 a)
{
    emu512 r;
    for (int i = 0; i < 32; i++)
        r.i16[i] = a.i16[idx.u16[i] & 31];
    return r;
}
#define _mm512_permutexvar_epi16 emu_permutexvar_epi16

static inline emu512 emu_add_epi8(emu512 a, emu512 b)
{
    for (int i = 0; i < 64; i++)
        a.u8[i] = (uint8_t)(a.u8[i] + b.u8[i]);
    return a;
}
#define _mm512_add_epi8 emu_add_epi8

static inline emu512 emu_sub_epi32(emu512 a, emu512 b)
{
    for (int i = 0; i < 16; i++)
        a.i32[i] = (int32_t)((uint32_t)a.i32[i] - (uint32_t)b.i32[i]);
    return a;
}
#define _mm512_sub_epi32 emu_sub_epi32

static inline emu512 emu_mul_ps(emu512 a, emu512 b)
{
    for (int i = 0; i < 16; i++)
        a.f32[i] *= b.f32[i];
    return a;
}
#define _mm512_mul_ps emu_mul_ps

static inline emu512 emu_add_ps(emu512 a, emu512 b)
{
    for (int i = 0; i < 16; i++)
        a.f32[i] += b.f32[i];
    return a;
}
#define _mm512_add_ps emu_add_ps

static inline emu512 emu_fmadd_ps(emu512 a, emu512 b, emu512 c)
{
    for (int i = 0; i < 16; i++)
        a.f32[i] = fmaf(a.f32[i], b.f32[i], c.f32[i]);
    return a;
}
#define _mm512_fmadd_ps emu_fmadd_ps

static inline float emu_reduce_add_ps(emu512 a)
{
    float s = 0.0f;
    for (int i = 0; i < 16; i++)
        s += a.f32[i];
    return s;
}
#define _mm512_reduce_add_ps emu_reduce_add_ps

static inline emu512 emu_cvtepi32_ps(emu512 a)
{
    for (int i = 0; i < 16; i++)
        a.f32[i] = (float)a.i32[i];
    return a;
}
#define _mm512_cvtepi32_ps emu_cvtepi32_ps

static inline emu512 emu_cvtph_ps(__m256i h)
{
    uint16_t v[16];
    memcpy(v, &h, 32);
    emu512 r;
    for (int i = 0; i < 16; i++)
        r.f32[i] = half_to_f32(v[i]);
    return r;
}
#define _mm512_cvtph_ps emu_cvtph_ps

static inline emu512 emu_cvtepu16_epi32(__m256i h)
{
    uint16_t v[16];
    memcpy(v, &h, 32);
    emu512 r;
    for (int i = 0; i < 16; i++)
        r.i32[i] = v[i];
    return r;
}
#define _mm512_cvtepu16_epi32 emu_cvtepu16_epi32

static inline emu512 emu_srli_epi16(emu512 a, int s)
{
    for (int i = 0; i < 32; i++)
        a.u16[i] = (uint16_t)(a.u16[i] >> s);
    return a;
}
#define _mm512_srli_epi16 emu_srli_epi16

static inline emu512 emu_slli_epi32(emu512 a, int s)
{
    for (int i = 0; i < 16; i++)
        a.i32[i] = (int32_t)((uint32_t)a.i32[i] << s);
    return a;
}
#define _mm512_slli_epi32 emu_slli_epi32

static inline emu512 emu_maddubs_epi16(emu512 a, emu512 b)
{
    emu512 r;
    for (int i = 0; i < 32; i++) {
        int v = a.u8[2 * i] * b.i8[2 * i] + a.u8[2 * i + 1] * b.i8[2 * i + 1];
        r.i16[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    return r;
}
#define _mm512_maddubs_epi16 emu_maddubs_epi16

static inline emu512 emu_madd_epi16(emu512 a, emu512 b)
{
    emu512 r;
    for (int i = 0; i < 16; i++)
        r.i32[i] = a.i16[2 * i] * b.i16[2 * i] + a.i16[2 * i + 1] * b.i16[2 * i + 1];
    return r;
}
#define _mm512_madd_epi16 emu_madd_epi16

static inline emu512 emu_dpbusd(emu512 acc, emu512 a, emu512 b)
{
    for (int i = 0; i < 16; i++) {
        int32_t s = 0;
        for (int j = 0; j < 4; j++)
            s += a.u8[4 * i + j] * b.i8[4 * i + j];
        acc.i32[i] = (int32_t)((uint32_t)acc.i32[i] + (uint32_t)s);
    }
    return acc;
}
#define _mm512_dpbusd_epi32 emu_dpbusd

#endif
