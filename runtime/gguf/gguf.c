/* GGUF parser and validator. The file is distrusted: every count, length and offset is checked
 * against the bytes left and against overflow before use, and memory grows only with what was
 * actually parsed, so a hostile header can neither crash us nor make us allocate huge buffers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "gguf.h"
#include "gguf_internal.h"
#include "simd.h"

#define GGUF_MAGIC 0x46554747u       /* "GGUF" read as little-endian u32 */
#define GGUF_DEFAULT_ALIGNMENT 32u
#define GGUF_MAX_KEY_LEN 65535u
#define GGUF_MAX_STRING_LEN (1ull << 30) /* ggml's cap; longer strings are a hostile file */
#define GGUF_MAX_NESTING 8              /* arrays of arrays deeper than this are rejected */

/* ---- cursor over the mapped bytes --------------------------------------------------------------- */

typedef struct cursor {
    const uint8_t *base;
    uint64_t size;
    uint64_t pos;
    tolk_error *err;
} cursor;

static int fail_at(cursor *c, uint64_t at, const char *what)
{
    return error_set(c->err, TOLK_E_FORMAT, "%s (at byte %llu)", what, (unsigned long long)at);
}

static uint64_t left(const cursor *c)
{
    return c->size - c->pos;
}

static int read_bytes(cursor *c, void *out, uint64_t n, const char *what)
{
    if (left(c) < n) {
        char msg[160];
        snprintf(msg, sizeof msg, "truncated file: %s needs %llu bytes, %llu left", what,
                 (unsigned long long)n, (unsigned long long)left(c));
        return fail_at(c, c->pos, msg);
    }
    memcpy(out, c->base + c->pos, n);
    c->pos += n;
    return TOLK_OK;
}

static int read_u32(cursor *c, uint32_t *v, const char *what)
{
    return read_bytes(c, v, 4, what); /* GGUF is little-endian, and so are our hosts */
}

static int read_u64(cursor *c, uint64_t *v, const char *what)
{
    return read_bytes(c, v, 8, what);
}

static int read_str(cursor *c, gguf_str *s, uint64_t max_len, const char *what)
{
    uint64_t at = c->pos, len;
    int rc = read_u64(c, &len, what);
    if (rc)
        return rc;
    if (len > max_len || len > left(c)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s length %llu exceeds %s", what, (unsigned long long)len,
                 len > left(c) ? "the bytes left in the file" : "the allowed maximum");
        return fail_at(c, at, msg);
    }
    s->ptr = (const char *)c->base + c->pos;
    s->len = len;
    c->pos += len;
    return TOLK_OK;
}

/* ---- small growable arrays and the owned-allocation list ---------------------------------------- */

static int grow(gguf_file *f, void **buf, uint64_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return TOLK_OK;
    uint64_t ncap = *cap ? *cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem)
        return error_set(f->err, TOLK_E_NOMEM, "array too large");
    void *p = realloc(*buf, ncap * elem);
    if (!p)
        return error_set(f->err, TOLK_E_NOMEM, "out of memory while reading metadata");
    *buf = p;
    *cap = ncap;
    return TOLK_OK;
}

/* Remembers a buffer so gguf_close frees it. */
static int own(gguf_file *f, void *p)
{
    if (!p)
        return TOLK_OK;
    if (grow(f, (void **)&f->owned, &f->owned_cap, f->n_owned + 1, sizeof(void *))) {
        free(p);
        return TOLK_E_NOMEM;
    }
    f->owned[f->n_owned++] = p;
    return TOLK_OK;
}

/* ---- metadata values ---------------------------------------------------------------------------- */

static const uint8_t scalar_size[GGUF_TYPE_COUNT] = {
    [GGUF_TYPE_U8] = 1, [GGUF_TYPE_I8] = 1, [GGUF_TYPE_U16] = 2, [GGUF_TYPE_I16] = 2,
    [GGUF_TYPE_U32] = 4, [GGUF_TYPE_I32] = 4, [GGUF_TYPE_F32] = 4, [GGUF_TYPE_BOOL] = 1,
    [GGUF_TYPE_U64] = 8, [GGUF_TYPE_I64] = 8, [GGUF_TYPE_F64] = 8,
};

static int read_value(gguf_file *f, cursor *c, uint32_t type, gguf_value *v, int depth);

static int read_scalar(cursor *c, uint32_t type, gguf_value *v)
{
    uint64_t at = c->pos;
    uint8_t raw[8] = {0};
    int rc = read_bytes(c, raw, scalar_size[type], "metadata value");
    if (rc)
        return rc;
    v->type = type;
    switch (type) {
    case GGUF_TYPE_U8: v->v.u = raw[0]; break;
    case GGUF_TYPE_I8: v->v.i = (int8_t)raw[0]; break;
    case GGUF_TYPE_U16: { uint16_t x; memcpy(&x, raw, 2); v->v.u = x; break; }
    case GGUF_TYPE_I16: { int16_t x; memcpy(&x, raw, 2); v->v.i = x; break; }
    case GGUF_TYPE_U32: { uint32_t x; memcpy(&x, raw, 4); v->v.u = x; break; }
    case GGUF_TYPE_I32: { int32_t x; memcpy(&x, raw, 4); v->v.i = x; break; }
    case GGUF_TYPE_F32: { float x; memcpy(&x, raw, 4); v->v.f = x; break; }
    case GGUF_TYPE_U64: { uint64_t x; memcpy(&x, raw, 8); v->v.u = x; break; }
    case GGUF_TYPE_I64: { int64_t x; memcpy(&x, raw, 8); v->v.i = x; break; }
    case GGUF_TYPE_F64: { double x; memcpy(&x, raw, 8); v->v.f = x; break; }
    case GGUF_TYPE_BOOL:
        if (raw[0] > 1)
            return fail_at(c, at, "bool value is neither 0 nor 1");
        v->v.u = raw[0];
        break;
    }
    return TOLK_OK;
}

static int read_array(gguf_file *f, cursor *c, gguf_value *v, int depth)
{
    uint64_t at = c->pos;
    uint32_t et;
    uint64_t n;
    int rc = read_u32(c, &et, "array element type");
    if (!rc)
        rc = read_u64(c, &n, "array length");
    if (rc)
        return rc;
    if (et >= GGUF_TYPE_COUNT)
        return fail_at(c, at, "unknown array element type");
    if (et == GGUF_TYPE_ARRAY && depth >= GGUF_MAX_NESTING)
        return fail_at(c, at, "arrays nested too deeply");
    /* Every element takes at least one byte (strings eight, arrays twelve): a cheap upper bound. */
    uint64_t min_elem = et == GGUF_TYPE_STRING ? 8 : et == GGUF_TYPE_ARRAY ? 12 : scalar_size[et];
    if (n > left(c) / min_elem)
        return fail_at(c, at + 4, "array length exceeds the bytes left in the file");
    gguf_array *a = &v->v.a;
    v->type = GGUF_TYPE_ARRAY;
    a->type = et;
    a->n = n;
    a->data = c->base + c->pos;
    if (et == GGUF_TYPE_STRING) {
        gguf_str *strs = NULL;
        uint64_t cap = 0;
        for (uint64_t i = 0; i < n; i++) {
            if ((rc = grow(f, (void **)&strs, &cap, i + 1, sizeof *strs)) ||
                (rc = read_str(c, &strs[i], GGUF_MAX_STRING_LEN, "string in array"))) {
                free(strs);
                return rc;
            }
        }
        a->strs = strs;
        return own(f, strs);
    }
    if (et == GGUF_TYPE_ARRAY) {
        gguf_value *items = NULL;
        uint64_t cap = 0;
        for (uint64_t i = 0; i < n; i++) {
            if ((rc = grow(f, (void **)&items, &cap, i + 1, sizeof *items))) {
                free(items);
                return rc;
            }
            memset(&items[i], 0, sizeof items[i]);
            if ((rc = read_value(f, c, GGUF_TYPE_ARRAY, &items[i], depth + 1))) {
                free(items);
                return rc;
            }
        }
        a->items = items;
        return own(f, items);
    }
    if (et == GGUF_TYPE_BOOL) {
        for (uint64_t i = 0; i < n; i++)
            if (c->base[c->pos + i] > 1)
                return fail_at(c, c->pos + i, "bool value is neither 0 nor 1");
    }
    c->pos += n * min_elem;
    return TOLK_OK;
}

static int read_value(gguf_file *f, cursor *c, uint32_t type, gguf_value *v, int depth)
{
    v->type = type;
    if (type == GGUF_TYPE_STRING)
        return read_str(c, &v->v.s, GGUF_MAX_STRING_LEN, "string value");
    if (type == GGUF_TYPE_ARRAY)
        return read_array(f, c, v, depth);
    return read_scalar(c, type, v);
}

/* ---- header, metadata and tensor infos ---------------------------------------------------------- */

static int parse_header(gguf_file *f, cursor *c, uint64_t *n_tensors, uint64_t *n_kv)
{
    uint32_t magic, version;
    int rc = read_u32(c, &magic, "magic");
    if (rc)
        return rc;
    if (magic != GGUF_MAGIC)
        return fail_at(c, 0, "not a GGUF file (bad magic)");
    if ((rc = read_u32(c, &version, "version")))
        return rc;
    if ((version & 0xffffu) == 0)
        return fail_at(c, 4, "big-endian GGUF files are not supported");
    if (version < 2 || version > 3) {
        char msg[96];
        snprintf(msg, sizeof msg, "unsupported GGUF version %u (tolk reads versions 2 and 3)", version);
        return fail_at(c, 4, msg);
    }
    f->version = version;
    if ((rc = read_u64(c, n_tensors, "tensor count")) || (rc = read_u64(c, n_kv, "metadata count")))
        return rc;
    /* Smallest possible tensor info is 33 bytes, smallest key/value pair 14. */
    if (*n_tensors > left(c) / 33)
        return fail_at(c, 8, "tensor count exceeds what the file could hold");
    if (*n_kv > left(c) / 14)
        return fail_at(c, 16, "metadata count exceeds what the file could hold");
    return TOLK_OK;
}

static int parse_metadata(gguf_file *f, cursor *c, uint64_t n_kv)
{
    uint64_t cap = 0;
    int rc = gguf_index_build(&f->kv_index, n_kv);
    if (rc)
        return error_set(c->err, rc, "out of memory");
    for (uint64_t i = 0; i < n_kv; i++) {
        if ((rc = grow(f, (void **)&f->kvs, &cap, i + 1, sizeof *f->kvs)))
            return rc;
        gguf_kv *kv = &f->kvs[i];
        memset(kv, 0, sizeof *kv);
        uint64_t at = c->pos;
        uint32_t type;
        if ((rc = read_str(c, &kv->key, GGUF_MAX_KEY_LEN, "metadata key")))
            return rc;
        if (kv->key.len == 0)
            return fail_at(c, at, "empty metadata key");
        if (memchr(kv->key.ptr, 0, kv->key.len))
            return fail_at(c, at, "metadata key contains a NUL byte");
        if ((rc = read_u32(c, &type, "metadata value type")))
            return rc;
        if (type >= GGUF_TYPE_COUNT)
            return fail_at(c, c->pos - 4, "unknown metadata value type");
        f->n_kv = i + 1;
        if (gguf_index_insert(&f->kv_index, kv->key.ptr, kv->key.len, i, gguf_kv_name, f) != UINT64_MAX)
            return fail_at(c, at, "duplicate metadata key");
        if ((rc = read_value(f, c, type, &kv->value, 0)))
            return rc;
    }
    const gguf_kv *al = gguf_find_kv(f, "general.alignment");
    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    if (al) {
        if (al->value.type != GGUF_TYPE_U32)
            return error_set(c->err, TOLK_E_FORMAT, "general.alignment must be a u32");
        uint64_t a = al->value.v.u;
        if (a == 0 || (a & (a - 1)))
            return error_set(c->err, TOLK_E_FORMAT, "general.alignment %llu is not a power of two",
                             (unsigned long long)a);
        f->alignment = a;
    }
    return TOLK_OK;
}

/* Element count and byte size of one tensor, rejecting shapes that overflow or do not fit blocks. */
static int check_shape(cursor *c, uint64_t at, gguf_tensor *t)
{
    const simd_type_traits *tr = simd_traits(t->type);
    if (!tr)
        return fail_at(c, at, "unknown or removed tensor type");
    uint64_t n = 1;
    for (int d = 0; d < 4; d++) {
        if (t->ne[d] < 0)
            return fail_at(c, at, "tensor dimension is negative or too large");
        if (t->ne[d] != 0 && n > (uint64_t)INT64_MAX / (uint64_t)t->ne[d])
            return fail_at(c, at, "tensor element count overflows");
        n *= (uint64_t)t->ne[d];
    }
    if (t->ne[0] % tr->block_size)
        return fail_at(c, at, "tensor row length is not a multiple of its type's block size");
    t->n_elements = n;
    t->row_bytes = (uint64_t)t->ne[0] / tr->block_size * tr->type_size;
    uint64_t blocks = n / tr->block_size;
    if (blocks && tr->type_size > UINT64_MAX / blocks)
        return fail_at(c, at, "tensor byte size overflows");
    t->nbytes = blocks * tr->type_size;
    return TOLK_OK;
}

static int parse_tensor_infos(gguf_file *f, cursor *c, uint64_t n_tensors)
{
    uint64_t cap = 0;
    int rc = gguf_index_build(&f->tensor_index, n_tensors);
    if (rc)
        return error_set(c->err, rc, "out of memory");
    for (uint64_t i = 0; i < n_tensors; i++) {
        if ((rc = grow(f, (void **)&f->tensors, &cap, i + 1, sizeof *f->tensors)))
            return rc;
        gguf_tensor *t = &f->tensors[i];
        memset(t, 0, sizeof *t);
        uint64_t at = c->pos;
        gguf_str name;
        if ((rc = read_str(c, &name, 1u << 20, "tensor name")))
            return rc;
        if (name.len == 0 || name.len >= sizeof t->name)
            return fail_at(c, at, name.len ? "tensor name longer than 63 bytes" : "empty tensor name");
        if (memchr(name.ptr, 0, name.len))
            return fail_at(c, at, "tensor name contains a NUL byte");
        memcpy(t->name, name.ptr, name.len);
        f->n_tensors = i + 1;
        if (gguf_index_insert(&f->tensor_index, name.ptr, name.len, i, gguf_tensor_name, f) != UINT64_MAX)
            return fail_at(c, at, "duplicate tensor name");
        if ((rc = read_u32(c, &t->n_dims, "tensor dimension count")))
            return rc;
        if (t->n_dims > 4)
            return fail_at(c, c->pos - 4, "tensor has more than 4 dimensions");
        for (int d = 0; d < 4; d++)
            t->ne[d] = 1;
        for (uint32_t d = 0; d < t->n_dims; d++) {
            uint64_t ne;
            if ((rc = read_u64(c, &ne, "tensor dimension")))
                return rc;
            if (ne > (uint64_t)INT64_MAX)
                return fail_at(c, c->pos - 8, "tensor dimension is negative or too large");
            t->ne[d] = (int64_t)ne;
        }
        uint64_t type_at = c->pos;
        uint64_t offset;
        if ((rc = read_u32(c, &t->type, "tensor type")) || (rc = read_u64(c, &offset, "tensor offset")))
            return rc;
        if ((rc = check_shape(c, type_at, t)))
            return rc;
        t->file_offset = offset; /* relative for now; made absolute once the data start is known */
    }
    return TOLK_OK;
}

static int cmp_offsets(const void *a, const void *b)
{
    const gguf_tensor *x = *(const gguf_tensor *const *)a, *y = *(const gguf_tensor *const *)b;
    return x->file_offset < y->file_offset ? -1 : x->file_offset > y->file_offset;
}

/* Places every tensor in the data section and rejects misaligned, out-of-file or overlapping data. */
static int place_tensors(gguf_file *f, cursor *c)
{
    uint64_t end = c->pos;
    if (f->n_tensors == 0) {
        f->data_offset = end;
        return TOLK_OK;
    }
    uint64_t start = (end + f->alignment - 1) / f->alignment * f->alignment;
    if (start < end || start > f->size)
        return error_set(c->err, TOLK_E_FORMAT, "truncated file: tensor data section starts at byte "
                         "%llu, past the end of the file", (unsigned long long)start);
    f->data_offset = start;
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        gguf_tensor *t = &f->tensors[i];
        uint64_t off = t->file_offset;
        if (off % f->alignment)
            return error_set(c->err, TOLK_E_FORMAT, "tensor '%s': data offset %llu is not aligned to %llu",
                             t->name, (unsigned long long)off, (unsigned long long)f->alignment);
        uint64_t room = f->size - start;
        if (off > room || t->nbytes > room - off)
            return error_set(c->err, TOLK_E_FORMAT, "tensor '%s': data (%llu bytes at byte %llu) is not "
                             "within the file (truncated?)", t->name, (unsigned long long)t->nbytes,
                             (unsigned long long)(start + (off < room ? off : room)));
        t->file_offset = start + off;
        t->data = c->base + t->file_offset;
    }
    const gguf_tensor **order = malloc(f->n_tensors * sizeof *order);
    if (!order)
        return error_set(c->err, TOLK_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < f->n_tensors; i++)
        order[i] = &f->tensors[i];
    qsort(order, f->n_tensors, sizeof *order, cmp_offsets);
    int rc = TOLK_OK;
    for (uint64_t i = 1; i < f->n_tensors && !rc; i++)
        if (order[i]->file_offset < order[i - 1]->file_offset + order[i - 1]->nbytes)
            rc = error_set(c->err, TOLK_E_FORMAT, "tensors '%s' and '%s' overlap (at byte %llu)",
                           order[i - 1]->name, order[i]->name, (unsigned long long)order[i]->file_offset);
    free(order);
    return rc;
}

/* ---- open / close ------------------------------------------------------------------------------- */

gguf_file *gguf_open_memory(const void *data, size_t size, const char *name, tolk_error *err)
{
    gguf_file *f = calloc(1, sizeof *f);
    if (!f) {
        error_set(err, TOLK_E_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    f->path = strdup(name ? name : "(memory)");
    f->base = data;
    f->size = size;
    f->err = err;
    cursor c = {data, size, 0, err};
    uint64_t n_tensors = 0, n_kv = 0;
    int rc = f->path ? TOLK_OK : error_set(err, TOLK_E_NOMEM, "out of memory");
    if (!rc)
        rc = parse_header(f, &c, &n_tensors, &n_kv);
    if (!rc)
        rc = parse_metadata(f, &c, n_kv);
    if (!rc)
        rc = parse_tensor_infos(f, &c, n_tensors);
    if (!rc)
        rc = place_tensors(f, &c);
    f->err = NULL;
    if (rc) {
        error_prefix(err, name ? name : "(memory)");
        gguf_close(f);
        return NULL;
    }
    return f;
}

gguf_file *gguf_open(const char *path, tolk_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error_set(err, TOLK_E_IO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        error_set(err, TOLK_E_IO, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_size == 0) {
        error_set(err, TOLK_E_FORMAT, "%s: empty file (at byte 0)", path);
        close(fd);
        return NULL;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd); /* the mapping keeps the file alive */
    if (map == MAP_FAILED) {
        error_set(err, TOLK_E_IO, "%s: cannot map: %s", path, strerror(errno));
        return NULL;
    }
    gguf_file *f = gguf_open_memory(map, (size_t)st.st_size, path, err);
    if (!f) {
        munmap(map, (size_t)st.st_size);
        return NULL;
    }
    f->mapped = true;
    return f;
}

void gguf_close(gguf_file *f)
{
    if (!f)
        return;
    for (uint64_t i = 0; i < f->n_owned; i++)
        free(f->owned[i]);
    free(f->owned);
    free(f->kvs);
    free(f->tensors);
    free(f->kv_index.slots);
    free(f->tensor_index.slots);
    if (f->mapped)
        munmap((void *)f->base, f->size);
    free(f->path);
    free(f);
}
