/* gemma4 (Gemma 4 E2B / E4B / 31B): Gemma 3's block (embeddings x sqrt(n_embd), per-head q/k RMSNorm,
 * post-attention and post-FFN norms, GeGLU, NEOX RoPE) with these differences: the sliding-window
 * layers come from a per-layer bool array and have their own head size, rotary width and RoPE base
 * (attention.key_length_swa, rope.dimension_count_swa, rope.freq_base_swa); global layers use the
 * file's base with rope_freqs as per-pair divisors ("proportional" RoPE); values are RMS-normalised
 * per head without a weight; attention scale 1 (no query pre-scale); the last
 * attention.shared_kv_layers layers read the keys and values of an earlier layer instead of
 * computing their own; per-layer token embeddings feed each block (embedding_length_per_layer_input);
 * feed_forward_length and head_count_kv may vary by layer; final logit soft-capping (default 30);
 * an optional per-layer output scale. Norm weights are stored as they are used (no 1 + w shift).
 * The 26B-A4B's layers add a mixture of experts beside the dense FFN (a layer with ffn_gate_inp):
 * the dense FFN's output gets post_ffw_norm_1, the experts read RMSNorm(x) * pre_ffw_norm_2 and are
 * routed from RMSNorm(x) / sqrt(n_embd) * ffn_gate_inp.scale (softmax, top k, weights always
 * renormalised, GeGLU experts, optional per-expert output scale ffn_down_exps.scale), their sum gets
 * post_ffw_norm_2, and the two are added before post_ffw_norm (runtime/forward/forward.c, moe.c).
 * Facts: llama.cpp src/models/gemma4.cpp, docs/MODELS.md "gemma4". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"

static int gemma4_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    int rc;
    char key[128];
    snprintf(key, sizeof key, "%s.attention.sliding_window_pattern", hp->arch);
    if (!gguf_get_arr(f, key))
        return error_set(err, TOLK_E_FORMAT, "missing metadata key %s (a per-layer bool array)", key);
    int64_t shared = 0, hd_swa = -1, hdv_swa = -1, n_rot_swa = 0;
    float base_swa = 10000.0f; /* llama.cpp's default rope_freq_base_train_swa */
    hp->final_softcap = 30.0f;
    hp->n_embd_per_layer = -1;
    if ((rc = arch_read_swa_pattern(f, hp, 0, err)) ||
        (rc = arch_get_u(f, hp, "attention.sliding_window", true, &hp->n_swa, err)) ||
        (rc = arch_get_u(f, hp, "attention.shared_kv_layers", false, &shared, err)) ||
        (rc = arch_get_u(f, hp, "embedding_length_per_layer_input", true, &hp->n_embd_per_layer, err)) ||
        (rc = arch_get_u(f, hp, "attention.key_length_swa", true, &hd_swa, err)) ||
        (rc = arch_get_u(f, hp, "attention.value_length_swa", true, &hdv_swa, err)) ||
        (rc = arch_get_f(f, hp, "rope.freq_base_swa", false, &base_swa, err)) ||
        (rc = arch_get_f(f, hp, "final_logit_softcapping", false, &hp->final_softcap, err)))
        return rc;
    n_rot_swa = hp->n_rot;
    if ((rc = arch_get_u(f, hp, "rope.dimension_count_swa", false, &n_rot_swa, err)))
        return rc;
    char xkey[128];
    snprintf(xkey, sizeof xkey, "%s.expert_count", hp->arch);
    if (gguf_find_kv(f, xkey)) { /* 26B-A4B: checked before anything is allocated */
        if ((rc = arch_read_moe(f, hp, true, err)))
            return rc;
        hp->moe_norm_w = true; /* llama.cpp's gemma4 graph always renormalises and never scales */
        hp->moe_w_scale = 0.0f;
    }
    const int64_t hd = hp->head_dim;
    if (hp->n_swa <= 0)
        return error_set(err, TOLK_E_FORMAT, "gemma4.attention.sliding_window must be positive");
    if (hd != hp->head_dim_v || hd_swa != hdv_swa || hd_swa <= 0 || hd_swa > 65536)
        return error_set(err, TOLK_E_FORMAT, "gemma4 needs equal key and value head sizes (global %lld/%lld, "
                         "sliding %lld/%lld)", (long long)hd, (long long)hp->head_dim_v, (long long)hd_swa,
                         (long long)hdv_swa);
    if (hp->n_rot != hd)
        return error_set(err, TOLK_E_FORMAT, "gemma4.rope.dimension_count %lld must equal key_length %lld "
                         "(global layers rotate through rope_freqs)", (long long)hp->n_rot, (long long)hd);
    if (n_rot_swa <= 0 || n_rot_swa % 2 || n_rot_swa > hd_swa)
        return error_set(err, TOLK_E_FORMAT, "gemma4.rope.dimension_count_swa = %lld is not even and at most "
                         "%lld", (long long)n_rot_swa, (long long)hd_swa);
    if (!(base_swa > 0.0f))
        return error_set(err, TOLK_E_FORMAT, "gemma4.rope.freq_base_swa must be positive");
    if (!(hp->final_softcap >= 0.0f) || isinf(hp->final_softcap))
        return error_set(err, TOLK_E_FORMAT, "gemma4.final_logit_softcapping must be finite and not negative");
    if (hp->n_embd_per_layer < 0 || hp->n_embd_per_layer > 65536)
        return error_set(err, TOLK_E_FORMAT, "gemma4.embedding_length_per_layer_input = %lld is out of range",
                         (long long)hp->n_embd_per_layer);
    if (shared < 0 || shared >= hp->n_layer || (shared > 0 && hp->n_layer - shared < 2))
        return error_set(err, TOLK_E_FORMAT, "gemma4.attention.shared_kv_layers = %lld leaves fewer than 2 of %lld "
                         "layers with their own keys and values", (long long)shared, (long long)hp->n_layer);
    const int64_t kv_from = hp->n_layer - shared; /* llama.cpp's n_layer_kv_from_start */
    for (int il = 0; il < hp->n_layer; il++) {
        layer_recipe *lr = &hp->layer[il];
        lr->head_dim = lr->swa ? hd_swa : hd;
        lr->n_rot = lr->swa ? n_rot_swa : hp->n_rot;
        if (!lr->n_head_kv)
            lr->n_head_kv = hp->n_head_kv;
        if (!lr->n_ff)
            lr->n_ff = hp->n_ff;
        if (lr->swa) {
            lr->rope.base = base_swa;
            lr->rope.freq_scale = 1.0f; /* rope_freq_scale_train_swa */
            lr->rope.ext_factor = 0.0f;
            lr->rope.attn_factor = 1.0f;
            lr->no_rope_freqs = true;
        }
        if (il >= kv_from) {
            /* llama.cpp's reuse rule: the last own-cache layer of the same kind (sliding: two back). */
            const int src = (int)(kv_from - (lr->swa ? 2 : 1));
            const layer_recipe *sr = &hp->layer[src];
            if (sr->swa != lr->swa || sr->n_head_kv != lr->n_head_kv)
                return error_set(err, TOLK_E_UNSUPPORTED, "gemma4: layer %d would share the keys and values of "
                                 "layer %d, which has another attention kind or head count", il, src);
            lr->kv_shared = true;
            lr->kv_src = src;
        }
    }
    hp->head_dim = hp->head_dim_v = hd > hd_swa ? hd : hd_swa;
    hp->recipe = (arch_recipe){.rope = ROPE_NEOX, .act = FFN_GELU_TANH, .qk_norm = true, .post_norms = true,
                               .embd_scale = true, .v_norm = true};
    hp->q_scale = 1.0f;
    hp->kq_scale = 1.0f; /* f_attention_scale = 1 */
    return TOLK_OK;
}

/* The 26B-A4B's experts of layer il, when it has a router (a layer without one is dense). */
static int gemma4_bind_experts(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                               tolk_error *err)
{
    char name[64];
    snprintf(name, sizeof name, "blk.%d.ffn_gate_inp.weight", il);
    if (!gguf_find_tensor(f, name))
        return TOLK_OK;
    if (hp->n_expert <= 0)
        return error_set(err, TOLK_E_FORMAT, "tensor %s needs the metadata key gemma4.expert_count", name);
    const int64_t e = hp->n_embd, x = hp->n_expert, fx = hp->n_ff_exp;
    int rc;
    if ((rc = arch_bind(f, il, "ffn_gate_inp.weight", e, x, true, &lw->ffn_gate_inp, err)) ||
        (rc = arch_bind(f, il, "ffn_gate_inp.scale", e, 0, true, &lw->ffn_gate_inp_s, err)) ||
        (rc = arch_bind(f, il, "pre_ffw_norm_2.weight", e, 0, true, &lw->ffn_pre_norm_2, err)) ||
        (rc = arch_bind(f, il, "post_ffw_norm_1.weight", e, 0, true, &lw->ffn_post_norm_1, err)) ||
        (rc = arch_bind(f, il, "post_ffw_norm_2.weight", e, 0, true, &lw->ffn_post_norm_2, err)) ||
        (rc = arch_bind3(f, il, "ffn_gate_up_exps.weight", e, 2 * fx, x, false, &lw->ffn_gate_up_exps, err)) ||
        (rc = arch_bind3(f, il, "ffn_down_exps.weight", fx, e, x, true, &lw->ffn_down_exps, err)) ||
        (rc = arch_bind(f, il, "ffn_down_exps.scale", x, 0, false, &lw->ffn_down_exps_s, err)))
        return rc;
    if (!lw->ffn_gate_up_exps && /* the converter fuses gate and up; separate stacks load too */
        ((rc = arch_bind3(f, il, "ffn_gate_exps.weight", e, fx, x, true, &lw->ffn_gate_exps, err)) ||
         (rc = arch_bind3(f, il, "ffn_up_exps.weight", e, fx, x, true, &lw->ffn_up_exps, err))))
        return rc;
    return TOLK_OK;
}

static int gemma4_bind_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                             tolk_error *err)
{
    const layer_recipe *lr = &hp->layer[il];
    const int64_t e = hp->n_embd, hd = lr->head_dim, q = hp->n_head * hd, kv = lr->n_head_kv * hd, ff = lr->n_ff,
                  pl = hp->n_embd_per_layer;
    const bool own_kv = !lr->kv_shared;
    int rc;
    memset(lw, 0, sizeof *lw);
    if ((rc = arch_bind(f, il, "attn_norm.weight", e, 0, true, &lw->attn_norm, err)) ||
        (rc = arch_bind(f, il, "attn_q.weight", e, q, true, &lw->wq, err)) ||
        (rc = arch_bind(f, il, "attn_k.weight", e, kv, own_kv, &lw->wk, err)) ||
        (rc = arch_bind(f, il, "attn_v.weight", e, kv, false, &lw->wv, err)) ||
        (rc = arch_bind(f, il, "attn_output.weight", q, e, true, &lw->wo, err)) ||
        (rc = arch_bind(f, il, "attn_q_norm.weight", hd, 0, true, &lw->q_norm, err)) ||
        (rc = arch_bind(f, il, "attn_k_norm.weight", hd, 0, own_kv, &lw->k_norm, err)) ||
        (rc = arch_bind(f, il, "post_attention_norm.weight", e, 0, true, &lw->post_attn_norm, err)) ||
        (rc = arch_bind(f, il, "layer_output_scale.weight", 1, 0, false, &lw->out_scale, err)) ||
        (rc = arch_bind(f, il, "ffn_norm.weight", e, 0, true, &lw->ffn_norm, err)) ||
        (rc = arch_bind(f, il, "ffn_gate.weight", e, ff, true, &lw->ffn_gate, err)) ||
        (rc = arch_bind(f, il, "ffn_up.weight", e, ff, true, &lw->ffn_up, err)) ||
        (rc = arch_bind(f, il, "ffn_down.weight", ff, e, true, &lw->ffn_down, err)) ||
        (rc = arch_bind(f, il, "post_ffw_norm.weight", e, 0, true, &lw->post_ffn_norm, err)))
        return rc;
    if (!own_kv) /* present in some files, never read: the layer attends over an earlier one's cache */
        lw->wk = lw->wv = lw->k_norm = NULL;
    if (pl > 0 && ((rc = arch_bind(f, il, "inp_gate.weight", e, pl, true, &lw->pl_inp_gate, err)) ||
                   (rc = arch_bind(f, il, "proj.weight", pl, e, true, &lw->pl_proj, err)) ||
                   (rc = arch_bind(f, il, "post_norm.weight", e, 0, true, &lw->pl_post_norm, err))))
        return rc;
    const gguf_tensor *t;
    if (!lr->swa && (rc = arch_bind(f, -1, "rope_freqs.weight", hd / 2, 0, true, &t, err)))
        return rc; /* global layers rotate through it (llama.cpp requires it) */
    return gemma4_bind_experts(f, hp, il, lw, err);
}

const arch_desc arch_gemma4 = {"gemma4", gemma4_read_hparams, gemma4_bind_layer};
