/* AVX-512 VNNI row walk for Q6_K in llama.cpp's order (row_dot_q6): one to seven tokens
 * (speculative verification, batches) share each super-block's unpacked codes and scales. */
#include "avx512.h"

enum { MVK_FEW = 7 };

/* Q6_K: the nibble and high-bit planes come out in element order (64 codes 0..63 per register),
 * so the Q8_K activations are used as they are; each 16-element sub-block is four int32 lanes,
 * its signed scale spread by one permute shared by all tokens, and the -32 offset comes off
 * through the activation bsums. */
static _Alignas(64) const int32_t q6_idx[4][16] = {
    {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
    {4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7},
    {8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11},
    {12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15},
};

/* In llama.cpp's order (ref_dot_q6_k): a plane's 16 dpbusd lanes are lanes l and l + 8 of two of
 * its 32-element runs, so the upper 256 bits fold onto the lower ones (integer adds: exact), the
 * offset comes off per lane, then one convert and one 8-lane FMA per super-block. */
static inline __attribute__((always_inline)) void row_dot_q6(const block_q6_K *w, const block_q8_K *const *x, int64_t nb,
                                                             int T, float *out)
{
    const __m512i low = _mm512_set1_epi8(0x0f), three = _mm512_set1_epi8(3);
    __m256 acc[MVK_FEW];
#pragma GCC unroll 8
    for (int t = 0; t < T; t++)
        acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        __m512i c[4];
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) { /* planes 2h (elements 128h + 0..63) and 2h + 1 (+ 64..127) */
            __m512i l = _mm512_loadu_si512((const void *)(w[b].ql + 64 * h));
            __m256i qh = _mm256_loadu_si256((const __m256i *)(w[b].qh + 32 * h));
            __m512i h01 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
            __m512i h23 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_srli_epi16(qh, 4)), _mm256_srli_epi16(qh, 6), 1);
            c[2 * h] = _mm512_or_si512(_mm512_and_si512(l, low), _mm512_slli_epi16(_mm512_and_si512(h01, three), 4));
            c[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), low),
                                           _mm512_slli_epi16(_mm512_and_si512(h23, three), 4));
        }
        __m128i s8 = _mm_loadu_si128((const __m128i *)w[b].scales);
        __m512i sv = _mm512_cvtepi8_epi32(s8);
        __m256i s16 = _mm256_cvtepi8_epi16(s8);
        __m512i sk[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++)
            sk[k] = _mm512_permutexvar_epi32(_mm512_load_si512((const void *)q6_idx[k]), sv);
        float d = avx512_half(&w[b].d);
#pragma GCC unroll 8
        for (int t = 0; t < T; t++) {
            const block_q8_K *a = &x[t][b];
            __m512i isum = _mm512_setzero_si512();
#pragma GCC unroll 4
            for (int k = 0; k < 4; k++) {
                __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), c[k], _mm512_loadu_si512((const void *)(a->qs + 64 * k)));
                isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(p, sk[k]));
            }
            __m256i off = _mm256_slli_epi32(_mm256_madd_epi16(s16, _mm256_loadu_si256((const __m256i *)a->bsums)), 5);
            __m256i lanes = _mm256_sub_epi32(
                _mm256_add_epi32(_mm512_castsi512_si256(isum), _mm512_extracti64x4_epi64(isum, 1)), off);
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(a->d * d), _mm256_cvtepi32_ps(lanes), acc[t]);
        }
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; t++)
        out[t] = avx512_hsum8(acc[t]);
}

static inline __attribute__((always_inline)) void matvec_q6(const void *w, size_t wrb, int64_t n, const void *qx,
                                                            size_t qrb, float *y, size_t ys, int64_t r0, int64_t r1, int T)
{
    const block_q8_K *x[MVK_FEW];
    for (int t = 0; t < T; t++)
        x[t] = (const block_q8_K *)((const char *)qx + (size_t)t * qrb);
    for (int64_t r = r0; r < r1; r++) {
        float v[MVK_FEW];
        row_dot_q6((const block_q6_K *)((const char *)w + (size_t)r * wrb), x, n / QK_K, T, v);
        for (int t = 0; t < T; t++)
            y[(size_t)t * ys + (size_t)r] = v[t];
    }
}

void avx512_few_q6_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    switch (n_tok) {
    case 1: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 1); break;
    case 2: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 2); break;
    case 3: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 3); break;
    case 4: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 4); break;
    case 5: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 5); break;
    case 6: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 6); break;
    case 7: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 7); break;
    default: break;
    }
}
