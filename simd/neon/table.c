/* The NEON (+dotprod, fp16) kernel table: formats with a NEON file override the scalar entry; row
 * and tile drivers are the generic ones over these dot products. */
#include "neon.h"

void simd_fill_neon(simd_kernels *k)
{
    k->quantize_act[TOLK_TYPE_Q8_0] = neon_quant_act_q8_0;
    k->quantize_act[TOLK_TYPE_Q8_1] = neon_quant_act_q8_1;
    k->quantize_act[TOLK_TYPE_Q8_K] = neon_quant_act_q8_k;
    k->quantize_act[TOLK_TYPE_F16] = neon_quant_act_f16;
    k->quantize_act[TOLK_TYPE_BF16] = neon_quant_act_bf16;

    k->dot[TOLK_TYPE_F32] = neon_dot_f32;
    k->dot[TOLK_TYPE_F16] = neon_dot_f16;
    k->dot[TOLK_TYPE_BF16] = neon_dot_bf16;
    k->dot[TOLK_TYPE_Q4_0] = neon_dot_q4_0;
    k->dot[TOLK_TYPE_Q4_1] = neon_dot_q4_1;
    k->dot[TOLK_TYPE_Q5_0] = neon_dot_q5_0;
    k->dot[TOLK_TYPE_Q5_1] = neon_dot_q5_1;
    k->dot[TOLK_TYPE_Q8_0] = neon_dot_q8_0;
    k->dot[TOLK_TYPE_Q2_K] = neon_dot_q2_k;
    k->dot[TOLK_TYPE_Q3_K] = neon_dot_q3_k;
    k->dot[TOLK_TYPE_Q4_K] = neon_dot_q4_k;
    k->dot[TOLK_TYPE_Q5_K] = neon_dot_q5_k;
    k->dot[TOLK_TYPE_Q6_K] = neon_dot_q6_k;
}
