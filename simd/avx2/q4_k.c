/* AVX2 Q4_K x Q8_K in llama.cpp's order (ref_dot_q4_k, docs/NUMERICS.md: its q4_K_8x8 repack
 * kernels): per row two float accumulators, A += (float)isum x (d_w x d_x) and M += (float)msum x
 * (dmin_w x d_x) with one FMA each per super-block (one token) or per 64 elements (the first
 * n_tok - n_tok % 4 tokens of a batch, on the packed panels of gemm_kq.c), the row's result A - M.
 *
 * One token, rows in vector lanes: 8 rows at a time, each row's super-block as 8 int32 lanes of
 * scaled code dots (maddubs of the unsigned codes with the activation bytes, madd with the
 * sub-block scale), folded into one register (row i in lane i) as the rows come; the mins as
 * m_j x (bsum_2j + bsum_2j+1) with rows k and k + 4's 8 mins side by side in one register (the
 * pair sums of the bsums formed once per super-block for the 8 rows). Integer adds: exact in any
 * order. Then one convert and one FMA per super-block for the 8 rows, for the scales and for the
 * mins. */
#include <math.h>

#include "gemm.h"
#include "prefetch_tile.h"
#include "q45_k.h"

/* One row's super-block against one token: scaled code dots and mins products, 8 int32 lanes each. */
static inline __attribute__((always_inline)) void row_lanes(const char *blk, const block_q8_K *x, __m256i *isum,
                                                            __m256i *msum)
{
    const q45k_row u = q45k_unpack(blk, 0);
    __m256i s = _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        __m256i lo, hi;
        q45k_chunk(&u, 0, c, &lo, &hi);
        __m256i plo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(x->qs + 64 * c)));
        __m256i phi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(x->qs + 64 * c + 32)));
        s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_madd_epi16(plo, q45k_lane16(u.sc, 2 * c)),
                                                 _mm256_madd_epi16(phi, q45k_lane16(u.sc, 2 * c + 1))));
    }
    *isum = s;
    *msum = _mm256_madd_epi16(u.mins, _mm256_loadu_si256((const __m256i *)x->bsums));
}

float avx2_dot_q4_k(int64_t n, const void *w, const void *x)
{
    const block_q4_K *b = w;
    const block_q8_K *a = x;
    float acc = 0.0f, accm = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m256i is, ms;
        row_lanes((const char *)&b[i], &a[i], &is, &ms);
        acc = fmaf((float)avx2_hsum_i32(is), *avx2_half_ref(&b[i].d) * a[i].d, acc);
        accm = fmaf((float)avx2_hsum_i32(ms), *avx2_half_ref(&b[i].dmin) * a[i].d, accm);
    }
    return acc - accm;
}

/* The 8 rows' d (low half of each gathered dword) and dmin (high half) as floats. */
static inline __attribute__((always_inline)) void gather_d_dmin(const char *blk, __m256i idx, __m256 *d, __m256 *dmin)
{
    const __m256i lo16 = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 4, 5, 8, 9,
                                          12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    __m256i v = _mm256_i32gather_epi32((const int *)blk, idx, 1);
    __m256i dl = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(v, lo16), 0x08);
    __m256i dh = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(_mm256_srli_epi32(v, 16), lo16), 0x08);
    *d = _mm256_cvtph_ps(_mm256_castsi256_si128(dl));
    *dmin = _mm256_cvtph_ps(_mm256_castsi256_si128(dh));
}

/* One row's scaled code dots of a super-block (8 int32 lanes) and its 8 mins as int16 (*MINS). */
static inline __attribute__((always_inline)) __m256i row_dots(const char *blk, const block_q8_K *x, __m128i *mins)
{
    const block_q4_K *b4 = (const block_q4_K *)blk;
    __m256i sm = q45k_scales_mins(b4->scales);
    __m256i sc = _mm256_permute2x128_si256(sm, sm, 0x00);
    *mins = _mm256_extracti128_si256(sm, 1);
    __m256i s = _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        const __m256i low = _mm256_set1_epi8(0x0f);
        __m256i q = _mm256_loadu_si256((const __m256i *)(b4->qs + 32 * c));
        __m256i plo = _mm256_maddubs_epi16(_mm256_and_si256(q, low), _mm256_loadu_si256((const __m256i *)(x->qs + 64 * c)));
        __m256i phi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), low),
                                           _mm256_loadu_si256((const __m256i *)(x->qs + 64 * c + 32)));
        s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_madd_epi16(plo, q45k_lane16(sc, 2 * c)),
                                                 _mm256_madd_epi16(phi, q45k_lane16(sc, 2 * c + 1))));
    }
    return s;
}

/* Two rows' 8-lane registers to one: {a0+a2, b0+b2, a1+a3, b1+b3} per 128 bits. */
static inline __attribute__((always_inline)) __m256i fold2(__m256i a, __m256i b)
{
    return _mm256_add_epi32(_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b));
}

/* Two fold2 results (rows 0-1, 2-3) to one: per 128 bits rows 0-3's partial sums. */
static inline __attribute__((always_inline)) __m256i fold4(__m256i a, __m256i b)
{
    return _mm256_add_epi32(_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b));
}

/* Rows [r, r + 8) of one token. The rows' lane sums are folded as the rows come (integer adds,
 * exact in any order: the same integers as a sum of 8 row registers at once, with fewer registers live). Mins: rows
 * k and k + 4's 8 mins side by side in one register, madd with the 8 pair sums of the
 * activation's bsums (m_j x (bsum_2j + bsum_2j+1), the same integers), then two fold levels. */
static inline __attribute__((always_inline)) void rows8(const char *w, size_t wrb, int64_t nb, const block_q8_K *x,
                                                        float *y, int64_t r)
{
    const char *row = w + (size_t)r * wrb;
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)wrb));
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const char *blk = row + (size_t)b * sizeof(block_q4_K);
        const block_q8_K *xb = &x[b];
        prefetch_next_tile(w, wrb, r, 8, b, nb, sizeof(block_q4_K));
        /* the 8 sums bsum_2j + bsum_2j+1 as int16 (|sum| <= 32 x 128), in both 128-bit halves */
        __m256i bs = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)xb->bsums), _mm256_set1_epi16(1));
        bs = _mm256_permute4x64_epi64(_mm256_packs_epi32(bs, bs), 0x88);
        __m128i m[8];
        __m256i h[2];
#pragma GCC unroll 2
        for (int g = 0; g < 2; g++) { /* rows 4g .. 4g + 3 */
            const char *bg = blk + (size_t)(4 * g) * wrb;
            __m256i v0 = row_dots(bg, xb, &m[4 * g]);
            __m256i v1 = row_dots(bg + wrb, xb, &m[4 * g + 1]);
            __m256i a0 = fold2(v0, v1);
            __m256i v2 = row_dots(bg + 2 * wrb, xb, &m[4 * g + 2]);
            __m256i v3 = row_dots(bg + 3 * wrb, xb, &m[4 * g + 3]);
            h[g] = fold4(a0, fold2(v2, v3));
        }
        __m256i isum = _mm256_add_epi32(_mm256_permute2x128_si256(h[0], h[1], 0x20),
                                        _mm256_permute2x128_si256(h[0], h[1], 0x31));
        __m256i p[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++)
            p[k] = _mm256_madd_epi16(_mm256_set_m128i(m[k + 4], m[k]), bs);
        __m256i msum = fold4(fold2(p[0], p[1]), fold2(p[2], p[3]));
        __m256 d, dmin, dx = _mm256_broadcast_ss(&xb->d);
        gather_d_dmin(blk, idx, &d, &dmin);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(d, dx), acc);
        accm = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_mul_ps(dmin, dx), accm);
    }
    _mm256_storeu_ps(y + r, _mm256_sub_ps(acc, accm));
}

void avx2_matvec_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    const int64_t nb = n / QK_K;
    int64_t r = r0;
    for (; r + 8 <= r1; r += 8)
        rows8(w, wrb, nb, qx, y, r);
    for (; r < r1; r++)
        y[r] = avx2_dot_q4_k(n, (const char *)w + (size_t)r * wrb, qx);
}

/* Every token in the one-token order (speculative verification): the kernel above token by token
 * over rows kept in L2. */
void avx2_one_order_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                         size_t ys, int64_t r0, int64_t r1)
{
    simd_matmul_tokens_in_l2(avx2_matvec_q4_k, 8, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
