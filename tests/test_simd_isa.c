/* Tests one kernel path (TEST_ISA, set per program by simd/local.mk) against the scalar reference:
 * activation quantizers byte for byte, integer parts bit for bit (unit scales make every sum an
 * exact integer), float results within a stated bound, on random data and edge cases, through dot,
 * mat x vec and mat x mat with odd row counts, single rows and partial tiles; where the table
 * promises it (ref_bits: Q4_0, Q4_K, Q6_K in llama.cpp's order), the reference's very bits at every
 * batch size, and hand-worked cases of those orders. Exits 77 (skipped)
 * with the reason when this build or CPU cannot run the path. */
#ifdef TOLK_CHECK_SHIM
#include "check_shim.h"
#else
#include <check.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h"
#include "kernels.h"
#include "ref/ref.h"
#include "simd_testlib.h"
#include "skip.h"
#include "suite_run.h"

#ifndef TEST_ISA
#error "TEST_ISA must name the simd_isa under test"
#endif

static const simd_kernels *isa_k, *ref_k;

/* Float bound of every comparison: |path - exact| <= FLOAT_REL * sum |w_i x_i| (+ Q8_1 slack). */
#define FLOAT_REL 2e-5

static const uint32_t act_types[] = {TOLK_TYPE_F32, TOLK_TYPE_F16, TOLK_TYPE_BF16, TOLK_TYPE_Q8_0, TOLK_TYPE_Q8_1,
                                     TOLK_TYPE_Q8_K};

START_TEST(activation_quantizers_match_bytes)
{
    uint32_t at = act_types[_i];
    const int64_t n = 4096;
    float *x = malloc(n * sizeof(float));
    size_t rb = simd_row_bytes(at, n);
    uint8_t *a = malloc(rb), *b = malloc(rb);
    for (int kind = 0; kind < TL_KINDS; kind++) {
        tl_seed(300 + kind);
        tl_fill(x, n, kind);
        if (kind == TL_OUTLIERS) /* exact halves exercise the tie rule */
            for (int64_t i = 0; i < n; i += 7)
                x[i] = (float)(i % 255 - 127) * 0.5f;
        memset(a, 0xAA, rb);
        memset(b, 0x55, rb);
        isa_k->quantize_act[at](x, a, n);
        ref_k->quantize_act[at](x, b, n);
        for (size_t i = 0; i < rb; i++)
            ck_assert_msg(a[i] == b[i], "%s kind %d byte %zu: %02x, scalar %02x", simd_traits(at)->name, kind, i, a[i],
                          b[i]);
    }
    free(x);
    free(a);
    free(b);
}
END_TEST

/* Q8_K: the first value of largest magnitude sets the scale's sign. Blocks holding +m and -m
 * (and a NaN-free rest below m) at positions in the same and in different 8-value groups, either
 * sign first: the path's bytes are the scalar quantizer's. */
START_TEST(q8_k_first_largest_sets_sign)
{
    static const int pos[][2] = {{0, 1}, {3, 7}, {5, 8}, {9, 200}, {100, 101}, {254, 255}, {31, 32}, {255, 0}};
    enum { N = 2 * QK_K };
    float x[N];
    size_t rb = simd_row_bytes(TOLK_TYPE_Q8_K, N);
    uint8_t *a = malloc(rb), *b = malloc(rb);
    for (size_t c = 0; c < sizeof pos / sizeof pos[0]; c++)
        for (int sign = 0; sign < 2; sign++) {
            tl_seed(500 + 2 * c + sign);
            for (int i = 0; i < N; i++)
                x[i] = 3.0f * tl_uniform() - 1.5f;
            for (int blk = 0; blk < 2; blk++) {
                x[blk * QK_K + pos[c][0]] = sign ? -7.25f : 7.25f;
                x[blk * QK_K + pos[c][1]] = sign ? 7.25f : -7.25f;
            }
            memset(a, 0xAA, rb);
            memset(b, 0x55, rb);
            isa_k->quantize_act[TOLK_TYPE_Q8_K](x, a, N);
            ref_k->quantize_act[TOLK_TYPE_Q8_K](x, b, N);
            for (size_t i = 0; i < rb; i++)
                ck_assert_msg(a[i] == b[i], "positions %d, %d sign %d byte %zu: %02x, scalar %02x", pos[c][0], pos[c][1],
                              sign, i, a[i], b[i]);
        }
    free(a);
    free(b);
}
END_TEST

/* Unit scales: the path must give the scalar result exactly. */
START_TEST(integer_parts_identical)
{
    uint32_t wt = tl_wtypes[_i], at = simd_act_type(wt);
    const int64_t n = 512;
    enum { NR = 19, NT = 19 }; /* a full 16-row panel, two 8-token blocks and remainders */
    uint8_t *w = malloc(simd_row_bytes(wt, n) * NR), *qx = malloc(simd_row_bytes(at, n) * NT);
    size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
    tl_seed(400 + _i);
    for (int r = 0; r < NR; r++)
        tl_raw_blocks(wt, w + r * wrb, n, 2);
    for (int t = 0; t < NT; t++)
        tl_unit_act(at, qx + t * arb, n);
    for (int r = 0; r < NR; r++)
        for (int t = 0; t < NT; t++) {
            float a = isa_k->dot[wt](n, w + r * wrb, qx + t * arb), b = ref_k->dot[wt](n, w + r * wrb, qx + t * arb);
            ck_assert_msg(a == b, "%s row %d tok %d: %.9g, scalar %.9g", simd_traits(wt)->name, r, t, a, b);
        }
    float y[NT * NR], yr[NT * NR];
    if (isa_k->matmul[wt]) {
        isa_k->matmul[wt](w, wrb, n, qx, arb, NT, y, NR, 0, NR);
        for (int r = 0; r < NR; r++)
            for (int t = 0; t < NT; t++) {
                yr[t * NR + r] = ref_k->dot[wt](n, w + r * wrb, qx + t * arb);
                ck_assert_msg(y[t * NR + r] == yr[t * NR + r], "%s matmul row %d tok %d: %.9g, scalar %.9g",
                              simd_traits(wt)->name, r, t, y[t * NR + r], yr[t * NR + r]);
            }
    }
    if (isa_k->matvec[wt]) {
        isa_k->matvec[wt](w, wrb, n, qx, y, 0, NR);
        for (int r = 0; r < NR; r++)
            ck_assert_msg(y[r] == ref_k->dot[wt](n, w + r * wrb, qx), "%s matvec row %d", simd_traits(wt)->name, r);
    }
    free(w);
    free(qx);
}
END_TEST

static void check_close(uint32_t wt, const void *w, const void *qx, int64_t n, float got, const char *what, long r,
                        long t)
{
    double abs_sum, exact = tl_float_dot(wt, w, simd_act_type(wt), qx, n, &abs_sum);
    double bound = FLOAT_REL * abs_sum + tl_q8_1_slack(wt, w, qx, n) + 1e-30;
    ck_assert_msg(fabs(got - exact) <= bound, "%s %s n %ld row %ld tok %ld: %.9g, exact %.9g (bound %.3g)",
                  simd_traits(wt)->name, what, (long)n, r, t, got, exact, bound);
}

/* Random raw blocks (every code pattern; ordinary and extreme half scales) and quantized edge-case
 * rows, through dot, matvec and matmul, for one block, odd block counts and long rows. */
START_TEST(float_results_within_bound)
{
    uint32_t wt = tl_wtypes[_i], at = simd_act_type(wt);
    const int64_t bs = simd_traits(wt)->block_size < 32 ? 32 : simd_traits(wt)->block_size;
    const int64_t lens[] = {bs, 3 * bs, 4096};
    const int rows = 13, ntok = 9;
    for (int li = 0; li < 3; li++) {
        int64_t n = lens[li];
        size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
        uint8_t *w = malloc(wrb * rows), *qx = malloc(arb * ntok);
        float *x = malloc(n * sizeof(float)), y[13 * 9];
        for (int mode = 0; mode < 3; mode++) {
            tl_seed(500 + 10 * li + mode);
            for (int r = 0; r < rows; r++) {
                if (mode < 2) {
                    tl_raw_blocks(wt, w + r * wrb, n, mode);
                } else {
                    tl_fill(x, n, r % TL_KINDS);
                    simd_quantize_row(wt, x, w + r * wrb, n);
                }
            }
            for (int t = 0; t < ntok; t++) {
                int kind = t % TL_KINDS;
                if (at == TOLK_TYPE_Q8_1 && kind == TL_HUGE)
                    kind = TL_NORMAL; /* the half s of Q8_1 overflows there (ggml too) */
                if (at == TOLK_TYPE_F16 && mode == 1)
                    kind = TL_TINY; /* keep extreme F16 products finite */
                tl_fill(x, n, kind);
                isa_k->quantize_act[at](x, qx + t * arb, n);
            }
            for (int r = 0; r < rows; r++)
                check_close(wt, w + r * wrb, qx, n, isa_k->dot[wt](n, w + r * wrb, qx), "dot", r, 0);
            for (int k = 0; k < 13 * 9; k++)
                y[k] = -777.0f;
            if (isa_k->matvec[wt]) {
                isa_k->matvec[wt](w, wrb, n, qx, y, 1, rows); /* odd count, offset start */
                ck_assert(y[0] == -777.0f);
                for (int r = 1; r < rows; r++)
                    check_close(wt, w + r * wrb, qx, n, y[r], "matvec", r, 0);
            }
            if (isa_k->matmul[wt]) {
                for (int nt = 1; nt <= ntok; nt += 4) {
                    for (int k = 0; k < 13 * 9; k++)
                        y[k] = -777.0f;
                    isa_k->matmul[wt](w, wrb, n, qx, arb, nt, y, 13, 2, 9); /* rows 2..8 */
                    for (int t = 0; t < ntok; t++)
                        for (int r = 0; r < rows; r++) {
                            if (t >= nt || r < 2 || r >= 9)
                                ck_assert_msg(y[t * 13 + r] == -777.0f, "matmul wrote outside its range");
                            else
                                check_close(wt, w + r * wrb, qx + t * arb, n, y[t * 13 + r], "matmul", r, t);
                        }
                }
            }
        }
        free(w);
        free(qx);
        free(x);
    }
}
END_TEST

/* ROWS weight rows (every third with outliers) and N_TOK activation rows on this path (every fifth
 * with all-zero blocks), n wide; X is n floats of scratch. */
static void fill_batch(uint32_t wt, int64_t n, int rows, int n_tok, uint64_t seed, float *x, uint8_t *w, uint8_t *qx)
{
    const uint32_t at = simd_act_type(wt);
    const size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
    tl_seed(seed);
    for (int r = 0; r < rows; r++) {
        tl_fill(x, n, r % 3 == 0 ? TL_OUTLIERS : TL_NORMAL);
        simd_quantize_row(wt, x, w + r * wrb, n);
    }
    for (int t = 0; t < n_tok; t++) {
        tl_fill(x, n, t % 5 == 4 ? TL_ZERO_BLOCKS : TL_NORMAL);
        isa_k->quantize_act[at](x, qx + t * arb, n);
    }
}

/* The shapes the batched and row kernels specialise on: every token count 1..9 (speculative
 * verification) and counts past the 8-token blocks, 37 rows from row 3 (two full 16-row panels
 * and a partial one), the 640-wide rows of the default model, an odd block count, a partial
 * panel chunk and rows long enough to be prepared chunk by chunk. */
START_TEST(batched_shapes_within_bound)
{
    uint32_t wt = tl_wtypes[_i], at = simd_act_type(wt);
    const int kq = simd_traits(wt)->block_size == 256;
    const int64_t lens[] = {kq ? 768 : 640, kq ? 1280 : 96, kq ? 8960 : 8992};
    const int rows = 40, r0 = 3, r1 = 40, max_tok = 33;
    const int toks[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 33};
    for (int li = 0; li < 3; li++) {
        int64_t n = lens[li];
        size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
        uint8_t *w = malloc(wrb * rows), *qx = malloc(arb * max_tok);
        float *x = malloc(n * sizeof(float)), *y = malloc(sizeof(float) * rows * max_tok);
        fill_batch(wt, n, rows, max_tok, 800 + 10 * li + _i, x, w, qx);
        if (isa_k->matvec[wt]) {
            for (int k = 0; k < rows; k++)
                y[k] = -777.0f;
            isa_k->matvec[wt](w, wrb, n, qx, y, r0, r1);
            ck_assert(y[r0 - 1] == -777.0f);
            for (int r = r0; r < r1; r++)
                check_close(wt, w + r * wrb, qx, n, y[r], "matvec", r, 0);
        }
        for (int ti = 0; isa_k->matmul[wt] && ti < (int)(sizeof(toks) / sizeof(toks[0])); ti++) {
            int nt = toks[ti];
            if (li == 2 && nt != 9 && nt != 17)
                continue; /* long rows: one count on each side of the packed-panel threshold */
            for (int k = 0; k < rows * max_tok; k++)
                y[k] = -777.0f;
            isa_k->matmul[wt](w, wrb, n, qx, arb, nt, y, rows, r0, r1);
            for (int t = 0; t < max_tok; t++)
                for (int r = 0; r < rows; r++) {
                    if (t >= nt || r < r0 || r >= r1)
                        ck_assert_msg(y[t * rows + r] == -777.0f, "matmul wrote outside its range");
                    else
                        check_close(wt, w + r * wrb, qx + t * arb, n, y[t * rows + r], "matmul", r, t);
                }
        }
        free(w);
        free(qx);
        free(x);
        free(y);
    }
}
END_TEST

/* Where the table promises it (matmul_exact), a batch gives every token the very bits the
 * one-token kernel gives it: speculative verification reproduces plain decoding through it.
 * Types without the promise are not checked; a table that promises it for no type reports a
 * SKIP (cpu) line instead of running this (main). */
START_TEST(batched_equals_one_token_where_promised)
{
    uint32_t wt = tl_wtypes[_i], at = simd_act_type(wt);
    if (!isa_k->matmul[wt] || isa_k->matmul_exact[wt] < 2)
        return;
    const int kq = simd_traits(wt)->block_size == 256;
    const int64_t lens[] = {kq ? 768 : 640, kq ? 2048 : 96, kq ? 8960 : 8992};
    const int rows = 37, max_tok = isa_k->matmul_exact[wt] < 15 ? (int)isa_k->matmul_exact[wt] : 15;
    for (int li = 0; li < 3; li++) {
        int64_t n = lens[li];
        size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
        uint8_t *w = malloc(wrb * rows), *qx = malloc(arb * max_tok);
        float *x = malloc(n * sizeof(float)), *y = malloc(sizeof(float) * rows * max_tok), *y1 = malloc(sizeof(float) * rows);
        fill_batch(wt, n, rows, max_tok, 900 + 10 * li + _i, x, w, qx);
        simd_matvec_fn mv = isa_k->matvec[wt];
        for (int nt = 2; nt <= max_tok; nt++) {
            isa_k->matmul[wt](w, wrb, n, qx, arb, nt, y, rows, 1, rows);
            for (int t = 0; t < nt; t++) {
                if (mv)
                    mv(w, wrb, n, qx + t * arb, y1, 1, rows);
                else
                    simd_matvec_generic(isa_k->dot[wt], w, wrb, n, qx + t * arb, y1, 1, rows);
                for (int r = 1; r < rows; r++)
                    ck_assert_msg(!memcmp(&y1[r], &y[t * rows + r], sizeof(float)),
                                  "%s n=%lld, %d tokens: token %d row %d is %.9g batched, %.9g alone",
                                  simd_traits(wt)->name, (long long)n, nt, t, r, y[t * rows + r], y1[r]);
            }
        }
        free(w);
        free(qx);
        free(x);
        free(y);
        free(y1);
    }
}
END_TEST

/* The one-order kernels (verification passes of any size) give every token of every batch from 2
 * to 33 tokens (a pending token and SPEC_K_MAX drafts) the very bits of the one-token kernel, stay
 * within the float bound of the exact dot product, and write only their rows and tokens. */
START_TEST(one_order_any_count_equals_one_token)
{
    uint32_t wt = tl_wtypes[_i], at = simd_act_type(wt);
    simd_matmul_fn mm = isa_k->matmul_one_order[wt];
    if (!mm)
        return;
    const int kq = simd_traits(wt)->block_size == 256;
    const int64_t lens[] = {kq ? 768 : 640, kq ? 8960 : 8992};
    enum { ROWS = 37, R0 = 1, MAX_TOK = 33 };
    for (int li = 0; li < 2; li++) {
        int64_t n = lens[li];
        size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
        uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * MAX_TOK);
        float *x = malloc(n * sizeof(float)), *y = malloc(sizeof(float) * ROWS * MAX_TOK),
              *y1 = malloc(sizeof(float) * ROWS * MAX_TOK);
        fill_batch(wt, n, ROWS, MAX_TOK, 1000 + 10 * li + _i, x, w, qx);
        for (int t = 0; t < MAX_TOK; t++) {
            if (isa_k->matvec[wt])
                isa_k->matvec[wt](w, wrb, n, qx + t * arb, y1 + t * ROWS, R0, ROWS);
            else
                simd_matvec_generic(isa_k->dot[wt], w, wrb, n, qx + t * arb, y1 + t * ROWS, R0, ROWS);
            for (int r = R0; r < ROWS; r++)
                check_close(wt, w + r * wrb, qx + t * arb, n, y1[t * ROWS + r], "matvec", r, t);
        }
        for (int nt = 2; nt <= MAX_TOK; nt++) {
            for (int k = 0; k < ROWS * MAX_TOK; k++)
                y[k] = -777.0f;
            mm(w, wrb, n, qx, arb, nt, y, ROWS, R0, ROWS);
            for (int t = 0; t < MAX_TOK; t++)
                for (int r = 0; r < ROWS; r++) {
                    if (t >= nt || r < R0)
                        ck_assert_msg(y[t * ROWS + r] == -777.0f, "%s one-order matmul wrote outside its range",
                                      simd_traits(wt)->name);
                    else
                        ck_assert_msg(!memcmp(&y[t * ROWS + r], &y1[t * ROWS + r], sizeof(float)),
                                      "%s n=%lld, %d tokens: token %d row %d is %.9g batched, %.9g alone",
                                      simd_traits(wt)->name, (long long)n, nt, t, r, y[t * ROWS + r], y1[t * ROWS + r]);
                }
        }
        free(w);
        free(qx);
        free(x);
        free(y);
        free(y1);
    }
}
END_TEST

/* Random raw blocks of WT (Q4_0, Q5_0 or Q8_0: a half scale first, then codes) with scales from the
 * whole half range (subnormal to 65504, both signs) and random codes: every product d_w * d_x and
 * every FMA rounds somewhere. Q8_0 codes stay within -127..127, as every quantizer writes them. */
static void raw_q32_batch(uint32_t wt, uint8_t *w, int rows, int64_t n, uint8_t *qx, int n_tok, uint64_t seed)
{
    static const float scales[] = {1.0f, -0.0123f, 6.0e-8f, 65504.0f, -3.1e-5f, 0.33f, 1024.0f, 7.7e-3f};
    const size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(TOLK_TYPE_Q8_0, n);
    const size_t bytes = simd_traits(wt)->type_size;
    tl_seed(seed);
    for (int r = 0; r < rows; r++)
        for (int64_t b = 0; b < n / 32; b++) {
            uint8_t *blk = w + r * wrb + b * bytes;
            for (size_t j = 2; j < bytes; j++)
                blk[j] = wt == TOLK_TYPE_Q8_0 ? (uint8_t)(int8_t)((int)(tl_u32() % 255) - 127) : (uint8_t)tl_u32();
            uint16_t h = simd_f32_to_f16(scales[tl_u32() % 8] * (r % 4 == 3 ? 1.0f : tl_uniform()));
            memcpy(blk, &h, 2);
        }
    for (int t = 0; t < n_tok; t++)
        for (int64_t b = 0; b < n / 32; b++) {
            uint8_t *blk = qx + t * arb + b * 34;
            for (int j = 2; j < 34; j++)
                blk[j] = (uint8_t)(int8_t)((int)(tl_u32() % 255) - 127);
            uint16_t h = simd_f32_to_f16(scales[tl_u32() % 8] * (t % 5 == 4 ? 1.0f : tl_uniform()));
            memcpy(blk, &h, 2);
        }
}

/* Raw Q4_K / Q6_K rows and Q8_K activations the same way: random codes and scale bytes, half scales
 * d (and dmin) and float activation scales over the whole range, consistent activation bsums. */
static void raw_kq_batch(uint32_t wt, uint8_t *w, int rows, int64_t n, uint8_t *qx, int n_tok, uint64_t seed)
{
    static const float scales[] = {1.0f, -0.0123f, 6.0e-8f, 65504.0f, -3.1e-5f, 0.33f, 1024.0f, 7.7e-3f};
    const size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(TOLK_TYPE_Q8_K, n);
    const size_t bytes = simd_traits(wt)->type_size;
    tl_seed(seed);
    for (int r = 0; r < rows; r++)
        for (int64_t b = 0; b < n / QK_K; b++) {
            uint8_t *blk = w + r * wrb + b * bytes;
            for (size_t j = 0; j < bytes; j++)
                blk[j] = (uint8_t)tl_u32();
            uint16_t h = simd_f32_to_f16(scales[tl_u32() % 8] * (r % 4 == 3 ? 1.0f : tl_uniform()));
            uint16_t hm = simd_f32_to_f16(scales[tl_u32() % 8] * tl_uniform());
            if (wt == TOLK_TYPE_Q4_K) {
                memcpy(&((block_q4_K *)blk)->d, &h, 2);
                memcpy(&((block_q4_K *)blk)->dmin, &hm, 2);
            } else {
                memcpy(&((block_q6_K *)blk)->d, &h, 2);
            }
        }
    for (int t = 0; t < n_tok; t++)
        for (int64_t b = 0; b < n / QK_K; b++) {
            block_q8_K *a = (block_q8_K *)(qx + t * arb) + b;
            a->d = scales[tl_u32() % 8] * (t % 5 == 4 ? 1.0f : tl_uniform());
            for (int g = 0; g < QK_K / 16; g++) {
                a->bsums[g] = 0;
                for (int l = 0; l < 16; l++) {
                    a->qs[16 * g + l] = (int8_t)((int)(tl_u32() % 255) - 127);
                    a->bsums[g] = (int16_t)(a->bsums[g] + a->qs[16 * g + l]);
                }
            }
        }
}

/* Where the table promises the reference's bits (ref_bits: Q4_0, Q5_0, Q8_0, Q4_K, Q6_K in llama.cpp's
 * order), the dot,
 * the mat x vec and the mat x mat at every count from 1 to 33 tokens give exactly the scalar
 * reference's result, on random raw blocks with extreme scales and on quantized rows. */
START_TEST(reference_bits_where_promised)
{
    uint32_t wt = tl_wtypes[_i], at = simd_act_type(wt);
    if (!isa_k->ref_bits[wt])
        return;
    ck_assert_msg(wt == TOLK_TYPE_Q4_0 || wt == TOLK_TYPE_Q5_0 || wt == TOLK_TYPE_Q8_0 || wt == TOLK_TYPE_Q4_K ||
                      wt == TOLK_TYPE_Q6_K,
                  "ref_bits promised for %s, which has no test data here", simd_traits(wt)->name);
    const int kq = wt == TOLK_TYPE_Q4_K || wt == TOLK_TYPE_Q6_K;
    /* (the fourth: rows past 16384 elements, where one-token kernels take their blocks in chunks;
     * the last: Q4_K / Q6_K rows of 32 super-blocks, the longest AVX2's Q4_K mat x vec reads row
     * after row) */
    const int64_t lens[] = {kq ? 256 : 96, kq ? 768 : 640, kq ? 8192 + 256 : 8192 + 96, kq ? 16384 + 512 : 16384 + 96,
                            kq ? 8192 : 1024 + 32};
    enum { ROWS = 37, R0 = 3, MAX_TOK = 33 };
    for (int li = 0; li < 5; li++) {
        for (int mode = 0; mode < 2; mode++) {
            int64_t n = lens[li];
            size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
            uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * MAX_TOK);
            float *x = malloc(n * sizeof(float)), *y = malloc(sizeof(float) * ROWS * MAX_TOK),
                  *yr = malloc(sizeof(float) * ROWS * MAX_TOK);
            if (mode == 0 && kq)
                raw_kq_batch(wt, w, ROWS, n, qx, MAX_TOK, 1300 + li);
            else if (mode == 0)
                raw_q32_batch(wt, w, ROWS, n, qx, MAX_TOK, 1100 + li);
            else
                fill_batch(wt, n, ROWS, MAX_TOK, 1200 + li, x, w, qx);
            for (int t = 0; t < MAX_TOK; t++)
                for (int r = 0; r < ROWS; r++) {
                    yr[t * ROWS + r] = ref_k->dot[wt](n, w + r * wrb, qx + t * arb);
                    float d = isa_k->dot[wt](n, w + r * wrb, qx + t * arb);
                    ck_assert_msg(!memcmp(&d, &yr[t * ROWS + r], 4), "%s n=%lld mode %d dot row %d tok %d: %.9g, scalar %.9g",
                                  simd_traits(wt)->name, (long long)n, mode, r, t, d, yr[t * ROWS + r]);
                }
            simd_matvec_fn mv = isa_k->matvec[wt];
            for (int t = 0; mv && t < MAX_TOK; t++) {
                mv(w, wrb, n, qx + t * arb, y, R0, ROWS);
                for (int r = R0; r < ROWS; r++)
                    ck_assert_msg(!memcmp(&y[r], &yr[t * ROWS + r], 4), "%s n=%lld mode %d matvec row %d tok %d: %.9g, scalar %.9g",
                                  simd_traits(wt)->name, (long long)n, mode, r, t, y[r], yr[t * ROWS + r]);
            }
            for (int nt = 1; isa_k->matmul[wt] && nt <= MAX_TOK; nt++) {
                if (li >= 2 && nt % 8 != 1 && nt != 15 && nt != 16)
                    continue; /* long rows: the counts around the panels' threshold and a few more */
                for (int k = 0; k < ROWS * MAX_TOK; k++)
                    y[k] = -777.0f;
                if (ref_k->matmul[wt]) /* a batch order of its own (Q4_K: llama.cpp's gemm) */
                    ref_k->matmul[wt](w, wrb, n, qx, arb, nt, yr, ROWS, 0, ROWS);
                isa_k->matmul[wt](w, wrb, n, qx, arb, nt, y, ROWS, R0, ROWS);
                for (int t = 0; t < MAX_TOK; t++)
                    for (int r = 0; r < ROWS; r++) {
                        if (t >= nt || r < R0)
                            ck_assert_msg(y[t * ROWS + r] == -777.0f, "matmul wrote outside its range");
                        else
                            ck_assert_msg(!memcmp(&y[t * ROWS + r], &yr[t * ROWS + r], 4),
                                          "%s n=%lld mode %d, %d tokens: row %d tok %d: %.9g, scalar %.9g",
                                          simd_traits(wt)->name, (long long)n, mode, nt, r, t, y[t * ROWS + r],
                                          yr[t * ROWS + r]);
                    }
            }
            free(w);
            free(qx);
            free(x);
            free(y);
            free(yr);
        }
    }
}
END_TEST

/* Every kernel of this path for weight type wt (dot, mat x vec, mat x mat at 1..ntok tokens) on the
 * hand-worked rows w (rows x n, row bytes wrb) and activations qx (row bytes qrb) gives want; with
 * split4, a batch's first nt - nt % 4 tokens give want_batch instead (llama.cpp's Q4_K split). */
static void kernels_give(uint32_t wt, const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int rows,
                         int ntok, float want, float want_batch, int split)
{
    const char *name = simd_traits(wt)->name;
    float got = isa_k->dot[wt](n, w, qx);
    ck_assert_msg(got == want, "%s dot: %.9g", name, got);
    float *y = malloc(sizeof(float) * (size_t)(ntok * rows));
    if (isa_k->matvec[wt]) {
        isa_k->matvec[wt](w, wrb, n, qx, y, 0, rows);
        for (int r = 0; r < rows; r++)
            ck_assert_msg(y[r] == want, "%s matvec row %d: %.9g", name, r, y[r]);
    }
    for (int nt = 1; isa_k->matmul[wt] && nt <= ntok; nt++) {
        isa_k->matmul[wt](w, wrb, n, qx, qrb, nt, y, rows, 0, rows);
        for (int i = 0; i < nt * rows; i++) {
            /* split 1: a batch's first nt - nt % 4 tokens in the batch order (Q4_K); 2: every token
             * of a batch of Q6_K_TILED_MIN_TOK or more (Q6_K's tiled order) */
            const int batch = split == 1 ? i / rows < nt - nt % 4 : split == 2 && nt >= Q6_K_TILED_MIN_TOK;
            const float e = batch ? want_batch : want;
            ck_assert_msg(y[i] == e, "%s %d tokens, entry %d: %.9g", name, nt, i, y[i]);
        }
    }
    free(y);
}

/* llama.cpp's Q4_0 order worked by hand: block A gives 2^24 (16384 x 1024), blocks B-E give 1
 * each. One FMA per block in order: 2^24 + 1 rounds back to 2^24 (ties to even) four times, so the
 * result is 2^24. Pairs of blocks first ((A+B) + (C+D)) + E, as the old lane-pair and tree kernels
 * did, keep 2 of the 4: 2^24 + 2. The scalar reference and every kernel of a path that promises
 * the reference's bits must give 2^24, for any row of a mat x vec (8-row groups and the tail) and
 * any batch size. */
START_TEST(q4_0_blocks_add_in_llama_order)
{
    enum { NB = 5, ROWS = 11, NTOK = 17 };
    const int64_t n = NB * 32;
    uint8_t w[ROWS][NB * 18], qx[NTOK][NB * 34];
    memset(w, 0x88, sizeof w); /* codes 8: weight 0 */
    memset(qx, 0, sizeof qx);
    uint16_t one = simd_f32_to_f16(1.0f), k1024 = simd_f32_to_f16(1024.0f);
    for (int r = 0; r < ROWS; r++)
        for (int b = 0; b < NB; b++) {
            memcpy(&w[r][18 * b], b == 0 ? &k1024 : &one, 2);
            if (b == 0)
                memset(&w[r][18 * b + 2], 0x00, 16); /* codes 0: weight -8 */
            else
                w[r][18 * b + 2] = 0x89; /* element 0: weight 1 */
        }
    for (int t = 0; t < NTOK; t++)
        for (int b = 0; b < NB; b++) {
            memcpy(&qx[t][34 * b], &one, 2);
            if (b == 0)
                memset(&qx[t][34 * b + 2], (uint8_t)(int8_t)-64, 32); /* -8 x -64 x 32 = 16384 */
            else
                qx[t][34 * b + 2] = 1;
        }
    const float want = 16777216.0f;
    float pairs = ((want + 1.0f) + (1.0f + 1.0f)) + 1.0f;
    ck_assert(pairs != want); /* the case tells the orders apart */
    ck_assert_msg(ref_k->dot[TOLK_TYPE_Q4_0](n, w[0], qx[0]) == want, "scalar reference: %.9g",
                  ref_k->dot[TOLK_TYPE_Q4_0](n, w[0], qx[0]));
    if (!isa_k->ref_bits[TOLK_TYPE_Q4_0])
        return;
    kernels_give(TOLK_TYPE_Q4_0, w, sizeof w[0], n, qx, sizeof qx[0], ROWS, NTOK, want, want, 0);
}
END_TEST

/* llama.cpp's Q6_K order worked by hand (ref_dot_q6_k): block A puts 8 x 2 x 2^20 = 2^24 into
 * lane 0, block B 1 into lanes 2, 4 and 6 (an element 36L of weight v with activation 1 lands in lane
 * L: its product and its offset share the lane). hsum_float_8 adds (0+4) first, where 2^24 + 1
 * rounds back to 2^24, then (2+6) = 2: the result is 2^24 + 2, where adding the lanes one by one
 * gives 2^24 and adding the integers first 2^24 + 4. */
START_TEST(q6_k_lanes_add_in_llama_order)
{
    enum { NB = 2, ROWS = 11, NTOK = 9 };
    const int64_t n = NB * QK_K;
    block_q6_K w[ROWS][NB];
    block_q8_K qx[NTOK][NB];
    memset(w, 0, sizeof w);
    memset(qx, 0, sizeof qx);
    const uint16_t one = simd_f32_to_f16(1.0f);
    const int elem[2][3] = {{0, -1, -1}, {72, 144, 216}}, val[2] = {8, 1}, act[2] = {2, 1};
    for (int r = 0; r < ROWS; r++)
        for (int b = 0; b < NB; b++) {
            memcpy(&w[r][b].d, &one, 2);
            memset(w[r][b].scales, 1, sizeof w[r][b].scales);
            memset(w[r][b].qh, 0xaa, sizeof w[r][b].qh); /* every code 32: weight 0 */
            for (int k = 0; k < 3 && elem[b][k] >= 0; k++) {
                int e = elem[b][k], h = e / 128, j = e % 128 / 32, l = e % 32;
                uint8_t *ql = &w[r][b].ql[64 * h + l + 32 * (j & 1)];
                *ql |= (uint8_t)(val[b] << (j < 2 ? 0 : 4)); /* code 32 + val: the low nibble */
            }
        }
    for (int t = 0; t < NTOK; t++)
        for (int b = 0; b < NB; b++) {
            qx[t][b].d = b == 0 ? 1048576.0f : 1.0f;
            for (int k = 0; k < 3 && elem[b][k] >= 0; k++) {
                qx[t][b].qs[elem[b][k]] = (int8_t)act[b];
                qx[t][b].bsums[elem[b][k] / 16] = (int16_t)act[b];
            }
        }
    const float want = 16777218.0f;
    ck_assert(((16777216.0f + 1.0f) + 1.0f) + 1.0f != want && 16777216.0f + 3.0f != want);
    float r0 = ref_k->dot[TOLK_TYPE_Q6_K](n, w[0], qx[0]);
    ck_assert_msg(r0 == want, "scalar reference: %.9g", r0);
    /* a batch of 8+ tokens (llama.cpp's tiled order): one FMA per super-block, 2^24 + 3 rounds to 2^24 + 4 */
    const float want_tiled = 16777220.0f;
    float rt = ref_dot_q6_k_tiled(n, w[0], qx[0]);
    ck_assert_msg(rt == want_tiled, "scalar tiled reference: %.9g", rt);
    if (!isa_k->ref_bits[TOLK_TYPE_Q6_K])
        return;
    kernels_give(TOLK_TYPE_Q6_K, w, sizeof w[0], n, qx, sizeof qx[0], ROWS, NTOK, want, want_tiled, 2);
}
END_TEST

/* One batched kernel MM over rows [r0, ROWS) x NT tokens gives the reference's results YR (ROWS per
 * token) and writes nothing else. */
static void batch_gives(simd_matmul_fn mm, const char *what, uint32_t wt, const uint8_t *w, size_t wrb, int64_t n,
                        const uint8_t *qx, size_t arb, int rows, int r0, int nt, int max_tok, const float *yr, float *y)
{
    for (int k = 0; k < rows * max_tok; k++)
        y[k] = -777.0f;
    mm(w, wrb, n, qx, arb, nt, y, (size_t)rows, r0, rows);
    for (int t = 0; t < max_tok; t++)
        for (int r = 0; r < rows; r++) {
            if (t >= nt || r < r0)
                ck_assert_msg(y[t * rows + r] == -777.0f, "%s %s wrote outside its range", simd_traits(wt)->name, what);
            else
                ck_assert_msg(!memcmp(&y[t * rows + r], &yr[t * rows + r], 4),
                              "%s %s n=%lld, %d tokens, rows from %d: row %d tok %d: %.9g, scalar %.9g",
                              simd_traits(wt)->name, what, (long long)n, nt, r0, r, t, y[t * rows + r], yr[t * rows + r]);
        }
}

/* Q4_K and Q6_K rows longer than 32768 (129 super-blocks) at 16-21 tokens, where the AVX2 Q4_K
 * panels make the activations' bsum pairs per chunk instead of once per pass (more (token,
 * super-block) pairs than their buffer holds): still the reference's bits, tail tokens included. */
START_TEST(kq_very_long_rows_reference_bits)
{
    static const uint32_t types[] = {TOLK_TYPE_Q4_K, TOLK_TYPE_Q6_K};
    const uint32_t wt = types[_i];
    if (!isa_k->ref_bits[wt] || !isa_k->matmul[wt])
        return;
    enum { ROWS = 11, R0 = 2, MAX_TOK = 21 };
    const int64_t n = 32768 + 256;
    const size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(TOLK_TYPE_Q8_K, n);
    uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * MAX_TOK);
    float *y = malloc(sizeof(float) * ROWS * MAX_TOK), *yr = malloc(sizeof(float) * ROWS * MAX_TOK);
    raw_kq_batch(wt, w, ROWS, n, qx, MAX_TOK, 1400 + _i);
    for (int nt = 16; nt <= MAX_TOK; nt += 5) {
        if (ref_k->matmul[wt])
            ref_k->matmul[wt](w, wrb, n, qx, arb, nt, yr, ROWS, 0, ROWS);
        else
            for (int t = 0; t < nt; t++)
                for (int r = 0; r < ROWS; r++)
                    yr[t * ROWS + r] = ref_k->dot[wt](n, w + r * wrb, qx + t * arb);
        batch_gives(isa_k->matmul[wt], "matmul", wt, w, wrb, n, qx, arb, ROWS, R0, nt, MAX_TOK, yr, y);
    }
    free(w);
    free(qx);
    free(y);
    free(yr);
}
END_TEST

/* llama.cpp's two Q4_K orders worked by hand: block A gives isum 16 at d_x = 2^20, so A = 2^24;
 * block B gives isum 1 in each 64 elements. One FMA per super-block (one token: ref_dot_q4_k)
 * adds 4 at once: 2^24 + 4. One FMA per 64 elements (a batch's first n - n % 4 tokens:
 * ref_dot_q4_k_per64) adds 1 four times, and 2^24 + 1 rounds back to 2^24 each time: 2^24. */
START_TEST(q4_k_blocks_add_in_llama_order)
{
    enum { NB = 2, ROWS = 11, NTOK = 11 };
    const int64_t n = NB * QK_K;
    block_q4_K w[ROWS][NB];
    block_q8_K qx[NTOK][NB];
    memset(w, 0, sizeof w);
    memset(qx, 0, sizeof qx);
    const uint16_t one = simd_f32_to_f16(1.0f);
    for (int r = 0; r < ROWS; r++)
        for (int b = 0; b < NB; b++) {
            memcpy(&w[r][b].d, &one, 2); /* dmin 0 */
            memset(w[r][b].scales, 1, 4); /* scales 1, mins 0 */
            w[r][b].scales[8] = w[r][b].scales[9] = w[r][b].scales[10] = w[r][b].scales[11] = 1;
            for (int c = 0; c < (b == 0 ? 1 : 4); c++)
                w[r][b].qs[32 * c] = 1; /* element 64c: code 1 */
        }
    for (int t = 0; t < NTOK; t++)
        for (int b = 0; b < NB; b++) {
            qx[t][b].d = b == 0 ? 1048576.0f : 1.0f;
            for (int c = 0; c < (b == 0 ? 1 : 4); c++) {
                qx[t][b].qs[64 * c] = (int8_t)(b == 0 ? 16 : 1);
                qx[t][b].bsums[4 * c] = qx[t][b].qs[64 * c];
            }
        }
    const float one_token = 16777220.0f, batch = 16777216.0f;
    ck_assert_msg(ref_k->dot[TOLK_TYPE_Q4_K](n, w[0], qx[0]) == one_token, "scalar reference: %.9g",
                  ref_k->dot[TOLK_TYPE_Q4_K](n, w[0], qx[0]));
    ck_assert(ref_dot_q4_k_per64(n, w[0], qx[0]) == batch);
    if (!isa_k->ref_bits[TOLK_TYPE_Q4_K])
        return;
    kernels_give(TOLK_TYPE_Q4_K, w, sizeof w[0], n, qx, sizeof qx[0], ROWS, NTOK, one_token, batch, 1);
}
END_TEST

/* llama.cpp's Q5_0 / Q8_0 order worked by hand (eight lanes of 4-element sums, one FMA per block
 * and lane, lanes summed ((0+4)+(2+6))+((1+5)+(3+7))): block A puts 2^24 into lane 0 (4 x 64 x 64
 * at scale 1024, Q5_0: 4 x -16 x -64 at 4096), block B puts 1 into lanes 2, 4 and 6. The lanes
 * give (2^24 + 1) + (1 + 1) = 2^24 + 2 (the first sum ties to even). Whole blocks in order, as
 * the old reference added, give 2^24 + 3 -> 2^24 + 4; lanes one after another 2^24. The scalar
 * reference and every kernel of a path that promises its bits must give 2^24 + 2, for any row and
 * batch size. */
static const uint32_t lane_types[] = {TOLK_TYPE_Q5_0, TOLK_TYPE_Q8_0};
/* The x86 paths' Q5_0 / Q8_0 one-order kernels add in llama.cpp's order (NEON keeps its own). */
#define X86_LLAMA_ORDER (TEST_ISA == SIMD_ISA_AVX2 || TEST_ISA == SIMD_ISA_AVX512)

START_TEST(q5_0_q8_0_lanes_add_in_llama_order)
{
    enum { NB = 2, ROWS = 11, NTOK = 17, MAXB = 34 };
    const uint32_t wt = lane_types[_i];
    const int q5 = wt == TOLK_TYPE_Q5_0;
    const size_t bytes = simd_traits(wt)->type_size;
    const int64_t n = NB * 32;
    uint8_t w[ROWS][NB * MAXB], qx[NTOK][NB * 34];
    memset(w, 0, sizeof w); /* Q8_0: weight 0; Q5_0: -16, multiplied by activations of 0 below */
    memset(qx, 0, sizeof qx);
    const int ones[3] = {8, 16, 24}; /* an element of lanes 2, 4 and 6 */
    uint16_t one = simd_f32_to_f16(1.0f), big = simd_f32_to_f16(q5 ? 64.0f : 32.0f);
    for (int r = 0; r < ROWS; r++) {
        uint8_t *a = w[r], *b = w[r] + bytes;
        memcpy(a, &big, 2);
        memcpy(b, &one, 2);
        if (q5) { /* block A: codes 0 (weight -16) everywhere; block B: code 17 (weight 1) at ONES */
            uint32_t qh = 0;
            for (int k = 0; k < 3; k++) {
                qh |= 1u << ones[k];
                b[6 + ones[k] % 16] |= (uint8_t)(ones[k] < 16 ? 0x01 : 0x10);
            }
            memcpy(b + 2, &qh, 4);
        } else {
            memset(a + 2, 64, 4);
            for (int k = 0; k < 3; k++)
                b[2 + ones[k]] = 1;
        }
    }
    for (int t = 0; t < NTOK; t++) {
        memcpy(&qx[t][0], &big, 2);
        memset(&qx[t][2], (uint8_t)(int8_t)(q5 ? -64 : 64), 4);
        memcpy(&qx[t][34], &one, 2);
        for (int k = 0; k < 3; k++)
            qx[t][34 + 2 + ones[k]] = 1;
    }
    const float top = 16777216.0f, want = top + 2.0f;
    float blocks = top + 3.0f, serial = ((top + 1.0f) + 1.0f) + 1.0f;
    ck_assert(blocks != want && serial != want); /* the case tells the orders apart */
    float got = ref_k->dot[wt](n, w[0], qx[0]);
    ck_assert_msg(got == want, "%s scalar reference: %.9g", simd_traits(wt)->name, got);
    if (isa_k->ref_bits[wt]) {
        kernels_give(wt, w, sizeof w[0], n, qx, sizeof qx[0], ROWS, NTOK, want, want, 0);
        return;
    }
    /* an x86 path whose prompt batches take the panels: its one-order kernel at every count */
    simd_matmul_fn one_order = X86_LLAMA_ORDER ? isa_k->matmul_one_order[wt] : NULL;
    for (int nt = 2; one_order && nt <= NTOK; nt++) {
        float y[NTOK][ROWS];
        one_order(w, sizeof w[0], n, qx, sizeof qx[0], nt, &y[0][0], ROWS, 0, ROWS);
        for (int t = 0; t < nt; t++)
            for (int r = 0; r < ROWS; r++)
                ck_assert_msg(y[t][r] == want, "%s one-order matmul, %d tokens: row %d tok %d gives %.9g, want %.9g",
                              simd_traits(wt)->name, nt, r, t, y[t][r], want);
    }
}
END_TEST

/* Q5_0 / Q8_0 where the path has kernels of llama.cpp's order but prompt batches take the panels
 * (tolk's order, within the float bound only: batched_shapes_within_bound), so ref_bits is not
 * promised: the dot, the mat x vec, the mat x mat up to matmul_exact tokens and the one-order
 * kernel at every count from 2 to 33 give the scalar reference's bits, on raw blocks with extreme
 * scales and on quantized rows, row ranges with and without rows left over from the tiles, and
 * rows long enough to take several passes of tokens. */
START_TEST(q5_0_q8_0_exact_kernels_give_reference_bits)
{
    const uint32_t wt = lane_types[_i];
    simd_matmul_fn one = isa_k->matmul_one_order[wt];
    if (!one || isa_k->ref_bits[wt])
        return; /* no such kernel on this path, or reference_bits_where_promised covers it */
    const int64_t lens[] = {96, 640, 8192 + 96};
    enum { ROWS = 37, MAX_TOK = 33 };
    const int mm_max = !isa_k->matmul[wt] ? 0 : isa_k->matmul_exact[wt] < MAX_TOK ? (int)isa_k->matmul_exact[wt] : MAX_TOK;
    for (int li = 0; li < 3; li++)
        for (int mode = 0; mode < 2; mode++) {
            int64_t n = lens[li];
            size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(TOLK_TYPE_Q8_0, n);
            uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * MAX_TOK);
            float *x = malloc(n * sizeof(float)), *y = malloc(sizeof(float) * ROWS * MAX_TOK),
                  *yr = malloc(sizeof(float) * ROWS * MAX_TOK);
            if (mode == 0)
                raw_q32_batch(wt, w, ROWS, n, qx, MAX_TOK, 1500 + li);
            else
                fill_batch(wt, n, ROWS, MAX_TOK, 1600 + li, x, w, qx);
            for (int t = 0; t < MAX_TOK; t++)
                for (int r = 0; r < ROWS; r++) {
                    yr[t * ROWS + r] = ref_k->dot[wt](n, w + r * wrb, qx + t * arb);
                    float d = isa_k->dot[wt](n, w + r * wrb, qx + t * arb);
                    ck_assert_msg(!memcmp(&d, &yr[t * ROWS + r], 4), "%s n=%lld mode %d dot row %d tok %d: %.9g, scalar %.9g",
                                  simd_traits(wt)->name, (long long)n, mode, r, t, d, yr[t * ROWS + r]);
                }
            for (int t = 0; isa_k->matvec[wt] && t < MAX_TOK; t++) {
                isa_k->matvec[wt](w, wrb, n, qx + t * arb, y, 0, ROWS);
                for (int r = 0; r < ROWS; r++)
                    ck_assert_msg(!memcmp(&y[r], &yr[t * ROWS + r], 4), "%s n=%lld mode %d matvec row %d tok %d: %.9g, scalar %.9g",
                                  simd_traits(wt)->name, (long long)n, mode, r, t, y[r], yr[t * ROWS + r]);
            }
            for (int nt = 2; nt <= MAX_TOK; nt++) {
                if (li == 2 && nt % 8 != 1 && nt > 4 && nt != 15 && nt != 16)
                    continue; /* long rows: a few counts */
                for (int r0 = 0; r0 <= 3; r0 += 3) {
                    batch_gives(one, "one-order matmul", wt, w, wrb, n, qx, arb, ROWS, r0, nt, MAX_TOK, yr, y);
                    if (nt <= mm_max)
                        batch_gives(isa_k->matmul[wt], "matmul", wt, w, wrb, n, qx, arb, ROWS, r0, nt, MAX_TOK, yr, y);
                }
            }
            free(w);
            free(qx);
            free(x);
            free(y);
            free(yr);
        }
}
END_TEST

/* This path's row conversions give the reference's bits: every F16 value (NaNs only need to stay
 * NaNs), at every offset of a row whose length is not a multiple of the vector width. */
START_TEST(row_conversions_exact)
{
    for (uint32_t type = 0; type < TOLK_TYPE_COUNT; type++) {
        if (!isa_k->to_float[type])
            continue;
        ck_assert_msg(type == TOLK_TYPE_F16 || type == TOLK_TYPE_BF16, "exhaustive check written for 16-bit types");
        enum { N = 65536 + 5 };
        uint16_t *src = malloc(sizeof(uint16_t) * N);
        float *a = malloc(sizeof(float) * N), *b = malloc(sizeof(float) * N);
        for (int i = 0; i < N; i++)
            src[i] = (uint16_t)(i * 40503u);
        for (int off = 0; off < 5; off++) {
            isa_k->to_float[type](src + off, a, N - off);
            simd_traits(type)->to_float(src + off, b, N - off);
            for (int i = 0; i < N - off; i++)
                ck_assert_msg((isnan(a[i]) && isnan(b[i])) || !memcmp(&a[i], &b[i], sizeof(float)),
                              "%s 0x%04x: %.9g vs reference %.9g", simd_traits(type)->name, src[off + i], a[i], b[i]);
        }
        free(src);
        free(a);
        free(b);
    }
}
END_TEST

/* Each weight type's all-zero rows give exactly zero on this path. */
START_TEST(zero_blocks_give_zero)
{
    uint32_t wt = tl_wtypes[_i], at = simd_act_type(wt);
    const int64_t n = 1024;
    uint8_t *w = calloc(1, simd_row_bytes(wt, n)), *qx = malloc(simd_row_bytes(at, n));
    float *x = malloc(n * sizeof(float));
    tl_seed(9);
    tl_fill(x, n, TL_NORMAL);
    isa_k->quantize_act[at](x, qx, n);
    ck_assert_msg(isa_k->dot[wt](n, w, qx) == 0.0f, "%s", simd_traits(wt)->name);
    free(w);
    free(qx);
    free(x);
}
END_TEST

/* IQ4_NL and IQ4_XS promise the scalar reference's bits (llama.cpp's x86 order, ref/iq4.c) on every
 * path: dot, mat x vec from an odd row and mat x mat at 1..17 tokens, on random raw blocks with
 * scales from 6e-8 to 60000 (every FMA rounds) and on quantized rows. */
static const uint32_t iq4_types[] = {TOLK_TYPE_IQ4_NL, TOLK_TYPE_IQ4_XS};

START_TEST(iq4_reference_bits)
{
    uint32_t wt = iq4_types[_i], at = simd_act_type(wt);
    const int64_t lens[] = {256, 640 * 2, 8192 + 256};
    enum { ROWS = 21, R0 = 3, MAX_TOK = 17 };
    for (int li = 0; li < 3; li++)
        for (int mode = 0; mode < 3; mode++) {
            int64_t n = lens[li];
            size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
            uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * MAX_TOK);
            float *x = malloc(n * sizeof(float)), *y = malloc(sizeof(float) * ROWS * MAX_TOK),
                  *yr = malloc(sizeof(float) * ROWS * MAX_TOK);
            if (mode < 2) {
                tl_seed(1300 + 10 * li + mode);
                for (int r = 0; r < ROWS; r++)
                    tl_raw_blocks(wt, w + r * wrb, n, mode);
                for (int t = 0; t < MAX_TOK; t++) {
                    tl_fill(x, n, t % TL_KINDS);
                    isa_k->quantize_act[at](x, qx + t * arb, n);
                }
            } else {
                fill_batch(wt, n, ROWS, MAX_TOK, 1400 + li, x, w, qx);
            }
            for (int t = 0; t < MAX_TOK; t++)
                for (int r = 0; r < ROWS; r++) {
                    yr[t * ROWS + r] = ref_k->dot[wt](n, w + r * wrb, qx + t * arb);
                    float d = isa_k->dot[wt](n, w + r * wrb, qx + t * arb);
                    ck_assert_msg(!memcmp(&d, &yr[t * ROWS + r], 4), "%s n=%lld mode %d dot row %d tok %d: %.9g, scalar %.9g",
                                  simd_traits(wt)->name, (long long)n, mode, r, t, d, yr[t * ROWS + r]);
                }
            for (int t = 0; isa_k->matvec[wt] && t < MAX_TOK; t++) {
                isa_k->matvec[wt](w, wrb, n, qx + t * arb, y, R0, ROWS);
                for (int r = R0; r < ROWS; r++)
                    ck_assert_msg(!memcmp(&y[r], &yr[t * ROWS + r], 4), "%s n=%lld mode %d matvec row %d tok %d: %.9g, scalar %.9g",
                                  simd_traits(wt)->name, (long long)n, mode, r, t, y[r], yr[t * ROWS + r]);
            }
            for (int nt = 1; isa_k->matmul[wt] && nt <= MAX_TOK; nt += (li == 2 ? 8 : 1)) {
                for (int k = 0; k < ROWS * MAX_TOK; k++)
                    y[k] = -777.0f;
                if (wt == TOLK_TYPE_IQ4_XS) /* llama.cpp's batch order from 8 tokens (ref/iq4.c) */
                    ref_matmul_iq4_xs(w, wrb, n, qx, arb, nt, yr, ROWS, 0, ROWS);
                isa_k->matmul[wt](w, wrb, n, qx, arb, nt, y, ROWS, R0, ROWS);
                for (int t = 0; t < MAX_TOK; t++)
                    for (int r = 0; r < ROWS; r++) {
                        if (t >= nt || r < R0)
                            ck_assert_msg(y[t * ROWS + r] == -777.0f, "matmul wrote outside its range");
                        else
                            ck_assert_msg(!memcmp(&y[t * ROWS + r], &yr[t * ROWS + r], 4),
                                          "%s n=%lld mode %d, %d tokens: row %d tok %d: %.9g, scalar %.9g",
                                          simd_traits(wt)->name, (long long)n, mode, nt, r, t, y[t * ROWS + r],
                                          yr[t * ROWS + r]);
                    }
            }
            free(w);
            free(qx);
            free(x);
            free(y);
            free(yr);
        }
}
END_TEST

/* IQ4_XS prompt batches long enough for several token passes (the AVX2 panels hold up to 1 MiB of
 * activations per pass): llama.cpp's batch order (ref_matmul_iq4_xs) at every row and token, with
 * odd token counts (a partial last tile in each pass) and row ranges that end in a partial panel. */
START_TEST(iq4_xs_long_batches)
{
    const uint32_t wt = TOLK_TYPE_IQ4_XS, at = simd_act_type(wt);
    const struct {
        int64_t n, nt;
    } cases[] = {{2048, 515}, {256, 3851}, {256, 4113}};
    enum { ROWS = 37, R0 = 3 };
    for (size_t ci = 0; isa_k->matmul[wt] && ci < sizeof(cases) / sizeof(cases[0]); ci++) {
        const int64_t n = cases[ci].n, nt = cases[ci].nt;
        size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
        uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * nt);
        float *x = malloc(n * sizeof(float)), *y = malloc(sizeof(float) * ROWS * nt),
              *yr = malloc(sizeof(float) * ROWS * nt);
        ck_assert(w && qx && x && y && yr);
        tl_seed(1500 + ci);
        for (int r = 0; r < ROWS; r++)
            tl_raw_blocks(wt, w + r * wrb, n, (int)ci % 2);
        for (int64_t t = 0; t < nt; t++) {
            tl_fill(x, n, (int)(t % TL_KINDS));
            isa_k->quantize_act[at](x, qx + t * arb, n);
        }
        ref_matmul_iq4_xs(w, wrb, n, qx, arb, nt, yr, ROWS, 0, ROWS);
        batch_gives(isa_k->matmul[wt], "matmul", wt, w, wrb, n, qx, arb, ROWS, R0, (int)nt, (int)nt, yr, y);
        free(w);
        free(qx);
        free(x);
        free(y);
        free(yr);
    }
}
END_TEST

/* The AVX2 Q8_0 prompt panels (gemm_q32.c, batches of 16 tokens and more) in their own order:
 * per (row, token) acc = fma((float)isum_b, d_w x d_x rounded to float, acc) over the blocks in
 * order, isum_b the exact integer dot of block b. This scalar form of that order must give their
 * bits on raw weight blocks (codes -128..127, scales from 6e-8 to 60000) and on quantized rows,
 * for rows from 3 (two panels with a partial second one, a lone partial panel), every leftover of
 * the 5-token tiles and rows long enough for several token passes. */
static float q8_0_chain_dot(int64_t n, const uint8_t *w, const uint8_t *x)
{
    const block_q8_0 *a = (const block_q8_0 *)w, *q = (const block_q8_0 *)x;
    float acc = 0.0f;
    for (int64_t b = 0; b < n / 32; b++) {
        int32_t isum = 0;
        for (int i = 0; i < 32; i++)
            isum += (int32_t)a[b].qs[i] * q[b].qs[i];
        acc = fmaf((float)isum, simd_f16_to_f32(a[b].d) * simd_f16_to_f32(q[b].d), acc);
    }
    return acc;
}

/* The prepared-copy form of a batched kernel (kernels.h: simd_act_prep) over rows [r0, ROWS) x NT
 * tokens: every token's copy made from its quantized row into a buffer of ragged-free rows, then
 * checked as batch_gives checks the plain kernel. */
static void prep_gives(const simd_act_prep *ap, uint32_t wt, const uint8_t *w, size_t wrb, int64_t n, const uint8_t *qx,
                       size_t arb, int rows, int r0, int nt, int max_tok, const float *yr, float *y)
{
    const size_t prb = ap->row_bytes(n);
    ck_assert_msg(prb > 0 && prb % 64 == 0, "%s prepared row of %lld: %zu bytes", simd_traits(wt)->name, (long long)n, prb);
    char *prep = aligned_alloc(64, prb * (size_t)nt);
    memset(prep, 0x5a, prb * (size_t)nt);
    for (int t = 0; t < nt; t++)
        ap->prepare(qx + (size_t)t * arb, prep + (size_t)t * prb, n);
    for (int k = 0; k < rows * max_tok; k++)
        y[k] = -777.0f;
    ap->matmul(w, wrb, n, qx, arb, prep, prb, nt, y, (size_t)rows, r0, rows);
    for (int t = 0; t < max_tok; t++)
        for (int r = 0; r < rows; r++) {
            if (t >= nt || r < r0)
                ck_assert_msg(y[t * rows + r] == -777.0f, "%s prepared matmul wrote outside its range", simd_traits(wt)->name);
            else
                ck_assert_msg(!memcmp(&y[t * rows + r], &yr[t * rows + r], 4),
                              "%s prepared matmul n=%lld, %d tokens, rows from %d: row %d tok %d: %.9g, scalar %.9g",
                              simd_traits(wt)->name, (long long)n, nt, r0, r, t, y[t * rows + r], yr[t * rows + r]);
        }
    free(prep);
}

START_TEST(q8_0_panels_give_block_chain_bits)
{
    enum { ROWS = 48, R0 = 3, MAX_TOK = 33 };
    const uint32_t wt = TOLK_TYPE_Q8_0, at = simd_act_type(wt);
    const int64_t lens[] = {640, 96, 8992};
    const int toks[] = {16, 17, 18, 19, 20, 33};
    for (int li = 0; li < 3; li++)
        for (int mode = 0; mode < 3; mode++) { /* raw blocks, raw with extreme scales, quantized */
            const int64_t n = lens[li];
            const size_t wrb = simd_row_bytes(wt, n), arb = simd_row_bytes(at, n);
            uint8_t *w = malloc(wrb * ROWS), *qx = malloc(arb * MAX_TOK);
            float *x = malloc(sizeof(float) * (size_t)n), *y = malloc(sizeof(float) * ROWS * MAX_TOK);
            float *yr = malloc(sizeof(float) * ROWS * MAX_TOK);
            if (mode == 2) {
                fill_batch(wt, n, ROWS, MAX_TOK, 1500 + li, x, w, qx);
            } else {
                fill_batch(wt, n, ROWS, MAX_TOK, 1600 + 3 * li + mode, x, w, qx);
                for (int r = 0; r < ROWS; r++)
                    tl_raw_blocks(wt, w + r * wrb, n, mode);
            }
            for (int t = 0; t < MAX_TOK; t++)
                for (int r = 0; r < ROWS; r++)
                    yr[t * ROWS + r] = q8_0_chain_dot(n, w + r * wrb, qx + t * arb);
            const simd_act_prep *ap = isa_k->act_prep[wt];
            ck_assert_msg(ap && ap->plain == isa_k->matmul[wt] && ap->min_tok <= toks[0],
                          "the AVX2 Q8_0 panels lost their prepared-activation entry");
            for (int ti = 0; ti < (int)(sizeof(toks) / sizeof(toks[0])); ti++) {
                batch_gives(isa_k->matmul[wt], "panels", wt, w, wrb, n, qx, arb, ROWS, R0, toks[ti], MAX_TOK, yr, y);
                /* the same bits from copies prepared once per input (simd_prepare_act) */
                prep_gives(ap, wt, w, wrb, n, qx, arb, ROWS, R0, toks[ti], MAX_TOK, yr, y);
            }
            free(w);
            free(qx);
            free(x);
            free(y);
            free(yr);
        }
}
END_TEST

int main(void)
{
    ref_k = simd_kernels_for(SIMD_ISA_SCALAR);
    isa_k = simd_kernels_for(TEST_ISA);
    if (!isa_k) {
        skip_cpu("simd_" TEST_ISA_NAME, "the %s kernel path cannot run here (%s); nothing of it was tested",
                 TEST_ISA_NAME, simd_cpu_has(TEST_ISA) ? "not compiled into this build" : "this CPU lacks its instructions");
        return 77;
    }
    int n_exact = 0;
    for (size_t i = 0; i < TL_NWTYPES; i++)
        n_exact += isa_k->matmul[tl_wtypes[i]] && isa_k->matmul_exact[tl_wtypes[i]] >= 2;
    Suite *s = suite_create("simd_" TEST_ISA_NAME);
    TCase *tc = tcase_create(TEST_ISA_NAME);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, activation_quantizers_match_bytes, 0, sizeof(act_types) / sizeof(act_types[0]));
    tcase_add_loop_test(tc, integer_parts_identical, 0, TL_NWTYPES);
    tcase_add_loop_test(tc, float_results_within_bound, 0, TL_NWTYPES);
    tcase_add_loop_test(tc, zero_blocks_give_zero, 0, TL_NWTYPES);
    tcase_add_loop_test(tc, batched_shapes_within_bound, 0, TL_NWTYPES);
    if (TEST_ISA == SIMD_ISA_AVX2)
        tcase_add_test(tc, q8_0_panels_give_block_chain_bits);
    if (n_exact)
        tcase_add_loop_test(tc, batched_equals_one_token_where_promised, 0, TL_NWTYPES);
    else
        skip_cpu("batched_equals_one_token_where_promised",
                 "the %s kernel table promises no exact few-token matmul (matmul_exact) for any weight type",
                 TEST_ISA_NAME);
    int n_one_order = 0;
    for (size_t i = 0; i < TL_NWTYPES; i++)
        n_one_order += isa_k->matmul_one_order[tl_wtypes[i]] != NULL;
    if (n_one_order)
        tcase_add_loop_test(tc, one_order_any_count_equals_one_token, 0, TL_NWTYPES);
    else
        skip_cpu("one_order_any_count_equals_one_token",
                 "the %s kernel table has no one-order batched kernel (matmul_one_order) for any weight type",
                 TEST_ISA_NAME);
    tcase_add_test(tc, row_conversions_exact);
    tcase_add_test(tc, q4_0_blocks_add_in_llama_order);
    tcase_add_test(tc, q6_k_lanes_add_in_llama_order);
    tcase_add_test(tc, q4_k_blocks_add_in_llama_order);
    if (isa_k->quantize_act[TOLK_TYPE_Q8_K])
        tcase_add_test(tc, q8_k_first_largest_sets_sign);
    tcase_add_loop_test(tc, kq_very_long_rows_reference_bits, 0, 2);
    tcase_add_loop_test(tc, q5_0_q8_0_lanes_add_in_llama_order, 0, sizeof lane_types / sizeof lane_types[0]);
    int n_ref_bits = 0;
    for (size_t i = 0; i < TL_NWTYPES; i++)
        n_ref_bits += isa_k->ref_bits[tl_wtypes[i]];
    if (n_ref_bits)
        tcase_add_loop_test(tc, reference_bits_where_promised, 0, TL_NWTYPES);
    else
        skip_cpu("reference_bits_where_promised",
                 "the %s kernel table promises the scalar reference's bits (ref_bits) for no weight type",
                 TEST_ISA_NAME);
    if (X86_LLAMA_ORDER && (isa_k->matmul_one_order[TOLK_TYPE_Q5_0] || isa_k->matmul_one_order[TOLK_TYPE_Q8_0]))
        tcase_add_loop_test(tc, q5_0_q8_0_exact_kernels_give_reference_bits, 0, sizeof lane_types / sizeof lane_types[0]);
    else
        skip_cpu("q5_0_q8_0_exact_kernels_give_reference_bits",
                 "the %s kernel table has no one-order Q5_0 / Q8_0 kernel of llama.cpp's x86 order", TEST_ISA_NAME);
    tcase_add_loop_test(tc, iq4_reference_bits, 0, sizeof(iq4_types) / sizeof(iq4_types[0]));
    tcase_add_test(tc, iq4_xs_long_batches);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
