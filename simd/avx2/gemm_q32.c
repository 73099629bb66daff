/* AVX2 mat x mat for the 32-element formats dotted with Q8_0 (Q4_0, Q5_0, Q8_0) on batches of at
 * least AVX2_GEMM_MIN_TOK tokens. Up to four panels of 8 weight rows are unpacked once per chunk of
 * 16 blocks into a row-interleaved stack buffer (one register holds 4 codes of each of the 8
 * rows), then every token reuses them: maddubs of the token's 4 activation bytes, broadcast, with
 * a register of codes gives each row's partial dot in its own lanes, so no horizontal sums are
 * needed and each block costs one int16 -> int32 step, one convert and one FMA per 8 rows (the
 * row walks of q32.h pay that per row). With 16 ymm registers a tile is 8 rows x 3-4 tokens.
 *
 * Q4_0 / Q5_0: codes signed (c - 8 / c - 16) as maddubs' signed side; the tokens' bytes biased by
 * +128 (unsigned side) once per chunk for all panels, and each row's -128 * sum(codes) starts its
 * block sum. Pair sums fit int16: 8 groups of Q4_0 (8 x 2 x 255 x 8 = 32640) and 4 of Q5_0 add
 * before each madd. Q8_0: |codes| unsigned, the activation takes the code's sign (as the walks).
 * Each (row, token) adds its blocks in one chain of FMAs, chunk after chunk (run_tokens starts a
 * chunk from the sums so far): for Q4_0 that is llama.cpp's order and ref_dot_q4_0's bits
 * (q4_0_ggml.c). Q5_0 / Q8_0 equal their references only within float rounding (llama.cpp's
 * order for them keeps 8 lanes per row and block, docs/NUMERICS.md), so table.c sends their
 * batches to the row walks of q32.h, which add in that order: avx2_gemm_q5_0 / avx2_gemm_q8_0
 * are in no kernel table now. */
#include <stddef.h>

#include "gemm.h"

enum { G_ROWS = 8, G_PANELS = 4, G_CHUNK = 16, G_TOK = 4 };

/* One chunk of G_CHUNK blocks of an 8-row panel, unpacked. */
typedef struct g32_pack {
    __m256i codes[G_CHUNK][8]; /* block b, group g: per row the codes of elements 4g..4g+3 (Q8_0: |codes|) */
    __m256i sign[G_CHUNK][8];  /* Q8_0: the signed codes, whose signs the activations take */
    __m256i init[G_CHUNK];     /* Q4_0 / Q5_0: -128 * sum of the row's codes (undoes the activation bias) */
    __m256 dw[G_CHUNK];        /* the rows' scales */
} g32_pack;

/* A group of tokens' activations over a chunk: biased bytes (Q4_0 / Q5_0) and float scales. */
typedef struct g32_act {
    uint8_t q[G_TOK][G_CHUNK * 32];
    float d[G_TOK][G_CHUNK];
    const int8_t *raw[G_TOK]; /* Q8_0: the tokens' blocks of this chunk, read in place */
} g32_act;

#define G_INLINE static inline __attribute__((always_inline))

/* The 8 rows' half scales at p[i] as floats. */
G_INLINE __m256 load_scales(const uint8_t *const p[8])
{
    return _mm256_setr_ps(*avx2_half_ref((const simd_half *)p[0]), *avx2_half_ref((const simd_half *)p[1]),
                          *avx2_half_ref((const simd_half *)p[2]), *avx2_half_ref((const simd_half *)p[3]),
                          *avx2_half_ref((const simd_half *)p[4]), *avx2_half_ref((const simd_half *)p[5]),
                          *avx2_half_ref((const simd_half *)p[6]), *avx2_half_ref((const simd_half *)p[7]));
}

/* The Q5_0 fifth bits of group g (elements 4g..4g+3) as 16 in each byte where set; qh holds each
 * row's 32 bits in its lane. */
G_INLINE __m256i fifth_bits(__m256i qh, int g)
{
    const char b = (char)(g / 2);
    const __m256i rep = _mm256_setr_epi8(b, b, b, b, (char)(4 + b), (char)(4 + b), (char)(4 + b), (char)(4 + b),
                                         (char)(8 + b), (char)(8 + b), (char)(8 + b), (char)(8 + b), (char)(12 + b),
                                         (char)(12 + b), (char)(12 + b), (char)(12 + b), b, b, b, b, (char)(4 + b),
                                         (char)(4 + b), (char)(4 + b), (char)(4 + b), (char)(8 + b), (char)(8 + b),
                                         (char)(8 + b), (char)(8 + b), (char)(12 + b), (char)(12 + b), (char)(12 + b),
                                         (char)(12 + b));
    const int s = 4 * (g % 2);
    const __m256i sel = _mm256_set1_epi32((int)((1u << s) | (2u << (s + 8)) | (4u << (s + 16)) | (8u << (s + 24))));
    __m256i v = _mm256_and_si256(_mm256_shuffle_epi8(qh, rep), sel);
    return _mm256_and_si256(_mm256_cmpeq_epi8(v, sel), _mm256_set1_epi8(16));
}

/* Block b of the pack from the 8 rows' blocks at blk[i]. */
G_INLINE void pack_block(int kind, g32_pack *p, int b, const uint8_t *const blk[8])
{
    const __m256i low = _mm256_set1_epi8(0x0f);
    p->dw[b] = load_scales(blk);
    if (kind == GEMM_Q8_0) {
        const uint8_t *q[8];
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < 8; i++)
                q[i] = blk[i] + offsetof(block_q8_0, qs) + 16 * h;
            __m256i v[4];
            gemm_transpose_8x4(q, 0, v);
            for (int k = 0; k < 4; k++) {
                p->sign[b][4 * h + k] = v[k];
                p->codes[b][4 * h + k] = _mm256_sign_epi8(v[k], v[k]);
            }
        }
        return;
    }
    const size_t qs_off = kind == GEMM_Q4_0 ? offsetof(block_q4_0, qs) : offsetof(block_q5_0, qs);
    const uint8_t *q[8];
    for (int i = 0; i < 8; i++)
        q[i] = blk[i] + qs_off;
    __m256i v[4], qh = _mm256_setzero_si256();
    gemm_transpose_8x4(q, 0, v);
    if (kind == GEMM_Q5_0) {
        uint32_t h[8];
        for (int i = 0; i < 8; i++)
            memcpy(&h[i], blk[i] + offsetof(block_q5_0, qh), 4);
        qh = _mm256_loadu_si256((const __m256i *)h);
    }
    const __m256i off = _mm256_set1_epi8(kind == GEMM_Q4_0 ? 8 : 16);
    __m256i sum16 = _mm256_setzero_si256();
    for (int g = 0; g < 8; g++) { /* element j in the low nibble of qs[j], j + 16 in the high one */
        __m256i c = g < 4 ? _mm256_and_si256(v[g], low) : _mm256_and_si256(_mm256_srli_epi16(v[g - 4], 4), low);
        if (kind == GEMM_Q5_0)
            c = _mm256_or_si256(c, fifth_bits(qh, g));
        c = _mm256_sub_epi8(c, off);
        p->codes[b][g] = c;
        sum16 = _mm256_add_epi16(sum16, _mm256_maddubs_epi16(_mm256_set1_epi8(1), c));
    }
    __m256i sum = _mm256_madd_epi16(sum16, _mm256_set1_epi16(1));
    p->init[b] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(sum, 7));
}

/* Blocks [c, c + nblk) of rows [r, r + nrows) (nrows <= 8; missing rows repeat the last one). */
G_INLINE void pack_chunk(int kind, g32_pack *p, const char *w, size_t wrb, int64_t r, int nrows, int64_t c, int nblk)
{
    const size_t bytes = kind == GEMM_Q4_0 ? sizeof(block_q4_0)
                         : kind == GEMM_Q5_0 ? sizeof(block_q5_0)
                                             : sizeof(block_q8_0);
    const uint8_t *row[8];
    for (int i = 0; i < 8; i++)
        row[i] = (const uint8_t *)w + (size_t)(r + (i < nrows ? i : nrows - 1)) * wrb + (size_t)c * bytes;
    for (int b = 0; b < nblk; b++) {
        const uint8_t *blk[8];
        for (int i = 0; i < 8; i++)
            blk[i] = row[i] + (size_t)b * bytes;
        pack_block(kind, p, b, blk);
    }
}

/* Tokens [t, t + T) over blocks [c, c + nblk): biased bytes (Q4_0 / Q5_0) and float scales. */
G_INLINE void prep_act(int kind, g32_act *a, const char *qx, size_t qrb, int64_t t, int T, int64_t c, int nblk)
{
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    for (int k = 0; k < T; k++) {
        const block_q8_0 *x = (const block_q8_0 *)(qx + (size_t)(t + k) * qrb) + c;
        a->raw[k] = (const int8_t *)x;
        for (int b = 0; b < nblk; b++) {
            a->d[k][b] = *avx2_half_ref(&x[b].d);
            if (kind != GEMM_Q8_0)
                _mm256_storeu_si256((__m256i *)(a->q[k] + 32 * b),
                                    _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)x[b].qs), bias));
        }
    }
}

/* T tokens (a constant after inlining) x the 8 rows of one pack over nblk blocks; stores (first
 * chunk) or adds into y's rows [r, r + nrows). Registers: T results, T int16 sums (and for Q5_0 /
 * Q8_0 T int32 sums), one register of codes, the broadcast: T = 4 for Q4_0, 3 for the others. */
G_INLINE void run_tokens(int kind, const g32_pack *p, int nblk, const g32_act *a, int T, float *y, size_t ys,
                         int nrows, int first)
{
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 out[G_TOK];
    /* later chunks go on from the sums so far: every (row, token) adds its blocks in one chain of
     * FMAs, llama.cpp's order (q4_0_ggml.c) */
#pragma GCC unroll 4
    for (int k = 0; k < T; k++)
        out[k] = first ? _mm256_setzero_ps() : gemm_load(y + (size_t)k * ys, nrows);
    for (int b = 0; b < nblk; b++) {
        __m256i isum[G_TOK];
        if (kind == GEMM_Q8_0) {
#pragma GCC unroll 8
            for (int g = 0; g < 8; g++) {
                __m256i wa = _mm256_load_si256(&p->codes[b][g]), ws = _mm256_load_si256(&p->sign[b][g]);
#pragma GCC unroll 4
                for (int k = 0; k < T; k++) {
                    const int8_t *ax = a->raw[k] + (size_t)b * sizeof(block_q8_0) + offsetof(block_q8_0, qs);
                    __m256i x = _mm256_sign_epi8(gemm_bcast4(ax + 4 * g), ws);
                    __m256i d = _mm256_madd_epi16(_mm256_maddubs_epi16(wa, x), ones);
                    isum[k] = g == 0 ? d : _mm256_add_epi32(isum[k], d);
                    GEMM_KEEP(isum[k]);
                }
            }
        } else {
            const int per = kind == GEMM_Q4_0 ? 8 : 4; /* groups whose pair sums fit int16 */
            __m256i s16[G_TOK];
#pragma GCC unroll 8
            for (int g = 0; g < 8; g++) {
                __m256i wc = _mm256_load_si256(&p->codes[b][g]);
#pragma GCC unroll 4
                for (int k = 0; k < T; k++) {
                    __m256i prod = _mm256_maddubs_epi16(gemm_bcast4(a->q[k] + 32 * b + 4 * g), wc);
                    s16[k] = g % per == 0 ? prod : _mm256_add_epi16(s16[k], prod);
                    GEMM_KEEP(s16[k]);
                    if (g % per == per - 1) {
                        __m256i d = _mm256_madd_epi16(s16[k], ones);
                        isum[k] = g == per - 1 ? _mm256_add_epi32(d, _mm256_load_si256(&p->init[b]))
                                               : _mm256_add_epi32(isum[k], d);
                    }
                }
            }
        }
        __m256 dw = _mm256_load_ps((const float *)&p->dw[b]);
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            out[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[k]), _mm256_mul_ps(dw, _mm256_broadcast_ss(&a->d[k][b])),
                                     out[k]);
    }
    gemm_store(out, T, y, ys, nrows, 1);
}

G_INLINE void run_some(int kind, const g32_pack *p, int nblk, const g32_act *a, int T, float *y, size_t ys, int nrows,
                       int first)
{
    switch (T) {
    case 4:
        if (kind == GEMM_Q4_0)
            run_tokens(kind, p, nblk, a, 4, y, ys, nrows, first);
        break;
    case 3: run_tokens(kind, p, nblk, a, 3, y, ys, nrows, first); break;
    case 2: run_tokens(kind, p, nblk, a, 2, y, ys, nrows, first); break;
    case 1: run_tokens(kind, p, nblk, a, 1, y, ys, nrows, first); break;
    default: break;
    }
}

/* Tokens in passes of gemm_token_block; per pass, rows in groups of up to G_PANELS panels, each
 * chunk of blocks unpacked once for all the pass's tokens, taken TT at a time. */
G_INLINE void gemm(int kind, const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                   size_t ys, int64_t r0, int64_t r1)
{
    _Alignas(32) g32_pack pk[G_PANELS];
    _Alignas(32) g32_act act;
    const int64_t nb = n / 32, tb = gemm_token_block(qrb, n_tok);
    const int TT = kind == GEMM_Q4_0 ? 4 : 3;
    for (int64_t t0 = 0; t0 < n_tok; t0 += tb) {
        const int64_t t1 = n_tok - t0 < tb ? n_tok : t0 + tb;
        for (int64_t r = r0; r < r1; r += G_PANELS * G_ROWS) {
            int rows = r1 - r < G_PANELS * G_ROWS ? (int)(r1 - r) : G_PANELS * G_ROWS;
            int np = (rows + G_ROWS - 1) / G_ROWS;
            for (int64_t c = 0; c < nb; c += G_CHUNK) {
                int nblk = nb - c < G_CHUNK ? (int)(nb - c) : G_CHUNK;
                for (int i = 0; i < np; i++) {
                    int nr = rows - G_ROWS * i < G_ROWS ? rows - G_ROWS * i : G_ROWS;
                    pack_chunk(kind, &pk[i], w, wrb, r + G_ROWS * i, nr, c, nblk);
                }
                for (int64_t t = t0; t < t1; t += TT) {
                    int T = t1 - t < TT ? (int)(t1 - t) : TT;
                    prep_act(kind, &act, qx, qrb, t, T, c, nblk);
                    for (int i = 0; i < np; i++) {
                        int nr = rows - G_ROWS * i < G_ROWS ? rows - G_ROWS * i : G_ROWS;
                        run_some(kind, &pk[i], nblk, &act, T, y + (size_t)t * ys + (size_t)(r + G_ROWS * i), ys, nr,
                                 c == 0);
                    }
                }
            }
        }
    }
}

void avx2_gemm_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    gemm(GEMM_Q4_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

void avx2_gemm_q5_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    gemm(GEMM_Q5_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

void avx2_gemm_q8_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    gemm(GEMM_Q8_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
