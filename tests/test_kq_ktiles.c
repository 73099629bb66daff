/* Q4_K and Q6_K batches long and wide enough for every loop of the AVX2 panels' tiling
 * (gemm_kq.c, q6k_tiled.c): rows of 17 super-blocks (K-tiles of 8, 8 and 1), row ranges past one
 * row block of 128 and ending in a short panel, several passes of tokens (passes are sized by a
 * K-tile's activations: 112 tokens) with a last pass of n % 4 != 0 tokens (Q4_K's tail in the
 * one-token order). Every path this CPU runs that promises the scalar reference's bits (ref_bits)
 * must give them, bit for bit, and write nothing outside its rows and tokens. */
#ifdef TOLK_CHECK_SHIM
#include "check_shim.h"
#else
#include <check.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h"
#include "kernels.h"
#include "simd_testlib.h"
#include "skip.h"
#include "suite_run.h"

static const simd_isa isas[] = {SIMD_ISA_AVX2, SIMD_ISA_AVX512};
static const uint32_t types[] = {TOLK_TYPE_Q4_K, TOLK_TYPE_Q6_K};
enum { ROWS = 150, NTOK = 243 };

START_TEST(tiled_batches_give_reference_bits)
{
    const uint32_t wt = types[_i];
    const int64_t n = 17 * 256;
    const int64_t ranges[][2] = {{3, 147}, {0, 150}, {129, 150}};
    const int counts[] = {NTOK, 117, 20};
    const size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(TOLK_TYPE_Q8_K, n);
    const simd_kernels *ref = simd_kernels_for(SIMD_ISA_SCALAR);
    uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * NTOK);
    float *x = malloc(sizeof(float) * (size_t)n), *y = malloc(sizeof(float) * ROWS * NTOK),
          *yr = malloc(sizeof(float) * ROWS * NTOK);
    ck_assert(w && qx && x && y && yr);
    tl_seed(901 + (uint64_t)_i);
    for (int r = 0; r < ROWS; r++)
        tl_raw_blocks(wt, w + r * wrb, n, r % 7 == 3);
    for (int t = 0; t < NTOK; t++) {
        tl_fill(x, n, t % TL_KINDS);
        ref->quantize_act[TOLK_TYPE_Q8_K](x, qx + t * arb, n);
    }
    int checked = 0;
    for (size_t ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
        const simd_kernels *k = simd_kernels_for(isas[ii]);
        if (!k || !k->ref_bits[wt] || !k->matmul[wt])
            continue;
        for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++) {
            const int nt = counts[ci];
            const int64_t r0 = ranges[ci][0], r1 = ranges[ci][1];
            ref->matmul[wt](w, wrb, n, qx, arb, nt, yr, ROWS, r0, r1);
            for (int i = 0; i < ROWS * NTOK; i++)
                y[i] = -777.0f;
            k->matmul[wt](w, wrb, n, qx, arb, nt, y, ROWS, r0, r1);
            for (int t = 0; t < NTOK; t++)
                for (int r = 0; r < ROWS; r++) {
                    const float got = y[t * ROWS + r];
                    if (t >= nt || r < r0 || r >= r1) {
                        ck_assert_msg(got == -777.0f, "%s %s: wrote outside its range", k->name,
                                      simd_traits(wt)->name);
                        continue;
                    }
                    const float want = yr[t * ROWS + r];
                    ck_assert_msg(!memcmp(&got, &want, 4),
                                  "%s %s %d tokens rows %lld..%lld: row %d tok %d: %.9g, reference %.9g", k->name,
                                  simd_traits(wt)->name, nt, (long long)r0, (long long)r1, r, t, got, want);
                    checked++;
                }
        }
    }
    free(w);
    free(qx);
    free(x);
    free(y);
    free(yr);
    ck_assert_int_gt(checked, 0);
}
END_TEST

/* Whether some path of this CPU promises the reference's bits for type WT. */
static bool has_path(uint32_t wt)
{
    for (size_t ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
        const simd_kernels *k = simd_kernels_for(isas[ii]);
        if (k && k->ref_bits[wt] && k->matmul[wt])
            return true;
    }
    return false;
}

int main(void)
{
    if (!has_path(types[0]) || !has_path(types[1])) {
        skip_cpu("tiled_batches_give_reference_bits", "no x86 path of this CPU promises the reference's Q4_K / Q6_K bits");
        return 77;
    }
    Suite *s = suite_create("kq_ktiles");
    TCase *tc = tcase_create("kq");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, tiled_batches_give_reference_bits, 0, 2);
    suite_add_tcase(s, tc);
    return suite_failures(s, true) ? EXIT_FAILURE : EXIT_SUCCESS;
}
