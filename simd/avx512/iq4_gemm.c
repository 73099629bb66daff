/* AVX-512 (VNNI) mat x mat for IQ4_NL and IQ4_XS prompt batches, in the same llama.cpp batch orders as
 * the AVX2 panels (simd/avx2/iq4_gemm.c, docs/FORMATS-IQ4.md): IQ4_NL one FMA chain per (row, token)
 * over the blocks, acc = fma((float)isum_b, d_w * d_x, acc); IQ4_XS from IQ4_XS_TILED_MIN_TOK tokens one
 * chain over the super-blocks, acc = fma(d_w * (float)isum_sb, d_x, acc). Panels of 16 rows, row i in
 * lane i: per group of 4 elements one register holds the 16 rows' 4 table values (signed), and one
 * dpbusd with a token's 4 activation bytes biased by +128 (unsigned; prepared once per chunk for all
 * panels) adds the 4 products to every row's int32 sum; each row's -128 * sum(values) starts its sum
 * and takes the bias off exactly. IQ4_XS multiplies each 32-run's sums by the rows' run scales
 * (mullo) before adding them. Tiles: 16 rows x 8 tokens. simd_fill_avx512_iq4 puts them in the table;
 * one token keeps the AVX2 kernels (the same bits). */
#include "avx512.h"

#include "../avx2/iq4.h"
#include "../ref/ref.h"

enum { P_ROWS = 16, P_TOK = 8, NL_CHUNK = 8, NL_PANELS = 2, XS_CHUNK = 1, XS_PANELS = 2 };

/* 16 rows' 32-element run: per group g (elements 4g..4g+3) the table values, row i in lane i. */
typedef struct run16 {
    __m512i val[8];
} run16;

typedef struct nl_pack {
    run16 run[NL_CHUNK];
    __m512i init[NL_CHUNK]; /* -128 * sum of the row's block values */
    __m512 dw[NL_CHUNK];
} nl_pack;

typedef struct xs_pack {
    run16 run[XS_CHUNK][8];
    __m512i scale[XS_CHUNK][8]; /* the rows' run scales, -32..31 */
    __m512i init[XS_CHUNK];     /* -128 * sum over runs of scale * sum of the run's values */
    __m512 dw[XS_CHUNK];
} xs_pack;

/* A chunk of a pass's tokens' activation bytes, +128 (unsigned), and their float scales. */
enum { ACT_BYTES = NL_CHUNK * 32 > XS_CHUNK * 256 ? NL_CHUNK * 32 : XS_CHUNK * 256 };
typedef struct act_chunk {
    _Alignas(64) uint8_t q[P_TOK][ACT_BYTES];
    float d[P_TOK][NL_CHUNK > XS_CHUNK ? NL_CHUNK : XS_CHUNK];
} act_chunk;

#define P_INLINE static inline __attribute__((always_inline))

/* The runs whose 16 code bytes sit at q[i] (row i) as table values; returns each row's value sum. */
P_INLINE __m512i unpack_run16(run16 *p, const uint8_t *const q[16])
{
    const __m512i table = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)iq4_values));
    const __m512i low = _mm512_set1_epi8(0x0f);
    /* R[j]: rows j, j + 4, j + 8, j + 12 in its four 128-bit lanes; the 4x4 dword transpose inside
     * each lane then puts dword k of row i in lane i of v[k] */
    __m512i R[4];
    for (int j = 0; j < 4; j++) {
        __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)q[j]));
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)q[j + 4]), 1);
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)q[j + 8]), 2);
        R[j] = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)q[j + 12]), 3);
    }
    __m512i t0 = _mm512_unpacklo_epi32(R[0], R[1]), t1 = _mm512_unpackhi_epi32(R[0], R[1]);
    __m512i t2 = _mm512_unpacklo_epi32(R[2], R[3]), t3 = _mm512_unpackhi_epi32(R[2], R[3]);
    __m512i v[4] = {_mm512_unpacklo_epi64(t0, t2), _mm512_unpackhi_epi64(t0, t2), _mm512_unpacklo_epi64(t1, t3),
                    _mm512_unpackhi_epi64(t1, t3)};
    __m512i sum = _mm512_setzero_si512();
    const __m512i ones = _mm512_set1_epi8(1);
    for (int g = 0; g < 8; g++) { /* element j in the low nibble of qs[j], j + 16 in the high one */
        __m512i c = g < 4 ? _mm512_and_si512(v[g], low) : _mm512_and_si512(_mm512_srli_epi16(v[g - 4], 4), low);
        p->val[g] = _mm512_shuffle_epi8(table, c);
        sum = _mm512_dpbusd_epi32(sum, ones, p->val[g]);
    }
    return sum;
}

P_INLINE __m512 load_scales16(const simd_half *const d[16])
{
    uint16_t h[16];
    for (int i = 0; i < 16; i++)
        memcpy(&h[i], d[i], 2);
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)h));
}

P_INLINE void panel_rows(const uint8_t *row[16], const char *w, size_t wrb, int64_t r, int nrows, size_t off)
{
    for (int i = 0; i < 16; i++)
        row[i] = (const uint8_t *)w + (size_t)(r + (i < nrows ? i : nrows - 1)) * wrb + off;
}

static void nl_pack_chunk(nl_pack *p, const char *w, size_t wrb, int64_t r, int nrows, int64_t c, int nblk)
{
    const uint8_t *row[16];
    panel_rows(row, w, wrb, r, nrows, (size_t)c * sizeof(block_iq4_nl));
    for (int b = 0; b < nblk; b++) {
        const uint8_t *q[16];
        const simd_half *d[16];
        for (int i = 0; i < 16; i++) {
            const block_iq4_nl *blk = (const block_iq4_nl *)row[i] + b;
            q[i] = blk->qs;
            d[i] = &blk->d;
        }
        p->init[b] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(unpack_run16(&p->run[b], q), 7));
        p->dw[b] = load_scales16(d);
    }
}

static void xs_pack_chunk(xs_pack *p, const char *w, size_t wrb, int64_t r, int nrows, int64_t c, int nsb)
{
    const uint8_t *row[16];
    panel_rows(row, w, wrb, r, nrows, (size_t)c * sizeof(block_iq4_xs));
    for (int s = 0; s < nsb; s++) {
        const block_iq4_xs *blk[16];
        const simd_half *d[16];
        for (int i = 0; i < 16; i++) {
            blk[i] = (const block_iq4_xs *)row[i] + s;
            d[i] = &blk[i]->d;
        }
        p->dw[s] = load_scales16(d);
        __m512i corr = _mm512_setzero_si512();
        for (int ib = 0; ib < 8; ib++) {
            const uint8_t *q[16];
            int32_t sc[16];
            for (int i = 0; i < 16; i++) {
                q[i] = blk[i]->qs + 16 * ib;
                sc[i] = iq4_xs_scale(blk[i], ib);
            }
            p->scale[s][ib] = _mm512_loadu_si512(sc);
            corr = _mm512_add_epi32(corr, _mm512_mullo_epi32(p->scale[s][ib], unpack_run16(&p->run[s][ib], q)));
        }
        p->init[s] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(corr, 7));
    }
}

/* Tokens [t, t + T) over blocks of BLOCK bytes from block c (nblk of them): biased bytes, scales. */
static void prep_nl(act_chunk *a, const char *qx, size_t qrb, int64_t t, int T, int64_t c, int nblk)
{
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    for (int k = 0; k < T; k++) {
        const block_q8_0 *x = (const block_q8_0 *)(qx + (size_t)(t + k) * qrb) + c;
        for (int b = 0; b < nblk; b++) {
            a->d[k][b] = avx512_half(&x[b].d);
            _mm256_store_si256((__m256i *)(a->q[k] + 32 * b),
                               _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)x[b].qs), bias));
        }
    }
}

static void prep_xs(act_chunk *a, const char *qx, size_t qrb, int64_t t, int T, int64_t c, int nsb)
{
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    for (int k = 0; k < T; k++) {
        const block_q8_K *x = (const block_q8_K *)(qx + (size_t)(t + k) * qrb) + c;
        for (int s = 0; s < nsb; s++) {
            a->d[k][s] = x[s].d;
            for (int h = 0; h < 4; h++)
                _mm512_store_si512(a->q[k] + 256 * s + 64 * h,
                                   _mm512_xor_si512(_mm512_loadu_si512(x[s].qs + 64 * h), bias));
        }
    }
}

P_INLINE __m512i bcast4(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

P_INLINE __mmask16 row_mask(int nrows)
{
    return (__mmask16)((1u << nrows) - 1u);
}

/* The int32 sums of T tokens' biased bytes x[k] with one run, added to acc. */
P_INLINE void run_dots(const run16 *run, const uint8_t *const x[P_TOK], int T, __m512i *acc)
{
#pragma GCC unroll 8
    for (int g = 0; g < 8; g++) {
        const __m512i val = _mm512_load_si512(&run->val[g]);
#pragma GCC unroll 8
        for (int k = 0; k < T; k++)
            acc[k] = _mm512_dpbusd_epi32(acc[k], bcast4(x[k] + 4 * g), val);
    }
}

P_INLINE void nl_tokens(const nl_pack *p, int nblk, const act_chunk *a, int T, float *y, size_t ys, int nrows, int first)
{
    const __mmask16 m = row_mask(nrows);
    __m512 out[P_TOK];
#pragma GCC unroll 8
    for (int k = 0; k < T; k++)
        out[k] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m, y + (size_t)k * ys);
    for (int b = 0; b < nblk; b++) {
        const uint8_t *x[P_TOK];
        __m512i acc[P_TOK];
#pragma GCC unroll 8
        for (int k = 0; k < T; k++) {
            x[k] = a->q[k] + 32 * b;
            acc[k] = _mm512_load_si512(&p->init[b]);
        }
        run_dots(&p->run[b], x, T, acc);
        const __m512 dw = _mm512_load_ps(&p->dw[b]);
#pragma GCC unroll 8
        for (int k = 0; k < T; k++)
            out[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[k]), _mm512_mul_ps(dw, _mm512_set1_ps(a->d[k][b])), out[k]);
    }
#pragma GCC unroll 8
    for (int k = 0; k < T; k++)
        _mm512_mask_storeu_ps(y + (size_t)k * ys, m, out[k]);
}

P_INLINE void xs_tokens(const xs_pack *p, int nsb, const act_chunk *a, int T, float *y, size_t ys, int nrows, int first)
{
    const __mmask16 m = row_mask(nrows);
    __m512 out[P_TOK];
#pragma GCC unroll 8
    for (int k = 0; k < T; k++)
        out[k] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m, y + (size_t)k * ys);
    for (int s = 0; s < nsb; s++) {
        __m512i isum[P_TOK];
#pragma GCC unroll 8
        for (int k = 0; k < T; k++)
            isum[k] = _mm512_load_si512(&p->init[s]);
        for (int ib = 0; ib < 8; ib++) {
            const uint8_t *x[P_TOK];
            __m512i raw[P_TOK];
#pragma GCC unroll 8
            for (int k = 0; k < T; k++) {
                x[k] = a->q[k] + 256 * s + 32 * ib;
                raw[k] = _mm512_setzero_si512();
            }
            run_dots(&p->run[s][ib], x, T, raw);
            const __m512i sc = _mm512_load_si512(&p->scale[s][ib]);
#pragma GCC unroll 8
            for (int k = 0; k < T; k++)
                isum[k] = _mm512_add_epi32(isum[k], _mm512_mullo_epi32(raw[k], sc));
        }
        const __m512 dw = _mm512_load_ps(&p->dw[s]);
#pragma GCC unroll 8
        for (int k = 0; k < T; k++)
            out[k] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_cvtepi32_ps(isum[k])), _mm512_set1_ps(a->d[k][s]), out[k]);
    }
#pragma GCC unroll 8
    for (int k = 0; k < T; k++)
        _mm512_mask_storeu_ps(y + (size_t)k * ys, m, out[k]);
}

/* Tokens in passes whose activations stay in 256 KiB of L2 (sized by what a token's product reads, nb
 * activation blocks, never the row stride qrb, which the forward pass sets from its widest input);
 * per pass, rows in groups of PANELS panels; per chunk of blocks the panels are unpacked once and the
 * pass's tokens, P_TOK at a time, prepared once for all panels. Later chunks go on from the sums so
 * far in y: one chain of FMAs per (row, token). */
#define IQ4_GEMM(NAME, PACK, PANELS, CHUNK, BLOCK_ELEMS, ACT_BLOCK, PACK_CHUNK, PREP, TOKENS)                         \
    static void NAME(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,       \
                     size_t ys, int64_t r0, int64_t r1)                                                              \
    {                                                                                                                 \
        _Alignas(64) PACK pk[PANELS];                                                                                 \
        _Alignas(64) act_chunk act;                                                                                   \
        const int64_t nb = n / (BLOCK_ELEMS);                                                                         \
        int64_t tb = (int64_t)(((size_t)256 << 10) / ((size_t)nb * sizeof(ACT_BLOCK))) / P_TOK * P_TOK;               \
        tb = tb < P_TOK ? P_TOK : tb;                                                                                 \
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
                        PREP(&act, qx, qrb, t, T, c, nblk);                                                           \
                        for (int i = 0; i < np; i++) {                                                                \
                            const int nr = rows - P_ROWS * i < P_ROWS ? rows - P_ROWS * i : P_ROWS;                   \
                            float *yt = y + (size_t)t * ys + (size_t)(r + P_ROWS * i);                                \
                            switch (T) {                                                                              \
                            case 8: TOKENS(&pk[i], nblk, &act, 8, yt, ys, nr, c == 0); break;                         \
                            case 7: TOKENS(&pk[i], nblk, &act, 7, yt, ys, nr, c == 0); break;                         \
                            case 6: TOKENS(&pk[i], nblk, &act, 6, yt, ys, nr, c == 0); break;                         \
                            case 5: TOKENS(&pk[i], nblk, &act, 5, yt, ys, nr, c == 0); break;                         \
                            case 4: TOKENS(&pk[i], nblk, &act, 4, yt, ys, nr, c == 0); break;                         \
                            case 3: TOKENS(&pk[i], nblk, &act, 3, yt, ys, nr, c == 0); break;                         \
                            case 2: TOKENS(&pk[i], nblk, &act, 2, yt, ys, nr, c == 0); break;                         \
                            default: TOKENS(&pk[i], nblk, &act, 1, yt, ys, nr, c == 0); break;                        \
                            }                                                                                         \
                        }                                                                                             \
                    }                                                                                                 \
                }                                                                                                     \
            }                                                                                                         \
        }                                                                                                             \
    }

IQ4_GEMM(nl_gemm, nl_pack, NL_PANELS, NL_CHUNK, QK4_NL, block_q8_0, nl_pack_chunk, prep_nl, nl_tokens)
IQ4_GEMM(xs_gemm, xs_pack, XS_PANELS, XS_CHUNK, QK_K, block_q8_K, xs_pack_chunk, prep_xs, xs_tokens)

/* IQ4_NL: the panels from 2 tokens (one token: the AVX2 mat x vec, the same bits). */
static void matmul_iq4_nl(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                          size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= 2)
        nl_gemm(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx2_matvec_iq4_nl(w, wrb, n, qx, y, r0, r1);
}

/* IQ4_XS: llama.cpp's split (ref_matmul_iq4_xs): its tiled order on the panels from
 * IQ4_XS_TILED_MIN_TOK tokens, its one-token order (the AVX2 walk) below. */
static void matmul_iq4_xs(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                          size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= IQ4_XS_TILED_MIN_TOK)
        xs_gemm(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx2_one_order_iq4_xs(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

void simd_fill_avx512_iq4(simd_kernels *k)
{
    k->matmul[TOLK_TYPE_IQ4_NL] = matmul_iq4_nl;
    k->matmul_exact[TOLK_TYPE_IQ4_NL] = INT64_MAX;
    k->matmul[TOLK_TYPE_IQ4_XS] = matmul_iq4_xs;
    k->matmul_exact[TOLK_TYPE_IQ4_XS] = IQ4_XS_TILED_MIN_TOK - 1;
    k->matmul_one_order[TOLK_TYPE_IQ4_XS] = avx2_one_order_iq4_xs;
}
