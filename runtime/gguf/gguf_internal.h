/* Private layout of an opened GGUF file, shared by the parser (gguf.c), the name hash
 * (gguf_index.c) and the accessors (gguf_meta.c). Nothing outside runtime/gguf/ includes this. */
#ifndef TOLK_GGUF_INTERNAL_H
#define TOLK_GGUF_INTERNAL_H

#include "gguf.h"

/* Open-addressing hash of item indexes by name; UINT64_MAX marks an empty slot. */
typedef struct gguf_index {
    uint64_t *slots;
    uint64_t mask;
} gguf_index;

struct gguf_file {
    char *path;
    const uint8_t *base; /* the mapping (or caller's buffer) */
    uint64_t size;
    bool mapped;
    uint32_t version;
    uint64_t alignment;
    uint64_t data_offset;
    uint64_t n_kv;
    gguf_kv *kvs;
    uint64_t n_tensors;
    gguf_tensor *tensors;
    gguf_index kv_index;
    gguf_index tensor_index;
    void **owned; /* string indexes and nested arrays, freed on close */
    uint64_t n_owned, owned_cap;
    tolk_error *err; /* only while parsing */
};

/* ---- gguf_index.c ---- */

/* An empty index with room for N names (TOLK_E_NOMEM when it cannot be allocated). */
int gguf_index_build(gguf_index *ix, uint64_t n);

/* Inserts item idx with name (p, n); returns the index of an existing item with the same name, or
 * UINT64_MAX when it was new. name_of gives the name of an inserted item. */
uint64_t gguf_index_insert(gguf_index *ix, const char *p, uint64_t n, uint64_t idx,
                           gguf_str (*name_of)(const void *, uint64_t), const void *ctx);
/* The item named (p, n), or UINT64_MAX. */
uint64_t gguf_index_find(const gguf_index *ix, const char *p, uint64_t n,
                         gguf_str (*name_of)(const void *, uint64_t), const void *ctx);
/* name_of callbacks over a gguf_file: the key of kv i, the name of tensor i. */
gguf_str gguf_kv_name(const void *ctx, uint64_t i);
gguf_str gguf_tensor_name(const void *ctx, uint64_t i);

#endif
