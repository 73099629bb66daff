/* IQ4_NL and IQ4_XS kernels of every path this CPU runs (scalar, AVX2, AVX-512, NEON) against the
 * scalar reference of llama.cpp's orders (docs/FORMATS-IQ4.md), bit for bit: the mat x mat at every
 * batch size 1..40 over odd row counts and ranges (IQ4_NL: the one-token bits at every count;
 * IQ4_XS: the one-token order below 8 tokens, the tiled batch order from 8, ref_matmul_iq4_xs), the
 * kernel named for speculative verification (one-token bits at any count), and that the two IQ4_XS
 * orders really differ on this data, so the comparison can tell them apart; IQ4_XS batches at the
 * largest integer sums the format allows (iq4_xs_gemm.c's int16 panels). */
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

static const uint32_t types[] = {TOLK_TYPE_IQ4_NL, TOLK_TYPE_IQ4_XS};
static const simd_isa isas[] = {SIMD_ISA_SCALAR, SIMD_ISA_AVX2, SIMD_ISA_AVX512, SIMD_ISA_NEON};
enum { MAX_TOK = 40, ROWS = 45 };

/* A batch: random raw blocks (mode 0 sane, 1 extreme half scales) or quantized random rows (mode
 * 2), activations quantized from random data of every kind. */
static void make_batch(uint32_t wt, int64_t n, int mode, uint8_t *w, uint8_t *qx, uint64_t seed)
{
    const uint32_t at = simd_act_type(wt);
    const size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
    const simd_kernels *ref = simd_kernels_for(SIMD_ISA_SCALAR);
    float *x = malloc(sizeof(float) * (size_t)n);
    tl_seed(seed);
    for (int r = 0; r < ROWS; r++) {
        if (mode < 2) {
            tl_raw_blocks(wt, w + r * wrb, n, mode);
        } else {
            tl_fill(x, n, r % TL_KINDS);
            simd_traits(wt)->from_float(x, w + r * wrb, n);
        }
    }
    for (int t = 0; t < MAX_TOK; t++) {
        tl_fill(x, n, t % TL_KINDS);
        ref->quantize_act[at](x, qx + t * arb, n);
    }
    free(x);
}

/* What llama.cpp gives (row r, token t) in a batch of nt tokens. */
static float want(uint32_t wt, int64_t n, const uint8_t *wr, const uint8_t *xt, int nt)
{
    if (wt == TOLK_TYPE_IQ4_NL)
        return ref_dot_iq4_nl(n, wr, xt);
    return nt >= IQ4_XS_TILED_MIN_TOK ? ref_dot_iq4_xs_tiled(n, wr, xt) : ref_dot_iq4_xs(n, wr, xt);
}

/* Every path's mat x mat (and its verification kernel) at 1..MAX_TOK tokens over rows [r0, r1). */
START_TEST(batches_give_llama_order)
{
    const uint32_t wt = types[_i], at = simd_act_type(wt);
    const int64_t lens[] = {256, 640 * 2, 4096 + 256};
    const int64_t ranges[][2] = {{3, ROWS}, {0, 17}, {5, 6}, {8, 40}};
    int checked = 0, orders_differ = 0;
    for (int li = 0; li < 3; li++)
        for (int mode = 0; mode < 3; mode++) {
            const int64_t n = lens[li];
            const size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
            uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * MAX_TOK);
            float *y = malloc(sizeof(float) * ROWS * MAX_TOK);
            make_batch(wt, n, mode, w, qx, 77 + 10 * (uint64_t)li + (uint64_t)mode);
            if (wt == TOLK_TYPE_IQ4_XS)
                for (int r = 0; r < ROWS; r++) {
                    float a = ref_dot_iq4_xs(n, w + r * wrb, qx), b = ref_dot_iq4_xs_tiled(n, w + r * wrb, qx);
                    orders_differ += memcmp(&a, &b, 4) != 0;
                }
            for (size_t ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
                const simd_kernels *k = simd_kernels_for(isas[ii]);
                if (!k)
                    continue;
                for (int nt = 1; nt <= MAX_TOK; nt++) {
                    if (li == 2 && nt > 10 && nt % 7 != 0 && nt != MAX_TOK)
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
                                    ck_assert_msg(got == -777.0f, "%s %s: wrote outside its range", k->name,
                                                  simd_traits(wt)->name);
                                    continue;
                                }
                                /* the verification kernel keeps the one-token order at any count */
                                const float ref = want(wt, n, w + r * wrb, qx + t * arb, kind == 0 ? nt : 1);
                                ck_assert_msg(!memcmp(&got, &ref, 4),
                                              "%s %s %s n=%lld mode %d, %d tokens, rows %lld..%lld: row %d tok %d: "
                                              "%.9g, llama.cpp's order %.9g",
                                              k->name, simd_traits(wt)->name, kind ? "one-order" : "matmul",
                                              (long long)n, mode, nt, (long long)r0, (long long)r1, r, t, got, ref);
                                checked++;
                            }
                    }
                }
            }
            free(w);
            free(qx);
            free(y);
        }
    ck_assert_int_gt(checked, 0);
    if (wt == TOLK_TYPE_IQ4_XS) /* else the batch comparisons could not tell the orders apart */
        ck_assert_msg(orders_differ > 10, "the two IQ4_XS orders differ on only %d rows", orders_differ);
}
END_TEST

/* The promises the driver relies on: IQ4_NL batches keep the one-token bits at any count, IQ4_XS
 * batches only below 8 tokens (and the verification kernel, where present, at any count). */
START_TEST(exact_counts_stated)
{
    for (size_t ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
        const simd_kernels *k = simd_kernels_for(isas[ii]);
        if (!k)
            continue;
        if (k->matmul[TOLK_TYPE_IQ4_XS])
            ck_assert_msg(k->matmul_exact[TOLK_TYPE_IQ4_XS] == IQ4_XS_TILED_MIN_TOK - 1, "%s: IQ4_XS exact %lld",
                          k->name, (long long)k->matmul_exact[TOLK_TYPE_IQ4_XS]);
        if (k->matmul[TOLK_TYPE_IQ4_NL])
            ck_assert_msg(k->matmul_exact[TOLK_TYPE_IQ4_NL] == INT64_MAX, "%s: IQ4_NL exact %lld", k->name,
                          (long long)k->matmul_exact[TOLK_TYPE_IQ4_NL]);
    }
}
END_TEST

/* The largest integer sums the formats allow: every IQ4_XS weight -127 (code 0) at run scale -32
 * (or 31), activations all +127 or all -127 (or alternating), so the int16 panels' products
 * (|v * ls| <= 4064) and int32 sums are at their bounds: every path's batch still gives the
 * reference's bits, and the sum is the exact integer one. */
START_TEST(iq4_xs_extreme_sums)
{
    enum { N = 2 * QK_K, R = 20, T = 12 };
    block_iq4_xs w[R][N / QK_K];
    block_q8_K qx[T][N / QK_K];
    memset(w, 0, sizeof w);
    memset(qx, 0, sizeof qx);
    for (int r = 0; r < R; r++)
        for (int b = 0; b < N / QK_K; b++) {
            w[r][b].d = 0x3c00; /* 1.0 */
            if (r % 2) {        /* run scale 31: low nibbles 15, high bits 1 */
                w[r][b].scales_h = 0xffff;
                memset(w[r][b].scales_l, 0xff, sizeof w[r][b].scales_l);
            }
            memset(w[r][b].qs, r % 4 < 2 ? 0x00 : 0x0f, sizeof w[r][b].qs); /* -127 (or -127 and 113) */
        }
    for (int t = 0; t < T; t++)
        for (int b = 0; b < N / QK_K; b++) {
            qx[t][b].d = 1.0f;
            for (int j = 0; j < QK_K; j++)
                qx[t][b].qs[j] = (int8_t)(t % 3 == 0 ? 127 : t % 3 == 1 ? -127 : (j % 2 ? 127 : -127));
        }
    /* row 0, token 0: 512 weights -127 at scale -32 times +127: exactly 512 * 4064 * 127 */
    const float top = ref_dot_iq4_xs_tiled(N, w[0], qx[0]);
    ck_assert_msg(top == 512.0f * 4064.0f * 127.0f, "reference top sum %.9g", top);
    for (size_t ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
        const simd_kernels *k = simd_kernels_for(isas[ii]);
        if (!k || !k->matmul[TOLK_TYPE_IQ4_XS])
            continue;
        float y[T][R];
        k->matmul[TOLK_TYPE_IQ4_XS](w, sizeof w[0], N, qx, sizeof qx[0], T, &y[0][0], R, 0, R);
        for (int t = 0; t < T; t++)
            for (int r = 0; r < R; r++) {
                const float ref = ref_dot_iq4_xs_tiled(N, w[r], qx[t]);
                ck_assert_msg(!memcmp(&y[t][r], &ref, 4), "%s: row %d tok %d: %.9g, reference %.9g", k->name, r, t,
                              y[t][r], ref);
            }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("iq4_kernels");
    TCase *tc = tcase_create("iq4");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, batches_give_llama_order, 0, sizeof types / sizeof types[0]);
    tcase_add_test(tc, exact_counts_stated);
    tcase_add_test(tc, iq4_xs_extreme_sums);
    suite_add_tcase(s, tc);
    return suite_failures(s, true) ? EXIT_FAILURE : EXIT_SUCCESS;
}
