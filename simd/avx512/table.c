/* The AVX-512 kernel table: starts from the AVX2 table (dispatch.c fills that first) and overrides
 * the dot products that have an AVX-512 version; the others keep their AVX2 kernels. The row and
 * batch kernels come after, from gemm_table.c. */
#include "avx512.h"

void simd_fill_avx512(simd_kernels *k)
{
    k->dot[TOLK_TYPE_Q8_0] = avx512_dot_q8_0;
    k->dot[TOLK_TYPE_Q4_0] = avx512_dot_q4_0;
    k->dot[TOLK_TYPE_Q5_0] = avx512_dot_q5_0;
    k->dot[TOLK_TYPE_Q4_K] = avx512_dot_q4_k;
    k->dot[TOLK_TYPE_Q6_K] = avx512_dot_q6_k;
    k->dot[TOLK_TYPE_F16] = avx512_dot_f16;
    k->dot[TOLK_TYPE_BF16] = avx512_dot_bf16;
}
