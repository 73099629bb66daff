/* AVX2 mat x mat for the 32-element formats dotted with Q8_0 (Q4_0, Q5_0, Q8_0) on batches of at
 * least AVX2_GEMM_MIN_TOK tokens. Up to four panels of 8 weight rows are unpacked once per chunk of
 * 16 blocks into a row-interleaved stack buffer (one register holds 4 codes of each of the 8
 * rows), then every token reuses them: maddubs of the token's 4 activation bytes, broadcast, with
 * a register of codes gives each row's partial dot in its own lanes, so no horizontal sums are
 * needed and each block costs one int16 -> int32 step, one convert and one FMA per 8 rows (the
 * row walks of q32.h pay that per row). With 16 ymm registers a tile is 32 rows x 2 tokens (Q8_0)
 * or, for Q4_0 / Q5_0, 32 rows x 1 token: each token broadcast feeds the four panels' maddubs
 * (codes as memory operands), since on Zen 3 a broadcast takes a vector pipe like the maddubs
 * themselves (llvm-mca -mcpu=znver3, Q5_0: 7.4 cycles per 8 rows and block against 8.4 for 8 rows
 * x 3 tokens, 34% fewer instructions; Q4_0: 7.3 against 7.7 for 8 rows x 4 tokens, callgrind 23%
 * fewer instructions).
 *
 * Q4_0 / Q5_0: codes signed (c - 8 / c - 16) as maddubs' signed side; the tokens' bytes biased by
 * +128 (unsigned side), and each row's -128 * sum(codes) starts its block sum. Q5_0's biased bytes
 * and float scales are prepared once per matmul input where the caller can (avx2_prepare_q5_0
 * through simd_prepare_act; avx2_gemm_q5_0_prep reads them in place, in passes sized by that copy),
 * else once per chunk and row group into a stack buffer (Q4_0, avx2_gemm_q5_0: same bits). Pair
 * sums fit int16: 8 groups of Q4_0 (8 x 2 x 255 x 8 = 32640) and 4 of Q5_0 add before each madd.
 * Q8_0: codes and activation bytes widened to int16 (vpmaddwd: exact, no sign
 * step per token: on Zen 3 vpsignb competes with maddubs / madd for the multiply pipes; maddubs on
 * |codes| with signed activations, as the AVX2 peers do, needs a sign and a madd by ones per
 * maddubs, since two pairs of 127 x 128 overflow int16: as many vector ops as 2 vpmaddwd + 2 adds),
 * tiles of 2 tokens x four panels (32 rows): per pair of elements each token's broadcast feeds the
 * four panels' vpmaddwd and each panel's codes are loaded once for both tokens, so per 8 rows,
 * token and block 16 vpmaddwd, 15 adds and 4 broadcasts (the former 16 rows x 5 tokens paid 8:
 * llvm-mca -mcpu=znver3 12.2 cycles per 8 rows, token and block against 13.0; callgrind 3.7% fewer
 * instructions). The int16 activations (q8_prep) are prepared once per matmul input by the
 * caller where it can (avx2_prepare_q8_0 through simd_prepare_act, into the forward context's
 * buffer; avx2_gemm_q8_0_prep reads them), else per tile and chunk into a stack buffer, once per
 * row group (avx2_gemm_q8_0: tests, the Q8_0 KV cache); no allocation either way, same bits.
 * Every kind prefetches the next chunk's weight rows (or the next row group's first chunk) towards
 * L2 when G_PF_TOK tokens of the pass are left: issued at packing time, as before, the lines met
 * a pass's activations streaming through L2 (512 tokens x 16 blocks of int16 Q8_0 copies: 512 KiB
 * a chunk) before their use.
 * Each (row, token) adds its blocks in one chain of FMAs, chunk after chunk (the tiles start a
 * chunk from the sums so far): for Q4_0 that is llama.cpp's order and ref_dot_q4_0's bits
 * (q4_0_ggml.c). Q5_0 / Q8_0 equal their references only within float rounding (llama.cpp's
 * order for them keeps 8 lanes per row and block, docs/NUMERICS.md), so table.c gives them only
 * prompt batches of AVX2_GEMM_MIN_TOK tokens and more; fewer tokens and verification passes take
 * the walks of q32.h / the tiled kernel (q32_tiled.c), which add in that order. */
#include <stddef.h>

#include "gemm.h"

/* G_Q8_TT: Q8_0 tokens per tile (x four panels: 8 int32 sums, 2 broadcasts, the codes and a
 * product in the 16 ymm registers); G_PF_TOK: tokens of a pass left when the next chunk's weights
 * are prefetched. */
enum { G_ROWS = 8, G_PANELS = 4, G_CHUNK = 16, G_TOK = 4, G_Q8_TT = 2, G_PF_TOK = 48 };

/* One chunk of G_CHUNK blocks of an 8-row panel, unpacked. */
typedef struct g32_pack {
    /* Q4_0 / Q5_0: [8b + g], per row the codes of elements 4g..4g+3 of block b as bytes (the
     * layout of the byte kernels before Q8_0 took the second half); Q8_0: [16b + 2g] per row
     * elements 4g, 4g + 2 and [16b + 2g + 1] elements 4g + 1, 4g + 3, as int16 pairs */
    __m256i codes[G_CHUNK * 16];
    __m256i init[G_CHUNK]; /* Q4_0 / Q5_0: -128 * sum of the row's codes (undoes the activation bias) */
    __m256 dw[G_CHUNK];    /* the rows' scales */
} g32_pack;

/* A group of tokens' activations over a chunk: biased bytes (Q4_0 / Q5_0) and float scales, read
 * through xq / xd (the stack copies q / d, or the caller's prepared rows). */
typedef struct g32_act {
    uint8_t q[G_TOK][G_CHUNK * 32];
    float d[G_TOK][G_CHUNK];
    const uint8_t *xq[G_TOK]; /* Q4_0 / Q5_0: the chunk's biased bytes */
    const float *xd[G_TOK];   /* Q4_0 / Q5_0: the chunk's scales */
    const int16_t *x16[G_Q8_TT]; /* Q8_0: the chunk's bytes as int16, per 4 in the codes' pair order (q8_prep) */
    const float *dx[G_Q8_TT];    /* Q8_0: the chunk's scales */
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
            for (int k = 0; k < 4; k++) { /* even bytes (4g, 4g + 2), odd bytes (4g + 1, 4g + 3) */
                p->codes[16 * b + 2 * (4 * h + k)] = _mm256_srai_epi16(_mm256_slli_epi16(v[k], 8), 8);
                p->codes[16 * b + 2 * (4 * h + k) + 1] = _mm256_srai_epi16(v[k], 8);
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
        p->codes[8 * b + g] = c;
        sum16 = _mm256_add_epi16(sum16, _mm256_maddubs_epi16(_mm256_set1_epi8(1), c));
    }
    __m256i sum = _mm256_madd_epi16(sum16, _mm256_set1_epi16(1));
    p->init[b] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(sum, 7));
}

/* Bytes of one weight block of the format KIND. */
G_INLINE size_t block_bytes(int kind)
{
    return kind == GEMM_Q4_0 ? sizeof(block_q4_0) : kind == GEMM_Q5_0 ? sizeof(block_q5_0) : sizeof(block_q8_0);
}

/* Blocks [c, c + nblk) of rows [r, r + nrows) (nrows <= 8; missing rows repeat the last one). */
G_INLINE void pack_chunk(int kind, g32_pack *p, const char *w, size_t wrb, int64_t r, int nrows, int64_t c, int nblk)
{
    const size_t bytes = block_bytes(kind);
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

/* Blocks [c, c + nblk) of rows [r, r + nrows) towards L2. */
G_INLINE void prefetch_chunk(int kind, const char *w, size_t wrb, int64_t r, int nrows, int64_t c, int nblk)
{
    const size_t bytes = block_bytes(kind);
    for (int i = 0; i < nrows; i++) {
        const char *p = w + (size_t)(r + i) * wrb + (size_t)c * bytes;
        for (size_t o = 0; o < (size_t)nblk * bytes + 63; o += 64) /* the last line too */
            _mm_prefetch(p + (o < (size_t)nblk * bytes ? o : (size_t)nblk * bytes - 1), _MM_HINT_T1);
    }
}

/* Q4_0 / Q5_0: blocks [0, nb) of one token's row X as o[32 * b + j] = qs[j] + 128 (the bytes for
 * maddubs' unsigned side) and dx[b] the scales as floats. */
G_INLINE void bias_prep(uint8_t *o, float *dx, const block_q8_0 *x, int64_t nb)
{
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    int64_t b = 0;
    for (; b + 8 <= nb; b += 8) { /* 8 scales with one F16C convert (exact, the bits of avx2_half_ref) */
        uint16_t h[8];
        for (int i = 0; i < 8; i++)
            memcpy(&h[i], &x[b + i].d, sizeof(h[i]));
        _mm256_storeu_ps(dx + b, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h)));
        for (int i = 0; i < 8; i++)
            _mm256_store_si256((__m256i *)(o + 32 * (b + i)),
                               _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)x[b + i].qs), bias));
    }
    for (; b < nb; b++) {
        dx[b] = *avx2_half_ref(&x[b].d);
        _mm256_store_si256((__m256i *)(o + 32 * b), _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)x[b].qs), bias));
    }
}

/* Tokens [t, t + T) over blocks [c, c + nblk) into the stack copies (Q4_0 / Q5_0 without a prepared
 * copy). */
G_INLINE void prep_act(g32_act *a, const char *qx, size_t qrb, int64_t t, int T, int64_t c, int nblk)
{
    for (int k = 0; k < T; k++) {
        bias_prep(a->q[k], a->d[k], (const block_q8_0 *)(qx + (size_t)(t + k) * qrb) + c, nblk);
        a->xq[k] = a->q[k];
        a->xd[k] = a->d[k];
    }
}

/* Q8_0: blocks [0, nb) of one token's row X prepared: o[32 * b + ...] the bytes of block b as int16,
 * per 4 bytes in the order 0, 2, 1, 3 (the pairs of pack_block: elements 4g, 4g + 2 then 4g + 1,
 * 4g + 3), dx[b] the scales as floats. o must be 32-byte aligned. */
G_INLINE void q8_prep(int16_t *o, float *dx, const block_q8_0 *x, int64_t nb)
{
    const __m256i order = _mm256_setr_epi8(0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15, 0, 2, 1, 3, 4, 6, 5,
                                           7, 8, 10, 9, 11, 12, 14, 13, 15);
    for (int64_t b = 0; b < nb; b++) {
        dx[b] = *avx2_half_ref(&x[b].d);
        const __m256i v = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)x[b].qs), order);
        _mm256_store_si256((__m256i *)(o + 32 * b), _mm256_cvtepi8_epi16(_mm256_castsi256_si128(v)));
        _mm256_store_si256((__m256i *)(o + 32 * b + 16), _mm256_cvtepi8_epi16(_mm256_extracti128_si256(v, 1)));
    }
}

/* Q4_0 / Q5_0 (KIND): one token x the rows of NP packs (1..G_PANELS, a constant after inlining)
 * over nblk blocks; stores (first chunk) or adds into y's rows [0, rows). Each broadcast of the
 * token's 4 bytes feeds NP maddubs whose codes come straight from the packs (a memory operand):
 * per 8 rows and block 8 / NP broadcasts where a tile of one panel x T tokens pays 8 (on Zen 3 a
 * broadcast from memory takes a vector pipe, as many as maddubs, adds and converts share).
 * Registers: NP results, NP int16 and NP int32 sums, the broadcast, the product. */
G_INLINE void run_q5_panels(int kind, int NP, const g32_pack *pk, int nblk, const uint8_t *xq, const float *xd,
                            float *y, int rows, int first)
{
    const __m256i ones = _mm256_set1_epi16(1);
    const int per = kind == GEMM_Q4_0 ? 8 : 4;
    __m256 out[G_PANELS];
#pragma GCC unroll 4
    for (int p = 0; p < NP; p++)
        out[p] = first ? _mm256_setzero_ps()
                       : gemm_load(y + G_ROWS * p, rows - G_ROWS * p < G_ROWS ? rows - G_ROWS * p : G_ROWS);
    for (int b = 0; b < nblk; b++) {
        __m256i s16[G_PANELS], isum[G_PANELS];
#pragma GCC unroll 8
        for (int g = 0; g < 8; g++) {
            const __m256i x = gemm_bcast4(xq + 32 * b + 4 * g);
#pragma GCC unroll 4
            for (int p = 0; p < NP; p++) { /* groups whose pair sums fit int16 (top comment) */
                __m256i prod = _mm256_maddubs_epi16(x, _mm256_load_si256(&pk[p].codes[8 * b + g]));
                s16[p] = g % per == 0 ? prod : _mm256_add_epi16(s16[p], prod);
                GEMM_KEEP(s16[p]);
                if (g % per == per - 1) {
                    __m256i d = _mm256_madd_epi16(s16[p], ones);
                    isum[p] = g == per - 1 ? _mm256_add_epi32(d, _mm256_load_si256(&pk[p].init[b]))
                                           : _mm256_add_epi32(isum[p], d);
                    GEMM_KEEP(isum[p]);
                }
            }
        }
        const __m256 dx = _mm256_broadcast_ss(xd + b);
#pragma GCC unroll 4
        for (int p = 0; p < NP; p++)
            out[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[p]),
                                     _mm256_mul_ps(_mm256_load_ps((const float *)&pk[p].dw[b]), dx), out[p]);
    }
#pragma GCC unroll 4
    for (int p = 0; p < NP; p++)
        gemm_store(&out[p], 1, y + G_ROWS * p, 0, rows - G_ROWS * p < G_ROWS ? rows - G_ROWS * p : G_ROWS, 1);
}

G_INLINE void run_q5_np(int kind, const g32_pack *pk, int np, int nblk, const uint8_t *xq, const float *xd, float *y,
                        int rows, int first)
{
    switch (np) {
    case 4: run_q5_panels(kind, 4, pk, nblk, xq, xd, y, rows, first); break;
    case 3: run_q5_panels(kind, 3, pk, nblk, xq, xd, y, rows, first); break;
    case 2: run_q5_panels(kind, 2, pk, nblk, xq, xd, y, rows, first); break;
    case 1: run_q5_panels(kind, 1, pk, nblk, xq, xd, y, rows, first); break;
    default: break;
    }
}

/* Q8_0: T tokens (1 or 2) x the rows of NP packs (1..G_PANELS; both constants after inlining)
 * over nblk blocks; stores (first chunk) or adds into y's rows [0, rows) of each token row. Per
 * pair of elements j of a block: each token's pair of int16 activations broadcast once for the NP
 * packs, each pack's int16 codes loaded once for the T tokens, so per 8 rows and token 16 / NP
 * broadcasts with the 16 vpmaddwd and 15 adds. Registers: T x NP int32 sums, T broadcasts, the
 * codes, a product; the float sums live in a stack buffer between blocks (one chain of FMAs per
 * (row, token), as run_q5_panels). */
G_INLINE void run_q8_panels(int NP, int T, const g32_pack *pk, int nblk, const g32_act *a, float *y, size_t ys,
                            int rows, int first)
{
    _Alignas(32) __m256 out[G_PANELS][G_Q8_TT];
#pragma GCC unroll 4
    for (int p = 0; p < NP; p++) {
        const int nr = rows - G_ROWS * p < G_ROWS ? rows - G_ROWS * p : G_ROWS;
#pragma GCC unroll 2
        for (int k = 0; k < T; k++)
            out[p][k] = first ? _mm256_setzero_ps() : gemm_load(y + (size_t)k * ys + G_ROWS * p, nr);
    }
    for (int b = 0; b < nblk; b++) {
        __m256i s[G_Q8_TT][G_PANELS];
#pragma GCC unroll 16
        for (int j = 0; j < 16; j++) {
            __m256i x[G_Q8_TT];
#pragma GCC unroll 2
            for (int k = 0; k < T; k++)
                x[k] = gemm_bcast4(a->x16[k] + 32 * b + 2 * j);
#pragma GCC unroll 4
            for (int p = 0; p < NP; p++) {
                __m256i w = _mm256_load_si256(&pk[p].codes[16 * b + j]);
                if (T > 1)
                    GEMM_KEEP(w); /* one load for the T tokens, not a memory operand each */
#pragma GCC unroll 2
                for (int k = 0; k < T; k++) {
                    const __m256i d = _mm256_madd_epi16(w, x[k]);
                    s[k][p] = j == 0 ? d : _mm256_add_epi32(s[k][p], d);
                    GEMM_KEEP(s[k][p]);
                }
            }
        }
#pragma GCC unroll 2
        for (int k = 0; k < T; k++) {
            const __m256 dx = _mm256_broadcast_ss(a->dx[k] + b);
#pragma GCC unroll 4
            for (int p = 0; p < NP; p++)
                out[p][k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[k][p]),
                                            _mm256_mul_ps(_mm256_load_ps((const float *)&pk[p].dw[b]), dx), out[p][k]);
        }
    }
#pragma GCC unroll 4
    for (int p = 0; p < NP; p++)
        gemm_store(out[p], T, y + G_ROWS * p, ys, rows - G_ROWS * p < G_ROWS ? rows - G_ROWS * p : G_ROWS, 1);
}

/* Q8_0: T tokens (a constant after inlining) over the np packs of a row group. */
G_INLINE void run_q8_np(int T, const g32_pack *pk, int np, int rows, int nblk, const g32_act *a, float *y, size_t ys,
                        int first)
{
    switch (np) {
    case 4: run_q8_panels(4, T, pk, nblk, a, y, ys, rows, first); break;
    case 3: run_q8_panels(3, T, pk, nblk, a, y, ys, rows, first); break;
    case 2: run_q8_panels(2, T, pk, nblk, a, y, ys, rows, first); break;
    case 1: run_q8_panels(1, T, pk, nblk, a, y, ys, rows, first); break;
    default: break;
    }
}

/* Q8_0 over the np packs of a row group, T (1 or 2) tokens. */
G_INLINE void run_q8_some(const g32_pack *pk, int np, int rows, int nblk, const g32_act *a, int T, float *y,
                          size_t ys, int first)
{
    if (T == 2)
        run_q8_np(2, pk, np, rows, nblk, a, y, ys, first);
    else
        run_q8_np(1, pk, np, rows, nblk, a, y, ys, first);
}

/* Tokens per pass: gemm_token_block's for Q4_0 / Q5_0 reading their raw bytes. Prepared copies
 * (Q8_0's int16, Q5_0's biased bytes) are read in place, so those passes are sized by the copy:
 * each pass unpacks every weight chunk once, and with gemm_token_block's 256 KiB of raw bytes
 * 8192-wide Q8_0 rows got 28 tokens a pass, where unpacking the weights (read from memory) bounded
 * the speed (4096-wide rows: the same speed at 120 and 480 tokens a pass). Q8_0: at most
 * G_Q8_PASS_BYTES of copies, whole 2-token tiles; Q5_0: G_B_PASS_BYTES (a 640-wide prompt of 512
 * tokens in one pass: the weights unpacked once). */
enum { G_Q8_PASS_BYTES = 2 << 20, G_B_PASS_BYTES = 448 << 10 };

G_INLINE int64_t token_block(int kind, int64_t n, int64_t n_tok, size_t prb)
{
    int64_t tb;
    if (kind == GEMM_Q8_0) {
        tb = (int64_t)(G_Q8_PASS_BYTES / ((size_t)n * sizeof(int16_t))) / G_Q8_TT * G_Q8_TT;
        tb = tb < 10 * G_Q8_TT ? 10 * G_Q8_TT : tb; /* 20, as with the 5-token tiles */
    } else if (prb) {
        tb = (int64_t)(G_B_PASS_BYTES / prb) / 3 * 3;
        tb = tb < 16 ? 16 : tb;
    } else {
        tb = gemm_token_block((size_t)(n / 32) * sizeof(block_q8_0), n_tok);
    }
    return tb < n_tok ? tb : n_tok;
}

/* Tokens in passes of token_block; per pass, rows in groups of up to G_PANELS panels, each chunk
 * of blocks unpacked once for all the pass's tokens, taken TT at a time. Q8_0 reads its tokens'
 * prepared copies (PREP, PRB bytes a row, row t token t's) where given; else (PREP NULL) each tile
 * prepares its tokens' chunk in a stack buffer, once per row group. */
G_INLINE void gemm(int kind, const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                   size_t ys, int64_t r0, int64_t r1, const char *prep, size_t prb)
{
    _Alignas(32) g32_pack pk[G_PANELS];
    _Alignas(32) g32_act act;
    _Alignas(32) int16_t x16[G_Q8_TT][G_CHUNK * 32]; /* Q8_0 without PREP: the tile's chunk */
    float dx[G_Q8_TT][G_CHUNK];
    const int64_t nb = n / 32, tb = token_block(kind, n, n_tok, prep ? prb : 0);
    const int TT = kind == GEMM_Q4_0 ? 4 : kind == GEMM_Q8_0 ? G_Q8_TT : 3;
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
                /* the next chunk (or row group, or the next pass's first) towards L2 when G_PF_TOK
                 * tokens are left to run on this one: issued at packing time, the streamed
                 * activations evicted it again before use */
                int64_t pr = r, pc = c + nblk;
                int prows = rows;
                if (pc >= nb) {
                    pc = 0;
                    pr = r + G_PANELS * G_ROWS < r1 ? r + G_PANELS * G_ROWS : t1 < n_tok ? r0 : r1;
                    prows = r1 - pr < G_PANELS * G_ROWS ? (int)(r1 - pr) : G_PANELS * G_ROWS;
                }
                const int64_t tpf = t1 - G_PF_TOK > t0 ? t1 - G_PF_TOK : t0;
                for (int64_t t = t0; t < t1; t += TT) {
                    int T = t1 - t < TT ? (int)(t1 - t) : TT;
                    if (t <= tpf && tpf < t + TT && prows > 0)
                        prefetch_chunk(kind, w, wrb, pr, prows, pc, nb - pc < G_CHUNK ? (int)(nb - pc) : G_CHUNK);
                    float *yt = y + (size_t)t * ys + (size_t)r;
                    if (kind == GEMM_Q8_0) {
                        for (int k = 0; k < T; k++) {
                            if (prep) {
                                const char *row = prep + (size_t)(t + k) * prb;
                                act.x16[k] = (const int16_t *)row + (size_t)c * 32;
                                act.dx[k] = (const float *)(row + (size_t)nb * 32 * sizeof(int16_t)) + c;
                            } else {
                                q8_prep(x16[k], dx[k], (const block_q8_0 *)((const char *)qx + (size_t)(t + k) * qrb) + c,
                                        nblk);
                                act.x16[k] = x16[k];
                                act.dx[k] = dx[k];
                            }
                        }
                        run_q8_some(pk, np, rows, nblk, &act, T, yt, ys, c == 0);
                        continue;
                    }
                    if (prep) {
                        for (int k = 0; k < T; k++) {
                            const char *row = prep + (size_t)(t + k) * prb;
                            act.xq[k] = (const uint8_t *)row + (size_t)c * 32;
                            act.xd[k] = (const float *)(row + (size_t)nb * 32) + c;
                        }
                    } else {
                        prep_act(&act, qx, qrb, t, T, c, nblk);
                    }
                    for (int k = 0; k < T; k++) /* Q4_0 / Q5_0: one token at a time over the packs */
                        run_q5_np(kind, pk, np, nblk, act.xq[k], act.xd[k], yt + (size_t)k * ys, rows, c == 0);
                }
            }
        }
    }
}

void avx2_gemm_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    gemm(GEMM_Q4_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1, NULL, 0);
}

void avx2_gemm_q5_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    gemm(GEMM_Q5_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1, NULL, 0);
}

void avx2_gemm_q8_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    gemm(GEMM_Q8_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1, NULL, 0);
}

/* The int16 bytes of the n / 32 blocks (64 bytes each), then their float scales, padded to a whole
 * cache line (so rows of a 64-byte aligned buffer stay aligned). */
size_t avx2_prep_bytes_q8_0(int64_t n)
{
    return ((size_t)(n / 32) * (32 * sizeof(int16_t) + sizeof(float)) + 63) & ~(size_t)63;
}

void avx2_prepare_q8_0(const void *qx, void *prep, int64_t n)
{
    q8_prep(prep, (float *)((char *)prep + (size_t)(n / 32) * 32 * sizeof(int16_t)), qx, n / 32);
}

void avx2_gemm_q8_0_prep(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, const void *prep,
                         size_t prb, int64_t n_tok, float *y, size_t ys, int64_t r0, int64_t r1)
{
    gemm(GEMM_Q8_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1, prep, prb);
}

/* The biased bytes of the n / 32 blocks (32 each), then their float scales, padded to a whole cache
 * line. */
size_t avx2_prep_bytes_q5_0(int64_t n)
{
    return ((size_t)(n / 32) * (32 + sizeof(float)) + 63) & ~(size_t)63;
}

void avx2_prepare_q5_0(const void *qx, void *prep, int64_t n)
{
    bias_prep(prep, (float *)((char *)prep + (size_t)(n / 32) * 32), qx, n / 32);
}

void avx2_gemm_q5_0_prep(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, const void *prep,
                         size_t prb, int64_t n_tok, float *y, size_t ys, int64_t r0, int64_t r1)
{
    gemm(GEMM_Q5_0, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1, prep, prb);
}
