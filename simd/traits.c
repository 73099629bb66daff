/* The traits table: block size and bytes per block for every ggml type id (sizes from the block
 * structs in ggml-common.h, re-derived field by field) and the scalar reference kernels of each
 * format. The per-ISA fast paths hang off the same ids in dispatch.c. */
#include <stddef.h>

#include "ref/ref.h"
#include "simd.h"

static const simd_type_traits type_traits[TOLK_TYPE_COUNT] = {
    [TOLK_TYPE_F32] = {"F32", 1, 4, false, TOLK_TYPE_F32, ref_dequant_f32, ref_quant_f32, ref_dot_f32},
    [TOLK_TYPE_F16] = {"F16", 1, 2, false, TOLK_TYPE_F16, ref_dequant_f16, ref_quant_f16, ref_dot_f16},
    [TOLK_TYPE_Q4_0] = {"Q4_0", 32, 18, true, TOLK_TYPE_Q8_0, ref_dequant_q4_0, ref_quant_q4_0, ref_dot_q4_0},
    [TOLK_TYPE_Q4_1] = {"Q4_1", 32, 20, true, TOLK_TYPE_Q8_1, ref_dequant_q4_1, ref_quant_q4_1, ref_dot_q4_1},
    [TOLK_TYPE_Q5_0] = {"Q5_0", 32, 22, true, TOLK_TYPE_Q8_0, ref_dequant_q5_0, ref_quant_q5_0, ref_dot_q5_0},
    [TOLK_TYPE_Q5_1] = {"Q5_1", 32, 24, true, TOLK_TYPE_Q8_1, ref_dequant_q5_1, ref_quant_q5_1, ref_dot_q5_1},
    [TOLK_TYPE_Q8_0] = {"Q8_0", 32, 34, true, TOLK_TYPE_Q8_0, ref_dequant_q8_0, ref_quant_q8_0, ref_dot_q8_0},
    [TOLK_TYPE_Q8_1] = {"Q8_1", 32, 36, true, TOLK_TYPE_Q8_1, ref_dequant_q8_1, ref_quant_q8_1, NULL},
    [TOLK_TYPE_Q2_K] = {"Q2_K", 256, 84, true, TOLK_TYPE_Q8_K, ref_dequant_q2_k, ref_quant_q2_k, ref_dot_q2_k},
    [TOLK_TYPE_Q3_K] = {"Q3_K", 256, 110, true, TOLK_TYPE_Q8_K, ref_dequant_q3_k, ref_quant_q3_k, ref_dot_q3_k},
    [TOLK_TYPE_Q4_K] = {"Q4_K", 256, 144, true, TOLK_TYPE_Q8_K, ref_dequant_q4_k, ref_quant_q4_k, ref_dot_q4_k},
    [TOLK_TYPE_Q5_K] = {"Q5_K", 256, 176, true, TOLK_TYPE_Q8_K, ref_dequant_q5_k, ref_quant_q5_k, ref_dot_q5_k},
    [TOLK_TYPE_Q6_K] = {"Q6_K", 256, 210, true, TOLK_TYPE_Q8_K, ref_dequant_q6_k, ref_quant_q6_k, ref_dot_q6_k},
    [TOLK_TYPE_Q8_K] = {"Q8_K", 256, 292, true, TOLK_TYPE_Q8_K, ref_dequant_q8_k, ref_quant_q8_k, NULL},
    [TOLK_TYPE_IQ2_XXS] = {"IQ2_XXS", 256, 66, true, 0, NULL, NULL, NULL},
    [TOLK_TYPE_IQ2_XS] = {"IQ2_XS", 256, 74, true, 0, NULL, NULL, NULL},
    [TOLK_TYPE_IQ3_XXS] = {"IQ3_XXS", 256, 98, true, 0, NULL, NULL, NULL},
    [TOLK_TYPE_IQ1_S] = {"IQ1_S", 256, 50, true, 0, NULL, NULL, NULL},
    [TOLK_TYPE_IQ4_NL] = {"IQ4_NL", 32, 18, true, TOLK_TYPE_Q8_0, ref_dequant_iq4_nl, ref_quant_iq4_nl, ref_dot_iq4_nl},
    [TOLK_TYPE_IQ3_S] = {"IQ3_S", 256, 110, true, 0, NULL, NULL, NULL},
    [TOLK_TYPE_IQ2_S] = {"IQ2_S", 256, 82, true, 0, NULL, NULL, NULL},
    [TOLK_TYPE_IQ4_XS] = {"IQ4_XS", 256, 136, true, TOLK_TYPE_Q8_K, ref_dequant_iq4_xs, ref_quant_iq4_xs, ref_dot_iq4_xs},
    [TOLK_TYPE_I8] = {"I8", 1, 1, false, 0, NULL, NULL, NULL},
    [TOLK_TYPE_I16] = {"I16", 1, 2, false, 0, NULL, NULL, NULL},
    [TOLK_TYPE_I32] = {"I32", 1, 4, false, 0, NULL, NULL, NULL},
    [TOLK_TYPE_I64] = {"I64", 1, 8, false, 0, NULL, NULL, NULL},
    [TOLK_TYPE_F64] = {"F64", 1, 8, false, 0, NULL, NULL, NULL},
    [TOLK_TYPE_IQ1_M] = {"IQ1_M", 256, 56, true, 0, NULL, NULL, NULL},
    [TOLK_TYPE_BF16] = {"BF16", 1, 2, false, TOLK_TYPE_BF16, ref_dequant_bf16, ref_quant_bf16, ref_dot_bf16},
    [TOLK_TYPE_TQ1_0] = {"TQ1_0", 256, 54, true, 0, NULL, NULL, NULL},
    [TOLK_TYPE_TQ2_0] = {"TQ2_0", 256, 66, true, 0, NULL, NULL, NULL},
    [TOLK_TYPE_MXFP4] = {"MXFP4", 32, 17, true, 0, NULL, NULL, NULL},
};

const simd_type_traits *simd_traits(uint32_t type)
{
    if (type >= TOLK_TYPE_COUNT || type_traits[type].block_size == 0)
        return NULL;
    return &type_traits[type];
}

size_t simd_row_bytes(uint32_t type, int64_t n)
{
    const simd_type_traits *t = simd_traits(type);
    return t ? (size_t)(n / t->block_size) * t->type_size : 0;
}

uint32_t simd_act_type(uint32_t wtype)
{
    const simd_type_traits *t = simd_traits(wtype);
    return t && t->dot ? t->act_type : TOLK_TYPE_F32;
}

size_t simd_act_row_bytes(uint32_t wtype, int64_t n)
{
    return simd_row_bytes(simd_act_type(wtype), n);
}

bool simd_quantize_row(uint32_t type, const float *src, void *dst, int64_t n)
{
    const simd_type_traits *t = simd_traits(type);
    if (!t || !t->from_float || n % t->block_size)
        return false;
    t->from_float(src, dst, n);
    return true;
}
