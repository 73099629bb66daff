/* Grouped-query attention of a batch of query tokens over the KV cache, with causal and
 * sliding-window masks. Work is split into (KV head, block of query tokens) items so threads never
 * share outputs (and, for one-token decoding, the KV head's query heads into parts: q_parts); each
 * item reuses every key and value row for all the query heads of its group (or part). */
#ifndef TOLK_ATTENTION_H
#define TOLK_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv.h"

#define ATTN_BLOCK 16 /* query tokens per work item (a quarter of that in the one-token order) */

typedef struct attn_args {
    const kv_cache *kv;
    int64_t layer;
    int64_t n_head, n_head_kv, head_dim, head_dim_v;
    int64_t n_tok;     /* query tokens in the batch */
    int64_t pos0;      /* position of query token 0; keys 0..pos0+n_tok-1 are in the cache */
    int64_t n_swa;     /* > 0: keys with pos_q - pos_k >= n_swa are masked */
    float kq_scale;    /* multiplies q.k before the softmax */
    float softcap;     /* > 0: q.k becomes softcap * tanh(q.k / softcap) first (gemma2) */
    const float *q;    /* [n_tok][n_head*head_dim], RoPE applied */
    float *out;        /* [n_tok][n_head*head_dim_v] */
    bool one_token_order; /* sum every query as one-token decoding does (speculative verification:
                           * each token's output equals plain decoding's bit for bit) */
    int64_t q_parts;      /* 0 or 1: an item takes all the query heads of its KV head; P > 1 (at most
                           * n_head / n_head_kv): they are split into P items, so one-token decoding
                           * with fewer KV heads than threads keeps every thread busy (each part
                           * converts the keys and values itself; every row's bits are unchanged) */
} attn_args;

/* Bytes of per-thread scratch attn_run needs for contexts up to n_ctx positions. */
size_t attn_scratch_bytes(const attn_args *a, int64_t n_ctx);

/* Number of independent work items for this batch. */
int64_t attn_items(const attn_args *a);

/* The query tokens [*t0, *t1) whose outputs item writes: of its KV head's query heads only (of
 * its part of them, with q_parts > 1), so with one KV head and one part every item writes whole
 * output rows. */
void attn_item_tokens(const attn_args *a, int64_t item, int64_t *t0, int64_t *t1);

/* The query heads [*h0, *h1) whose outputs item writes (all of its KV head's with one part). */
void attn_item_heads(const attn_args *a, int64_t item, int64_t *h0, int64_t *h1);

/* Computes work item i (< attn_items) using scratch of attn_scratch_bytes (64-byte aligned): in
 * llama.cpp's order with the F16 cache, by the generic simd_matmul route with Q8_0 (attention.c). */
void attn_run(const attn_args *a, int64_t item, void *scratch);

#endif
