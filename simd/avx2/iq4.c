/* AVX2 IQ4_NL and IQ4_XS kernels. The codes become signed bytes through one pshufb of the 16-entry
 * table (ref/iq4.c), then |w| maddubs sign(x, w) gives exact int16 pair sums. Both formats add in
 * the reference's order (llama.cpp's on x86, docs/FORMATS-IQ4.md), so every result has the scalar
 * reference's bits, one token or a batch (IQ4_XS batches of 8+ tokens: its batch order, iq4_gemm.c):
 *   IQ4_NL: per block the exact integer dot, then one FMA per block in block order. Mat x vec puts
 *           8 rows in the 8 lanes (integer lanes summed exactly, then one vector FMA per block).
 *   IQ4_XS: per super-block 8 int32 lanes (elements 4l..4l+3 of each 32-run, times the run scale),
 *           one vector FMA per super-block, then ggml's 8-lane horizontal sum. */
#include <immintrin.h>
#include <math.h>

#include "../blocks.h"
#include "../kernels.h"
#include "avx2.h"
#include "iq4.h"

/* The 32 codes of a 32-run (low nibbles then high nibbles) as signed table values. */
static inline __attribute__((always_inline)) __m256i iq4_values32(const uint8_t *qs, __m256i table)
{
    return _mm256_shuffle_epi8(table, avx2_nibbles(qs));
}

static inline __m256i iq4_table(void)
{
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)iq4_values));
}

/* Exact products of signed bytes W and X summed in pairs to 16 int16 lanes (|w|, |x| <= 127). */
static inline __attribute__((always_inline)) __m256i iq4_pairs(__m256i w, __m256i x)
{
    return _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(x, w));
}

/* Eight registers of 8 int32 lanes to one: lane i holds the sum of v[i]'s lanes (exact). */
static inline __attribute__((always_inline)) __m256i iq4_sum8(const __m256i v[8])
{
    __m256i a[4];
    for (int k = 0; k < 4; k++)
        a[k] = _mm256_add_epi32(_mm256_unpacklo_epi32(v[2 * k], v[2 * k + 1]),
                                _mm256_unpackhi_epi32(v[2 * k], v[2 * k + 1]));
    __m256i b0 = _mm256_add_epi32(_mm256_unpacklo_epi64(a[0], a[1]), _mm256_unpackhi_epi64(a[0], a[1]));
    __m256i b1 = _mm256_add_epi32(_mm256_unpacklo_epi64(a[2], a[3]), _mm256_unpackhi_epi64(a[2], a[3]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(b0, b1, 0x20), _mm256_permute2x128_si256(b0, b1, 0x31));
}

/* ---- IQ4_NL x Q8_0 ------------------------------------------------------------------------------- */

static inline __attribute__((always_inline)) __m256i nl_block_lanes(const block_iq4_nl *a, const block_q8_0 *q,
                                                                     __m256i table)
{
    __m256i x = _mm256_loadu_si256((const __m256i *)q->qs);
    return _mm256_madd_epi16(iq4_pairs(iq4_values32(a->qs, table), x), _mm256_set1_epi16(1));
}

float avx2_dot_iq4_nl(int64_t n, const void *w, const void *x)
{
    const block_iq4_nl *a = w;
    const block_q8_0 *q = x;
    const __m256i table = iq4_table();
    const int64_t nb = n / QK4_NL;
    float acc = 0.0f;
    int64_t b = 0;
    for (; b + 8 <= nb; b += 8) { /* 8 blocks' integer dots at once, then their FMAs in order */
        __m256i v[8];
        for (int i = 0; i < 8; i++)
            v[i] = nl_block_lanes(&a[b + i], &q[b + i], table);
        int isum[8];
        _mm256_storeu_si256((__m256i *)isum, iq4_sum8(v));
        for (int i = 0; i < 8; i++)
            acc = fmaf((float)isum[i], *avx2_half_ref(&a[b + i].d) * *avx2_half_ref(&q[b + i].d), acc);
    }
    for (; b < nb; b++) {
        __m256i v = nl_block_lanes(&a[b], &q[b], table);
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
        acc = fmaf((float)_mm_cvtsi128_si32(s), *avx2_half_ref(&a[b].d) * *avx2_half_ref(&q[b].d), acc);
    }
    return acc;
}

/* Rows [r, r + 8) of one token: row i in lane i. */
static void nl_rows8(const char *w, size_t wrb, int64_t nb, const block_q8_0 *x, float *y, int64_t r)
{
    const __m256i table = iq4_table();
    const char *row = w + (size_t)r * wrb;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const size_t off = (size_t)b * sizeof(block_iq4_nl);
        __m256i v[8];
        float dw[8];
        for (int i = 0; i < 8; i++) {
            const block_iq4_nl *blk = (const block_iq4_nl *)(row + (size_t)i * wrb + off);
            v[i] = nl_block_lanes(blk, &x[b], table);
            dw[i] = *avx2_half_ref(&blk->d);
        }
        __m256 d = _mm256_mul_ps(_mm256_loadu_ps(dw), _mm256_broadcast_ss(avx2_half_ref(&x[b].d)));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(iq4_sum8(v)), d, acc);
    }
    _mm256_storeu_ps(y + r, acc);
}

void avx2_matvec_iq4_nl(const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    int64_t r = r0;
    for (; r + 8 <= r1; r += 8)
        nl_rows8(w, wrb, n / QK4_NL, qx, y, r);
    for (; r < r1; r++)
        y[r] = avx2_dot_iq4_nl(n, (const char *)w + (size_t)r * wrb, qx);
}

/* Batches: the panels (iq4_gemm.c), whose order is this one, from NL_GEMM_MIN_TOK tokens; fewer token
 * by token over rows kept in L2. */
enum { NL_GEMM_MIN_TOK = 2 };

void avx2_matmul_iq4_nl(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= NL_GEMM_MIN_TOK)
        avx2_gemm_iq4_nl(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        simd_matmul_tokens_in_l2(avx2_matvec_iq4_nl, 8, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

/* ---- IQ4_XS x Q8_K ------------------------------------------------------------------------------- */

float avx2_dot_iq4_xs(int64_t n, const void *w, const void *x)
{
    const block_iq4_xs *a = w;
    const block_q8_K *q = x;
    const __m256i table = iq4_table();
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m256i lanes = _mm256_setzero_si256();
        for (int ib = 0; ib < QK_K / 32; ib++) {
            __m256i xq = _mm256_loadu_si256((const __m256i *)(q[i].qs + 32 * ib));
            __m256i p = iq4_pairs(iq4_values32(a[i].qs + 16 * ib, table), xq);
            lanes = _mm256_add_epi32(lanes, _mm256_madd_epi16(p, _mm256_set1_epi16((short)iq4_xs_scale(&a[i], ib))));
        }
        __m256 d = _mm256_set1_ps(*avx2_half_ref(&a[i].d) * q[i].d);
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(lanes), acc);
    }
    __m128 h = _mm_add_ps(_mm256_extractf128_ps(acc, 1), _mm256_castps256_ps128(acc));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

void avx2_matvec_iq4_xs(const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    for (int64_t r = r0; r < r1; r++)
        y[r] = avx2_dot_iq4_xs(n, (const char *)w + (size_t)r * wrb, qx);
}

/* Any token count in the one-token order (speculative verification). */
void avx2_one_order_iq4_xs(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                           size_t ys, int64_t r0, int64_t r1)
{
    simd_matmul_tokens_in_l2(avx2_matvec_iq4_xs, 1, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

/* llama.cpp's split (ref_matmul_iq4_xs): its tiled batch order from IQ4_XS_TILED_MIN_TOK tokens on
 * the panels (iq4_gemm.c), the one-token order below. */
void avx2_matmul_iq4_xs(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= IQ4_XS_TILED_MIN_TOK)
        avx2_gemm_iq4_xs_tiled(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx2_one_order_iq4_xs(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
