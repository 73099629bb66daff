/* Shared pieces of the random-model generator (bench/gen_model): the shape of the model to make,
 * the tensor list of each architecture and the seeded weight streams. gen_model.c parses the command
 * line, gen_weights.c writes new models, gen_extend.c grows an existing one. */
#ifndef TOLK_GEN_MODEL_H
#define TOLK_GEN_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "gguf_write.h"
#include "quant_mix.h"
#include "tolk.h"

typedef enum gen_arch { GEN_LLAMA, GEN_QWEN2, GEN_QWEN3, GEN_GEMMA3, GEN_GEMMA2, GEN_QWEN3MOE, GEN_PHI3,
               GEN_HUNYUAN_DENSE, GEN_QWEN2MOE, GEN_GEMMA4 } gen_arch;

typedef struct gen_config {
    gen_arch arch;
    uint32_t n_layer, n_embd, n_ff, n_head, n_head_kv, head_dim;
    uint32_t n_ctx;       /* context_length */
    uint32_t n_rot;       /* rope.dimension_count; 0: head_dim (phi3 rotates part of each head) */
    uint32_t n_swa;       /* gemma2/gemma3 sliding window */
    uint32_t n_expert, n_expert_used, n_ff_exp; /* qwen3moe: experts, routed per token, expert FFN width */
    uint32_t n_vocab_synth; /* > 0: a synthetic SentencePiece vocabulary of this many tokens instead of
                             * vocab_path's (tiny test models whose logit fixtures stay small) */
    /* gemma4: layer il is global when (il + 1) % swa_period == 0, else sliding with head_dim; global
     * layers have head_dim_global-wide heads and n_head_kv_global KV heads; the last n_kv_shared layers
     * reuse earlier caches; n_embd_per_layer-wide per-layer embeddings; ffn_double: the shared layers'
     * FFN is 2 x n_ff; k_eq_v: global layers have no attn_v (the values are the keys). */
    uint32_t swa_period, head_dim_global, n_head_kv_global, n_kv_shared, n_embd_per_layer;
    bool ffn_double, k_eq_v;
    float rope_base, eps;
    bool tied;            /* no output.weight: logits come from token_embd */
    const qmix_ftype *ftype;
    uint64_t seed;
    float scale;          /* multiplies every random matrix (default 1: std 1/sqrt(row length)) */
    const char *vocab_path, *out_path, *name;
    const char *chat_template_path; /* file whose text becomes tokenizer.chat_template, or NULL */
} gen_config;

/* How the values of one tensor are drawn. */
typedef enum gen_kind {
    GEN_MATRIX, /* normal(0, 1) * scale / sqrt(ne[0]): each output of W·x has the spread of x */
    GEN_NORM,   /* 1 + 0.05 * normal: a norm weight near one (gemma's stored w+1 included) */
    GEN_BIAS    /* 0.1 * normal */
} gen_kind;

const char *gen_arch_name(gen_arch a);

/* Kind of a tensor from its name (norms, biases, everything else a matrix). */
gen_kind gen_kind_of(const char *name);

/* Fills row ROW (of N values) of tensor NAME deterministically from SEED: the same seed, name and
 * row always give the same numbers, whatever the order or thread that asks. */
void gen_fill_row(uint64_t seed, const char *name, int64_t row, gen_kind kind, float scale, float *out,
                  int64_t n);

/* Streams one tensor of TYPE and shape ne[0] x rows into the writer: rows drawn with gen_fill_row,
 * multiplied by MUL, converted to TYPE. */
int gen_write_tensor(gguf_writer *w, uint64_t seed, const char *name, uint32_t type, int64_t ne0,
                     int64_t rows, float scale, float mul, tolk_error *err);

/* Writes a new random model described by CFG. */
int gen_model_write(const gen_config *cfg, tolk_error *err);

/* Writes OUT: DRAFT with EXTRA more layers appended, each drawn like DRAFT's last layer, with the
 * residual contributions of the new layers (attn_output and ffn_down; for gemma3 the post norms,
 * which would undo that scaling) multiplied by EPSILON, so the result behaves almost like DRAFT.
 * TYPE (may be NULL) re-chooses the new layers' tensor types; otherwise they copy DRAFT's. */
int gen_extend_write(const char *draft, const char *out, uint32_t extra, float epsilon, uint64_t seed,
                     const qmix_ftype *type, tolk_error *err);

#endif
