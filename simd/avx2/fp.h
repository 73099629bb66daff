/* The AVX2 kernels of the float formats (F32, F16 with F16C conversions, BF16 widened by a 16-bit
 * shift) against activations of the same format: one body, compiled per format by the thin entry
 * points in f32.c, f16.c and bf16.c. FMA, four accumulators for the dot product, a 4-row x 2-token
 * tile (each weight vector converted once for both tokens) for batches, partial tiles through the
 * dot product. Sums are float, so results differ from the double-summed reference only by float
 * rounding (and batches from the dot product in the order of their sums: not exact). */
#ifndef TOLK_SIMD_AVX2_FP_H
#define TOLK_SIMD_AVX2_FP_H

#include "../half.h"
#include "avx2.h"

enum fp_kind { FP_F32, FP_F16, FP_BF16 };

#define FP_INLINE static inline __attribute__((always_inline))

/* Elements i .. i + 7 of a row as floats (exact conversions). */
FP_INLINE __m256 fp_load8(int kind, const void *row, int64_t i)
{
    if (kind == FP_F32)
        return _mm256_loadu_ps((const float *)row + i);
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)row + i));
    if (kind == FP_F16)
        return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

FP_INLINE float fp_load1(int kind, const void *row, int64_t i)
{
    if (kind == FP_F32)
        return ((const float *)row)[i];
    uint16_t h = ((const uint16_t *)row)[i];
    return kind == FP_F16 ? half_to_f32(h) : bf16_to_f32(h);
}

FP_INLINE float fp_dot(int kind, int64_t n, const void *w, const void *x)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(fp_load8(kind, w, i), fp_load8(kind, x, i), s0);
        s1 = _mm256_fmadd_ps(fp_load8(kind, w, i + 8), fp_load8(kind, x, i + 8), s1);
        s2 = _mm256_fmadd_ps(fp_load8(kind, w, i + 16), fp_load8(kind, x, i + 16), s2);
        s3 = _mm256_fmadd_ps(fp_load8(kind, w, i + 24), fp_load8(kind, x, i + 24), s3);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(fp_load8(kind, w, i), fp_load8(kind, x, i), s0);
    float sum = avx2_hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++)
        sum += fp_load1(kind, w, i) * fp_load1(kind, x, i);
    return sum;
}

/* A full tile, rows [r, r + 4) x tokens [t, t + 2): constant bounds keep the accumulators in
 * registers. */
FP_INLINE void fp_tile(int kind, const char *w, size_t wrb, int64_t n, const char *qx, size_t qrb, float *y, size_t ys,
                       int64_t r, int64_t t)
{
    enum { nr = 4, nt = 2 };
    __m256 acc[4][2];
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    const char *xs[2];
#pragma GCC unroll 4
    for (int k = 0; k < nt; k++)
        xs[k] = qx + (size_t)(t + k) * qrb;
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 xv[2];
#pragma GCC unroll 4
        for (int k = 0; k < nt; k++)
            xv[k] = fp_load8(kind, xs[k], j);
#pragma GCC unroll 4
        for (int i = 0; i < nr; i++) {
            __m256 wv = fp_load8(kind, w + (size_t)(r + i) * wrb, j);
#pragma GCC unroll 4
            for (int k = 0; k < nt; k++)
                acc[i][k] = _mm256_fmadd_ps(wv, xv[k], acc[i][k]);
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 4
        for (int k = 0; k < nt; k++) {
            const char *wr = w + (size_t)(r + i) * wrb;
            float s = avx2_hsum(acc[i][k]);
            for (int64_t jj = j; jj < n; jj++)
                s += fp_load1(kind, wr, jj) * fp_load1(kind, xs[k], jj);
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = s;
        }
}

/* Full tiles, then the edges through DOT (this format's dot product). */
FP_INLINE void fp_matmul(int kind, simd_dot_fn dot, const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb,
                         int64_t n_tok, float *y, size_t ys, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / 4 * 4, tfull = n_tok / 2 * 2;
    for (int64_t r = r0; r < rfull; r += 4)
        for (int64_t t = 0; t < tfull; t += 2)
            fp_tile(kind, w, wrb, n, qx, qrb, y, ys, r, t);
    avx2_matmul_edges(dot, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1, rfull, tfull);
}

#endif
