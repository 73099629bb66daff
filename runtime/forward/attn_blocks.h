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
    /* Row ag_lane_slot(j0 + j, nk, lanes) of dst (w floats) = the w F16 values at src + j * stride
     * bytes, for j < n (exact: every F16 value is a float); lanes 1 keeps the order. The vector
     * form prefetches the rows a few steps ahead. */
    void (*rows)(const char *src, size_t stride, int64_t n, int64_t w, float *dst, int64_t j0, int64_t nk,
                 int64_t lanes);
    /* s[r * ld + j] = ag_dot(o, k + j * hd, q + r * hd, hd) for r < nq, j < nk. */
    void (*dots)(ag_order o, const float *k, int64_t nk, const float *q, int64_t nq, int64_t hd, float *s,
                 int64_t ld);
    /* For every query row r < nq and key c0 + j (j < nk, increasing), lane (c0 + j) % lanes of
     * row r's accumulators (acc + (r * lanes + lane) * hdv) takes fmaf(w, v + j * hdv, lane) with
     * w = p[r * ld + j] (zeros too, as ggml does); key j's values are row ag_lane_slot(j, nk, lanes)
     * of v, so each lane's keys are consecutive rows. first: every lane of every row starts at +0 (written
     * even where no key reaches it), so the caller need not clear them. */
    void (*pv)(int64_t lanes, const float *p, int64_t ld, int64_t nq, int64_t c0, int64_t nk, const float *v,
               int64_t hdv, float *acc, bool first);
} ag_blocks;

/* The row of key j (0 <= j < nk) of a chunk in lane-major order: first the keys j % lanes == 0 in
 * key order, then those with j % lanes == 1, and so on. p.v walks each lane's keys in turn; in key
 * order they would lie lanes rows apart (4 KiB for 16 lanes of 64 floats), which maps them all to
 * one set of the L1 cache. */
static inline int64_t ag_lane_slot(int64_t j, int64_t nk, int64_t lanes)
{
    const int64_t jj = j % lanes, q = nk / lanes, r = nk % lanes;
    return jj * q + (jj < r ? jj : r) + j / lanes;
}

/* The fastest implementation the selected kernel path allows (AVX-512 only on the avx512 path,
 * AVX2+FMA on any x86 CPU that has it, else portable). */
const ag_blocks *ag_blocks_get(void);

/* The portable implementation, the reference for the others (tests). */
const ag_blocks *ag_blocks_portable(void);

#endif
