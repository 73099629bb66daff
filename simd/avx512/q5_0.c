/* AVX-512 VNNI Q5_0 x Q8_0: two blocks per step; the two qh words form one 64-bit mask that
 * movm_epi8 spreads to bytes, q - 16 = nibble - (bit clear ? 16 : 0), then dpbusd per pair. */
#include "avx512.h"

static inline __m512i unpack2(const block_q5_0 *b)
{
    __m256i p0 = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)b[0].qs)),
                                         _mm_srli_epi16(_mm_loadu_si128((const __m128i *)b[0].qs), 4), 1);
    __m256i p1 = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)b[1].qs)),
                                         _mm_srli_epi16(_mm_loadu_si128((const __m128i *)b[1].qs), 4), 1);
    __m512i nib = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(p0), p1, 1), _mm512_set1_epi8(0x0f));
    uint32_t h0, h1;
    memcpy(&h0, b[0].qh, 4);
    memcpy(&h1, b[1].qh, 4);
    __mmask64 set = (__mmask64)h0 | (__mmask64)h1 << 32;
    /* subtract 16 where the fifth bit is clear */
    return _mm512_mask_sub_epi8(nib, ~set, nib, _mm512_set1_epi8(16));
}

float avx512_dot_q5_0(int64_t n, const void *w, const void *x)
{
    const block_q5_0 *a = w;
    const block_q8_0 *q = x;
    int64_t nb = n / QK5_0, i = 0;
    __m512 acc = _mm512_setzero_ps();
    for (; i + 1 < nb; i += 2) {
        __m512i p = avx512_dot_i8(_mm512_setzero_si512(), unpack2(&a[i]), avx512_load2(q[i].qs, q[i + 1].qs));
        __m512 d = avx512_halves(avx512_half(&a[i].d) * avx512_half(&q[i].d),
                                 avx512_half(&a[i + 1].d) * avx512_half(&q[i + 1].d));
        acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(p), acc);
    }
    float sum = _mm512_reduce_add_ps(acc);
    for (; i < nb; i++) {
        uint32_t qh;
        memcpy(&qh, a[i].qh, 4);
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            int lo = ((a[i].qs[j] & 15) | (int)((qh >> j) & 1) << 4) - 16;
            int hi = ((a[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4) - 16;
            isum += lo * q[i].qs[j] + hi * q[i].qs[j + 16];
        }
        sum += (float)isum * (avx512_half(&a[i].d) * avx512_half(&q[i].d));
    }
    return sum;
}
