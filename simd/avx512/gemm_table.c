/* Table entries of the batched AVX-512 kernels: the packed 16-row panels (kq_gemm.c, q8_gemm.c)
 * for batches of at least MIN_TOK tokens; below that, where packing a panel costs more than the
 * few tokens that reuse it save, the few-token row walks (matvec_few.c, matvec_k.c), up to FEW
 * tokens per pass. Single tokens take the mat x vec kernels (Q6_K keeps its dot product, 57
 * GB/s per core from L2 against the row walk's 49). Q4_0, Q5_0 and Q8_0 add in llama.cpp's order
 * at every count instead (q4_0_ggml.c, q32_ggml.c; their panels, few-token walks and mat x vec
 * kernels of the old orders, avx512_gemm_q5_0 / _q8_0, avx512_few_q5_0 / _q8_0 and
 * avx512_matvec_q5_0 / _q8_0, are in no table now). */
#include "avx512.h"

/* Crossovers from sweeps over 1..16 tokens on 1024 x 4096 weights (one core, GOP/s; at two threads
 * bench/bench_kernels --tokens N --type T shows the same on 4096 x 4096): Q4_K few-token
 * 234 / 267 / 282 at 2 / 4 / 7 tokens against the panels' 54 / 103 / 164 and 296 at 16; Q4_0
 * 196 / 269 / 319 against 78 / 143 / 210 and 342; Q6_K 181 / 214 / 227 against 39 / 74 / 107
 * and 245. */
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
FEW_ANY(q4_k)
FEW_ANY(q6_k)

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

static void matmul_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= MIN_TOK)
        avx512_gemm_q4_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        few_passes(avx512_few_q4_k, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

static void matmul_q6_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= MIN_TOK)
        avx512_gemm_q6_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        few_passes(avx512_few_q6_k, w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

/* One token of Q6_K through the row walk too (its dot product, 57 GB/s per core from L2 against
 * the walk's 49, is memory-bound either way at two threads), so that batches of up to
 * MIN_TOK - 1 tokens give each token exactly the one-token result. */
static void matvec_q6_k(const void *w, size_t wrb, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    avx512_few_q6_k(w, wrb, n, qx, 0, 1, y, 0, r0, r1);
}

void simd_fill_avx512_gemm(simd_kernels *k)
{
    k->matmul[TOLK_TYPE_Q4_0] = matmul_q4_0;
    /* Q5_0 and Q8_0: llama.cpp's order at every count (q32_ggml.c) */
    k->dot[TOLK_TYPE_Q5_0] = avx512_ggml_dot_q5_0;
    k->matvec[TOLK_TYPE_Q5_0] = avx512_ggml_matvec_q5_0;
    k->matmul[TOLK_TYPE_Q5_0] = avx512_ggml_matmul_q5_0;
    k->matmul_exact[TOLK_TYPE_Q5_0] = INT64_MAX;
    k->ref_bits[TOLK_TYPE_Q5_0] = true;
    k->dot[TOLK_TYPE_Q8_0] = avx512_ggml_dot_q8_0;
    k->matvec[TOLK_TYPE_Q8_0] = avx512_ggml_matvec_q8_0;
    k->matmul[TOLK_TYPE_Q8_0] = avx512_ggml_matmul_q8_0;
    k->matmul_exact[TOLK_TYPE_Q8_0] = INT64_MAX;
    k->ref_bits[TOLK_TYPE_Q8_0] = true;
    k->matmul[TOLK_TYPE_Q4_K] = matmul_q4_k;
    k->matmul[TOLK_TYPE_Q6_K] = matmul_q6_k;
    k->matvec[TOLK_TYPE_Q4_K] = avx512_matvec_q4_k;
    k->matvec[TOLK_TYPE_Q6_K] = matvec_q6_k;
    /* The few-token walks add in the one-token kernels' order; the panels do not. */
    const uint32_t exact[] = {TOLK_TYPE_Q4_K, TOLK_TYPE_Q6_K};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        k->matmul_exact[exact[i]] = MIN_TOK - 1;
    /* Q4_0: llama.cpp's order at every count (the AVX-512 dot and row walks of Q4_0 in
     * matvec.c / matvec_few.c sum in another; the dot of that order is AVX2's) */
    k->dot[TOLK_TYPE_Q4_0] = avx2_ggml_dot_q4_0;
    k->matvec[TOLK_TYPE_Q4_0] = avx512_ggml_matvec_q4_0;
    k->matmul_exact[TOLK_TYPE_Q4_0] = INT64_MAX;
    k->matmul_one_order[TOLK_TYPE_Q4_K] = one_order_q4_k;
    k->matmul_one_order[TOLK_TYPE_Q6_K] = one_order_q6_k;
}
