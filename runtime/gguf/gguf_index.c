/* The name hash of an opened GGUF file (declared in gguf_internal.h): FNV-1a over the name, open addressing with
 * linear probing. The parser uses it to refuse duplicate keys and tensor names; the getters to find
 * them in O(1). */
#include <stdlib.h>
#include <string.h>

#include "gguf_internal.h"

static uint64_t hash_bytes(const char *p, uint64_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (uint64_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
    return h;
}

int gguf_index_build(gguf_index *ix, uint64_t n)
{
    uint64_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    ix->slots = malloc(cap * sizeof *ix->slots);
    if (!ix->slots)
        return TOLK_E_NOMEM;
    memset(ix->slots, 0xff, cap * sizeof *ix->slots);
    ix->mask = cap - 1;
    return TOLK_OK;
}

uint64_t gguf_index_insert(gguf_index *ix, const char *p, uint64_t n, uint64_t idx,
                           gguf_str (*name_of)(const void *, uint64_t), const void *ctx)
{
    for (uint64_t s = hash_bytes(p, n) & ix->mask;; s = (s + 1) & ix->mask) {
        if (ix->slots[s] == UINT64_MAX) {
            ix->slots[s] = idx;
            return UINT64_MAX;
        }
        gguf_str o = name_of(ctx, ix->slots[s]);
        if (o.len == n && !memcmp(o.ptr, p, n))
            return ix->slots[s];
    }
}

uint64_t gguf_index_find(const gguf_index *ix, const char *p, uint64_t n,
                         gguf_str (*name_of)(const void *, uint64_t), const void *ctx)
{
    if (!ix->slots)
        return UINT64_MAX;
    for (uint64_t s = hash_bytes(p, n) & ix->mask;; s = (s + 1) & ix->mask) {
        if (ix->slots[s] == UINT64_MAX)
            return UINT64_MAX;
        gguf_str o = name_of(ctx, ix->slots[s]);
        if (o.len == n && !memcmp(o.ptr, p, n))
            return ix->slots[s];
    }
}

gguf_str gguf_kv_name(const void *ctx, uint64_t i)
{
    return ((const gguf_file *)ctx)->kvs[i].key;
}

gguf_str gguf_tensor_name(const void *ctx, uint64_t i)
{
    const gguf_tensor *t = &((const gguf_file *)ctx)->tensors[i];
    return (gguf_str){t->name, strlen(t->name)};
}
