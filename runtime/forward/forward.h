/* The forward pass: one batched code path for n tokens (prompt prefill in chunks of n_batch, n = 1
 * for decoding, n = k+1 for speculative verification). Appends the tokens' keys and values to the
 * KV cache and returns logits for the positions the caller asks for. All buffers are allocated by
 * fwd_create; fwd_eval allocates nothing. A context runs its own thread count on its own CPUs
 * (fwd_params), so contexts with different settings can take turns in one process. */
#ifndef TOLK_FORWARD_H
#define TOLK_FORWARD_H

#include <stdint.h>

#include "kv.h"
#include "model.h"

typedef struct fwd_params {
    int64_t n_ctx;    /* KV cache positions (0: min(n_ctx_train, 4096)) */
    int64_t n_batch;  /* tokens per internal chunk (0: min(512, n_ctx)) */
    int64_t n_logits; /* most logit rows one fwd_eval may return (0: 1) */
    uint32_t kv_type; /* TOLK_TYPE_F16 (default when 0) or TOLK_TYPE_Q8_0 */
    int n_threads;    /* 0: OpenMP's default */
    const int *cpus;  /* thread i runs on cpus[i % n_cpus] (copied by fwd_create) */
    int n_cpus;       /* 0: threads are not pinned (threads.h) */
    int64_t kv_keep;  /* sliding-window layers keep window + kv_keep - 1 rows of KV (kv.h): the most
                       * positions a rollback may undo (0: max(n_batch, FWD_KV_KEEP_MIN)); < 0: n_ctx
                       * rows like the global layers */
} fwd_params;

#define FWD_KV_KEEP_MIN 64 /* room for a speculative step (SPEC_K_MAX + 1) even with tiny batches */

typedef struct fwd_ctx fwd_ctx;

int fwd_create(const tolk_model *m, const fwd_params *p, fwd_ctx **out, tolk_error *err);
void fwd_free(fwd_ctx *c);

/* Runs tokens tok[0..n) at positions fwd_pos().. and keeps them in the cache. Logits are computed
 * for tokens logits_from..n-1 (logits_from = n: none; n - 1: the last) and read with fwd_logits.
 * Fails without side effects when a token id is out of range, the context is full, or more than
 * n_logits rows are requested. */
int fwd_eval(fwd_ctx *c, const int32_t *tok, int64_t n, int64_t logits_from, tolk_error *err);

/* Logits row i (0 = token logits_from of the last fwd_eval), n_vocab floats. */
const float *fwd_logits(const fwd_ctx *c, int64_t i);

int64_t fwd_pos(const fwd_ctx *c);   /* positions in the cache */
int64_t fwd_n_ctx(const fwd_ctx *c);
int64_t fwd_n_vocab(const fwd_ctx *c);
size_t fwd_kv_bytes(const fwd_ctx *c); /* bytes the KV cache holds (keys and values, every layer) */
/* The bytes fwd_create(M, P) would give its KV cache, without allocating it (0 on bad settings). */
size_t fwd_kv_bytes_for(const tolk_model *m, const fwd_params *p);

/* Forgets cached positions n_keep.. (e.g. rejected speculative tokens). */
int fwd_rollback(fwd_ctx *c, int64_t n_keep, tolk_error *err);

/* Speculative decoding. SKIP[n_layer] (copied; NULL: run all) makes later fwd_eval calls skip the
 * marked layers: their KV rows for the new positions are not written, so callers roll those
 * positions back and re-run them with every layer (the cached rows of earlier positions stay
 * valid for all layers). */
int fwd_set_skip(fwd_ctx *c, const unsigned char *skip, tolk_error *err);

/* Batches of 2..n_max tokens give logits equal to one-at-a-time decoding bit for bit (speculative
 * verification): attention sums every query in the one-token order (with the F16 cache the
 * batch's queries share each key and value row read; with Q8_0 each work item is one token), and
 * the matrix products go through the batched kernels where simd_matmul_exact_tokens promises the
 * same bits, else through the one-token kernels token by token over row chunks that stay in
 * cache; 0: off. */
void fwd_set_rowwise(fwd_ctx *c, int64_t n_max);

/* One-token decoding fuses loops the batches run apart (on: the default): a dense FFN's gate/up
 * product, activation and quantization in one loop over row chunks; with several KV heads, the
 * attention output quantized slice by slice by the attention items. Off runs them as batches do.
 * Both give the same bits (tests compare them). */
void fwd_set_decode_fuse(fwd_ctx *c, int on);

/* Threads for later calls, at most the count given to fwd_create (<= 0: that count). */
void fwd_set_threads(fwd_ctx *c, int n_threads);

/* Test hook: FN(USER, thread, team) runs on every thread at the start of each parallel region of
 * later fwd_eval calls, after the thread is placed (NULL: none). */
typedef void (*fwd_probe_fn)(void *user, int thread, int team);
void fwd_set_probe(fwd_ctx *c, fwd_probe_fn fn, void *user);

#endif
