/* AVX2 Q5_0 x Q8_0: nibbles plus fifth bits unpacked to signed bytes (q - 16), then the signed byte dot. One row
 * at a time for decoding; a 4-row x 2-token tile for batches (each block unpacked once per tile). */
#include "avx2.h"

/* q - 16 = nibble - (fifth bit clear ? 16 : 0) */
static inline __m256i unpack(const block_q5_0 *b)
{
    __m256i hb = avx2_bits_to_bytes(b->qh);
    return _mm256_sub_epi8(avx2_nibbles(b->qs), _mm256_andnot_si256(hb, _mm256_set1_epi8(16)));
}

float avx2_dot_q5_0(int64_t n, const void *w, const void *x)
{
    const block_q5_0 *a = w;
    const block_q8_0 *q = x;
    int64_t nb = n / QK5_0, i = 0;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (; i + 1 < nb; i += 2) {
        __m256i p0 = avx2_dot_i8(unpack(&a[i]), _mm256_loadu_si256((const __m256i *)q[i].qs));
        __m256i p1 = avx2_dot_i8(unpack(&a[i + 1]), _mm256_loadu_si256((const __m256i *)q[i + 1].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&a[i].d) * avx2_half(&q[i].d)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&a[i + 1].d) * avx2_half(&q[i + 1].d)), _mm256_cvtepi32_ps(p1),
                               acc1);
    }
    for (; i < nb; i++) {
        __m256i p = avx2_dot_i8(unpack(&a[i]), _mm256_loadu_si256((const __m256i *)q[i].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&a[i].d) * avx2_half(&q[i].d)), _mm256_cvtepi32_ps(p), acc0);
    }
    return avx2_hsum(_mm256_add_ps(acc0, acc1));
}

/* A full 4-row x 2-token tile with every loop bound a constant, so the eight accumulators stay in
 * registers; partial tiles at the edges go through the dot product. */
static void tile4x2(const char *w, size_t wrb, int64_t nb, const char *qx, size_t qrb, float *y, size_t ys, int64_t r,
                    int64_t t)
{
    __m256 acc[4][2];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++)
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    const block_q8_0 *x0 = (const block_q8_0 *)(qx + (size_t)t * qrb), *x1 = (const block_q8_0 *)(qx + (size_t)(t + 1) * qrb);
    for (int64_t b = 0; b < nb; b++) {
        __m256i xs0 = _mm256_loadu_si256((const __m256i *)x0[b].qs), xs1 = _mm256_loadu_si256((const __m256i *)x1[b].qs);
        float xd0 = avx2_half(&x0[b].d), xd1 = avx2_half(&x1[b].d);
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
            const block_q5_0 *wb = (const block_q5_0 *)(w + (size_t)(r + i) * wrb) + b;
            __m256i ws = unpack(wb);
            __m256i aw = _mm256_sign_epi8(ws, ws);
            float wd = avx2_half(&wb->d);
            __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, _mm256_sign_epi8(xs0, ws)), _mm256_set1_epi16(1));
            __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, _mm256_sign_epi8(xs1, ws)), _mm256_set1_epi16(1));
            acc[i][0] = _mm256_fmadd_ps(_mm256_set1_ps(wd * xd0), _mm256_cvtepi32_ps(p0), acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(_mm256_set1_ps(wd * xd1), _mm256_cvtepi32_ps(p1), acc[i][1]);
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        __m128 s = avx2_hsum4(acc[i][0], acc[i][1], acc[i][0], acc[i][1]);
        y[(size_t)t * ys + (size_t)(r + i)] = _mm_cvtss_f32(s);
        y[(size_t)(t + 1) * ys + (size_t)(r + i)] = _mm_cvtss_f32(_mm_shuffle_ps(s, s, 1));
    }
}

void avx2_matmul_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / 4 * 4, tfull = n_tok / 2 * 2;
    for (int64_t r = r0; r < rfull; r += 4)
        for (int64_t t = 0; t < tfull; t += 2)
            tile4x2(w, w_row_bytes, n / QK5_0, qx, qx_row_bytes, y, y_stride, r, t);
    avx2_matmul_edges(avx2_dot_q5_0, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
