/* AVX2 Q5_1 x Q8_1: unsigned 5-bit codes (fifth bits from qh) times activation bytes with maddubs, plus the min term m * s
 * per block (s = d_x * sum(q_x), stored by the activation quantizer). Rows one at a time for
 * decoding; a 4-row x 2-token tile for batches. */
#include "avx2.h"

static inline __m256i unpack(const block_q5_1 *b)
{
    __m256i hb = avx2_bits_to_bytes(b->qh);
    return _mm256_or_si256(avx2_nibbles(b->qs), _mm256_and_si256(hb, _mm256_set1_epi8(16)));
}

/* {d, m} of a weight block times {d, s} of its activation block in one conversion and multiply:
 * lane 0 is the block's scale, lane 1 its min term. */
static inline __m128 scale_min(const block_q5_1 *a, const block_q8_1 *q)
{
    uint32_t wb, xb;
    memcpy(&wb, &a->d, 4);
    memcpy(&xb, &q->d, 4);
    return _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128((int)wb)), _mm_cvtph_ps(_mm_cvtsi32_si128((int)xb)));
}

float avx2_dot_q5_1(int64_t n, const void *w, const void *x)
{
    const block_q5_1 *a = w;
    const block_q8_1 *q = x;
    int64_t nb = n / QK5_1, i = 0;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m128 mins = _mm_setzero_ps();
    for (; i + 1 < nb; i += 2) { /* two blocks per step: two independent accumulation chains */
        __m256i p0 = avx2_dot_u8i8(unpack(&a[i]), _mm256_loadu_si256((const __m256i *)q[i].qs));
        __m256i p1 = avx2_dot_u8i8(unpack(&a[i + 1]), _mm256_loadu_si256((const __m256i *)q[i + 1].qs));
        __m128 sm0 = scale_min(&a[i], &q[i]), sm1 = scale_min(&a[i + 1], &q[i + 1]);
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(sm0), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_broadcastss_ps(sm1), _mm256_cvtepi32_ps(p1), acc1);
        mins = _mm_add_ps(mins, _mm_add_ps(sm0, sm1));
    }
    for (; i < nb; i++) {
        __m256i p = avx2_dot_u8i8(unpack(&a[i]), _mm256_loadu_si256((const __m256i *)q[i].qs));
        __m128 sm = scale_min(&a[i], &q[i]);
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(sm), _mm256_cvtepi32_ps(p), acc0);
        mins = _mm_add_ps(mins, sm);
    }
    return avx2_hsum(_mm256_add_ps(acc0, acc1)) + _mm_cvtss_f32(_mm_shuffle_ps(mins, mins, 1));
}

/* A full tile, rows [r, r + 4) x tokens [t, t + 2): constant bounds keep the accumulators in
 * registers; partial tiles at the edges go through the dot product. */
static void tile(const char *w, size_t wrb, int64_t nb, const char *qx, size_t qrb, float *y, size_t ys, int64_t r,
                 int64_t t)
{
    enum { nr = 4, nt = 2 };
    __m256 acc[4][2];
    float mins[4][2] = {{0}};
    #pragma GCC unroll 4
    for (int i = 0; i < 4; i++)
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        __m256i xs[2];
        float xd[2], xsum[2];
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++) {
            const block_q8_1 *xb = (const block_q8_1 *)(qx + (size_t)(t + k) * qrb) + b;
            xs[k] = _mm256_loadu_si256((const __m256i *)xb->qs);
            xd[k] = avx2_half(&xb->d);
            xsum[k] = avx2_half(&xb->s);
        }
        #pragma GCC unroll 4
        for (int i = 0; i < nr; i++) {
            const block_q5_1 *wb = (const block_q5_1 *)(w + (size_t)(r + i) * wrb) + b;
            __m256i ws = unpack(wb);
            float wd = avx2_half(&wb->d), wm = avx2_half(&wb->m);
            #pragma GCC unroll 4
            for (int k = 0; k < nt; k++) {
                __m256i p = avx2_dot_u8i8(ws, xs[k]);
                acc[i][k] = _mm256_fmadd_ps(_mm256_set1_ps(wd * xd[k]), _mm256_cvtepi32_ps(p), acc[i][k]);
                mins[i][k] += wm * xsum[k];
            }
        }
    }
    #pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++)
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = avx2_hsum(acc[i][k]) + mins[i][k];
}

void avx2_matmul_q5_1(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / 4 * 4, tfull = n_tok / 2 * 2;
    for (int64_t r = r0; r < rfull; r += 4)
        for (int64_t t = 0; t < tfull; t += 2)
            tile(w, w_row_bytes, n / QK5_1, qx, qx_row_bytes, y, y_stride, r, t);
    avx2_matmul_edges(avx2_dot_q5_1, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
