/* Table entries of the batched AVX-512 kernels, every format in llama.cpp's order (docs/NUMERICS.md):
 * Q4_0 the packed panels (q8_gemm.c) from 3 tokens and its one-token kernel below; Q5_0 and Q8_0
 * their own kernels at every count (q32_ggml.c); Q6_K the few-token row walks (matvec_k.c) in
 * passes of at most FEW tokens below Q6_K_TILED_MIN_TOK tokens (and at every count for
 * verification), AVX2's tiled-order panels (avx2/q6k_tiled.c) from there, and AVX2's mat x vec for
 * one token (same bits, streams faster); Q4_K the panels (kq_gemm.c) for the first n - n % 4 tokens (its batch order)
 * and the AVX2 one-token kernel for one token and the rest of a batch. */
#include "avx512.h"
#include "../avx2/q6k_tiled.h"

enum { MIN_TOK = 16, FEW = 7 };

typedef void (*matmul_fn)(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                          size_t ys, int64_t r0, int64_t r1);

/* Fewer than MIN_TOK tokens in passes of at most FEW, evenly split (8 -> 4 + 4, 15 -> 5 + 5 + 5). */
static void few_passes(matmul_fn few, const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok,
                       float *y, size_t ys, int64_t r0, int64_t r1)
{
    int64_t passes = (n_tok + FEW - 1) / FEW;
    for (int64_t p = 0, t = 0; p < passes; p++) {
        int64_t k = (n_tok - t) / (passes - p);
        few(w, wrb, n, (const char *)qx + (size_t)t * qrb, qrb, k, y + (size_t)t * ys, ys, r0, r1);
        t += k;
    }
}

/* Any token count in few-token passes: every token gets the one-token bits (verification). */
#define FEW_ANY(NAME)                                                                                               \
    static void one_order_##NAME(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok,   \
                                 float *y, size_t ys, int64_t r0, int64_t r1)                                       \
    {                                                                                                               \
        few_passes(avx512_few_##NAME, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);                                    \
    }
FEW_ANY(q6_k)

/* Q6_K in llama.cpp's split (ref_matmul_q6_k): its tiled order from Q6_K_TILED_MIN_TOK tokens
 * (avx2/q6k_tiled.c), the row walks' one-token order below. */
static void matmul_q6_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= Q6_K_TILED_MIN_TOK)
        avx2_gemm_q6_k_tiled(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        one_order_q6_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

/* Q4_0 in llama.cpp's order at every count: the panels (whose chunks chain their FMAs) from 3
 * tokens, below that the one-token kernel of that order token by token over rows kept in L2
 * (q4_0_ggml.c). Per CPU-second from L2 on 128 x 4096: panels 113 / 162 / 195 GOP/s at 4 / 8 /
 * 15 tokens against 61 / 67 / 65 token by token; at 2 tokens 41 against 45. */
static void matmul_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= 3)
        avx512_gemm_q4_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx512_ggml_matmul_few_q4_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

/* Q4_K as llama.cpp computes a batch (ref_matmul_q4_k): the first n_tok - n_tok % 4 tokens on the
 * panels in its batch order (kq_gemm.c), the rest in its one-token order (simd/avx2/q4_k.c). */
static void matmul_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    const int64_t nb = n_tok - n_tok % 4;
    if (nb > 0)
        avx512_gemm_q4_k(w, wrb, n, qx, qrb, nb, y, ys, r0, r1);
    if (nb < n_tok)
        avx2_one_order_q4_k(w, wrb, n, (const char *)qx + (size_t)nb * qrb, qrb, n_tok - nb, y + (size_t)nb * ys, ys,
                            r0, r1);
}

/* Q5_0 / Q8_0 prompt batches (at least MIN_TOK tokens) on the packed panels (q8_gemm.c, tolk's
 * order, up to twice as fast), fewer tokens in llama.cpp's order (q32_ggml.c). */
#define PANELS_FROM_MIN_TOK(NAME)                                                                                   \
    static void matmul_##NAME(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok,      \
                              float *y, size_t ys, int64_t r0, int64_t r1)                                          \
    {                                                                                                               \
        if (n_tok >= MIN_TOK)                                                                                       \
            avx512_gemm_##NAME(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);                                           \
        else                                                                                                        \
            avx512_ggml_matmul_##NAME(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);                                    \
    }
PANELS_FROM_MIN_TOK(q5_0)
PANELS_FROM_MIN_TOK(q8_0)

void simd_fill_avx512_gemm(simd_kernels *k)
{
    k->matmul[TOLK_TYPE_Q4_0] = matmul_q4_0;
    /* Q5_0 and Q8_0: llama.cpp's order (q32_ggml.c) for one token and batches below MIN_TOK, and
     * for verification passes of any size; prompt batches on the panels */
    k->dot[TOLK_TYPE_Q5_0] = avx512_ggml_dot_q5_0;
    k->matvec[TOLK_TYPE_Q5_0] = avx512_ggml_matvec_q5_0;
    k->matmul[TOLK_TYPE_Q5_0] = matmul_q5_0;
    k->matmul_exact[TOLK_TYPE_Q5_0] = MIN_TOK - 1;
    k->matmul_one_order[TOLK_TYPE_Q5_0] = avx512_ggml_matmul_q5_0;
    k->dot[TOLK_TYPE_Q8_0] = avx512_ggml_dot_q8_0;
    k->matvec[TOLK_TYPE_Q8_0] = avx512_ggml_matvec_q8_0;
    k->matmul[TOLK_TYPE_Q8_0] = matmul_q8_0;
    k->matmul_exact[TOLK_TYPE_Q8_0] = MIN_TOK - 1;
    k->matmul_one_order[TOLK_TYPE_Q8_0] = avx512_ggml_matmul_q8_0;
    k->matmul[TOLK_TYPE_Q4_K] = matmul_q4_k;
    k->matmul[TOLK_TYPE_Q6_K] = matmul_q6_k; /* llama.cpp's one-token order (matvec_k.c), then its tiled one */
    k->matvec[TOLK_TYPE_Q4_K] = avx2_matvec_q4_k; /* llama.cpp's one-token order (simd/avx2/q4_k.c) */
    k->matvec[TOLK_TYPE_Q6_K] = avx2_matvec_q6_k; /* same bits as the row walk, streams faster (prefetch) */
    /* Q4_0: llama.cpp's order at every count (the AVX-512 dot and row walks of Q4_0 in
     * matvec.c / matvec_few.c sum in another; the dot of that order is AVX2's) */
    k->dot[TOLK_TYPE_Q4_0] = avx2_ggml_dot_q4_0;
    k->matvec[TOLK_TYPE_Q4_0] = avx512_ggml_matvec_q4_0;
    k->matmul_exact[TOLK_TYPE_Q4_0] = INT64_MAX;
    k->matmul_one_order[TOLK_TYPE_Q4_K] = avx2_one_order_q4_k;
    k->matmul_one_order[TOLK_TYPE_Q6_K] = one_order_q6_k;
    /* Q6_K: the dot and the row walks sum in llama.cpp's one-token order (ref_dot_q6_k), batches of
     * Q6_K_TILED_MIN_TOK tokens and more in its tiled order (ref_matmul_q6_k) */
    k->matmul_exact[TOLK_TYPE_Q6_K] = Q6_K_TILED_MIN_TOK - 1;
    k->ref_bits[TOLK_TYPE_Q6_K] = true;
    /* Q4_K: llama.cpp's one-token order below 4 tokens, its batch order for the first n - n % 4 */
    k->matmul_exact[TOLK_TYPE_Q4_K] = 3;
}
