/* AVX2 mat x mat for the K-quants Q4_K and Q6_K (against Q8_K activations) on batches of at least
 * AVX2_GEMM_MIN_TOK tokens: the packed panels of gemm_q32.c for 256-element super-blocks. Up to
 * four panels of 8 weight rows are unpacked once per chunk of 2 super-blocks into a
 * row-interleaved stack buffer (one register: 4 unsigned codes of each of the 8 rows, row i in lane
 * i), then every token reuses them: maddubs of a register of codes with the token's 4 activation
 * bytes, broadcast straight from its Q8_K block, so each lane is one row's dot and no horizontal
 * sums are needed.
 *
 * Per super-block of a row and token, in integers as the reference sums it: each sub-block's code
 * dot (int16 pair sums: 8 groups of Q4_K, 2 of Q6_K fit) times its scale with one madd against the
 * scales in int16 pairs; Q4_K's mins (Q6_K's offset 32 x its scales) dotted with the activation
 * bsums by madd. Then out += d_x * (d * isum - dmin * msum) in float, and across super-blocks
 * chunk by chunk through y. Results equal the reference within float rounding; the order is not
 * the row walks' (q45_k.h, q6_k.c), which keep the batches below AVX2_GEMM_MIN_TOK. */
#include <stddef.h>

#include "gemm.h"

enum { K_ROWS = 8, K_PANELS = 4, K_CHUNK = 2, K_TOK = 4 }; /* T results, int32 and int16 sums: 12 registers */
enum kq_kind { KQ_Q4_K, KQ_Q6_K };

/* One super-block of an 8-row panel, unpacked. */
typedef struct kq_pack {
    __m256i codes[64]; /* group g: per row the unsigned codes of elements 4g..4g+3 */
    __m256i scale[16]; /* sub-block s: per row its scale in both int16 halves (Q4_K: 8 of 32, Q6_K: 16 of 16) */
    __m256i mpair[8];  /* per row int16 pairs dotted with the activation bsums 2p, 2p + 1 */
    __m256 d, dm;      /* per row: d, and what the bsum term is multiplied by (Q4_K: dmin; Q6_K: d) */
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

static void pack_q6_k(kq_pack *p, const uint8_t *const blk[8])
{
    const __m256i low = _mm256_set1_epi8(0x0f), three = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; h++) { /* half h: elements 128h.., groups 32h.. */
        __m256i qh[8];
        gemm_transpose_8x4(blk, offsetof(block_q6_K, qh) + 32 * (size_t)h, qh);
        gemm_transpose_8x4(blk, offsetof(block_q6_K, qh) + 32 * (size_t)h + 16, qh + 4);
        for (int q = 0; q < 4; q++) {
            __m256i l[4];
            gemm_transpose_8x4(blk, offsetof(block_q6_K, ql) + 64 * (size_t)h + 16 * (size_t)q, l);
            for (int k = 0; k < 4; k++) {
                /* ql dword j: low nibbles are group 32h + j, high nibbles 32h + 16 + j; their two
                 * high bits sit at bit 2 (j / 8) (+ 4) of qh dword j % 8 of the half */
                int j = 4 * q + k;
                __m256i hlo = _mm256_and_si256(_mm256_srli_epi16(qh[j % 8], 2 * (j / 8)), three);
                __m256i hhi = _mm256_and_si256(_mm256_srli_epi16(qh[j % 8], 2 * (j / 8) + 4), three);
                p->codes[32 * h + j] = _mm256_or_si256(_mm256_and_si256(l[k], low), _mm256_slli_epi16(hlo, 4));
                p->codes[32 * h + 16 + j] =
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l[k], 4), low), _mm256_slli_epi16(hhi, 4));
            }
        }
    }
    _Alignas(32) int32_t sc[16][8], mp[8][8];
    _Alignas(32) float d[8];
    for (int i = 0; i < 8; i++) {
        const block_q6_K *b = (const block_q6_K *)blk[i];
        d[i] = *avx2_half_ref(&b->d);
        for (int s = 0; s < 16; s++)
            sc[s][i] = pair16(b->scales[s], b->scales[s]);
        for (int j = 0; j < 8; j++) /* codes are q + 32: take 32 * scale * bsum off */
            mp[j][i] = pair16(32 * b->scales[2 * j], 32 * b->scales[2 * j + 1]);
    }
    for (int s = 0; s < 16; s++)
        p->scale[s] = _mm256_load_si256((const __m256i *)sc[s]);
    for (int j = 0; j < 8; j++)
        p->mpair[j] = _mm256_load_si256((const __m256i *)mp[j]);
    p->d = _mm256_load_ps(d);
    p->dm = p->d;
}

/* Super-blocks [c, c + nsb) of rows [r, r + nrows) (nrows <= 8; missing rows repeat the last one). */
K_INLINE void pack_chunk(int kind, kq_pack *p, const char *w, size_t wrb, int64_t r, int nrows, int64_t c, int nsb)
{
    const size_t bytes = kind == KQ_Q4_K ? sizeof(block_q4_K) : sizeof(block_q6_K);
    for (int s = 0; s < nsb; s++) {
        const uint8_t *blk[8];
        for (int i = 0; i < 8; i++)
            blk[i] = (const uint8_t *)w + (size_t)(r + (i < nrows ? i : nrows - 1)) * wrb + (size_t)(c + s) * bytes;
        if (kind == KQ_Q4_K)
            pack_q4_k(&p[s], blk);
        else
            pack_q6_k(&p[s], blk);
    }
}

/* T tokens (a constant after inlining) x the 8 rows of one panel over nsb packed super-blocks
 * starting at super-block c of the activations; stores (first chunk) or adds into y's rows. */
K_INLINE void run_tokens(int kind, const kq_pack *p, int nsb, const char *qx, size_t qrb, int64_t c, int T, float *y,
                         size_t ys, int nrows, int first)
{
    /* groups whose int16 pair sums fit before a madd, and sub-blocks (scales) per super-block */
    const int per = kind == KQ_Q4_K ? 8 : 2, gps = kind == KQ_Q4_K ? 8 : 4;
    __m256 out[K_TOK];
#pragma GCC unroll 4
    for (int k = 0; k < T; k++)
        out[k] = _mm256_setzero_ps();
    for (int s = 0; s < nsb; s++) {
        const block_q8_K *x[K_TOK];
        __m256i isum[K_TOK];
#pragma GCC unroll 4
        for (int k = 0; k < T; k++) {
            x[k] = (const block_q8_K *)(qx + (size_t)k * qrb) + c + s;
            isum[k] = _mm256_setzero_si256();
        }
        for (int g0 = 0; g0 < 64; g0 += per) {
            __m256i s16[K_TOK];
#pragma GCC unroll 8
            for (int g = g0; g < g0 + per; g++) {
                __m256i wc = _mm256_load_si256(&p[s].codes[g]);
#pragma GCC unroll 4
                for (int k = 0; k < T; k++) {
                    __m256i prod = _mm256_maddubs_epi16(wc, gemm_bcast4(x[k]->qs + 4 * g));
                    s16[k] = g == g0 ? prod : _mm256_add_epi16(s16[k], prod);
                    GEMM_KEEP(s16[k]);
                }
            }
            __m256i sc = _mm256_load_si256(&p[s].scale[g0 / gps]);
#pragma GCC unroll 4
            for (int k = 0; k < T; k++) {
                isum[k] = _mm256_add_epi32(isum[k], _mm256_madd_epi16(s16[k], sc));
                GEMM_KEEP(isum[k]);
            }
        }
#pragma GCC unroll 4
        for (int k = 0; k < T; k++) {
            __m256i ms = _mm256_setzero_si256();
#pragma GCC unroll 8
            for (int j = 0; j < 8; j++)
                ms = _mm256_add_epi32(
                    ms, _mm256_madd_epi16(_mm256_load_si256(&p[s].mpair[j]), gemm_bcast4(&x[k]->bsums[2 * j])));
            __m256 v =
                _mm256_fmsub_ps(p[s].d, _mm256_cvtepi32_ps(isum[k]), _mm256_mul_ps(p[s].dm, _mm256_cvtepi32_ps(ms)));
            out[k] = _mm256_fmadd_ps(v, _mm256_broadcast_ss(&x[k]->d), out[k]);
        }
    }
    gemm_store(out, T, y, ys, nrows, first);
}

K_INLINE void run_some(int kind, const kq_pack *p, int nsb, const char *qx, size_t qrb, int64_t c, int T, float *y,
                       size_t ys, int nrows, int first)
{
    switch (T) {
    case 4: run_tokens(kind, p, nsb, qx, qrb, c, 4, y, ys, nrows, first); break;
    case 3: run_tokens(kind, p, nsb, qx, qrb, c, 3, y, ys, nrows, first); break;
    case 2: run_tokens(kind, p, nsb, qx, qrb, c, 2, y, ys, nrows, first); break;
    case 1: run_tokens(kind, p, nsb, qx, qrb, c, 1, y, ys, nrows, first); break;
    default: break;
    }
}

/* Tokens in passes of gemm_token_block; per pass, rows in groups of up to K_PANELS panels, each
 * chunk of super-blocks unpacked once for all the pass's tokens, taken K_TOK at a time. */
K_INLINE void gemm(int kind, const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                   size_t ys, int64_t r0, int64_t r1)
{
    _Alignas(32) kq_pack pk[K_PANELS][K_CHUNK];
    const int64_t nb = n / QK_K, tb = gemm_token_block(qrb, n_tok);
    for (int64_t t0 = 0; t0 < n_tok; t0 += tb) {
        const int64_t t1 = n_tok - t0 < tb ? n_tok : t0 + tb;
        for (int64_t r = r0; r < r1; r += K_PANELS * K_ROWS) {
            int rows = r1 - r < K_PANELS * K_ROWS ? (int)(r1 - r) : K_PANELS * K_ROWS;
            int np = (rows + K_ROWS - 1) / K_ROWS;
            for (int64_t c = 0; c < nb; c += K_CHUNK) {
                int nsb = nb - c < K_CHUNK ? (int)(nb - c) : K_CHUNK;
                for (int i = 0; i < np; i++) {
                    int nr = rows - K_ROWS * i < K_ROWS ? rows - K_ROWS * i : K_ROWS;
                    pack_chunk(kind, pk[i], w, wrb, r + K_ROWS * i, nr, c, nsb);
                }
                for (int64_t t = t0; t < t1; t += K_TOK) {
                    int T = t1 - t < K_TOK ? (int)(t1 - t) : K_TOK;
                    const char *xt = (const char *)qx + (size_t)t * qrb;
                    for (int i = 0; i < np; i++) {
                        int nr = rows - K_ROWS * i < K_ROWS ? rows - K_ROWS * i : K_ROWS;
                        run_some(kind, pk[i], nsb, xt, qrb, c, T, y + (size_t)t * ys + (size_t)(r + K_ROWS * i), ys,
                                 nr, c == 0);
                    }
                }
            }
        }
    }
}

void avx2_gemm_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    gemm(KQ_Q4_K, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

void avx2_gemm_q6_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    gemm(KQ_Q6_K, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
