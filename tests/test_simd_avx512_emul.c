/* Runs the AVX-512 kernels on CPUs without AVX-512: the simd/avx512 files are compiled a second time
 * with tests/avx512_emul.h force-included (portable lane-by-lane intrinsics), and their dot
 * products are checked against the scalar reference like test_simd_isa does (unit scales: exact;
 * random raw blocks and quantized rows: within 2e-5 * sum |w x|). This checks the kernels' indexing
 * and lane logic; the real instructions are exercised by test_simd_avx512 on AVX-512 hardware. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernels.h"
#include "simd_testlib.h"
#include "suite_run.h"

static const simd_kernels *ref_k;
static simd_kernels emu_k;

static const uint32_t emu_types[] = {TOLK_TYPE_Q8_0, TOLK_TYPE_Q4_0, TOLK_TYPE_Q5_0, TOLK_TYPE_Q4_K,
                                     TOLK_TYPE_Q6_K, TOLK_TYPE_F16,  TOLK_TYPE_BF16};

START_TEST(emulated_avx512_dots_match_reference)
{
    uint32_t wt = emu_types[_i], at = simd_act_type(wt);
    ck_assert_msg(emu_k.dot[wt] != ref_k->dot[wt], "%s has no AVX-512 kernel", simd_traits(wt)->name);
    const int64_t lens[] = {256, 768, 4096};
    for (int li = 0; li < 3; li++) {
        int64_t n = lens[li];
        uint8_t *w = malloc(simd_row_bytes(wt, n)), *qx = malloc(simd_row_bytes(at, n));
        float *x = malloc(n * sizeof(float));
        for (int mode = 0; mode < 4; mode++) {
            tl_seed(700 + 10 * li + mode);
            if (mode < 3)
                tl_raw_blocks(wt, w, n, mode);
            else {
                tl_fill(x, n, TL_OUTLIERS);
                simd_quantize_row(wt, x, w, n);
            }
            if (mode == 2)
                tl_unit_act(at, qx, n);
            else {
                tl_fill(x, n, mode == 1 && at == TOLK_TYPE_F16 ? TL_TINY : TL_NORMAL);
                ref_k->quantize_act[at](x, qx, n);
            }
            float got = emu_k.dot[wt](n, w, qx), ref = ref_k->dot[wt](n, w, qx);
            if (mode == 2) {
                ck_assert_msg(got == ref, "%s n %ld unit scales: %.9g, scalar %.9g", simd_traits(wt)->name, (long)n,
                              got, ref);
                continue;
            }
            double abs_sum, exact = tl_float_dot(wt, w, at, qx, n, &abs_sum);
            ck_assert_msg(fabs(got - exact) <= 2e-5 * abs_sum + 1e-30, "%s n %ld mode %d: %.9g, exact %.9g",
                          simd_traits(wt)->name, (long)n, mode, got, exact);
        }
        free(w);
        free(qx);
        free(x);
    }
}
END_TEST

int main(void)
{
    if (!simd_cpu_has(SIMD_ISA_AVX2)) {
        printf("SKIP: the emulation is built with AVX2 for its 256-bit parts and this CPU lacks AVX2\n");
        return 77;
    }
    ref_k = simd_kernels_for(SIMD_ISA_SCALAR);
    emu_k = *ref_k;
    emu_simd_fill_avx512(&emu_k);
    Suite *s = suite_create("simd_avx512_emulated");
    TCase *tc = tcase_create("avx512_emulated");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, emulated_avx512_dots_match_reference, 0, sizeof(emu_types) / sizeof(emu_types[0]));
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
