/* File-to-file requantization behind `tolk quantize`: reads a GGUF through the mmap reader, picks each
 * tensor's type with qmix_choose and streams converted rows to the GGUF writer, a batch of rows at a
 * time (converted in parallel), so neither model is ever held in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gguf.h"
#include "gguf_write.h"
#include "quant_mix.h"
#include "simd.h"

static int copy_metadata(gguf_writer *w, const gguf_file *f, const qmix_ftype *ft, tolk_error *err)
{
    uint64_t align;
    if (gguf_get_uint(f, "general.alignment", &align)) {
        int rc = gguf_writer_set_alignment(w, (uint32_t)align, err);
        if (rc)
            return rc;
    }
    /* Keys keep their order; the two that describe the quantization go last, where llama-quantize
     * puts them, so both tools write the same bytes. */
    for (uint64_t i = 0; i < gguf_kv_count(f); i++) {
        const gguf_kv *kv = gguf_kv_at(f, i);
        char key[256];
        if (kv->key.len >= sizeof key)
            return error_set(err, TOLK_E_FORMAT, "metadata key longer than %zu bytes", sizeof key - 1);
        memcpy(key, kv->key.ptr, kv->key.len);
        key[kv->key.len] = '\0';
        if (!strcmp(key, "general.alignment") || !strcmp(key, "general.file_type") ||
            !strcmp(key, "general.quantization_version"))
            continue;
        int rc = gguf_writer_add_value(w, key, &kv->value, err);
        if (rc)
            return rc;
    }
    int rc = gguf_writer_add_u32(w, "general.quantization_version", 2, err);
    return rc ? rc : gguf_writer_add_u32(w, "general.file_type", ft->ftype, err);
}

/* Converts all rows of T to TYPE and writes them. */
static int convert_tensor(gguf_writer *w, const gguf_tensor *t, uint32_t type, tolk_error *err)
{
    int64_t ne0 = t->ne[0], rows = (int64_t)(t->n_elements / (uint64_t)ne0);
    size_t rb_in = (size_t)t->row_bytes, rb_out = simd_row_bytes(type, ne0);
    int64_t batch = (int64_t)((4u << 20) / (uint64_t)ne0); /* ~16 MiB of floats per batch */
    if (batch < 1)
        batch = 1;
    if (batch > rows)
        batch = rows;
    float *f = malloc((size_t)batch * (size_t)ne0 * sizeof *f);
    uint8_t *q = malloc((size_t)batch * rb_out);
    int rc = TOLK_OK;
    if (!f || !q)
        rc = error_set(err, TOLK_E_NOMEM, "out of memory for %lld rows of %lld", (long long)batch,
                       (long long)ne0);
    const uint8_t *src = t->data;
    for (int64_t r0 = 0; r0 < rows && !rc; r0 += batch) {
        int64_t nr = rows - r0 < batch ? rows - r0 : batch;
        int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
        for (int64_t r = 0; r < nr; r++) {
            float *fr = f + r * ne0;
            if (qmix_to_float(t->type, src + (size_t)(r0 + r) * rb_in, fr, ne0, NULL) ||
                qmix_from_float(type, fr, q + (size_t)r * rb_out, ne0, NULL))
                bad = 1;
        }
        if (bad) { /* redo the first row serially for the message */
            rc = qmix_to_float(t->type, src + (size_t)r0 * rb_in, f, ne0, err);
            if (!rc)
                rc = qmix_from_float(type, f, q, ne0, err);
            if (!rc)
                rc = error_set(err, TOLK_E_FORMAT, "conversion failed");
        }
        if (!rc)
            rc = gguf_writer_write(w, q, (size_t)nr * rb_out, err);
    }
    free(f);
    free(q);
    return rc;
}

int qmix_quantize_file(const char *in, const char *out, const qmix_ftype *ft, qmix_stats *stats,
                       tolk_error *err)
{
    gguf_file *f = gguf_open(in, err);
    if (!f)
        return err ? err->code : TOLK_E_IO;
    qmix_stats st = {0};
    char arch[64] = "", key[128];
    uint64_t n_layer = 0;
    if (gguf_get_cstr(f, "general.architecture", arch, sizeof arch)) {
        snprintf(key, sizeof key, "%s.block_count", arch);
        gguf_get_uint(f, key, &n_layer);
    }
    bool has_output = gguf_find_tensor(f, "output.weight") != NULL;
    uint64_t nt = gguf_tensor_count(f);
    uint32_t *types = malloc((nt ? nt : 1) * sizeof *types);
    gguf_writer *w = NULL;
    int rc = TOLK_OK;
    if (!types)
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    if (!rc && !(w = gguf_writer_open(out, err)))
        rc = err ? err->code : TOLK_E_IO;
    if (!rc)
        rc = copy_metadata(w, f, ft, err);
    for (uint64_t i = 0; i < nt && !rc; i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        types[i] = qmix_choose(ft, t->name, t->n_dims, t->ne[0], t->type, has_output, (uint32_t)n_layer);
        rc = gguf_writer_add_tensor(w, t->name, types[i], t->n_dims, t->ne, err);
    }
    if (!rc)
        rc = gguf_writer_begin_data(w, err);
    for (uint64_t i = 0; i < nt && !rc; i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        if (types[i] == t->type) {
            rc = gguf_writer_write(w, t->data, (size_t)t->nbytes, err);
        } else {
            rc = convert_tensor(w, t, types[i], err);
            st.n_converted++;
        }
        if (rc)
            error_prefix(err, t->name);
        st.n_tensors++;
        st.bytes_in += t->nbytes;
        st.bytes_out += gguf_writer_tensor_nbytes(w, i);
    }
    if (!rc)
        rc = gguf_writer_finish(w, err);
    gguf_writer_close(w);
    free(types);
    gguf_close(f);
    if (!rc && stats)
        *stats = st;
    return rc;
}
