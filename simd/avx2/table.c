/* The AVX2 (+FMA, F16C) kernel table: every format with an AVX2 file overrides the scalar entry;
 * the rest keep their references. */
#include "gemm.h"

float avx2_half_table[65536];

/* Batches of at least AVX2_GEMM_MIN_TOK tokens on the packed panels (gemm.h), fewer on the walks. */
#define AVX2_BATCHED(NAME)                                                                                          \
    static void batched_##NAME(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok,  \
                               float *y, size_t ys, int64_t r0, int64_t r1)                                       \
    {                                                                                                           \
        if (n_tok >= AVX2_GEMM_MIN_TOK)                                                                         \
            avx2_gemm_##NAME(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);                                         \
        else                                                                                                    \
            avx2_matmul_##NAME(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);                                       \
    }
AVX2_BATCHED(q4_k)
AVX2_BATCHED(q6_k)

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
    k->matmul[TOLK_TYPE_Q5_0] = avx2_matmul_q5_0;
    k->matvec[TOLK_TYPE_Q5_0] = avx2_matvec_q5_0;
    /* Q5_0 and Q8_0: the walk (q32.h) adds in llama.cpp's order (8 lanes of 4-element sums, one FMA
     * per block, its horizontal sum) at every batch size, as llama.cpp's vec_dot and tinyBLAS do */
    k->ref_bits[TOLK_TYPE_Q5_0] = true;
    k->ref_bits[TOLK_TYPE_Q8_0] = true;
    k->dot[TOLK_TYPE_Q5_1] = avx2_dot_q5_1;
    k->matmul[TOLK_TYPE_Q5_1] = avx2_matmul_q5_1;
    k->matvec[TOLK_TYPE_Q5_1] = avx2_matvec_q5_1;
    k->dot[TOLK_TYPE_Q8_0] = avx2_dot_q8_0;
    k->matmul[TOLK_TYPE_Q8_0] = avx2_matmul_q8_0;
    k->matvec[TOLK_TYPE_Q8_0] = avx2_matvec_q8_0;
    k->dot[TOLK_TYPE_Q2_K] = avx2_dot_q2_k;
    k->dot[TOLK_TYPE_Q3_K] = avx2_dot_q3_k;
    k->dot[TOLK_TYPE_Q4_K] = avx2_dot_q4_k;
    k->matmul[TOLK_TYPE_Q4_K] = batched_q4_k;
    k->matvec[TOLK_TYPE_Q4_K] = avx2_matvec_q4_k;
    k->dot[TOLK_TYPE_Q5_K] = avx2_dot_q5_k;
    k->matmul[TOLK_TYPE_Q5_K] = avx2_matmul_q5_k;
    k->matvec[TOLK_TYPE_Q5_K] = avx2_matvec_q5_k;
    k->dot[TOLK_TYPE_Q6_K] = avx2_dot_q6_k;
    k->matmul[TOLK_TYPE_Q6_K] = batched_q6_k;
    k->matvec[TOLK_TYPE_Q6_K] = avx2_matvec_q6_k;

    /* The walks (avx2.h) give every batch size the one-token bits; the packed panels do not. */
    const uint32_t exact[] = {TOLK_TYPE_Q4_0, TOLK_TYPE_Q4_1, TOLK_TYPE_Q5_0, TOLK_TYPE_Q5_1, TOLK_TYPE_Q8_0,
                              TOLK_TYPE_Q5_K};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        k->matmul_exact[exact[i]] = INT64_MAX;
    const uint32_t panels[] = {TOLK_TYPE_Q4_K, TOLK_TYPE_Q6_K};
    for (size_t i = 0; i < sizeof panels / sizeof panels[0]; i++)
        k->matmul_exact[panels[i]] = AVX2_GEMM_MIN_TOK - 1;
    /* ... and the walks themselves for verification passes of any size */
    k->matmul_one_order[TOLK_TYPE_Q4_K] = avx2_matmul_q4_k;
    k->matmul_one_order[TOLK_TYPE_Q6_K] = avx2_matmul_q6_k;
}
