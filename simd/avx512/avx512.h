/* Small AVX-512 (F/BW/VL/VNNI) helpers shared by the AVX-512 kernel files, which are compiled with
 * the AVX-512 flags only and reached only after dispatch.c confirmed the CPU has them. */
#ifndef TOLK_SIMD_AVX512_H
#define TOLK_SIMD_AVX512_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "../blocks.h"
#include "../kernels.h"

static inline float avx512_half(const simd_half *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* Two 32-byte blocks side by side in one register. */
/* Eight float lanes summed as llama.cpp's hsum_float_8: ((0+4) + (2+6)) + ((1+5) + (3+7)). */
static inline float avx512_hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

static inline __m512i avx512_load2(const void *lo, const void *hi)
{
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)lo)),
                              _mm256_loadu_si256((const __m256i *)hi), 1);
}

/* lo in the low eight lanes, hi in the high eight (no AVX512DQ needed). */
static inline __m512 avx512_halves(float lo, float hi)
{
    __m512d v = _mm512_insertf64x4(_mm512_castps_pd(_mm512_set1_ps(lo)), _mm256_castps_pd(_mm256_set1_ps(hi)), 1);
    return _mm512_castpd_ps(v);
}

/* Signed x signed bytes, four-way sums into int32 with VNNI: |x| as the unsigned side, x's sign moved onto y. */
static inline __m512i avx512_dot_i8(__m512i acc, __m512i x, __m512i y)
{
    __mmask64 neg = _mm512_movepi8_mask(x);
    __m512i sy = _mm512_mask_sub_epi8(y, neg, _mm512_setzero_si512(), y);
    return _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(x), sy);
}

float avx512_dot_q8_0(int64_t n, const void *w, const void *x);
float avx512_dot_q4_0(int64_t n, const void *w, const void *x);
float avx512_dot_q5_0(int64_t n, const void *w, const void *x);
float avx512_dot_q4_k(int64_t n, const void *w, const void *x);
float avx512_dot_f16(int64_t n, const void *w, const void *x);
float avx512_dot_bf16(int64_t n, const void *w, const void *x);
float avx512_dot_q6_k(int64_t n, const void *w, const void *x);

/* The batched kernels of kq_gemm.c and q8_gemm.c (packed 16-row panels); gemm_table.c adds them
 * to the table (simd_fill_avx512_gemm), apart from simd_fill_avx512 so the emulated test build of
 * the other files does not pull them in. */
void avx512_gemm_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
/* Q6_K's AVX2 mat x vec (simd/avx2/q6_k.c: llama.cpp's order, the bits of the row walk here) and
 * Q4_K in llama.cpp's one-token order (simd/avx2/q4_k.c), the AVX-512 table's too. */
void avx2_matvec_q6_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matvec_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_one_order_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                         int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
/* Q4_0 in llama.cpp's order (q4_0_ggml.c here and simd/avx2/q4_0_ggml.c, whose dot and
 * mat x vec give the same bits): one token, and batches below the panels' count. */
float avx2_ggml_dot_q4_0(int64_t n, const void *w, const void *x);
void avx2_ggml_matvec_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx512_ggml_matvec_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0,
                             int64_t r1);
void avx512_ggml_matmul_few_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                                 int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx512_gemm_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx512_gemm_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx512_gemm_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx512_matvec_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx512_matvec_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx512_matvec_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
/* Q5_0 / Q8_0 in llama.cpp's order (q32_ggml.c): the same bits for the dot, one token and batches. */
float avx512_ggml_dot_q5_0(int64_t n, const void *w, const void *x);
float avx512_ggml_dot_q8_0(int64_t n, const void *w, const void *x);
void avx512_ggml_matvec_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0,
                             int64_t r1);
void avx512_ggml_matvec_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0,
                             int64_t r1);
void avx512_ggml_matmul_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                             int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx512_ggml_matmul_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                             int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
/* One to seven tokens, matvec_few.c and matvec_k.c. */
void avx512_few_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx512_few_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx512_few_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx512_few_q6_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1);

#endif
