/* AVX-512 Q6_K x Q8_K: half a super-block (128 codes) per two 512-bit registers. Codes are rebuilt
 * unsigned (0..63) for maddubs, the -32 offset comes off once per block through the activation
 * bsums, and each group's signed scale is spread over its 8 int16 lanes with one permute. The sums
 * end in llama.cpp's order (ref_dot_q6_k): the two runs of a register fold onto its 8 lanes. */
#include "avx512.h"

/* permutexvar indices: lanes 8j..8j+7 take scale (base + j) of the 16 int16 scales */
static const int16_t scale_idx[4][32] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7},
    {8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11},
    {12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13, 14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15,
     15, 15, 15, 15},
};

float avx512_dot_q6_k(int64_t n, const void *w, const void *x)
{
    const block_q6_K *b = w;
    const block_q8_K *a = x;
    __m256 acc = _mm256_setzero_ps();
    const __m512i low = _mm512_set1_epi8(0x0f), three = _mm512_set1_epi8(3);
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)b[i].scales));
        __m512i s512 = _mm512_castsi256_si512(s16);
        /* offset: 32 * sum_g scale_g * bsum_g, in 256-bit lanes */
        __m256i off = _mm256_slli_epi32(_mm256_madd_epi16(s16, _mm256_loadu_si256((const __m256i *)a[i].bsums)), 5);
        __m512i isum = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_castsi256_si512(off));
        for (int h = 0; h < 2; h++) {
            __m512i l = _mm512_loadu_si512((const void *)(b[i].ql + 64 * h));
            __m256i qh = _mm256_loadu_si256((const __m256i *)(b[i].qh + 32 * h));
            __m512i h01 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
            __m512i h23 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_srli_epi16(qh, 4)), _mm256_srli_epi16(qh, 6), 1);
            /* runs 0,1 (elements 128h + 0..63) and runs 2,3 (128h + 64..127) */
            __m512i c01 = _mm512_or_si512(_mm512_and_si512(l, low), _mm512_slli_epi16(_mm512_and_si512(h01, three), 4));
            __m512i c23 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), low),
                                          _mm512_slli_epi16(_mm512_and_si512(h23, three), 4));
            const int8_t *aq = a[i].qs + 128 * h;
            __m512i p01 = _mm512_maddubs_epi16(c01, _mm512_loadu_si512((const void *)aq));
            __m512i p23 = _mm512_maddubs_epi16(c23, _mm512_loadu_si512((const void *)(aq + 64)));
            __m512i sc01 = _mm512_permutexvar_epi16(_mm512_loadu_si512((const void *)scale_idx[2 * h]), s512);
            __m512i sc23 = _mm512_permutexvar_epi16(_mm512_loadu_si512((const void *)scale_idx[2 * h + 1]), s512);
            isum = _mm512_add_epi32(isum, _mm512_add_epi32(_mm512_madd_epi16(p01, sc01), _mm512_madd_epi16(p23, sc23)));
        }
        /* runs 0|1 (2|3) share the lanes l | l + 8: fold them into llama.cpp's 8 lanes (exact) */
        __m256i lanes = _mm256_add_epi32(_mm512_castsi512_si256(isum), _mm512_extracti64x4_epi64(isum, 1));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(a[i].d * avx512_half(&b[i].d)), _mm256_cvtepi32_ps(lanes), acc);
    }
    return avx512_hsum8(acc);
}
