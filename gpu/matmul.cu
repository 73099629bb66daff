/* Mat×mat for prompt batches: the weights are decoded to F16 with gpu_blocks.h's element decoders,
 * the activations rounded to F16, and one cuBLAS GEMM with f32 accumulation gives the outputs.
 * (A first step: an int8 tensor-core kernel on the blocks would skip the F16 copy.) */
#include <cublas_v2.h>

#include "gpu_blocks.h"
#include "gpu_cuda.cuh"

static cublasHandle_t cublas;

__global__ void dequant_f16_kernel(int wtype, const uint8_t *w, size_t w_row_bytes, int64_t n_in, int64_t total,
                                   uint16_t *dst)
{
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total)
        return;
    const int64_t r = i / n_in, c = i % n_in;
    dst[i] = gpu_f32_to_half(gpu_row_value(wtype, w + (size_t)r * w_row_bytes, c));
}

__global__ void f32_to_f16_kernel(const float *x, uint16_t *h, int64_t n)
{
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        h[i] = gpu_f32_to_half(x[i]);
}

extern "C" int gpu_dequantize_f16(int wtype, const void *d_w, size_t w_row_bytes, int64_t n_in, int64_t n_rows,
                                  void *d_dst)
{
    const int be = gpu_block_elems(wtype);
    if (!be || n_in % be)
        return gpu_fail_msg("dequantize: weight type not handled on the GPU or row length not a block multiple");
    const int64_t total = n_in * n_rows;
    dequant_f16_kernel<<<gpu_blocks_for(total, 256), 256>>>(wtype, (const uint8_t *)d_w, w_row_bytes, n_in, total,
                                                            (uint16_t *)d_dst);
    return gpu_launched("dequantize");
}

extern "C" int gpu_matmul(int wtype, const void *d_w, size_t w_row_bytes, int64_t n_in, int64_t n_rows,
                          const float *d_x, int64_t n_tok, float *d_y, void *d_wh, void *d_xh)
{
    if (!cublas && cublasCreate(&cublas) != CUBLAS_STATUS_SUCCESS)
        return gpu_fail_msg("cuBLAS could not start");
    if (gpu_dequantize_f16(wtype, d_w, w_row_bytes, n_in, n_rows, d_wh))
        return -1;
    f32_to_f16_kernel<<<gpu_blocks_for(n_in * n_tok, 256), 256>>>(d_x, (uint16_t *)d_xh, n_in * n_tok);
    if (gpu_launched("matmul activations"))
        return -1;
    /* column-major view: C (n_rows x n_tok) = W^T-view (n_rows x n_in) * X-view (n_in x n_tok) */
    const float one = 1.0f, zero = 0.0f;
    cublasStatus_t st = cublasGemmEx(cublas, CUBLAS_OP_T, CUBLAS_OP_N, (int)n_rows, (int)n_tok, (int)n_in, &one,
                                     d_wh, CUDA_R_16F, (int)n_in, d_xh, CUDA_R_16F, (int)n_in, &zero, d_y,
                                     CUDA_R_32F, (int)n_rows, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    return st == CUBLAS_STATUS_SUCCESS ? 0 : gpu_fail_msg("cuBLAS GEMM failed");
}
