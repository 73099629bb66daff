/* Read access to a validated GGUF file: typed metadata getters and tensor lookup. The parser has
 * already checked every length, so these only convert types and never fail on the file. */
#include <math.h>
#include <string.h>

#include "gguf.h"
#include "gguf_internal.h"

uint32_t gguf_version(const gguf_file *f) { return f->version; }
const char *gguf_path(const gguf_file *f) { return f->path; }
uint64_t gguf_file_size(const gguf_file *f) { return f->size; }
uint64_t gguf_alignment(const gguf_file *f) { return f->alignment; }
uint64_t gguf_data_offset(const gguf_file *f) { return f->data_offset; }
uint64_t gguf_kv_count(const gguf_file *f) { return f->n_kv; }
uint64_t gguf_tensor_count(const gguf_file *f) { return f->n_tensors; }

const gguf_kv *gguf_kv_at(const gguf_file *f, uint64_t i)
{
    return i < f->n_kv ? &f->kvs[i] : NULL;
}

const gguf_tensor *gguf_tensor_at(const gguf_file *f, uint64_t i)
{
    return i < f->n_tensors ? &f->tensors[i] : NULL;
}

const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key)
{
    uint64_t i = gguf_index_find(&f->kv_index, key, strlen(key), gguf_kv_name, f);
    return i == UINT64_MAX ? NULL : &f->kvs[i];
}

const gguf_tensor *gguf_find_tensor(const gguf_file *f, const char *name)
{
    uint64_t i = gguf_index_find(&f->tensor_index, name, strlen(name), gguf_tensor_name, f);
    return i == UINT64_MAX ? NULL : &f->tensors[i];
}

const char *gguf_type_name(uint32_t t)
{
    static const char *const names[GGUF_TYPE_COUNT] = {
        "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
    };
    return t < GGUF_TYPE_COUNT ? names[t] : "unknown";
}

static bool is_unsigned(uint32_t t)
{
    return t == GGUF_TYPE_U8 || t == GGUF_TYPE_U16 || t == GGUF_TYPE_U32 || t == GGUF_TYPE_U64;
}

static bool is_signed(uint32_t t)
{
    return t == GGUF_TYPE_I8 || t == GGUF_TYPE_I16 || t == GGUF_TYPE_I32 || t == GGUF_TYPE_I64;
}

bool gguf_get_uint(const gguf_file *f, const char *key, uint64_t *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv)
        return false;
    if (is_unsigned(kv->value.type)) {
        *out = kv->value.v.u;
        return true;
    }
    if (is_signed(kv->value.type) && kv->value.v.i >= 0) {
        *out = (uint64_t)kv->value.v.i;
        return true;
    }
    return false;
}

bool gguf_get_int(const gguf_file *f, const char *key, int64_t *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv)
        return false;
    if (is_signed(kv->value.type)) {
        *out = kv->value.v.i;
        return true;
    }
    if (is_unsigned(kv->value.type) && kv->value.v.u <= (uint64_t)INT64_MAX) {
        *out = (int64_t)kv->value.v.u;
        return true;
    }
    return false;
}

bool gguf_get_float(const gguf_file *f, const char *key, double *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv || (kv->value.type != GGUF_TYPE_F32 && kv->value.type != GGUF_TYPE_F64))
        return false;
    *out = kv->value.v.f;
    return true;
}

bool gguf_get_bool(const gguf_file *f, const char *key, bool *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv || kv->value.type != GGUF_TYPE_BOOL)
        return false;
    *out = kv->value.v.u != 0;
    return true;
}

bool gguf_get_str(const gguf_file *f, const char *key, gguf_str *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv || kv->value.type != GGUF_TYPE_STRING)
        return false;
    *out = kv->value.v.s;
    return true;
}

const char *gguf_get_cstr(const gguf_file *f, const char *key, char *buf, size_t bufsize)
{
    gguf_str s;
    if (!bufsize || !gguf_get_str(f, key, &s))
        return NULL;
    size_t n = s.len < bufsize - 1 ? (size_t)s.len : bufsize - 1;
    memcpy(buf, s.ptr, n);
    buf[n] = '\0';
    return buf;
}

const gguf_array *gguf_get_arr(const gguf_file *f, const char *key)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    return kv && kv->value.type == GGUF_TYPE_ARRAY ? &kv->value.v.a : NULL;
}

int64_t gguf_arr_int(const gguf_array *a, uint64_t i)
{
    const uint8_t *p = a->data;
    switch (a->type) {
    case GGUF_TYPE_U8: case GGUF_TYPE_BOOL: return p[i];
    case GGUF_TYPE_I8: return (int8_t)p[i];
    case GGUF_TYPE_U16: { uint16_t x; memcpy(&x, p + 2 * i, 2); return x; }
    case GGUF_TYPE_I16: { int16_t x; memcpy(&x, p + 2 * i, 2); return x; }
    case GGUF_TYPE_U32: { uint32_t x; memcpy(&x, p + 4 * i, 4); return x; }
    case GGUF_TYPE_I32: { int32_t x; memcpy(&x, p + 4 * i, 4); return x; }
    case GGUF_TYPE_U64: { uint64_t x; memcpy(&x, p + 8 * i, 8); return (int64_t)x; }
    case GGUF_TYPE_I64: { int64_t x; memcpy(&x, p + 8 * i, 8); return x; }
    case GGUF_TYPE_F32: case GGUF_TYPE_F64: {
        double x = gguf_arr_float(a, i); /* saturate: a hostile float must not be UB */
        return x != x ? 0 : x >= 9.2e18 ? INT64_MAX : x <= -9.2e18 ? INT64_MIN : (int64_t)x;
    }
    default: return 0;
    }
}

double gguf_arr_float(const gguf_array *a, uint64_t i)
{
    const uint8_t *p = a->data;
    switch (a->type) {
    case GGUF_TYPE_F32: { float x; memcpy(&x, p + 4 * i, 4); return x; }
    case GGUF_TYPE_F64: { double x; memcpy(&x, p + 8 * i, 8); return x; }
    case GGUF_TYPE_STRING: case GGUF_TYPE_ARRAY: return NAN;
    default: return (double)gguf_arr_int(a, i);
    }
}

bool gguf_str_eq(gguf_str s, const char *c)
{
    size_t n = strlen(c);
    return s.len == n && !memcmp(s.ptr, c, n);
}
