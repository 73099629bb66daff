/* Mixture-of-experts FFN (qwen3moe, qwen2moe, Gemma 4's 26B-A4B): router, expert choice and weights,
 * then the chosen experts' SwiGLU/GeGLU FFNs read straight from the mapped 3-D expert stacks. A
 * batch's (token, expert) pairs are grouped by expert, so each routed expert's rows are streamed
 * once per batch and experts no token chose are never touched (the mapping pages them out). */
#ifndef TOLK_MOE_H
#define TOLK_MOE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"

typedef struct moe_buffers moe_buffers;

/* Scratch for batches of up to n_batch tokens of a model with hp's MoE shape; act_row_max =
 * bytes of the largest quantized activation row any expert matrix needs. */
int moe_buffers_create(const model_hparams *hp, int64_t n_batch, size_t act_row_max, moe_buffers **out,
                       tolk_error *err);
void moe_buffers_free(moe_buffers *b);

/* out[t] = the MoE FFN of xn[t] (both [n][n_embd]; out is overwritten, not added to) for the n
 * tokens, with the experts of layer lw. Called by every thread of an OpenMP parallel region; its
 * loops are work-shared. EXACT: every product sums as one-token decoding does (speculative
 * verification), at the price of reading each expert's rows once per token. */
void moe_ffn(moe_buffers *b, const model_hparams *hp, const layer_weights *lw, const float *xn, float *out,
             int64_t n, bool exact);

/* The same with the router reading XR instead of XN (gemma4 routes from its own normalisation of the
 * residual; XR NULL: XN). */
void moe_ffn_routed(moe_buffers *b, const model_hparams *hp, const layer_weights *lw, const float *xn,
                    const float *xr, float *out, int64_t n, bool exact);

#endif
