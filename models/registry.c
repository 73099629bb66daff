/* The table of supported architectures, plus the helpers every architecture file uses to read
 * "{arch}.*" hyper-parameters and to bind blk.N.* tensors with their shapes checked, so each
 * models/NAME.c only states what is particular to it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"

extern const arch_desc arch_llama;
extern const arch_desc arch_qwen2;
extern const arch_desc arch_qwen3;
extern const arch_desc arch_gemma3;
extern const arch_desc arch_gemma2;
extern const arch_desc arch_qwen3moe;
extern const arch_desc arch_phi3;
extern const arch_desc arch_hunyuan_dense;
extern const arch_desc arch_qwen2moe;
extern const arch_desc arch_gemma4;

static const arch_desc *const archs[] = {&arch_llama, &arch_qwen2, &arch_qwen3, &arch_gemma3,
                                          &arch_gemma2, &arch_qwen3moe, &arch_phi3,
                                          &arch_hunyuan_dense, &arch_qwen2moe, &arch_gemma4};

const arch_desc *arch_find(const char *name)
{
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
        if (!strcmp(archs[i]->name, name))
            return archs[i];
    return NULL;
}

const char *arch_names(void)
{
    return "llama, qwen2, qwen3, gemma3, gemma2, qwen3moe, phi3, hunyuan-dense, qwen2moe, gemma4";
}

static void key_name(char *buf, size_t size, const model_hparams *hp, const char *suffix)
{
    snprintf(buf, size, "%s.%s", hp->arch, suffix);
}

/* A per-layer array whose entries all agree counts as a scalar; anything else is unsupported
 * (no supported architecture varies head counts or FFN width by layer). */
static int get_uniform_array(const gguf_file *f, const char *key, int64_t *out, bool *found,
                             tolk_error *err)
{
    const gguf_array *a = gguf_get_arr(f, key);
    *found = false;
    if (!a)
        return TOLK_OK;
    if (a->n == 0 || a->type == GGUF_TYPE_STRING || a->type == GGUF_TYPE_ARRAY ||
        a->type == GGUF_TYPE_F32 || a->type == GGUF_TYPE_F64 || a->type == GGUF_TYPE_BOOL)
        return error_set(err, TOLK_E_FORMAT, "metadata %s: expected an integer or integer array", key);
    int64_t v0 = gguf_arr_int(a, 0);
    for (uint64_t i = 1; i < a->n; i++)
        if (gguf_arr_int(a, i) != v0)
            return error_set(err, TOLK_E_UNSUPPORTED, "metadata %s: per-layer values differ "
                             "(layer %llu has %lld, layer 0 has %lld)", key, (unsigned long long)i,
                             (long long)gguf_arr_int(a, i), (long long)v0);
    *out = v0;
    *found = true;
    return TOLK_OK;
}

int arch_get_u(const gguf_file *f, const model_hparams *hp, const char *suffix, bool required,
               int64_t *out, tolk_error *err)
{
    char key[128];
    key_name(key, sizeof key, hp, suffix);
    uint64_t u;
    if (gguf_get_uint(f, key, &u)) {
        if (u > INT32_MAX)
            return error_set(err, TOLK_E_FORMAT, "metadata %s = %llu is out of range", key,
                             (unsigned long long)u);
        *out = (int64_t)u;
        return TOLK_OK;
    }
    bool found;
    int rc = get_uniform_array(f, key, out, &found, err);
    if (rc)
        return rc;
    if (!found && gguf_find_kv(f, key))
        return error_set(err, TOLK_E_FORMAT, "metadata %s has type %s, expected an unsigned integer",
                         key, gguf_type_name(gguf_find_kv(f, key)->value.type));
    if (!found && required)
        return error_set(err, TOLK_E_FORMAT, "missing metadata key %s", key);
    return TOLK_OK;
}

int arch_get_f(const gguf_file *f, const model_hparams *hp, const char *suffix, bool required,
               float *out, tolk_error *err)
{
    char key[128];
    key_name(key, sizeof key, hp, suffix);
    double d;
    if (gguf_get_float(f, key, &d)) {
        *out = (float)d;
        return TOLK_OK;
    }
    if (gguf_find_kv(f, key))
        return error_set(err, TOLK_E_FORMAT, "metadata %s has type %s, expected a float", key,
                         gguf_type_name(gguf_find_kv(f, key)->value.type));
    if (required)
        return error_set(err, TOLK_E_FORMAT, "missing metadata key %s", key);
    return TOLK_OK;
}

/* RoPE scaling keys (docs/MODELS.md): type absent means linear, factor absent means none. */
static int read_rope(const gguf_file *f, model_hparams *hp, rope_params *rp, tolk_error *err)
{
    int rc;
    rp->base = 10000.0f;
    rp->freq_scale = 1.0f;
    rp->ext_factor = 0.0f;
    rp->attn_factor = 1.0f;
    rp->beta_fast = 32.0f;
    rp->beta_slow = 1.0f;
    rp->n_ctx_orig = hp->n_ctx_train;
    if ((rc = arch_get_f(f, hp, "rope.freq_base", false, &rp->base, err)))
        return rc;
    char key[128], type[32] = "linear";
    key_name(key, sizeof key, hp, "rope.scaling.type");
    if (gguf_find_kv(f, key) && !gguf_get_cstr(f, key, type, sizeof type))
        return error_set(err, TOLK_E_FORMAT, "metadata %s is not a string", key);
    float factor = 0.0f;
    if ((rc = arch_get_f(f, hp, "rope.scaling.factor", false, &factor, err)))
        return rc;
    if (factor == 0.0f && (rc = arch_get_f(f, hp, "rope.scale_linear", false, &factor, err)))
        return rc;
    if (!(factor >= 0.0f) || isinf(factor))
        return error_set(err, TOLK_E_FORMAT, "%s.rope.scaling.factor = %g is invalid", hp->arch,
                         (double)factor);
    if (!strcmp(type, "none")) {
        factor = 0.0f;
    } else if (!strcmp(type, "yarn")) {
        rp->ext_factor = 1.0f;
        if ((rc = arch_get_f(f, hp, "rope.scaling.attn_factor", false, &rp->attn_factor, err)))
            return rc;
        if ((rc = arch_get_u(f, hp, "rope.scaling.original_context_length", false, &rp->n_ctx_orig,
                             err)))
            return rc;
    } else if (strcmp(type, "linear") != 0) {
        return error_set(err, TOLK_E_UNSUPPORTED, "RoPE scaling type '%s' (%s) is not supported",
                         type, key);
    }
    rp->freq_scale = factor > 0.0f ? 1.0f / factor : 1.0f;
    if (!(rp->base > 0.0f))
        return error_set(err, TOLK_E_FORMAT, "%s.rope.freq_base = %g is invalid", hp->arch,
                         (double)rp->base);
    return TOLK_OK;
}

/* {a}.SUFFIX as a per-layer integer array whose entries may differ (architectures with
 * per_layer_shapes): each layer's value into hp->layer[il].n_ff (FF) or .n_head_kv, the largest into
 * *MAX. Absent or scalar: nothing done (arch_get_u reads it). */
static int read_layer_values(const gguf_file *f, model_hparams *hp, const char *suffix, bool ff, int64_t *max,
                             tolk_error *err)
{
    char key[128];
    key_name(key, sizeof key, hp, suffix);
    const gguf_array *a = gguf_get_arr(f, key);
    if (!a)
        return TOLK_OK;
    if (a->type == GGUF_TYPE_STRING || a->type == GGUF_TYPE_ARRAY || a->type == GGUF_TYPE_F32 ||
        a->type == GGUF_TYPE_F64 || a->type == GGUF_TYPE_BOOL)
        return error_set(err, TOLK_E_FORMAT, "metadata %s: expected an integer or integer array", key);
    if (hp->n_layer <= 0 || hp->n_layer > ARCH_MAX_LAYERS || a->n != (uint64_t)hp->n_layer)
        return error_set(err, TOLK_E_FORMAT, "metadata %s has %llu entries for %lld layers", key,
                         (unsigned long long)a->n, (long long)hp->n_layer);
    int64_t m = 0;
    for (int il = 0; il < hp->n_layer; il++) {
        const int64_t v = gguf_arr_int(a, (uint64_t)il);
        if (v <= 0 || v > INT32_MAX)
            return error_set(err, TOLK_E_FORMAT, "metadata %s[%d] = %lld is out of range", key, il, (long long)v);
        if (ff)
            hp->layer[il].n_ff = v;
        else
            hp->layer[il].n_head_kv = v;
        m = v > m ? v : m;
    }
    *max = m;
    return TOLK_OK;
}

int arch_read_common(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    int rc;
    /* Architectures whose feed_forward_length and head_count_kv may be per-layer arrays with differing
     * entries: they are kept per layer in hp->layer[], the largest model-wide. */
    const bool per_layer = arch_find(hp->arch) == &arch_gemma4;
    hp->n_ctx_train = 0;
    hp->n_ff = 0;
    if ((rc = arch_get_u(f, hp, "context_length", true, &hp->n_ctx_train, err)) ||
        (rc = arch_get_u(f, hp, "embedding_length", true, &hp->n_embd, err)) ||
        (rc = arch_get_u(f, hp, "block_count", true, &hp->n_layer, err)) ||
        (per_layer && (rc = read_layer_values(f, hp, "feed_forward_length", true, &hp->n_ff, err))) ||
        (!hp->n_ff && (rc = arch_get_u(f, hp, "feed_forward_length", true, &hp->n_ff, err))) ||
        (rc = arch_get_u(f, hp, "attention.head_count", true, &hp->n_head, err)))
        return rc;
    hp->n_head_kv = 0;
    if ((per_layer && (rc = read_layer_values(f, hp, "attention.head_count_kv", false, &hp->n_head_kv, err))))
        return rc;
    if (!hp->n_head_kv) {
        hp->n_head_kv = hp->n_head;
        if ((rc = arch_get_u(f, hp, "attention.head_count_kv", false, &hp->n_head_kv, err)))
            return rc;
    }
    for (int il = 0; per_layer && il < hp->n_layer && il < ARCH_MAX_LAYERS; il++)
        if (hp->layer[il].n_head_kv && hp->n_head > 0 && hp->n_head % hp->layer[il].n_head_kv)
            return error_set(err, TOLK_E_FORMAT, "%s: head_count_kv %lld of layer %d does not divide head_count "
                             "%lld", hp->arch, (long long)hp->layer[il].n_head_kv, il, (long long)hp->n_head);
    if ((rc = arch_get_f(f, hp, "attention.layer_norm_rms_epsilon", true, &hp->eps, err)))
        return rc;
    if (hp->n_embd <= 0 || hp->n_ff <= 0 || hp->n_head <= 0 || hp->n_head_kv <= 0)
        return error_set(err, TOLK_E_FORMAT, "%s: embedding_length, feed_forward_length and head "
                         "counts must be positive", hp->arch);
    if (hp->n_layer <= 0 || hp->n_layer > ARCH_MAX_LAYERS)
        return error_set(err, TOLK_E_FORMAT, "%s.block_count = %lld is outside 1..%d", hp->arch,
                         (long long)hp->n_layer, ARCH_MAX_LAYERS);
    if (hp->n_head % hp->n_head_kv)
        return error_set(err, TOLK_E_FORMAT, "%s: head_count_kv %lld does not divide head_count %lld",
                         hp->arch, (long long)hp->n_head_kv, (long long)hp->n_head);
    hp->head_dim = hp->n_embd / hp->n_head;
    if ((rc = arch_get_u(f, hp, "attention.key_length", false, &hp->head_dim, err)))
        return rc;
    hp->head_dim_v = hp->n_embd / hp->n_head; /* llama.cpp's default, independent of key_length */
    if ((rc = arch_get_u(f, hp, "attention.value_length", false, &hp->head_dim_v, err)))
        return rc;
    hp->n_rot = hp->head_dim;
    if ((rc = arch_get_u(f, hp, "rope.dimension_count", false, &hp->n_rot, err)))
        return rc;
    if (hp->head_dim <= 0 || hp->head_dim_v <= 0 || hp->n_rot <= 0 || hp->n_rot > hp->head_dim ||
        hp->n_rot % 2)
        return error_set(err, TOLK_E_FORMAT, "%s: head dims (key %lld, value %lld, rope %lld) are "
                         "inconsistent", hp->arch, (long long)hp->head_dim, (long long)hp->head_dim_v,
                         (long long)hp->n_rot);
    if (!(hp->eps > 0.0f) || hp->eps > 1.0f)
        return error_set(err, TOLK_E_FORMAT, "%s.attention.layer_norm_rms_epsilon = %g is invalid",
                         hp->arch, (double)hp->eps);
    rope_params rp;
    if ((rc = read_rope(f, hp, &rp, err)))
        return rc;
    for (int il = 0; il < hp->n_layer; il++) {
        hp->layer[il].swa = false;
        hp->layer[il].rope = rp;
    }
    hp->n_swa = 0;
    hp->attn_softcap = 0.0f;
    hp->n_expert = hp->n_expert_used = hp->n_ff_exp = hp->n_ff_shexp = 0;
    hp->final_softcap = 0.0f;
    hp->q_scale = 1.0f;
    hp->kq_scale = 1.0f / sqrtf((float)hp->head_dim);
    return TOLK_OK;
}

int arch_bind(const gguf_file *f, int il, const char *name, int64_t ne0, int64_t ne1, bool required,
              const gguf_tensor **out, tolk_error *err)
{
    return arch_bind3(f, il, name, ne0, ne1, 0, required, out, err);
}

int arch_bind3(const gguf_file *f, int il, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
               bool required, const gguf_tensor **out, tolk_error *err)
{
    char full[96];
    if (il >= 0)
        snprintf(full, sizeof full, "blk.%d.%s", il, name);
    else
        snprintf(full, sizeof full, "%s", name);
    const gguf_tensor *t = gguf_find_tensor(f, full);
    *out = t;
    if (!t)
        return required ? error_set(err, TOLK_E_FORMAT, "missing tensor %s", full) : TOLK_OK;
    bool ok = t->ne[0] == ne0 && t->ne[2] == (ne2 ? ne2 : 1) && t->ne[3] == 1 &&
              (ne1 ? t->ne[1] == ne1 : t->ne[1] == 1);
    if (!ok) {
        char want[96];
        if (ne2)
            snprintf(want, sizeof want, "[%lld, %lld, %lld]", (long long)ne0, (long long)ne1, (long long)ne2);
        else if (ne1)
            snprintf(want, sizeof want, "[%lld, %lld]", (long long)ne0, (long long)ne1);
        else
            snprintf(want, sizeof want, "[%lld]", (long long)ne0);
        return error_set(err, TOLK_E_FORMAT, "tensor %s has shape [%lld, %lld, %lld, %lld], expected %s",
                         full, (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
                         (long long)t->ne[3], want);
    }
    return TOLK_OK;
}

void arch_row_view(const gguf_tensor *t, int64_t r0, int64_t rows, const char *tag, gguf_tensor *out)
{
    *out = *t;
    snprintf(out->name, sizeof out->name, "%.50s%s", t->name, tag);
    out->n_dims = 2;
    out->ne[1] = rows;
    out->ne[2] = out->ne[3] = 1;
    out->n_elements = (uint64_t)(t->ne[0] * rows);
    out->nbytes = t->row_bytes * (uint64_t)rows;
    out->file_offset = t->file_offset + t->row_bytes * (uint64_t)r0;
    out->data = (const char *)t->data + t->row_bytes * (uint64_t)r0;
}

int arch_read_moe(const gguf_file *f, model_hparams *hp, bool norm_default, tolk_error *err)
{
    int rc;
    hp->n_expert = 0;
    hp->n_expert_used = 0;
    if ((rc = arch_get_u(f, hp, "expert_count", true, &hp->n_expert, err)) ||
        (rc = arch_get_u(f, hp, "expert_used_count", true, &hp->n_expert_used, err)))
        return rc;
    if (hp->n_expert < 1 || hp->n_expert > ARCH_MAX_EXPERTS)
        return error_set(err, TOLK_E_FORMAT, "%s.expert_count = %lld is outside 1..%d", hp->arch,
                         (long long)hp->n_expert, ARCH_MAX_EXPERTS);
    if (hp->n_expert_used < 1 || hp->n_expert_used > hp->n_expert)
        return error_set(err, TOLK_E_FORMAT, "%s.expert_used_count = %lld is outside 1..%lld (expert_count)",
                         hp->arch, (long long)hp->n_expert_used, (long long)hp->n_expert);
    hp->n_ff_exp = hp->n_ff / hp->n_expert_used;
    if ((rc = arch_get_u(f, hp, "expert_feed_forward_length", false, &hp->n_ff_exp, err)))
        return rc;
    if (hp->n_ff_exp <= 0)
        return error_set(err, TOLK_E_FORMAT, "%s.expert_feed_forward_length must be positive", hp->arch);
    char key[128];
    key_name(key, sizeof key, hp, "expert_weights_norm");
    hp->moe_norm_w = norm_default;
    if (gguf_find_kv(f, key) && !gguf_get_bool(f, key, &hp->moe_norm_w))
        return error_set(err, TOLK_E_FORMAT, "metadata %s is not a bool", key);
    hp->moe_w_scale = 0.0f;
    if ((rc = arch_get_f(f, hp, "expert_weights_scale", false, &hp->moe_w_scale, err)))
        return rc;
    if (!isfinite(hp->moe_w_scale))
        return error_set(err, TOLK_E_FORMAT, "%s.expert_weights_scale is not finite", hp->arch);
    hp->moe_gating = MOE_GATING_SOFTMAX;
    return TOLK_OK;
}

int arch_bind_moe_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                        tolk_error *err)
{
    const int64_t e = hp->n_embd, q = hp->n_head * hp->head_dim, k = hp->n_head_kv * hp->head_dim,
                  v = hp->n_head_kv * hp->head_dim_v, o = hp->n_head * hp->head_dim_v, x = hp->n_expert,
                  fx = hp->n_ff_exp;
    int rc;
    memset(lw, 0, sizeof *lw);
    if ((rc = arch_bind(f, il, "attn_norm.weight", e, 0, true, &lw->attn_norm, err)) ||
        (rc = arch_bind(f, il, "attn_q.weight", e, q, true, &lw->wq, err)) ||
        (rc = arch_bind(f, il, "attn_k.weight", e, k, true, &lw->wk, err)) ||
        (rc = arch_bind(f, il, "attn_v.weight", e, v, true, &lw->wv, err)) ||
        (rc = arch_bind(f, il, "attn_output.weight", o, e, true, &lw->wo, err)) ||
        (rc = arch_bind(f, il, "ffn_norm.weight", e, 0, true, &lw->ffn_norm, err)) ||
        (rc = arch_bind(f, il, "ffn_gate_inp.weight", e, x, true, &lw->ffn_gate_inp, err)) ||
        (rc = arch_bind3(f, il, "ffn_gate_exps.weight", e, fx, x, true, &lw->ffn_gate_exps, err)) ||
        (rc = arch_bind3(f, il, "ffn_up_exps.weight", e, fx, x, true, &lw->ffn_up_exps, err)) ||
        (rc = arch_bind3(f, il, "ffn_down_exps.weight", fx, e, x, true, &lw->ffn_down_exps, err)))
        return rc;
    return TOLK_OK;
}

int arch_bind_common_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                           tolk_error *err)
{
    const int64_t e = hp->n_embd, q = hp->n_head * hp->head_dim, k = hp->n_head_kv * hp->head_dim,
                  v = hp->n_head_kv * hp->head_dim_v, o = hp->n_head * hp->head_dim_v;
    int rc;
    memset(lw, 0, sizeof *lw);
    if ((rc = arch_bind(f, il, "attn_norm.weight", e, 0, true, &lw->attn_norm, err)) ||
        (rc = arch_bind(f, il, "attn_q.weight", e, q, true, &lw->wq, err)) ||
        (rc = arch_bind(f, il, "attn_k.weight", e, k, true, &lw->wk, err)) ||
        (rc = arch_bind(f, il, "attn_v.weight", e, v, true, &lw->wv, err)) ||
        (rc = arch_bind(f, il, "attn_output.weight", o, e, true, &lw->wo, err)) ||
        (rc = arch_bind(f, il, "ffn_norm.weight", e, 0, true, &lw->ffn_norm, err)) ||
        (rc = arch_bind(f, il, "ffn_gate.weight", e, hp->n_ff, true, &lw->ffn_gate, err)) ||
        (rc = arch_bind(f, il, "ffn_up.weight", e, hp->n_ff, true, &lw->ffn_up, err)) ||
        (rc = arch_bind(f, il, "ffn_down.weight", hp->n_ff, e, true, &lw->ffn_down, err)))
        return rc;
    return TOLK_OK;
}

int arch_read_swa_pattern(const gguf_file *f, model_hparams *hp, int64_t default_period, tolk_error *err)
{
    char key[128];
    key_name(key, sizeof key, hp, "attention.sliding_window_pattern");
    const gguf_array *a = gguf_get_arr(f, key);
    if (a) {
        if (a->type != GGUF_TYPE_BOOL && a->type != GGUF_TYPE_U8 && a->type != GGUF_TYPE_I8 &&
            a->type != GGUF_TYPE_U32 && a->type != GGUF_TYPE_I32)
            return error_set(err, TOLK_E_FORMAT, "metadata %s: expected a per-layer bool array", key);
        if (a->n != (uint64_t)hp->n_layer)
            return error_set(err, TOLK_E_FORMAT, "metadata %s has %llu entries for %lld layers", key,
                             (unsigned long long)a->n, (long long)hp->n_layer);
        for (int il = 0; il < hp->n_layer; il++)
            hp->layer[il].swa = gguf_arr_int(a, (uint64_t)il) != 0;
        return TOLK_OK;
    }
    int64_t n = default_period;
    int rc = arch_get_u(f, hp, "attention.sliding_window_pattern", false, &n, err);
    if (rc)
        return rc;
    for (int il = 0; il < hp->n_layer; il++)
        hp->layer[il].swa = n == 0 || il % n < n - 1;
    return TOLK_OK;
}
