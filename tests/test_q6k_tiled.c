/* Q6_K batches of every path this CPU runs that promises llama.cpp's orders (ref_bits: scalar, AVX2,
 * AVX-512) against the scalar reference, bit for bit (docs/NUMERICS.md, "Q6_K prompt batches"): the
 * mat x mat at every batch size 1..40 over odd row counts and ranges, rows long enough for several
 * token passes (the one-token order below 8 tokens, the tiled order from 8: ref_matmul_q6_k), the
 * kernel named for speculative verification (one-token bits at any count), the stated exact count,
 * and that the two orders really differ on this data, so the comparison can tell them apart. */
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
#include "ref/ref.h"
#include "simd_testlib.h"
#include "skip.h"
#include "suite_run.h"

static const simd_isa isas[] = {SIMD_ISA_SCALAR, SIMD_ISA_AVX2, SIMD_ISA_AVX512};
enum { MAX_TOK = 40, ROWS = 45 };

/* A batch: random raw blocks (mode 0 sane, 1 extreme half scales) or quantized random rows (mode
 * 2), activations quantized from random data of every kind. */
static void make_batch(int64_t n, int mode, uint8_t *w, uint8_t *qx, uint64_t seed)
{
    const size_t wrb = simd_row_bytes(TOLK_TYPE_Q6_K, n), arb = simd_row_bytes(TOLK_TYPE_Q8_K, n);
    const simd_kernels *ref = simd_kernels_for(SIMD_ISA_SCALAR);
    float *x = malloc(sizeof(float) * (size_t)n);
    tl_seed(seed);
    for (int r = 0; r < ROWS; r++) {
        if (mode < 2) {
            tl_raw_blocks(TOLK_TYPE_Q6_K, w + r * wrb, n, mode);
        } else {
            tl_fill(x, n, r % TL_KINDS);
            simd_traits(TOLK_TYPE_Q6_K)->from_float(x, w + r * wrb, n);
        }
    }
    for (int t = 0; t < MAX_TOK; t++) {
        tl_fill(x, n, t % TL_KINDS);
        ref->quantize_act[TOLK_TYPE_Q8_K](x, qx + t * arb, n);
    }
    free(x);
}

/* What llama.cpp gives (row r, token t) in a batch of nt tokens. */
static float want(int64_t n, const uint8_t *wr, const uint8_t *xt, int nt)
{
    return nt >= Q6_K_TILED_MIN_TOK ? ref_dot_q6_k_tiled(n, wr, xt) : ref_dot_q6_k(n, wr, xt);
}

START_TEST(batches_give_llama_order)
{
    const uint32_t wt = TOLK_TYPE_Q6_K;
    /* 3 super-blocks: a chunk cut short; 16384: activations of 18688 bytes, passes of 16 tokens */
    const int64_t lens[] = {256, 768, 4096 + 256, 16384};
    const int64_t ranges[][2] = {{3, ROWS}, {0, 17}, {5, 6}, {8, 40}};
    int checked = 0, orders_differ = 0, paths = 0;
    for (int li = 0; li < 4; li++)
        for (int mode = 0; mode < 3; mode++) {
            if (li == 3 && mode != 2)
                continue;
            const int64_t n = lens[li];
            const size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(TOLK_TYPE_Q8_K, n);
            uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * MAX_TOK);
            float *y = malloc(sizeof(float) * ROWS * MAX_TOK);
            make_batch(n, mode, w, qx, 177 + 10 * (uint64_t)li + (uint64_t)mode);
            for (int r = 0; r < ROWS; r++) {
                float a = ref_dot_q6_k(n, w + r * wrb, qx), b = ref_dot_q6_k_tiled(n, w + r * wrb, qx);
                orders_differ += memcmp(&a, &b, 4) != 0;
            }
            for (size_t ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
                const simd_kernels *k = simd_kernels_for(isas[ii]);
                if (!k || !k->ref_bits[wt])
                    continue;
                paths += li == 0 && mode == 0;
                for (int nt = 1; nt <= MAX_TOK; nt++) {
                    if (li >= 2 && nt > 10 && nt % 7 != 0 && nt != MAX_TOK)
                        continue; /* long rows: fewer counts */
                    for (int kind = 0; kind < 2; kind++) {
                        simd_matmul_fn mm = kind == 0 ? k->matmul[wt] : k->matmul_one_order[wt];
                        if (!mm)
                            continue;
                        const int64_t r0 = ranges[(nt + kind) % 4][0], r1 = ranges[(nt + kind) % 4][1];
                        for (int i = 0; i < ROWS * MAX_TOK; i++)
                            y[i] = -777.0f;
                        mm(w, wrb, n, qx, arb, nt, y, ROWS, r0, r1);
                        for (int t = 0; t < MAX_TOK; t++)
                            for (int r = 0; r < ROWS; r++) {
                                const float got = y[t * ROWS + r];
                                if (t >= nt || r < r0 || r >= r1) {
                                    ck_assert_msg(got == -777.0f, "%s Q6_K: wrote outside its range", k->name);
                                    continue;
                                }
                                /* the verification kernel keeps the one-token order at any count */
                                const float ref = want(n, w + r * wrb, qx + t * arb, kind == 0 ? nt : 1);
                                ck_assert_msg(!memcmp(&got, &ref, 4),
                                              "%s Q6_K %s n=%lld mode %d, %d tokens, rows %lld..%lld: row %d tok %d: "
                                              "%.9g, llama.cpp's order %.9g",
                                              k->name, kind ? "one-order" : "matmul", (long long)n, mode, nt,
                                              (long long)r0, (long long)r1, r, t, got, ref);
                                checked++;
                            }
                    }
                }
            }
            free(w);
            free(qx);
            free(y);
        }
    ck_assert_int_gt(paths, 0);
    ck_assert_int_gt(checked, 0);
    /* else the batch comparisons could not tell the orders apart */
    ck_assert_msg(orders_differ > 20, "the two Q6_K orders differ on only %d rows", orders_differ);
}
END_TEST

/* The promises the driver relies on: Q6_K batches keep the one-token bits only below 8 tokens. */
START_TEST(exact_counts_stated)
{
    for (size_t ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
        const simd_kernels *k = simd_kernels_for(isas[ii]);
        if (!k || !k->ref_bits[TOLK_TYPE_Q6_K] || !k->matmul[TOLK_TYPE_Q6_K])
            continue;
        ck_assert_msg(k->matmul_exact[TOLK_TYPE_Q6_K] == Q6_K_TILED_MIN_TOK - 1, "%s: Q6_K exact %lld", k->name,
                      (long long)k->matmul_exact[TOLK_TYPE_Q6_K]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("q6k_tiled");
    TCase *tc = tcase_create("q6k");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, batches_give_llama_order);
    tcase_add_test(tc, exact_counts_stated);
    suite_add_tcase(s, tc);
    return suite_failures(s, true) ? EXIT_FAILURE : EXIT_SUCCESS;
}
