/* qwen2moe (Qwen1.5-MoE-A2.7B, Qwen2-57B-A14B): qwen2's attention (q/k/v biases, NEOX) with a
 * mixture of experts whose weights are NOT renormalised (softmax probabilities of the chosen
 * experts as they are), plus a shared expert every token runs: a SwiGLU FFN of width
 * expert_shared_feed_forward_length (default feed_forward_length) scaled by
 * sigmoid(ffn_gate_inp_shexp . x), computed like llama.cpp as silu(g) / g, and added to the routed
 * experts' sum. Facts: llama.cpp src/models/qwen2moe.cpp; arithmetic in runtime/forward/moe.c. */
#include "arch.h"

static int qwen2moe_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    int rc = arch_read_moe(f, hp, false, err);
    if (rc)
        return rc;
    hp->n_ff_shexp = hp->n_ff;
    if ((rc = arch_get_u(f, hp, "expert_shared_feed_forward_length", false, &hp->n_ff_shexp, err)))
        return rc;
    if (hp->n_ff_shexp <= 0)
        return error_set(err, TOLK_E_FORMAT, "qwen2moe.expert_shared_feed_forward_length must be positive");
    hp->recipe = (arch_recipe){.rope = ROPE_NEOX, .act = FFN_SILU, .qkv_bias = true};
    return TOLK_OK;
}

static int qwen2moe_bind_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                               tolk_error *err)
{
    const int64_t e = hp->n_embd, q = hp->n_head * hp->head_dim, k = hp->n_head_kv * hp->head_dim,
                  v = hp->n_head_kv * hp->head_dim_v, s = hp->n_ff_shexp;
    int rc;
    if ((rc = arch_bind_moe_layer(f, hp, il, lw, err)) ||
        (rc = arch_bind(f, il, "attn_q.bias", q, 0, false, &lw->bq, err)) ||
        (rc = arch_bind(f, il, "attn_k.bias", k, 0, false, &lw->bk, err)) ||
        (rc = arch_bind(f, il, "attn_v.bias", v, 0, false, &lw->bv, err)) ||
        (rc = arch_bind(f, il, "ffn_gate_inp_shexp.weight", e, 0, true, &lw->ffn_gate_inp_shexp, err)) ||
        (rc = arch_bind(f, il, "ffn_gate_shexp.weight", e, s, true, &lw->ffn_gate_shexp, err)) ||
        (rc = arch_bind(f, il, "ffn_up_shexp.weight", e, s, true, &lw->ffn_up_shexp, err)) ||
        (rc = arch_bind(f, il, "ffn_down_shexp.weight", s, e, true, &lw->ffn_down_shexp, err)))
        return rc;
    return TOLK_OK;
}

const arch_desc arch_qwen2moe = {"qwen2moe", qwen2moe_read_hparams, qwen2moe_bind_layer};
