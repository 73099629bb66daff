/* Activation quantization on the GPU into the CPU path's partner formats: Q8_0 (one warp per
 * 32-element block), Q8_K (one 256-thread block per super-block), F16, BF16, F32. The per-element
 * rounding is gpu_blocks.h's, so the bytes equal the host's; the reductions (max, first index of
 * the largest magnitude, integer sums) do not depend on order. */
#include "gpu_blocks.h"
#include "gpu_cuda.cuh"

extern "C" size_t gpu_act_row_bytes(int wtype, int64_t n)
{
    int at = gpu_act_type(wtype);
    return (size_t)(n / gpu_block_elems(at)) * (size_t)gpu_block_bytes(at);
}

/* One warp per Q8_0 block; blocks of all rows numbered consecutively (n is a multiple of 32). */
__global__ void quant_q8_0_kernel(const float *x, gpu_block_q8_0 *q, int64_t n_blocks)
{
    int64_t b = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
    int lane = threadIdx.x & 31;
    if (b >= n_blocks)
        return;
    float v = x[32 * b + lane];
    float amax = warp_max(fabsf(v));
    if (lane == 0)
        q[b].d = gpu_f32_to_half(amax / 127.0f);
    q[b].qs[lane] = gpu_q8_0_code(v, gpu_q8_0_inv_scale(amax));
}

/* One 256-thread block per Q8_K super-block. */
__global__ void quant_q8_k_kernel(const float *x, gpu_block_q8_k *q)
{
    __shared__ float s_amax[8];
    __shared__ int s_first[8];
    __shared__ int8_t s_code[256];
    const int64_t b = blockIdx.x;
    const int j = threadIdx.x, lane = j & 31, w = j >> 5;
    const float v = x[256 * b + j];
    float amax = warp_max(fabsf(v));
    /* the first element of that magnitude within the warp, then across warps */
    unsigned hit = __ballot_sync(0xffffffffu, fabsf(v) == amax);
    if (lane == 0) {
        s_amax[w] = amax;
        s_first[w] = 32 * w + __ffs(hit) - 1;
    }
    __syncthreads();
    float best = 0.0f;
    int first = 0;
    for (int k = 0; k < 8; k++)
        if (s_amax[k] > best) {
            best = s_amax[k];
            first = s_first[k];
        }
    gpu_block_q8_k *out = q + b;
    if (best == 0.0f) {
        out->qs[j] = 0;
        if (j < 16)
            out->bsums[j] = 0;
        if (j == 0)
            out->d = 0.0f;
        return;
    }
    const float iscale = -127.0f / x[256 * b + first];
    const int8_t c = gpu_q8_k_code(v, iscale);
    out->qs[j] = c;
    s_code[j] = c;
    __syncthreads();
    if (j < 16) {
        int s = 0;
        for (int k = 0; k < 16; k++)
            s += s_code[16 * j + k];
        out->bsums[j] = (int16_t)s;
    }
    if (j == 0)
        out->d = 1.0f / iscale;
}

__global__ void to_half_kernel(const float *x, uint16_t *h, int64_t n, int bf16)
{
    int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        h[i] = bf16 ? gpu_f32_to_bf16(x[i]) : gpu_f32_to_half(x[i]);
}

extern "C" int gpu_quantize_act(int wtype, const float *d_x, void *d_qx, int64_t n, int64_t n_tok)
{
    const int at = gpu_act_type(wtype);
    const int64_t total = n * n_tok;
    if (n % gpu_block_elems(at))
        return gpu_fail_msg("quantize_act: row length is not a multiple of the block size");
    switch (at) {
    case GPU_T_Q8_0:
        quant_q8_0_kernel<<<gpu_blocks_for(total / 32, 8), 256>>>(d_x, (gpu_block_q8_0 *)d_qx, total / 32);
        break;
    case GPU_T_Q8_K:
        quant_q8_k_kernel<<<(unsigned)(total / 256), 256>>>(d_x, (gpu_block_q8_k *)d_qx);
        break;
    case GPU_T_F16: case GPU_T_BF16:
        to_half_kernel<<<gpu_blocks_for(total, 256), 256>>>(d_x, (uint16_t *)d_qx, total, at == GPU_T_BF16);
        break;
    default: {
        cudaError_t e = cudaMemcpyAsync(d_qx, d_x, (size_t)total * sizeof(float), cudaMemcpyDeviceToDevice);
        if (e != cudaSuccess)
            return gpu_fail("quantize_act copy", e);
    }
    }
    return gpu_launched("quantize_act");
}
