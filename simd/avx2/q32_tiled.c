/* AVX2 Q5_0 / Q8_0 x Q8_0 batches in llama.cpp's order (tinyBLAS_Q0_AVX / ggml_vec_dot_q{5,8}_0_q8_0,
 * docs/NUMERICS.md), register-tiled: every (row, token) keeps 8 float lanes, lane l the exact
 * integer dot of elements 4l..4l+3 of a block, one FMA per block with d_w x d_x rounded to float,
 * the lanes summed by avx2_hsum at the end: the bits of the walk in q32.h (and of ref_dot_q5_0 /
 * ref_dot_q8_0) at every row and token count.
 *
 * What the walk repeats per tile is done once here. Tokens go in passes (their activation blocks
 * prepared once per pass: bytes, Q5_0's 16 x pair sums, float scales, block-major so a tile reads
 * its tokens side by side); per pass, rows in groups of shape_rows whose blocks are unpacked once into
 * a small buffer (Q5_0 codes 0..31; Q8_0 |codes|, the signs read from the row in place) with float
 * scales; then every shape_toks tokens of the pass meet the group. Per tile and block the R x T scale
 * products are formed by R 4-wide multiplies into a stack buffer and reach the FMAs as broadcast
 * loads, so per (row, token, block) the vector ALU does maddubs, (Q5_0: subtract the offset,
 * Q8_0: sign the activation), madd, convert, FMA.
 *
 * Q8_0 passes of up to T_WIDE tokens (speculative verification of a few drafts, whose 262144 x 640
 * output head streams 178 MB) meet every row in one tile (2 rows x up to 4 tokens, or 1 row x 5..8),
 * so there is nothing to share and the unpacking only got in the way of the stream: those tiles read
 * the rows in place (|codes| by one sign per row and block, the scale through the half table) and
 * prefetch the rows T_PF groups on. Thread CPU time on that head, one thread, best of 3, 2026-12-07,
 * AMD EPYC Zen 3 under load 9-14 (other jobs): 1..8 tokens 0.67-0.89x of the unpacking kernel, and
 * 2 tokens 23 ms against 36 ms for the walk; over 8 tokens unchanged (the unpacked group). */
#include <stdlib.h>

#include "gemm.h"

/* Tile shapes (rows x tokens), measured per CPU-second on 256 x 2048 from L2 at 4 / 15 / 512
 * tokens (GOP/s, 2026-12-07, load 6-7): Q5_0 4 x 3 50 / 70 / 71, 2 x 4 58 / 62 / 60, 4 x 2
 * 52 / 69 / 69; Q8_0 2 x 4 51 / 63 / 64, 4 x 3 30 / 50 / 61, 4 x 2 52 / 59 / 62, 3 x 4 48 / 56 / 45.
 * T_ROWS / T_TOKS bound both. */
enum { T_ROWS = 4, T_TOKS = 4, T_PASS_BYTES = 160 << 10 };
enum { T_WIDE = 8, T_PF = 4 }; /* Q8_0 passes read in place: up to T_WIDE tokens; prefetch distance */

#define T_INLINE static inline __attribute__((always_inline))

/* Q8_0 in passes of up to T_WIDE tokens (verification passes of a few drafts), where one tile
 * meets every row, reads its rows in place (T_Q8_0_RAW); longer passes unpack each row group once
 * for the several tiles that read it (T_Q8_0). */
enum { T_Q5_0, T_Q8_0, T_Q8_0_RAW };

T_INLINE int is_q8(int kind)
{
    return kind != T_Q5_0;
}

/* One token's prepared activation block. */
typedef struct t_act {
    __m256i x;   /* the bytes */
    __m256i off; /* Q5_0: 16 x the pair sums (int16), taken off maddubs' sums */
} t_act;

/* One weight row's unpacked block: Q5_0 codes (0..31), Q8_0 |codes|. */
typedef struct t_row {
    __m256i c;
} t_row;

T_INLINE int shape_rows(int kind)
{
    return is_q8(kind) ? 2 : 4;
}

T_INLINE int shape_toks(int kind)
{
    return is_q8(kind) ? 4 : 3;
}

T_INLINE size_t blk_bytes(int kind)
{
    return is_q8(kind) ? sizeof(block_q8_0) : sizeof(block_q5_0);
}

/* Tokens [t, t + m) over nb blocks: act[b * m + k], dx[b * m + k]. */
static void prep_pass(int kind, t_act *act, float *dx, const char *qx, size_t qrb, int64_t t, int m, int64_t nb)
{
    for (int k = 0; k < m; k++) {
        const block_q8_0 *x = (const block_q8_0 *)(qx + (size_t)(t + k) * qrb);
        for (int64_t b = 0; b < nb; b++) {
            t_act *a = &act[b * m + k];
            a->x = _mm256_loadu_si256((const __m256i *)x[b].qs);
            if (kind == T_Q5_0)
                a->off = _mm256_maddubs_epi16(_mm256_set1_epi8(16), a->x);
            dx[b * m + k] = avx2_half(&x[b].d);
        }
    }
}

/* Rows [r, r + R) unpacked: rows[b * R + i], dw[b * R + i]. */
T_INLINE void prep_rows(int kind, int R, t_row *rows, float *dw, const char *w, size_t wrb, int64_t r, int64_t nb)
{
    const size_t bytes = blk_bytes(kind);
    for (int i = 0; i < R; i++) {
        const char *row = w + (size_t)(r + i) * wrb;
        for (int64_t b = 0; b < nb; b++) {
            const char *blk = row + (size_t)b * bytes;
            __m256i c;
            if (kind == T_Q8_0) {
                c = _mm256_loadu_si256((const __m256i *)((const block_q8_0 *)blk)->qs);
                c = _mm256_sign_epi8(c, c);
            } else {
                const block_q5_0 *q = (const block_q5_0 *)blk;
                c = _mm256_or_si256(avx2_nibbles(q->qs), _mm256_and_si256(avx2_bits_to_bytes(q->qh), _mm256_set1_epi8(16)));
            }
            rows[b * R + i].c = c;
            dw[b * R + i] = *avx2_half_ref((const simd_half *)blk);
        }
    }
}

/* Rows [r, r + R) x tokens [k0, k0 + T) of the pass (m tokens from t), over nb blocks. Q5_0 reads
 * the rows unpacked (rows, dw); Q8_0 reads them in place: |codes| by one sign per row and block,
 * shared by the tile's T tokens, and the scale through the half table, so a group met by one tile
 * (up to shape_toks tokens, every verification pass of a few drafts) reads its rows once, straight
 * from memory, with no unpacking buffer to write and read back. */
T_INLINE void tile(int kind, int R, int T, const char *w, size_t wrb, int64_t r, const t_row *rows, const float *dw,
                   const t_act *act, const float *dx, int m, int k0, int64_t nb, float *y, size_t ys, int64_t t)
{
    const size_t bytes = blk_bytes(kind);
    __m256 acc[T_ROWS][T_WIDE];
#pragma GCC unroll 4
    for (int i = 0; i < R; i++)
#pragma GCC unroll 8
        for (int k = 0; k < T; k++)
            acc[i][k] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    /* Rows read in place: the rows T_PF groups on, R blocks' bytes per block here (as integers: past the last
     * row it names memory of no object, and a prefetch never faults) */
    const uintptr_t pf = (uintptr_t)w + (uintptr_t)(r + (int64_t)R * T_PF) * wrb;
    for (int64_t b = 0; b < nb; b++) {
        if (kind == T_Q8_0_RAW) {
            const uintptr_t at = pf + (uintptr_t)b * R * bytes;
            _mm_prefetch((const char *)at, _MM_HINT_T0);
            _mm_prefetch((const char *)(at + 64), _MM_HINT_T0);
        }
        _Alignas(32) float prod[T_ROWS][T_WIDE];
        const char *blk[T_ROWS];
#pragma GCC unroll 4
        for (int i = 0; i < R; i++) { /* the same product as the scalar d_w * d_x */
            blk[i] = w + (size_t)(r + i) * wrb + (size_t)b * bytes;
            const float d_w = kind == T_Q8_0_RAW ? *avx2_half_ref((const simd_half *)blk[i]) : dw[b * R + i];
            if (T > 4) /* lanes past T unused (padded buffer) */
                _mm256_store_ps(prod[i], _mm256_mul_ps(_mm256_set1_ps(d_w), _mm256_loadu_ps(dx + b * m + k0)));
            else
                _mm_store_ps(prod[i], _mm_mul_ps(_mm_set1_ps(d_w), _mm_loadu_ps(dx + b * m + k0)));
        }
        const t_act *a = act + b * m + k0;
#pragma GCC unroll 4
        for (int i = 0; i < R; i++) {
            __m256i c, sgn;
            if (kind == T_Q8_0_RAW) {
                sgn = _mm256_loadu_si256((const __m256i *)((const block_q8_0 *)blk[i])->qs);
                c = _mm256_sign_epi8(sgn, sgn);
            } else {
                c = rows[b * R + i].c;
                sgn = kind == T_Q8_0 ? _mm256_loadu_si256((const __m256i *)((const block_q8_0 *)blk[i])->qs) : c;
            }
#pragma GCC unroll 8
            for (int k = 0; k < T; k++) {
                __m256i p;
                if (is_q8(kind))
                    p = _mm256_maddubs_epi16(c, _mm256_sign_epi8(a[k].x, sgn));
                else
                    p = _mm256_sub_epi16(_mm256_maddubs_epi16(c, a[k].x), a[k].off);
                p = _mm256_madd_epi16(p, ones);
                acc[i][k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcast_ss(&prod[i][k]), acc[i][k]);
            }
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < R; i++)
#pragma GCC unroll 8
        for (int k = 0; k < T; k++)
            y[(size_t)(t + k0 + k) * ys + (size_t)(r + i)] = avx2_hsum(acc[i][k]);
}

/* The row group of R rows (unpacked) against all tokens of the pass, shape_toks at a time, the
 * rest in one tile. */
T_INLINE void group(int kind, int R, const char *w, size_t wrb, int64_t r, t_row *rows, float *dw, const t_act *act,
                    const float *dx, int m, int64_t nb, float *y, size_t ys, int64_t t)
{
    if (kind != T_Q8_0_RAW)
        prep_rows(kind, R, rows, dw, w, wrb, r, nb);
    const int TT = shape_toks(kind);
    int k0 = 0;
    for (; m - k0 >= TT; k0 += TT)
        tile(kind, R, TT, w, wrb, r, rows, dw, act, dx, m, k0, nb, y, ys, t);
#define T_LEFT(K) tile(kind, R, (K) < TT ? (K) : 1, w, wrb, r, rows, dw, act, dx, m, k0, nb, y, ys, t)
    switch (m - k0) {
    case 3: T_LEFT(3); break;
    case 2: T_LEFT(2); break;
    case 1: T_LEFT(1); break;
    default: break;
    }
#undef T_LEFT
}

T_INLINE void matmul(int kind, const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1)
{
    const int64_t nb = n / 32;
    const int RR = shape_rows(kind), TT = shape_toks(kind);
    int64_t pass = (int64_t)(T_PASS_BYTES / ((size_t)nb * (sizeof(t_act) + sizeof(float)))) / TT * TT;
    pass = pass < TT ? TT : pass;
    pass = pass < n_tok ? pass : n_tok;
    t_act *act = aligned_alloc(32, sizeof(t_act) * (size_t)(pass * nb));
    t_row *rows = aligned_alloc(32, sizeof(t_row) * (size_t)(T_ROWS * nb));
    float *dx = calloc((size_t)(pass * nb) + T_WIDE, sizeof(float));
    float *dw = malloc(sizeof(float) * (size_t)(T_ROWS * nb));
    if (!act || !rows || !dx || !dw) { /* no memory for the buffers: the walk, same bits */
        free(act);
        free(rows);
        free(dx);
        free(dw);
        if (kind == T_Q8_0)
            avx2_matmul_q8_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
        else
            avx2_matmul_q5_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
        return;
    }
    for (int64_t t = 0; t < n_tok; t += pass) {
        const int m = (int)(n_tok - t < pass ? n_tok - t : pass);
        prep_pass(kind, act, dx, (const char *)qx, qrb, t, m, nb);
        if (kind == T_Q8_0 && m <= T_WIDE) { /* every row read by one tile, in place */
            if (m <= TT) {
                int64_t r = r0;
                for (; r + RR <= r1; r += RR)
                    group(T_Q8_0_RAW, RR, (const char *)w, wrb, r, rows, dw, act, dx, m, nb, y, ys, t);
                for (; r < r1; r++)
                    group(T_Q8_0_RAW, 1, (const char *)w, wrb, r, rows, dw, act, dx, m, nb, y, ys, t);
                continue;
            }
            for (int64_t r = r0; r < r1; r++)
                switch (m) {
#define T_ONE(M) case M: tile(T_Q8_0_RAW, 1, M, (const char *)w, wrb, r, rows, dw, act, dx, m, 0, nb, y, ys, t); break
                T_ONE(5);
                T_ONE(6);
                T_ONE(7);
                default: T_ONE(8);
#undef T_ONE
                }
            continue;
        }
        int64_t r = r0;
        for (; r + RR <= r1; r += RR)
            group(kind, RR, (const char *)w, wrb, r, rows, dw, act, dx, m, nb, y, ys, t);
        for (; r < r1; r++)
            group(kind, 1, (const char *)w, wrb, r, rows, dw, act, dx, m, nb, y, ys, t);
    }
    free(act);
    free(rows);
    free(dx);
    free(dw);
}

void avx2_tiled_q5_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1)
{
    matmul(T_Q5_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

void avx2_tiled_q8_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1)
{
    matmul(T_Q8_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
