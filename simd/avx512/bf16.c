/* AVX-512 BF16 x BF16: widened by a 16-bit shift (exact; the BF16 dot instruction flushes
 * denormals, so it is not used), float FMA in two accumulators. */
#include "../half.h"
#include "avx512.h"

static inline __m512 load16(const uint16_t *p)
{
    __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
}

float avx512_dot_bf16(int64_t n, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(load16(a + i), load16(b + i), s0);
        s1 = _mm512_fmadd_ps(load16(a + i + 16), load16(b + i + 16), s1);
    }
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    for (; i < n; i++)
        sum += bf16_to_f32(a[i]) * bf16_to_f32(b[i]);
    return sum;
}
