/* AVX-512 VNNI Q4_0 x Q8_0: two blocks per 512-bit step, nibbles to signed bytes (q - 8), one
 * dpbusd per pair (|w| unsigned, w's sign moved onto x), scales per 256-bit half. Batches use a
 * 2-row x 4-token tile with unsigned codes, the offset taken off through 8 x the activation sums. */
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

/* Two Q4_0 blocks as 64 unsigned codes (0..15) in element order. */
static inline __m512i unpack2_unsigned(const block_q4_0 *b)
{
    return _mm512_add_epi8(unpack2(b), _mm512_set1_epi8(8));
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
        __m512i xs[TT], xoff[TT];
        __m512 xd[TT];
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++) {
            const block_q8_0 *xb = (const block_q8_0 *)(qx + (size_t)(t + k) * qrb) + b;
            xs[k] = avx512_load2(xb[0].qs, xb[1].qs);
            xd[k] = avx512_halves(avx512_half(&xb[0].d), avx512_half(&xb[1].d));
            xoff[k] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(8), xs[k]); /* 8 x sums */
        }
#pragma GCC unroll 4
        for (int i = 0; i < TR; i++) {
            const block_q4_0 *wb = (const block_q4_0 *)(w + (size_t)(r + i) * wrb) + b;
            __m512 wd = avx512_halves(avx512_half(&wb[0].d), avx512_half(&wb[1].d));
            __m512i wu = unpack2_unsigned(wb);
#pragma GCC unroll 4
            for (int k = 0; k < TT; k++) {
                __m512i p = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wu, xs[k]), xoff[k]);
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

void avx512_matmul_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
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
    avx512_matmul_edges(avx512_dot_q4_0, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
