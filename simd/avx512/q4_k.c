/* AVX-512 Q4_K x Q8_K dot product: a super-block in two 512-bit steps; each step covers two
 * 64-value chunks, nibbles times activations with maddubs, the per-sub-block scales entering
 * through madd (i16 scale vectors, one scale per 256-bit half); mins through the activation
 * bsums, the sums ending in llama.cpp's one-token order (batches: kq_gemm.c). */
#include <math.h>

#include "avx512.h"

static inline void scales_mins(const uint8_t *s, uint8_t sc[8], uint8_t m[8])
{
    uint32_t s0, s1, s2;
    memcpy(&s0, s, 4);
    memcpy(&s1, s + 4, 4);
    memcpy(&s2, s + 8, 4);
    uint32_t v[4] = {s0 & 0x3f3f3f3f, ((s2 & 0x0f0f0f0f) | ((s0 >> 6) & 0x03030303) << 4), s1 & 0x3f3f3f3f,
                     (((s2 >> 4) & 0x0f0f0f0f) | ((s1 >> 6) & 0x03030303) << 4)};
    memcpy(sc, v, 8);
    memcpy(m, v + 2, 8);
}

static inline __m512i scale_pair(uint8_t lo, uint8_t hi)
{
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(lo)), _mm256_set1_epi16(hi), 1);
}

/* In llama.cpp's one-token order (ref_dot_q4_k): per super-block the scaled code dots and the mins
 * products as two exact integers, then one FMA each into A and M; the result A - M. */
float avx512_dot_q4_k(int64_t n, const void *w, const void *x)
{
    const block_q4_K *b = w;
    const block_q8_K *a = x;
    float acc = 0.0f, accm = 0.0f;
    const __m512i low = _mm512_set1_epi8(0x0f);
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], m[8];
        scales_mins(b[i].scales, sc, m);
        __m512i isum = _mm512_setzero_si512();
        for (int s = 0; s < 2; s++) { /* chunks 2s and 2s + 1 */
            __m512i q = _mm512_loadu_si512((const void *)(b[i].qs + 64 * s));
            __m512i lo = _mm512_and_si512(q, low), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low);
            const int8_t *aq = a[i].qs + 128 * s;
            __m512i alo = avx512_load2(aq, aq + 64), ahi = avx512_load2(aq + 32, aq + 96);
            __m512i plo = _mm512_maddubs_epi16(lo, alo), phi = _mm512_maddubs_epi16(hi, ahi);
            isum = _mm512_add_epi32(isum, _mm512_madd_epi16(plo, scale_pair(sc[4 * s], sc[4 * s + 2])));
            isum = _mm512_add_epi32(isum, _mm512_madd_epi16(phi, scale_pair(sc[4 * s + 1], sc[4 * s + 3])));
        }
        __m256i i8 = _mm256_add_epi32(_mm512_castsi512_si256(isum), _mm512_extracti64x4_epi64(isum, 1));
        __m128i i4 = _mm_add_epi32(_mm256_castsi256_si128(i8), _mm256_extracti128_si256(i8, 1));
        i4 = _mm_add_epi32(i4, _mm_shuffle_epi32(i4, 0x4e));
        i4 = _mm_add_epi32(i4, _mm_shuffle_epi32(i4, 0xb1));
        int32_t msum = 0;
        for (int j = 0; j < 8; j++)
            msum += m[j] * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
        acc = fmaf((float)_mm_cvtsi128_si32(i4), avx512_half(&b[i].d) * a[i].d, acc);
        accm = fmaf((float)msum, avx512_half(&b[i].dmin) * a[i].d, accm);
    }
    return acc - accm;
}
