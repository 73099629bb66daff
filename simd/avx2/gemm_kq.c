/* AVX2 mat x mat for Q4_K (against Q8_K activations) in llama.cpp's batch order (ref_matmul_q4_k:
 * ggml_gemm_q4_K_8x8_q8_K), for the first n_tok - n_tok % 4 tokens of a batch; avx2_gemm_q4_k_split
 * runs the n_tok % 4 left over on the same panels in llama.cpp's one-token order
 * (ggml_gemv_q4_K_8x8_q8_K: one FMA pair per super-block instead of per 64 elements, the integer
 * sums of the super-block's four 64-element steps added first, exactly), so a whole batch as
 * llama.cpp splits it (ref_matmul_q4_k) needs no second pass over the weights. One panel
 * of 8 weight rows is unpacked once per chunk of up to K_CHUNK super-blocks into a
 * row-interleaved stack buffer (one register: 4 unsigned codes of each of the 8 rows, row i in
 * lane i; 20 KB, it stays in L1; the 6-bit scales and mins unpacked with vector shifts and
 * shuffles, 8 rows at once), then every token of the pass reuses it, K_TOK at a time: maddubs of
 * a register of codes with the token's 4 activation bytes, broadcast straight from its Q8_K
 * block, so each lane is one row's dot and no horizontal sums are needed.
 *
 * Per 64 elements (sub-blocks 2s and 2s + 1) of a row and token, in integers: each sub-block's
 * code dot (int16 pair sums of 8 groups) times its scale with one madd; the mins
 * m_2s x P_2s + m_2s+1 x P_2s+1 (P_j = bsum_2j + bsum_2j+1) with one madd; then
 * A = fma(isum, d x d_x, A) and M = fma(msum, dmin x d_x, M). The two chains are independent, so
 * they run in two loops over the same pack: M first (a few instructions per 64 elements, the
 * tokens' chains interleaved, into a per-pass buffer), then A with only 3 registers per token
 * (int16 sums, int32 sums, A), so 4 tokens fit the 16 registers without spills. A goes on from
 * chunk to chunk through y, M through the buffer; the last chunk stores A - M. The integer sums
 * are exact and each float chain adds in llama.cpp's order, so the bits are its batch's. */
#include <stddef.h>

#include "gemm.h"
#include "prefetch_tile.h"

enum { K_ROWS = 8, K_CHUNK = 8, K_TOK = 4 }; /* A pass: 4 x (int16, int32, A) + codes + broadcast */
enum { K_MAX_PASS = 128 };                   /* tokens per pass at most (a multiple of K_TOK) */
enum { K_TILE = 8 };                         /* super-blocks per K-tile (a multiple of K_CHUNK) */
enum { K_BLOCK = 128 };                      /* rows per block (a multiple of K_ROWS): M, 64 KB */

/* One super-block of an 8-row panel, unpacked. */
typedef struct kq_pack {
    __m256i codes[64]; /* group g: per row the unsigned codes of elements 4g..4g+3 */
    __m256i scale[8];  /* sub-block j: per row its scale in both int16 halves */
    __m256i mins[4];   /* 64-element step s: per row (m_2s, m_2s+1), dotted with (P_2s, P_2s+1) */
    __m256 d, dm;      /* per row: d and dmin */
} kq_pack;

#define K_INLINE static inline __attribute__((always_inline))

/* Byte j of every dword in both int16 halves (-1: zero): selects per row one 6-bit value as
 * an int16 pair (a, b) from a register of bytes. */
K_INLINE __m256i pick16(int a, int b)
{
    return _mm256_setr_epi8((char)a, -1, (char)b, -1, (char)(4 + a), -1, (char)(4 + b), -1, (char)(8 + a), -1,
                            (char)(8 + b), -1, (char)(12 + a), -1, (char)(12 + b), -1, (char)a, -1, (char)b, -1,
                            (char)(4 + a), -1, (char)(4 + b), -1, (char)(8 + a), -1, (char)(8 + b), -1, (char)(12 + a),
                            -1, (char)(12 + b), -1);
}

/* One super-block of the 8 rows' blocks at blk[i]. The header (d, dmin, the 12 scale bytes) of
 * the 8 rows transposed into 4 registers, lane i = row i: dword 0 = d | dmin << 16, dwords 1-3 =
 * the scale bytes q[0..11]; then, as kq_scale_min unpacks them, byte by byte: scales 0-3 = q[0..3]
 * & 63, mins 0-3 = q[4..7] & 63, scales 4-7 = (q[8..11] & 15) | (q[0..3] >> 6) << 4, mins 4-7 =
 * (q[8..11] >> 4) | (q[4..7] >> 6) << 4. */
static void pack_q4_k(kq_pack *p, const uint8_t *const blk[8])
{
    const __m256i low = _mm256_set1_epi8(0x0f);
#pragma GCC unroll 8
    for (int q = 0; q < 8; q++) { /* qs dwords 4q..4q+3: chunk q / 2 of 64 elements */
        __m256i v[4];
        gemm_transpose_8x4(blk, offsetof(block_q4_K, qs) + 16 * (size_t)q, v);
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) {
            int dw = 4 * q + k, g = 16 * (dw / 8) + dw % 8; /* low nibbles: elements 64c + 4(dw % 8).. */
            p->codes[g] = _mm256_and_si256(v[k], low);
            p->codes[g + 8] = _mm256_and_si256(_mm256_srli_epi16(v[k], 4), low);
        }
    }
    __m256i h[4];
    gemm_transpose_8x4(blk, 0, h);
    const __m256i m6 = _mm256_set1_epi8(63), m2 = _mm256_set1_epi8(3);
    const __m256i sc_lo = _mm256_and_si256(h[1], m6), mn_lo = _mm256_and_si256(h[2], m6);
    const __m256i sc_hi = _mm256_or_si256(_mm256_and_si256(h[3], low),
                                          _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(h[1], 6), m2), 4));
    const __m256i mn_hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(h[3], 4), low),
                                          _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(h[2], 6), m2), 4));
    for (int j = 0; j < 4; j++) {
        p->scale[j] = _mm256_shuffle_epi8(sc_lo, pick16(j, j));
        p->scale[j + 4] = _mm256_shuffle_epi8(sc_hi, pick16(j, j));
    }
    p->mins[0] = _mm256_shuffle_epi8(mn_lo, pick16(0, 1));
    p->mins[1] = _mm256_shuffle_epi8(mn_lo, pick16(2, 3));
    p->mins[2] = _mm256_shuffle_epi8(mn_hi, pick16(0, 1));
    p->mins[3] = _mm256_shuffle_epi8(mn_hi, pick16(2, 3));
    /* d: the low half of dword 0, dmin the high one (exact conversions, as avx2_half_ref) */
    const __m256i lo16 = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 4, 5, 8, 9,
                                          12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    __m256i dl = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(h[0], lo16), 0x08);
    __m256i dh = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(_mm256_srli_epi32(h[0], 16), lo16), 0x08);
    p->d = _mm256_cvtph_ps(_mm256_castsi256_si128(dl));
    p->dm = _mm256_cvtph_ps(_mm256_castsi256_si128(dh));
}

/* Super-blocks [c, c + nsb) of rows [r, r + nrows) (nrows <= 8; missing rows repeat the last one). */
K_INLINE void pack_chunk(kq_pack *p, const char *w, size_t wrb, int64_t r, int nrows, int64_t c, int nsb)
{
    for (int s = 0; s < nsb; s++) {
        const uint8_t *blk[8];
        for (int i = 0; i < 8; i++)
            blk[i] = (const uint8_t *)w + (size_t)(r + (i < nrows ? i : nrows - 1)) * wrb +
                     (size_t)(c + s) * sizeof(block_q4_K);
        pack_q4_k(&p[s], blk);
    }
}

/* The mins chain of T tokens (a constant after inlining) over nsb packed super-blocks starting at
 * super-block c of the activations: M of token k (8 rows at mb + 8 k) goes on from mb unless
 * FIRST. Token k's pairs (P_2q, P_2q+1) of super-block c + s are the dwords at pp + pps k + 4 s
 * (kq_pairs), each broadcast straight from memory. The tokens' chains interleave, so the FMA
 * latency is hidden. */
K_INLINE void run_mins(const kq_pack *p, int nsb, const char *qx, size_t qrb, int64_t c, int T, float *mb,
                       const int32_t *pp, size_t pps, int first, int one)
{
    __m256 m[K_TOK];
#pragma GCC unroll 4
    for (int k = 0; k < T; k++)
        m[k] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(mb + 8 * k);
    for (int s = 0; s < nsb; s++) {
        __m256 dmx[K_TOK];
#pragma GCC unroll 4
        for (int k = 0; k < T; k++) {
            const block_q8_K *x = (const block_q8_K *)(qx + (size_t)k * qrb) + c + s;
            dmx[k] = _mm256_mul_ps(p[s].dm, _mm256_broadcast_ss(&x->d));
        }
#define K_MSTEP(q)                                                                                                   \
    for (int k = 0; k < T; k++) {                                                                                    \
        const __m256i v = _mm256_madd_epi16(p[s].mins[q], _mm256_set1_epi32(pp[pps * (size_t)k + 4 * (size_t)s + q])); \
        if (one)                                                                                                     \
            ms[k] = q == 0 ? v : _mm256_add_epi32(ms[k], v);                                                         \
        else                                                                                                         \
            m[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(v), dmx[k], m[k]);                                             \
    }
        __m256i ms[K_TOK];
#pragma GCC unroll 4
        K_MSTEP(0)
#pragma GCC unroll 4
        K_MSTEP(1)
#pragma GCC unroll 4
        K_MSTEP(2)
#pragma GCC unroll 4
        K_MSTEP(3)
#undef K_MSTEP
        if (one) /* the one-token order: the super-block's mins sum, then one FMA */
#pragma GCC unroll 4
            for (int k = 0; k < T; k++)
                m[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ms[k]), dmx[k], m[k]);
    }
#pragma GCC unroll 4
    for (int k = 0; k < T; k++)
        _mm256_storeu_ps(mb + 8 * k, m[k]);
}

/* Per token t < n_tok and super-block b0 + b, b < nsb: the four dwords (P_2q, P_2q+1), P_j =
 * bsum_2j + bsum_2j+1 (|P| <= 4096), at pp + 4 (t nsb + b). Made once per pass and read by every
 * panel (each made its own before). */
static void kq_pairs(const char *qx, size_t qrb, int64_t n_tok, int64_t b0, int64_t nsb, int32_t *pp)
{
    for (int64_t t = 0; t < n_tok; t++)
        for (int64_t b = 0; b < nsb; b++) {
            const block_q8_K *x = (const block_q8_K *)(qx + (size_t)t * qrb) + b0 + b;
            _mm_storeu_si128((__m128i *)(pp + 4 * (t * nsb + b)),
                             _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)x->bsums),
                                            _mm_loadu_si128((const __m128i *)(x->bsums + 8))));
        }
}

/* The scales chain of T tokens (a constant after inlining) x the 8 rows of one panel over nsb
 * packed super-blocks starting at super-block c of the activations. A goes on from y unless
 * FIRST; LAST stores A - M (M of token k at mb + 8 k) into y, else A. */
K_INLINE void run_tokens(const kq_pack *p, int nsb, const char *qx, size_t qrb, int64_t c, int T, float *y, size_t ys,
                         const float *mb, int nrows, int first, int last, int one)
{
    __m256 acc[K_TOK];
#pragma GCC unroll 4
    for (int k = 0; k < T; k++)
        acc[k] = first ? _mm256_setzero_ps() : gemm_load(y + (size_t)k * ys, nrows);
    for (int s = 0; s < nsb; s++) {
        const block_q8_K *x[K_TOK];
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            x[k] = (const block_q8_K *)(qx + (size_t)k * qrb) + c + s;
        __m256i isum[K_TOK], bsum[K_TOK]; /* bsum: the super-block's sum (the one-token order) */
#pragma GCC unroll 4
        for (int sb = 0; sb < 4; sb++) {
#pragma GCC unroll 2
            for (int h = 0; h < 2; h++) { /* sub-block 2 sb + h: groups 16 sb + 8 h .. + 7 */
                const int g0 = 16 * sb + 8 * h;
                __m256i s16[K_TOK];
#pragma GCC unroll 8
                for (int g = g0; g < g0 + 8; g++) {
                    __m256i wc = _mm256_load_si256(&p[s].codes[g]);
#pragma GCC unroll 4
                    for (int k = 0; k < T; k++) {
                        __m256i prod = _mm256_maddubs_epi16(wc, gemm_bcast4(x[k]->qs + 4 * g));
                        s16[k] = g == g0 ? prod : _mm256_add_epi16(s16[k], prod);
                        GEMM_KEEP(s16[k]);
                    }
                }
#pragma GCC unroll 4
                for (int k = 0; k < T; k++) {
                    __m256i v = _mm256_madd_epi16(s16[k], p[s].scale[2 * sb + h]);
                    isum[k] = h == 0 ? v : _mm256_add_epi32(isum[k], v);
                    GEMM_KEEP(isum[k]);
                }
            }
#pragma GCC unroll 4
            for (int k = 0; k < T; k++) {
                if (one) {
                    bsum[k] = sb == 0 ? isum[k] : _mm256_add_epi32(bsum[k], isum[k]);
                    GEMM_KEEP(bsum[k]);
                } else {
                    __m256 dd = _mm256_mul_ps(p[s].d, _mm256_broadcast_ss(&x[k]->d));
                    acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[k]), dd, acc[k]);
                    GEMM_KEEP(acc[k]);
                }
            }
        }
        if (one)
#pragma GCC unroll 4
            for (int k = 0; k < T; k++)
                acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(bsum[k]), _mm256_mul_ps(p[s].d, _mm256_broadcast_ss(&x[k]->d)),
                                         acc[k]);
    }
#pragma GCC unroll 4
    for (int k = 0; k < T; k++)
        if (last)
            acc[k] = _mm256_sub_ps(acc[k], _mm256_loadu_ps(mb + 8 * k));
    gemm_store(acc, T, y, ys, nrows, 1);
}

/* The mins pass, then the main pass, for T tokens (a constant after inlining); ONE: in the
 * one-token order. */
K_INLINE void run_both(const kq_pack *p, int nsb, const char *qx, size_t qrb, int64_t c, int T, float *y, size_t ys,
                       float *mb, const int32_t *pp, size_t pps, int nrows, int first, int last, int one)
{
    run_mins(p, nsb, qx, qrb, c, T, mb, pp, pps, first, one);
    run_tokens(p, nsb, qx, qrb, c, T, y, ys, mb, nrows, first, last, one);
}

K_INLINE void run_some(const kq_pack *p, int nsb, const char *qx, size_t qrb, int64_t c, int T, float *y, size_t ys,
                       float *mb, const int32_t *pp, size_t pps, int nrows, int first, int last)
{
    switch (T) { /* fewer than K_TOK: a batch's n_tok % 4, in the one-token order */
    case 4: run_both(p, nsb, qx, qrb, c, 4, y, ys, mb, pp, pps, nrows, first, last, 0); break;
    case 3: run_both(p, nsb, qx, qrb, c, 3, y, ys, mb, pp, pps, nrows, first, last, 1); break;
    case 2: run_both(p, nsb, qx, qrb, c, 2, y, ys, mb, pp, pps, nrows, first, last, 1); break;
    case 1: run_both(p, nsb, qx, qrb, c, 1, y, ys, mb, pp, pps, nrows, first, last, 1); break;
    default: break;
    }
}

/* The chunk after (rows [r, r + 8), super-blocks from c, NSB of them) in the order avx2_gemm_q4_k
 * walks them within row block [rb, re) and K-tile [kc, ke): the K-tile's next chunk, else the next
 * panel's first in the K-tile, else the row block's first panel in the next K-tile, else the next
 * row block's first chunk, else the next pass's first (MORE), else none (*nx_r = -1). */
static void next_chunk(int64_t r, int64_t c, int nsb, int64_t rb, int64_t re, int64_t kc, int64_t ke, int64_t nb,
                       int64_t r0, int64_t r1, int more, int64_t *nx_r, int64_t *nx_c)
{
    *nx_r = r;
    *nx_c = c + nsb;
    if (*nx_c < ke)
        return;
    *nx_c = kc;
    if ((*nx_r = r + K_ROWS) < re)
        return;
    *nx_r = rb;
    if ((*nx_c = ke) < nb)
        return;
    *nx_c = 0;
    if ((*nx_r = rb + K_BLOCK) < r1)
        return;
    *nx_r = more ? r0 : -1;
}

/* Tokens in passes sized so a K-tile (K_TILE super-blocks) of the pass's activations stays in L2;
 * per pass, rows in blocks of K_BLOCK; per block the row's K-tiles in order, per K-tile the block's
 * panels of 8 rows, each chunk of super-blocks unpacked once for all the pass's tokens, taken K_TOK
 * at a time (while they run, the next chunk's weights are prefetched). A goes on from K-tile to
 * K-tile through y and M through the block's buffer (one per panel), so each (row, token) still
 * adds its super-blocks in order: the bits do not depend on the tiling. The kq_pairs are made per
 * (pass, block, K-tile). Rows of at most K_TILE super-blocks are one K-tile, as before; on
 * 8192-wide rows (ffn_down) passes of 112 tokens instead of 28 (the whole row's activations in
 * L2) unpack each weight 5 times at 512 tokens instead of 19. */
void avx2_gemm_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    _Alignas(32) kq_pack pk[K_CHUNK];
    _Alignas(32) float mbuf[K_BLOCK * K_MAX_PASS]; /* M of every token of a pass and the block's panels */
    _Alignas(32) int32_t pairs[4 * K_MAX_PASS * K_TILE]; /* kq_pairs of the pass's K-tile */
    const int64_t nb = n / QK_K, kt = nb < K_TILE ? nb : K_TILE;
    const int64_t tb_l2 = gemm_token_block((size_t)kt * sizeof(block_q8_K), n_tok);
    const int64_t tb = tb_l2 < K_MAX_PASS ? tb_l2 : K_MAX_PASS;
    for (int64_t t0 = 0; t0 < n_tok; t0 += tb) {
        const int64_t t1 = n_tok - t0 < tb ? n_tok : t0 + tb, ng = (t1 - t0 + K_TOK - 1) / K_TOK;
        for (int64_t rb = r0; rb < r1; rb += K_BLOCK) {
            const int64_t re = r1 - rb < K_BLOCK ? r1 : rb + K_BLOCK;
            for (int64_t kc = 0; kc < nb; kc += kt) {
                const int64_t ke = nb - kc < kt ? nb : kc + kt;
                kq_pairs((const char *)qx + (size_t)t0 * qrb, qrb, t1 - t0, kc, ke - kc, pairs);
                const size_t pps = 4 * (size_t)(ke - kc); /* a token's pairs, in int32 */
                for (int64_t r = rb; r < re; r += K_ROWS) {
                    const int nr = re - r < K_ROWS ? (int)(re - r) : K_ROWS;
                    float *mb = mbuf + (size_t)(r - rb) * K_MAX_PASS; /* this panel's M, 8 a token */
                    for (int64_t c = kc; c < ke; c += K_CHUNK) {
                        const int nsb = ke - c < K_CHUNK ? (int)(ke - c) : K_CHUNK;
                        int64_t nx_r, nx_c;
                        next_chunk(r, c, nsb, rb, re, kc, ke, nb, r0, r1, t1 < n_tok, &nx_r, &nx_c);
                        const int64_t nx_re = nx_r < 0 ? 0 : nx_r - (nx_r - r0) % K_BLOCK + K_BLOCK < r1
                                                                     ? nx_r - (nx_r - r0) % K_BLOCK + K_BLOCK
                                                                     : r1;
                        const int nx_nr = nx_r < 0 ? 0 : nx_re - nx_r < K_ROWS ? (int)(nx_re - nx_r) : K_ROWS;
                        const int64_t nx_ke = nx_c - nx_c % kt + kt < nb ? nx_c - nx_c % kt + kt : nb;
                        const int nx_nsb = nx_ke - nx_c < K_CHUNK ? (int)(nx_ke - nx_c) : K_CHUNK;
                        chunk_pf pf; /* the next chunk's lines */
                        chunk_pf_init(&pf,
                                      (const char *)w + (size_t)(nx_r < 0 ? 0 : nx_r) * wrb +
                                          (size_t)nx_c * sizeof(block_q4_K),
                                      wrb, ((int64_t)nx_nsb * (int64_t)sizeof(block_q4_K) + 63) / 64, nx_nr, ng);
                        pack_chunk(pk, w, wrb, r, nr, c, nsb);
                        const int32_t *pc = pairs + 4 * (c - kc); /* token t0's at this chunk */
                        for (int64_t t = t0; t < t1; t += K_TOK) {
                            int T = t1 - t < K_TOK ? (int)(t1 - t) : K_TOK;
                            chunk_pf_step(&pf);
                            run_some(pk, nsb, (const char *)qx + (size_t)t * qrb, qrb, c, T,
                                     y + (size_t)t * ys + (size_t)r, ys, mb + (size_t)(t - t0) * K_ROWS,
                                     pc + pps * (size_t)(t - t0), pps, nr, c == 0, c + nsb == nb);
                        }
                    }
                }
            }
        }
    }
}

/* A batch as llama.cpp splits it (ref_matmul_q4_k): below 4 tokens the one-token kernel over rows
 * kept in L2 (q4_k.c; a panel would serve too few tokens), else every token on the panels, the
 * first n_tok - n_tok % 4 in the batch order and the rest in the one-token order, so the weights
 * are unpacked once for all of them (expert products at about 32 tokens: the 1-3 left over no
 * longer take a second pass at about 1.7x the per-token cost). */
void avx2_gemm_q4_k_split(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                          size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok < K_TOK)
        avx2_one_order_q4_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx2_gemm_q4_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
