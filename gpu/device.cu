/* CUDA device discovery for the offload path: how many devices there are and what they are.
 * Errors from the runtime (no driver, no device) mean "no GPU", never a failure. */
#include <stdio.h>

#include <cuda_runtime.h>

#include "gpu.h"

extern "C" int gpu_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError(); /* clear the sticky error so later calls start clean */
        return 0;
    }
    return n;
}

extern "C" int gpu_describe(int i, char *buf, size_t n)
{
    cudaDeviceProp p;
    if (i < 0 || i >= gpu_device_count() || cudaGetDeviceProperties(&p, i) != cudaSuccess)
        return -1;
    snprintf(buf, n, "%s, %.1f GiB, sm_%d%d", p.name, (double)p.totalGlobalMem / (1024.0 * 1024 * 1024),
             p.major, p.minor);
    return 0;
}

extern "C" const char *gpu_backend(void)
{
    return "cuda";
}
