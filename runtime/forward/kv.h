/* The KV cache: per layer, one row of keys and one row of values per position, stored as F16 (the
 * default, like llama.cpp) or Q8_0. Positions are appended in order and can be rolled back (for
 * speculative verification and re-used prompts); asking for more room than n_ctx is an error. */
#ifndef TOLK_KV_H
#define TOLK_KV_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct kv_cache {
    uint32_t type;      /* TOLK_TYPE_F16 or TOLK_TYPE_Q8_0 */
    int64_t n_ctx;      /* positions per layer */
    int64_t n_layer;
    int64_t k_width;    /* n_head_kv * head_dim */
    int64_t v_width;    /* n_head_kv * head_dim_v */
    size_t k_row_bytes; /* bytes of one position's keys */
    size_t v_row_bytes;
    char *k;            /* [n_layer][n_ctx] rows of k_row_bytes */
    char *v;            /* [n_layer][n_ctx] rows of v_row_bytes */
    int64_t n;          /* positions in use: 0..n-1 */
} kv_cache;

/* Allocates the cache. Q8_0 needs head_dim and head_dim_v to be multiples of 32 (each head's slice
 * must be whole blocks for the attention dot products). */
int kv_init(kv_cache *kv, uint32_t type, int64_t n_ctx, int64_t n_layer, int64_t n_head_kv,
            int64_t head_dim, int64_t head_dim_v, tolk_error *err);
void kv_free(kv_cache *kv);

/* Parses "f16" / "q8_0" into a type id; -1 when unknown. */
int kv_type_from_name(const char *name);

/* Fails with TOLK_E_STATE when n_new more positions do not fit. */
int kv_check_room(const kv_cache *kv, int64_t n_new, tolk_error *err);

/* Writes the keys and values of position pos (< n_ctx) in layer il, converting from f32. Does not
 * change kv->n: the forward pass commits a batch with kv_commit once every layer is written. */
void kv_store(kv_cache *kv, int64_t il, int64_t pos, const float *k, const float *v);
void kv_commit(kv_cache *kv, int64_t n_new);

/* Row pointers. */
const char *kv_k_row(const kv_cache *kv, int64_t il, int64_t pos);
const char *kv_v_row(const kv_cache *kv, int64_t il, int64_t pos);

/* Keeps positions 0..n_keep-1 and forgets the rest (n_keep <= kv->n). */
int kv_rollback(kv_cache *kv, int64_t n_keep, tolk_error *err);

#endif
