/* The public description calls (tolk.h): loading only a GGUF header, the file facts, typed views of
 * the metadata key/value pairs and of the tensor list. Everything points into the file mapping; no
 * internal struct leaves this file. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gguf.h"
#include "model.h"
#include "simd.h"
#include "tolk.h"

int tolk_model_load_meta(const char *path, tolk_model **out, tolk_error *err)
{
    if (!out)
        return error_set(err, TOLK_E_ARG, "tolk_model_load_meta: no place for the model");
    *out = NULL;
    if (!path || !*path)
        return error_set(err, TOLK_E_ARG, "no model path given");
    tolk_model *m = calloc(1, sizeof *m);
    if (!m)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    if (!(m->file = gguf_open(path, err))) {
        free(m);
        return err && err->code ? err->code : TOLK_E_IO;
    }
    m->owns_file = true;
    *out = m;
    return TOLK_OK;
}

const char *tolk_model_path(const tolk_model *m)
{
    return m ? gguf_path(m->file) : NULL;
}

uint32_t tolk_model_gguf_version(const tolk_model *m)
{
    return m ? gguf_version(m->file) : 0;
}

uint64_t tolk_model_file_size(const tolk_model *m)
{
    return m ? gguf_file_size(m->file) : 0;
}

/* ---- metadata ---------------------------------------------------------------------------------- */

const char *tolk_meta_type_name(int type)
{
    return type >= 0 && type < GGUF_TYPE_COUNT ? gguf_type_name((uint32_t)type) : "unknown";
}

/* The public view of an internal value (the TOLK_META_* numbers are GGUF's). */
static void view(const gguf_value *v, tolk_meta_value *out)
{
    memset(out, 0, sizeof *out);
    out->type = (int)v->type;
    switch (v->type) {
    case GGUF_TYPE_I8: case GGUF_TYPE_I16: case GGUF_TYPE_I32: case GGUF_TYPE_I64:
        out->i = v->v.i;
        break;
    case GGUF_TYPE_F32: case GGUF_TYPE_F64:
        out->f = v->v.f;
        break;
    case GGUF_TYPE_STRING:
        out->str = v->v.s.ptr;
        out->len = (size_t)v->v.s.len;
        break;
    case GGUF_TYPE_ARRAY:
        out->elem_type = (int)v->v.a.type;
        out->n = v->v.a.n;
        break;
    default: /* unsigned integers and bool */
        out->u = v->v.u;
        break;
    }
}

int64_t tolk_model_meta_count(const tolk_model *m)
{
    return m ? (int64_t)gguf_kv_count(m->file) : 0;
}

int tolk_model_meta_at(const tolk_model *m, int64_t i, const char **key, size_t *key_len, tolk_meta_value *val,
                       tolk_error *err)
{
    if (!m)
        return error_set(err, TOLK_E_ARG, "tolk_model_meta_at: no model");
    if (i < 0 || (uint64_t)i >= gguf_kv_count(m->file))
        return error_set(err, TOLK_E_ARG, "metadata index %lld out of range (%llu pairs)", (long long)i,
                         (unsigned long long)gguf_kv_count(m->file));
    const gguf_kv *kv = gguf_kv_at(m->file, (uint64_t)i);
    if (key)
        *key = kv->key.ptr;
    if (key_len)
        *key_len = (size_t)kv->key.len;
    if (val)
        view(&kv->value, val);
    return TOLK_OK;
}

static int find(const tolk_model *m, const char *key, const char *fn, const gguf_kv **kv, tolk_error *err)
{
    if (!m || !key)
        return error_set(err, TOLK_E_ARG, "%s: %s", fn, m ? "no key" : "no model");
    if (!(*kv = gguf_find_kv(m->file, key)))
        return error_set(err, TOLK_E_NOTFOUND, "%s: no metadata key %s", gguf_path(m->file), key);
    return TOLK_OK;
}

int tolk_model_meta_get(const tolk_model *m, const char *key, tolk_meta_value *val, tolk_error *err)
{
    const gguf_kv *kv = NULL;
    int rc = find(m, key, "tolk_model_meta_get", &kv, err);
    if (!rc && val)
        view(&kv->value, val);
    return rc;
}

int tolk_model_meta_array_at(const tolk_model *m, const char *key, uint64_t i, tolk_meta_value *val,
                             tolk_error *err)
{
    const gguf_kv *kv = NULL;
    int rc = find(m, key, "tolk_model_meta_array_at", &kv, err);
    if (rc)
        return rc;
    if (kv->value.type != GGUF_TYPE_ARRAY)
        return error_set(err, TOLK_E_ARG, "%s: metadata key %s holds a %s, not an array", gguf_path(m->file), key,
                         gguf_type_name(kv->value.type));
    const gguf_array *a = &kv->value.v.a;
    if (i >= a->n)
        return error_set(err, TOLK_E_ARG, "%s: index %llu is past the end of %s (%llu elements)",
                         gguf_path(m->file), (unsigned long long)i, key, (unsigned long long)a->n);
    if (!val)
        return TOLK_OK;
    if (a->type == GGUF_TYPE_ARRAY) {
        view(&a->items[i], val);
        return TOLK_OK;
    }
    memset(val, 0, sizeof *val);
    val->type = (int)a->type;
    switch (a->type) {
    case GGUF_TYPE_STRING:
        val->str = a->strs[i].ptr;
        val->len = (size_t)a->strs[i].len;
        break;
    case GGUF_TYPE_F32: case GGUF_TYPE_F64:
        val->f = gguf_arr_float(a, i);
        break;
    case GGUF_TYPE_I8: case GGUF_TYPE_I16: case GGUF_TYPE_I32: case GGUF_TYPE_I64:
        val->i = gguf_arr_int(a, i);
        break;
    default: /* unsigned integers (u64 read back bit for bit) and bool */
        val->u = (uint64_t)gguf_arr_int(a, i);
        break;
    }
    return TOLK_OK;
}

int64_t tolk_model_meta_str(const tolk_model *m, const char *key, char *buf, size_t size)
{
    if (buf && size)
        buf[0] = '\0';
    gguf_str s;
    if (!m || !key || !gguf_get_str(m->file, key, &s))
        return -1;
    if (buf && size) {
        size_t n = s.len < size - 1 ? (size_t)s.len : size - 1;
        memcpy(buf, s.ptr, n);
        buf[n] = '\0';
    }
    return (int64_t)s.len;
}

/* ---- tensors ----------------------------------------------------------------------------------- */

const char *tolk_type_name(int type)
{
    const simd_type_traits *t = type >= 0 ? simd_traits((uint32_t)type) : NULL;
    return t ? t->name : "unknown";
}

int64_t tolk_model_tensor_count(const tolk_model *m)
{
    return m ? (int64_t)gguf_tensor_count(m->file) : 0;
}

int tolk_model_tensor_at(const tolk_model *m, int64_t i, tolk_tensor_info *info, tolk_error *err)
{
    if (!m || !info)
        return error_set(err, TOLK_E_ARG, "tolk_model_tensor_at: %s", m ? "no place for the result" : "no model");
    if (i < 0 || (uint64_t)i >= gguf_tensor_count(m->file))
        return error_set(err, TOLK_E_ARG, "tensor index %lld out of range (%llu tensors)", (long long)i,
                         (unsigned long long)gguf_tensor_count(m->file));
    const gguf_tensor *t = gguf_tensor_at(m->file, (uint64_t)i);
    memset(info, 0, sizeof *info);
    info->name = t->name;
    info->type = (int)t->type;
    info->n_dims = (int)t->n_dims;
    memcpy(info->ne, t->ne, sizeof info->ne);
    info->n_elements = t->n_elements;
    info->n_bytes = t->nbytes;
    info->offset = t->file_offset;
    return TOLK_OK;
}
