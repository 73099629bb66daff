/* GGUF v3 writer (see gguf_write.h). Metadata is serialised into memory as it is added (it is small
 * next to the weights: a 150k-token vocabulary is a few MB); tensor data goes straight to the file
 * through stdio's buffer, padded exactly as llama.cpp's writer pads it, so offsets match what its
 * reader recomputes. Assumes a little-endian host, like the rest of tolk. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "gguf_write.h"
#include "simd.h"

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the GGUF writer assumes a little-endian host");
#endif

#define GGUF_MAGIC_BYTES "GGUF"
#define GGUF_WRITE_VERSION 3u
#define GGUF_DEFAULT_ALIGN 32u
#define GGUF_NAME_MAX 64 /* ggml requires names shorter than this */

typedef struct wtensor {
    char name[GGUF_NAME_MAX];
    uint32_t type;
    uint32_t n_dims;
    int64_t ne[4];
    uint64_t nbytes;
    uint64_t offset; /* relative to the data section */
} wtensor;

typedef struct bytebuf {
    uint8_t *p;
    size_t len, cap;
} bytebuf;

struct gguf_writer {
    char *path, *tmp_path;
    FILE *fp;
    uint32_t alignment;
    bytebuf kv;         /* serialised key/value pairs */
    char **keys;        /* for the duplicate check */
    uint64_t n_kv, cap_kv;
    wtensor *tensors;
    uint64_t n_tensors, cap_tensors;
    bool data_started, finished;
    uint64_t cur;       /* tensor receiving data */
    uint64_t cur_done;  /* bytes of it written so far */
};

/* ---- small helpers ---------------------------------------------------------------------------- */

static int buf_reserve(bytebuf *b, size_t extra, tolk_error *err)
{
    if (extra > SIZE_MAX - b->len)
        return error_set(err, TOLK_E_NOMEM, "gguf writer: metadata too large");
    if (b->len + extra <= b->cap)
        return TOLK_OK;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra)
        cap = cap > SIZE_MAX / 2 ? b->len + extra : cap * 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return error_set(err, TOLK_E_NOMEM, "gguf writer: out of memory for metadata (%zu bytes)", cap);
    b->p = p;
    b->cap = cap;
    return TOLK_OK;
}

static int buf_put(bytebuf *b, const void *data, size_t n, tolk_error *err)
{
    int rc = buf_reserve(b, n, err);
    if (rc)
        return rc;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    return TOLK_OK;
}

static int buf_u32(bytebuf *b, uint32_t v, tolk_error *err) { return buf_put(b, &v, 4, err); }
static int buf_u64(bytebuf *b, uint64_t v, tolk_error *err) { return buf_put(b, &v, 8, err); }

static int buf_str(bytebuf *b, const char *s, uint64_t len, tolk_error *err)
{
    int rc = buf_u64(b, len, err);
    return rc ? rc : buf_put(b, s, (size_t)len, err);
}

/* Bytes of one element of a fixed-size value type; 0 for string/array/unknown. */
static size_t value_size(uint32_t type)
{
    switch (type) {
    case GGUF_TYPE_U8: case GGUF_TYPE_I8: case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_U16: case GGUF_TYPE_I16: return 2;
    case GGUF_TYPE_U32: case GGUF_TYPE_I32: case GGUF_TYPE_F32: return 4;
    case GGUF_TYPE_U64: case GGUF_TYPE_I64: case GGUF_TYPE_F64: return 8;
    default: return 0;
    }
}

static uint64_t pad_to(uint64_t x, uint64_t align) { return (x + align - 1) / align * align; }

/* ---- lifecycle -------------------------------------------------------------------------------- */

gguf_writer *gguf_writer_open(const char *path, tolk_error *err)
{
    /* The file is written as PATH.part and renamed into place; renaming over a device or a FIFO
     * (/dev/null) would replace it, so only regular files (or new names) are accepted. */
    struct stat st;
    if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
        error_set(err, TOLK_E_ARG, "%s is not a regular file: a GGUF file is written to a new or regular file", path);
        return NULL;
    }
    gguf_writer *w = calloc(1, sizeof *w);
    size_t n = strlen(path);
    if (!w || !(w->path = malloc(n + 1)) || !(w->tmp_path = malloc(n + 6))) {
        gguf_writer_close(w);
        error_set(err, TOLK_E_NOMEM, "gguf writer: out of memory");
        return NULL;
    }
    memcpy(w->path, path, n + 1);
    memcpy(w->tmp_path, path, n);
    memcpy(w->tmp_path + n, ".part", 6);
    w->alignment = GGUF_DEFAULT_ALIGN;
    w->fp = fopen(w->tmp_path, "wb");
    if (!w->fp) {
        error_set(err, TOLK_E_IO, "%s: cannot create: %s", w->tmp_path, strerror(errno));
        free(w->tmp_path); /* nothing was created: keep close() from unlinking someone else's file */
        w->tmp_path = NULL;
        gguf_writer_close(w);
        return NULL;
    }
    /* Large sequential writes: a bigger stdio buffer means fewer syscalls for row-sized chunks. */
    setvbuf(w->fp, NULL, _IOFBF, 1 << 20);
    return w;
}

void gguf_writer_close(gguf_writer *w)
{
    if (!w)
        return;
    if (w->fp)
        fclose(w->fp);
    if (!w->finished && w->tmp_path && w->fp)
        unlink(w->tmp_path);
    for (uint64_t i = 0; i < w->n_kv; i++)
        free(w->keys[i]);
    free(w->keys);
    free(w->kv.p);
    free(w->tensors);
    free(w->path);
    free(w->tmp_path);
    free(w);
}

/* ---- metadata --------------------------------------------------------------------------------- */

bool gguf_writer_has_key(const gguf_writer *w, const char *key)
{
    for (uint64_t i = 0; i < w->n_kv; i++)
        if (!strcmp(w->keys[i], key))
            return true;
    return false;
}

/* Checks the key, remembers it and serialises "key, type"; the caller appends the value. */
static int begin_kv(gguf_writer *w, const char *key, uint32_t type, tolk_error *err)
{
    if (w->data_started)
        return error_set(err, TOLK_E_STATE, "gguf writer: metadata '%s' added after the data started", key);
    size_t n = strlen(key);
    if (n == 0)
        return error_set(err, TOLK_E_ARG, "gguf writer: empty metadata key");
    if (n > 65535)
        return error_set(err, TOLK_E_ARG, "gguf writer: metadata key longer than 65535 bytes");
    if (gguf_writer_has_key(w, key))
        return error_set(err, TOLK_E_ARG, "gguf writer: duplicate metadata key '%s'", key);
    if (w->n_kv == w->cap_kv) {
        uint64_t cap = w->cap_kv ? w->cap_kv * 2 : 32;
        char **k = realloc(w->keys, cap * sizeof *k);
        if (!k)
            return error_set(err, TOLK_E_NOMEM, "gguf writer: out of memory");
        w->keys = k;
        w->cap_kv = cap;
    }
    char *copy = malloc(n + 1);
    if (!copy)
        return error_set(err, TOLK_E_NOMEM, "gguf writer: out of memory");
    memcpy(copy, key, n + 1);
    int rc = buf_str(&w->kv, key, n, err);
    if (!rc)
        rc = buf_u32(&w->kv, type, err);
    if (rc) {
        free(copy);
        return rc;
    }
    w->keys[w->n_kv++] = copy;
    return TOLK_OK;
}

/* Serialises one fixed-size scalar from a C object of that type. */
static int put_scalar(bytebuf *b, uint32_t type, const void *value, tolk_error *err)
{
    if (type == GGUF_TYPE_BOOL) {
        uint8_t v = *(const bool *)value ? 1 : 0;
        return buf_put(b, &v, 1, err);
    }
    return buf_put(b, value, value_size(type), err);
}

int gguf_writer_add_scalar(gguf_writer *w, const char *key, uint32_t type, const void *value,
                           tolk_error *err)
{
    if (value_size(type) == 0)
        return error_set(err, TOLK_E_ARG, "gguf writer: '%s': type %u is not a fixed-size scalar", key,
                         type);
    int rc = begin_kv(w, key, type, err);
    return rc ? rc : put_scalar(&w->kv, type, value, err);
}

int gguf_writer_add_u32(gguf_writer *w, const char *key, uint32_t v, tolk_error *err)
{
    return gguf_writer_add_scalar(w, key, GGUF_TYPE_U32, &v, err);
}

int gguf_writer_add_i32(gguf_writer *w, const char *key, int32_t v, tolk_error *err)
{
    return gguf_writer_add_scalar(w, key, GGUF_TYPE_I32, &v, err);
}

int gguf_writer_add_u64(gguf_writer *w, const char *key, uint64_t v, tolk_error *err)
{
    return gguf_writer_add_scalar(w, key, GGUF_TYPE_U64, &v, err);
}

int gguf_writer_add_f32(gguf_writer *w, const char *key, float v, tolk_error *err)
{
    return gguf_writer_add_scalar(w, key, GGUF_TYPE_F32, &v, err);
}

int gguf_writer_add_bool(gguf_writer *w, const char *key, bool v, tolk_error *err)
{
    return gguf_writer_add_scalar(w, key, GGUF_TYPE_BOOL, &v, err);
}

int gguf_writer_add_strn(gguf_writer *w, const char *key, const char *s, uint64_t len, tolk_error *err)
{
    int rc = begin_kv(w, key, GGUF_TYPE_STRING, err);
    return rc ? rc : buf_str(&w->kv, s, len, err);
}

int gguf_writer_add_str(gguf_writer *w, const char *key, const char *s, tolk_error *err)
{
    return gguf_writer_add_strn(w, key, s, strlen(s), err);
}

int gguf_writer_add_arr(gguf_writer *w, const char *key, uint32_t elem_type, const void *data,
                        uint64_t n, tolk_error *err)
{
    size_t es = value_size(elem_type);
    if (es == 0)
        return error_set(err, TOLK_E_ARG, "gguf writer: '%s': array element type %u is not fixed-size",
                         key, elem_type);
    if (n > SIZE_MAX / es)
        return error_set(err, TOLK_E_ARG, "gguf writer: '%s': array too long", key);
    int rc = begin_kv(w, key, GGUF_TYPE_ARRAY, err);
    if (!rc)
        rc = buf_u32(&w->kv, elem_type, err);
    if (!rc)
        rc = buf_u64(&w->kv, n, err);
    if (rc)
        return rc;
    if (elem_type != GGUF_TYPE_BOOL)
        return buf_put(&w->kv, data, (size_t)(n * es), err);
    for (uint64_t i = 0; i < n && !rc; i++)
        rc = put_scalar(&w->kv, elem_type, (const bool *)data + i, err);
    return rc;
}

int gguf_writer_add_str_arr(gguf_writer *w, const char *key, const char *const *strs,
                            const uint64_t *lens, uint64_t n, tolk_error *err)
{
    int rc = begin_kv(w, key, GGUF_TYPE_ARRAY, err);
    if (!rc)
        rc = buf_u32(&w->kv, GGUF_TYPE_STRING, err);
    if (!rc)
        rc = buf_u64(&w->kv, n, err);
    for (uint64_t i = 0; i < n && !rc; i++)
        rc = buf_str(&w->kv, strs[i], lens ? lens[i] : strlen(strs[i]), err);
    return rc;
}

/* A scalar held by a reader value, narrowed to its stored width. */
static int put_reader_scalar(bytebuf *b, const gguf_value *v, tolk_error *err)
{
    union { uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32;
            float f32; uint64_t u64; int64_t i64; double f64; } x;
    switch (v->type) {
    case GGUF_TYPE_U8: x.u8 = (uint8_t)v->v.u; break;
    case GGUF_TYPE_BOOL: x.u8 = v->v.u ? 1 : 0; break;
    case GGUF_TYPE_I8: x.i8 = (int8_t)v->v.i; break;
    case GGUF_TYPE_U16: x.u16 = (uint16_t)v->v.u; break;
    case GGUF_TYPE_I16: x.i16 = (int16_t)v->v.i; break;
    case GGUF_TYPE_U32: x.u32 = (uint32_t)v->v.u; break;
    case GGUF_TYPE_I32: x.i32 = (int32_t)v->v.i; break;
    case GGUF_TYPE_F32: x.f32 = (float)v->v.f; break;
    case GGUF_TYPE_U64: x.u64 = v->v.u; break;
    case GGUF_TYPE_I64: x.i64 = v->v.i; break;
    case GGUF_TYPE_F64: x.f64 = v->v.f; break;
    default: return error_set(err, TOLK_E_ARG, "gguf writer: value type %u is not a scalar", v->type);
    }
    return buf_put(b, &x, value_size(v->type), err);
}

int gguf_writer_add_value(gguf_writer *w, const char *key, const gguf_value *v, tolk_error *err)
{
    if (v->type == GGUF_TYPE_STRING)
        return gguf_writer_add_strn(w, key, v->v.s.ptr, v->v.s.len, err);
    if (v->type != GGUF_TYPE_ARRAY) {
        if (value_size(v->type) == 0)
            return error_set(err, TOLK_E_ARG, "gguf writer: '%s': unknown value type %u", key, v->type);
        int rc = begin_kv(w, key, v->type, err);
        return rc ? rc : put_reader_scalar(&w->kv, v, err);
    }
    const gguf_array *a = &v->v.a;
    if (a->type == GGUF_TYPE_ARRAY)
        return error_set(err, TOLK_E_UNSUPPORTED, "gguf writer: '%s': nested arrays are not written", key);
    if (a->type != GGUF_TYPE_STRING && value_size(a->type) == 0)
        return error_set(err, TOLK_E_ARG, "gguf writer: '%s': unknown array element type %u", key, a->type);
    int rc = begin_kv(w, key, GGUF_TYPE_ARRAY, err);
    if (!rc)
        rc = buf_u32(&w->kv, a->type, err);
    if (!rc)
        rc = buf_u64(&w->kv, a->n, err);
    if (rc)
        return rc;
    if (a->type != GGUF_TYPE_STRING) /* raw little-endian elements, as stored in the source file */
        return buf_put(&w->kv, a->data, (size_t)(a->n * value_size(a->type)), err);
    for (uint64_t i = 0; i < a->n && !rc; i++)
        rc = buf_str(&w->kv, a->strs[i].ptr, a->strs[i].len, err);
    return rc;
}

int gguf_writer_set_alignment(gguf_writer *w, uint32_t alignment, tolk_error *err)
{
    if (alignment == 0 || (alignment & (alignment - 1)))
        return error_set(err, TOLK_E_ARG, "gguf writer: alignment %u is not a power of two", alignment);
    if (w->n_tensors)
        return error_set(err, TOLK_E_STATE, "gguf writer: alignment set after tensors were declared");
    int rc = gguf_writer_add_u32(w, "general.alignment", alignment, err);
    if (!rc)
        w->alignment = alignment;
    return rc;
}

/* ---- tensors ---------------------------------------------------------------------------------- */

int gguf_writer_add_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                           const int64_t *ne, tolk_error *err)
{
    if (w->data_started)
        return error_set(err, TOLK_E_STATE, "gguf writer: tensor '%s' declared after the data started", name);
    size_t len = strlen(name);
    if (len == 0 || len >= GGUF_NAME_MAX)
        return error_set(err, TOLK_E_ARG, "gguf writer: tensor name '%s' must be 1..%d bytes", name,
                         GGUF_NAME_MAX - 1);
    const simd_type_traits *tt = simd_traits(type);
    if (!tt)
        return error_set(err, TOLK_E_ARG, "gguf writer: tensor '%s': unknown type %u", name, type);
    if (n_dims < 1 || n_dims > 4)
        return error_set(err, TOLK_E_ARG, "gguf writer: tensor '%s': %u dimensions", name, n_dims);
    uint64_t n_el = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
        if (ne[d] <= 0 || (uint64_t)ne[d] > (uint64_t)INT64_MAX / n_el)
            return error_set(err, TOLK_E_ARG, "gguf writer: tensor '%s': bad dimension %u", name, d);
        n_el *= (uint64_t)ne[d];
    }
    if (ne[0] % tt->block_size)
        return error_set(err, TOLK_E_ARG, "gguf writer: tensor '%s': row of %lld is not a multiple of the "
                         "%s block size %u", name, (long long)ne[0], tt->name, tt->block_size);
    for (uint64_t i = 0; i < w->n_tensors; i++)
        if (!strcmp(w->tensors[i].name, name))
            return error_set(err, TOLK_E_ARG, "gguf writer: duplicate tensor '%s'", name);
    if (w->n_tensors == w->cap_tensors) {
        uint64_t cap = w->cap_tensors ? w->cap_tensors * 2 : 64;
        wtensor *t = realloc(w->tensors, cap * sizeof *t);
        if (!t)
            return error_set(err, TOLK_E_NOMEM, "gguf writer: out of memory");
        w->tensors = t;
        w->cap_tensors = cap;
    }
    wtensor *t = &w->tensors[w->n_tensors];
    memset(t, 0, sizeof *t);
    memcpy(t->name, name, len + 1);
    t->type = type;
    t->n_dims = n_dims;
    for (uint32_t d = 0; d < 4; d++)
        t->ne[d] = d < n_dims ? ne[d] : 1;
    t->nbytes = n_el / tt->block_size * tt->type_size;
    t->offset = 0;
    if (w->n_tensors) {
        const wtensor *p = &w->tensors[w->n_tensors - 1];
        t->offset = p->offset + pad_to(p->nbytes, w->alignment);
    }
    w->n_tensors++;
    return TOLK_OK;
}

uint64_t gguf_writer_tensor_count(const gguf_writer *w) { return w->n_tensors; }

uint64_t gguf_writer_tensor_nbytes(const gguf_writer *w, uint64_t i)
{
    return i < w->n_tensors ? w->tensors[i].nbytes : 0;
}

/* ---- data ------------------------------------------------------------------------------------- */

static int write_raw(gguf_writer *w, const void *data, size_t n, tolk_error *err)
{
    if (n && fwrite(data, 1, n, w->fp) != n)
        return error_set(err, TOLK_E_IO, "%s: write failed: %s", w->tmp_path, strerror(errno));
    return TOLK_OK;
}

static int write_zeros(gguf_writer *w, uint64_t n, tolk_error *err)
{
    static const uint8_t zeros[256];
    while (n) {
        size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
        int rc = write_raw(w, zeros, k, err);
        if (rc)
            return rc;
        n -= k;
    }
    return TOLK_OK;
}

int gguf_writer_begin_data(gguf_writer *w, tolk_error *err)
{
    if (w->data_started)
        return error_set(err, TOLK_E_STATE, "gguf writer: data already started");
    bytebuf head = {0};
    int rc = buf_put(&head, GGUF_MAGIC_BYTES, 4, err);
    if (!rc)
        rc = buf_u32(&head, GGUF_WRITE_VERSION, err);
    if (!rc)
        rc = buf_u64(&head, w->n_tensors, err);
    if (!rc)
        rc = buf_u64(&head, w->n_kv, err);
    if (!rc)
        rc = write_raw(w, head.p, head.len, err);
    uint64_t pos = head.len;
    free(head.p);
    if (!rc)
        rc = write_raw(w, w->kv.p, w->kv.len, err);
    pos += w->kv.len;
    bytebuf info = {0};
    for (uint64_t i = 0; i < w->n_tensors && !rc; i++) {
        const wtensor *t = &w->tensors[i];
        rc = buf_str(&info, t->name, strlen(t->name), err);
        if (!rc)
            rc = buf_u32(&info, t->n_dims, err);
        for (uint32_t d = 0; d < t->n_dims && !rc; d++)
            rc = buf_u64(&info, (uint64_t)t->ne[d], err);
        if (!rc)
            rc = buf_u32(&info, t->type, err);
        if (!rc)
            rc = buf_u64(&info, t->offset, err);
    }
    if (!rc)
        rc = write_raw(w, info.p, info.len, err);
    pos += info.len;
    free(info.p);
    /* llama.cpp's writer pads after the infos unconditionally (even with no tensors). */
    if (!rc)
        rc = write_zeros(w, pad_to(pos, w->alignment) - pos, err);
    if (rc)
        return rc;
    w->data_started = true;
    w->cur = 0;
    w->cur_done = 0;
    return TOLK_OK;
}

int gguf_writer_write(gguf_writer *w, const void *data, size_t n, tolk_error *err)
{
    if (!w->data_started)
        return error_set(err, TOLK_E_STATE, "gguf writer: tensor data written before begin_data");
    const uint8_t *p = data;
    while (n) {
        if (w->cur >= w->n_tensors)
            return error_set(err, TOLK_E_ARG, "gguf writer: %zu bytes beyond the last tensor", n);
        const wtensor *t = &w->tensors[w->cur];
        uint64_t left = t->nbytes - w->cur_done;
        size_t k = n < left ? n : (size_t)left;
        int rc = write_raw(w, p, k, err);
        if (rc)
            return rc;
        p += k;
        n -= k;
        w->cur_done += k;
        if (w->cur_done == t->nbytes) {
            rc = write_zeros(w, pad_to(t->nbytes, w->alignment) - t->nbytes, err);
            if (rc)
                return rc;
            w->cur++;
            w->cur_done = 0;
        }
    }
    return TOLK_OK;
}

int gguf_writer_finish(gguf_writer *w, tolk_error *err)
{
    int rc = TOLK_OK;
    if (!w->data_started)
        rc = gguf_writer_begin_data(w, err);
    if (rc)
        return rc;
    if (w->cur < w->n_tensors)
        return error_set(err, TOLK_E_STATE, "gguf writer: tensor '%s' got %llu of %llu bytes",
                         w->tensors[w->cur].name, (unsigned long long)w->cur_done,
                         (unsigned long long)w->tensors[w->cur].nbytes);
    if (fflush(w->fp) != 0 || fsync(fileno(w->fp)) != 0)
        return error_set(err, TOLK_E_IO, "%s: flush failed: %s", w->tmp_path, strerror(errno));
    int closed = fclose(w->fp);
    w->fp = NULL;
    if (closed != 0) {
        unlink(w->tmp_path);
        return error_set(err, TOLK_E_IO, "%s: close failed: %s", w->tmp_path, strerror(errno));
    }
    if (rename(w->tmp_path, w->path) != 0) {
        int e = errno;
        unlink(w->tmp_path);
        return error_set(err, TOLK_E_IO, "%s: cannot move into place: %s", w->path, strerror(e));
    }
    w->finished = true;
    return TOLK_OK;
}
