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
    if (type != TOLK_TYPE_F16 && type != TOLK_TYPE_Q8_0)
        return error_set(err, TOLK_E_ARG, "KV cache type must be f16 or q8_0");
    if (type == TOLK_TYPE_Q8_0 && (head_dim % 32 || head_dim_v % 32))
        return error_set(err, TOLK_E_UNSUPPORTED, "a q8_0 KV cache needs head sizes that are "
                         "multiples of 32 (this model has %lld and %lld)", (long long)head_dim,
                         (long long)head_dim_v);
    if (n_ctx <= 0 || n_layer <= 0 || n_head_kv <= 0 || head_dim <= 0 || head_dim_v <= 0)
        return error_set(err, TOLK_E_ARG, "KV cache dimensions must be positive");
    kv->type = type;
    kv->n_ctx = n_ctx;
    kv->n_layer = n_layer;
    kv->k_width = n_head_kv * head_dim;
    kv->v_width = n_head_kv * head_dim_v;
    kv->k_row_bytes = simd_row_bytes(type, kv->k_width);
    kv->v_row_bytes = simd_row_bytes(type, kv->v_width);
    const double total = (double)n_layer * (double)n_ctx * (double)(kv->k_row_bytes + kv->v_row_bytes);
    if (total > (double)SIZE_MAX / 2)
        return error_set(err, TOLK_E_NOMEM, "KV cache of %lld positions is too large", (long long)n_ctx);
    size_t per_layer_k = (size_t)n_ctx * kv->k_row_bytes, per_layer_v = (size_t)n_ctx * kv->v_row_bytes;
    kv->k = malloc(per_layer_k * (size_t)n_layer);
    kv->v = malloc(per_layer_v * (size_t)n_layer);
    if (!kv->k || !kv->v) {
        kv_free(kv);
        return error_set(err, TOLK_E_NOMEM, "cannot allocate a KV cache of %.1f MiB (%lld positions)",
                         total / (1024.0 * 1024.0), (long long)n_ctx);
    }
    return TOLK_OK;
}

void kv_free(kv_cache *kv)
{
    free(kv->k);
    free(kv->v);
    kv->k = kv->v = NULL;
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
    store_row(kv->type, k, kv->k + ((size_t)il * (size_t)kv->n_ctx + (size_t)pos) * kv->k_row_bytes,
              kv->k_width);
    store_row(kv->type, v, kv->v + ((size_t)il * (size_t)kv->n_ctx + (size_t)pos) * kv->v_row_bytes,
              kv->v_width);
}

void kv_commit(kv_cache *kv, int64_t n_new)
{
    kv->n += n_new;
}

const char *kv_k_row(const kv_cache *kv, int64_t il, int64_t pos)
{
    return kv->k + ((size_t)il * (size_t)kv->n_ctx + (size_t)pos) * kv->k_row_bytes;
}

const char *kv_v_row(const kv_cache *kv, int64_t il, int64_t pos)
{
    return kv->v + ((size_t)il * (size_t)kv->n_ctx + (size_t)pos) * kv->v_row_bytes;
}

int kv_rollback(kv_cache *kv, int64_t n_keep, tolk_error *err)
{
    if (n_keep < 0 || n_keep > kv->n)
        return error_set(err, TOLK_E_ARG, "cannot roll the KV cache back to %lld positions: it holds %lld",
                         (long long)n_keep, (long long)kv->n);
    kv->n = n_keep;
    return TOLK_OK;
}
