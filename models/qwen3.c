/* qwen3: no biases; each query and key head is RMS-normalised over head_dim (attn_q_norm,
 * attn_k_norm, same eps) before RoPE NEOX. head_dim comes from key_length, so n_head*head_dim may
 * differ from n_embd (Qwen3-0.6B: 16 x 128 vs 1024). */
#include "arch.h"

static int qwen3_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    (void)f;
    (void)err;
    hp->recipe = (arch_recipe){.rope = ROPE_NEOX, .act = FFN_SILU, .qk_norm = true};
    return TOLK_OK;
}

int arch_bind_qk_norm_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                            tolk_error *err)
{
    int rc;
    if ((rc = arch_bind_common_layer(f, hp, il, lw, err)) ||
        (rc = arch_bind(f, il, "attn_q_norm.weight", hp->head_dim, 0, true, &lw->q_norm, err)) ||
        (rc = arch_bind(f, il, "attn_k_norm.weight", hp->head_dim, 0, true, &lw->k_norm, err)))
        return rc;
    return TOLK_OK;
}

const arch_desc arch_qwen3 = {"qwen3", qwen3_read_hparams, arch_bind_qk_norm_layer};
