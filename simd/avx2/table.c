/* The AVX2 (+FMA, F16C) kernel table: every format with an AVX2 file overrides the scalar entry;
 * the rest keep their references. */
#include "gemm.h"
#include "iq4.h"
#include "q6k_tiled.h"

float avx2_half_table[65536];

/* Q5_0 / Q8_0 in llama.cpp's order (docs/NUMERICS.md) for 2 tokens and more: the tiled kernel
 * (q32_tiled.c; Q8_0's reads its rows in place with prefetch, 0.7-0.8x the walk of q32.h's CPU time
 * at 2 tokens on the 262144 x 640 output head, same bits; 2026-12-07, Zen 3). */
static void exact_q5_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                       size_t ys, int64_t r0, int64_t r1)
{
    avx2_tiled_q5_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

static void exact_q8_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                       size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok > 1)
        avx2_tiled_q8_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx2_matmul_q8_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

/* Prompt batches of Q5_0 / Q8_0 (at least AVX2_GEMM_MIN_TOK tokens) on the packed panels
 * (gemm_q32.c: 1.4-2x the tiled kernel's speed from 16 tokens, sums in tolk's order); fewer
 * tokens in llama.cpp's order. */
#define AVX2_BATCHED(NAME)                                                                                          \
    static void batched_##NAME(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok,  \
                               float *y, size_t ys, int64_t r0, int64_t r1)                                       \
    {                                                                                                           \
        if (n_tok >= AVX2_GEMM_MIN_TOK)                                                                         \
            avx2_gemm_##NAME(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);                                         \
        else                                                                                                    \
            exact_##NAME(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);                                             \
    }
AVX2_BATCHED(q5_0)
AVX2_BATCHED(q8_0)

/* Q8_0 prompt batches read the activations as int16 (gemm_q32.c): prepared once per matmul input
 * where the caller can (simd_prepare_act), else per tile inside avx2_gemm_q8_0. */
static const simd_act_prep prep_q8_0 = {batched_q8_0, AVX2_GEMM_MIN_TOK, avx2_prep_bytes_q8_0, avx2_prepare_q8_0,
                                        avx2_gemm_q8_0_prep};

/* Q5_0 prompt batches read the +128-biased activation bytes: prepared once per matmul input where
 * the caller can, else per tile and chunk inside avx2_gemm_q5_0 (same bits). */
static const simd_act_prep prep_q5_0 = {batched_q5_0, AVX2_GEMM_MIN_TOK, avx2_prep_bytes_q5_0, avx2_prepare_q5_0,
                                        avx2_gemm_q5_0_prep};

/* Q6_K in llama.cpp's split (ref_matmul_q6_k): its tiled order from Q6_K_TILED_MIN_TOK tokens
 * (q6k_tiled.c), the walks' one-token order below. */
static void batched_q6_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                         size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= Q6_K_TILED_MIN_TOK)
        avx2_gemm_q6_k_tiled(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx2_matmul_q6_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

void simd_fill_avx2(simd_kernels *k)
{
    for (uint32_t h = 0; h < 65536; h++)
        avx2_half_table[h] = _cvtsh_ss((unsigned short)h); /* exactly avx2_half */
    k->quantize_act[TOLK_TYPE_Q8_0] = avx2_quant_act_q8_0;
    k->quantize_act[TOLK_TYPE_Q8_1] = avx2_quant_act_q8_1;
    k->quantize_act[TOLK_TYPE_Q8_K] = avx2_quant_act_q8_k;
    k->quantize_act[TOLK_TYPE_F16] = avx2_quant_act_f16;
    k->quantize_act[TOLK_TYPE_BF16] = avx2_quant_act_bf16;

    k->dot[TOLK_TYPE_F32] = avx2_dot_f32;
    k->matmul[TOLK_TYPE_F32] = avx2_matmul_f32;
    k->dot[TOLK_TYPE_F16] = avx2_dot_f16;
    k->to_float[TOLK_TYPE_F16] = avx2_f16_to_f32;
    k->matmul[TOLK_TYPE_F16] = avx2_matmul_f16;
    k->dot[TOLK_TYPE_BF16] = avx2_dot_bf16;
    k->matmul[TOLK_TYPE_BF16] = avx2_matmul_bf16;
    /* Q4_0 adds in llama.cpp's order at every batch size (q4_0_ggml.c) */
    k->dot[TOLK_TYPE_Q4_0] = avx2_ggml_dot_q4_0;
    k->matmul[TOLK_TYPE_Q4_0] = avx2_ggml_matmul_q4_0;
    k->matvec[TOLK_TYPE_Q4_0] = avx2_ggml_matvec_q4_0;
    k->ref_bits[TOLK_TYPE_Q4_0] = true;
    k->dot[TOLK_TYPE_Q4_1] = avx2_dot_q4_1;
    k->matmul[TOLK_TYPE_Q4_1] = avx2_matmul_q4_1;
    k->matvec[TOLK_TYPE_Q4_1] = avx2_matvec_q4_1;
    k->dot[TOLK_TYPE_Q5_0] = avx2_dot_q5_0;
    k->matmul[TOLK_TYPE_Q5_0] = batched_q5_0;
    k->matvec[TOLK_TYPE_Q5_0] = avx2_matvec_q5_0;
    k->dot[TOLK_TYPE_Q5_1] = avx2_dot_q5_1;
    k->matmul[TOLK_TYPE_Q5_1] = avx2_matmul_q5_1;
    k->matvec[TOLK_TYPE_Q5_1] = avx2_matvec_q5_1;
    k->dot[TOLK_TYPE_Q8_0] = avx2_dot_q8_0;
    k->matmul[TOLK_TYPE_Q8_0] = batched_q8_0;
    k->matvec[TOLK_TYPE_Q8_0] = avx2_matvec_q8_0;
    k->act_prep[TOLK_TYPE_Q8_0] = &prep_q8_0;
    k->act_prep[TOLK_TYPE_Q5_0] = &prep_q5_0;
    k->dot[TOLK_TYPE_Q2_K] = avx2_dot_q2_k;
    k->dot[TOLK_TYPE_Q3_K] = avx2_dot_q3_k;
    k->dot[TOLK_TYPE_Q4_K] = avx2_dot_q4_k;
    k->matmul[TOLK_TYPE_Q4_K] = avx2_gemm_q4_k_split; /* llama.cpp's orders: panels from 4 tokens (gemm_kq.c) */
    k->matvec[TOLK_TYPE_Q4_K] = avx2_matvec_q4_k;
    k->dot[TOLK_TYPE_Q5_K] = avx2_dot_q5_k;
    k->matmul[TOLK_TYPE_Q5_K] = avx2_matmul_q5_k;
    k->matvec[TOLK_TYPE_Q5_K] = avx2_matvec_q5_k;
    k->dot[TOLK_TYPE_Q6_K] = avx2_dot_q6_k;
    k->matmul[TOLK_TYPE_Q6_K] = batched_q6_k; /* llama.cpp's one-token order, then its tiled one */
    k->matvec[TOLK_TYPE_Q6_K] = avx2_matvec_q6_k;

    /* The walks (avx2.h) give every batch size the one-token bits; the packed panels do not. */
    const uint32_t exact[] = {TOLK_TYPE_Q4_0, TOLK_TYPE_Q4_1, TOLK_TYPE_Q5_1, TOLK_TYPE_Q5_K};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        k->matmul_exact[exact[i]] = INT64_MAX;
    /* Q5_0 and Q8_0: the dot, the mat x vec, the walk (q32.h) and the tiled kernel add in
     * llama.cpp's order (8 lanes of 4-element sums, one FMA per block, its horizontal sum), the
     * panels do not: exact below AVX2_GEMM_MIN_TOK tokens, the tiled kernel for verification
     * passes of any size */
    k->matmul_exact[TOLK_TYPE_Q5_0] = AVX2_GEMM_MIN_TOK - 1;
    k->matmul_exact[TOLK_TYPE_Q8_0] = AVX2_GEMM_MIN_TOK - 1;
    k->matmul_one_order[TOLK_TYPE_Q5_0] = exact_q5_0;
    k->matmul_one_order[TOLK_TYPE_Q8_0] = exact_q8_0;
    k->matmul_one_order[TOLK_TYPE_Q4_K] = avx2_one_order_q4_k;
    k->matmul_one_order[TOLK_TYPE_Q6_K] = avx2_matmul_q6_k;
    /* Q6_K: llama.cpp's order (ggml_vec_dot_q6_K_q8_K) in the dot, the mat x vec and the walks;
     * batches of Q6_K_TILED_MIN_TOK tokens and more in its tiled order; the walks for verification */
    k->matmul_exact[TOLK_TYPE_Q6_K] = Q6_K_TILED_MIN_TOK - 1;
    k->ref_bits[TOLK_TYPE_Q6_K] = true;
    /* Q4_K: llama.cpp's one-token order below 4 tokens, its batch order for the first n - n % 4 */
    k->matmul_exact[TOLK_TYPE_Q4_K] = 3;
    k->ref_bits[TOLK_TYPE_Q4_K] = true;
    /* IQ4_NL / IQ4_XS: the reference's order (iq4.c), one-token bits at every batch size */
    k->dot[TOLK_TYPE_IQ4_NL] = avx2_dot_iq4_nl;
    k->matvec[TOLK_TYPE_IQ4_NL] = avx2_matvec_iq4_nl;
    k->matmul[TOLK_TYPE_IQ4_NL] = avx2_matmul_iq4_nl;
    k->matmul_exact[TOLK_TYPE_IQ4_NL] = INT64_MAX;
    k->dot[TOLK_TYPE_IQ4_XS] = avx2_dot_iq4_xs;
    k->matvec[TOLK_TYPE_IQ4_XS] = avx2_matvec_iq4_xs;
    k->matmul[TOLK_TYPE_IQ4_XS] = avx2_matmul_iq4_xs;
    k->matmul_exact[TOLK_TYPE_IQ4_XS] = IQ4_XS_TILED_MIN_TOK - 1; /* llama.cpp's batch order from there */
    k->matmul_one_order[TOLK_TYPE_IQ4_XS] = avx2_one_order_iq4_xs;
}
