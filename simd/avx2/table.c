/* The AVX2 (+FMA, F16C) kernel table: every format with an AVX2 file overrides the scalar entry;
 * the rest keep their references. */
#include "avx2.h"

void simd_fill_avx2(simd_kernels *k)
{
    k->quantize_act[TOLK_TYPE_Q8_0] = avx2_quant_act_q8_0;
    k->quantize_act[TOLK_TYPE_Q8_1] = avx2_quant_act_q8_1;
    k->quantize_act[TOLK_TYPE_Q8_K] = avx2_quant_act_q8_k;
    k->quantize_act[TOLK_TYPE_F16] = avx2_quant_act_f16;
    k->quantize_act[TOLK_TYPE_BF16] = avx2_quant_act_bf16;

    k->dot[TOLK_TYPE_Q8_0] = avx2_dot_q8_0;
    k->matmul[TOLK_TYPE_Q8_0] = avx2_matmul_q8_0;
}
