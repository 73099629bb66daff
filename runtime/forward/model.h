/* An opened model: the GGUF mapping, the architecture's hyper-parameters and its weights as views
 * into the mapping (nothing copied). model_open checks everything the forward pass relies on:
 * known architecture, every tensor present with the right shape, types the kernels handle. */
#ifndef TOLK_MODEL_H
#define TOLK_MODEL_H

#include "arch.h"
#include "error.h"
#include "gguf.h"

typedef struct model_weights {
    const gguf_tensor *token_embd;  /* [n_embd, n_vocab]: row t embeds token t */
    const gguf_tensor *output_norm; /* [n_embd] f32 */
    const gguf_tensor *output;      /* [n_embd, n_vocab]; the token_embd view when tied */
    const gguf_tensor *rope_freqs;  /* [n_rot/2] f32 per-pair angle divisors, or NULL; phi3:
                                     * rope_factors_short */
    const gguf_tensor *rope_long;   /* [n_rot/2] f32 phi3 rope_factors_long (contexts beyond the
                                     * original one), or NULL */
    layer_weights *layers;          /* [n_layer] */
    /* gemma4 per-layer token embeddings (hp.n_embd_per_layer > 0), else NULL: */
    const gguf_tensor *pl_tok_embd;   /* [n_embd_per_layer * n_layer, n_vocab] */
    const gguf_tensor *pl_model_proj; /* [n_embd, n_embd_per_layer * n_layer] */
    const gguf_tensor *pl_proj_norm;  /* [n_embd_per_layer] f32 */
} model_weights;

struct tok_vocab;

typedef struct tolk_model {
    gguf_file *file;         /* owned unless opened with model_from_gguf(own = false) */
    bool owns_file;
    const arch_desc *arch;
    model_hparams hp;
    model_weights w;
    struct tok_vocab *vocab; /* set by model_load / model_load_vocab; freed by model_close */
    char desc[256];          /* general.name for display, filled on demand */
    bool prefetch_asked;       /* model_load was asked to warm the weights */
    struct prefetch *prefetch; /* warms the weights after model_load; stopped by model_close */
} tolk_model;

/* Opens PATH (no prefetch); on error *out is NULL and err names the file and what is wrong. */
int model_open(const char *path, tolk_model **out, tolk_error *err);

/* Builds the model over an already opened file (closed by model_close when own is true, also on
 * failure). */
int model_from_gguf(gguf_file *f, bool own, tolk_model **out, tolk_error *err);

/* model_open plus the tokenizer: what running a model needs. PREFETCH: warm the weights in the
 * background meanwhile (runtime/gguf/prefetch.h), so the first prompt does not wait on the disk. */
int model_load(const char *path, bool prefetch, tolk_model **out, tolk_error *err);

/* Only the file's metadata and tokenizer (vocab-only files load this way); not runnable. */
int model_load_vocab(const char *path, tolk_model **out, tolk_error *err);

void model_close(tolk_model *m);

int64_t model_n_params(const tolk_model *m); /* elements of every tensor */
uint64_t model_bytes(const tolk_model *m);   /* bytes of tensor data */

/* Fills dst[n_embd] with the embedding of token tok (< n_vocab), scaled when the recipe says so. */
void model_embed(const tolk_model *m, int32_t tok, float *dst);

#endif
