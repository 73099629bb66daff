/* AVX2 Q4_1 x Q8_1: the walk of q32.h for this format (one tile kernel; the dot product, the
 * one-token mat x vec and the batches are its shapes, so all give a row the same bits). */
#include "q32.h"

static void tile(int R, int T, const char *w, size_t wrb, int64_t n, const char *qx, size_t qrb, float *y, size_t ys,
                 int64_t r, int64_t t)
{
    q32_any(Q32_Q4_1, R, T, w, wrb, n, qx, qrb, y, ys, r, t);
}

float avx2_dot_q4_1(int64_t n, const void *w, const void *x)
{
    return avx2_walk_dot(tile, n, w, x);
}

void avx2_matvec_q4_1(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    avx2_walk_matvec(tile, Q32_VEC_ROWS, w, w_row_bytes, n, qx, y, r0, r1);
}

void avx2_matmul_q4_1(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    avx2_walk_matmul(tile, Q32_ROWS, Q32_TOKS, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}
