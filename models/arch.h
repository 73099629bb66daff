/* What an architecture is to tolk: hyper-parameters read from GGUF metadata, a per-layer struct of
 * tensor views into the mapping (shapes checked at bind time), and the recipe flags the one generic
 * forward pass (runtime/forward/forward.c) follows. Adding an architecture = one models/NAME.c + one entry
 * in models/registry.c. Math per architecture: docs/MODELS.md. */
#ifndef TOLK_ARCH_H
#define TOLK_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "gguf.h"

#define ARCH_MAX_LAYERS 512  /* llama.cpp's LLAMA_MAX_LAYERS; a larger block_count is refused */
#define ARCH_MAX_EXPERTS 512 /* llama.cpp's LLAMA_MAX_EXPERTS; a larger expert_count is refused */

typedef enum moe_gating {
    MOE_GATING_SOFTMAX, /* router probabilities = softmax over all experts (qwen3moe) */
    MOE_GATING_SIGMOID  /* router probabilities = sigmoid of each logit */
} moe_gating;

typedef enum rope_style {
    ROPE_NORM = 0, /* rotate adjacent pairs (x[2i], x[2i+1]); llama (converter permuted the rows) */
    ROPE_NEOX = 2  /* rotate (x[i], x[i + n_rot/2]); qwen2, qwen3, gemma3 */
} rope_style;

typedef enum ffn_act {
    FFN_SILU,     /* SwiGLU: down(silu(gate n) * up n) */
    FFN_GELU_TANH /* GeGLU with the tanh GELU, looked up through an f16 table like ggml */
} ffn_act;

typedef enum rope_scaling {
    ROPE_SCALING_NONE,
    ROPE_SCALING_LINEAR,
    ROPE_SCALING_YARN
} rope_scaling;

/* RoPE parameters of one layer (gemma3 alternates two sets). */
typedef struct rope_params {
    float base;        /* freq_base: theta_i = pos * base^(-2i/n_rot) */
    float freq_scale;  /* 1/scaling.factor; 1 when unscaled */
    float ext_factor;  /* YaRN extrapolation mix (0 = off, 1 for yarn) */
    float attn_factor; /* YaRN magnitude scale of cos/sin (1 = off) */
    float beta_fast;   /* YaRN correction range ends (32 and 1 in llama.cpp) */
    float beta_slow;
    int64_t n_ctx_orig; /* YaRN original training context */
} rope_params;

/* Per-layer recipe: which of the generic steps apply to layer il. */
typedef struct layer_recipe {
    bool swa;          /* sliding-window attention (keys with pos_q - pos_k >= n_swa masked) */
    rope_params rope;
    /* Per-layer shapes where an architecture varies them (gemma4); 0 = the model-wide value of
     * model_hparams, which is then the largest over the layers (buffers are sized by it). Read them
     * through arch_layer_dims. */
    int64_t head_dim;  /* key and value head width */
    int64_t n_head_kv;
    int64_t n_ff;
    int64_t n_rot;
    bool kv_shared;    /* no keys/values of its own: attends over layer kv_src's cache (gemma4) */
    int kv_src;
    bool no_rope_freqs; /* rope_freqs is not applied in this layer (gemma4's sliding layers) */
} layer_recipe;

/* Architecture-wide recipe flags. */
typedef struct arch_recipe {
    rope_style rope;
    ffn_act act;
    bool qkv_bias;   /* attn_q/k/v.bias are added after the projections (qwen2) */
    bool qk_norm;    /* per-head RMSNorm of q and k over head_dim before RoPE (qwen3, gemma3) */
    bool qk_norm_after_rope; /* with qk_norm: the norms come after RoPE instead (hunyuan-dense) */
    bool post_norms; /* RMSNorm of the attention and FFN outputs before the residual add (gemma3) */
    bool embd_scale; /* token embeddings multiplied by sqrt(n_embd) (gemma3) */
    bool v_norm;     /* each value head RMS-normalised without a weight before the cache (gemma4) */
} arch_recipe;

typedef struct model_hparams {
    char arch[32];       /* general.architecture */
    int64_t n_vocab;     /* rows of token_embd */
    int64_t n_ctx_train; /* {a}.context_length */
    int64_t n_embd;      /* width of the residual stream */
    int64_t n_layer;     /* block_count, <= ARCH_MAX_LAYERS */
    int64_t n_head;      /* query heads */
    int64_t n_head_kv;   /* key/value heads; divides n_head (GQA groups are contiguous) */
    int64_t head_dim;    /* key_length: width of one query/key head */
    int64_t head_dim_v;  /* value_length: width of one value head */
    int64_t n_ff;        /* FFN hidden width */
    int64_t n_rot;       /* rotated dims per head (<= head_dim) */
    int64_t n_swa;       /* sliding window in positions; 0 when no layer slides */
    float eps;           /* RMSNorm epsilon */
    float q_scale;       /* multiplies q before q.k (gemma3: 1/sqrt(head_dim)) */
    float kq_scale;      /* multiplies q.k inside the softmax (llama: 1/sqrt(head_dim)) */
    float attn_softcap;  /* > 0: scores become cap * tanh(score / cap) before the softmax (gemma2) */
    float final_softcap; /* > 0: logits become cap * tanh(logit / cap) (gemma2) */
    /* Mixture of experts (n_expert 0: dense FFN everywhere). runtime/forward/moe.c */
    int64_t n_expert;       /* {a}.expert_count */
    int64_t n_expert_used;  /* {a}.expert_used_count: experts routed per token */
    int64_t n_ff_exp;       /* {a}.expert_feed_forward_length: hidden width of one expert */
    moe_gating moe_gating;  /* how router logits become probabilities */
    bool moe_norm_w;        /* the chosen experts' weights are divided by their sum */
    float moe_w_scale;      /* then multiplied by this (0 or 1: not scaled) */
    int64_t n_ff_shexp;     /* {a}.expert_shared_feed_forward_length: shared expert width (qwen2moe) */
    int64_t n_embd_per_layer; /* gemma4 per-layer token embeddings: width per layer (0: none) */
    arch_recipe recipe;
    layer_recipe layer[ARCH_MAX_LAYERS];
} model_hparams;

/* One decoder block as views into the mapping. NULL = absent (only for optional tensors). Shapes are
 * GGUF ne order: [inner, outer] = outer rows of inner elements. */
typedef struct layer_weights {
    const gguf_tensor *attn_norm;      /* [n_embd] f32 */
    const gguf_tensor *wq;             /* [n_embd, n_head*head_dim] */
    const gguf_tensor *wk;             /* [n_embd, n_head_kv*head_dim] */
    const gguf_tensor *wv;             /* [n_embd, n_head_kv*head_dim_v] */
    const gguf_tensor *wo;             /* [n_head*head_dim_v, n_embd] */
    const gguf_tensor *bq;             /* [n_head*head_dim] f32, qwen2 */
    const gguf_tensor *bk;             /* [n_head_kv*head_dim] f32, qwen2 */
    const gguf_tensor *bv;             /* [n_head_kv*head_dim_v] f32, qwen2 */
    const gguf_tensor *bo;             /* [n_embd] f32, optional (llama) */
    const gguf_tensor *q_norm;         /* [head_dim] f32, qwen3/gemma3 */
    const gguf_tensor *k_norm;         /* [head_dim] f32, qwen3/gemma3 */
    const gguf_tensor *post_attn_norm; /* [n_embd] f32, gemma3 */
    const gguf_tensor *ffn_norm;       /* [n_embd] f32 (pre-FFN norm) */
    const gguf_tensor *ffn_gate;       /* [n_embd, n_ff] */
    const gguf_tensor *ffn_up;         /* [n_embd, n_ff] */
    const gguf_tensor *ffn_down;       /* [n_ff, n_embd] */
    const gguf_tensor *ffn_gate_b;     /* [n_ff] f32, optional (llama) */
    const gguf_tensor *ffn_up_b;       /* [n_ff] f32, optional (llama) */
    const gguf_tensor *ffn_down_b;     /* [n_embd] f32, optional (llama) */
    const gguf_tensor *post_ffn_norm;  /* [n_embd] f32, gemma3 */
    /* MoE layers (ffn_gate/up/down are NULL there): */
    const gguf_tensor *ffn_gate_inp;   /* [n_embd, n_expert] router */
    const gguf_tensor *ffn_gate_exps;  /* [n_embd, n_ff_exp, n_expert]: expert e is rows e*n_ff_exp.. */
    const gguf_tensor *ffn_up_exps;    /* [n_embd, n_ff_exp, n_expert] */
    const gguf_tensor *ffn_down_exps;  /* [n_ff_exp, n_embd, n_expert] */
    /* gemma4's MoE layers (beside a dense FFN that runs for every token): */
    const gguf_tensor *ffn_gate_up_exps; /* [n_embd, 2*n_ff_exp, n_expert]: expert e's gate rows, then its up
                                          * rows (replaces ffn_gate_exps / ffn_up_exps when present) */
    const gguf_tensor *ffn_gate_inp_s; /* [n_embd] f32: router input = RMSNorm(x) / sqrt(n_embd) * this */
    const gguf_tensor *ffn_down_exps_s; /* [n_expert] f32, optional: each expert's output scale */
    const gguf_tensor *ffn_pre_norm_2;  /* [n_embd] f32: the experts' input norm (pre_ffw_norm_2) */
    const gguf_tensor *ffn_post_norm_1; /* [n_embd] f32: the dense FFN's output norm (post_ffw_norm_1) */
    const gguf_tensor *ffn_post_norm_2; /* [n_embd] f32: the experts' output norm (post_ffw_norm_2) */
    /* A shared expert every token runs, scaled by sigmoid(ffn_gate_inp_shexp . x) (qwen2moe): */
    const gguf_tensor *ffn_gate_inp_shexp; /* [n_embd] f32 */
    const gguf_tensor *ffn_gate_shexp;     /* [n_embd, n_ff_shexp] */
    const gguf_tensor *ffn_up_shexp;       /* [n_embd, n_ff_shexp] */
    const gguf_tensor *ffn_down_shexp;     /* [n_ff_shexp, n_embd] */
    /* Row ranges of fused tensors (phi3's attn_qkv and gate-up ffn_up) as tensors of their own:
     * wq/wk/wv and ffn_gate/ffn_up then point here. */
    gguf_tensor split[5];
    /* gemma4's per-layer embedding step and output scale: */
    const gguf_tensor *pl_inp_gate;    /* [n_embd, n_embd_per_layer] (blk.N.inp_gate) */
    const gguf_tensor *pl_proj;        /* [n_embd_per_layer, n_embd] (blk.N.proj) */
    const gguf_tensor *pl_post_norm;   /* [n_embd] f32 (blk.N.post_norm) */
    const gguf_tensor *out_scale;      /* [1] f32, optional (blk.N.layer_output_scale) */
} layer_weights;

typedef struct arch_desc {
    const char *name; /* general.architecture value */
    /* Reads the architecture's hyper-parameters (common keys are already in hp). */
    int (*read_hparams)(const gguf_file *f, model_hparams *hp, tolk_error *err);
    /* Binds blk.IL.* tensors into lw, checking every shape against hp. */
    int (*bind_layer)(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                      tolk_error *err);
} arch_desc;

/* One layer's shapes: the per-layer value where the architecture sets one, else the model's. */
typedef struct layer_dims {
    int64_t hd, hdv, n_head_kv, n_ff, n_rot;
} layer_dims;

static inline layer_dims arch_layer_dims(const model_hparams *hp, int il)
{
    const layer_recipe *lr = &hp->layer[il];
    layer_dims d = {lr->head_dim ? lr->head_dim : hp->head_dim, lr->head_dim ? lr->head_dim : hp->head_dim_v,
                    lr->n_head_kv ? lr->n_head_kv : hp->n_head_kv, lr->n_ff ? lr->n_ff : hp->n_ff,
                    lr->n_rot ? lr->n_rot : hp->n_rot};
    return d;
}

/* The table lookup: NULL when NAME is not a supported architecture. */
const arch_desc *arch_find(const char *name);
/* Comma-separated supported names, for error messages. */
const char *arch_names(void);

/* ---- helpers shared by the architecture files (models/registry.c) ---------------------------- */

/* Reads the keys every architecture has (embedding_length, block_count, heads, head dims,
 * feed_forward_length, eps, context_length, rope base/scaling) into hp and sets every layer's
 * recipe to the file's single RoPE setting, no sliding window. */
int arch_read_common(const gguf_file *f, model_hparams *hp, tolk_error *err);

/* Integer / float hyper-parameter "{arch}.SUFFIX"; *out keeps its value when absent and !required. */
int arch_get_u(const gguf_file *f, const model_hparams *hp, const char *suffix, bool required,
               int64_t *out, tolk_error *err);
int arch_get_f(const gguf_file *f, const model_hparams *hp, const char *suffix, bool required,
               float *out, tolk_error *err);

/* Looks up "blk.IL.NAME" (il < 0: plain NAME) and checks its shape is [ne0] (ne1 == 0) or
 * [ne0, ne1]. A missing required tensor is an error naming it; a missing optional one gives NULL. */
int arch_bind(const gguf_file *f, int il, const char *name, int64_t ne0, int64_t ne1, bool required,
              const gguf_tensor **out, tolk_error *err);

/* OUT = rows [r0, r0 + rows) of the 2-D tensor T as a tensor of its own (same type and row length,
 * data pointing into T's), named T's name plus TAG, e.g. "blk.0.attn_qkv.weight[q]". */
void arch_row_view(const gguf_tensor *t, int64_t r0, int64_t rows, const char *tag, gguf_tensor *out);

/* The same for a 3-D tensor [ne0, ne1, ne2] (MoE expert stacks). */
int arch_bind3(const gguf_file *f, int il, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
               bool required, const gguf_tensor **out, tolk_error *err);

/* Reads {a}.expert_count, expert_used_count and expert_feed_forward_length (default
 * feed_forward_length / expert_used_count, as llama.cpp) and checks their ranges before anything
 * is allocated; weights normalisation from {a}.expert_weights_norm (default NORM_DEFAULT) and
 * {a}.expert_weights_scale. */
int arch_read_moe(const gguf_file *f, model_hparams *hp, bool norm_default, tolk_error *err);

/* Attention like arch_bind_common_layer, the FFN norm, then the router and the three expert
 * stacks instead of the dense FFN. */
int arch_bind_moe_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                        tolk_error *err);

/* The llama-style block every architecture starts from: norms, q/k/v/o and gated FFN. */
int arch_bind_common_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                           tolk_error *err);

/* arch_bind_common_layer plus the per-head q and k RMSNorm weights (qwen3, hunyuan-dense). */
int arch_bind_qk_norm_layer(const gguf_file *f, const model_hparams *hp, int il, layer_weights *lw,
                            tolk_error *err);

/* Which layers slide, as llama.cpp's load_swa_pattern: "{a}.attention.sliding_window_pattern" as a
 * per-layer bool array, or as a period n (layer il slides when il % n < n - 1; n = 0: all slide);
 * absent: DEFAULT_PERIOD. Sets hp->layer[il].swa only. */
int arch_read_swa_pattern(const gguf_file *f, model_hparams *hp, int64_t default_period, tolk_error *err);

#endif
