/* AVX-512 VNNI Q4_0 x Q8_0 mat x vec in llama.cpp's order (see simd/avx2/q4_0_ggml.c and
 * docs/NUMERICS.md): per row, acc = fma((float)isum_b, d_w[b] * d_x[b], acc) block after block,
 * the exact bits of ref_dot_q4_0 and of the AVX2 kernel of that order.
 *
 * 16 rows in the 16 lanes. Per row and quad of blocks, two dpbusd give 16 int32 lanes (4 per
 * block, mv_common.h's nibble layout); the 16 rows' registers are summed into 4 registers, one per
 * block, with row i in lane i (integer adds: exact in any order), the offset 8 x sum(x) comes off
 * as an integer, then one convert and one FMA per block for the 16 rows. Rows past the last group
 * of 16 and blocks past the last quad take the AVX2 kernel / a scalar integer sum (same bits). */
#include "mv_common.h"

/* Registers v[0..15] (row i: 4 lanes per block k of the quad) to out[k] with row i in lane i. */
static inline __attribute__((always_inline)) void sum_rows16(const __m512i v[16], __m512i out[4])
{
    __m512i a[8], b[4];
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++) /* per block: {r0 lanes 0+2, r1 lanes 0+2, r0 1+3, r1 1+3} */
        a[j] = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2 * j], v[2 * j + 1]),
                                _mm512_unpackhi_epi32(v[2 * j], v[2 * j + 1]));
#pragma GCC unroll 4
    for (int m = 0; m < 4; m++) /* per block: rows 4m..4m+3, complete */
        b[m] = _mm512_add_epi32(_mm512_unpacklo_epi64(a[2 * m], a[2 * m + 1]),
                                _mm512_unpackhi_epi64(a[2 * m], a[2 * m + 1]));
    /* 4 x 4 transpose of 128-bit lanes: out[k] = {b0.k, b1.k, b2.k, b3.k} */
    __m512i c0 = _mm512_shuffle_i32x4(b[0], b[1], 0x44), c1 = _mm512_shuffle_i32x4(b[0], b[1], 0xee);
    __m512i c2 = _mm512_shuffle_i32x4(b[2], b[3], 0x44), c3 = _mm512_shuffle_i32x4(b[2], b[3], 0xee);
    out[0] = _mm512_shuffle_i32x4(c0, c2, 0x88);
    out[1] = _mm512_shuffle_i32x4(c0, c2, 0xdd);
    out[2] = _mm512_shuffle_i32x4(c1, c3, 0x88);
    out[3] = _mm512_shuffle_i32x4(c1, c3, 0xdd);
}

/* The 16 rows' half scales at base + idx[i] as floats. */
static inline __attribute__((always_inline)) __m512 gather_scales(const char *base, __m512i idx)
{
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_i32gather_epi32(idx, base, 1)));
}

/* acc += one block for the 16 rows: integer sums S (offset not yet off), activation block x. */
static inline __attribute__((always_inline)) __m512 add_block(__m512 acc, __m512i s, int sumx, __m512 dw, float dx)
{
    s = _mm512_sub_epi32(s, _mm512_set1_epi32(8 * sumx));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, _mm512_set1_ps(dx)), acc);
}

/* Rows [r, r + 16) over blocks [c, c + nbc) of the prepared chunk A, going on from y (FIRST: 0). */
static inline void rows16(const char *w, size_t wrb, const mv_act *a, const int *sumx, const float *dx,
                          const block_q8_0 *x, int64_t c, int nbc, float *y, int64_t r, int first)
{
    const size_t bytes = sizeof(block_q4_0);
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32((int)wrb));
    const char *row = w + (size_t)r * wrb + (size_t)c * bytes;
    __m512 acc = first ? _mm512_setzero_ps() : _mm512_loadu_ps(y + r);
    int b = 0;
    for (; b + 3 < nbc; b += 4) {
        const char *blk = row + (size_t)b * bytes;
        __m512i v[16], s[4];
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) {
            const char *bi = blk + (size_t)i * wrb;
            _mm_prefetch(bi + 512, _MM_HINT_T0);
            v[i] = quad_dot(bi, bytes, &a->x[b / 2], 0);
        }
        sum_rows16(v, s);
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++)
            acc = add_block(acc, s[k], sumx[b + k], gather_scales(blk + (size_t)k * bytes, idx), dx[b + k]);
    }
    for (; b < nbc; b++) { /* past the last quad */
        const char *blk = row + (size_t)b * bytes;
        _Alignas(64) int32_t si[16];
        for (int i = 0; i < 16; i++)
            si[i] = tail_dot(blk + (size_t)i * wrb, x[c + b].qs, 0);
        acc = add_block(acc, _mm512_load_si512((const void *)si), sumx[b], gather_scales(blk, idx), dx[b]);
    }
    _mm512_storeu_ps(y + r, acc);
}

void avx512_ggml_matvec_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    _Alignas(64) mv_act a;
    int sumx[MV_BLOCKS];
    float dx[MV_BLOCKS];
    const block_q8_0 *x = qx;
    const int64_t nb = n / 32, r16 = r0 + (r1 - r0) / 16 * 16;
    for (int64_t c = 0; c < nb && r16 > r0; c += MV_BLOCKS) {
        int nbc = nb - c < MV_BLOCKS ? (int)(nb - c) : MV_BLOCKS;
        prep(&a, x + c, nbc, LAYOUT_NIBBLES);
        for (int b = 0; b < nbc; b++) {
            int s = 0;
            for (int j = 0; j < 32; j++)
                s += x[c + b].qs[j];
            sumx[b] = s;
            dx[b] = avx512_half(&x[c + b].d);
        }
        for (int64_t r = r0; r < r16; r += 16)
            rows16(w, wrb, &a, sumx, dx, x, c, nbc, y, r, c == 0);
    }
    if (r16 < r1)
        avx2_ggml_matvec_q4_0(w, wrb, n, qx, y, r16, r1);
}

/* Fewer tokens than the panels take: the one-token kernel token by token over groups of rows small
 * enough (about 128 KiB) to stay in L2 while every token passes over them. */
void avx512_ggml_matmul_few_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok,
                                 float *y, size_t ys, int64_t r0, int64_t r1)
{
    simd_matmul_tokens_in_l2(avx512_ggml_matvec_q4_0, 16, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
