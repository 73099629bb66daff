/* Small AVX2 helpers shared by the AVX2 kernel files (compiled with -mavx2 -mfma -mf16c only).
 * Kept inline so each format's file reads as its own loop. */
#ifndef TOLK_SIMD_AVX2_H
#define TOLK_SIMD_AVX2_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "../blocks.h"
#include "../kernels.h"

/* Half bits to float with the F16C instruction (exact, like the scalar reference). */
static inline float avx2_half(const simd_half *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

static inline float avx2_hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Sum of four vectors' lanes into one vector of four sums: {hsum(a), hsum(b), hsum(c), hsum(d)}. */
static inline __m128 avx2_hsum4(__m256 a, __m256 b, __m256 c, __m256 d)
{
    __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);
    __m256 abcd = _mm256_hadd_ps(ab, cd);
    return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

/* 32 signed bytes times 32 signed bytes, summed in adjacent groups of four into 8 int32 lanes.
 * maddubs wants an unsigned left side, so move the sign of x onto y (|x| <= 128 fits u8). */
static inline __m256i avx2_dot_i8(__m256i x, __m256i y)
{
    __m256i ax = _mm256_sign_epi8(x, x), sy = _mm256_sign_epi8(y, x);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1));
}

/* 32 unsigned bytes (< 128 each) times 32 signed bytes, summed in groups of four into int32. */
static inline __m256i avx2_dot_u8i8(__m256i u, __m256i y)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, y), _mm256_set1_epi16(1));
}

/* 16 bytes of nibbles to 32 bytes: low nibbles in the low 128 bits, high nibbles above. */
static inline __m256i avx2_nibbles(const uint8_t *qs)
{
    __m128i b = _mm_loadu_si128((const __m128i *)qs);
    __m256i v = _mm256_set_m128i(_mm_srli_epi16(b, 4), b);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
}

/* The 32 bits of a Q5 qh word to 32 bytes: 0xff where the bit is set, else 0. */
static inline __m256i avx2_bits_to_bytes(const uint8_t qh[4])
{
    uint32_t bits;
    memcpy(&bits, qh, 4);
    __m256i v = _mm256_set1_epi32((int)bits);
    const __m256i spread = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    v = _mm256_shuffle_epi8(v, spread);
    const __m256i sel = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, sel), sel);
}

/* The parts of a matmul outside the full tiles: rows [rfull, r1) for every token, and tokens
 * [tfull, n_tok) for rows [r0, rfull), one dot product each. */
static inline void avx2_matmul_edges(simd_dot_fn dot, const void *w, size_t wrb, int64_t n, const void *qx,
                                     size_t qrb, int64_t n_tok, float *y, size_t ys, int64_t r0, int64_t r1,
                                     int64_t rfull, int64_t tfull)
{
    for (int64_t t = 0; t < n_tok; t++)
        for (int64_t r = t < tfull ? rfull : r0; r < r1; r++)
            y[(size_t)t * ys + (size_t)r] = dot(n, (const char *)w + (size_t)r * wrb, (const char *)qx + (size_t)t * qrb);
}

/* Kernel entry points of this ISA (one file per format). */
void avx2_quant_act_q8_0(const float *src, void *dst, int64_t n);
void avx2_quant_act_q8_1(const float *src, void *dst, int64_t n);
void avx2_quant_act_q8_k(const float *src, void *dst, int64_t n);
void avx2_quant_act_f16(const float *src, void *dst, int64_t n);
void avx2_quant_act_bf16(const float *src, void *dst, int64_t n);

float avx2_dot_q8_0(int64_t n, const void *w, const void *x);
void avx2_matmul_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

float avx2_dot_f32(int64_t n, const void *w, const void *x);
void avx2_matmul_f32(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_f16(int64_t n, const void *w, const void *x);
void avx2_f16_to_f32(const void *src, float *dst, int64_t n);
void avx2_matmul_f16(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_bf16(int64_t n, const void *w, const void *x);
void avx2_matmul_bf16(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q4_0(int64_t n, const void *w, const void *x);
void avx2_matmul_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q4_1(int64_t n, const void *w, const void *x);
void avx2_matmul_q4_1(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q5_0(int64_t n, const void *w, const void *x);
void avx2_matmul_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q5_1(int64_t n, const void *w, const void *x);
void avx2_matmul_q5_1(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q4_k(int64_t n, const void *w, const void *x);
void avx2_matmul_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q5_k(int64_t n, const void *w, const void *x);
void avx2_matmul_q5_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q6_k(int64_t n, const void *w, const void *x);
void avx2_matmul_q6_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

float avx2_dot_q2_k(int64_t n, const void *w, const void *x);
float avx2_dot_q3_k(int64_t n, const void *w, const void *x);

void avx2_matvec_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matvec_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);

#endif
