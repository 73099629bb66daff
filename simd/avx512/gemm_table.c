/* Table entries of the batched AVX-512 kernels: the packed 16-row panels (kq_gemm.c, q8_gemm.c)
 * for batches of at least MIN_TOK tokens, the unpacked tiles below that, where packing a panel
 * costs more than the few tokens that reuse it save. */
#include "avx512.h"

/* Crossover measured with /tmp-style sweeps of bench/bench_kernels --tokens on 4096-wide rows. */
enum { MIN_TOK = 8 };

static void matmul_q4_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= MIN_TOK)
        avx512_gemm_q4_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx512_few_q4_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

static void matmul_q5_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= MIN_TOK)
        avx512_gemm_q5_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx512_few_q5_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

static void matmul_q8_0(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= MIN_TOK)
        avx512_gemm_q8_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx512_few_q8_0(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

static void matmul_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= MIN_TOK)
        avx512_gemm_q4_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx512_matmul_q4_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

static void matmul_q6_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                        size_t ys, int64_t r0, int64_t r1)
{
    if (n_tok >= MIN_TOK)
        avx512_gemm_q6_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
    else
        avx2_matmul_q6_k(w, wrb, n, qx, qrb, n_tok, y, ys, r0, r1);
}

void simd_fill_avx512_gemm(simd_kernels *k)
{
    k->matmul[TOLK_TYPE_Q4_0] = matmul_q4_0;
    k->matmul[TOLK_TYPE_Q5_0] = matmul_q5_0;
    k->matmul[TOLK_TYPE_Q8_0] = matmul_q8_0;
    k->matmul[TOLK_TYPE_Q4_K] = matmul_q4_k;
    k->matmul[TOLK_TYPE_Q6_K] = matmul_q6_k;
    k->matvec[TOLK_TYPE_Q4_0] = avx512_matvec_q4_0;
    k->matvec[TOLK_TYPE_Q5_0] = avx512_matvec_q5_0;
    k->matvec[TOLK_TYPE_Q8_0] = avx512_matvec_q8_0;
    k->matvec[TOLK_TYPE_Q4_K] = avx512_matvec_q4_k;
}
