/* AVX-512 VNNI Q4_0 x Q8_0 dot product: two blocks per 512-bit step, nibbles to signed bytes
 * (q - 8), one dpbusd per pair (|w| unsigned, w's sign moved onto x), scales per 256-bit half
 * (rows and batches: matvec.c, matvec_few.c, q8_gemm.c). */
#include "avx512.h"

/* Two Q4_0 blocks as 64 signed bytes in element order. */
static inline __m512i unpack2(const block_q4_0 *b)
{
    __m256i v0 = _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)b[0].qs));
    __m256i v1 = _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)b[1].qs));
    __m256i p0 = _mm256_inserti128_si256(v0, _mm_srli_epi16(_mm_loadu_si128((const __m128i *)b[0].qs), 4), 1);
    __m256i p1 = _mm256_inserti128_si256(v1, _mm_srli_epi16(_mm_loadu_si128((const __m128i *)b[1].qs), 4), 1);
    __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(p0), p1, 1);
    return _mm512_sub_epi8(_mm512_and_si512(v, _mm512_set1_epi8(0x0f)), _mm512_set1_epi8(8));
}

float avx512_dot_q4_0(int64_t n, const void *w, const void *x)
{
    const block_q4_0 *a = w;
    const block_q8_0 *q = x;
    int64_t nb = n / QK4_0, i = 0;
    __m512 acc = _mm512_setzero_ps();
    for (; i + 1 < nb; i += 2) {
        __m512i p = avx512_dot_i8(_mm512_setzero_si512(), unpack2(&a[i]), avx512_load2(q[i].qs, q[i + 1].qs));
        __m512 d = avx512_halves(avx512_half(&a[i].d) * avx512_half(&q[i].d),
                                 avx512_half(&a[i + 1].d) * avx512_half(&q[i + 1].d));
        acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(p), acc);
    }
    float sum = _mm512_reduce_add_ps(acc);
    for (; i < nb; i++) {
        int isum = 0;
        for (int j = 0; j < 16; j++)
            isum += ((a[i].qs[j] & 15) - 8) * q[i].qs[j] + ((a[i].qs[j] >> 4) - 8) * q[i].qs[j + 16];
        sum += (float)isum * (avx512_half(&a[i].d) * avx512_half(&q[i].d));
    }
    return sum;
}
