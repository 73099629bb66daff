/* Device memory for the offload path: allocation, copies in both directions and the last-error
 * text every gpu_* kernel function reports through. */
#include <stdio.h>

#include "gpu_cuda.cuh"

static char last_error[256];

extern "C" const char *gpu_last_error(void)
{
    return last_error;
}

int gpu_fail(const char *what, cudaError_t e)
{
    snprintf(last_error, sizeof last_error, "%s: %s", what, cudaGetErrorString(e));
    cudaGetLastError(); /* clear a non-sticky error so the next call starts clean */
    return -1;
}

int gpu_fail_msg(const char *what)
{
    snprintf(last_error, sizeof last_error, "%s", what);
    return -1;
}

extern "C" void *gpu_alloc(size_t bytes)
{
    void *p = NULL;
    cudaError_t e = cudaMalloc(&p, bytes ? bytes : 1);
    if (e != cudaSuccess) {
        gpu_fail("cudaMalloc", e);
        return NULL;
    }
    return p;
}

extern "C" void gpu_free(void *d_p)
{
    if (d_p)
        cudaFree(d_p);
}

extern "C" int gpu_upload(void *d_dst, const void *src, size_t bytes)
{
    cudaError_t e = cudaMemcpy(d_dst, src, bytes, cudaMemcpyHostToDevice);
    return e == cudaSuccess ? 0 : gpu_fail("upload", e);
}

extern "C" int gpu_download(void *dst, const void *d_src, size_t bytes)
{
    cudaError_t e = cudaMemcpy(dst, d_src, bytes, cudaMemcpyDeviceToHost);
    return e == cudaSuccess ? 0 : gpu_fail("download", e);
}

extern "C" int gpu_sync(void)
{
    cudaError_t e = cudaDeviceSynchronize();
    return e == cudaSuccess ? 0 : gpu_fail("synchronize", e);
}
