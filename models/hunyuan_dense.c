/* hunyuan-dense (Hunyuan-MT-7B, Hunyuan-MT-Chimera-7B, Hunyuan 0.5B-7B dense): qwen3's block, except
 * that the per-head q/k RMSNorms (attn_q_norm, attn_k_norm) come *after* RoPE NEOX. The converter
 * bakes Hunyuan's NTK "alpha" RoPE scaling into rope.freq_base (10000 · 1000^(128/126) on the 7B);
 * a file that still carries rope.scaling.alpha gets base · alpha^(d/(d−2)) as llama.cpp computes it.
 * Scale 1/sqrt(head_dim) in the softmax, SwiGLU, untied or tied output. Facts: llama.cpp
 * src/models/hunyuan-vl.cpp (graph shared with hunyuan-dense), conversion/hunyuan.py. */
#include <math.h>

#include "arch.h"

static int hunyuan_read_hparams(const gguf_file *f, model_hparams *hp, tolk_error *err)
{
    float alpha = 0.0f;
    int rc = arch_get_f(f, hp, "rope.scaling.alpha", false, &alpha, err);
    if (rc)
        return rc;
    if (alpha > 0.0f) {
        const float d = (float)hp->head_dim;
        for (int il = 0; il < hp->n_layer; il++)
            hp->layer[il].rope.base *= powf(alpha, d / (d - 2.0f));
    }
    if (hp->n_rot != hp->head_dim)
        return error_set(err, TOLK_E_UNSUPPORTED, "hunyuan-dense.rope.dimension_count %lld differs from the "
                         "head size %lld", (long long)hp->n_rot, (long long)hp->head_dim);
    hp->recipe = (arch_recipe){.rope = ROPE_NEOX, .act = FFN_SILU, .qk_norm = true, .qk_norm_after_rope = true};
    return TOLK_OK;
}

const arch_desc arch_hunyuan_dense = {"hunyuan-dense", hunyuan_read_hparams, arch_bind_qk_norm_layer};
