/* Grouped-query attention over the F16 KV cache on the GPU, decode and prompt alike: one
 * 128-thread block per (head, token); each warp walks every fourth key with an online softmax
 * (running max, sum and weighted value sum, a lane holding head_dim/32 elements), then the four
 * partial results are merged. Any context length fits: nothing is kept per key. */
#include <cuda_fp16.h>

#include "gpu_cuda.cuh"

#define ATT_WARPS 4
#define ATT_PER_LANE (GPU_MAX_HEAD_DIM / 32)

__global__ void attention_kernel(const float *q, const uint16_t *k, const uint16_t *v, float *out, int64_t pos0,
                                 int64_t n_head, int64_t group, int64_t head_dim, int64_t kv_stride,
                                 int64_t window, float scale)
{
    __shared__ float s_m[ATT_WARPS], s_l[ATT_WARPS];
    __shared__ float s_acc[ATT_WARPS][GPU_MAX_HEAD_DIM];
    const int64_t h = blockIdx.x, t = blockIdx.y, g = h / group;
    const int lane = threadIdx.x & 31, w = threadIdx.x / 32, per = (int)(head_dim / 32);
    const float *qh = q + (t * n_head + h) * head_dim;
    const int64_t pos = pos0 + t, lo = window > 0 && pos - window + 1 > 0 ? pos - window + 1 : 0;
    float qv[ATT_PER_LANE], acc[ATT_PER_LANE];
    for (int e = 0; e < per; e++) {
        qv[e] = qh[lane + 32 * e];
        acc[e] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    for (int64_t j = lo + w; j <= pos; j += ATT_WARPS) {
        const uint16_t *kr = k + j * kv_stride + g * head_dim, *vr = v + j * kv_stride + g * head_dim;
        float s = 0.0f;
        for (int e = 0; e < per; e++)
            s += qv[e] * __half2float(__ushort_as_half(kr[lane + 32 * e]));
        s = warp_sum(s) * scale;
        const float m_new = fmaxf(m, s), corr = expf(m - m_new), p = expf(s - m_new);
        l = l * corr + p;
        for (int e = 0; e < per; e++)
            acc[e] = acc[e] * corr + p * __half2float(__ushort_as_half(vr[lane + 32 * e]));
        m = m_new;
    }
    if (lane == 0) {
        s_m[w] = m;
        s_l[w] = l;
    }
    for (int e = 0; e < per; e++)
        s_acc[w][lane + 32 * e] = acc[e];
    __syncthreads();
    float mm = -INFINITY;
    for (int k2 = 0; k2 < ATT_WARPS; k2++)
        mm = fmaxf(mm, s_m[k2]);
    float ll = 0.0f, f[ATT_WARPS];
    for (int k2 = 0; k2 < ATT_WARPS; k2++) {
        f[k2] = s_l[k2] > 0.0f ? expf(s_m[k2] - mm) : 0.0f;
        ll += s_l[k2] * f[k2];
    }
    float *o = out + (t * n_head + h) * head_dim;
    for (int64_t d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float s = 0.0f;
        for (int k2 = 0; k2 < ATT_WARPS; k2++)
            s += s_acc[k2][d] * f[k2];
        o[d] = s / ll;
    }
}

extern "C" int gpu_attention(const float *d_q, const uint16_t *d_k, const uint16_t *d_v, float *d_out,
                             int64_t n_tok, int64_t pos0, int64_t n_head, int64_t n_head_kv, int64_t head_dim,
                             int64_t kv_stride, int64_t window, float scale)
{
    if (head_dim % 32 || head_dim > GPU_MAX_HEAD_DIM || head_dim <= 0)
        return gpu_fail_msg("attention: head_dim must be a multiple of 32 up to 256");
    if (n_head_kv <= 0 || n_head % n_head_kv)
        return gpu_fail_msg("attention: n_head must be a multiple of n_head_kv");
    const dim3 grid((unsigned)n_head, (unsigned)n_tok);
    attention_kernel<<<grid, 32 * ATT_WARPS>>>(d_q, d_k, d_v, d_out, pos0, n_head, n_head / n_head_kv, head_dim,
                                               kv_stride, window, scale);
    return gpu_launched("attention");
}
