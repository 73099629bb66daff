/* Test helper: builds GGUF images byte by byte in memory, so tests can make valid files and
 * precisely broken ones (wrong counts, bad offsets, truncations) without fixtures on disk. */
#ifndef TOLK_TEST_GGUF_IMAGE_H
#define TOLK_TEST_GGUF_IMAGE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct image {
    uint8_t *b;
    size_t n, cap;
} image;

static inline void img_put(image *m, const void *p, size_t n)
{
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2 + 64;
        m->b = realloc(m->b, m->cap);
        if (!m->b)
            abort(); /* test helper: out of memory is a broken test machine */
    }
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

static inline void img_u32(image *m, uint32_t v) { img_put(m, &v, 4); }
static inline void img_u64(image *m, uint64_t v) { img_put(m, &v, 8); }
static inline void img_f32(image *m, float v) { img_put(m, &v, 4); }

static inline void img_str(image *m, const char *s)
{
    img_u64(m, strlen(s));
    img_put(m, s, strlen(s));
}

static inline void img_header(image *m, uint32_t version, uint64_t n_tensors, uint64_t n_kv)
{
    img_put(m, "GGUF", 4);
    img_u32(m, version);
    img_u64(m, n_tensors);
    img_u64(m, n_kv);
}

/* Key + type tag; the caller appends the value. */
static inline void img_key(image *m, const char *key, uint32_t type)
{
    img_str(m, key);
    img_u32(m, type);
}

static inline void img_tensor_info(image *m, const char *name, uint32_t n_dims, const uint64_t *ne,
                                   uint32_t type, uint64_t offset)
{
    img_str(m, name);
    img_u32(m, n_dims);
    for (uint32_t d = 0; d < n_dims; d++)
        img_u64(m, ne[d]);
    img_u32(m, type);
    img_u64(m, offset);
}

static inline void img_pad(image *m, size_t align)
{
    static const uint8_t zero[64];
    while (m->n % align)
        img_put(m, zero, 1);
}

static inline void img_zeros(image *m, size_t n)
{
    static const uint8_t zero[256];
    while (n) {
        size_t k = n < sizeof zero ? n : sizeof zero;
        img_put(m, zero, k);
        n -= k;
    }
}

#endif
