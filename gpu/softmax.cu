/* Row softmax on the GPU, one 256-thread block per row: max, exps summed in double, one float
 * reciprocal (the CPU's ops_softmax uses a polynomial exp in groups of 16; results agree to a few
 * ulps, not bit for bit). */
#include "gpu_cuda.cuh"

__global__ void softmax_kernel(float *x, int64_t n)
{
    __shared__ float s_max[8];
    __shared__ double s_sum[8];
    float *r = x + (int64_t)blockIdx.x * n;
    const int lane = threadIdx.x & 31, w = threadIdx.x / 32, nw = blockDim.x / 32;
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        m = fmaxf(m, r[i]);
    m = warp_max(m);
    if (lane == 0)
        s_max[w] = m;
    __syncthreads();
    m = s_max[0];
    for (int k = 1; k < nw; k++)
        m = fmaxf(m, s_max[k]);
    double s = 0.0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
        const float e = expf(r[i] - m);
        r[i] = e;
        s += (double)e;
    }
    for (int o = 16; o > 0; o >>= 1)
        s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0)
        s_sum[w] = s;
    __syncthreads();
    double sum = 0.0;
    for (int k = 0; k < nw; k++)
        sum += s_sum[k];
    const float inv = (float)(1.0 / sum);
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        r[i] *= inv;
}

extern "C" int gpu_softmax(float *d_x, int64_t n, int64_t n_rows)
{
    softmax_kernel<<<(unsigned)n_rows, 256>>>(d_x, n);
    return gpu_launched("softmax");
}
