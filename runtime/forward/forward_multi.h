/* Several sequences in one forward pass: each sequence has its own KV cache and positions, the
 * matrix products run once over the tokens of all of them (the weights are streamed once per pass
 * for every sequence), attention runs per sequence over its own cache. A server decoding for N
 * clients does one pass per step instead of N. */
#ifndef TOLK_FORWARD_MULTI_H
#define TOLK_FORWARD_MULTI_H

#include <stdint.h>

#include "forward.h"
#include "kv.h"

/* One sequence's part of a step: tokens tok[0..n) appended to KV at its next positions; logits
 * for tokens logits_from..n-1 go to LOGITS ([n - logits_from][n_vocab]). */
typedef struct fwd_seq {
    kv_cache *kv;
    const int32_t *tok;
    int64_t n;
    int64_t logits_from; /* n: no logits */
    float *logits;
} fwd_seq;

/* Runs every sequence's tokens in as few passes of C's buffers as fit (at most C's n_batch tokens
 * and n_logits logit rows per pass; a long sequence continues in the next pass). Every cache must
 * have C's type, layer count and widths and no more positions than C's own (the per-thread
 * attention scratch is sized for it); a cache appears at most once; LOGITS must not point into C.
 * Fails without side effects on bad tokens, a full cache or a mismatched cache. C's own cache
 * (fwd_kv) may be one of the sequences. */
int fwd_eval_multi(fwd_ctx *c, const fwd_seq *seqs, int n_seq, tolk_error *err);

/* Segment-exact passes (ON non-zero): in later fwd_eval_multi calls every sequence's tokens go
 * through the kernels they get alone in fwd_eval (the matrix products over each sequence's tokens
 * in a call of their own, over row chunks that stay in cache; a mixture of experts per sequence),
 * so each sequence's logits equal, bit for bit, those of fwd_eval on its own context with the same
 * tokens per call: a prompt chunk prefilled beside other prompts and decoding tokens gets the
 * session's prefill bits, a single token the one-token bits. Turns fwd_set_rowwise off. */
void fwd_set_seg_exact(fwd_ctx *c, int on);

/* A KV cache shaped like C's (same type, n_ctx and widths), empty. */
int fwd_kv_like(const fwd_ctx *c, kv_cache *kv, tolk_error *err);

/* ---- Between forward_multi.c and forward.c ---- */

/* Tokens t0..t0+n-1 of a pass belong to KV at positions pos0... */
typedef struct fwd_seg {
    kv_cache *kv;
    int64_t pos0, t0, n;
} fwd_seg;

/* The sequence of pass token T: its cache and position. */
static inline void fwd_seg_locate(const fwd_seg *segs, int n_segs, int64_t t, kv_cache **kv, int64_t *pos)
{
    for (int j = 0; j < n_segs; j++)
        if (t < segs[j].t0 + segs[j].n) {
            *kv = segs[j].kv;
            *pos = segs[j].pos0 + (t - segs[j].t0);
            return;
        }
}

/* One pass (forward.c): tok[0..n) (n <= n_batch) laid out as SEGS; logits of pass tokens
 * logit_rows[0..n_rows) (n_rows <= n_logits, <= n) into C's logits rows 0... Nothing committed. */
void fwd_run_segments(fwd_ctx *c, const int32_t *tok, int64_t n, const fwd_seg *segs, int n_segs,
                      const int64_t *logit_rows, int64_t n_rows);

kv_cache *fwd_kv(fwd_ctx *c);
/* The pass size: returns n_batch, sets *n_logits. */
int64_t fwd_batch_limits(const fwd_ctx *c, int64_t *n_logits);

#endif
