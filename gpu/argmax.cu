/* Greedy pick on the GPU: the index of each row's largest value (lowest index among equals, NaN
 * never wins), so only token ids cross PCIe. One 256-thread block per row. */
#include <limits.h>

#include "gpu_cuda.cuh"

__device__ __forceinline__ void better(float &v, int &i, float v2, int i2)
{
    if (v2 > v || (v2 == v && i2 < i)) {
        v = v2;
        i = i2;
    }
}

__global__ void argmax_kernel(const float *x, int64_t n, int32_t *out)
{
    __shared__ float s_v[8];
    __shared__ int s_i[8];
    const float *r = x + (int64_t)blockIdx.x * n;
    float v = -INFINITY;
    int idx = INT_MAX;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        better(v, idx, r[i], (int)i); /* NaN compares false: never taken */
    for (int o = 16; o > 0; o >>= 1)
        better(v, idx, __shfl_xor_sync(0xffffffffu, v, o), __shfl_xor_sync(0xffffffffu, idx, o));
    if ((threadIdx.x & 31) == 0) {
        s_v[threadIdx.x / 32] = v;
        s_i[threadIdx.x / 32] = idx;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        v = s_v[0];
        idx = s_i[0];
        for (int k = 1; k < (int)blockDim.x / 32; k++)
            better(v, idx, s_v[k], s_i[k]);
        out[blockIdx.x] = idx == INT_MAX ? 0 : idx;
    }
}

extern "C" int gpu_argmax(const float *d_x, int64_t n, int64_t n_rows, int32_t *d_out)
{
    argmax_kernel<<<(unsigned)n_rows, 256>>>(d_x, n, d_out);
    return gpu_launched("argmax");
}
