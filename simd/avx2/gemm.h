/* The AVX2 packed-panel mat x mat kernels (gemm_q32.c, gemm_kq.c) for prompt batches, and what
 * they share. table.c sends batches of at least AVX2_GEMM_MIN_TOK tokens to them and fewer to the
 * row walks, which add in the one-token order (kernels.h: matmul_exact). */
#ifndef TOLK_SIMD_AVX2_GEMM_H
#define TOLK_SIMD_AVX2_GEMM_H

#include "avx2.h"

/* Below this many tokens a panel's unpacking costs more than the few tokens reusing it save, and
 * speculative verification (a handful of tokens) needs the walks' exact one-token bits. */
enum { AVX2_GEMM_MIN_TOK = 16 };

enum gemm_kind { GEMM_Q4_0, GEMM_Q5_0, GEMM_Q8_0 };

/* Pins an accumulator in a register at this point: without it GCC reassociates the unrolled
 * integer sums into trees whose partial sums outgrow the 16 ymm registers and spill. */
#define GEMM_KEEP(v) __asm__("" : "+x"(v))

/* Tokens per pass over all of a call's rows: as many as keep their activations (BYTES each: what a
 * token's product reads, n / 32 blocks or the K-tile's, never the row stride, which the forward pass
 * sets from its widest input, an FFN's 8192) within 256 KiB, so every row group after the first finds
 * them in L2 (at least 16, a multiple of 4). Without it a 4096-wide 512-token batch (2.2 MB) streamed
 * from L3 for every 32 rows. */
static inline int64_t gemm_token_block(size_t bytes, int64_t n_tok)
{
    int64_t tb = (int64_t)(((size_t)256 << 10) / bytes) / 4 * 4;
    tb = tb < 16 ? 16 : tb;
    return tb < n_tok ? tb : n_tok;
}

/* 8 rows x 4 dwords (the rows' 16-byte runs at p[i] + off) to 4 registers: register k holds dword
 * k of every row, row i in lane i. */
static inline __attribute__((always_inline)) void gemm_transpose_8x4(const uint8_t *const p[8], size_t off,
                                                                     __m256i out[4])
{
    __m256i v[4];
    for (int i = 0; i < 4; i++)
        v[i] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p[i] + off))),
                                       _mm_loadu_si128((const __m128i *)(p[i + 4] + off)), 1);
    __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpackhi_epi32(v[0], v[1]);
    __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
    out[0] = _mm256_unpacklo_epi64(t0, t2);
    out[1] = _mm256_unpackhi_epi64(t0, t2);
    out[2] = _mm256_unpacklo_epi64(t1, t3);
    out[3] = _mm256_unpackhi_epi64(t1, t3);
}

/* 4 bytes at p in every dword. */
static inline __attribute__((always_inline)) __m256i gemm_bcast4(const void *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/* Row results [0, nrows) of one token row (nrows <= 8; the others 0). */
static inline __attribute__((always_inline)) __m256 gemm_load(const float *src, int nrows)
{
    if (nrows == 8)
        return _mm256_loadu_ps(src);
    return _mm256_maskload_ps(src, _mm256_cmpgt_epi32(_mm256_set1_epi32(nrows), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}

/* Stores (FIRST) or adds T tokens' 8-row results OUT into y's rows [0, nrows) of each token row. */
static inline __attribute__((always_inline)) void gemm_store(const __m256 *out, int T, float *y, size_t ys, int nrows,
                                                             int first)
{
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(nrows), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
#pragma GCC unroll 4
    for (int k = 0; k < T; k++) {
        float *dst = y + (size_t)k * ys;
        if (nrows == 8) {
            _mm256_storeu_ps(dst, first ? out[k] : _mm256_add_ps(out[k], _mm256_loadu_ps(dst)));
        } else {
            __m256 v = first ? out[k] : _mm256_add_ps(out[k], _mm256_maskload_ps(dst, mask));
            _mm256_maskstore_ps(dst, mask, v);
        }
    }
}

void avx2_gemm_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1);
void avx2_gemm_q5_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1);
void avx2_gemm_q8_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1);
/* Q8_0 activations prepared once per matmul input (simd_prepare_act) for the panels: per row the
 * bytes widened to int16 in the codes' pair order, then the float scales (avx2_prep_bytes_q8_0
 * bytes, a multiple of 64); PREP 32-byte aligned. avx2_gemm_q8_0_prep: avx2_gemm_q8_0 reading
 * token t's copy at PREP + t * PRB (same bits); avx2_gemm_q8_0 prepares each tile's in place. */
size_t avx2_prep_bytes_q8_0(int64_t n);
void avx2_prepare_q8_0(const void *qx, void *prep, int64_t n);
void avx2_gemm_q8_0_prep(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, const void *prep,
                         size_t prb, int64_t n_tok, float *y, size_t ys, int64_t r0, int64_t r1);
/* Q5_0 (and Q4_0) activations prepared once per matmul input for the panels: per row the bytes
 * biased by +128, then the float scales (avx2_prep_bytes_q5_0 bytes, a multiple of 64); PREP
 * 32-byte aligned. avx2_gemm_q5_0_prep: avx2_gemm_q5_0 reading token t's copy at PREP + t * PRB
 * (same bits). */
size_t avx2_prep_bytes_q5_0(int64_t n);
void avx2_prepare_q5_0(const void *qx, void *prep, int64_t n);
void avx2_gemm_q5_0_prep(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, const void *prep,
                         size_t prb, int64_t n_tok, float *y, size_t ys, int64_t r0, int64_t r1);
/* Q4_K (gemm_kq.c): the first n_tok - n_tok % 4 tokens in llama.cpp's batch order, the rest in its
 * one-token order, all on the same panels; _split: the same, below 4 tokens the one-token walk. */
void avx2_gemm_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                    size_t ys, int64_t r0, int64_t r1);
void avx2_gemm_q4_k_split(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                          size_t ys, int64_t r0, int64_t r1);

/* Q5_0 / Q8_0 batches in llama.cpp's order, register-tiled (q32_tiled.c): the walk's bits. */
void avx2_tiled_q5_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1);
void avx2_tiled_q8_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1);

#endif
