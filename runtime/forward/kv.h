/* The KV cache: per layer, one row of keys and one row of values per position, stored as F16 (the
 * default, like llama.cpp) or Q8_0. Each layer's rows are as wide as that layer's own keys and values
 * (gemma4's sliding and global layers differ), so no layer pays for the widest one. A layer whose
 * readers only see the last `window` positions (sliding-window attention) keeps a ring of
 * window + keep - 1 rows (position p in row p mod rows) instead of n_ctx rows; docs/KV.md gives the
 * layout and the bounds. Positions are appended in order and can be rolled back (for speculative
 * verification and re-used prompts); asking for more room than n_ctx is an error. */
#ifndef TOLK_KV_H
#define TOLK_KV_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* One layer's rows: widths in values, bytes per position, where its first row starts. */
typedef struct kv_layer {
    int64_t k_width, v_width;     /* n_head_kv * head_dim, n_head_kv * head_dim_v of the layer */
    size_t k_row_bytes, v_row_bytes;
    size_t k_off, v_off;          /* byte offsets of the layer's block in k and v */
    int64_t rows;                 /* rows stored: n_ctx, or fewer for a ring (position p in row p mod rows) */
    int64_t window;               /* > 0: readers see only positions pos_q - window + 1 .. pos_q */
} kv_layer;

typedef struct kv_cache {
    uint32_t type;      /* TOLK_TYPE_F16 or TOLK_TYPE_Q8_0 */
    int64_t n_ctx;      /* positions per layer */
    int64_t n_layer;
    int64_t k_width;    /* the widest layer's n_head_kv * head_dim */
    int64_t v_width;    /* the widest layer's n_head_kv * head_dim_v */
    size_t k_row_bytes; /* bytes of one position's keys in the widest layer */
    size_t v_row_bytes;
    kv_layer *layer;    /* [n_layer] */
    char *k;            /* layer il: n_ctx rows of layer[il].k_row_bytes from layer[il].k_off */
    char *v;
    size_t bytes;       /* k and v together */
    int64_t n;          /* positions in use: 0..n-1 */
    int64_t keep;       /* ring layers: rows = min(n_ctx, window + keep - 1); 0 when no layer is a ring */
    int64_t lost;       /* ring layers may have overwritten positions below this one (kv_rollback) */
} kv_cache;

/* Allocates the cache with the same width in every layer. Q8_0 needs head_dim and head_dim_v to be
 * multiples of 32 (each head's slice must be whole blocks for the attention dot products). */
int kv_init(kv_cache *kv, uint32_t type, int64_t n_ctx, int64_t n_layer, int64_t n_head_kv,
            int64_t head_dim, int64_t head_dim_v, tolk_error *err);
/* The same with each layer's own KV head count and head sizes ([n_layer] arrays). */
int kv_init_layers(kv_cache *kv, uint32_t type, int64_t n_ctx, int64_t n_layer, const int64_t *n_head_kv,
                   const int64_t *head_dim, const int64_t *head_dim_v, tolk_error *err);
/* The same where layer il's readers see only the last WINDOW[il] positions (0: all): such a layer
 * keeps min(n_ctx, window + keep - 1) rows. KEEP >= 1 is both the most positions one pass may add
 * (kv_check_pass) and the furthest a rollback may reach back from the furthest position written
 * (kv_rollback). WINDOW NULL: every layer full, as kv_init_layers. */
int kv_init_rings(kv_cache *kv, uint32_t type, int64_t n_ctx, int64_t n_layer, const int64_t *n_head_kv,
                  const int64_t *head_dim, const int64_t *head_dim_v, const int64_t *window, int64_t keep,
                  tolk_error *err);
/* kv_init_rings without the rows: the layout and kv->bytes only (kv_free releases it). */
int kv_plan_rings(kv_cache *kv, uint32_t type, int64_t n_ctx, int64_t n_layer, const int64_t *n_head_kv,
                  const int64_t *head_dim, const int64_t *head_dim_v, const int64_t *window, int64_t keep,
                  tolk_error *err);
/* A cache of N_CTX positions with the layers, widths, windows and type of SRC (nothing copied). */
int kv_init_like(kv_cache *kv, const kv_cache *src, int64_t n_ctx, tolk_error *err);
void kv_free(kv_cache *kv);

/* Parses "f16" / "q8_0" into a type id; -1 when unknown. */
int kv_type_from_name(const char *name);

/* Fails with TOLK_E_STATE when n_new more positions do not fit. */
int kv_check_room(const kv_cache *kv, int64_t n_new, tolk_error *err);

/* Fails with TOLK_E_STATE when a pass of n_new positions would overwrite, in a ring layer, keys its
 * own first query still sees (n_new > keep). */
int kv_check_pass(const kv_cache *kv, int64_t n_new, tolk_error *err);

/* Writes the keys and values of position pos (< n_ctx) in layer il, converting from f32 (the layer's
 * k_width and v_width values of k and v). Does not
 * change kv->n: the forward pass commits a batch with kv_commit once every layer is written. */
void kv_store(kv_cache *kv, int64_t il, int64_t pos, const float *k, const float *v);
void kv_commit(kv_cache *kv, int64_t n_new);

/* Row pointers of position pos, and the bytes from one row to the next in layer il. */
const char *kv_k_row(const kv_cache *kv, int64_t il, int64_t pos);
const char *kv_v_row(const kv_cache *kv, int64_t il, int64_t pos);
size_t kv_k_stride(const kv_cache *kv, int64_t il);
size_t kv_v_stride(const kv_cache *kv, int64_t il);
/* How many of the positions pos..last lie in consecutive rows from pos's row (a ring wraps). */
int64_t kv_run(const kv_cache *kv, int64_t il, int64_t pos, int64_t last);

/* Keeps positions 0..n_keep-1 and forgets the rest (n_keep <= kv->n). Fails with TOLK_E_STATE,
 * leaving the cache as it was, where a ring layer has overwritten keys that position n_keep would
 * see: a rollback reaches at most keep positions back from the furthest position written since the
 * last rollback to 0 (always allowed). */
int kv_rollback(kv_cache *kv, int64_t n_keep, tolk_error *err);

#endif
