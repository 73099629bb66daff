/* llama (Llama 2/3, Mistral): the plain pre-norm block. RoPE NORM (adjacent pairs: the converter
 * permuted HF's q/k rows), SwiGLU FFN, optional biases, scale 1/sqrt(head_dim) inside the softmax.
 * Llama 3.1+ files carry rope_freqs (bound by runtime/forward/model.c, it is not per layer). */
#include "arch.h"

static int llama_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    (void)f;
    if (hp->n_rot != hp->head_dim)
        return error_set(err, TOLK_E_UNSUPPORTED, "llama.rope.dimension_count %lld differs from the "
                         "head size %lld", (long long)hp->n_rot, (long long)hp->head_dim);
    hp->recipe = (arch_recipe){.rope = ROPE_NORM, .act = FFN_SILU};
    return TOLK_OK;
}

static int llama_bind_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                            tolk_error *err)
{
    int rc;
    const int64_t q = hp->n_head * hp->head_dim, k = hp->n_head_kv * hp->head_dim,
                  v = hp->n_head_kv * hp->head_dim_v;
    if ((rc = arch_bind_common_layer(f, hp, il, lw, err)) ||
        (rc = arch_bind(f, il, "attn_q.bias", q, 0, false, &lw->bq, err)) ||
        (rc = arch_bind(f, il, "attn_k.bias", k, 0, false, &lw->bk, err)) ||
        (rc = arch_bind(f, il, "attn_v.bias", v, 0, false, &lw->bv, err)) ||
        (rc = arch_bind(f, il, "attn_output.bias", hp->n_embd, 0, false, &lw->bo, err)) ||
        (rc = arch_bind(f, il, "ffn_gate.bias", hp->n_ff, 0, false, &lw->ffn_gate_b, err)) ||
        (rc = arch_bind(f, il, "ffn_up.bias", hp->n_ff, 0, false, &lw->ffn_up_b, err)) ||
        (rc = arch_bind(f, il, "ffn_down.bias", hp->n_embd, 0, false, &lw->ffn_down_b, err)))
        return rc;
    return TOLK_OK;
}

const arch_desc arch_llama = {"llama", llama_read_hparams, llama_bind_layer};
