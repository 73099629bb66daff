/* RoPE on the GPU from the CPU's per-position cos/sin tables (ops_rope_cache), both pairings:
 * neox rotates (i, i + n_rot/2), the other style adjacent pairs (2i, 2i+1). The products round as
 * in ops_rope_apply (first product fused), so results match the CPU bit for bit. */
#include "gpu_cuda.cuh"

__global__ void rope_kernel(float *x, int64_t head_dim, int64_t n_heads, int64_t n_rot, int neox, const float *cs,
                            int64_t n_pairs_total)
{
    const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= n_pairs_total)
        return;
    const int64_t half = n_rot / 2, i = k % half, head = k / half; /* head counts over all tokens */
    const int64_t t = head / n_heads;
    float *h = x + head * head_dim;
    const int64_t a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
    const float c = cs[t * n_rot + 2 * i], s = cs[t * n_rot + 2 * i + 1];
    const float x0 = h[a], x1 = h[b];
    h[a] = fmaf(x0, c, -__fmul_rn(x1, s));
    h[b] = fmaf(x0, s, __fmul_rn(x1, c));
}

extern "C" int gpu_rope(float *d_x, int64_t head_dim, int64_t n_heads, int64_t n_tok, int64_t n_rot, int neox,
                        const float *d_cs)
{
    if (n_rot % 2 || n_rot > head_dim)
        return gpu_fail_msg("rope: n_rot must be even and at most head_dim");
    const int64_t total = n_tok * n_heads * (n_rot / 2);
    rope_kernel<<<gpu_blocks_for(total, 256), 256>>>(d_x, head_dim, n_heads, n_rot, neox, d_cs, total);
    return gpu_launched("rope");
}
