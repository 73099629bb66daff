/* AVX-512 VNNI Q8_0 x Q8_0 dot product: two blocks per 512-bit step, one dpbusd per pair, scales
 * applied per 256-bit half (rows and batches: matvec.c, matvec_few.c, q8_gemm.c). */
#include "avx512.h"

float avx512_dot_q8_0(int64_t n, const void *w, const void *x)
{
    const block_q8_0 *a = w, *q = x;
    int64_t nb = n / QK8_0, i = 0;
    __m512 acc = _mm512_setzero_ps();
    for (; i + 1 < nb; i += 2) {
        __m512i p = avx512_dot_i8(_mm512_setzero_si512(), avx512_load2(a[i].qs, a[i + 1].qs),
                                  avx512_load2(q[i].qs, q[i + 1].qs));
        __m512 d = avx512_halves(avx512_half(&a[i].d) * avx512_half(&q[i].d),
                                 avx512_half(&a[i + 1].d) * avx512_half(&q[i + 1].d));
        acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(p), acc);
    }
    float sum = _mm512_reduce_add_ps(acc);
    for (; i < nb; i++) {
        int isum = 0;
        for (int j = 0; j < QK8_0; j++)
            isum += a[i].qs[j] * q[i].qs[j];
        sum += (float)isum * (avx512_half(&a[i].d) * avx512_half(&q[i].d));
    }
    return sum;
}
