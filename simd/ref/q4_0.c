/* Q4_0: 32 weights per block, one half scale, 4-bit codes offset by 8. Pairs with Q8_0
 * activations; the dot sums integer products per block, then adds them scaled by d_w * d_x in
 * llama.cpp's order (one fused multiply-add per block, see ref_dot_q4_0). */
#include <math.h>
#include <string.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

void ref_dequant_q4_0(const void *src, float *dst, int64_t n)
{
    const block_q4_0 *b = src;
    for (int64_t i = 0; i < n / QK4_0; i++, dst += QK4_0) {
        float d = half_load(&b[i].d);
        for (int j = 0; j < 16; j++) {
            dst[j] = d * (float)((b[i].qs[j] & 15) - 8);
            dst[j + 16] = d * (float)((b[i].qs[j] >> 4) - 8);
        }
    }
}

/* The signed value of largest magnitude maps to code 0 (-8), so the sign of d follows it. */
void ref_quant_q4_0(const float *src, void *dst, int64_t n)
{
    block_q4_0 *b = dst;
    for (int64_t i = 0; i < n / QK4_0; i++, src += QK4_0) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK4_0; j++) {
            if (amax < fabsf(src[j])) {
                amax = fabsf(src[j]);
                max = src[j];
            }
        }
        float d = max / -8.0f;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = half_from_f32(d);
        for (int j = 0; j < 16; j++) {
            int8_t lo = (int8_t)(src[j] * id + 8.5f), hi = (int8_t)(src[j + 16] * id + 8.5f);
            if (lo > 15)
                lo = 15;
            if (hi > 15)
                hi = 15;
            b[i].qs[j] = (uint8_t)(lo | (hi << 4));
        }
    }
}

/* llama.cpp's order on x86 (its repacked q4_0_8x8 kernels, ggml-cpu/arch/x86/repack.cpp, for one
 * token and for batches alike): per block the exact integer dot of the codes minus 8 with the
 * activation bytes, converted to float, then ONE fused multiply-add per block, in block order,
 * with the product d_w * d_x rounded to float first. No partial sums over lanes or block pairs. */
float ref_dot_q4_0(int64_t n, const void *w, const void *x)
{
    const block_q4_0 *a = w;
    const block_q8_0 *q = x;
    float acc = 0.0f;
    for (int64_t i = 0; i < n / QK4_0; i++) {
        int isum = 0;
        for (int j = 0; j < 16; j++)
            isum += ((a[i].qs[j] & 15) - 8) * q[i].qs[j] + ((a[i].qs[j] >> 4) - 8) * q[i].qs[j + 16];
        float d = half_load(&a[i].d) * half_load(&q[i].d);
        acc = fmaf((float)isum, d, acc);
    }
    return acc;
}
