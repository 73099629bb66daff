/* gemma3: embeddings scaled by sqrt(n_embd); per-head q/k RMSNorm; RMSNorm around both the
 * attention and the FFN outputs (post norms); GeGLU (tanh GELU); q pre-scaled by 1/sqrt(head_dim);
 * every sixth layer global (file's RoPE base and scaling, full causal mask), the others sliding
 * window with RoPE base 10000 unscaled (llama.cpp hard-codes both; docs/MODELS.md). Tied output.
 * Norm weights already hold 1 + w (the converter adds it). */
#include <math.h>

#include "arch.h"

static int gemma3_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    int rc;
    if ((rc = arch_get_u(f, hp, "attention.sliding_window", true, &hp->n_swa, err)))
        return rc;
    if (hp->n_swa <= 0)
        return error_set(err, TOLK_E_FORMAT, "gemma3.attention.sliding_window must be positive");
    for (int il = 0; il < hp->n_layer; il++) {
        layer_recipe *lr = &hp->layer[il];
        lr->swa = (il + 1) % 6 != 0;
        if (lr->swa) {
            lr->rope.base = 10000.0f;
            lr->rope.freq_scale = 1.0f;
        }
    }
    hp->recipe = (arch_recipe){.rope = ROPE_NEOX, .act = FFN_GELU_TANH, .qk_norm = true,
                               .post_norms = true, .embd_scale = true};
    /* query_pre_attn_scalar: head_dim, except Gemma 3 27B (62 layers) uses n_embd/n_head. */
    hp->q_scale = hp->n_layer == 62 ? 1.0f / sqrtf((float)(hp->n_embd / hp->n_head))
                                    : 1.0f / sqrtf((float)hp->head_dim);
    hp->kq_scale = 1.0f;
    return TOLK_OK;
}

static int gemma3_bind_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                             tolk_error *err)
{
    int rc;
    if ((rc = arch_bind_common_layer(f, hp, il, lw, err)) ||
        (rc = arch_bind(f, il, "attn_q_norm.weight", hp->head_dim, 0, true, &lw->q_norm, err)) ||
        (rc = arch_bind(f, il, "attn_k_norm.weight", hp->head_dim, 0, true, &lw->k_norm, err)) ||
        (rc = arch_bind(f, il, "post_attention_norm.weight", hp->n_embd, 0, true, &lw->post_attn_norm,
                        err)) ||
        (rc = arch_bind(f, il, "post_ffw_norm.weight", hp->n_embd, 0, true, &lw->post_ffn_norm, err)))
        return rc;
    return TOLK_OK;
}

const arch_desc arch_gemma3 = {"gemma3", gemma3_read_hparams, gemma3_bind_layer};
