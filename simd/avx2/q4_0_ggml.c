/* AVX2 Q4_0 x Q8_0 in llama.cpp's order (ggml-cpu/arch/x86/repack.cpp, its q4_0_8x8 kernels, for
 * one token and for batches alike; docs/NUMERICS.md): every output element is
 *     acc = 0; for each block b in order: acc = fma((float)isum_b, d_w[b] * d_x[b], acc)
 * with isum_b the exact integer dot of the block's codes minus 8 with the activation bytes. That
 * is ref_dot_q4_0 bit for bit at any row and token count, so batches equal one-token decoding.
 *
 * Rows in vector lanes: 8 rows at a time. A register holds rows k and k + 4's codes of one block
 * (4 int32 lanes each after maddubs of the unsigned codes and madd), two unpack-and-add levels
 * put row i's block sum in lane i, and 8 x the activation sum (computed once per call for every
 * block, not per row) comes off there: integer adds, exact in any order. Then one convert and
 * one FMA per block for the 8 rows. The weight scales come out of the same loads as the codes:
 * 32 bytes ending at each row's block end hold the scale at bytes 14-15 (no gather past block 0).
 * Batches of 3 tokens or more take the packed panels of gemm_q32.c, which keep the same
 * per-element order. */
#include <math.h>

#include "gemm.h"
#include "prefetch_tile.h"

/* Each row's integer dot of one block: 8 int32 lanes (codes C unsigned, X the activation bytes,
 * OFF = 8 x their pair sums). */
static inline __attribute__((always_inline)) __m256i block_lanes(__m256i c, __m256i x, __m256i off)
{
    return _mm256_madd_epi16(_mm256_sub_epi16(_mm256_maddubs_epi16(c, x), off), _mm256_set1_epi16(1));
}

/* The half scales at base + idx[i] (row i's block) as 8 floats. */
static inline __attribute__((always_inline)) __m256 gather_scales(const char *base, __m256i idx)
{
    const __m256i lo16 = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 4, 5, 8, 9,
                                          12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    __m256i v = _mm256_i32gather_epi32((const int *)base, idx, 1);
    v = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(v, lo16), 0x08);
    return _mm256_cvtph_ps(_mm256_castsi256_si128(v));
}

float avx2_ggml_dot_q4_0(int64_t n, const void *w, const void *x)
{
    const block_q4_0 *a = w;
    const block_q8_0 *q = x;
    float acc = 0.0f;
    for (int64_t b = 0; b < n / QK4_0; b++) {
        __m256i xq = _mm256_loadu_si256((const __m256i *)q[b].qs);
        __m256i off = _mm256_maddubs_epi16(_mm256_set1_epi8(8), xq);
        __m256i v = block_lanes(avx2_nibbles(a[b].qs), xq, off);
        float d = *avx2_half_ref(&a[b].d) * *avx2_half_ref(&q[b].d);
        acc = fmaf((float)avx2_hsum_i32(v), d, acc);
    }
    return acc;
}

/* Per block of the token, what every row group shares: 8 x the sum of its activation bytes
 * (the codes' offset, taken off once per 8 rows instead of from each row) and its scale. */
enum { XPRE_BLOCKS = 512 };

static void prepare_x(const block_q8_0 *x, int64_t nb, int32_t *s8, float *dx)
{
    for (int64_t b = 0; b < nb; b++) {
        __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(8), _mm256_loadu_si256((const __m256i *)x[b].qs)),
                                      _mm256_set1_epi16(1));
        s8[b] = avx2_hsum_i32(s);
        dx[b] = *avx2_half_ref(&x[b].d);
    }
}

/* Rows i and i + 4's codes of one block, V = {row i's 16 code bytes | row i + 4's}, times the
 * activation halves XLO / XHI: 8 int32 lanes, lanes 0-3 row i's, 4-7 row i + 4's, each the sum
 * of 8 products (unsigned codes: the offset comes off later). Sums of 4 products stay within
 * int16 (4 x 15 x 128). */
static inline __attribute__((always_inline)) __m256i pair_lanes(__m256i v, __m256i xlo, __m256i xhi)
{
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_maddubs_epi16(_mm256_and_si256(v, m4), xlo);
    __m256i hi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), xhi);
    return _mm256_madd_epi16(_mm256_add_epi16(lo, hi), _mm256_set1_epi16(1));
}

/* Registers k = 0..3 of pair_lanes (rows k and k + 4, 4 lanes each) to one: row i's sum in lane
 * i. Two levels of unpack-and-add (integer adds: exact in any order). */
static inline __attribute__((always_inline)) __m256i sum_pairs(__m256i v0, __m256i v1, __m256i v2, __m256i v3)
{
    /* {r0 d0+d2, r1 d0+d2, r0 d1+d3, r1 d1+d3} per 128 bits (r4, r5 above) */
    __m256i a0 = _mm256_add_epi32(_mm256_unpacklo_epi32(v0, v1), _mm256_unpackhi_epi32(v0, v1));
    __m256i a1 = _mm256_add_epi32(_mm256_unpacklo_epi32(v2, v3), _mm256_unpackhi_epi32(v2, v3));
    return _mm256_add_epi32(_mm256_unpacklo_epi64(a0, a1), _mm256_unpackhi_epi64(a0, a1));
}

/* One block b >= 1 of rows [0, 8) at BLK (row i at BLK + i WRB): each row's exact integer block
 * dot in lane i, and the 8 weight scales in *DW. One 32-byte load per row ends at the block's last
 * code byte: its upper 16 bytes are the codes, bytes 14-15 the scale (the previous block's codes
 * fill the rest, so block 0 takes block0_scales). */
static inline __attribute__((always_inline)) __m256i block8(const char *blk, size_t wrb, __m256i xlo, __m256i xhi,
                                                            int32_t s8, __m256 *dw)
{
    __m256i v[4], d[4];
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(blk + (size_t)k * wrb - 14));
        __m256i b = _mm256_loadu_si256((const __m256i *)(blk + (size_t)(k + 4) * wrb - 14));
        v[k] = pair_lanes(_mm256_permute2x128_si256(a, b, 0x31), xlo, xhi);
        d[k] = _mm256_permute2x128_si256(a, b, 0x20); /* row k's scale in word 7, row k + 4's in word 15 */
    }
    /* word 7 of each 128 bits: dword 3 = {k=0, k=1} and {k=2, k=3}, then qword 1 = rows 0-3 / 4-7 */
    __m256i e = _mm256_unpackhi_epi32(_mm256_unpackhi_epi16(d[0], d[1]), _mm256_unpackhi_epi16(d[2], d[3]));
    *dw = _mm256_cvtph_ps(_mm256_castsi256_si128(_mm256_permute4x64_epi64(e, 0x0d)));
    return _mm256_sub_epi32(sum_pairs(v[0], v[1], v[2], v[3]), _mm256_set1_epi32(s8));
}

/* Block 0 (nothing to read before it): 16-byte code loads and gathered scales. */
static inline __attribute__((always_inline)) __m256i block8_first(const char *blk, size_t wrb, __m256i xlo,
                                                                  __m256i xhi, int32_t s8, __m256 *dw)
{
    __m256i v[4];
    for (int k = 0; k < 4; k++)
        v[k] = pair_lanes(_mm256_inserti128_si256(
                              _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(blk + (size_t)k * wrb + 2))),
                              _mm_loadu_si128((const __m128i *)(blk + (size_t)(k + 4) * wrb + 2)), 1),
                          xlo, xhi);
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)wrb));
    *dw = gather_scales(blk, idx);
    return _mm256_sub_epi32(sum_pairs(v[0], v[1], v[2], v[3]), _mm256_set1_epi32(s8));
}

/* Rows [r, r + 8) of one token over blocks [b0, b1), on from the accumulators in Y (b0 > 0). */
static inline __attribute__((always_inline)) void rows8(const char *w, size_t wrb, int64_t nb, int64_t b0, int64_t b1,
                                                        const block_q8_0 *x, const int32_t *s8, const float *dx,
                                                        float *y, int64_t r)
{
    const char *row = w + (size_t)r * wrb;
    const bool tile_pf = 8 * wrb <= PREFETCH_TILE_MAX;
    __m256 acc = b0 ? _mm256_loadu_ps(y + r) : _mm256_setzero_ps();
    for (int64_t b = b0; b < b1; b++) {
        const char *blk = row + (size_t)b * sizeof(block_q4_0);
        /* the weights stream once: short rows fetch the next tile in slices (prefetch_tile.h);
         * long ones a fixed distance ahead in each row, every other block (36 bytes) enough to
         * touch every 64-byte line */
        if (tile_pf)
            prefetch_next_tile(w, wrb, r, 8, b, nb, sizeof(block_q4_0));
        else if (!((b - b0) & 1))
#pragma GCC unroll 8
            for (int i = 0; i < 8; i++)
                _mm_prefetch(blk + (size_t)i * wrb + AVX2_PREFETCH, _MM_HINT_T0);
        __m256i xlo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)x[b].qs));
        __m256i xhi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(x[b].qs + 16)));
        __m256 dw;
        __m256i isum = b ? block8(blk, wrb, xlo, xhi, s8[b - b0], &dw) : block8_first(blk, wrb, xlo, xhi, s8[0], &dw);
        __m256 d = _mm256_mul_ps(dw, _mm256_broadcast_ss(dx + (b - b0)));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), d, acc);
    }
    _mm256_storeu_ps(y + r, acc);
}

void avx2_ggml_matvec_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    const int64_t nb = n / QK4_0;
    const int64_t r8 = r0 + (r1 - r0) / 8 * 8;
    int32_t s8[XPRE_BLOCKS];
    float dx[XPRE_BLOCKS];
    /* blocks in chunks that keep the shared per-block values on the stack; each row's float
     * accumulator carries over in Y, so the chunks do not change a row's FMA sequence */
    for (int64_t b0 = 0; b0 < nb && r8 > r0; b0 += XPRE_BLOCKS) {
        int64_t b1 = nb - b0 < XPRE_BLOCKS ? nb : b0 + XPRE_BLOCKS;
        prepare_x((const block_q8_0 *)qx + b0, b1 - b0, s8, dx);
        for (int64_t r = r0; r < r8; r += 8)
            rows8(w, wrb, nb, b0, b1, qx, s8, dx, y, r);
    }
    for (int64_t r = r8; r < r1; r++)
        y[r] = avx2_ggml_dot_q4_0(n, (const char *)w + (size_t)r * wrb, qx);
}

/* Batches below the panels: the one-token kernel token by token over groups of rows
 * small enough (about 128 KiB) to stay in L2 while every token passes over them. */
void avx2_ggml_matmul_few_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok,
                               float *y, size_t ys, int64_t r0, int64_t r1)
{
    simd_matmul_tokens_in_l2(avx2_ggml_matvec_q4_0, 8, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

/* From this many tokens the packed panels (same order) beat the kernel above token by token: per
 * CPU-second from L2 on 128 x 4096, 74 / 105 / 119 GOP/s at 4 / 8 / 15 tokens against 45 (and
 * the old row walks' 51 / 55 / 53); at 2 tokens 42 against 45. */
enum { GGML_PANEL_MIN_TOK = 3 };

void avx2_ggml_matmul_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                           size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= GGML_PANEL_MIN_TOK)
        avx2_gemm_q4_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx2_ggml_matmul_few_q4_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
