/* AVX2 Q5_0 x Q8_0: unsigned 5-bit codes times activation bytes with maddubs, minus 16 x the pair
 * sums of the activations (exact in int16), so no sign juggling is needed. One row at a time for
 * decoding; a 2-row x 4-token tile for batches (each block unpacked once per tile). */
#include "avx2.h"

enum { OFF = 16 }; /* the code offset of this format */

/* Codes as unsigned bytes (0..31); the offset of 16 is taken off through the activations. */
/* sum (u - OFF) * x in groups of four as int32: maddubs pairs minus OFF x the activation pairs. */
static inline __m256i offset_dot(__m256i u, __m256i x)
{
    __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(u, x), _mm256_maddubs_epi16(_mm256_set1_epi8(OFF), x));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

static inline __m256i unpack(const block_q5_0 *b)
{
    __m256i hb = avx2_bits_to_bytes(b->qh);
    return _mm256_or_si256(avx2_nibbles(b->qs), _mm256_and_si256(hb, _mm256_set1_epi8(16)));
}

float avx2_dot_q5_0(int64_t n, const void *w, const void *x)
{
    const block_q5_0 *a = w;
    const block_q8_0 *q = x;
    int64_t nb = n / QK5_0, i = 0;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (; i + 1 < nb; i += 2) {
        __m256i p0 = offset_dot(unpack(&a[i]), _mm256_loadu_si256((const __m256i *)q[i].qs));
        __m256i p1 = offset_dot(unpack(&a[i + 1]), _mm256_loadu_si256((const __m256i *)q[i + 1].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&a[i].d) * avx2_half(&q[i].d)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&a[i + 1].d) * avx2_half(&q[i + 1].d)), _mm256_cvtepi32_ps(p1),
                               acc1);
    }
    for (; i < nb; i++) {
        __m256i p = offset_dot(unpack(&a[i]), _mm256_loadu_si256((const __m256i *)q[i].qs));
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
        __m256i xs[TT], xoff[TT];
        float xd[TT];
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++) {
            xs[k] = _mm256_loadu_si256((const __m256i *)xb[k][b].qs);
            xd[k] = avx2_half(&xb[k][b].d);
            xoff[k] = _mm256_maddubs_epi16(_mm256_set1_epi8(OFF), xs[k]); /* shared by the tile's rows */
        }
#pragma GCC unroll 4
        for (int i = 0; i < TR; i++) {
            const block_q5_0 *wb = (const block_q5_0 *)(w + (size_t)(r + i) * wrb) + b;
            __m256i ws = unpack(wb);
            float wd = avx2_half(&wb->d);
#pragma GCC unroll 4
            for (int k = 0; k < TT; k++) {
                __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(ws, xs[k]), xoff[k]);
                p = _mm256_madd_epi16(p, _mm256_set1_epi16(1));
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

void avx2_matmul_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / TR * TR, tfull = n_tok / TT * TT;
    for (int64_t r = r0; r < rfull; r += TR)
        for (int64_t t = 0; t < tfull; t += TT)
            tile(w, w_row_bytes, n / QK5_0, qx, qx_row_bytes, y, y_stride, r, t);
    avx2_matmul_edges(avx2_dot_q5_0, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}

/* Decoding: four rows per pass over the activations, so each activation block (codes, offset
 * sums, scale) is loaded once for four rows; leftover rows go through the dot product. */
void avx2_matvec_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    const block_q8_0 *x = qx;
    int64_t nb = n / QK5_0, r = r0;
    for (; r + 4 <= r1; r += 4) {
        __m256 acc[4];
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++)
            acc[i] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nb; b++) {
            __m256i xs = _mm256_loadu_si256((const __m256i *)x[b].qs);
            __m256i xoff = _mm256_maddubs_epi16(_mm256_set1_epi8(OFF), xs);
            float xd = avx2_half(&x[b].d);
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++) {
                const block_q5_0 *wb = (const block_q5_0 *)((const char *)w + (size_t)(r + i) * w_row_bytes) + b;
                __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(unpack(wb), xs), xoff);
                p = _mm256_madd_epi16(p, _mm256_set1_epi16(1));
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&wb->d) * xd), _mm256_cvtepi32_ps(p), acc[i]);
            }
        }
        _mm_storeu_ps(y + r, avx2_hsum4(acc[0], acc[1], acc[2], acc[3]));
    }
    for (; r < r1; r++)
        y[r] = avx2_dot_q5_0(n, (const char *)w + (size_t)r * w_row_bytes, qx);
}
