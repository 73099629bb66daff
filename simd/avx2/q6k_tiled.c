/* AVX2 mat x mat for Q6_K prompt batches in llama.cpp's tiled order (docs/NUMERICS.md, "Q6_K prompt
 * batches"): per (row, token) one chain over the super-blocks, acc = fma(d_w * (float)isum, d_x, acc),
 * isum the exact integer sum of scale_g * (code - 32) * x over the 256 elements (ref_dot_q6_k_tiled).
 * Panels of 8 rows are unpacked once per chunk of super-blocks into a row-interleaved buffer (one
 * register holds 4 codes, 0..63, of each of the 8 rows, row i in lane i; built from the blocks' ql
 * and qh runs transposed in registers); every token of the pass
 * reuses them: maddubs(codes, the token's 4 bytes broadcast) gives exact int16 pair sums (at most
 * 2 x 63 x 128, two of them added stay below 2^15), madd by the rows' group scales each row's int32
 * sum in its own lane; the -32 offset comes off once per super-block as 32 x sum_g scale_g x bsum_g
 * (madd of the rows' scale pairs with the token's bsum pairs). Integer sums are exact in any order,
 * so only the float chain fixes the bits. Tiles: 8 rows x 4 tokens, no horizontal sums. */
#include <stddef.h>

#include "gemm.h"
#include "prefetch_tile.h"
#include "q6k_tiled.h"

enum { P_ROWS = 8, P_TOK = 4, CHUNK = 2, PANELS = 2, K_TILE = 8 }; /* K_TILE: super-blocks, a multiple of CHUNK */

typedef struct q6k_pack {
    __m256i code[CHUNK][64];   /* group j: elements 4j..4j+3 of each row */
    __m256i scale[CHUNK][16];  /* group scale g of row i in both int16 halves of lane i */
    __m256i spair[CHUNK][8];   /* scales 2m, 2m + 1 of row i as the int16 pair of lane i */
    __m256 dw[CHUNK];          /* the rows' super-block scales */
} q6k_pack;

#define P_INLINE static inline __attribute__((always_inline))

/* The codes (0..63) of one super-block of the 8 rows at blk[i], transposed: code[j] = elements
 * 4j..4j+3 of every row, row i in lane i. Element 128h + 32k + i (ref/q6_k.c's q6k_codes) is the low
 * (k < 2) or high (k >= 2) nibble of ql[64h + 32(k & 1) + i] with bits 2k, 2k + 1 of qh[32h + i] on
 * top, so each 16-byte run of ql and qh is transposed once, straight from the blocks, and the codes
 * are put together in registers (no staging buffer). */
P_INLINE void pack_codes(__m256i code[64], const uint8_t *const blk[P_ROWS])
{
    const __m256i low = _mm256_set1_epi8(0x0f), three = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; h++)
        for (int i0 = 0; i0 < 32; i0 += 16) {
            __m256i hb[4];
            gemm_transpose_8x4(blk, offsetof(block_q6_K, qh) + (size_t)(32 * h + i0), hb);
            for (int k1 = 0; k1 < 2; k1++) {
                __m256i lb[4];
                gemm_transpose_8x4(blk, offsetof(block_q6_K, ql) + (size_t)(64 * h + 32 * k1 + i0), lb);
                for (int q = 0; q < 4; q++) {
                    const int j = 32 * h + 8 * k1 + i0 / 4 + q; /* k = k1: the low nibbles */
                    __m256i top = _mm256_and_si256(_mm256_srli_epi16(hb[q], 2 * k1), three);
                    code[j] = _mm256_or_si256(_mm256_and_si256(lb[q], low), _mm256_slli_epi16(top, 4));
                    top = _mm256_and_si256(_mm256_srli_epi16(hb[q], 2 * (k1 + 2)), three); /* k = k1 + 2: high */
                    code[j + 16] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(lb[q], 4), low),
                                                   _mm256_slli_epi16(top, 4));
                }
            }
        }
}

/* Bytes a and b of every dword into the high bytes of its two int16 halves (low bytes zero). */
P_INLINE __m256i hi16(int a, int b)
{
    return _mm256_setr_epi8(-1, (char)a, -1, (char)b, -1, (char)(4 + a), -1, (char)(4 + b), -1, (char)(8 + a), -1,
                            (char)(8 + b), -1, (char)(12 + a), -1, (char)(12 + b), -1, (char)a, -1, (char)b, -1,
                            (char)(4 + a), -1, (char)(4 + b), -1, (char)(8 + a), -1, (char)(8 + b), -1, (char)(12 + a),
                            -1, (char)(12 + b));
}

/* Rows [r, r + nrows) of the panel (missing rows repeat the last one), super-blocks [c, c + nsb). */
static void pack_chunk(q6k_pack *p, const char *w, size_t wrb, int64_t r, int nrows, int64_t c, int nsb)
{
    for (int s = 0; s < nsb; s++) {
        const block_q6_K *blk[P_ROWS];
        const uint8_t *bytes[P_ROWS];
        float dw[P_ROWS];
        for (int i = 0; i < P_ROWS; i++) {
            blk[i] = (const block_q6_K *)(w + (size_t)(r + (i < nrows ? i : nrows - 1)) * wrb) + c + s;
            bytes[i] = (const uint8_t *)blk[i];
            dw[i] = *avx2_half_ref(&blk[i]->d);
        }
        pack_codes(p->code[s], bytes);
        /* the 16 int8 scales of the 8 rows transposed (register k: scales 4k..4k+3, row i in lane
         * i), each picked into the high byte of an int16 and shifted down with its sign */
        __m256i sv[4];
        gemm_transpose_8x4(bytes, offsetof(block_q6_K, scales), sv);
        for (int g = 0; g < 16; g++)
            p->scale[s][g] = _mm256_srai_epi16(_mm256_shuffle_epi8(sv[g / 4], hi16(g % 4, g % 4)), 8);
        for (int m = 0; m < 8; m++)
            p->spair[s][m] = _mm256_srai_epi16(_mm256_shuffle_epi8(sv[m / 2], hi16(2 * (m % 2), 2 * (m % 2) + 1)), 8);
        p->dw[s] = _mm256_loadu_ps(dw);
    }
}

/* T tokens (rows of qx from token t) x one panel over nsb super-blocks from super-block c. */
P_INLINE void panel_tokens(const q6k_pack *p, int nsb, const char *qx, size_t qrb, int64_t c, int T, float *y, size_t ys,
                           int nrows, int first)
{
    const block_q8_K *xb[P_TOK];
    __m256 out[P_TOK];
#pragma GCC unroll 4
    for (int k = 0; k < T; k++) {
        xb[k] = (const block_q8_K *)(qx + (size_t)k * qrb) + c;
        out[k] = first ? _mm256_setzero_ps() : gemm_load(y + (size_t)k * ys, nrows);
    }
    for (int s = 0; s < nsb; s++) {
        __m256i isum[P_TOK];
#pragma GCC unroll 4
        for (int k = 0; k < T; k++) { /* -32 x sum_g scale_g x bsum_g */
            __m256i off = _mm256_madd_epi16(_mm256_load_si256(&p->spair[s][0]), gemm_bcast4(&xb[k][s].bsums[0]));
            for (int m = 1; m < 8; m++)
                off = _mm256_add_epi32(off, _mm256_madd_epi16(_mm256_load_si256(&p->spair[s][m]),
                                                              gemm_bcast4(&xb[k][s].bsums[2 * m])));
            isum[k] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(off, 5));
        }
#pragma GCC unroll 2
        for (int g = 0; g < 16; g++) {
            const __m256i sc = _mm256_load_si256(&p->scale[s][g]);
#pragma GCC unroll 2
            for (int h = 0; h < 2; h++) {
                const __m256i c0 = _mm256_load_si256(&p->code[s][4 * g + 2 * h]);
                const __m256i c1 = _mm256_load_si256(&p->code[s][4 * g + 2 * h + 1]);
#pragma GCC unroll 4
                for (int k = 0; k < T; k++) {
                    const int8_t *x = xb[k][s].qs + 16 * g + 8 * h;
                    __m256i pr = _mm256_add_epi16(_mm256_maddubs_epi16(c0, gemm_bcast4(x)),
                                                  _mm256_maddubs_epi16(c1, gemm_bcast4(x + 4)));
                    isum[k] = _mm256_add_epi32(isum[k], _mm256_madd_epi16(pr, sc));
                    GEMM_KEEP(isum[k]);
                }
            }
        }
        const __m256 dw = _mm256_load_ps((const float *)&p->dw[s]);
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            out[k] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_cvtepi32_ps(isum[k])), _mm256_broadcast_ss(&xb[k][s].d),
                                     out[k]);
    }
    gemm_store(out, T, y, ys, nrows, 1);
}

/* The chunk after (row group r, chunk c) of K-tile [kc, ke) in the order avx2_gemm_q6_k_tiled walks
 * them (the K-tile's next chunk, else the next row group's first in the K-tile, else the next
 * K-tile's first row group, else the next pass's first chunk): its rows (0: none) and start. */
static void next_chunk(int64_t r, int64_t c, int nsb, int64_t kc, int64_t ke, int64_t nb, int64_t r0, int64_t r1,
                       int more_passes, int64_t *nx_r, int64_t *nx_c, int *nx_rows)
{
    *nx_r = r;
    *nx_c = c + nsb;
    if (*nx_c >= ke) {
        *nx_c = kc;
        *nx_r = r + PANELS * P_ROWS;
        if (*nx_r >= r1) {
            *nx_r = r0;
            *nx_c = ke < nb ? ke : 0;
            if (ke >= nb && !more_passes)
                *nx_r = -1;
        }
    }
    *nx_rows = *nx_r < 0 ? 0 : r1 - *nx_r < PANELS * P_ROWS ? (int)(r1 - *nx_r) : PANELS * P_ROWS;
}

/* Tokens in passes whose activations stay in L2; per pass, the row's super-blocks in K-tiles of
 * K_TILE (rows of at most K_TILE super-blocks: one tile), per K-tile rows in groups of PANELS
 * panels; per chunk of super-blocks the panels unpacked once, then the pass's tokens P_TOK at a
 * time over each panel. Later chunks and K-tiles go on from the sums so far in y: one chain of FMAs
 * per (row, token), over the super-blocks in order. The pass is sized by the K-tile's activation
 * bytes, not the row's: on 8192-wide rows (ffn_down) a pass of 28 tokens (the whole row's
 * activations in L2) unpacked every weight 19 times at 512 tokens, one of 112 tokens (a K-tile's
 * activations in L2) 5 times, as on 2048-wide rows. */
void avx2_gemm_q6_k_tiled(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                          size_t ys, int64_t r0, int64_t r1)
{
    _Alignas(32) q6k_pack pk[PANELS];
    const int64_t nb = n / QK_K, kt = nb < K_TILE ? nb : K_TILE;
    const int64_t tb = gemm_token_block((size_t)kt * sizeof(block_q8_K), n_tok);
    for (int64_t t0 = 0; t0 < n_tok; t0 += tb) {
        const int64_t t1 = n_tok - t0 < tb ? n_tok : t0 + tb, ng = (t1 - t0 + P_TOK - 1) / P_TOK;
        for (int64_t kc = 0; kc < nb; kc += kt) {
            const int64_t ke = nb - kc < kt ? nb : kc + kt;
            for (int64_t r = r0; r < r1; r += PANELS * P_ROWS) {
                const int rows = r1 - r < PANELS * P_ROWS ? (int)(r1 - r) : PANELS * P_ROWS;
                const int np = (rows + P_ROWS - 1) / P_ROWS;
                for (int64_t c = kc; c < ke; c += CHUNK) {
                    const int nsb = ke - c < CHUNK ? (int)(ke - c) : CHUNK;
                    int64_t nx_r, nx_c;
                    int nx_rows;
                    next_chunk(r, c, nsb, kc, ke, nb, r0, r1, t1 < n_tok, &nx_r, &nx_c, &nx_rows);
                    const int64_t nx_ke = nx_c - nx_c % kt + kt < nb ? nx_c - nx_c % kt + kt : nb;
                    const int nx_nsb = nx_ke - nx_c < CHUNK ? (int)(nx_ke - nx_c) : CHUNK;
                    chunk_pf pf; /* the next chunk's lines (one more a row: a run need not start on a line) */
                    chunk_pf_init(&pf,
                                  (const char *)w + (size_t)(nx_r < 0 ? 0 : nx_r) * wrb + (size_t)nx_c * sizeof(block_q6_K),
                                  wrb, ((int64_t)nx_nsb * (int64_t)sizeof(block_q6_K) + 63) / 64 + 1, nx_rows, ng);
                    for (int i = 0; i < np; i++) {
                        const int nr = rows - P_ROWS * i < P_ROWS ? rows - P_ROWS * i : P_ROWS;
                        pack_chunk(&pk[i], w, wrb, r + P_ROWS * i, nr, c, nsb);
                    }
                    for (int64_t t = t0; t < t1; t += P_TOK) {
                        const int T = t1 - t < P_TOK ? (int)(t1 - t) : P_TOK;
                        const char *xt = (const char *)qx + (size_t)t * qrb;
                        chunk_pf_step(&pf);
                        for (int i = 0; i < np; i++) {
                            const int nr = rows - P_ROWS * i < P_ROWS ? rows - P_ROWS * i : P_ROWS;
                            float *yt = y + (size_t)t * ys + (size_t)(r + P_ROWS * i);
                            switch (T) {
                            case 4: panel_tokens(&pk[i], nsb, xt, qrb, c, 4, yt, ys, nr, c == 0); break;
                            case 3: panel_tokens(&pk[i], nsb, xt, qrb, c, 3, yt, ys, nr, c == 0); break;
                            case 2: panel_tokens(&pk[i], nsb, xt, qrb, c, 2, yt, ys, nr, c == 0); break;
                            default: panel_tokens(&pk[i], nsb, xt, qrb, c, 1, yt, ys, nr, c == 0); break;
                            }
                        }
                    }
                }
            }
        }
    }
}
