/* AVX2 Q3_K x Q8_K: codes rebuilt unsigned (two low bits | hmask bit << 2, 0..7) for maddubs, the
 * -4 offset taken off once per block through the activation bsums, the signed 6-bit group scales
 * entering through madd. Batches use the generic token loop over this dot product. */
#include "avx2.h"

static inline __m256i scale_pair(__m256i half_scales, int j)
{
    const __m256i sel = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3,
                                         2, 3, 2, 3, 2, 3);
    return _mm256_shuffle_epi8(half_scales, _mm256_add_epi8(sel, _mm256_set1_epi8((char)(4 * j))));
}

/* The sixteen signed scales as int16: low nibbles from bytes 0..7 (scales 0..7) and their high
 * nibbles (8..15), each with two high bits from bytes 8..11, minus 32. */
static inline __m256i scales16(const uint8_t *s)
{
    uint64_t lo;
    uint32_t aux;
    memcpy(&lo, s, 8);
    memcpy(&aux, s + 8, 4);
    uint64_t h0 = (uint64_t)(aux & 0x03030303) | (uint64_t)((aux >> 2) & 0x03030303) << 32;
    uint64_t h1 = (uint64_t)((aux >> 4) & 0x03030303) | (uint64_t)((aux >> 6) & 0x03030303) << 32;
    uint64_t r0 = (lo & 0x0f0f0f0f0f0f0f0full) | h0 << 4, r1 = ((lo >> 4) & 0x0f0f0f0f0f0f0f0full) | h1 << 4;
    __m128i v = _mm_sub_epi8(_mm_set_epi64x((long long)r1, (long long)r0), _mm_set1_epi8(32));
    return _mm256_cvtepi8_epi16(v);
}

float avx2_dot_q3_k(int64_t n, const void *w, const void *x)
{
    const block_q3_K *b = w;
    const block_q8_K *a = x;
    __m256 acc = _mm256_setzero_ps();
    const __m256i three = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m256i sc16 = scales16(b[i].scales);
        /* offset: 4 * sum_g scale_g * bsum_g */
        __m256i off = _mm256_slli_epi32(_mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)a[i].bsums)), 2);
        const __m256i hsv[2] = {_mm256_permute4x64_epi64(sc16, 0x44), _mm256_permute4x64_epi64(sc16, 0xEE)};
        __m256i hm = _mm256_loadu_si256((const __m256i *)b[i].hmask);
        __m256i isum = _mm256_sub_epi32(_mm256_setzero_si256(), off);
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(b[i].qs + 32 * h));
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) {
                __m256i hb = _mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + j), one);
                __m256i codes = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * j), three),
                                                _mm256_slli_epi16(hb, 2));
                __m256i p = _mm256_maddubs_epi16(codes, _mm256_loadu_si256((const __m256i *)(a[i].qs + 128 * h + 32 * j)));
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, scale_pair(hsv[h], j)));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&b[i].d) * a[i].d), _mm256_cvtepi32_ps(isum), acc);
    }
    return avx2_hsum(acc);
}
