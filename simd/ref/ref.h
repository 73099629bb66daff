/* Scalar reference kernels, the ground truth every ISA path is tested against: per format a row
 * dequantizer, the reference quantizer (same rounding and searches as ggml's *_ref quantizers, so
 * the files tolk writes load in llama.cpp) and a dot product against the partner activation format. */
#ifndef TOLK_SIMD_REF_H
#define TOLK_SIMD_REF_H

#include <stddef.h>
#include <stdint.h>

void ref_dequant_f32(const void *src, float *dst, int64_t n);
void ref_quant_f32(const float *src, void *dst, int64_t n);
float ref_dot_f32(int64_t n, const void *w, const void *x);

void ref_dequant_f16(const void *src, float *dst, int64_t n);
void ref_quant_f16(const float *src, void *dst, int64_t n);
float ref_dot_f16(int64_t n, const void *w, const void *x);

void ref_dequant_bf16(const void *src, float *dst, int64_t n);
void ref_quant_bf16(const float *src, void *dst, int64_t n);
float ref_dot_bf16(int64_t n, const void *w, const void *x);

void ref_dequant_q4_0(const void *src, float *dst, int64_t n);
void ref_quant_q4_0(const float *src, void *dst, int64_t n);
float ref_dot_q4_0(int64_t n, const void *w, const void *x);

void ref_dequant_q4_1(const void *src, float *dst, int64_t n);
void ref_quant_q4_1(const float *src, void *dst, int64_t n);
float ref_dot_q4_1(int64_t n, const void *w, const void *x);

void ref_dequant_q5_0(const void *src, float *dst, int64_t n);
void ref_quant_q5_0(const float *src, void *dst, int64_t n);
float ref_dot_q5_0(int64_t n, const void *w, const void *x);

void ref_dequant_q5_1(const void *src, float *dst, int64_t n);
void ref_quant_q5_1(const float *src, void *dst, int64_t n);
float ref_dot_q5_1(int64_t n, const void *w, const void *x);

/* llama.cpp's x86 order for the Q8_0-activation formats Q5_0 and Q8_0 (ggml_vec_dot_q{5,8}_0_q8_0
 * for one token, tinyBLAS_Q0_AVX for batches; docs/NUMERICS.md): eight float lanes, lane l the
 * exact integer dot of elements 4l..4l+3 of each block, one fused multiply-add per block and lane
 * with d_w * d_x rounded to float, then the lanes summed as ((0+4)+(2+6))+((1+5)+(3+7)). */
static inline float ref_ggml_hsum8(const float acc[8])
{
    float s[4];
    for (int i = 0; i < 4; i++)
        s[i] = acc[i] + acc[i + 4];
    return (s[0] + s[2]) + (s[1] + s[3]);
}

void ref_dequant_q8_0(const void *src, float *dst, int64_t n);
void ref_quant_q8_0(const float *src, void *dst, int64_t n);
float ref_dot_q8_0(int64_t n, const void *w, const void *x);

void ref_dequant_q8_1(const void *src, float *dst, int64_t n);
void ref_quant_q8_1(const float *src, void *dst, int64_t n);

void ref_dequant_q2_k(const void *src, float *dst, int64_t n);
void ref_quant_q2_k(const float *src, void *dst, int64_t n);
float ref_dot_q2_k(int64_t n, const void *w, const void *x);

void ref_dequant_q3_k(const void *src, float *dst, int64_t n);
void ref_quant_q3_k(const float *src, void *dst, int64_t n);
float ref_dot_q3_k(int64_t n, const void *w, const void *x);

void ref_dequant_q4_k(const void *src, float *dst, int64_t n);
void ref_quant_q4_k(const float *src, void *dst, int64_t n);
float ref_dot_q4_k(int64_t n, const void *w, const void *x);
/* Q4_K in llama.cpp's batch order (one FMA per 64 elements, not per super-block), and how many of a
 * batch's first tokens take it: n_tok - n_tok % 4, the rest take ref_dot_q4_k's order
 * (forward_mul_mat_one_chunk, ggml-cpu/repack.cpp:4637-4646). ref_matmul_q4_k: a batch so. */
float ref_dot_q4_k_per64(int64_t n, const void *w, const void *x);
int64_t ref_q4_k_batch_tokens(int64_t n_tok);
void ref_matmul_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1);

void ref_dequant_q5_k(const void *src, float *dst, int64_t n);
void ref_quant_q5_k(const float *src, void *dst, int64_t n);
float ref_dot_q5_k(int64_t n, const void *w, const void *x);

void ref_dequant_q6_k(const void *src, float *dst, int64_t n);
void ref_quant_q6_k(const float *src, void *dst, int64_t n);
float ref_dot_q6_k(int64_t n, const void *w, const void *x);
/* Q6_K batches of at least Q6_K_TILED_MIN_TOK tokens in llama.cpp's batch order (its tiled mat x mat,
 * ref/q6_k.c, docs/NUMERICS.md); fewer tokens in ref_dot_q6_k's. ref_matmul_q6_k: a batch so. */
enum { Q6_K_TILED_MIN_TOK = 8 };
float ref_dot_q6_k_tiled(int64_t n, const void *w, const void *x);
void ref_matmul_q6_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                     size_t ys, int64_t r0, int64_t r1);

void ref_dequant_q8_k(const void *src, float *dst, int64_t n);
void ref_quant_q8_k(const float *src, void *dst, int64_t n);

void ref_dequant_iq4_nl(const void *src, float *dst, int64_t n);
void ref_quant_iq4_nl(const float *src, void *dst, int64_t n);
float ref_dot_iq4_nl(int64_t n, const void *w, const void *x);

void ref_dequant_iq4_xs(const void *src, float *dst, int64_t n);
void ref_quant_iq4_xs(const float *src, void *dst, int64_t n);
float ref_dot_iq4_xs(int64_t n, const void *w, const void *x);
/* IQ4_XS batches of at least IQ4_XS_TILED_MIN_TOK tokens in llama.cpp's batch order (its tiled
 * mat x mat, ref/iq4.c); fewer tokens in ref_dot_iq4_xs's. ref_matmul_iq4_xs: a batch so. */
enum { IQ4_XS_TILED_MIN_TOK = 8 };
float ref_dot_iq4_xs_tiled(int64_t n, const void *w, const void *x);
void ref_matmul_iq4_xs(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                       size_t ys, int64_t r0, int64_t r1);

/* Activation quantizers that follow ggml's x86 CPU path rather than its reference rounding. */
void ref_quant_act_q8_0(const float *src, void *dst, int64_t n);
void ref_quant_act_q8_1(const float *src, void *dst, int64_t n);

/* Helpers shared by the K-quant reference quantizers (ref/kq_search.c). */
int kq_nearest_int(float v);
float kq_make_qx_quants(int n, int nmax, const float *x, int8_t *L, int rmse_type);
float kq_make_q3_quants(int n, int nmax, const float *x, int8_t *L);
float kq_make_qkx2_quants(int n, int nmax, const float *x, const float *w, uint8_t *L, float *the_min,
                          uint8_t *Laux, float rmin, float rdelta, int nstep, int use_mad);

#endif
