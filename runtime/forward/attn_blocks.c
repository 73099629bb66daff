/* Attention's F16 row conversion and its q.k and p.v loops over chunks of keys (see attn_blocks.h),
 * three ways with the same bits: portable (ag_dot / ag_accumulate pair by pair), AVX2+FMA and AVX-512. Each lane of
 * attn_ggml.h's orders is one vector lane here: AVX-512 holds the 16 tinyBLAS lanes in one
 * register (ggml_vec_dot_f16's 64 in four), AVX2 in two (eight), so the fused multiply-adds are
 * the same operations; the tree reductions are written as the same adds on extracted halves. */
#include <string.h>

#include "attn_blocks.h"
#include "half.h"
#include "simd.h"

static void rows_portable(const char *src, size_t stride, int64_t n, int64_t w, float *dst, int64_t j0, int64_t nk,
                          int64_t lanes)
{
    for (int64_t j = 0; j < n; j++) {
        const uint16_t *s = (const uint16_t *)(const void *)(src + (size_t)j * stride);
        for (int64_t i = 0; i < w; i++)
            dst[ag_lane_slot(j0 + j, nk, lanes) * w + i] = half_to_f32(s[i]);
    }
}

static void dots_portable(ag_order o, const float *k, int64_t nk, const float *q, int64_t nq, int64_t hd, float *s,
                          int64_t ld)
{
    for (int64_t r = 0; r < nq; r++)
        for (int64_t j = 0; j < nk; j++)
            s[r * ld + j] = ag_dot(o, k + j * hd, q + r * hd, hd);
}

static void pv_portable(int64_t lanes, const float *p, int64_t ld, int64_t nq, int64_t c0, int64_t nk, const float *v,
                        int64_t hdv, float *acc, bool first)
{
    if (first)
        memset(acc, 0, sizeof(float) * (size_t)(nq * lanes * hdv));
    for (int64_t r = 0; r < nq; r++)
        for (int64_t j = 0; j < nk; j++) /* from +0, fmaf(w, v, +0) is how a lane starts */
            ag_accumulate(acc + r * lanes * hdv, lanes, c0 + j, p[r * ld + j], v + ag_lane_slot(j, nk, lanes) * hdv,
                          hdv, false);
}

static const ag_blocks portable = {rows_portable, dots_portable, pv_portable};

const ag_blocks *ag_blocks_portable(void)
{
    return &portable;
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

#define AVX2_T __attribute__((target("avx2,fma")))
#define AVX512_T __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/* attn_ggml's reduce16 on lanes 0-7 (lo) and 8-15 (hi): + halves, + quarters, (0+2) + (1+3). */
INLINE AVX2_T float tree16(__m256 lo, __m256 hi)
{
    const __m256 t8 = _mm256_add_ps(lo, hi);
    const __m128 t4 = _mm_add_ps(_mm256_castps256_ps128(t8), _mm256_extractf128_ps(t8, 1));
    const __m128 u = _mm_add_ps(t4, _mm_movehl_ps(t4, t4));
    return _mm_cvtss_f32(_mm_add_ss(u, _mm_movehdup_ps(u)));
}

/* tree16 of eight dot products at once: t[m] holds product m's lanes 0-7 already added to lanes
 * 8-15 (the tree's first step); lane m of the result is the rest of product m's tree, the same
 * adds (+ quarters, then (0+2) + (1+3)) done on transposed registers, so eight scores come out in
 * one register instead of eight horizontal reductions. */
INLINE AVX2_T __m256 tree16x8(const __m256 t[8])
{
    __m256 y[4]; /* y[m] = [quarters of product m | of product m + 4] */
    #pragma GCC unroll 8
    for (int m = 0; m < 4; m++)
        y[m] = _mm256_add_ps(_mm256_permute2f128_ps(t[m], t[m + 4], 0x20),
                             _mm256_permute2f128_ps(t[m], t[m + 4], 0x31));
    /* w01 = (m0: q0+q2, q1+q3, m1: q0+q2, q1+q3 | the same for m4, m5) */
    const __m256 w01 = _mm256_add_ps(_mm256_shuffle_ps(y[0], y[1], _MM_SHUFFLE(1, 0, 1, 0)),
                                     _mm256_shuffle_ps(y[0], y[1], _MM_SHUFFLE(3, 2, 3, 2)));
    const __m256 w23 = _mm256_add_ps(_mm256_shuffle_ps(y[2], y[3], _MM_SHUFFLE(1, 0, 1, 0)),
                                     _mm256_shuffle_ps(y[2], y[3], _MM_SHUFFLE(3, 2, 3, 2)));
    return _mm256_add_ps(_mm256_shuffle_ps(w01, w23, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm256_shuffle_ps(w01, w23, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* The n % 64 tail of the one-token order: products in float, added in double. */
INLINE float vecdot_tail(double s, const float *a, const float *b, int64_t np, int64_t n)
{
    for (int64_t i = np; i < n; i++)
        s += (double)(a[i] * b[i]);
    return (float)s;
}

/* The p.v driver of one ISA: query rows MAXR at a time through ROWS (the rest with a smaller
 * block), each block over every lane in turn, each lane over its keys of the chunk. Rows outside,
 * lanes inside, so a block's probabilities stay in L1 while the lanes pass over them. Every
 * accumulator still takes its keys in the same order, so the row grouping changes no bit. */
#define PV_LANES(NAME, TARGET, ROWS, MAXR)                                                                    \
    TARGET static void NAME(int64_t lanes, const float *p, int64_t ld, int64_t nq, int64_t c0, int64_t nk,   \
                            const float *v, int64_t hdv, float *acc, bool first)                              \
    {                                                                                                         \
        const int64_t rs = lanes * hdv;                                                                       \
        for (int64_t r = 0; r < nq; r += MAXR) {                                                              \
            const float *pr = p + r * ld;                                                                     \
            for (int64_t l = 0; l < lanes; l++) {                                                             \
                const int64_t j0 = ((l - c0) % lanes + lanes) % lanes; /* (c0 + j0) % lanes == l */          \
                if (!first && j0 >= nk)                                                                       \
                    continue;                                                                                 \
                float *ar = acc + r * rs + l * hdv;                                                           \
                const float *vl = v + ag_lane_slot(j0 < nk ? j0 : 0, nk, lanes) * hdv; /* the lane's rows */  \
                if (MAXR >= 6 && nq - r >= 6)                                                                 \
                    ROWS(6, pr, ld, j0, lanes, nk, vl, hdv, ar, rs, first);                                    \
                else if (MAXR >= 6 && nq - r == 5)                                                            \
                    ROWS(5, pr, ld, j0, lanes, nk, vl, hdv, ar, rs, first);                                    \
                else if (nq - r >= 4)                                                                         \
                    ROWS(4, pr, ld, j0, lanes, nk, vl, hdv, ar, rs, first);                                    \
                else if (nq - r == 3)                                                                         \
                    ROWS(3, pr, ld, j0, lanes, nk, vl, hdv, ar, rs, first);                                    \
                else if (nq - r == 2)                                                                         \
                    ROWS(2, pr, ld, j0, lanes, nk, vl, hdv, ar, rs, first);                                    \
                else                                                                                          \
                    ROWS(1, pr, ld, j0, lanes, nk, vl, hdv, ar, rs, first);                                    \
            }                                                                                                 \
        }                                                                                                     \
    }

/* ---- AVX2 + FMA ---- */

/* KV cache rows lie a whole layer's width apart (1 KiB on the 1B shape, for 128 bytes of one
 * head), a stride that stops the hardware prefetcher every few rows: the rows AHEAD steps on are
 * prefetched (every cache line of the slice, the last byte's included). One F16C instruction
 * converts eight values exactly. */
AVX2_T __attribute__((target("f16c"))) static void rows_avx2(const char *src, size_t stride, int64_t n, int64_t w,
                                                             float *dst, int64_t j0, int64_t nk, int64_t lanes)
{
    enum { AHEAD = 16 };
    const size_t bytes = (size_t)w * 2;
    /* ag_lane_slot(j0 + j) without a division per row: lane jj, row kq of the lane */
    const int64_t q = nk / lanes, rem = nk % lanes;
    int64_t jj = j0 % lanes, kq = j0 / lanes;
    for (int64_t j = 0; j < n; j++) {
        if (j + AHEAD < n) {
            const char *nx = src + (size_t)(j + AHEAD) * stride;
            for (size_t b = 0; b < bytes; b += 64)
                __builtin_prefetch(nx + b);
            __builtin_prefetch(nx + bytes - 1);
        }
        const uint16_t *s = (const uint16_t *)(const void *)(src + (size_t)j * stride);
        float *d = dst + (jj * q + (jj < rem ? jj : rem) + kq) * w;
        if (++jj == lanes) {
            jj = 0;
            kq++;
        }
        int64_t i = 0;
        for (; i + 8 <= w; i += 8)
            _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(s + i))));
        for (; i < w; i++)
            d[i] = half_to_f32(s[i]);
    }
}

/* Keys are visited four (tinyBLAS order) or one (vec_dot order) at a time, each block against every
 * query row, so the block's key rows and all query rows stay in L1. */
INLINE AVX2_T void dots_avx2_hd(ag_order o, const float *k, int64_t nk, const float *q, int64_t nq, int64_t hd,
                                 float *s, int64_t ld)
{
    if (o == AG_TILED) { /* hd % 16 == 0 */
        int64_t j = 0;
        for (; j + 8 <= nk; j += 8)
            for (int64_t r = 0; r < nq; r++) {
                const float *qr = q + r * hd;
                __m256 t[8];
                #pragma GCC unroll 8
                for (int h = 0; h < 8; h += 4) {
                    __m256 lo[4], hi[4];
                    #pragma GCC unroll 8
                    for (int m = 0; m < 4; m++)
                        lo[m] = hi[m] = _mm256_setzero_ps();
                    const float *kb = k + (j + h) * hd;
#pragma GCC unroll 8
                    for (int64_t i = 0; i < hd; i += 16) {
                        const __m256 ql = _mm256_loadu_ps(qr + i), qh = _mm256_loadu_ps(qr + i + 8);
                        #pragma GCC unroll 8
                        for (int m = 0; m < 4; m++) {
                            const float *km = kb + m * hd + i;
                            lo[m] = _mm256_fmadd_ps(_mm256_loadu_ps(km), ql, lo[m]);
                            hi[m] = _mm256_fmadd_ps(_mm256_loadu_ps(km + 8), qh, hi[m]);
                        }
                    }
                    #pragma GCC unroll 8
                    for (int m = 0; m < 4; m++)
                        t[h + m] = _mm256_add_ps(lo[m], hi[m]);
                }
                _mm256_storeu_ps(s + r * ld + j, tree16x8(t));
            }
        for (; j + 4 <= nk; j += 4)
            for (int64_t r = 0; r < nq; r++) {
                const float *qr = q + r * hd;
                __m256 lo[4], hi[4];
                #pragma GCC unroll 8
                for (int m = 0; m < 4; m++)
                    lo[m] = hi[m] = _mm256_setzero_ps();
                for (int64_t i = 0; i < hd; i += 16) {
                    const __m256 ql = _mm256_loadu_ps(qr + i), qh = _mm256_loadu_ps(qr + i + 8);
                    #pragma GCC unroll 8
                    for (int m = 0; m < 4; m++) {
                        const float *km = k + (j + m) * hd + i;
                        lo[m] = _mm256_fmadd_ps(_mm256_loadu_ps(km), ql, lo[m]);
                        hi[m] = _mm256_fmadd_ps(_mm256_loadu_ps(km + 8), qh, hi[m]);
                    }
                }
                #pragma GCC unroll 8
                for (int m = 0; m < 4; m++)
                    s[r * ld + j + m] = tree16(lo[m], hi[m]);
            }
        for (; j < nk; j++)
            for (int64_t r = 0; r < nq; r++) {
                const float *qr = q + r * hd;
                __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
                for (int64_t i = 0; i < hd; i += 16) {
                    lo = _mm256_fmadd_ps(_mm256_loadu_ps(k + j * hd + i), _mm256_loadu_ps(qr + i), lo);
                    hi = _mm256_fmadd_ps(_mm256_loadu_ps(k + j * hd + i + 8), _mm256_loadu_ps(qr + i + 8), hi);
                }
                s[r * ld + j] = tree16(lo, hi);
            }
        return;
    }
    const int64_t np = hd / 64 * 64;
    int64_t j0 = 0;
    if (np == hd) /* no tail in double: eight keys per row at a time, reduced together */
        for (; j0 + 8 <= nk; j0 += 8)
            for (int64_t r = 0; r < nq; r++) {
                const float *qr = q + r * hd;
                __m256 t[8];
                #pragma GCC unroll 8
                for (int m = 0; m < 8; m++) {
                    const float *km = k + (j0 + m) * hd;
                    __m256 R[8];
                    #pragma GCC unroll 8
                    for (int u = 0; u < 8; u++)
                        R[u] = _mm256_setzero_ps();
                    for (int64_t i = 0; i < np; i += 64)
                        #pragma GCC unroll 8
                        for (int u = 0; u < 8; u++)
                            R[u] = _mm256_fmadd_ps(_mm256_loadu_ps(km + i + 8 * u), _mm256_loadu_ps(qr + i + 8 * u),
                                                   R[u]);
                    #pragma GCC unroll 8
                    for (int u = 0; u < 4; u++)
                        R[u] = _mm256_add_ps(R[u], R[u + 4]);
                    R[0] = _mm256_add_ps(R[0], R[2]);
                    R[1] = _mm256_add_ps(R[1], R[3]);
                    t[m] = _mm256_add_ps(R[0], R[1]);
                }
                _mm256_storeu_ps(s + r * ld + j0, tree16x8(t));
            }
    for (int64_t j = j0; j < nk; j++) {
        const float *kj = k + j * hd;
        for (int64_t r = 0; r < nq; r++) {
            const float *qr = q + r * hd;
            __m256 R[8];
            #pragma GCC unroll 8
            for (int m = 0; m < 8; m++)
                R[m] = _mm256_setzero_ps();
            for (int64_t i = 0; i < np; i += 64)
                #pragma GCC unroll 8
                for (int m = 0; m < 8; m++)
                    R[m] = _mm256_fmadd_ps(_mm256_loadu_ps(kj + i + 8 * m), _mm256_loadu_ps(qr + i + 8 * m), R[m]);
            /* 16-lane registers 0 += 2, 1 += 3, 0 += 1 */
            #pragma GCC unroll 8
            for (int m = 0; m < 4; m++)
                R[m] = _mm256_add_ps(R[m], R[m + 4]);
            R[0] = _mm256_add_ps(R[0], R[2]);
            R[1] = _mm256_add_ps(R[1], R[3]);
            s[r * ld + j] = vecdot_tail((double)tree16(R[0], R[1]), kj, qr, np, hd);
        }
    }
}

/* The common head sizes as constants, so the loops over a row unroll and address with offsets. */
AVX2_T static void dots_avx2(ag_order o, const float *k, int64_t nk, const float *q, int64_t nq, int64_t hd,
                             float *s, int64_t ld)
{
    if (hd == 64)
        dots_avx2_hd(o, k, nk, q, nq, 64, s, ld);
    else if (hd == 128)
        dots_avx2_hd(o, k, nk, q, nq, 128, s, ld);
    else if (hd == 256) /* Gemma 3 */
        dots_avx2_hd(o, k, nk, q, nq, 256, s, ld);
    else
        dots_avx2_hd(o, k, nk, q, nq, hd, s, ld);
}

/* NR query rows x 8 * NV columns of one lane, over the lane's keys j0, j0 + step, ... < nk: the
 * accumulators stay in registers while the keys pass (a small matrix product per lane). a: the
 * lane's first row at the block's first column; rows rs floats apart. Six rows by two registers
 * keep twelve independent sums in flight (eight leave the FMA units waiting on their latency),
 * with the two value registers and one broadcast that is all sixteen. */
INLINE AVX2_T void pv_block_avx2(int NR, int NV, const float *p, int64_t ld, int64_t j0, int64_t step, int64_t nk,
                                 const float *v, int64_t hdv, float *a, int64_t rs, bool first)
{
    __m256 acc[6][2];
    #pragma GCC unroll 8
    for (int r = 0; r < NR; r++)
        #pragma GCC unroll 8
        for (int m = 0; m < NV; m++)
            acc[r][m] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(a + r * rs + 8 * m);
    for (int64_t j = j0; j < nk; j += step, v += hdv) {
        __m256 vv[2];
        #pragma GCC unroll 8
        for (int m = 0; m < NV; m++)
            vv[m] = _mm256_loadu_ps(v + 8 * m);
        #pragma GCC unroll 8
        for (int r = 0; r < NR; r++) {
            const __m256 w = _mm256_broadcast_ss(p + r * ld + j);
            #pragma GCC unroll 8
            for (int m = 0; m < NV; m++)
                acc[r][m] = _mm256_fmadd_ps(w, vv[m], acc[r][m]);
        }
    }
    #pragma GCC unroll 8
    for (int r = 0; r < NR; r++)
        #pragma GCC unroll 8
        for (int m = 0; m < NV; m++)
            _mm256_storeu_ps(a + r * rs + 8 * m, acc[r][m]);
}

INLINE AVX2_T void pv_rows_avx2(int NR, const float *p, int64_t ld, int64_t j0, int64_t step, int64_t nk,
                                const float *v, int64_t hdv, float *a, int64_t rs, bool first)
{
    int64_t d = 0;
    for (; d + 16 <= hdv; d += 16)
        pv_block_avx2(NR, 2, p, ld, j0, step, nk, v + d, hdv, a + d, rs, first);
    for (; d + 8 <= hdv; d += 8)
        pv_block_avx2(NR, 1, p, ld, j0, step, nk, v + d, hdv, a + d, rs, first);
    for (; d < hdv; d++)
        #pragma GCC unroll 8
        for (int r = 0; r < NR; r++) {
            float x = first ? 0.0f : a[r * rs + d];
            const float *vr = v + d;
            for (int64_t j = j0; j < nk; j += step, vr += hdv)
                x = __builtin_fmaf(p[r * ld + j], *vr, x);
            a[r * rs + d] = x;
        }
}

PV_LANES(pv_avx2, AVX2_T, pv_rows_avx2, 6)

static const ag_blocks with_avx2 = {rows_avx2, dots_avx2, pv_avx2};

/* ---- AVX-512 ---- */

INLINE AVX512_T float tree16_512(__m512 x)
{
    return tree16(_mm512_castps512_ps256(x), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
}

AVX512_T static void dots_avx512(ag_order o, const float *k, int64_t nk, const float *q, int64_t nq, int64_t hd,
                                 float *s, int64_t ld)
{
    if (o == AG_TILED) { /* hd % 16 == 0 */
        int64_t j = 0;
        for (; j + 4 <= nk; j += 4)
            for (int64_t r = 0; r < nq; r++) {
                const float *qr = q + r * hd;
                __m512 a[4];
                #pragma GCC unroll 8
                for (int m = 0; m < 4; m++)
                    a[m] = _mm512_setzero_ps();
                for (int64_t i = 0; i < hd; i += 16) {
                    const __m512 qv = _mm512_loadu_ps(qr + i);
                    #pragma GCC unroll 8
                    for (int m = 0; m < 4; m++)
                        a[m] = _mm512_fmadd_ps(_mm512_loadu_ps(k + (j + m) * hd + i), qv, a[m]);
                }
                #pragma GCC unroll 8
                for (int m = 0; m < 4; m++)
                    s[r * ld + j + m] = tree16_512(a[m]);
            }
        for (; j < nk; j++)
            for (int64_t r = 0; r < nq; r++) {
                const float *qr = q + r * hd;
                __m512 a = _mm512_setzero_ps();
                for (int64_t i = 0; i < hd; i += 16)
                    a = _mm512_fmadd_ps(_mm512_loadu_ps(k + j * hd + i), _mm512_loadu_ps(qr + i), a);
                s[r * ld + j] = tree16_512(a);
            }
        return;
    }
    const int64_t np = hd / 64 * 64;
    int64_t j = 0;
    for (; j + 2 <= nk; j += 2) /* two keys: eight accumulators */
        for (int64_t r = 0; r < nq; r++) {
            const float *qr = q + r * hd;
            __m512 R[2][4];
            #pragma GCC unroll 8
            for (int t = 0; t < 2; t++)
                #pragma GCC unroll 8
                for (int m = 0; m < 4; m++)
                    R[t][m] = _mm512_setzero_ps();
            for (int64_t i = 0; i < np; i += 64)
                #pragma GCC unroll 8
                for (int m = 0; m < 4; m++) {
                    const __m512 qv = _mm512_loadu_ps(qr + i + 16 * m);
                    #pragma GCC unroll 8
                    for (int t = 0; t < 2; t++)
                        R[t][m] = _mm512_fmadd_ps(_mm512_loadu_ps(k + (j + t) * hd + i + 16 * m), qv, R[t][m]);
                }
            #pragma GCC unroll 8
            for (int t = 0; t < 2; t++) {
                const __m512 r0 = _mm512_add_ps(_mm512_add_ps(R[t][0], R[t][2]), _mm512_add_ps(R[t][1], R[t][3]));
                s[r * ld + j + t] = vecdot_tail((double)tree16_512(r0), k + (j + t) * hd, qr, np, hd);
            }
        }
    for (; j < nk; j++)
        for (int64_t r = 0; r < nq; r++) {
            const float *kj = k + j * hd, *qr = q + r * hd;
            __m512 R[4];
            #pragma GCC unroll 8
            for (int m = 0; m < 4; m++)
                R[m] = _mm512_setzero_ps();
            for (int64_t i = 0; i < np; i += 64)
                #pragma GCC unroll 8
                for (int m = 0; m < 4; m++)
                    R[m] = _mm512_fmadd_ps(_mm512_loadu_ps(kj + i + 16 * m), _mm512_loadu_ps(qr + i + 16 * m), R[m]);
            const __m512 r0 = _mm512_add_ps(_mm512_add_ps(R[0], R[2]), _mm512_add_ps(R[1], R[3]));
            s[r * ld + j] = vecdot_tail((double)tree16_512(r0), kj, qr, np, hd);
        }
}

/* As pv_block_avx2 with 16-float registers; mask: the columns of the last register. */
INLINE AVX512_T void pv_block_avx512(int NR, int NV, __mmask16 mask, const float *p, int64_t ld, int64_t j0,
                                     int64_t step, int64_t nk, const float *v, int64_t hdv, float *a, int64_t rs,
                                     bool first)
{
    __m512 acc[4][4];
    #pragma GCC unroll 8
    for (int r = 0; r < NR; r++)
        #pragma GCC unroll 8
        for (int m = 0; m < NV; m++)
            acc[r][m] = first ? _mm512_setzero_ps()
                              : _mm512_maskz_loadu_ps(m == NV - 1 ? mask : (__mmask16)0xffff, a + r * rs + 16 * m);
    for (int64_t j = j0; j < nk; j += step, v += hdv) {
        __m512 vv[4];
        #pragma GCC unroll 8
        for (int m = 0; m < NV; m++)
            vv[m] = _mm512_maskz_loadu_ps(m == NV - 1 ? mask : (__mmask16)0xffff, v + 16 * m);
        #pragma GCC unroll 8
        for (int r = 0; r < NR; r++) {
            const __m512 w = _mm512_set1_ps(p[r * ld + j]);
            #pragma GCC unroll 8
            for (int m = 0; m < NV; m++)
                acc[r][m] = _mm512_fmadd_ps(w, vv[m], acc[r][m]);
        }
    }
    #pragma GCC unroll 8
    for (int r = 0; r < NR; r++)
        #pragma GCC unroll 8
        for (int m = 0; m < NV; m++)
            _mm512_mask_storeu_ps(a + r * rs + 16 * m, m == NV - 1 ? mask : (__mmask16)0xffff, acc[r][m]);
}

INLINE AVX512_T void pv_rows_avx512(int NR, const float *p, int64_t ld, int64_t j0, int64_t step, int64_t nk,
                                    const float *v, int64_t hdv, float *a, int64_t rs, bool first)
{
    int64_t d = 0;
    for (; d + 64 <= hdv; d += 64)
        pv_block_avx512(NR, 4, 0xffff, p, ld, j0, step, nk, v + d, hdv, a + d, rs, first);
    for (; d < hdv; d += 16) {
        const int64_t w = hdv - d < 16 ? hdv - d : 16;
        pv_block_avx512(NR, 1, (__mmask16)((1u << w) - 1), p, ld, j0, step, nk, v + d, hdv, a + d, rs, first);
    }
}

PV_LANES(pv_avx512, AVX512_T, pv_rows_avx512, 4)

static const ag_blocks with_avx512 = {rows_avx2, dots_avx512, pv_avx512};

const ag_blocks *ag_blocks_get(void)
{
    if (strcmp(simd_isa_name(), "avx512") == 0 && __builtin_cpu_supports("avx512f"))
        return &with_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        return &with_avx2;
    return &portable;
}
#else
const ag_blocks *ag_blocks_get(void)
{
    return &portable;
}
#endif
