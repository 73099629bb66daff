/* RMSNorm on the GPU, one 256-thread block per row: the sum of squares in double like the CPU
 * (ops_rmsnorm), the scale and the products in float without contraction. */
#include "gpu_blocks.h"
#include "gpu_cuda.cuh"

__global__ void rmsnorm_kernel(const float *x, const float *w, float *y, int64_t n, float eps)
{
    __shared__ double s_part[8];
    const float *xr = x + (int64_t)blockIdx.x * n;
    float *yr = y + (int64_t)blockIdx.x * n;
    double s = 0.0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        s += (double)gpu_mul(xr[i], xr[i]);
    for (int o = 16; o > 0; o >>= 1)
        s += __shfl_xor_sync(0xffffffffu, s, o);
    if ((threadIdx.x & 31) == 0)
        s_part[threadIdx.x / 32] = s;
    __syncthreads();
    double sum = 0.0;
    for (int k = 0; k < (int)blockDim.x / 32; k++)
        sum += s_part[k];
    const float mean = (float)(sum / (double)n);
    const float scale = 1.0f / sqrtf(gpu_add(mean, eps));
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
        const float v = gpu_mul(xr[i], scale);
        yr[i] = w ? gpu_mul(v, w[i]) : v;
    }
}

extern "C" int gpu_rmsnorm(const float *d_x, const float *d_w, float *d_y, int64_t n, int64_t n_rows, float eps)
{
    rmsnorm_kernel<<<(unsigned)n_rows, 256>>>(d_x, d_w, d_y, n, eps);
    return gpu_launched("rmsnorm");
}
