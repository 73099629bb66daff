/* Element-wise and per-row operations of the forward pass that are not matrix products: RMSNorm,
 * RoPE, softmax and the gated FFN activations. Each follows ggml's CPU arithmetic where that changes
 * results (double-accumulated RMSNorm, running-product RoPE angles, f16-table GELU) so greedy output
 * can match llama.cpp token for token. */
#ifndef TOLK_OPS_H
#define TOLK_OPS_H

#include <stdint.h>

#include "arch.h"

/* y = x / sqrt(mean(x^2) + eps) * w (w NULL: no weight). The sum of squares runs in double like
 * ggml; the scale itself is float. y may alias x. */
void ops_rmsnorm(const float *x, const float *w, float *y, int64_t n, float eps);

/* ops_rmsnorm of rows r < nr: x + r * stride to y + r * stride, the same bits row by row. Up to four
 * rows' sums of squares run side by side (each still one float-product-in-double chain in order),
 * so the adds' latency is paid once for four rows. */
void ops_rmsnorm_rows(const float *x, const float *w, float *y, int64_t stride, int64_t nr, int64_t n, float eps);

/* Fills cs[2i], cs[2i+1] with cos and sin of pair i's angle at position pos, for i < n_rot/2.
 * freq_factors (rope_freqs, may be NULL) divide the base angle of each pair. */
void ops_rope_cache(const rope_params *rp, int64_t n_rot, const float *freq_factors, int64_t pos,
                    float *cs);

/* Rotates the first n_rot values of one head in place with a cache from ops_rope_cache. */
void ops_rope_apply(float *x, int64_t n_rot, rope_style style, const float *cs);

/* In-place softmax of n scores (entries may be -INFINITY; at least one must be finite) in
 * ggml's order: exps in groups of 16 from x[0] (ag_expf), each group's float sum added to a
 * double. For llama.cpp's bits, x[0] must sit at a key position that is a multiple of 16. */
void ops_softmax(float *x, int64_t n);

/* out[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + e^-x), with e^-x as llama.cpp's x86 vector loop
 * takes it: ggml_v_expf's polynomial in groups of 16 from the start, libm's expf for the n % 16
 * tail. out may alias gate or up. */
void ops_swiglu(const float *gate, const float *up, float *out, int64_t n);

/* out[i] = gelu_tanh(gate[i]) * up[i], where gelu_tanh is read from a table of f16 results indexed
 * by the f16-rounded input (ggml's default): x <= -10 gives 0, x >= 10 gives x. Where the active
 * kernel path is AVX2 or AVX-512, eight values at a time (F16C rounding, a gather from the
 * table). out may alias gate or up. */
void ops_geglu(const float *gate, const float *up, float *out, int64_t n);

/* ops_geglu one value at a time, the scalar reference of its vector path (the same bits). */
void ops_geglu_ref(const float *gate, const float *up, float *out, int64_t n);

/* The plain tanh-form GELU in float, as the table is built from it. */
float ops_gelu_tanh_ref(float x);

#endif
