/* The gated FFN activations on the GPU: SwiGLU (silu(gate) * up) and GeGLU with ggml's f16-table
 * semantics (the tanh GELU of the f16-rounded input, rounded to f16; 0 below -10, x above 10). */
#include "gpu_blocks.h"
#include "gpu_cuda.cuh"

__global__ void swiglu_kernel(const float *gate, const float *up, float *out, int64_t n)
{
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        const float g = gate[i];
        out[i] = __fmul_rn(__fdiv_rn(g, __fadd_rn(1.0f, expf(-g))), up[i]);
    }
}

__device__ float gelu_tanh_f16(float g)
{
    const float x = gpu_half_to_f32(gpu_f32_to_half(g));
    const float k = 0.79788456080286535587989211986876f;
    const float inner = __fmul_rn(__fmul_rn(k, x), fmaf(__fmul_rn(0.044715f, x), x, 1.0f));
    const float v = __fmul_rn(__fmul_rn(0.5f, x), __fadd_rn(1.0f, tanhf(inner)));
    return gpu_half_to_f32(gpu_f32_to_half(v));
}

__global__ void geglu_kernel(const float *gate, const float *up, float *out, int64_t n)
{
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        const float g = gate[i];
        const float a = g <= -10.0f ? 0.0f : g >= 10.0f ? g : gelu_tanh_f16(g);
        out[i] = __fmul_rn(a, up[i]);
    }
}

extern "C" int gpu_swiglu(const float *d_gate, const float *d_up, float *d_out, int64_t n)
{
    swiglu_kernel<<<gpu_blocks_for(n, 256), 256>>>(d_gate, d_up, d_out, n);
    return gpu_launched("swiglu");
}

extern "C" int gpu_geglu(const float *d_gate, const float *d_up, float *d_out, int64_t n)
{
    geglu_kernel<<<gpu_blocks_for(n, 256), 256>>>(d_gate, d_up, d_out, n);
    return gpu_launched("geglu");
}
