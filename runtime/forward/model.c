/* Model opening: GGUF file -> architecture table entry -> hyper-parameters -> bound, shape- and
 * type-checked weight views. All refusals happen here so the forward pass never meets a surprise. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memavail.h"
#include "model.h"
#include "prefetch.h"
#include "simd.h"
#include "tokenizer.h"

/* Vectors read directly as floats by the forward pass must be F32. */
static int check_f32(const gguf_tensor *t, tolk_error *err)
{
    if (t && t->type != TOLK_TYPE_F32)
        return error_set(err, TOLK_E_UNSUPPORTED, "tensor %s has type %s; tolk expects F32 for "
                         "norms and biases", t->name,
                         simd_traits(t->type) ? simd_traits(t->type)->name : "unknown");
    return TOLK_OK;
}

/* A matrix must have a kernel path: probe by dequantizing its first row (also proves the
 * reference kernels know the format). */
static int check_matrix(const gguf_tensor *t, float *scratch, tolk_error *err)
{
    const simd_type_traits *tr = simd_traits(t->type);
    if (!tr || t->ne[0] % tr->block_size || !simd_dequantize_row(t->type, t->data, scratch, t->ne[0]))
        return error_set(err, TOLK_E_UNSUPPORTED, "tensor %s: type %s is not supported by tolk's "
                         "kernels", t->name, tr ? tr->name : "unknown");
    return TOLK_OK;
}

static int check_layer(const layer_weights *lw, float *scratch, tolk_error *err)
{
    const gguf_tensor *vecs[] = {lw->attn_norm, lw->bq, lw->bk, lw->bv, lw->bo, lw->q_norm, lw->k_norm,
                                 lw->post_attn_norm, lw->ffn_norm, lw->ffn_gate_b, lw->ffn_up_b,
                                 lw->ffn_down_b, lw->post_ffn_norm, lw->ffn_gate_inp_shexp, lw->pl_post_norm,
                                 lw->out_scale, lw->ffn_gate_inp_s, lw->ffn_down_exps_s, lw->ffn_pre_norm_2,
                                 lw->ffn_post_norm_1, lw->ffn_post_norm_2};
    const gguf_tensor *mats[] = {lw->wq, lw->wk, lw->wv, lw->wo, lw->ffn_gate, lw->ffn_up, lw->ffn_down,
                                 lw->ffn_gate_inp, lw->ffn_gate_exps, lw->ffn_up_exps, lw->ffn_down_exps,
                                 lw->ffn_gate_shexp, lw->ffn_up_shexp, lw->ffn_down_shexp, lw->pl_inp_gate,
                                 lw->pl_proj, lw->ffn_gate_up_exps};
    int rc;
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        if ((rc = check_f32(vecs[i], err)))
            return rc;
    for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++)
        if (mats[i] && (rc = check_matrix(mats[i], scratch, err)))
            return rc;
    /* moe_ffn quantizes each expert input once for both gate and up. */
    if (lw->ffn_gate_shexp && simd_act_type(lw->ffn_gate_shexp->type) != simd_act_type(lw->ffn_up_shexp->type))
        return error_set(err, TOLK_E_UNSUPPORTED, "tensors %s and %s need different activation formats, which "
                         "tolk does not support", lw->ffn_gate_shexp->name, lw->ffn_up_shexp->name);
    if (lw->ffn_gate_exps && simd_act_type(lw->ffn_gate_exps->type) != simd_act_type(lw->ffn_up_exps->type))
        return error_set(err, TOLK_E_UNSUPPORTED, "tensors %s and %s: types %s and %s need different "
                         "activation formats, which tolk does not support", lw->ffn_gate_exps->name,
                         lw->ffn_up_exps->name, simd_traits(lw->ffn_gate_exps->type)->name,
                         simd_traits(lw->ffn_up_exps->type)->name);
    return TOLK_OK;
}

static int bind_all(tolk_model *m, tolk_error *err)
{
    const gguf_file *f = m->file;
    model_hparams *hp = &m->hp;
    int rc;
    const gguf_tensor *embd = gguf_find_tensor(f, "token_embd.weight");
    if (!embd)
        return error_set(err, TOLK_E_FORMAT, "missing tensor token_embd.weight");
    hp->n_vocab = embd->ne[1];
    if ((rc = arch_bind(f, -1, "token_embd.weight", hp->n_embd, hp->n_vocab, true, &m->w.token_embd, err)) ||
        (rc = arch_bind(f, -1, "output_norm.weight", hp->n_embd, 0, true, &m->w.output_norm, err)) ||
        (rc = arch_bind(f, -1, "output.weight", hp->n_embd, hp->n_vocab, false, &m->w.output, err)) ||
        (rc = arch_bind(f, -1, "rope_freqs.weight", hp->n_rot / 2, 0, false, &m->w.rope_freqs, err)) ||
        (rc = arch_bind(f, -1, "rope_factors_long.weight", hp->n_rot / 2, 0, false, &m->w.rope_long, err)))
        return rc;
    if (!m->w.rope_freqs &&
        (rc = arch_bind(f, -1, "rope_factors_short.weight", hp->n_rot / 2, 0, false, &m->w.rope_freqs, err)))
        return rc;
    if (!m->w.output)
        m->w.output = m->w.token_embd;
    const int64_t pl = hp->n_embd_per_layer * hp->n_layer;
    if (hp->n_embd_per_layer > 0 &&
        ((rc = arch_bind(f, -1, "per_layer_token_embd.weight", pl, hp->n_vocab, true, &m->w.pl_tok_embd, err)) ||
         (rc = arch_bind(f, -1, "per_layer_model_proj.weight", hp->n_embd, pl, true, &m->w.pl_model_proj, err)) ||
         (rc = arch_bind(f, -1, "per_layer_proj_norm.weight", hp->n_embd_per_layer, 0, true, &m->w.pl_proj_norm,
                         err)) ||
         (rc = check_f32(m->w.pl_proj_norm, err))))
        return rc;
    m->w.layers = calloc((size_t)hp->n_layer, sizeof *m->w.layers);
    int64_t widest = hp->n_embd > hp->n_ff ? hp->n_embd : hp->n_ff;
    if (hp->n_ff_exp > widest)
        widest = hp->n_ff_exp;
    if (hp->n_ff_shexp > widest)
        widest = hp->n_ff_shexp;
    if (pl > widest)
        widest = pl;
    float *scratch = malloc(sizeof(float) * (size_t)widest * 4 + 1024);
    if (!m->w.layers || !scratch) {
        free(scratch);
        return error_set(err, TOLK_E_NOMEM, "out of memory binding %lld layers", (long long)hp->n_layer);
    }
    for (int il = 0; il < hp->n_layer && !rc; il++)
        if (!(rc = m->arch->bind_layer(f, hp, il, &m->w.layers[il], err)))
            rc = check_layer(&m->w.layers[il], scratch, err);
    if (!rc)
        rc = check_f32(m->w.output_norm, err);
    if (!rc)
        rc = check_f32(m->w.rope_freqs, err);
    if (!rc)
        rc = check_f32(m->w.rope_long, err);
    if (!rc)
        rc = check_matrix(m->w.token_embd, scratch, err);
    if (!rc)
        rc = check_matrix(m->w.output, scratch, err);
    if (!rc && m->w.pl_tok_embd)
        rc = check_matrix(m->w.pl_tok_embd, scratch, err);
    if (!rc && m->w.pl_model_proj)
        rc = check_matrix(m->w.pl_model_proj, scratch, err);
    free(scratch);
    return rc;
}

int model_from_gguf(gguf_file *f, bool own, tolk_model **out, tolk_error *err)
{
    *out = NULL;
    tolk_model *m = calloc(1, sizeof *m);
    if (!m) {
        if (own)
            gguf_close(f);
        return error_set(err, TOLK_E_NOMEM, "out of memory opening a model");
    }
    m->file = f;
    m->owns_file = own;
    int rc;
    if (!gguf_get_cstr(f, "general.architecture", m->hp.arch, sizeof m->hp.arch)) {
        rc = error_set(err, TOLK_E_FORMAT, "missing metadata key general.architecture");
    } else if (!(m->arch = arch_find(m->hp.arch))) {
        rc = error_set(err, TOLK_E_UNSUPPORTED, "unsupported architecture '%s' (supported: %s)",
                       m->hp.arch, arch_names());
    } else if (!(rc = arch_read_common(f, &m->hp, err)) && !(rc = m->arch->read_hparams(f, &m->hp, err))) {
        rc = bind_all(m, err);
    }
    if (rc) {
        error_prefix(err, gguf_path(f));
        model_close(m);
        return rc;
    }
    *out = m;
    return TOLK_OK;
}

/* When the forward pass first needs a tensor: layer blocks in order (norms and small vectors
 * first), the output matrix last. An untied token_embd is read one row per token, so it is left to
 * demand paging. */
static int64_t first_use(const tolk_model *m, const gguf_tensor *t)
{
    int layer;
    if (sscanf(t->name, "blk.%d.", &layer) == 1 && layer >= 0 && layer < m->hp.n_layer)
        return layer;
    if (t == m->w.output)
        return m->hp.n_layer;
    if (t == m->w.token_embd)
        return -2;
    return -1;
}

/* A routed expert's weights (ffn_*_exps): a token reads only the few experts its router picks. */
static bool routed_expert(const gguf_tensor *t)
{
    return strstr(t->name, "_exps.") != NULL;
}

/* Warms the weights in the order the first pass reads them. A model larger than about three
 * quarters of the available memory (see memavail.h: a cgroup's limit counts) cannot be warmed
 * whole: its later ranges would evict its earlier ones before the first pass got to them, and the
 * reads would push out other programs' pages. Then only half the available memory is warmed:
 * first every tensor each token reads (attention, norms, routers, shared experts, output), then
 * routed experts, of which a token touches a few (docs/MEMORY.md). */
static void start_prefetch(tolk_model *m)
{
    const uint64_t n = gguf_tensor_count(m->file);
    prefetch_range *r = malloc(sizeof *r * (n ? n : 1));
    if (!r)
        return;
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++)
        total += gguf_tensor_at(m->file, i)->nbytes;
    const int64_t avail = mem_available_bytes();
    const bool tight = avail > 0 && total > (uint64_t)avail / 4 * 3;
    uint64_t budget = tight ? (uint64_t)avail / 2 : UINT64_MAX;
    size_t k = 0;
    for (int experts = 0; experts <= 1; experts++)
        for (int64_t use = -1; use <= m->hp.n_layer; use++)
            for (uint64_t i = 0; i < n; i++) {
                const gguf_tensor *t = gguf_tensor_at(m->file, i);
                if (first_use(m, t) != use || (tight && routed_expert(t) != experts) ||
                    (!tight && experts) || t->nbytes > budget)
                    continue;
                budget -= t->nbytes;
                r[k++] = (prefetch_range){t->data, (size_t)t->nbytes};
            }
    m->prefetch = k ? prefetch_start(r, k) : NULL;
    free(r);
}

int model_open(const char *path, tolk_model **out, tolk_error *err)
{
    *out = NULL;
    gguf_file *f = gguf_open(path, err);
    if (!f)
        return err && err->code ? err->code : TOLK_E_IO;
    return model_from_gguf(f, true, out, err);
}

int model_load(const char *path, bool prefetch, tolk_model **out, tolk_error *err)
{
    int rc = model_open(path, out, err);
    if (rc)
        return rc;
    (*out)->prefetch_asked = prefetch;
    if (prefetch) /* meanwhile the tokenizer loads */
        start_prefetch(*out);
    if ((rc = tok_vocab_load((*out)->file, &(*out)->vocab, err))) {
        error_prefix(err, path);
        model_close(*out);
        *out = NULL;
    }
    return rc;
}

int model_load_vocab(const char *path, tolk_model **out, tolk_error *err)
{
    *out = NULL;
    tolk_model *m = calloc(1, sizeof *m);
    if (!m)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    int rc = TOLK_OK;
    if (!(m->file = gguf_open(path, err)))
        rc = err && err->code ? err->code : TOLK_E_IO;
    m->owns_file = true;
    if (!rc && (rc = tok_vocab_load(m->file, &m->vocab, err)))
        error_prefix(err, path);
    if (rc) {
        model_close(m);
        return rc;
    }
    *out = m;
    return TOLK_OK;
}

int64_t model_n_params(const tolk_model *m)
{
    int64_t n = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(m->file); i++)
        n += (int64_t)gguf_tensor_at(m->file, i)->n_elements;
    return n;
}

uint64_t model_bytes(const tolk_model *m)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(m->file); i++)
        n += gguf_tensor_at(m->file, i)->nbytes;
    return n;
}

void model_close(tolk_model *m)
{
    if (!m)
        return;
    prefetch_stop(m->prefetch);
    if (m->owns_file)
        gguf_close(m->file);
    tok_vocab_free(m->vocab);
    free(m->w.layers);
    free(m);
}

void model_embed(const tolk_model *m, int32_t tok, float *dst)
{
    const gguf_tensor *e = m->w.token_embd;
    simd_dequantize_row(e->type, (const char *)e->data + (size_t)tok * e->row_bytes, dst, m->hp.n_embd);
    if (m->hp.recipe.embd_scale) {
        const float s = sqrtf((float)m->hp.n_embd);
        for (int64_t i = 0; i < m->hp.n_embd; i++)
            dst[i] *= s;
    }
}
