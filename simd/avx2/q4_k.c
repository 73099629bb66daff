/* AVX2 Q4_K x Q8_K in llama.cpp's order (ref_dot_q4_k, docs/NUMERICS.md: its q4_K_8x8 repack
 * kernels): per row two float accumulators, A += (float)isum x (d_w x d_x) and M += (float)msum x
 * (dmin_w x d_x) with one FMA each per super-block (one token) or per 64 elements (the first
 * n_tok - n_tok % 4 tokens of a batch, on the packed panels of gemm_kq.c), the row's result A - M.
 *
 * One token, rows in vector lanes: 8 rows at a time, each row's super-block as 8 int32 lanes of
 * scaled code dots (maddubs of the unsigned codes with the activation bytes, madd with the
 * sub-block scale), folded into one register (row i in lane i); the mins as m_j x (bsum_2j +
 * bsum_2j+1) with rows k and k + 4's 8 mins side by side in one register (the pair sums of the
 * bsums formed once per super-block for the 8 rows). Integer adds: exact in any order. Then one
 * convert and one FMA per super-block for the 8 rows, for the scales and for the mins. Rows k and
 * k + 4's d, dmin and scale bytes come in one register (one 16-byte load each): their 6-bit
 * scales and mins are unpacked together with vector shifts and masks, and d, dmin of the 8 rows
 * are shuffled out of the same registers (no scalar unpacking, no gather). Rows of up to 32
 * super-blocks (rows8_seq) are read row after row, one forward stream, each (row, super-block)'s
 * lanes kept on the stack until the 8 rows' FMAs of that super-block. From L2 (512 x 2048, 1
 * thread, AMD EPYC Zen 3 shared at load 8-12, GB/s per CPU-second) the mat x vec went from
 * 13.6-15.6 to 17.7-19.8, from L3 (4096 x 2048) 11.6-13.8 to 16.8-18.3, from memory (8192 x
 * 2048) 5.1-6.9 to 8.6-9.5; 2048 x 8192 (rows8) 7.2-8.4 both. */
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

/* Rows k and k + 4's first 16 bytes of a super-block (d, dmin and the 12 scale bytes s0, s1, s2 as
 * dwords 1-3) in the low and high 128 bits. */
static inline __attribute__((always_inline)) __m256i head_pair(const char *blk, size_t wrb, int k)
{
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(blk + (size_t)k * wrb))),
                                   _mm_loadu_si128((const __m128i *)(blk + (size_t)(k + 4) * wrb)), 1);
}

/* head_pair's scale bytes unpacked (kq_scale_min), per 128 bits: bytes 0-7 the 8 scales, 8-15 the 8
 * mins. Dword by dword: s0 & 0x3f.., (s2 & 0x0f..) | (s0 >> 2 & 0x30..), s1 & 0x3f.., (s2 >> 4 &
 * 0x0f..) | (s1 >> 2 & 0x30..) (a 32-bit shift moves each byte's top bits to its bits 4-5). */
static inline __attribute__((always_inline)) __m256i scales_mins_pair(__m256i h)
{
    __m256i a = _mm256_srlv_epi32(_mm256_shuffle_epi32(h, 0xed), _mm256_setr_epi32(0, 0, 0, 4, 0, 0, 0, 4));
    a = _mm256_and_si256(a, _mm256_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f,
                                              0x3f3f3f3f, 0x0f0f0f0f));
    __m256i b = _mm256_and_si256(_mm256_srli_epi32(_mm256_shuffle_epi32(h, 0x84), 2),
                                 _mm256_setr_epi32(0, 0x30303030, 0, 0x30303030, 0, 0x30303030, 0, 0x30303030));
    return _mm256_or_si256(a, b);
}

/* Scale byte j (0..7) of each 128 bits as int16 in every word. */
static inline __attribute__((always_inline)) __m256i scale16(__m256i sm, int j)
{
    return _mm256_shuffle_epi8(sm, _mm256_set1_epi16((short)(0xff00 | j)));
}

/* One row's scaled code dots of a super-block (8 int32 lanes); SC: its scale bytes in both halves. */
static inline __attribute__((always_inline)) __m256i row_dots(const char *blk, const block_q8_K *x, __m256i sc)
{
    const block_q4_K *b4 = (const block_q4_K *)blk;
    __m256i s = _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        const __m256i low = _mm256_set1_epi8(0x0f);
        __m256i q = _mm256_loadu_si256((const __m256i *)(b4->qs + 32 * c));
        __m256i plo = _mm256_maddubs_epi16(_mm256_and_si256(q, low), _mm256_loadu_si256((const __m256i *)(x->qs + 64 * c)));
        __m256i phi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), low),
                                           _mm256_loadu_si256((const __m256i *)(x->qs + 64 * c + 32)));
        s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_madd_epi16(plo, scale16(sc, 2 * c)),
                                                 _mm256_madd_epi16(phi, scale16(sc, 2 * c + 1))));
    }
    return s;
}

/* Rows k and k + 4's 8-lane registers to one: each row's 4 lane pair sums, row k's in the low 128
 * bits. */
static inline __attribute__((always_inline)) __m256i fold_halves(__m256i a, __m256i b)
{
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
}

/* Four fold_halves results (rows k, k + 4 for k = 0..3) to one: row i's sum in lane i. */
static inline __attribute__((always_inline)) __m256i fold_rows(__m256i v0, __m256i v1, __m256i v2, __m256i v3)
{
    __m256i a0 = _mm256_add_epi32(_mm256_unpacklo_epi32(v0, v1), _mm256_unpackhi_epi32(v0, v1));
    __m256i a1 = _mm256_add_epi32(_mm256_unpacklo_epi32(v2, v3), _mm256_unpackhi_epi32(v2, v3));
    return _mm256_add_epi32(_mm256_unpacklo_epi64(a0, a1), _mm256_unpackhi_epi64(a0, a1));
}

/* Rows [r, r + 8) of one token. Per super-block, rows k and k + 4 (k = 0..3) share one register of
 * their first 16 bytes: the scales and mins unpacked for both at once, dword 0 (d, dmin) of the
 * four registers interleaved to row i's in lane i. The rows' lane sums are folded to row i in
 * lane i (integer adds, exact in any order). Mins: rows k and k + 4's 8 mins as int16 side by
 * side, madd with the 8 pair sums of the activation's bsums (m_j x (bsum_2j + bsum_2j+1), the
 * same integers), then the same fold. */
static inline __attribute__((always_inline)) void rows8(const char *w, size_t wrb, int64_t nb, const block_q8_K *x,
                                                        float *y, int64_t r)
{
    const char *row = w + (size_t)r * wrb;
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const char *blk = row + (size_t)b * sizeof(block_q4_K);
        const block_q8_K *xb = &x[b];
        prefetch_next_tile(w, wrb, r, 8, b, nb, sizeof(block_q4_K));
        /* the 8 sums bsum_2j + bsum_2j+1 as int16 (|sum| <= 32 x 128), in both 128-bit halves */
        __m256i bs = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)xb->bsums), _mm256_set1_epi16(1));
        bs = _mm256_permute4x64_epi64(_mm256_packs_epi32(bs, bs), 0x88);
        const __m256i mins16 = _mm256_setr_epi8(8, -1, 9, -1, 10, -1, 11, -1, 12, -1, 13, -1, 14, -1, 15, -1, 8, -1, 9,
                                                -1, 10, -1, 11, -1, 12, -1, 13, -1, 14, -1, 15, -1);
        __m256i hd[4], sm[4], p[4], v[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) {
            hd[k] = head_pair(blk, wrb, k);
            sm[k] = scales_mins_pair(hd[k]);
            p[k] = _mm256_madd_epi16(_mm256_shuffle_epi8(sm[k], mins16), bs);
        }
        __m256i msum = fold_rows(p[0], p[1], p[2], p[3]);
        /* dword 0 of each 128 bits, {d, dmin}: row i's in lane i */
        __m256i dd = _mm256_unpacklo_epi64(_mm256_unpacklo_epi32(hd[0], hd[1]), _mm256_unpacklo_epi32(hd[2], hd[3]));
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) {
            __m256i a = row_dots(blk + (size_t)k * wrb, xb, _mm256_permute2x128_si256(sm[k], sm[k], 0x00));
            __m256i c = row_dots(blk + (size_t)(k + 4) * wrb, xb, _mm256_permute2x128_si256(sm[k], sm[k], 0x11));
            v[k] = fold_halves(a, c);
        }
        __m256i isum = fold_rows(v[0], v[1], v[2], v[3]);
        /* halves: {d0..d3, dmin0..dmin3 | d4..d7, dmin4..dmin7}, then d and dmin 128 bits each */
        __m256i hh = _mm256_packus_epi32(_mm256_and_si256(dd, _mm256_set1_epi32(0xffff)), _mm256_srli_epi32(dd, 16));
        hh = _mm256_permute4x64_epi64(hh, 0xd8);
        __m256 d = _mm256_cvtph_ps(_mm256_castsi256_si128(hh)), dmin = _mm256_cvtph_ps(_mm256_extracti128_si256(hh, 1));
        __m256 dx = _mm256_broadcast_ss(&xb->d);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(d, dx), acc);
        accm = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_mul_ps(dmin, dx), accm);
    }
    _mm256_storeu_ps(y + r, _mm256_sub_ps(acc, accm));
}

/* Rows up to SEQ_MAX super-blocks (8192 elements): the tile's 8 rows one after another, so its
 * bytes, and the matrix's, are read as one forward stream prefetched SEQ_AHEAD bytes on (as
 * q6_k.c does), each (row, super-block)'s code dots (8 lanes), mins products (4 lanes) and d, dmin
 * kept on the stack (13.5 KiB at most); then per super-block the folds and FMAs of rows8 (the same
 * integers in the same lanes, the same float steps, so the same bits). rows8 reads 8 rows side by
 * side, 8 streams of 144-byte pieces, and from memory stalled on them. Measured against rows8 (1
 * thread, 2-vCPU AMD EPYC Zen 3 shared at load 8-12, GB/s per CPU-second, alternated runs):
 * 8192 x 2048 from memory 6.5 -> 7.7 and 6.8 -> 7.0 (medians of 4-6 runs each), 2048 x 8192 7.4
 * -> 7.7; against the base kernel (96579be) 8192 x 2048 5.1-6.9 -> 8.6-9.5. Longer rows keep rows8
 * (its per-row prefetch; a chunked walk of them with this stream's prefetch measured slower). */
enum { SEQ_MAX = 32, SEQ_AHEAD = 4096 };

/* scales_mins_pair for one row's 16 bytes (the low 128 bits of the same unpacking). */
static inline __attribute__((always_inline)) __m128i scales_mins_one(__m128i h)
{
    return _mm256_castsi256_si128(scales_mins_pair(_mm256_zextsi128_si256(h)));
}

static inline __attribute__((always_inline)) void rows8_seq(const char *w, size_t wrb, int64_t nb, const block_q8_K *x,
                                                            float *y, int64_t r)
{
    __m256i is[SEQ_MAX][8];
    __m128i ms[SEQ_MAX][8], bsp[SEQ_MAX];
    int32_t dd[SEQ_MAX][8];
    const __m128i mins16 = _mm_setr_epi8(8, -1, 9, -1, 10, -1, 11, -1, 12, -1, 13, -1, 14, -1, 15, -1);
    for (int64_t b = 0; b < nb; b++) { /* the 8 sums bsum_2j + bsum_2j+1 as int16, as in rows8 */
        __m256i bs = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)x[b].bsums), _mm256_set1_epi16(1));
        bsp[b] = _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packs_epi32(bs, bs), 0x88));
    }
    for (int i = 0; i < 8; i++) {
        const char *rowp = w + (size_t)(r + i) * wrb;
        for (int64_t b = 0; b < nb; b++) {
            const char *blk = rowp + (size_t)b * sizeof(block_q4_K);
#pragma GCC unroll 3
            for (size_t o = 0; o < sizeof(block_q4_K); o += 64)
                _mm_prefetch(blk + SEQ_AHEAD + o, _MM_HINT_T0);
            __m128i h = _mm_loadu_si128((const __m128i *)blk);
            __m128i sm = scales_mins_one(h);
            dd[b][i] = _mm_cvtsi128_si32(h);
            ms[b][i] = _mm_madd_epi16(_mm_shuffle_epi8(sm, mins16), bsp[b]);
            is[b][i] = row_dots(blk, &x[b], _mm256_broadcastsi128_si256(sm));
        }
    }
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        __m256i p[4], v[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) {
            p[k] = _mm256_set_m128i(ms[b][k + 4], ms[b][k]);
            v[k] = fold_halves(is[b][k], is[b][k + 4]);
        }
        __m256i msum = fold_rows(p[0], p[1], p[2], p[3]);
        __m256i isum = fold_rows(v[0], v[1], v[2], v[3]);
        __m256i dv = _mm256_loadu_si256((const __m256i *)dd[b]);
        __m256i hh = _mm256_packus_epi32(_mm256_and_si256(dv, _mm256_set1_epi32(0xffff)), _mm256_srli_epi32(dv, 16));
        hh = _mm256_permute4x64_epi64(hh, 0xd8);
        __m256 d = _mm256_cvtph_ps(_mm256_castsi256_si128(hh)), dmin = _mm256_cvtph_ps(_mm256_extracti128_si256(hh, 1));
        __m256 dx = _mm256_broadcast_ss(&x[b].d);
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
        if (nb <= SEQ_MAX)
            rows8_seq(w, wrb, nb, qx, y, r);
        else
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
