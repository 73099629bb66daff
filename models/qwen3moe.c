/* qwen3moe (Qwen3-30B-A3B, Qwen3-235B-A22B and kin): qwen3's attention (per-head q/k RMSNorm before
 * RoPE NEOX, no biases) with a mixture-of-experts FFN in every layer: router ffn_gate_inp, softmax
 * over all experts, the expert_used_count most probable chosen, their weights divided by their sum
 * (llama.cpp always normalises for qwen3moe; tolk honours an explicit expert_weights_norm = false),
 * each chosen expert a SwiGLU FFN read from the 3-D ffn_{gate,up,down}_exps stacks. No shared
 * experts. The MoE arithmetic is runtime/forward/moe.c. Facts: llama.cpp src/models/qwen3moe.cpp. */
#include "arch.h"

static int qwen3moe_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    int rc = arch_read_moe(f, hp, true, err);
    if (rc)
        return rc;
    hp->recipe = (arch_recipe){.rope = ROPE_NEOX, .act = FFN_SILU, .qk_norm = true};
    return TOLK_OK;
}

static int qwen3moe_bind_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                               tolk_error *err)
{
    int rc;
    if ((rc = arch_bind_moe_layer(f, hp, il, lw, err)) ||
        (rc = arch_bind(f, il, "attn_q_norm.weight", hp->head_dim, 0, true, &lw->q_norm, err)) ||
        (rc = arch_bind(f, il, "attn_k_norm.weight", hp->head_dim, 0, true, &lw->k_norm, err)))
        return rc;
    return TOLK_OK;
}

const arch_desc arch_qwen3moe = {"qwen3moe", qwen3moe_read_hparams, qwen3moe_bind_layer};
