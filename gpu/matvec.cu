/* Mat×vec on quantized weights for 1..8 token columns (decode and speculative verification): one
 * warp per weight row, lanes take the row's 32-element units in turn, decode each once
 * (gpu_unit_decode) and dot it against every column (gpu_unit_dot: the same bits as gpu_dot_unit),
 * so the row's bytes are read and decoded once per step whatever the column count. */
#include "gpu_blocks.h"
#include "gpu_cuda.cuh"

#define ROWS_PER_BLOCK 4

template <int WTYPE, int NCOLS>
__global__ void matvec_kernel(const uint8_t *w, size_t w_row_bytes, int64_t n_units, int64_t n_rows,
                              const uint8_t *qx, size_t qx_row_bytes, float *y, int64_t y_stride)
{
    const int64_t r = (int64_t)blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / 32;
    const int lane = threadIdx.x & 31;
    if (r >= n_rows)
        return;
    const uint8_t *row = w + (size_t)r * w_row_bytes;
    float acc[NCOLS];
    for (int t = 0; t < NCOLS; t++)
        acc[t] = 0.0f;
    for (int64_t u = lane; u < n_units; u += 32) {
        gpu_unit unit;
        gpu_unit_decode(WTYPE, row, u, &unit); /* once for every column */
        for (int t = 0; t < NCOLS; t++)
            acc[t] += gpu_unit_dot(WTYPE, &unit, qx + (size_t)t * qx_row_bytes, u);
    }
    for (int t = 0; t < NCOLS; t++) {
        float s = warp_sum(acc[t]);
        if (lane == 0)
            y[t * y_stride + r] = s;
    }
}

template <int WTYPE>
static void launch_type(int n_tok, dim3 grid, const uint8_t *w, size_t wb, int64_t nu, int64_t nr,
                        const uint8_t *qx, size_t qb, float *y, int64_t ys)
{
    const dim3 block(32 * ROWS_PER_BLOCK);
    switch (n_tok) {
    case 1: matvec_kernel<WTYPE, 1><<<grid, block>>>(w, wb, nu, nr, qx, qb, y, ys); break;
    case 2: matvec_kernel<WTYPE, 2><<<grid, block>>>(w, wb, nu, nr, qx, qb, y, ys); break;
    case 3: matvec_kernel<WTYPE, 3><<<grid, block>>>(w, wb, nu, nr, qx, qb, y, ys); break;
    case 4: matvec_kernel<WTYPE, 4><<<grid, block>>>(w, wb, nu, nr, qx, qb, y, ys); break;
    case 5: matvec_kernel<WTYPE, 5><<<grid, block>>>(w, wb, nu, nr, qx, qb, y, ys); break;
    case 6: matvec_kernel<WTYPE, 6><<<grid, block>>>(w, wb, nu, nr, qx, qb, y, ys); break;
    case 7: matvec_kernel<WTYPE, 7><<<grid, block>>>(w, wb, nu, nr, qx, qb, y, ys); break;
    default: matvec_kernel<WTYPE, 8><<<grid, block>>>(w, wb, nu, nr, qx, qb, y, ys); break;
    }
}

extern "C" int gpu_matvec(int wtype, const void *d_w, size_t w_row_bytes, int64_t n_in, int64_t n_rows,
                          const void *d_qx, int n_tok, float *d_y, int64_t y_stride)
{
    if (n_tok < 1 || n_tok > GPU_MAX_MATVEC_COLS)
        return gpu_fail_msg("matvec: 1 to 8 token columns");
    const int be = gpu_block_elems(wtype);
    if (!be || n_in % GPU_UNIT || n_in % be)
        return gpu_fail_msg("matvec: weight type not handled on the GPU or row length not a block multiple");
    const dim3 grid(gpu_blocks_for(n_rows, ROWS_PER_BLOCK));
    const uint8_t *w = (const uint8_t *)d_w, *qx = (const uint8_t *)d_qx;
    const size_t qb = gpu_act_row_bytes(wtype, n_in);
    const int64_t nu = n_in / GPU_UNIT;
    switch (wtype) {
    case GPU_T_Q4_0: launch_type<GPU_T_Q4_0>(n_tok, grid, w, w_row_bytes, nu, n_rows, qx, qb, d_y, y_stride); break;
    case GPU_T_Q5_0: launch_type<GPU_T_Q5_0>(n_tok, grid, w, w_row_bytes, nu, n_rows, qx, qb, d_y, y_stride); break;
    case GPU_T_Q8_0: launch_type<GPU_T_Q8_0>(n_tok, grid, w, w_row_bytes, nu, n_rows, qx, qb, d_y, y_stride); break;
    case GPU_T_Q4_K: launch_type<GPU_T_Q4_K>(n_tok, grid, w, w_row_bytes, nu, n_rows, qx, qb, d_y, y_stride); break;
    case GPU_T_Q6_K: launch_type<GPU_T_Q6_K>(n_tok, grid, w, w_row_bytes, nu, n_rows, qx, qb, d_y, y_stride); break;
    case GPU_T_F16: launch_type<GPU_T_F16>(n_tok, grid, w, w_row_bytes, nu, n_rows, qx, qb, d_y, y_stride); break;
    case GPU_T_BF16: launch_type<GPU_T_BF16>(n_tok, grid, w, w_row_bytes, nu, n_rows, qx, qb, d_y, y_stride); break;
    default: launch_type<GPU_T_F32>(n_tok, grid, w, w_row_bytes, nu, n_rows, qx, qb, d_y, y_stride); break;
    }
    return gpu_launched("matvec");
}
