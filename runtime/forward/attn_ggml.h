/* The arithmetic order of llama.cpp's CPU attention with an F16 KV cache (x86, AVX-512 build), so
 * tolk's scores and outputs carry the same bits: q.k and p.v are sums of per-lane fused
 * multiply-adds over 16 lanes, reduced in a fixed tree, in one of two shapes (see attn_ggml.c). */
#ifndef TOLK_ATTN_GGML_H
#define TOLK_ATTN_GGML_H

#include <stdbool.h>
#include <stdint.h>

#define AG_LANES 16  /* floats per AVX-512 register in ggml's kernels */
#define AG_VLANES 64 /* 4 registers: ggml_vec_dot_f16's accumulators */

/* AG_TILED: llamafile's tinyBLAS, which ggml uses for F16 x F16 products of 2 or more columns
 * (n % 16 == 0): lane l sums elements i = l mod 16, then one tree reduction.
 * AG_VECDOT: ggml_vec_dot_f16, used for a single column: four 16-lane accumulators over steps of
 * 64, folded together, the tree reduction, then the n % 64 tail added in double. */
typedef enum ag_order { AG_TILED, AG_VECDOT } ag_order;

/* sum_i a[i] * b[i] in the given order (AG_TILED needs n % 16 == 0). */
float ag_dot(ag_order o, const float *a, const float *b, int64_t n);

/* acc[(c % lanes) * n + d] += w * v[d] (fused) for d < n: the lane of key position c. first: the
 * lane is not yet written and starts from +0. */
void ag_accumulate(float *restrict acc, int64_t lanes, int64_t c, float w, const float *restrict v, int64_t n,
                   bool first);

/* out[d] = the reduction of acc[0..lanes)[d]: lanes is 16 for AG_TILED, 64 for AG_VECDOT.
 * May overwrite acc. */
void ag_reduce(ag_order o, float *acc, int64_t n, float *out);

/* ggml_v_expf (AVX-512 form): the polynomial exp llama.cpp's softmax uses, x <= -inf gives 0. */
float ag_expf(float x);

/* x[i] rounded to F16 and back (nearest even), as ggml stores queries and probabilities. */
void ag_round_f16(float *x, int64_t n);

/* x[l] = ag_expf(x[l] - max) for the 16 lanes of one softmax group, vectorized where it can be. */
void ag_exp16(float *x, float max);

/* llama.cpp's softmax of one row (ggml_vec_soft_max_f32's order: ag_exp16 and a 16-lane float
 * tree per 16 values, summed in double; expf for a tail of n % 16); ops_softmax is this. */
void ag_softmax(float *x, int64_t n);

/* llama.cpp's softmax of one score row (ops_softmax: the maximum, ag_exp16 and a 16-lane tree per
 * group of 16 summed in double, expf on the n % 16 tail, times the float inverse of the sum), then
 * every probability rounded to F16 (ag_round_f16), with the exp, tree and rounding kept in
 * registers where the CPU allows; the same bits either way. */
void ag_softmax_round(float *x, int64_t n);

#endif
