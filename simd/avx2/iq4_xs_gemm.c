/* AVX2 mat x mat for IQ4_XS prompt batches of IQ4_XS_TILED_MIN_TOK+ tokens, in llama.cpp's tiled order
 * (docs/FORMATS-IQ4.md, ref_dot_iq4_xs_tiled): per (row, token) one chain over the super-blocks,
 * acc = fma(d_w * (float)isum_sb, d_x, acc), isum_sb the exact integer sum of the 8 runs times their
 * scales. Only the float steps fix the bits, so the integer sum may be formed any exact way; here with
 * int16 x int16 pair products (vpmaddwd) and no vpmaddubsw / vpsignb: panels of 16 rows are unpacked
 * once per super-block into int16 values already times their run scale (|v * ls| <= 127 * 32 = 4064),
 * w[p][h] holding weights 2p, 2p + 1 of row 8h + i in dword i; each token's activation bytes are
 * widened to int16 once per super-block and shared by the panels. One broadcast dword (two
 * activations) times a weight register gives 8 rows' exact pair sums (|.| <= 2 * 4064 * 127), added in
 * int32 lanes (a super-block's |isum| <= 128 * 1032256 < 2^31): 2 multiplies per 32 products instead
 * of the sign / maddubs / madd-by-scale triple, and no horizontal sums. Tiles: 16 rows x 4 tokens,
 * the float step once per super-block; groups of PANELS panels (64 rows) share each tile's widened
 * activations (32 KiB of unpacked panels: a little over Zen 3's L1, measured faster than 32 rows).
 * Token passes hold up to XS_PASS_BYTES of activations (more than L2, docs/FORMATS-IQ4.md): each
 * pass unpacks every weight once more, and on Zen 3 the unpacking (about 20% of the kernel's time at
 * 28-token passes) costs more than reading activations from L3. */
#include "gemm.h"
#include "iq4.h"

#include "../ref/ref.h"

enum {
    P_ROWS = 16,                    /* rows per panel: two registers of 8 */
    CHUNK = QK_K,                   /* weights per row unpacked at once: one super-block */
    PANELS = 4,                     /* panels unpacked per chunk, sharing the widened activations */
    XS_TOK = 4,                     /* tokens per IQ4_XS tile */
};
#define XS_PASS_BYTES ((size_t)1 << 20) /* activation bytes per token pass */

/* One 32-weight run of 16 rows as int16: w[p][h] holds weights 2p and 2p + 1 of row 8h + i in dword i. */
typedef struct iq4_run16 {
    __m256i w[16][2];
} iq4_run16;

typedef struct xs_pack {
    iq4_run16 run[8]; /* one super-block; values times the run scales */
    __m256 dw[2];     /* the rows' super-block scales */
} xs_pack;

#define P_INLINE static inline __attribute__((always_inline))

/* pshufb masks: dword i's bytes (b0, b1) (LO) or (b2, b3) (HI) to the high bytes of its two words. */
P_INLINE __m256i pair_mask(int hi)
{
    const char o = hi ? 2 : 0;
    return _mm256_setr_epi8(-128, o, -128, o + 1, -128, o + 4, -128, o + 5, -128, o + 8, -128, o + 9, -128, o + 12,
                            -128, o + 13, -128, o, -128, o + 1, -128, o + 4, -128, o + 5, -128, o + 8, -128, o + 9,
                            -128, o + 12, -128, o + 13);
}

/* The runs whose 16 code bytes sit at q[i] (row i of 16) as int16 table values times SCALE[h] (the
 * rows' run scales in both words of each dword). */
P_INLINE void unpack_run16(iq4_run16 *p, const uint8_t *const q[16], const __m256i scale[2])
{
    const __m256i table = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)iq4_values));
    const __m256i low = _mm256_set1_epi8(0x0f), m_lo = pair_mask(0), m_hi = pair_mask(1);
    for (int h = 0; h < 2; h++) {
        __m256i v[4];
        gemm_transpose_8x4(q + 8 * h, 0, v);
        for (int g = 0; g < 8; g++) { /* weight j in the low nibble of qs[j], j + 16 in the high one */
            __m256i c = g < 4 ? _mm256_and_si256(v[g], low) : _mm256_and_si256(_mm256_srli_epi16(v[g - 4], 4), low);
            __m256i t = _mm256_shuffle_epi8(table, c); /* weights 4g..4g+3 of row i in dword i */
            __m256i a = _mm256_srai_epi16(_mm256_shuffle_epi8(t, m_lo), 8);
            __m256i b = _mm256_srai_epi16(_mm256_shuffle_epi8(t, m_hi), 8);
            p->w[2 * g][h] = _mm256_mullo_epi16(a, scale[h]);
            p->w[2 * g + 1][h] = _mm256_mullo_epi16(b, scale[h]);
        }
    }
}

P_INLINE __m256 load_scales8(const simd_half *const d[8])
{
    return _mm256_setr_ps(*avx2_half_ref(d[0]), *avx2_half_ref(d[1]), *avx2_half_ref(d[2]), *avx2_half_ref(d[3]),
                          *avx2_half_ref(d[4]), *avx2_half_ref(d[5]), *avx2_half_ref(d[6]), *avx2_half_ref(d[7]));
}

/* Rows [r, r + nrows) (missing rows repeat the last one), their first byte at offset off. */
P_INLINE void panel_rows(const uint8_t *row[P_ROWS], const char *w, size_t wrb, int64_t r, int nrows, size_t off)
{
    for (int i = 0; i < P_ROWS; i++)
        row[i] = (const uint8_t *)w + (size_t)(r + (i < nrows ? i : nrows - 1)) * wrb + off;
}

/* Super-block c of a panel. The 6-bit run scales of 8 rows at once: row i's scales_l as a
 * little-endian u32 holds run ib's low 4 bits at bits 4ib, its scales_h the high 2 at bits 2ib. */
static void xs_pack_sb(xs_pack *p, const char *w, size_t wrb, int64_t r, int nrows, int64_t c)
{
    const uint8_t *row[P_ROWS];
    const block_iq4_xs *blk[P_ROWS];
    const simd_half *d[P_ROWS];
    int32_t sh[P_ROWS], sl[P_ROWS];
    panel_rows(row, w, wrb, r, nrows, (size_t)c * sizeof(block_iq4_xs));
    for (int i = 0; i < P_ROWS; i++) { /* the next super-block's 136 bytes: three lines */
        _mm_prefetch((const char *)row[i] + sizeof(block_iq4_xs), _MM_HINT_T0);
        _mm_prefetch((const char *)row[i] + sizeof(block_iq4_xs) + 64, _MM_HINT_T0);
        _mm_prefetch((const char *)row[i] + sizeof(block_iq4_xs) + 128, _MM_HINT_T0);
    }
    for (int i = 0; i < P_ROWS; i++) {
        blk[i] = (const block_iq4_xs *)row[i];
        d[i] = &blk[i]->d;
        sh[i] = blk[i]->scales_h;
        memcpy(&sl[i], blk[i]->scales_l, 4);
    }
    p->dw[0] = load_scales8(d);
    p->dw[1] = load_scales8(d + 8);
    const __m256i h0 = _mm256_loadu_si256((const __m256i *)sh), h1 = _mm256_loadu_si256((const __m256i *)(sh + 8));
    const __m256i l0 = _mm256_loadu_si256((const __m256i *)sl), l1 = _mm256_loadu_si256((const __m256i *)(sl + 8));
    const __m256i m4 = _mm256_set1_epi32(15), m2 = _mm256_set1_epi32(3), bias = _mm256_set1_epi32(32);
    for (int ib = 0; ib < 8; ib++) {
        const uint8_t *q[P_ROWS];
        __m256i sc[2];
        for (int h = 0; h < 2; h++) {
            __m256i ls = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(h ? l1 : l0, 4 * ib), m4),
                                         _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(h ? h1 : h0, 2 * ib), m2), 4));
            ls = _mm256_sub_epi32(ls, bias);                                    /* -32..31 */
            sc[h] = _mm256_blend_epi16(ls, _mm256_slli_epi32(ls, 16), 0xaa); /* in both words */
        }
        for (int i = 0; i < P_ROWS; i++)
            q[i] = blk[i]->qs + 16 * ib;
        unpack_run16(&p->run[ib], q, sc);
    }
}

/* Activation bytes of T tokens to int16, CHUNK per token: x16[k][j] = weight-chunk position j. */
P_INLINE void widen16(int16_t *dst, const int8_t *src)
{
    _mm256_store_si256((__m256i *)dst, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)src)));
}

static void xs_widen(int16_t (*x16)[CHUNK], const char *xt, size_t qrb, int64_t c, int T)
{
    for (int k = 0; k < T; k++) {
        const block_q8_K *xb = (const block_q8_K *)(xt + (size_t)k * qrb) + c;
        /* the next tile's bytes (a hint: past the batch's end it touches nothing) */
        const char *next = (const char *)xb + (size_t)XS_TOK * qrb;
        for (int l = 0; l < 5; l++)
            _mm_prefetch(next + 64 * l, _MM_HINT_T0);
        for (int j = 0; j < QK_K / 16; j++)
            widen16(x16[k] + 16 * j, xb->qs + 16 * j);
    }
}

/* The exact int32 sums of T tokens (int16 activations at x16[k] + off) with one unpacked run, 16
 * rows in acc[k][0..1], added to acc (FIRST: stored). */
P_INLINE void run_isums(const iq4_run16 *run, const int16_t (*x16)[CHUNK], int off, int T, __m256i acc[][2], int first)
{
#pragma GCC unroll 16
    for (int p = 0; p < 16; p++) {
        const __m256i w0 = _mm256_load_si256(&run->w[p][0]), w1 = _mm256_load_si256(&run->w[p][1]);
#pragma GCC unroll 4
        for (int k = 0; k < T; k++) {
            const __m256i x = gemm_bcast4(x16[k] + off + 2 * p);
            const __m256i d0 = _mm256_madd_epi16(w0, x), d1 = _mm256_madd_epi16(w1, x);
            acc[k][0] = first && p == 0 ? d0 : _mm256_add_epi32(acc[k][0], d0);
            acc[k][1] = first && p == 0 ? d1 : _mm256_add_epi32(acc[k][1], d1);
            GEMM_KEEP(acc[k][0]);
            GEMM_KEEP(acc[k][1]);
        }
    }
}

/* Stores the 16-row results of T tokens: rows [0, nrows) of each token row. */
P_INLINE void store16(__m256 out[][2], int T, float *y, size_t ys, int nrows)
{
    __m256 o[XS_TOK];
    for (int h = 0; h < 2 && nrows > 8 * h; h++) {
        #pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            o[k] = out[k][h];
        gemm_store(o, T, y + 8 * h, ys, nrows - 8 * h < 8 ? nrows - 8 * h : 8, 1);
    }
}

P_INLINE __m256 load_half(const float *y, int nrows, int h)
{
    return nrows > 8 * h ? gemm_load(y + 8 * h, nrows - 8 * h < 8 ? nrows - 8 * h : 8) : _mm256_setzero_ps();
}

/* T tokens x one IQ4_XS panel over the super-block c. */
P_INLINE void xs_tokens(const xs_pack *p, const int16_t (*x16)[CHUNK], const char *xt, size_t qrb, int64_t c,
                        int T, float *y, size_t ys, int nrows, int first)
{
    __m256i isum[XS_TOK][2];
    __m256 out[XS_TOK][2];
    run_isums(&p->run[0], x16, 0, T, isum, 1);
    for (int ib = 1; ib < 8; ib++)
        run_isums(&p->run[ib], x16, 32 * ib, T, isum, 0);
    #pragma GCC unroll 4
    for (int k = 0; k < T; k++) {
        const __m256 dx = _mm256_broadcast_ss(&((const block_q8_K *)(xt + (size_t)k * qrb) + c)->d);
        #pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            const __m256 prev = first ? _mm256_setzero_ps() : load_half(y + (size_t)k * ys, nrows, h);
            out[k][h] = _mm256_fmadd_ps(_mm256_mul_ps(p->dw[h], _mm256_cvtepi32_ps(isum[k][h])), dx, prev);
        }
    }
    store16(out, T, y, ys, nrows);
}

/* Tokens per pass: the batch in as few passes of at most XS_PASS_BYTES of activations as it takes,
 * of even size (a multiple of XS_TOK, at least 16). A token's bytes are the N_SB Q8_K blocks the
 * product reads, not the row stride: the forward pass gives every product one stride, that of its
 * widest input (an FFN's 8192), which cut the 2048-wide products into 5 passes instead of 2. */
static int64_t xs_token_block(int64_t n_sb, int64_t n_tok)
{
    int64_t most = (int64_t)(XS_PASS_BYTES / ((size_t)n_sb * sizeof(block_q8_K)));
    most = most < 16 ? 16 : most;
    const int64_t passes = (n_tok + most - 1) / most;
    int64_t tb = (n_tok + passes - 1) / passes;
    tb = (tb + XS_TOK - 1) / XS_TOK * XS_TOK;
    return tb < n_tok ? tb : n_tok;
}

/* Tokens in passes of xs_token_block; per pass, rows in groups of PANELS panels; per
 * super-block, the panels unpacked once, then the pass's tokens XS_TOK at a time (their activations
 * widened once) over each panel. Later super-blocks go on from the sums so far in y: one chain of
 * FMAs per (row, token). */
static void xs_gemm(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1)
{
    _Alignas(32) xs_pack pk[PANELS];
    _Alignas(32) int16_t x16[XS_TOK][CHUNK];
    const int16_t(*xs)[CHUNK] = (const int16_t(*)[CHUNK])x16;
    const int64_t nb = n / QK_K, tb = xs_token_block(nb, n_tok);
    for (int64_t t0 = 0; t0 < n_tok; t0 += tb) {
        const int64_t t1 = n_tok - t0 < tb ? n_tok : t0 + tb;
        for (int64_t r = r0; r < r1; r += PANELS * P_ROWS) {
            const int rows = r1 - r < PANELS * P_ROWS ? (int)(r1 - r) : PANELS * P_ROWS;
            const int np = (rows + P_ROWS - 1) / P_ROWS;
            for (int64_t c = 0; c < nb; c++) {
                for (int i = 0; i < np; i++) {
                    const int nr = rows - P_ROWS * i < P_ROWS ? rows - P_ROWS * i : P_ROWS;
                    xs_pack_sb(&pk[i], w, wrb, r + P_ROWS * i, nr, c);
                }
                for (int64_t t = t0; t < t1; t += XS_TOK) {
                    const int T = t1 - t < XS_TOK ? (int)(t1 - t) : XS_TOK;
                    const char *xt = (const char *)qx + (size_t)t * qrb;
                    xs_widen(x16, xt, qrb, c, T);
                    for (int i = 0; i < np; i++) {
                        const int nr = rows - P_ROWS * i < P_ROWS ? rows - P_ROWS * i : P_ROWS;
                        float *yt = y + (size_t)t * ys + (size_t)(r + P_ROWS * i);
                        switch (T) {
                        case 4: xs_tokens(&pk[i], xs, xt, qrb, c, 4, yt, ys, nr, c == 0); break;
                        case 3: xs_tokens(&pk[i], xs, xt, qrb, c, 3, yt, ys, nr, c == 0); break;
                        case 2: xs_tokens(&pk[i], xs, xt, qrb, c, 2, yt, ys, nr, c == 0); break;
                        default: xs_tokens(&pk[i], xs, xt, qrb, c, 1, yt, ys, nr, c == 0); break;
                        }
                    }
                }
            }
        }
    }
}

void avx2_gemm_iq4_xs_tiled(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                            size_t ys, int64_t r0, int64_t r1)
{
    xs_gemm(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}
