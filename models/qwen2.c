/* qwen2 (Qwen 2 / 2.5): llama's block with required q/k/v biases added after the projections,
 * RoPE NEOX (halves rotated, no row permutation in the converter), SwiGLU, no other biases. */
#include "arch.h"

static int qwen2_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    (void)f;
    (void)err;
    hp->recipe = (arch_recipe){.rope = ROPE_NEOX, .act = FFN_SILU, .qkv_bias = true};
    return TOLK_OK;
}

static int qwen2_bind_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                            tolk_error *err)
{
    int rc;
    if ((rc = arch_bind_common_layer(f, hp, il, lw, err)) ||
        (rc = arch_bind(f, il, "attn_q.bias", hp->n_head * hp->head_dim, 0, true, &lw->bq, err)) ||
        (rc = arch_bind(f, il, "attn_k.bias", hp->n_head_kv * hp->head_dim, 0, true, &lw->bk, err)) ||
        (rc = arch_bind(f, il, "attn_v.bias", hp->n_head_kv * hp->head_dim_v, 0, true, &lw->bv, err)))
        return rc;
    return TOLK_OK;
}

const arch_desc arch_qwen2 = {"qwen2", qwen2_read_hparams, qwen2_bind_layer};
