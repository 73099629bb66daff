/* Shared by the .cu files: launch-error reporting into gpu_last_error and warp reductions. */
#ifndef TOLK_GPU_CUDA_CUH
#define TOLK_GPU_CUDA_CUH

#include <cuda_runtime.h>

#include "gpu_kernels.h"

/* Records "WHAT: cuda message" as the last error; returns -1 for `return gpu_fail(...)`. */
int gpu_fail(const char *what, cudaError_t e);
int gpu_fail_msg(const char *what);

/* 0 after a launch that queued fine, else -1 with the reason recorded. */
static inline int gpu_launched(const char *what)
{
    cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? 0 : gpu_fail(what, e);
}

__device__ __forceinline__ float warp_sum(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

static inline unsigned gpu_blocks_for(int64_t n, int threads)
{
    return (unsigned)((n + threads - 1) / threads);
}

#endif
