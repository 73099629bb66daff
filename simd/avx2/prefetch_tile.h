/* Software prefetch. For the one-token mat x vec tiles (q6_k.c, q4_k.c): while a tile of R rows
 * walks block b of its rows, fetch the same share of the next tile's rows, so the next tile's
 * bytes are in cache when it starts.
 *
 * Why not a fixed distance ahead in each row (avx2_prefetch_block): a tile reads R rows side by
 * side, and on short rows (2048-wide K-quant rows are 1152 or 1680 bytes, an expert's down rows
 * 432 or 630) a prefetch 512 bytes ahead in the row misses each row's first 512 bytes and, near
 * its end, fetches the start of the next row, which this tile is already reading. The R rows of a
 * tile are contiguous (rows are stored one after another), so the next tile is the R * wrb bytes
 * after this one; fetching them in nb equal slices, one per block step, keeps one tile of bytes in
 * flight ahead of the reads, at the same number of prefetch instructions per byte. Tiles of more
 * than PREFETCH_TILE_MAX bytes (long rows: 14336-wide Q4_K is 64 KiB for 8 rows) keep the
 * per-row prefetch, which streams them as well or better. Prefetch only: the arithmetic, and every
 * output's bits, are the same.
 *
 * Measured (2 threads, GB/s per CPU-second of the slower thread, medians over copies of the
 * matrix larger than the caches, 2-vCPU Xeon shared at load 8-11, 2026-12-07), per-row -> this:
 * Q6_K 151936 x 2048 (a Qwen3 output head) 10.0-10.5 -> 12.6-13.2; Q4_K 768 x 2048 x 16 experts
 * 5.8-6.0 -> 7.8-8.1; Q4_K 2048 x 768 x 8 (expert down) 4.9-6.0 -> 6.2-9.5; Q6_K 2048 x 768 x 8
 * 6.0-7.1 -> 8.1-10.0; Q4_K 4096 x 2048 4.3-4.5 -> 5.6-7.7; 4096-wide rows unchanged (Q4_K 7.7,
 * Q6_K 11.3); 14336-wide Q4_K rows lost 10-15 % (hence the limit). */
#ifndef TOLK_SIMD_AVX2_PREFETCH_TILE_H
#define TOLK_SIMD_AVX2_PREFETCH_TILE_H

#include "avx2.h"

enum { PREFETCH_TILE_MAX = 24 * 1024 };

/* Tile rows [r, r + R) of W (WRB bytes a row, NB blocks of BYTES) at block step B: prefetch slice
 * B of the next tile's bytes, [(r + R) * wrb + B * s, + s) with s = R * wrb / NB; a tile over
 * PREFETCH_TILE_MAX bytes: each row's block AVX2_PREFETCH bytes ahead. */
static inline __attribute__((always_inline)) void prefetch_next_tile(const char *w, size_t wrb, int64_t r, int R,
                                                                     int64_t b, int64_t nb, size_t bytes)
{
    if ((size_t)R * wrb > PREFETCH_TILE_MAX) {
        for (int i = 0; i < R; i++)
            avx2_prefetch_block(w + (size_t)(r + i) * wrb + (size_t)b * bytes, bytes);
        return;
    }
    const size_t s = (size_t)R * wrb / (size_t)nb;
    const char *p = w + (size_t)(r + R) * wrb + (size_t)b * s;
    for (size_t o = 0; o < s; o += 64)
        _mm_prefetch(p + o, _MM_HINT_T0);
}

/* The cache lines of one chunk of a panel: RUN bytes at BASE of each of NROWS rows WRB bytes apart
 * (LPR lines a row: callers add one where a row's run need not start on a line), fetched in
 * NPARTS equal parts, one per call of chunk_pf_step, while the current chunk's tokens run, so the
 * next chunk's unpacking does not wait on memory (the panel kernels gemm_kq.c, q6k_tiled.c). The
 * cursor steps the line's row and offset: one division per chunk (two 64-bit divisions per call
 * of 4 tokens took 4-6 % of those kernels' time). Prefetch only: no effect on any result. */
typedef struct chunk_pf {
    const char *base; /* line 0 of row 0 */
    size_t wrb;
    int64_t lpr, row, off, left, per; /* lines per row; the next line; lines left; lines per part */
} chunk_pf;

static inline void chunk_pf_init(chunk_pf *f, const char *base, size_t wrb, int64_t lpr, int nrows, int64_t nparts)
{
    f->base = base;
    f->wrb = wrb;
    f->lpr = lpr;
    f->left = nrows > 0 ? lpr * nrows : 0;
    f->per = (f->left + nparts - 1) / nparts;
    f->row = f->off = 0;
}

static inline __attribute__((always_inline)) void chunk_pf_step(chunk_pf *f)
{
    for (int64_t i = f->per < f->left ? f->per : f->left; i > 0; i--) {
        _mm_prefetch(f->base + (size_t)f->row * f->wrb + (size_t)f->off * 64, _MM_HINT_T0);
        if (++f->off == f->lpr) {
            f->off = 0;
            f->row++;
        }
        f->left--;
    }
}

#endif
