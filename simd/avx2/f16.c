/* AVX2 F16 x F16 with F16C conversions and FMA, four accumulators for decoding, a 4-row x 2-token
 * tile (each weight vector converted once for both tokens) for batches. Sums are float, so results
 * differ from the double-summed reference only by float rounding. */
#include "../half.h"
#include "avx2.h"

static inline __m256 load8(const uint16_t *p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/* F16 -> F32 rows (KV cache reads in attention, F16 embeddings): the hardware conversion is exact,
 * so this gives the reference's bits 8 values per instruction. */
void avx2_f16_to_f32(const void *src, float *dst, int64_t n)
{
    const uint16_t *s = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, load8(s + i));
    for (; i < n; i++)
        dst[i] = half_to_f32(s[i]);
}

float avx2_dot_f16(int64_t n, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
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
        sum += half_to_f32(a[i]) * half_to_f32(b[i]);
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
    const uint16_t *xs[2];
    #pragma GCC unroll 4
    for (int k = 0; k < nt; k++)
        xs[k] = (const uint16_t *)(qx + (size_t)(t + k) * qrb);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 xv[2];
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++)
            xv[k] = load8(xs[k] + j);
        #pragma GCC unroll 4
        for (int i = 0; i < nr; i++) {
            __m256 wv = load8((const uint16_t *)(w + (size_t)(r + i) * wrb) + j);
            #pragma GCC unroll 4
            for (int k = 0; k < nt; k++)
                acc[i][k] = _mm256_fmadd_ps(wv, xv[k], acc[i][k]);
        }
    }
    #pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++) {
            const uint16_t *wr = (const uint16_t *)(w + (size_t)(r + i) * wrb);
            float s = avx2_hsum(acc[i][k]);
            for (int64_t jj = j; jj < n; jj++)
                s += half_to_f32(wr[jj]) * half_to_f32(xs[k][jj]);
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = s;
        }
}

void avx2_matmul_f16(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / 4 * 4, tfull = n_tok / 2 * 2;
    for (int64_t r = r0; r < rfull; r += 4)
        for (int64_t t = 0; t < tfull; t += 2)
            tile(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r, t);
    avx2_matmul_edges(avx2_dot_f16, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
