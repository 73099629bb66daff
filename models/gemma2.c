/* gemma2 (Gemma 2, Tower+ 2B/9B): gemma3's block without the per-head q/k norms, plus soft-capping:
 * attention scores become cap * tanh(score / cap) before the softmax (attn_logit_softcapping,
 * default 50) and the final logits likewise (final_logit_softcapping, default 30). Layers
 * alternate sliding-window (even il) and global (odd il) attention, both with the file's RoPE base
 * unless rope.freq_base_swa is given. Queries are pre-scaled by 1/sqrt(head_dim), 1/sqrt(n_embd /
 * n_head) on the 27B (46 layers). Embeddings scaled by sqrt(n_embd); GeGLU; tied output; norm
 * weights stored as 1 + w. Facts: llama.cpp src/models/gemma2.cpp, docs/MODELS.md. */
#include <math.h>

#include "arch.h"

static int gemma2_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    int rc;
    hp->n_swa = 4096; /* llama.cpp's default for Gemma 2 */
    hp->attn_softcap = 50.0f;
    hp->final_softcap = 30.0f;
    float base_swa = hp->layer[0].rope.base;
    if ((rc = arch_get_u(f, hp, "attention.sliding_window", false, &hp->n_swa, err)) ||
        (rc = arch_get_f(f, hp, "attn_logit_softcapping", false, &hp->attn_softcap, err)) ||
        (rc = arch_get_f(f, hp, "final_logit_softcapping", false, &hp->final_softcap, err)) ||
        (rc = arch_get_f(f, hp, "rope.freq_base_swa", false, &base_swa, err)) ||
        (rc = arch_read_swa_pattern(f, hp, 2, err)))
        return rc;
    if (hp->n_swa <= 0)
        return error_set(err, TOLK_E_FORMAT, "gemma2.attention.sliding_window must be positive");
    if (!(hp->attn_softcap > 0.0f) || !(hp->final_softcap > 0.0f) || isinf(hp->attn_softcap) ||
        isinf(hp->final_softcap))
        return error_set(err, TOLK_E_FORMAT, "gemma2: soft-capping values must be positive and finite");
    if (!(base_swa > 0.0f))
        return error_set(err, TOLK_E_FORMAT, "gemma2.rope.freq_base_swa must be positive");
    for (int il = 0; il < hp->n_layer; il++)
        if (hp->layer[il].swa)
            hp->layer[il].rope.base = base_swa;
    hp->recipe = (arch_recipe){.rope = ROPE_NEOX, .act = FFN_GELU_TANH, .post_norms = true,
                               .embd_scale = true};
    hp->q_scale = hp->n_layer == 46 ? 1.0f / sqrtf((float)(hp->n_embd / hp->n_head))
                                    : 1.0f / sqrtf((float)hp->head_dim);
    hp->kq_scale = 1.0f;
    return TOLK_OK;
}

static int gemma2_bind_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                             tolk_error *err)
{
    int rc;
    if ((rc = arch_bind_common_layer(f, hp, il, lw, err)) ||
        (rc = arch_bind(f, il, "post_attention_norm.weight", hp->n_embd, 0, true, &lw->post_attn_norm,
                        err)) ||
        (rc = arch_bind(f, il, "post_ffw_norm.weight", hp->n_embd, 0, true, &lw->post_ffn_norm, err)))
        return rc;
    return TOLK_OK;
}

const arch_desc arch_gemma2 = {"gemma2", gemma2_read_hparams, gemma2_bind_layer};
