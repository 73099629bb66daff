/* KV cache storage and bookkeeping (see kv.h). Conversions go through simd/ so the F16 rounding
 * and the Q8_0 blocks are the same ones the attention kernels read back. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kv.h"
#include "simd.h"

int kv_type_from_name(const char *name)
{
    if (!strcasecmp(name, "f16"))
        return TOLK_TYPE_F16;
    if (!strcasecmp(name, "q8_0"))
        return TOLK_TYPE_Q8_0;
    return -1;
}

int kv_init(kv_cache *kv, uint32_t type, int64_t n_ctx, int64_t n_layer, int64_t n_head_kv,
            int64_t head_dim, int64_t head_dim_v, tolk_error *err)
{
    memset(kv, 0, sizeof *kv);
    if (n_layer <= 0)
        return error_set(err, TOLK_E_ARG, "KV cache dimensions must be positive");
    int64_t *h = malloc(sizeof *h * 3 * (size_t)n_layer);
    if (!h)
        return error_set(err, TOLK_E_NOMEM, "out of memory for the KV cache");
    for (int64_t il = 0; il < n_layer; il++) {
        h[il] = n_head_kv;
        h[n_layer + il] = head_dim;
        h[2 * n_layer + il] = head_dim_v;
    }
    const int rc = kv_init_layers(kv, type, n_ctx, n_layer, h, h + n_layer, h + 2 * n_layer, err);
    free(h);
    return rc;
}

int kv_init_layers(kv_cache *kv, uint32_t type, int64_t n_ctx, int64_t n_layer, const int64_t *n_head_kv,
                   const int64_t *head_dim, const int64_t *head_dim_v, tolk_error *err)
{
    return kv_init_rings(kv, type, n_ctx, n_layer, n_head_kv, head_dim, head_dim_v, NULL, 0, err);
}

int kv_plan_rings(kv_cache *kv, uint32_t type, int64_t n_ctx, int64_t n_layer, const int64_t *n_head_kv,
                  const int64_t *head_dim, const int64_t *head_dim_v, const int64_t *window, int64_t keep,
                  tolk_error *err)
{
    memset(kv, 0, sizeof *kv);
    if (type != TOLK_TYPE_F16 && type != TOLK_TYPE_Q8_0)
        return error_set(err, TOLK_E_ARG, "KV cache type must be f16 or q8_0");
    if (n_ctx <= 0 || n_layer <= 0)
        return error_set(err, TOLK_E_ARG, "KV cache dimensions must be positive");
    for (int64_t il = 0; il < n_layer; il++) {
        if (n_head_kv[il] <= 0 || head_dim[il] <= 0 || head_dim_v[il] <= 0)
            return error_set(err, TOLK_E_ARG, "KV cache dimensions must be positive");
        if (n_head_kv[il] > (1 << 24) / head_dim[il] || n_head_kv[il] > (1 << 24) / head_dim_v[il])
            return error_set(err, TOLK_E_ARG, "KV cache rows of layer %lld are too wide", (long long)il);
        if (type == TOLK_TYPE_Q8_0 && (head_dim[il] % 32 || head_dim_v[il] % 32))
            return error_set(err, TOLK_E_UNSUPPORTED, "a q8_0 KV cache needs head sizes that are "
                             "multiples of 32 (this model has %lld and %lld)", (long long)head_dim[il],
                             (long long)head_dim_v[il]);
        if (window && window[il] < 0)
            return error_set(err, TOLK_E_ARG, "KV cache window of layer %lld is negative", (long long)il);
    }
    if (window && keep < 1)
        return error_set(err, TOLK_E_ARG, "KV cache rings need keep >= 1 (got %lld)", (long long)keep);
    kv->type = type;
    kv->n_ctx = n_ctx;
    kv->n_layer = n_layer;
    if (!(kv->layer = calloc((size_t)n_layer, sizeof *kv->layer)))
        return error_set(err, TOLK_E_NOMEM, "out of memory for the KV cache");
    double total = 0.0;
    size_t k_at = 0, v_at = 0;
    for (int64_t il = 0; il < n_layer; il++) {
        kv_layer *l = &kv->layer[il];
        l->k_width = n_head_kv[il] * head_dim[il];
        l->v_width = n_head_kv[il] * head_dim_v[il];
        l->k_row_bytes = simd_row_bytes(type, l->k_width);
        l->v_row_bytes = simd_row_bytes(type, l->v_width);
        l->window = window ? window[il] : 0;
        l->rows = l->window > 0 && l->window - 1 < n_ctx - keep ? l->window + keep - 1 : n_ctx;
        if (l->rows < n_ctx)
            kv->keep = keep;
        total += (double)l->rows * (double)(l->k_row_bytes + l->v_row_bytes);
        if (total > (double)SIZE_MAX / 2) {
            kv_free(kv);
            return error_set(err, TOLK_E_NOMEM, "KV cache of %lld positions is too large", (long long)n_ctx);
        }
        l->k_off = k_at;
        l->v_off = v_at;
        k_at += (size_t)l->rows * l->k_row_bytes;
        v_at += (size_t)l->rows * l->v_row_bytes;
        if (l->k_width > kv->k_width) {
            kv->k_width = l->k_width;
            kv->k_row_bytes = l->k_row_bytes;
        }
        if (l->v_width > kv->v_width) {
            kv->v_width = l->v_width;
            kv->v_row_bytes = l->v_row_bytes;
        }
    }
    kv->bytes = k_at + v_at;
    return TOLK_OK;
}

int kv_init_rings(kv_cache *kv, uint32_t type, int64_t n_ctx, int64_t n_layer, const int64_t *n_head_kv,
                  const int64_t *head_dim, const int64_t *head_dim_v, const int64_t *window, int64_t keep,
                  tolk_error *err)
{
    int rc = kv_plan_rings(kv, type, n_ctx, n_layer, n_head_kv, head_dim, head_dim_v, window, keep, err);
    if (rc)
        return rc;
    const kv_layer *last = &kv->layer[n_layer - 1];
    kv->k = malloc(last->k_off + (size_t)last->rows * last->k_row_bytes);
    kv->v = malloc(last->v_off + (size_t)last->rows * last->v_row_bytes);
    if (!kv->k || !kv->v) {
        kv_free(kv);
        return error_set(err, TOLK_E_NOMEM, "cannot allocate a KV cache of %.1f MiB (%lld positions)",
                         (double)kv->bytes / (1024.0 * 1024.0), (long long)n_ctx);
    }
    return TOLK_OK;
}

int kv_init_like(kv_cache *kv, const kv_cache *src, int64_t n_ctx, tolk_error *err)
{
    memset(kv, 0, sizeof *kv);
    if (src->n_layer <= 0 || !src->layer)
        return error_set(err, TOLK_E_ARG, "KV cache dimensions must be positive");
    const int64_t nl = src->n_layer;
    int64_t *h = malloc(sizeof *h * 4 * (size_t)nl);
    if (!h)
        return error_set(err, TOLK_E_NOMEM, "out of memory for the KV cache");
    for (int64_t il = 0; il < nl; il++) { /* one head per layer: the widths are what matters */
        h[il] = 1;
        h[nl + il] = src->layer[il].k_width;
        h[2 * nl + il] = src->layer[il].v_width;
        h[3 * nl + il] = src->keep > 0 ? src->layer[il].window : 0;
    }
    const int rc = kv_init_rings(kv, src->type, n_ctx, nl, h, h + nl, h + 2 * nl, src->keep > 0 ? h + 3 * nl : NULL,
                                 src->keep, err);
    free(h);
    return rc;
}

void kv_free(kv_cache *kv)
{
    free(kv->k);
    free(kv->v);
    free(kv->layer);
    kv->k = kv->v = NULL;
    kv->layer = NULL;
    kv->n = 0;
}

int kv_check_room(const kv_cache *kv, int64_t n_new, tolk_error *err)
{
    if (n_new < 0 || n_new > kv->n_ctx - kv->n)
        return error_set(err, TOLK_E_STATE, "context full: %lld of %lld positions used, %lld more "
                         "requested (raise the context size)", (long long)kv->n, (long long)kv->n_ctx,
                         (long long)n_new);
    return TOLK_OK;
}

int kv_check_pass(const kv_cache *kv, int64_t n_new, tolk_error *err)
{
    if (kv->keep > 0 && n_new > kv->keep)
        return error_set(err, TOLK_E_STATE, "a pass of %lld positions is more than the sliding-window layers' "
                         "KV ring keeps room for (%lld)", (long long)n_new, (long long)kv->keep);
    return TOLK_OK;
}

/* Byte offset of position pos's row within its layer's block (rows of size ROW_BYTES); a full
 * layer (and a ring before it wraps) skips the division. */
static size_t row_at(const kv_layer *l, int64_t pos, size_t row_bytes)
{
    return (size_t)(pos < l->rows ? pos : pos % l->rows) * row_bytes;
}

static void store_row(uint32_t type, const float *src, char *dst, int64_t n)
{
    if (type == TOLK_TYPE_F16) {
        uint16_t *h = (uint16_t *)dst;
        for (int64_t i = 0; i < n; i++)
            h[i] = simd_f32_to_f16(src[i]);
    } else {
        simd_quantize_row(type, src, dst, n);
    }
}

void kv_store(kv_cache *kv, int64_t il, int64_t pos, const float *k, const float *v)
{
    const kv_layer *l = &kv->layer[il];
    store_row(kv->type, k, kv->k + l->k_off + row_at(l, pos, l->k_row_bytes), l->k_width);
    store_row(kv->type, v, kv->v + l->v_off + row_at(l, pos, l->v_row_bytes), l->v_width);
}

void kv_commit(kv_cache *kv, int64_t n_new)
{
    kv->n += n_new;
    /* positions n - rows and below shared a ring row with a position just written */
    for (int64_t il = 0; kv->keep > 0 && il < kv->n_layer; il++)
        if (kv->n - kv->layer[il].rows > kv->lost)
            kv->lost = kv->n - kv->layer[il].rows;
}

const char *kv_k_row(const kv_cache *kv, int64_t il, int64_t pos)
{
    return kv->k + kv->layer[il].k_off + row_at(&kv->layer[il], pos, kv->layer[il].k_row_bytes);
}

const char *kv_v_row(const kv_cache *kv, int64_t il, int64_t pos)
{
    return kv->v + kv->layer[il].v_off + row_at(&kv->layer[il], pos, kv->layer[il].v_row_bytes);
}

size_t kv_k_stride(const kv_cache *kv, int64_t il)
{
    return kv->layer[il].k_row_bytes;
}

size_t kv_v_stride(const kv_cache *kv, int64_t il)
{
    return kv->layer[il].v_row_bytes;
}

int64_t kv_run(const kv_cache *kv, int64_t il, int64_t pos, int64_t last)
{
    const int64_t to_end = kv->layer[il].rows - pos % kv->layer[il].rows;
    return last - pos + 1 < to_end ? last - pos + 1 : to_end;
}

int kv_rollback(kv_cache *kv, int64_t n_keep, tolk_error *err)
{
    if (n_keep < 0 || n_keep > kv->n)
        return error_set(err, TOLK_E_ARG, "cannot roll the KV cache back to %lld positions: it holds %lld",
                         (long long)n_keep, (long long)kv->n);
    /* Position n_keep (the next one written) sees n_keep - window + 1 .. n_keep - 1: none of them
     * may have been overwritten. */
    for (int64_t il = 0; n_keep > 0 && kv->keep > 0 && il < kv->n_layer; il++) {
        const kv_layer *l = &kv->layer[il];
        const int64_t first = n_keep - l->window + 1 > 0 ? n_keep - l->window + 1 : 0;
        if (l->rows < kv->n_ctx && first < kv->lost)
            return error_set(err, TOLK_E_STATE, "cannot roll the KV cache back to %lld positions: the sliding-window "
                             "layers keep %lld rows and have overwritten position %lld (a rollback reaches at most "
                             "%lld positions back from the furthest position written)", (long long)n_keep,
                             (long long)l->rows, (long long)first, (long long)kv->keep);
    }
    if (n_keep == 0)
        kv->lost = 0;
    kv->n = n_keep;
    return TOLK_OK;
}
