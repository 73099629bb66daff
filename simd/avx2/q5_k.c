/* AVX2 Q5_K x Q8_K: the walk of q45_k.h for this format (one tile kernel; the dot product, the
 * one-token mat x vec and the batches are its shapes, so all give a row the same bits). */
#include "q45_k.h"

static void tile(int R, int T, const char *w, size_t wrb, int64_t n, const char *qx, size_t qrb, float *y, size_t ys,
                 int64_t r, int64_t t)
{
    q45k_any(1, R, T, w, wrb, n, qx, qrb, y, ys, r, t);
}

float avx2_dot_q5_k(int64_t n, const void *w, const void *x)
{
    return avx2_walk_dot(tile, n, w, x);
}

void avx2_matvec_q5_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    avx2_walk_matvec(tile, Q45K_VEC_ROWS, w, w_row_bytes, n, qx, y, r0, r1);
}

void avx2_matmul_q5_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    avx2_walk_matmul(tile, Q45K_ROWS, Q45K_TOKS, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}
