/* AVX2 mat x mat for IQ4_NL prompt batches in llama.cpp's order (docs/FORMATS-IQ4.md): per (row, token)
 * one chain of FMAs over the blocks, acc = fma((float)isum_b, d_w * d_x, acc) (its repacked 8x8 gemm; the
 * same bits as the one-token kernel, any token count). IQ4_XS batches have their own panels
 * (iq4_xs_gemm.c). Panels of 8 rows are unpacked once per chunk into a row-interleaved buffer (one
 * register holds 4 table values of each of the 8 rows, row i in lane i), then every token of the pass
 * reuses them: the token's 4 activation bytes, broadcast, take the values' signs (|v| maddubs
 * sign(x, v): exact int16 pair sums, |v|, |x| <= 127), madd by 1 gives each row's int32 sum in its own
 * lane, so no horizontal sums are needed. Tiles: 8 rows x 4 tokens. (The int16 x int16 panels of
 * iq4_xs_gemm.c measured no faster for IQ4_NL on Zen 3: its per-block float step needs the results in
 * registers, which leaves room for only 2 tokens of 16 rows.) */
#include "gemm.h"
#include "iq4.h"

#include "../ref/ref.h"

enum { P_ROWS = 8, P_TOK = 4, NL_CHUNK = 16, NL_PANELS = 4 };

/* 8 rows' 32-element runs unpacked: per group g (elements 4g..4g+3) |values| and values. */
typedef struct iq4_run8 {
    __m256i mag[8];
    __m256i val[8];
} iq4_run8;

typedef struct nl_pack {
    iq4_run8 run[NL_CHUNK];
    __m256 dw[NL_CHUNK]; /* the rows' block scales */
} nl_pack;

#define P_INLINE static inline __attribute__((always_inline))

/* The runs whose 16 code bytes sit at q[i] (row i) as table values in groups of 4 elements. */
P_INLINE void unpack_run8(iq4_run8 *p, const uint8_t *const q[8])
{
    const __m256i table = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)iq4_values));
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i v[4];
    gemm_transpose_8x4(q, 0, v);
    for (int g = 0; g < 8; g++) { /* element j in the low nibble of qs[j], j + 16 in the high one */
        __m256i c = g < 4 ? _mm256_and_si256(v[g], low) : _mm256_and_si256(_mm256_srli_epi16(v[g - 4], 4), low);
        __m256i t = _mm256_shuffle_epi8(table, c);
        p->val[g] = t;
        p->mag[g] = _mm256_sign_epi8(t, t);
    }
}

P_INLINE __m256 load_scales8(const simd_half *const d[8])
{
    return _mm256_setr_ps(*avx2_half_ref(d[0]), *avx2_half_ref(d[1]), *avx2_half_ref(d[2]), *avx2_half_ref(d[3]),
                          *avx2_half_ref(d[4]), *avx2_half_ref(d[5]), *avx2_half_ref(d[6]), *avx2_half_ref(d[7]));
}

/* Rows [r, r + nrows) (missing rows repeat the last one), their first byte at blocks c. */
P_INLINE void panel_rows(const uint8_t *row[8], const char *w, size_t wrb, int64_t r, int nrows, size_t off)
{
    for (int i = 0; i < 8; i++)
        row[i] = (const uint8_t *)w + (size_t)(r + (i < nrows ? i : nrows - 1)) * wrb + off;
}

static void nl_pack_chunk(nl_pack *p, const char *w, size_t wrb, int64_t r, int nrows, int64_t c, int nblk)
{
    const uint8_t *row[8];
    panel_rows(row, w, wrb, r, nrows, (size_t)c * sizeof(block_iq4_nl));
    for (int b = 0; b < nblk; b++) {
        const uint8_t *q[8];
        const simd_half *d[8];
        for (int i = 0; i < 8; i++) {
            const block_iq4_nl *blk = (const block_iq4_nl *)row[i] + b;
            q[i] = blk->qs;
            d[i] = &blk->d;
        }
        unpack_run8(&p->run[b], q);
        p->dw[b] = load_scales8(d);
    }
}

/* The exact int32 sums of T tokens (activation bytes at x[k]) with one unpacked run, added to acc
 * (first: stored), madd'ed by MUL (1 here). */
P_INLINE void run_isums(const iq4_run8 *run, const int8_t *const x[P_TOK], int T, __m256i mul, __m256i *acc, int first)
{
#pragma GCC unroll 8
    for (int g = 0; g < 8; g++) {
        __m256i mag = _mm256_load_si256(&run->mag[g]), val = _mm256_load_si256(&run->val[g]);
#pragma GCC unroll 4
        for (int k = 0; k < T; k++) {
            __m256i p = _mm256_maddubs_epi16(mag, _mm256_sign_epi8(gemm_bcast4(x[k] + 4 * g), val));
            __m256i d = _mm256_madd_epi16(p, mul);
            acc[k] = first && g == 0 ? d : _mm256_add_epi32(acc[k], d);
            GEMM_KEEP(acc[k]);
        }
    }
}

/* T tokens (rows of qx from token t) x one IQ4_NL panel over nblk blocks from block c. */
P_INLINE void nl_tokens(const nl_pack *p, int nblk, const char *qx, size_t qrb, int64_t c, int T, float *y, size_t ys,
                        int nrows, int first)
{
    const block_q8_0 *xb[P_TOK];
    __m256 out[P_TOK];
#pragma GCC unroll 4
    for (int k = 0; k < T; k++) {
        xb[k] = (const block_q8_0 *)(qx + (size_t)k * qrb) + c;
        out[k] = first ? _mm256_setzero_ps() : gemm_load(y + (size_t)k * ys, nrows);
    }
    for (int b = 0; b < nblk; b++) {
        const int8_t *x[P_TOK];
        __m256i isum[P_TOK];
        for (int k = 0; k < T; k++)
            x[k] = xb[k][b].qs;
        run_isums(&p->run[b], x, T, _mm256_set1_epi16(1), isum, 1);
        __m256 dw = _mm256_load_ps((const float *)&p->dw[b]);
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            out[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[k]),
                                     _mm256_mul_ps(dw, _mm256_broadcast_ss(avx2_half_ref(&xb[k][b].d))), out[k]);
    }
    gemm_store(out, T, y, ys, nrows, 1);
}

/* The pass structure: tokens in passes whose activations stay in L2; per
 * pass, rows in groups of PANELS panels; per chunk of blocks, the panels unpacked once, then the
 * pass's tokens P_TOK at a time over each panel. Later chunks go on from the sums so far in y: one
 * chain of FMAs per (row, token). */
#define IQ4_GEMM(NAME, PACK, PANELS, CHUNK, BLOCK_ELEMS, PACK_CHUNK, TOKENS)                                          \
    static void NAME(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,       \
                     size_t ys, int64_t r0, int64_t r1)                                                              \
    {                                                                                                                 \
        _Alignas(32) PACK pk[PANELS];                                                                                 \
        const int64_t nb = n / (BLOCK_ELEMS), tb = gemm_token_block((size_t)nb * sizeof(block_q8_0), n_tok);          \
        for (int64_t t0 = 0; t0 < n_tok; t0 += tb) {                                                                  \
            const int64_t t1 = n_tok - t0 < tb ? n_tok : t0 + tb;                                                     \
            for (int64_t r = r0; r < r1; r += (PANELS) * P_ROWS) {                                                    \
                const int rows = r1 - r < (PANELS) * P_ROWS ? (int)(r1 - r) : (PANELS) * P_ROWS;                      \
                const int np = (rows + P_ROWS - 1) / P_ROWS;                                                          \
                for (int64_t c = 0; c < nb; c += (CHUNK)) {                                                           \
                    const int nblk = nb - c < (CHUNK) ? (int)(nb - c) : (CHUNK);                                      \
                    for (int i = 0; i < np; i++) {                                                                    \
                        const int nr = rows - P_ROWS * i < P_ROWS ? rows - P_ROWS * i : P_ROWS;                       \
                        PACK_CHUNK(&pk[i], w, wrb, r + P_ROWS * i, nr, c, nblk);                                      \
                    }                                                                                                 \
                    for (int64_t t = t0; t < t1; t += P_TOK) {                                                        \
                        const int T = t1 - t < P_TOK ? (int)(t1 - t) : P_TOK;                                         \
                        const char *xt = (const char *)qx + (size_t)t * qrb;                                          \
                        for (int i = 0; i < np; i++) {                                                                \
                            const int nr = rows - P_ROWS * i < P_ROWS ? rows - P_ROWS * i : P_ROWS;                   \
                            float *yt = y + (size_t)t * ys + (size_t)(r + P_ROWS * i);                                \
                            switch (T) {                                                                              \
                            case 4: TOKENS(&pk[i], nblk, xt, qrb, c, 4, yt, ys, nr, c == 0); break;                   \
                            case 3: TOKENS(&pk[i], nblk, xt, qrb, c, 3, yt, ys, nr, c == 0); break;                   \
                            case 2: TOKENS(&pk[i], nblk, xt, qrb, c, 2, yt, ys, nr, c == 0); break;                   \
                            default: TOKENS(&pk[i], nblk, xt, qrb, c, 1, yt, ys, nr, c == 0); break;                  \
                            }                                                                                         \
                        }                                                                                             \
                    }                                                                                                 \
                }                                                                                                     \
            }                                                                                                         \
        }                                                                                                             \
    }

IQ4_GEMM(nl_gemm, nl_pack, NL_PANELS, NL_CHUNK, QK4_NL, nl_pack_chunk, nl_tokens)

void avx2_gemm_iq4_nl(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                      size_t ys, int64_t r0, int64_t r1)
{
    nl_gemm(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
