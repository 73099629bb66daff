/* AVX-512 VNNI mat x mat for the 32-element formats dotted with Q8_0 (Q4_0, Q5_0, Q8_0) on
 * batches: 16 weight rows are unpacked once per 32 blocks into a row-interleaved stack buffer of
 * signed codes (one register holds 4 codes of each row), then every token reuses it. The tokens'
 * bytes are biased by +128 once per pack, so dpbusd takes them as its unsigned side broadcast
 * from memory; each row's -128 * sum(codes) is where its accumulator starts. */
#include "avx512.h"

enum { QG_BLOCKS = 8, QG_CHUNK = 4, QG_ROWS = 16, QG_TOK = 8 };

/* Eight blocks (256 elements) of 16 rows, unpacked. */
typedef struct qg_pack {
    __m512i codes[64]; /* group g: per row the signed codes of elements 4g..4g+3 */
    __m512i init[8];   /* per block: -128 * sum of the row's codes (undoes the activation bias) */
    __m512 dw[8];      /* per block: the row's scale */
} qg_pack;

static inline __m512i row_offsets(size_t wrb)
{
    return _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                              _mm512_set1_epi32((int)wrb));
}

static inline __m512i gather(__mmask16 m, __m512i idx, const void *base)
{
    return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, idx, base, 1);
}

/* The half scale at the start of each row's block, as floats (masked rows: zero). */
static inline __m512 gather_d(__mmask16 m, __m512i idx, const void *base)
{
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(gather(m, idx, base)));
}

/* Fills init and dw of block b from its eight code groups. */
static inline void finish_block(qg_pack *p, int b, __m512 d)
{
    __m512i s = _mm512_setzero_si512();
    for (int q = 0; q < 8; q++)
        s = _mm512_dpbusd_epi32(s, _mm512_set1_epi8(1), p->codes[8 * b + q]);
    p->init[b] = _mm512_mullo_epi32(s, _mm512_set1_epi32(-128));
    p->dw[b] = d;
}

static void pack_q4_0(qg_pack *p, const char *w, int nb, __mmask16 m, __m512i idx)
{
    const __m512i low = _mm512_set1_epi8(0x0f), eight = _mm512_set1_epi8(8);
    for (int b = 0; b < nb; b++) {
        const char *blk = w + (size_t)b * sizeof(block_q4_0);
        for (int k = 0; k < 4; k++) { /* element j in the low nibble of qs[j], j + 16 in the high one */
            __m512i v = gather(m, idx, blk + offsetof(block_q4_0, qs) + 4 * k);
            p->codes[8 * b + k] = _mm512_sub_epi8(_mm512_and_si512(v, low), eight);
            p->codes[8 * b + 4 + k] = _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi32(v, 4), low), eight);
        }
        finish_block(p, b, gather_d(m, idx, blk));
    }
    for (int b = nb; b < QG_BLOCKS; b++)
        finish_block(p, b, _mm512_setzero_ps()); /* unused blocks stay harmless */
}

static void pack_q5_0(qg_pack *p, const char *w, int nb, __mmask16 m, __m512i idx)
{
    const __m512i low = _mm512_set1_epi8(0x0f), sixteen = _mm512_set1_epi8(16);
    const __m512i nib = _mm512_set1_epi32(0xf), spread = _mm512_set1_epi32(0x204081), ones = _mm512_set1_epi32(0x01010101);
    for (int b = 0; b < nb; b++) {
        const char *blk = w + (size_t)b * sizeof(block_q5_0);
        __m512i qh = gather(m, idx, blk + offsetof(block_q5_0, qh));
        for (int k = 0; k < 4; k++) {
            __m512i v = gather(m, idx, blk + offsetof(block_q5_0, qs) + 4 * k);
            for (int half = 0; half < 2; half++) {
                int g = 4 * half + k; /* elements 4g..4g+3; their fifth bits are qh bits 4g..4g+3 */
                /* four bits to the low bit of four bytes: copies at shifts 0, 7, 14, 21 never overlap */
                __m512i bits = _mm512_and_si512(_mm512_srli_epi32(qh, 4 * g), nib);
                bits = _mm512_and_si512(_mm512_mullo_epi32(bits, spread), ones);
                __m512i lo = _mm512_and_si512(half ? _mm512_srli_epi32(v, 4) : v, low);
                p->codes[8 * b + g] = _mm512_sub_epi8(_mm512_or_si512(lo, _mm512_slli_epi32(bits, 4)), sixteen);
            }
        }
        finish_block(p, b, gather_d(m, idx, blk));
    }
    for (int b = nb; b < QG_BLOCKS; b++)
        finish_block(p, b, _mm512_setzero_ps());
}

static void pack_q8_0(qg_pack *p, const char *w, int nb, __mmask16 m, __m512i idx)
{
    for (int b = 0; b < nb; b++) {
        const char *blk = w + (size_t)b * sizeof(block_q8_0);
        for (int k = 0; k < 8; k++)
            p->codes[8 * b + k] = gather(m, idx, blk + offsetof(block_q8_0, qs) + 4 * k);
        finish_block(p, b, gather_d(m, idx, blk));
    }
    for (int b = nb; b < QG_BLOCKS; b++)
        finish_block(p, b, _mm512_setzero_ps());
}

/* One token's activations over a chunk, biased to unsigned and with float scales. */
typedef struct qg_act {
    uint8_t q[QG_CHUNK * QG_BLOCKS * 32];
    float d[QG_CHUNK * QG_BLOCKS];
} qg_act;

static void prep_act(qg_act *a, const block_q8_0 *x, int nblk)
{
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    for (int b = 0; b < nblk; b++) {
        _mm256_storeu_si256((__m256i *)(a->q + 32 * b),
                            _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)x[b].qs), bias));
        a->d[b] = avx512_half(&x[b].d);
    }
}

static inline int32_t load32(const void *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* T tokens (constant after inlining) over nblk blocks of the packs, from y's rows (FIRST: zero). */
static inline __attribute__((always_inline)) void run_tokens(const qg_pack *pk, int nblk, const qg_act *a, int T,
                                                             float *y, size_t ys, __mmask16 rmask, int first)
{
    __m512 out[QG_TOK];
    /* later chunks go on from the sums so far: every (row, token) adds its blocks in one chain of
     * FMAs, llama.cpp's order for Q4_0 (ref_dot_q4_0's bits) */
#pragma GCC unroll 8
    for (int t = 0; t < T; t++)
        out[t] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(rmask, y + (size_t)t * ys);
    for (int b = 0; b < nblk; b++) {
        const qg_pack *p = pk + b / QG_BLOCKS;
        int pb = b % QG_BLOCKS;
        __m512i acc[QG_TOK];
        __m512i init = _mm512_load_si512((const void *)&p->init[pb]);
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            acc[t] = init;
#pragma GCC unroll 8
        for (int q = 0; q < 8; q++) {
            __m512i wv = _mm512_load_si512((const void *)&p->codes[8 * pb + q]);
#pragma GCC unroll 8
            for (int t = 0; t < T; t++)
                acc[t] = _mm512_dpbusd_epi32(acc[t], _mm512_set1_epi32(load32(a[t].q + 32 * b + 4 * q)), wv);
        }
        __m512 dw = _mm512_load_ps((const float *)&p->dw[pb]);
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            out[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), _mm512_mul_ps(dw, _mm512_set1_ps(a[t].d[b])), out[t]);
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; t++) {
        _mm512_mask_storeu_ps(y + (size_t)t * ys, rmask, out[t]);
    }
}

static inline __attribute__((always_inline)) void run_some(const qg_pack *pk, int nblk, const qg_act *a, int T,
                                                           float *y, size_t ys, __mmask16 rmask, int first)
{
    switch (T) {
    case 8: run_tokens(pk, nblk, a, 8, y, ys, rmask, first); break;
    case 7: run_tokens(pk, nblk, a, 7, y, ys, rmask, first); break;
    case 6: run_tokens(pk, nblk, a, 6, y, ys, rmask, first); break;
    case 5: run_tokens(pk, nblk, a, 5, y, ys, rmask, first); break;
    case 4: run_tokens(pk, nblk, a, 4, y, ys, rmask, first); break;
    case 3: run_tokens(pk, nblk, a, 3, y, ys, rmask, first); break;
    case 2: run_tokens(pk, nblk, a, 2, y, ys, rmask, first); break;
    case 1: run_tokens(pk, nblk, a, 1, y, ys, rmask, first); break;
    default: break;
    }
}

typedef void (*pack_fn)(qg_pack *p, const char *w, int nb, __mmask16 m, __m512i idx);

static inline __attribute__((always_inline)) void gemm(pack_fn pack, size_t bytes, const void *w, size_t wrb,
                                                       int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                                                       size_t ys, int64_t r0, int64_t r1)
{
    _Alignas(64) qg_pack pk[QG_CHUNK];
    _Alignas(64) qg_act act[QG_TOK];
    const __m512i idx = row_offsets(wrb);
    int64_t nb = n / 32, per_chunk = QG_CHUNK * QG_BLOCKS;
    for (int64_t r = r0; r < r1; r += QG_ROWS) {
        int nrows = r1 - r < QG_ROWS ? (int)(r1 - r) : QG_ROWS;
        __mmask16 m = (__mmask16)((1u << nrows) - 1);
        const char *wr = (const char *)w + (size_t)r * wrb;
        for (int64_t c = 0; c < nb; c += per_chunk) {
            int nblk = nb - c < per_chunk ? (int)(nb - c) : (int)per_chunk;
            for (int i = 0; i * QG_BLOCKS < nblk; i++) {
                int left = nblk - i * QG_BLOCKS;
                pack(&pk[i], wr + (size_t)(c + i * QG_BLOCKS) * bytes, left < QG_BLOCKS ? left : QG_BLOCKS, m, idx);
            }
            for (int64_t t = 0; t < n_tok; t += QG_TOK) {
                int T = n_tok - t < QG_TOK ? (int)(n_tok - t) : QG_TOK;
                for (int k = 0; k < T; k++)
                    prep_act(&act[k], (const block_q8_0 *)((const char *)qx + (size_t)(t + k) * qrb) + c, nblk);
                run_some(pk, nblk, act, T, y + (size_t)t * ys + r, ys, m, c == 0);
            }
        }
    }
}

void avx512_gemm_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                      float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    gemm(pack_q4_0, sizeof(block_q4_0), w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}

void avx512_gemm_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                      float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    gemm(pack_q5_0, sizeof(block_q5_0), w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}

void avx512_gemm_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                      float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    gemm(pack_q8_0, sizeof(block_q8_0), w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}
