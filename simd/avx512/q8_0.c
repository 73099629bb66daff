/* AVX-512 VNNI Q8_0 x Q8_0: two blocks per 512-bit step, one dpbusd per pair, scales applied per
 * 256-bit half; batches use a 2-row x 4-token tile over block pairs. */
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

/* Batches: a tile of TR rows x TT tokens over pairs of blocks (one 512-bit register each), with
 * constant bounds so the accumulators stay in registers; edges go through the dot product. */
enum { TR = 2, TT = 4 };

static void tile(const char *w, size_t wrb, int64_t np, const char *qx, size_t qrb, float *y, size_t ys, int64_t r,
                 int64_t t)
{
    __m512 acc[TR][TT];
#pragma GCC unroll 4
    for (int i = 0; i < TR; i++)
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++)
            acc[i][k] = _mm512_setzero_ps();
    for (int64_t b = 0; b < 2 * np; b += 2) {
        __m512i xs[TT];
        __m512 xd[TT];
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++) {
            const block_q8_0 *xb = (const block_q8_0 *)(qx + (size_t)(t + k) * qrb) + b;
            xs[k] = avx512_load2(xb[0].qs, xb[1].qs);
            xd[k] = avx512_halves(avx512_half(&xb[0].d), avx512_half(&xb[1].d));
        }
#pragma GCC unroll 4
        for (int i = 0; i < TR; i++) {
            const block_q8_0 *wb = (const block_q8_0 *)(w + (size_t)(r + i) * wrb) + b;
            __m512 wd = avx512_halves(avx512_half(&wb[0].d), avx512_half(&wb[1].d));
            __m512i ws = avx512_load2(wb[0].qs, wb[1].qs);
            __mmask64 neg = _mm512_movepi8_mask(ws);
            __m512i aw = _mm512_abs_epi8(ws);
#pragma GCC unroll 4
            for (int k = 0; k < TT; k++) {
                __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), aw, _mm512_mask_sub_epi8(xs[k], neg, _mm512_setzero_si512(), xs[k]));
                acc[i][k] = _mm512_fmadd_ps(_mm512_mul_ps(wd, xd[k]), _mm512_cvtepi32_ps(p), acc[i][k]);
            }
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < TR; i++)
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++)
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = _mm512_reduce_add_ps(acc[i][k]);
}

void avx512_matmul_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                       int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t np = n / 64; /* whole block pairs in the tiles; an odd last block goes through the dot */
    int64_t rfull = r0 + (r1 - r0) / TR * TR, tfull = n_tok / TT * TT;
    if (n % 64) {
        rfull = r0;
        tfull = 0;
    }
    for (int64_t r = r0; r < rfull; r += TR)
        for (int64_t t = 0; t < tfull; t += TT)
            tile(w, w_row_bytes, np, qx, qx_row_bytes, y, y_stride, r, t);
    avx512_matmul_edges(avx512_dot_q8_0, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
