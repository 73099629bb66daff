/* AVX2 Q2_K x Q8_K: 2-bit codes shifted out of each byte with maddubs against the activations,
 * the 4-bit group scales entering through madd, the 4-bit mins through the activation bsums.
 * Batches use the generic token loop over this dot product. */
#include "avx2.h"

/* For 32-code run j of a half block: low 8 int16 lanes take scale 2j, high 8 take scale 2j + 1 of
 * that half's eight (int16, in both 128-bit lanes). */
static inline __m256i scale_pair(__m256i half_scales, int j)
{
    const __m256i sel = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3,
                                         2, 3, 2, 3, 2, 3);
    return _mm256_shuffle_epi8(half_scales, _mm256_add_epi8(sel, _mm256_set1_epi8((char)(4 * j))));
}

float avx2_dot_q2_k(int64_t n, const void *w, const void *x)
{
    const block_q2_K *b = w;
    const block_q8_K *a = x;
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    const __m256i three = _mm256_set1_epi8(3);
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m128i s8 = _mm_loadu_si128((const __m128i *)b[i].scales);
        __m256i sc16 = _mm256_cvtepu8_epi16(_mm_and_si128(s8, _mm_set1_epi8(15)));
        __m256i m16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(s8, 4), _mm_set1_epi8(15)));
        __m256i msum = _mm256_madd_epi16(m16, _mm256_loadu_si256((const __m256i *)a[i].bsums));
        const __m256i hsv[2] = {_mm256_permute4x64_epi64(sc16, 0x44), _mm256_permute4x64_epi64(sc16, 0xEE)};
        __m256i isum = _mm256_setzero_si256();
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(b[i].qs + 32 * h));
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) {
                __m256i codes = _mm256_and_si256(_mm256_srli_epi16(q, 2 * j), three);
                __m256i p = _mm256_maddubs_epi16(codes, _mm256_loadu_si256((const __m256i *)(a[i].qs + 128 * h + 32 * j)));
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, scale_pair(hsv[h], j)));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&b[i].d) * a[i].d), _mm256_cvtepi32_ps(isum), acc);
        accm = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&b[i].dmin) * a[i].d), _mm256_cvtepi32_ps(msum), accm);
    }
    return avx2_hsum(_mm256_sub_ps(acc, accm));
}
