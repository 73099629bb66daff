/* Grows a draft model into a target for the speculative-decoding benchmark: the target is the draft
 * plus N random layers whose contribution to the residual stream is scaled by epsilon, so target and
 * draft agree on most tokens while the target costs more per token, like a real draft/target pair. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gen_model.h"
#include "gguf.h"
#include "simd.h"

/* The tensors that add a layer's output into the residual stream. Gemma 3 normalises attn_output and
 * ffn_down results before adding them, so there the post norms carry the scale instead. */
static bool is_residual_out(const char *suffix, bool gemma)
{
    if (gemma)
        return !strcmp(suffix, "post_attention_norm.weight") || !strcmp(suffix, "post_ffw_norm.weight");
    return !strncmp(suffix, "attn_output.", 12) || !strncmp(suffix, "ffn_down.", 9);
}

static int copy_kvs(gguf_writer *w, const gguf_file *f, const char *arch, uint32_t n_total,
                    const char *name, tolk_error *err)
{
    char count_key[128];
    snprintf(count_key, sizeof count_key, "%s.block_count", arch);
    uint64_t align;
    if (gguf_get_uint(f, "general.alignment", &align)) {
        int rc = gguf_writer_set_alignment(w, (uint32_t)align, err);
        if (rc)
            return rc;
    }
    for (uint64_t i = 0; i < gguf_kv_count(f); i++) {
        const gguf_kv *kv = gguf_kv_at(f, i);
        char key[256];
        if (kv->key.len >= sizeof key)
            return error_set(err, TOLK_E_FORMAT, "metadata key longer than %zu bytes", sizeof key - 1);
        memcpy(key, kv->key.ptr, kv->key.len);
        key[kv->key.len] = '\0';
        int rc;
        if (!strcmp(key, "general.alignment"))
            continue;
        else if (!strcmp(key, count_key))
            rc = gguf_writer_add_u32(w, key, n_total, err);
        else if (!strcmp(key, "general.name"))
            rc = gguf_writer_add_str(w, key, name, err);
        else
            rc = gguf_writer_add_value(w, key, &kv->value, err);
        if (rc)
            return rc;
    }
    if (!gguf_writer_has_key(w, "general.name"))
        return gguf_writer_add_str(w, "general.name", name, err);
    return TOLK_OK;
}

/* Type of a new layer's tensor: the template's, or what the requested file type gives it. */
static uint32_t extra_type(const qmix_ftype *type, const char *name, const gguf_tensor *tmpl, bool has_output,
                           uint32_t n_total)
{
    return type ? qmix_choose(type, name, tmpl->n_dims, tmpl->ne[0], tmpl->type, has_output, n_total)
                : tmpl->type;
}

/* Rows of a tensor: everything past the first dimension. */
static int64_t rows_of(const gguf_tensor *t) { return (int64_t)(t->n_elements / (uint64_t)t->ne[0]); }

int gen_extend_write(const char *draft, const char *out, uint32_t extra, float epsilon, uint64_t seed,
                     const qmix_ftype *type, tolk_error *err)
{
    gguf_file *f = gguf_open(draft, err);
    if (!f)
        return err ? err->code : TOLK_E_IO;
    char arch[64] = "", key[128], prefix[32], name[256];
    uint64_t n_layer = 0;
    int rc = TOLK_OK;
    if (!gguf_get_cstr(f, "general.architecture", arch, sizeof arch))
        rc = error_set(err, TOLK_E_FORMAT, "%s: no general.architecture", draft);
    snprintf(key, sizeof key, "%s.block_count", arch);
    if (!rc && (!gguf_get_uint(f, key, &n_layer) || n_layer == 0))
        rc = error_set(err, TOLK_E_FORMAT, "%s: no %s", draft, key);
    if (!rc && (extra == 0 || n_layer + extra > 512))
        rc = error_set(err, TOLK_E_ARG, "--extra-layers must be 1..%llu", (unsigned long long)(512 - n_layer));
    uint32_t n_total = (uint32_t)(n_layer + extra);
    bool gemma = !strcmp(arch, "gemma3");
    bool has_output = gguf_find_tensor(f, "output.weight") != NULL;
    snprintf(prefix, sizeof prefix, "blk.%llu.", (unsigned long long)(n_layer - 1));
    size_t plen = strlen(prefix);

    gguf_writer *w = NULL;
    if (!rc && !(w = gguf_writer_open(out, err)))
        rc = err ? err->code : TOLK_E_IO;
    gguf_str dname = {"", 0};
    gguf_get_str(f, "general.name", &dname);
    snprintf(name, sizeof name, "%.*s + %u layers x %g", (int)(dname.len > 120 ? 120 : dname.len),
             dname.ptr, extra, (double)epsilon);
    if (!rc)
        rc = copy_kvs(w, f, arch, n_total, name, err);

    /* The draft's tensors unchanged, then the new layers shaped like the draft's last one. */
    uint64_t nt = gguf_tensor_count(f), n_template = 0;
    for (uint64_t i = 0; i < nt && !rc; i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        rc = gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, err);
        n_template += !strncmp(t->name, prefix, plen);
    }
    if (!rc && n_template == 0)
        rc = error_set(err, TOLK_E_FORMAT, "%s: no tensors named %s*", draft, prefix);
    for (uint32_t k = 0; k < extra && !rc; k++) {
        for (uint64_t i = 0; i < nt && !rc; i++) {
            const gguf_tensor *t = gguf_tensor_at(f, i);
            if (strncmp(t->name, prefix, plen))
                continue;
            char tname[64];
            if (snprintf(tname, sizeof tname, "blk.%llu.%s", (unsigned long long)(n_layer + k),
                         t->name + plen) >= (int)sizeof tname)
                rc = error_set(err, TOLK_E_ARG, "tensor name for layer %llu too long",
                               (unsigned long long)(n_layer + k));
            uint32_t ty = extra_type(type, tname, t, has_output, n_total);
            if (!rc)
                rc = gguf_writer_add_tensor(w, tname, ty, t->n_dims, t->ne, err);
        }
    }
    if (!rc)
        rc = gguf_writer_begin_data(w, err);
    for (uint64_t i = 0; i < nt && !rc; i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        rc = gguf_writer_write(w, t->data, (size_t)t->nbytes, err);
    }
    for (uint32_t k = 0; k < extra && !rc; k++) {
        for (uint64_t i = 0; i < nt && !rc; i++) {
            const gguf_tensor *t = gguf_tensor_at(f, i);
            if (strncmp(t->name, prefix, plen))
                continue;
            char tname[64];
            snprintf(tname, sizeof tname, "blk.%llu.%s", (unsigned long long)(n_layer + k), t->name + plen);
            uint32_t ty = extra_type(type, tname, t, has_output, n_total);
            float mul = is_residual_out(t->name + plen, gemma) ? epsilon : 1.0f;
            rc = gen_write_tensor(w, seed, tname, ty, t->ne[0], rows_of(t), 1.0f, mul, err);
        }
    }
    if (!rc)
        rc = gguf_writer_finish(w, err);
    gguf_writer_close(w);
    gguf_close(f);
    return rc;
}
