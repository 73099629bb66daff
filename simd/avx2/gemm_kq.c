/* AVX2 mat x mat for Q4_K (against Q8_K activations) in llama.cpp's batch order (ref_matmul_q4_k:
 * ggml_gemm_q4_K_8x8_q8_K), for the first n_tok - n_tok % 4 tokens of a batch (q4_k.c): the packed
 * panels of gemm_q32.c for 256-element super-blocks. Up to four panels of 8 weight rows are
 * unpacked once per chunk of 2 super-blocks into a row-interleaved stack buffer (one register: 4
 * unsigned codes of each of the 8 rows, row i in lane i), then every token reuses them: maddubs of
 * a register of codes with the token's 4 activation bytes, broadcast straight from its Q8_K block,
 * so each lane is one row's dot and no horizontal sums are needed.
 *
 * Per 64 elements (sub-blocks 2s and 2s + 1) of a row and token, in integers: each sub-block's
 * code dot (int16 pair sums of 8 groups) times its scale with one madd, and the mins m_j x
 * (bsum_2j + bsum_2j+1) by madd; then A = fma(isum, d x d_x, A) and M = fma(msum, dmin x d_x, M),
 * carried from chunk to chunk through y (A) and a scratch buffer (M); the result A - M. */
#include <stddef.h>

#include "gemm.h"

enum { K_ROWS = 8, K_PANELS = 4, K_CHUNK = 2, K_TOK = 4 }; /* A, M, int32 and int16 sums: 16 registers */
enum { K_MAX_PASS = 128 }; /* tokens per pass at most (a multiple of K_TOK): M's scratch, 16 KB */

/* One super-block of an 8-row panel, unpacked. */
typedef struct kq_pack {
    __m256i codes[64]; /* group g: per row the unsigned codes of elements 4g..4g+3 */
    __m256i scale[8];  /* sub-block s: per row its scale in both int16 halves */
    __m256i mpair[8];  /* per row m_j in both int16 halves, dotted with the activation bsums 2j, 2j + 1 */
    __m256 d, dm;      /* per row: d and dmin */
} kq_pack;

#define K_INLINE static inline __attribute__((always_inline))

static inline int32_t pair16(int lo, int hi)
{
    return (int32_t)((uint32_t)(uint16_t)hi << 16 | (uint16_t)lo);
}

static void pack_q4_k(kq_pack *p, const uint8_t *const blk[8])
{
    const __m256i low = _mm256_set1_epi8(0x0f);
    for (int q = 0; q < 8; q++) { /* qs dwords 4q..4q+3: chunk q / 2 of 64 elements */
        __m256i v[4];
        gemm_transpose_8x4(blk, offsetof(block_q4_K, qs) + 16 * (size_t)q, v);
        for (int k = 0; k < 4; k++) {
            int dw = 4 * q + k, g = 16 * (dw / 8) + dw % 8; /* low nibbles: elements 64c + 4(dw % 8).. */
            p->codes[g] = _mm256_and_si256(v[k], low);
            p->codes[g + 8] = _mm256_and_si256(_mm256_srli_epi16(v[k], 4), low);
        }
    }
    _Alignas(32) int32_t sc[8][8], mp[8][8];
    _Alignas(32) float d[8], dm[8];
    for (int i = 0; i < 8; i++) {
        const block_q4_K *b = (const block_q4_K *)blk[i];
        d[i] = *avx2_half_ref(&b->d);
        dm[i] = *avx2_half_ref(&b->dmin);
        for (int j = 0; j < 8; j++) {
            uint8_t s, m;
            kq_scale_min(j, b->scales, &s, &m);
            sc[j][i] = pair16(s, s);
            mp[j][i] = pair16(m, m); /* sub-block j spans bsums 2j and 2j + 1 */
        }
    }
    for (int j = 0; j < 8; j++) {
        p->scale[j] = _mm256_load_si256((const __m256i *)sc[j]);
        p->mpair[j] = _mm256_load_si256((const __m256i *)mp[j]);
    }
    p->d = _mm256_load_ps(d);
    p->dm = _mm256_load_ps(dm);
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

/* T tokens (a constant after inlining) x the 8 rows of one panel over nsb packed super-blocks
 * starting at super-block c of the activations. A goes on from y and M from mb (token k's 8 rows
 * at mb + 8 K_PANELS k) unless FIRST; LAST stores A - M into y, else A into y and M into mb. */
K_INLINE void run_tokens(const kq_pack *p, int nsb, const char *qx, size_t qrb, int64_t c, int T, float *y, size_t ys,
                         float *mb, int nrows, int first, int last)
{
    __m256 acc[K_TOK], accm[K_TOK];
#pragma GCC unroll 4
    for (int k = 0; k < T; k++) {
        acc[k] = first ? _mm256_setzero_ps() : gemm_load(y + (size_t)k * ys, nrows);
        accm[k] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(mb + 8 * K_PANELS * k);
    }
    for (int s = 0; s < nsb; s++) {
        const block_q8_K *x[K_TOK];
        __m256i isum[K_TOK];
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            x[k] = (const block_q8_K *)(qx + (size_t)k * qrb) + c + s;
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
                __m256i sc = _mm256_load_si256(&p[s].scale[2 * sb + h]);
#pragma GCC unroll 4
                for (int k = 0; k < T; k++) {
                    __m256i v = _mm256_madd_epi16(s16[k], sc);
                    isum[k] = h == 0 ? v : _mm256_add_epi32(isum[k], v);
                    GEMM_KEEP(isum[k]);
                }
            }
#pragma GCC unroll 4
            for (int k = 0; k < T; k++) {
                __m256i ms = _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_load_si256(&p[s].mpair[2 * sb]), gemm_bcast4(&x[k]->bsums[4 * sb])),
                    _mm256_madd_epi16(_mm256_load_si256(&p[s].mpair[2 * sb + 1]), gemm_bcast4(&x[k]->bsums[4 * sb + 2])));
                __m256 dx = _mm256_broadcast_ss(&x[k]->d);
                acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[k]), _mm256_mul_ps(p[s].d, dx), acc[k]);
                accm[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ms), _mm256_mul_ps(p[s].dm, dx), accm[k]);
            }
        }
    }
#pragma GCC unroll 4
    for (int k = 0; k < T; k++) {
        if (last) {
            acc[k] = _mm256_sub_ps(acc[k], accm[k]);
        } else {
            _mm256_storeu_ps(mb + 8 * K_PANELS * k, accm[k]);
        }
    }
    gemm_store(acc, T, y, ys, nrows, 1);
}

K_INLINE void run_some(const kq_pack *p, int nsb, const char *qx, size_t qrb, int64_t c, int T, float *y, size_t ys,
                       float *mb, int nrows, int first, int last)
{
    switch (T) {
    case 4: run_tokens(p, nsb, qx, qrb, c, 4, y, ys, mb, nrows, first, last); break;
    case 3: run_tokens(p, nsb, qx, qrb, c, 3, y, ys, mb, nrows, first, last); break;
    case 2: run_tokens(p, nsb, qx, qrb, c, 2, y, ys, mb, nrows, first, last); break;
    case 1: run_tokens(p, nsb, qx, qrb, c, 1, y, ys, mb, nrows, first, last); break;
    default: break;
    }
}

/* Tokens in passes of gemm_token_block; per pass, rows in groups of up to K_PANELS panels, each
 * chunk of super-blocks unpacked once for all the pass's tokens, taken K_TOK at a time. */
void avx2_gemm_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    _Alignas(32) kq_pack pk[K_PANELS][K_CHUNK];
    _Alignas(32) float mbuf[K_MAX_PASS * K_PANELS * K_ROWS]; /* M of every token of a pass and row group */
    const int64_t nb = n / QK_K, tb_l2 = gemm_token_block(qrb, n_tok), tb = tb_l2 < K_MAX_PASS ? tb_l2 : K_MAX_PASS;
    for (int64_t t0 = 0; t0 < n_tok; t0 += tb) {
        const int64_t t1 = n_tok - t0 < tb ? n_tok : t0 + tb;
        for (int64_t r = r0; r < r1; r += K_PANELS * K_ROWS) {
            int rows = r1 - r < K_PANELS * K_ROWS ? (int)(r1 - r) : K_PANELS * K_ROWS;
            int np = (rows + K_ROWS - 1) / K_ROWS;
            for (int64_t c = 0; c < nb; c += K_CHUNK) {
                int nsb = nb - c < K_CHUNK ? (int)(nb - c) : K_CHUNK;
                for (int i = 0; i < np; i++) {
                    int nr = rows - K_ROWS * i < K_ROWS ? rows - K_ROWS * i : K_ROWS;
                    pack_chunk(pk[i], w, wrb, r + K_ROWS * i, nr, c, nsb);
                }
                for (int64_t t = t0; t < t1; t += K_TOK) {
                    int T = t1 - t < K_TOK ? (int)(t1 - t) : K_TOK;
                    const char *xt = (const char *)qx + (size_t)t * qrb;
                    for (int i = 0; i < np; i++) {
                        int nr = rows - K_ROWS * i < K_ROWS ? rows - K_ROWS * i : K_ROWS;
                        float *mb = mbuf + (size_t)(t - t0) * K_PANELS * K_ROWS + K_ROWS * i;
                        run_some(pk[i], nsb, xt, qrb, c, T, y + (size_t)t * ys + (size_t)(r + K_ROWS * i), ys, mb, nr,
                                 c == 0, c + nsb == nb);
                    }
                }
            }
        }
    }
}
