/* AVX2 Q8_0 x Q8_0: one row at a time for decoding (two blocks per step keep two accumulators
 * busy), and a 2-row x 4-token tile for batches so each weight block load serves four tokens and
 * each activation block two rows. */
#include "avx2.h"

float avx2_dot_q8_0(int64_t n, const void *w, const void *x)
{
    const block_q8_0 *a = w, *q = x;
    int64_t nb = n / QK8_0, i = 0;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (; i + 1 < nb; i += 2) {
        __m256i p0 = avx2_dot_i8(_mm256_loadu_si256((const __m256i *)a[i].qs), _mm256_loadu_si256((const __m256i *)q[i].qs));
        __m256i p1 = avx2_dot_i8(_mm256_loadu_si256((const __m256i *)a[i + 1].qs),
                                 _mm256_loadu_si256((const __m256i *)q[i + 1].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&a[i].d) * avx2_half(&q[i].d)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&a[i + 1].d) * avx2_half(&q[i + 1].d)), _mm256_cvtepi32_ps(p1),
                               acc1);
    }
    for (; i < nb; i++) {
        __m256i p = avx2_dot_i8(_mm256_loadu_si256((const __m256i *)a[i].qs), _mm256_loadu_si256((const __m256i *)q[i].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&a[i].d) * avx2_half(&q[i].d)), _mm256_cvtepi32_ps(p), acc0);
    }
    return avx2_hsum(_mm256_add_ps(acc0, acc1));
}

/* A full tile of TR rows x TT tokens with constant bounds, so the accumulators stay in registers:
 * each weight block is unpacked once for TT tokens, each activation block loaded once for TR rows.
 * Partial tiles at the edges go through the dot product. */
enum { TR = 2, TT = 4 };

static void tile(const char *w, size_t wrb, int64_t nb, const char *qx, size_t qrb, float *y, size_t ys, int64_t r,
                 int64_t t)
{
    __m256 acc[TR][TT];
#pragma GCC unroll 4
    for (int i = 0; i < TR; i++)
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++)
            acc[i][k] = _mm256_setzero_ps();
    const block_q8_0 *xb[TT];
#pragma GCC unroll 4
    for (int k = 0; k < TT; k++)
        xb[k] = (const block_q8_0 *)(qx + (size_t)(t + k) * qrb);
    for (int64_t b = 0; b < nb; b++) {
        __m256i xs[TT];
        float xd[TT];
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++) {
            xs[k] = _mm256_loadu_si256((const __m256i *)xb[k][b].qs);
            xd[k] = avx2_half(&xb[k][b].d);
        }
#pragma GCC unroll 4
        for (int i = 0; i < TR; i++) {
            const block_q8_0 *wb = (const block_q8_0 *)(w + (size_t)(r + i) * wrb) + b;
            __m256i ws = _mm256_loadu_si256((const __m256i *)wb->qs);
            __m256i aw = _mm256_sign_epi8(ws, ws);
            float wd = avx2_half(&wb->d);
#pragma GCC unroll 4
            for (int k = 0; k < TT; k++) {
                __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, _mm256_sign_epi8(xs[k], ws)), _mm256_set1_epi16(1));
                acc[i][k] = _mm256_fmadd_ps(_mm256_set1_ps(wd * xd[k]), _mm256_cvtepi32_ps(p), acc[i][k]);
            }
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < TR; i++)
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++)
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = avx2_hsum(acc[i][k]);
}

void avx2_matmul_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / TR * TR, tfull = n_tok / TT * TT;
    for (int64_t r = r0; r < rfull; r += TR)
        for (int64_t t = 0; t < tfull; t += TT)
            tile(w, w_row_bytes, n / QK8_0, qx, qx_row_bytes, y, y_stride, r, t);
    avx2_matmul_edges(avx2_dot_q8_0, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
