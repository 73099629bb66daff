/* The AVX-512 kernel table: starts from the AVX2 table (dispatch.c fills that first) and overrides
 * the formats that have an AVX-512 file. */
#include "avx512.h"

void simd_fill_avx512(simd_kernels *k)
{
    k->dot[TOLK_TYPE_Q8_0] = avx512_dot_q8_0;
}
