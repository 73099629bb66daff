/* AVX2 F32 x F32 with FMA, four accumulators for decoding, a 4-row x 2-token tile (each weight
 * vector loaded once for both tokens) for batches. */
#include "avx2.h"

static inline __m256 load8(const float *p)
{
    return _mm256_loadu_ps(p);
}

float avx2_dot_f32(int64_t n, const void *w, const void *x)
{
    const float *a = w, *b = x;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(load8(a + i), load8(b + i), s0);
        s1 = _mm256_fmadd_ps(load8(a + i + 8), load8(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(load8(a + i + 16), load8(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(load8(a + i + 24), load8(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(load8(a + i), load8(b + i), s0);
    float sum = avx2_hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++)
        sum += a[i] * b[i];
    return sum;
}

/* A full tile, rows [r, r + 4) x tokens [t, t + 2): constant bounds keep the accumulators in
 * registers; partial tiles at the edges go through the dot product. */
static void tile(const char *w, size_t wrb, int64_t n, const char *qx, size_t qrb, float *y, size_t ys, int64_t r,
                 int64_t t)
{
    enum { nr = 4, nt = 2 };
    __m256 acc[4][2];
    #pragma GCC unroll 4
    for (int i = 0; i < 4; i++)
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    const float *xs[2];
    #pragma GCC unroll 4
    for (int k = 0; k < nt; k++)
        xs[k] = (const float *)(qx + (size_t)(t + k) * qrb);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 xv[2];
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++)
            xv[k] = load8(xs[k] + j);
        #pragma GCC unroll 4
        for (int i = 0; i < nr; i++) {
            __m256 wv = load8((const float *)(w + (size_t)(r + i) * wrb) + j);
            #pragma GCC unroll 4
            for (int k = 0; k < nt; k++)
                acc[i][k] = _mm256_fmadd_ps(wv, xv[k], acc[i][k]);
        }
    }
    #pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++) {
            const float *wr = (const float *)(w + (size_t)(r + i) * wrb);
            float s = avx2_hsum(acc[i][k]);
            for (int64_t jj = j; jj < n; jj++)
                s += wr[jj] * xs[k][jj];
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = s;
        }
}

void avx2_matmul_f32(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / 4 * 4, tfull = n_tok / 2 * 2;
    for (int64_t r = r0; r < rfull; r += 4)
        for (int64_t t = 0; t < tfull; t += 2)
            tile(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r, t);
    avx2_matmul_edges(avx2_dot_f32, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
