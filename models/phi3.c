/* phi3 (Phi-3 / Phi-3.5 mini, Phi-4-mini): a pre-norm SwiGLU block with two fused tensors —
 * blk.N.attn_qkv holds the q, k and v rows one after the other (separate attn_q/k/v are accepted
 * too) and blk.N.ffn_up holds the gate rows then the up rows (2 x n_ff) — bound here as row views,
 * so the forward pass sees plain q/k/v and gate/up matrices. RoPE NEOX over the first
 * rope.dimension_count values of each head (partial rotary: 96 of 128 on Phi-4-mini), with the
 * file's rope_factors_short (or _long beyond the original context) as per-pair divisors and
 * rope.scaling.attn_factor scaling cos and sin. Queries are multiplied by 1/sqrt(head_dim) after
 * RoPE; no further scale in the softmax. llama.cpp disables Phi's sliding window, and so does tolk.
 * Facts: llama.cpp src/models/phi3.cpp, docs/MODELS.md. */
#include <math.h>
#include <string.h>

#include "arch.h"

static int phi3_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    float attn_factor = 1.0f;
    int rc = arch_get_f(f, hp, "rope.scaling.attn_factor", false, &attn_factor, err);
    if (rc)
        return rc;
    int64_t n_ctx_orig = hp->n_ctx_train; /* beyond it llama.cpp switches to the long factors */
    if ((rc = arch_get_u(f, hp, "rope.scaling.original_context_length", false, &n_ctx_orig, err)))
        return rc;
    for (int il = 0; il < hp->n_layer; il++)
        hp->layer[il].rope.n_ctx_orig = n_ctx_orig;
    if (!(attn_factor > 0.0f) || isinf(attn_factor))
        return error_set(err, TOLK_E_FORMAT, "phi3.rope.scaling.attn_factor = %g is invalid", (double)attn_factor);
    for (int il = 0; il < hp->n_layer; il++)
        if (hp->layer[il].rope.ext_factor == 0.0f) /* yarn read the same key already */
            hp->layer[il].rope.attn_factor = attn_factor;
    if (hp->head_dim != hp->head_dim_v)
        return error_set(err, TOLK_E_UNSUPPORTED, "phi3: key and value head sizes differ (%lld, %lld)",
                         (long long)hp->head_dim, (long long)hp->head_dim_v);
    hp->recipe = (arch_recipe){.rope = ROPE_NEOX, .act = FFN_SILU};
    hp->q_scale = 1.0f / sqrtf((float)hp->head_dim);
    hp->kq_scale = 1.0f;
    return TOLK_OK;
}

static int phi3_bind_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                           tolk_error *err)
{
    const int64_t e = hp->n_embd, q = hp->n_head * hp->head_dim, kv = hp->n_head_kv * hp->head_dim;
    const gguf_tensor *qkv, *gate_up;
    int rc;
    memset(lw, 0, sizeof *lw);
    if ((rc = arch_bind(f, il, "attn_norm.weight", e, 0, true, &lw->attn_norm, err)) ||
        (rc = arch_bind(f, il, "attn_qkv.weight", e, q + 2 * kv, false, &qkv, err)))
        return rc;
    if (qkv) {
        arch_row_view(qkv, 0, q, "[q]", &lw->split[0]);
        arch_row_view(qkv, q, kv, "[k]", &lw->split[1]);
        arch_row_view(qkv, q + kv, kv, "[v]", &lw->split[2]);
        lw->wq = &lw->split[0];
        lw->wk = &lw->split[1];
        lw->wv = &lw->split[2];
    } else if ((rc = arch_bind(f, il, "attn_q.weight", e, q, false, &lw->wq, err)) ||
               (rc = arch_bind(f, il, "attn_k.weight", e, kv, false, &lw->wk, err)) ||
               (rc = arch_bind(f, il, "attn_v.weight", e, kv, false, &lw->wv, err))) {
        return rc;
    } else if (!lw->wq || !lw->wk || !lw->wv) {
        return error_set(err, TOLK_E_FORMAT, "missing tensor blk.%d.attn_qkv.weight (or all of blk.%d.attn_q, "
                         "attn_k and attn_v)", il, il);
    }
    if ((rc = arch_bind(f, il, "attn_output.weight", q, e, true, &lw->wo, err)) ||
        (rc = arch_bind(f, il, "ffn_norm.weight", e, 0, true, &lw->ffn_norm, err)) ||
        (rc = arch_bind(f, il, "ffn_up.weight", e, 2 * hp->n_ff, true, &gate_up, err)) ||
        (rc = arch_bind(f, il, "ffn_down.weight", hp->n_ff, e, true, &lw->ffn_down, err)))
        return rc;
    arch_row_view(gate_up, 0, hp->n_ff, "[gate]", &lw->split[3]);
    arch_row_view(gate_up, hp->n_ff, hp->n_ff, "[up]", &lw->split[4]);
    lw->ffn_gate = &lw->split[3];
    lw->ffn_up = &lw->split[4];
    return TOLK_OK;
}

const arch_desc arch_phi3 = {"phi3", phi3_read_hparams, phi3_bind_layer};
