/* Attention's two hot loops over a chunk of keys at a time, in the orders of attn_ggml.h: q.k for
 * a block of query rows against a chunk of key rows, and p.v accumulated into per-lane rows; and
 * the F16 -> F32 conversion of a chunk's cache rows that feeds them. Every
 * implementation (portable, AVX2+FMA, AVX-512) gives the same bits as ag_dot and ag_accumulate
 * called one pair at a time; the vector ones only keep rows in registers and save the calls. */
#ifndef TOLK_ATTN_BLOCKS_H
#define TOLK_ATTN_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn_ggml.h"

typedef struct ag_blocks {
    /* dst[j * w + i] = F16 value i of the row at src + j * stride bytes, for j < n, i < w (exact:
     * every F16 value is a float). The vector form prefetches the rows a few steps ahead. */
    void (*rows)(const char *src, size_t stride, int64_t n, int64_t w, float *dst);
    /* s[r * ld + j] = ag_dot(o, k + j * hd, q + r * hd, hd) for r < nq, j < nk. */
    void (*dots)(ag_order o, const float *k, int64_t nk, const float *q, int64_t nq, int64_t hd, float *s,
                 int64_t ld);
    /* For every query row r < nq and key c0 + j (j < nk, increasing), lane (c0 + j) % lanes of
     * row r's accumulators (acc + (r * lanes + lane) * hdv) takes fmaf(w, v + j * hdv, lane) with
     * w = p[r * ld + j] (zeros too, as ggml does). first: every lane of every row starts at +0 (written
     * even where no key reaches it), so the caller need not clear them. */
    void (*pv)(int64_t lanes, const float *p, int64_t ld, int64_t nq, int64_t c0, int64_t nk, const float *v,
               int64_t hdv, float *acc, bool first);
} ag_blocks;

/* The fastest implementation the selected kernel path allows (AVX-512 only on the avx512 path,
 * AVX2+FMA on any x86 CPU that has it, else portable). */
const ag_blocks *ag_blocks_get(void);

/* The portable implementation, the reference for the others (tests). */
const ag_blocks *ag_blocks_portable(void);

#endif
