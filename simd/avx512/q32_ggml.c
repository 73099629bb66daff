/* AVX-512 VNNI Q5_0 / Q8_0 x Q8_0 in llama.cpp's order (ggml_vec_dot_q{5,8}_0_q8_0 for one token,
 * tinyBLAS_Q0_AVX for batches, both 8 float lanes; docs/NUMERICS.md): every (row, token) keeps 8
 * lanes, lane l the exact integer dot of elements 4l..4l+3 of a block, one FMA per block and lane
 * with d_w * d_x rounded to float, the lanes summed ((0+4)+(2+6))+((1+5)+(3+7)) at the end. That
 * is ref_dot_q5_0 / ref_dot_q8_0 (and the AVX2 walk) bit for bit at any row and token count.
 *
 * Two (row, token) pairs per 512-bit register: one token takes rows i and i+1 side by side (the
 * mat x vec streams 8 rows at once), batches two tokens of one row (the row's codes are unpacked
 * once for every token of a tile, the tokens' side once per pass for all rows). dpbusd needs one
 * unsigned side: the weight codes are made unsigned (Q8_0: w + 128 by flipping the top bit; Q5_0:
 * the 5-bit code c = w + 16) and the offset comes off exactly by starting each dot at -OFF x the
 * activation's 4-byte sums. Every (row, token) meets the same operations in the same order in
 * either layout, so mat x vec, batches and the dot product give the same bits. The mat x vec
 * prepares the activation blocks once per call, takes the 8 rows' scales in one gather and sums
 * the 8 rows' lanes with shared shuffles (a 640-wide output head has only 20 blocks a row). */
#include <stdlib.h>

#include "avx512.h"

#define Q_INLINE static inline __attribute__((always_inline))

enum { Q_Q5_0, Q_Q8_0 };
/* Row pairs of the one-token tile: 4 (8 rows in flight for the memory stream). */
enum { MV_PAIRS = 4 };

Q_INLINE size_t blk_bytes(int kind)
{
    return kind == Q_Q8_0 ? sizeof(block_q8_0) : sizeof(block_q5_0);
}

/* Block b of rows A and B as unsigned codes, A in the low 256 bits. */
Q_INLINE __m512i codes2(int kind, const char *a, const char *b)
{
    if (kind == Q_Q8_0) {
        __m512i v = avx512_load2(((const block_q8_0 *)a)->qs, ((const block_q8_0 *)b)->qs);
        return _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80));
    }
    const block_q5_0 *x = (const block_q5_0 *)a, *y = (const block_q5_0 *)b;
    __m512i q = _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)x->qs))),
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)y->qs)), 1);
    /* low nibbles in 128-bit lanes 0 and 2, high nibbles in 1 and 3 */
    q = _mm512_and_si512(_mm512_srlv_epi64(q, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4)), _mm512_set1_epi8(0x0f));
    uint32_t ha, hb;
    memcpy(&ha, x->qh, 4);
    memcpy(&hb, y->qh, 4);
    return _mm512_mask_add_epi8(q, (__mmask64)ha | (__mmask64)hb << 32, q, _mm512_set1_epi8(16));
}

/* {d_A x8, d_B x8} for the half scales at the heads of two blocks. */
Q_INLINE __m512 scales2(const char *a, const char *b)
{
    return avx512_halves(avx512_half((const simd_half *)a), avx512_half((const simd_half *)b));
}

/* One token's activation block in both halves, its scale, and -OFF x its 4-byte sums. */
typedef struct q_act {
    __m512i x, off;
    __m512 d;
} q_act;

Q_INLINE q_act act_block(int kind, const block_q8_0 *x)
{
    q_act a;
    a.x = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)x->qs));
    a.d = _mm512_set1_ps(avx512_half(&x->d));
    __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(kind == Q_Q8_0 ? (char)0x80 : 16), a.x);
    a.off = _mm512_sub_epi32(_mm512_setzero_si512(), sums);
    return a;
}

/* Lanes 0-7 and 8-15 of v each summed in llama.cpp's order (hsum_float_8): to out[0], out[1]. */
Q_INLINE void hsum_pair(__m512 v, float *o0, float *o1)
{
    __m512 t = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0xb1)); /* lane i + lane i+4 */
    t = _mm512_add_ps(t, _mm512_permute_ps(t, 0x4e));               /* (0+4)+(2+6), (1+5)+(3+7) */
    t = _mm512_add_ps(t, _mm512_permute_ps(t, 0xb1));
    *o0 = _mm512_cvtss_f32(t);
    *o1 = _mm_cvtss_f32(_mm512_extractf32x4_ps(t, 2));
}

/* Four row-pair registers (rows 0-7) summed as hsum_pair sums each row, with the shuffles shared:
 * lane i + lane i+4 for four rows per register, then (0+2, 1+3) for eight, then the last add;
 * out[i] = row i. */
Q_INLINE void hsum_rows8(const __m512 acc[4], float *out)
{
    __m512 c01 = _mm512_add_ps(_mm512_shuffle_f32x4(acc[0], acc[1], 0x88), _mm512_shuffle_f32x4(acc[0], acc[1], 0xdd));
    __m512 c23 = _mm512_add_ps(_mm512_shuffle_f32x4(acc[2], acc[3], 0x88), _mm512_shuffle_f32x4(acc[2], acc[3], 0xdd));
    /* 128-bit chunk j: row j of c01, row j of c23 (rows 4..7) */
    __m512 t = _mm512_add_ps(_mm512_shuffle_ps(c01, c23, 0x44), _mm512_shuffle_ps(c01, c23, 0xee));
    __m512 v = _mm512_add_ps(_mm512_shuffle_ps(t, t, 0x88), _mm512_shuffle_ps(t, t, 0xdd));
    /* lane 4j: row j, lane 4j + 1: row j + 4 */
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0);
    _mm256_storeu_ps(out, _mm512_castps512_ps256(_mm512_permutexvar_ps(order, v)));
}

/* One token: rows row[2p], row[2p + 1] (pointers to the rows' first blocks) over nb blocks with
 * the activation blocks prepared in a[]; results to out[2p + j]. */
Q_INLINE void tile(int kind, int P, const char *const *row, int64_t nb, const q_act *a, float *out)
{
    const size_t bytes = blk_bytes(kind);
    __m512 acc[MV_PAIRS];
#pragma GCC unroll 4
    for (int p = 0; p < P; p++)
        acc[p] = _mm512_setzero_ps();
    /* P == 4 with evenly spaced rows (run's full tiles): the 8 rows' scales in one gather, times
     * d_x in one multiply, spread to the pairs by a permute (the same products) */
    const size_t step = (size_t)(row[1] - row[0]);
    const __m256i offs = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)step));
    for (int64_t b = 0; b < nb; b++) {
        __m512 d8 = _mm512_setzero_ps();
        if (P == 4)
            d8 = _mm512_castps256_ps512(_mm256_mul_ps(
                _mm256_cvtph_ps(_mm256_cvtepi32_epi16(_mm256_i32gather_epi32((const int *)(row[0] + (size_t)b * bytes), offs, 1))),
                _mm512_castps512_ps256(a[b].d)));
#pragma GCC unroll 4
        for (int p = 0; p < P; p++) {
            const char *ba = row[2 * p] + (size_t)b * bytes, *bb = row[2 * p + 1] + (size_t)b * bytes;
            _mm_prefetch(ba + 512, _MM_HINT_T0); /* the rows stream from memory once */
            _mm_prefetch(bb + 512, _MM_HINT_T0);
            __m512i s = _mm512_dpbusd_epi32(a[b].off, codes2(kind, ba, bb), a[b].x);
            __m512 d = P == 4 ? _mm512_permutexvar_ps(_mm512_set_epi32(2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1,
                                                                       2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p, 2 * p, 2 * p,
                                                                       2 * p, 2 * p, 2 * p, 2 * p, 2 * p),
                                                      d8)
                              : _mm512_mul_ps(scales2(ba, bb), a[b].d);
            acc[p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), d, acc[p]);
        }
    }
    if (P == 4) {
        hsum_rows8(acc, out);
        return;
    }
#pragma GCC unroll 4
    for (int p = 0; p < P; p++)
        hsum_pair(acc[p], &out[2 * p], &out[2 * p + 1]);
}

/* Rows [r, r + nrows) of one token (nrows <= 2P; missing rows repeat the last). */
Q_INLINE void run(int kind, int P, const char *w, size_t wrb, int64_t nb, const q_act *a, float *y, int64_t r, int nrows)
{
    const char *row[2 * MV_PAIRS];
    float out[2 * MV_PAIRS];
    for (int i = 0; i < 2 * P; i++)
        row[i] = w + (size_t)(r + (i < nrows ? i : nrows - 1)) * wrb;
    tile(kind, P, row, nb, a, out);
    for (int i = 0; i < nrows; i++)
        y[r + i] = out[i];
}

/* The activation blocks are prepared once per call (192 bytes a block: 24 KB at 4096 wide, up to
 * MV_CHUNK blocks on the stack). Longer rows take one row pair at a time in passes of MV_CHUNK
 * blocks, each pass going on from the pair's lane sums, so every row still meets its blocks in one
 * chain of FMAs. */
enum { MV_CHUNK = 512 };

Q_INLINE void matvec(int kind, const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    const int64_t nb = n / 32;
    _Alignas(64) q_act a[MV_CHUNK];
    if (nb > MV_CHUNK) { /* rows over 16384 wide */
        for (int64_t r = r0; r < r1; r += 2) {
            const char *row[2] = {(const char *)w + (size_t)r * wrb,
                                  (const char *)w + (size_t)(r + 1 < r1 ? r + 1 : r) * wrb};
            __m512 acc = _mm512_setzero_ps();
            for (int64_t c = 0; c < nb; c += MV_CHUNK) {
                int64_t m = nb - c < MV_CHUNK ? nb - c : MV_CHUNK;
                for (int64_t b = 0; b < m; b++)
                    a[b] = act_block(kind, (const block_q8_0 *)qx + c + b);
                const size_t bytes = blk_bytes(kind);
                for (int64_t b = 0; b < m; b++) {
                    const char *ba = row[0] + (size_t)(c + b) * bytes, *bb = row[1] + (size_t)(c + b) * bytes;
                    __m512i s = _mm512_dpbusd_epi32(a[b].off, codes2(kind, ba, bb), a[b].x);
                    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(scales2(ba, bb), a[b].d), acc);
                }
            }
            float o0, o1;
            hsum_pair(acc, &o0, &o1);
            y[r] = o0;
            if (r + 1 < r1)
                y[r + 1] = o1;
        }
        return;
    }
    for (int64_t b = 0; b < nb; b++)
        a[b] = act_block(kind, (const block_q8_0 *)qx + b);
    int64_t r = r0;
    for (; r + 2 * MV_PAIRS <= r1; r += 2 * MV_PAIRS)
        run(kind, MV_PAIRS, w, wrb, nb, a, y, r, 2 * MV_PAIRS);
    for (; r < r1; r += 2)
        run(kind, 1, w, wrb, nb, a, y, r, r1 - r < 2 ? 1 : 2);
}

/* Batches: two tokens of one row per register, so a row's codes are loaded once (one broadcast)
 * for every token of a tile, and the tokens' side is prepared once per pass for all rows: per pair
 * of tokens and block, both activation blocks side by side, their -OFF x 4-byte sums, their scales
 * in 8 lanes each (an odd last token is paired with itself). A tile is B_ROWS rows x B_PAIRS pairs;
 * per register and block: one dpbusd, one convert, one multiply (d_w x the pair's d_x), one FMA. */
enum { B_ROWS = 4, B_PAIRS = 4, B_PASS = 48 };

typedef struct q_pair {
    __m512i x, off;
    __m512 d;
} q_pair;

/* Tokens [t, t + 2 x np) (the last repeated past t_end) over nb blocks, pair-major per block. */
static void prep_pairs(int kind, q_pair *pp, const char *qx, size_t qrb, int64_t t, int64_t t_end, int np, int64_t nb)
{
    for (int p = 0; p < np; p++) {
        int64_t ta = t + 2 * p, tb = ta + 1 < t_end ? ta + 1 : t_end - 1;
        const block_q8_0 *xa = (const block_q8_0 *)(qx + (size_t)ta * qrb), *xb = (const block_q8_0 *)(qx + (size_t)tb * qrb);
        for (int64_t b = 0; b < nb; b++) {
            q_pair *q = &pp[b * np + p];
            q->x = avx512_load2(xa[b].qs, xb[b].qs);
            __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(),
                                               _mm512_set1_epi8(kind == Q_Q8_0 ? (char)0x80 : 16), q->x);
            q->off = _mm512_sub_epi32(_mm512_setzero_si512(), sums);
            q->d = avx512_halves(avx512_half(&xa[b].d), avx512_half(&xb[b].d));
        }
    }
}

/* Block B of one row as unsigned codes in both 256-bit halves. */
Q_INLINE __m512i codes_row(int kind, const char *blk)
{
    if (kind == Q_Q8_0)
        return _mm512_xor_si512(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)((const block_q8_0 *)blk)->qs)),
                                _mm512_set1_epi8((char)0x80));
    const block_q5_0 *x = (const block_q5_0 *)blk;
    __m512i q = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)x->qs));
    q = _mm512_and_si512(_mm512_srlv_epi64(q, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4)), _mm512_set1_epi8(0x0f));
    uint32_t h;
    memcpy(&h, x->qh, 4);
    return _mm512_mask_add_epi8(q, (__mmask64)h * 0x100000001ull, q, _mm512_set1_epi8(16));
}

/* A row group's blocks, unpacked once per pass for all its tiles: codes[b * B_ROWS + i] (codes_row),
 * dws[b * B_ROWS + i] the float scale. */
static void unpack_rows(int kind, int R, const char *w, size_t wrb, int64_t nb, __m512i *codes, float *dws)
{
    const size_t bytes = blk_bytes(kind);
    for (int i = 0; i < R; i++)
        for (int64_t b = 0; b < nb; b++) {
            const char *blk = w + (size_t)i * wrb + (size_t)b * bytes;
            codes[b * B_ROWS + i] = codes_row(kind, blk);
            dws[b * B_ROWS + i] = avx512_half((const simd_half *)blk);
        }
}

/* Rows [0, R) of the unpacked group x pairs [p0, p0 + P) of the prepared pass (np pairs per block)
 * over nb blocks. */
Q_INLINE void pair_tile(int R, int P, const __m512i *codes, const float *dws, int64_t nb, const q_pair *pp, int np,
                        int p0, __m512 acc[B_ROWS][B_PAIRS])
{
#pragma GCC unroll 4
    for (int i = 0; i < R; i++)
#pragma GCC unroll 4
        for (int k = 0; k < P; k++)
            acc[i][k] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const q_pair *q = &pp[b * np + p0];
#pragma GCC unroll 4
        for (int i = 0; i < R; i++) {
            const __m512i c = codes[b * B_ROWS + i];
            const __m512 dw = _mm512_set1_ps(dws[b * B_ROWS + i]);
#pragma GCC unroll 4
            for (int k = 0; k < P; k++) {
                __m512i s = _mm512_dpbusd_epi32(q[k].off, c, q[k].x);
                acc[i][k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, q[k].d), acc[i][k]);
            }
        }
    }
}

Q_INLINE void pair_run(int R, int P, const __m512i *codes, const float *dws, int64_t nb, const q_pair *pp, int np,
                       int p0, float *y, size_t ys, int64_t r, int64_t t, int64_t t_end)
{
    __m512 acc[B_ROWS][B_PAIRS];
    pair_tile(R, P, codes, dws, nb, pp, np, p0, acc);
    for (int i = 0; i < R; i++)
        for (int k = 0; k < P; k++) {
            float a, b;
            hsum_pair(acc[i][k], &a, &b);
            int64_t ta = t + 2 * (p0 + k);
            y[(size_t)ta * ys + (size_t)(r + i)] = a;
            if (ta + 1 < t_end)
                y[(size_t)(ta + 1) * ys + (size_t)(r + i)] = b;
        }
}

/* The shapes a pass uses: B_ROWS or 1 rows x 1..B_PAIRS pairs. */
static void pair_shape(int R, int P, const __m512i *codes, const float *dws, int64_t nb, const q_pair *pp, int np,
                       int p0, float *y, size_t ys, int64_t r, int64_t t, int64_t t_end)
{
    switch (R * 8 + P) {
    case B_ROWS * 8 + 4: pair_run(B_ROWS, 4, codes, dws, nb, pp, np, p0, y, ys, r, t, t_end); break;
    case 1 * 8 + 4: pair_run(1, 4, codes, dws, nb, pp, np, p0, y, ys, r, t, t_end); break;
    case B_ROWS * 8 + 3: pair_run(B_ROWS, 3, codes, dws, nb, pp, np, p0, y, ys, r, t, t_end); break;
    case B_ROWS * 8 + 2: pair_run(B_ROWS, 2, codes, dws, nb, pp, np, p0, y, ys, r, t, t_end); break;
    case B_ROWS * 8 + 1: pair_run(B_ROWS, 1, codes, dws, nb, pp, np, p0, y, ys, r, t, t_end); break;
    case 1 * 8 + 3: pair_run(1, 3, codes, dws, nb, pp, np, p0, y, ys, r, t, t_end); break;
    case 1 * 8 + 2: pair_run(1, 2, codes, dws, nb, pp, np, p0, y, ys, r, t, t_end); break;
    default: pair_run(1, 1, codes, dws, nb, pp, np, p0, y, ys, r, t, t_end); break;
    }
}

/* Tokens in passes of B_PASS (prepared once per pass, about 100 KB at 2048 wide); per pass, rows
 * in groups of B_ROWS outermost, unpacked once (unpack_rows: Q5_0's codes are rebuilt from nibbles
 * and high bits, which every tile of the pass repeated before: 256 x 2048 Q5_0 from L2 at 64 / 512
 * tokens 121-127 / 130-134 GOP/s per CPU-second against 89-105 / 97-105, 2-15 tokens unchanged,
 * 2026-12-07 at load 13), then B_PAIRS pairs at a time. */
Q_INLINE void matmul(int kind, const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1)
{
    const int64_t nb = n / 32;
    q_pair *pp = aligned_alloc(64, sizeof(q_pair) * (size_t)(B_PASS / 2) * (size_t)nb);
    __m512i *codes = aligned_alloc(64, sizeof(__m512i) * B_ROWS * (size_t)nb);
    float *dws = malloc(sizeof(float) * B_ROWS * (size_t)nb);
    if (!pp || !codes || !dws) { /* no memory for the pass: one token at a time, same bits */
        free(pp);
        free(codes);
        free(dws);
        for (int64_t t = 0; t < n_tok; t++)
            matvec(kind, w, wrb, n, (const char *)qx + (size_t)t * qrb, y + (size_t)t * ys, r0, r1);
        return;
    }
    for (int64_t t = 0; t < n_tok; t += B_PASS) {
        const int64_t t_end = n_tok - t < B_PASS ? n_tok : t + B_PASS;
        const int np = (int)((t_end - t + 1) / 2);
        prep_pairs(kind, pp, qx, qrb, t, t_end, np, nb);
        for (int64_t r = r0; r < r1;) {
            int R = r1 - r >= B_ROWS ? B_ROWS : 1;
            unpack_rows(kind, R, (const char *)w + (size_t)r * wrb, wrb, nb, codes, dws);
            for (int p0 = 0; p0 < np; p0 += B_PAIRS)
                pair_shape(R, np - p0 < B_PAIRS ? np - p0 : B_PAIRS, codes, dws, nb, pp, np, p0, y, ys, r, t, t_end);
            r += R;
        }
    }
    free(pp);
    free(codes);
    free(dws);
}

float avx512_ggml_dot_q8_0(int64_t n, const void *w, const void *x)
{
    float y;
    matvec(Q_Q8_0, w, 0, n, x, &y, 0, 1);
    return y;
}

float avx512_ggml_dot_q5_0(int64_t n, const void *w, const void *x)
{
    float y;
    matvec(Q_Q5_0, w, 0, n, x, &y, 0, 1);
    return y;
}

void avx512_ggml_matvec_q8_0(const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    matvec(Q_Q8_0, w, wrb, n, qx, y, r0, r1);
}

void avx512_ggml_matvec_q5_0(const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    matvec(Q_Q5_0, w, wrb, n, qx, y, r0, r1);
}

void avx512_ggml_matmul_q8_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                             size_t ys, int64_t r0, int64_t r1)
{
    matmul(Q_Q8_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

void avx512_ggml_matmul_q5_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                             size_t ys, int64_t r0, int64_t r1)
{
    matmul(Q_Q5_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
