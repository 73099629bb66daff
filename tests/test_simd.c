/* Tests for simd/ semantics on the scalar references: half conversions, our quantized bytes equal
 * to llama.cpp's reference quantizers on fixed inputs (tests/fixtures), dequantizers equal to
 * ggml's, quantize->dequantize error per format, dot products consistent with dequantized floats,
 * the public matvec/matmul entry points on row ranges, and choosing a path by name (simd_set_isa). */
#ifdef TOLK_CHECK_SHIM
#include "check_shim.h"
#else
#include <check.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "simd.h"
#include "simd_testlib.h"
#include "suite_run.h"
#include "test_isa.h"

#define FX_ROWS 8
#define FX_COLS 512

static void *read_fixture(const char *name, size_t want)
{
    const char *src = getenv("TOLK_SRCDIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/tests/fixtures/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open fixture %s", path);
    void *buf = malloc(want + 1);
    size_t got = fread(buf, 1, want + 1, f);
    fclose(f);
    ck_assert_msg(got == want, "fixture %s: %zu bytes, expected %zu", path, got, want);
    return buf;
}

START_TEST(half_conversions_round_trip)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float f = simd_f16_to_f32((uint16_t)h);
        if (f != f) {
            ck_assert_msg(simd_f32_to_f16(f) == (h | 0x0200), "f16 NaN %04x", h);
            continue;
        }
        ck_assert_msg(simd_f32_to_f16(f) == h, "f16 %04x -> %g -> %04x", h, f, simd_f32_to_f16(f));
        float g = simd_bf16_to_f32((uint16_t)h);
        if (g == g)
            ck_assert_msg(simd_f32_to_bf16(g) == h, "bf16 %04x", h);
    }
    ck_assert_uint_eq(simd_f32_to_f16(65519.0f), 0x7bff);
    ck_assert_uint_eq(simd_f32_to_f16(65520.0f), 0x7c00);
    ck_assert_uint_eq(simd_f32_to_f16(-1e9f), 0xfc00);
    ck_assert_uint_eq(simd_f32_to_f16(1.0f + 1.0f / 2048), 0x3c00);     /* tie -> even */
    ck_assert_uint_eq(simd_f32_to_f16(1.0f + 3.0f / 2048), 0x3c02);     /* tie -> even (up) */
    ck_assert_uint_eq(simd_f32_to_f16(2.98e-8f), 0x0000);               /* just under half the smallest subnormal */
    ck_assert_uint_eq(simd_f32_to_f16(2.99e-8f), 0x0001);
    ck_assert_uint_eq(simd_f32_to_bf16(1.0f + 1.0f / 256), 0x3f80);     /* tie -> even */
    ck_assert_uint_eq(simd_f32_to_bf16(1.0f + 3.0f / 256), 0x3f82);
}
END_TEST

static const char *const fx_types[] = {"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
                                       "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"};

static uint32_t type_by_name(const char *name)
{
    for (uint32_t t = 0; t < TOLK_TYPE_COUNT; t++)
        if (simd_traits(t) && strcmp(simd_traits(t)->name, name) == 0)
            return t;
    ck_abort_msg("no type %s", name);
    return 0;
}

/* Our reference quantizers write the same bytes as llama.cpp's (the files must load and match). */
START_TEST(quantize_matches_llamacpp_fixture)
{
    const char *name = fx_types[_i];
    uint32_t type = type_by_name(name);
    float *x = read_fixture("quant_input.f32", FX_ROWS * FX_COLS * sizeof(float));
    size_t rb = simd_row_bytes(type, FX_COLS);
    char fname[64];
    snprintf(fname, sizeof(fname), "quant_%s.bin", name);
    uint8_t *want = read_fixture(fname, FX_ROWS * rb);
    uint8_t *got = calloc(FX_ROWS, rb);
    for (int r = 0; r < FX_ROWS; r++)
        ck_assert(simd_quantize_row(type, x + r * FX_COLS, got + r * rb, FX_COLS));
    for (size_t i = 0; i < FX_ROWS * rb; i++)
        ck_assert_msg(got[i] == want[i], "%s: row %zu block %zu byte %zu: %02x, llama.cpp wrote %02x", name,
                      i / rb, (i % rb) / simd_traits(type)->type_size, (i % rb) % simd_traits(type)->type_size,
                      got[i], want[i]);
    free(x);
    free(want);
    free(got);
}
END_TEST

/* Our dequantizers give ggml's floats bit for bit on the fixture blocks. */
START_TEST(dequantize_matches_ggml_fixture)
{
    const char *name = fx_types[_i];
    uint32_t type = type_by_name(name);
    if (type == TOLK_TYPE_Q8_1)
        return; /* ggml has no Q8_1 dequantizer to compare with */
    size_t rb = simd_row_bytes(type, FX_COLS);
    char fname[64];
    snprintf(fname, sizeof(fname), "quant_%s.bin", name);
    uint8_t *q = read_fixture(fname, FX_ROWS * rb);
    snprintf(fname, sizeof(fname), "deq_%s.f32", name);
    float *want = read_fixture(fname, 2 * FX_COLS * sizeof(float));
    float got[2 * FX_COLS];
    ck_assert(simd_dequantize_row(type, q, got, 2 * FX_COLS));
    for (int i = 0; i < 2 * FX_COLS; i++)
        ck_assert_msg(memcmp(&got[i], &want[i], 4) == 0, "%s[%d]: %.9g, ggml %.9g", name, i, got[i], want[i]);
    free(q);
    free(want);
}
END_TEST

/* Activation quantization gives the bytes of llama.cpp's CPU backend (fixtures from its x86 build). */
static const char *const act_fx[] = {"F16", "BF16", "Q8_0", "Q8_1", "Q8_K"};

START_TEST(activations_match_llamacpp_fixture)
{
    uint32_t at = type_by_name(act_fx[_i]);
    float *x = read_fixture("quant_input.f32", FX_ROWS * FX_COLS * sizeof(float));
    size_t rb = simd_row_bytes(at, FX_COLS);
    char fname[64];
    snprintf(fname, sizeof(fname), "act_%s.bin", act_fx[_i]);
    uint8_t *want = read_fixture(fname, FX_ROWS * rb);
    uint8_t *got = calloc(FX_ROWS, rb);
    /* a weight type whose partner is at: the act type itself for F16/BF16/Q8_0 */
    uint32_t wt = at == TOLK_TYPE_Q8_1 ? TOLK_TYPE_Q4_1 : at == TOLK_TYPE_Q8_K ? TOLK_TYPE_Q4_K : at;
    for (int r = 0; r < FX_ROWS; r++)
        simd_quantize_act(wt, x + r * FX_COLS, got + r * rb, FX_COLS);
    for (size_t i = 0; i < FX_ROWS * rb; i++)
        ck_assert_msg(got[i] == want[i], "%s activations: byte %zu: %02x, llama.cpp %02x", act_fx[_i], i, got[i],
                      want[i]);
    free(x);
    free(want);
    free(got);
}
END_TEST

/* Relative RMS error bounds of quantize -> dequantize on normal data, per format (measured values
 * sit well below: e.g. Q4_0 ~0.087, Q4_K ~0.074, Q6_K ~0.019, Q8_0 ~0.0045). */
static const struct {
    uint32_t type;
    double max_rel_rmse;
} rmse_bounds[] = {
    {TOLK_TYPE_F16, 0.0004}, {TOLK_TYPE_BF16, 0.003}, {TOLK_TYPE_Q4_0, 0.11}, {TOLK_TYPE_Q4_1, 0.10},
    {TOLK_TYPE_Q5_0, 0.055}, {TOLK_TYPE_Q5_1, 0.05}, {TOLK_TYPE_Q8_0, 0.006}, {TOLK_TYPE_Q8_1, 0.006},
    {TOLK_TYPE_Q2_K, 0.40}, {TOLK_TYPE_Q3_K, 0.20}, {TOLK_TYPE_Q4_K, 0.09}, {TOLK_TYPE_Q5_K, 0.045},
    {TOLK_TYPE_Q6_K, 0.025}, {TOLK_TYPE_Q8_K, 0.008},
    {TOLK_TYPE_IQ4_NL, 0.09}, {TOLK_TYPE_IQ4_XS, 0.09},
};

START_TEST(quantize_dequantize_rmse)
{
    uint32_t type = rmse_bounds[_i].type;
    const int64_t n = 8192;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    void *q = malloc(simd_row_bytes(type, n));
    tl_seed(7 + _i);
    tl_fill(x, n, TL_NORMAL);
    ck_assert(simd_quantize_row(type, x, q, n));
    ck_assert(simd_dequantize_row(type, q, y, n));
    double se = 0.0, sx = 0.0;
    for (int64_t i = 0; i < n; i++) {
        se += (double)(x[i] - y[i]) * (x[i] - y[i]);
        sx += (double)x[i] * x[i];
    }
    double rel = sqrt(se / sx);
    ck_assert_msg(rel <= rmse_bounds[_i].max_rel_rmse, "%s: relative RMSE %.5f > %.5f", simd_traits(type)->name, rel,
                  rmse_bounds[_i].max_rel_rmse);
    /* all-zero input stays exactly zero */
    memset(x, 0, n * sizeof(float));
    ck_assert(simd_quantize_row(type, x, q, n));
    ck_assert(simd_dequantize_row(type, q, y, n));
    for (int64_t i = 0; i < n; i++)
        ck_assert_msg(y[i] == 0.0f, "%s: zero input gave %g at %ld", simd_traits(type)->name, y[i], (long)i);
    free(x);
    free(y);
    free(q);
}
END_TEST

/* The reference dot product equals the double-precision dot of the dequantized rows, within float
 * rounding: |ref - exact| <= 1e-5 * sum |w_i x_i| (+ tiny absolute slack for all-zero rows). */
START_TEST(reference_dot_matches_dequantized)
{
    uint32_t wtype = tl_wtypes[_i];
    const simd_type_traits *t = simd_traits(wtype);
    const int64_t n = 2048;
    float *x = malloc(n * sizeof(float)), *wf = malloc(n * sizeof(float));
    void *w = malloc(simd_row_bytes(wtype, n)), *qx = malloc(simd_act_row_bytes(wtype, n));
    for (int kind = 0; kind < TL_KINDS; kind++) {
        if (kind == TL_HUGE && t->act_type == TOLK_TYPE_Q8_1)
            continue; /* Q8_1's half s overflows there, in ggml too */
        tl_seed(100 + kind);
        tl_fill(x, n, kind);
        tl_fill(wf, n, kind == TL_HUGE ? TL_NORMAL : kind);
        simd_quantize_row(wtype, wf, w, n);
        simd_traits(t->act_type)->from_float(x, qx, n);
        double abs_sum, exact = tl_float_dot(wtype, w, t->act_type, qx, n, &abs_sum);
        float got = t->dot(n, w, qx);
        ck_assert_msg(fabs(got - exact) <= 1e-5 * abs_sum + tl_q8_1_slack(wtype, w, qx, n) + 1e-30,
                      "%s kind %d: dot %.9g, exact %.9g (scale %.3g)", t->name, kind, got, exact, abs_sum);
    }
    free(x);
    free(wf);
    free(w);
    free(qx);
}
END_TEST

/* ROWS weight rows of kind r % TL_KINDS quantized into W (WF: one row of scratch) and NTOK normal
 * activation rows X quantized into QX, from SEED. */
static void fill_rows_and_acts(uint32_t wtype, int64_t n, int64_t rows, int64_t ntok, uint64_t seed, float *wf,
                               uint8_t *w, float *x, uint8_t *qx)
{
    size_t wrb = simd_row_bytes(wtype, n), arb = simd_act_row_bytes(wtype, n);
    tl_seed(seed);
    for (int64_t r = 0; r < rows; r++) {
        tl_fill(wf, n, r % TL_KINDS);
        simd_quantize_row(wtype, wf, w + r * wrb, n);
    }
    for (int64_t t = 0; t < ntok; t++) {
        tl_fill(x + t * n, n, TL_NORMAL);
        simd_quantize_act(wtype, x + t * n, qx + t * arb, n);
    }
}

/* simd_matvec / simd_matmul (active ISA) on row ranges: rows outside [r0, r1) stay untouched and
 * every written value is within 2e-5 * sum |w_i x_i| of the exact dot of the dequantized rows. */
START_TEST(matvec_matmul_row_ranges)
{
    uint32_t wtype = tl_wtypes[_i];
    const int64_t n = 512, rows = 13, ntok = 5;
    size_t wrb = simd_row_bytes(wtype, n), arb = simd_act_row_bytes(wtype, n);
    float *x = malloc(ntok * n * sizeof(float)), *wf = malloc(n * sizeof(float));
    uint8_t *w = malloc(rows * wrb), *qx = malloc(ntok * arb);
    float y[5 * 16];
    fill_rows_and_acts(wtype, n, rows, ntok, 55, wf, w, x, qx);
    const int64_t ranges[][2] = {{0, 13}, {3, 4}, {1, 12}, {5, 10}};
    for (int k = 0; k < 4; k++) {
        int64_t r0 = ranges[k][0], r1 = ranges[k][1];
        for (int i = 0; i < 5 * 16; i++)
            y[i] = -12345.0f;
        simd_matmul(wtype, w, wrb, n, qx, arb, ntok, y, 16, r0, r1);
        for (int64_t t = 0; t < ntok; t++)
            for (int64_t r = 0; r < 16; r++) {
                float got = y[t * 16 + r];
                if (r < r0 || r >= r1) {
                    ck_assert_msg(got == -12345.0f, "row %ld outside [%ld,%ld) written", (long)r, (long)r0, (long)r1);
                    continue;
                }
                double abs_sum, exact = tl_float_dot(wtype, w + r * wrb, simd_act_type(wtype), qx + t * arb, n, &abs_sum);
                double slack = tl_q8_1_slack(wtype, w + r * wrb, qx + t * arb, n);
                ck_assert_msg(fabs(got - exact) <= 2e-5 * abs_sum + slack + 1e-30, "%s matmul r %ld t %ld: %.9g vs %.9g",
                              simd_traits(wtype)->name, (long)r, (long)t, got, exact);
            }
        for (int i = 0; i < 16; i++)
            y[i] = -12345.0f;
        simd_matvec(wtype, w, wrb, n, qx + arb, y, r0, r1);
        for (int64_t r = 0; r < 16; r++) {
            if (r < r0 || r >= r1) {
                ck_assert(y[r] == -12345.0f);
                continue;
            }
            double abs_sum, exact = tl_float_dot(wtype, w + r * wrb, simd_act_type(wtype), qx + arb, n, &abs_sum);
            double slack = tl_q8_1_slack(wtype, w + r * wrb, qx + arb, n);
            ck_assert_msg(fabs(y[r] - exact) <= 2e-5 * abs_sum + slack + 1e-30, "%s matvec r %ld: %.9g vs %.9g",
                          simd_traits(wtype)->name, (long)r, y[r], exact);
        }
    }
    free(x);
    free(wf);
    free(w);
    free(qx);
}
END_TEST

/* One row count of prepared_activations_give_matmul_bits. */
static void prepared_rows_give_matmul_bits(uint32_t wtype, int64_t rows)
{
    const int64_t n = 640, ntok = 17, r0 = 3;
    size_t wrb = simd_row_bytes(wtype, n), arb = simd_act_row_bytes(wtype, n);
    size_t prb = simd_act_prep_bytes(wtype, n, ntok);
    ck_assert_msg(prb % 64 == 0 && simd_act_prep_bytes(wtype, n, 1) == 0, "%s: prepared rows of %zu bytes",
                  simd_traits(wtype)->name, prb);
    float *x = malloc(ntok * n * sizeof(float)), *wf = malloc(n * sizeof(float));
    float *y = malloc(sizeof(float) * rows * ntok), *yp = malloc(sizeof(float) * rows * ntok);
    uint8_t *w = malloc(rows * wrb), *qx = malloc(ntok * arb);
    char *prep = prb ? aligned_alloc(64, prb * ntok) : NULL;
    fill_rows_and_acts(wtype, n, rows, ntok, 77, wf, w, x, qx);
    for (int64_t t = 0; t < ntok && prep; t++)
        simd_prepare_act(wtype, qx + t * arb, prep + t * prb, n);
    for (int i = 0; i < rows * ntok; i++)
        y[i] = yp[i] = -12345.0f;
    simd_matmul(wtype, w, wrb, n, qx, arb, ntok, y, rows, r0, rows);
    for (int with = 0; with < 2; with++) {
        simd_matmul_prep(wtype, w, wrb, n, qx, arb, with ? prep : NULL, prb, ntok, yp, rows, r0, rows);
        ck_assert_msg(!memcmp(y, yp, sizeof(float) * rows * ntok), "%s: simd_matmul_prep (%s copy) differs from simd_matmul",
                      simd_traits(wtype)->name, with && prep ? "with a" : "without");
    }
    /* Q5_0's panels (AVX2 gemm_q32.c) add each (row, token) alone: one row per call (a lone partial
     * panel) gives the row group's bits */
    for (int64_t r = r0; r < rows && wtype == TOLK_TYPE_Q5_0; r++) {
        simd_matmul(wtype, w, wrb, n, qx, arb, ntok, yp, rows, r, r + 1);
        for (int64_t t = 0; t < ntok; t++)
            ck_assert_msg(!memcmp(&y[t * rows + r], &yp[t * rows + r], sizeof(float)),
                          "Q5_0 row %ld token %ld alone: %.9g, in its group: %.9g", (long)r, (long)t,
                          yp[t * rows + r], y[t * rows + r]);
    }
    free(x);
    free(wf);
    free(y);
    free(yp);
    free(w);
    free(qx);
    free(prep);
}

/* Prepared activations (simd_act_prep_bytes / simd_prepare_act / simd_matmul_prep, active path):
 * where the path's product over n_tok tokens reads a copy, the copies give simd_matmul's very bits
 * (rows from 3, 17 tokens: a partial tile; 11, 18, 24 and 37 rows: AVX2 row groups of 2, 3, 3 and
 * 4 + 1 panels of 8, partial ones among them; Q5_0: each row alone gives the same bits); with no
 * copy, or a size of 0, simd_matmul_prep is simd_matmul. Copy sizes are multiples of 64 and 0 on one token. */
START_TEST(prepared_activations_give_matmul_bits)
{
    static const int64_t row_counts[] = {14, 21, 27, 40};
    for (int rc = 0; rc < 4; rc++)
        prepared_rows_give_matmul_bits(tl_wtypes[_i], row_counts[rc]);
}
END_TEST

START_TEST(traits_and_partner_types)
{
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_Q4_0), TOLK_TYPE_Q8_0);
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_Q5_0), TOLK_TYPE_Q8_0);
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_Q8_0), TOLK_TYPE_Q8_0);
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_Q4_1), TOLK_TYPE_Q8_1);
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_Q5_1), TOLK_TYPE_Q8_1);
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_Q4_K), TOLK_TYPE_Q8_K);
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_Q6_K), TOLK_TYPE_Q8_K);
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_F16), TOLK_TYPE_F16);
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_BF16), TOLK_TYPE_BF16);
    ck_assert_uint_eq(simd_act_type(TOLK_TYPE_F32), TOLK_TYPE_F32);
    ck_assert_uint_eq(simd_act_row_bytes(TOLK_TYPE_Q4_K, 512), 2 * 292);
    ck_assert(!simd_quantize_row(TOLK_TYPE_IQ2_XXS, NULL, NULL, 256));
    ck_assert(!simd_quantize_row(TOLK_TYPE_Q4_K, NULL, NULL, 100)); /* not a multiple of 256 */
    ck_assert(!simd_dequantize_row(TOLK_TYPE_COUNT, NULL, NULL, 32));
}
END_TEST

/* The path choice is process-wide; Check forks each test, so each starts from the best path. */
START_TEST(isa_override_scalar)
{
    char err[200] = "";
    ck_assert_int_eq(simd_set_isa("scalar", err, sizeof(err)), 0);
    ck_assert_str_eq(simd_isa_name(), "scalar");
    ck_assert_int_eq(simd_set_isa(NULL, err, sizeof(err)), 0); /* back to the best path */
    ck_assert_int_eq(simd_set_isa(simd_isa_name(), err, sizeof(err)), 0);
}
END_TEST

START_TEST(isa_override_unknown_is_an_error)
{
    const char *before = simd_isa_name();
    char err[200] = "";
    ck_assert_int_eq(simd_set_isa("sse9", err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "sse9") && strstr(err, "unknown"), "message: %s", err);
    ck_assert_str_eq(simd_isa_name(), before);
}
END_TEST

START_TEST(isa_override_missing_path_is_an_error)
{
    const char *missing = NULL;
    for (int i = SIMD_ISA_AVX2; i < SIMD_ISA_COUNT && !missing; i++)
        if (!simd_cpu_has((simd_isa)i))
            missing = i == SIMD_ISA_AVX2 ? "avx2" : i == SIMD_ISA_AVX512 ? "avx512" : "neon";
    ck_assert(missing != NULL); /* no CPU runs both x86 and ARM paths */
    char err[200] = "";
    ck_assert_int_eq(simd_set_isa(missing, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, missing) != NULL, "message: %s", err);
}
END_TEST

/* IQ4 worked by hand, independent of the code's table and scale decoding: ggml's kvalues_iq4nl
 * written out here, an IQ4_NL block of codes 0..15 (low nibbles) and 15..0 (high nibbles) at
 * d = 0.5, and an IQ4_XS block whose eight 6-bit scales 0, 63, 32, 17, 48, 5, 40, 33 (offset 32:
 * -32, 31, 0, -15, 16, -27, 8, 1) were packed by hand into scales_l = F0 10 50 18 and
 * scales_h = 0xA36C, every code byte 0xF0 (elements 0..15 of a run: table[0] = -127, elements
 * 16..31: table[15] = 113), d = 0.25. Then the dot against activations of all ones (d_x = 1). */
START_TEST(iq4_blocks_worked_by_hand)
{
    static const int table[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    uint8_t nl[18];
    uint16_t h = simd_f32_to_f16(0.5f);
    memcpy(nl, &h, 2);
    for (int j = 0; j < 16; j++)
        nl[2 + j] = (uint8_t)(j | ((15 - j) << 4));
    float y[256];
    ck_assert(simd_dequantize_row(TOLK_TYPE_IQ4_NL, nl, y, 32));
    for (int j = 0; j < 16; j++) {
        ck_assert_msg(y[j] == 0.5f * (float)table[j], "IQ4_NL element %d: %g", j, y[j]);
        ck_assert_msg(y[j + 16] == 0.5f * (float)table[15 - j], "IQ4_NL element %d: %g", j + 16, y[j + 16]);
    }
    uint8_t xs[136];
    h = simd_f32_to_f16(0.25f);
    memcpy(xs, &h, 2);
    xs[2] = 0x6C; /* scales_h 0xA36C, little endian */
    xs[3] = 0xA3;
    xs[4] = 0xF0;
    xs[5] = 0x10;
    xs[6] = 0x50;
    xs[7] = 0x18;
    memset(xs + 8, 0xF0, 128);
    static const int ls[8] = {-32, 31, 0, -15, 16, -27, 8, 1};
    ck_assert(simd_dequantize_row(TOLK_TYPE_IQ4_XS, xs, y, 256));
    for (int ib = 0; ib < 8; ib++)
        for (int j = 0; j < 32; j++) {
            float want = 0.25f * (float)ls[ib] * (float)(j < 16 ? -127 : 113);
            ck_assert_msg(y[32 * ib + j] == want, "IQ4_XS run %d element %d: %g, want %g", ib, j, y[32 * ib + j], want);
        }
    ck_assert_msg(y[32] == -984.25f && y[48] == 875.75f, "IQ4_XS run 1: %g %g", y[32], y[48]);
    /* dot against all-ones activations: sum of ls * (16 * -127 + 16 * 113) * 0.25 = -56 * sum(ls) */
    uint8_t q8k[292] = {0};
    float one = 1.0f;
    memcpy(q8k, &one, 4);
    memset(q8k + 4, 1, 256);
    int16_t sixteen = 16;
    for (int g = 0; g < 16; g++)
        memcpy(q8k + 260 + 2 * g, &sixteen, 2);
    const simd_type_traits *t = simd_traits(TOLK_TYPE_IQ4_XS);
    ck_assert_uint_eq(t->act_type, TOLK_TYPE_Q8_K);
    ck_assert_uint_eq(simd_traits(TOLK_TYPE_IQ4_NL)->act_type, TOLK_TYPE_Q8_0);
    ck_assert_msg(t->dot(256, xs, q8k) == -56.0f * (-32 + 31 + 0 - 15 + 16 - 27 + 8 + 1), "IQ4_XS dot %g",
                  t->dot(256, xs, q8k));
}
END_TEST

int main(void)
{
    test_isa_from_env();
    Suite *s = suite_create("simd");
    TCase *tc = tcase_create("reference");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, half_conversions_round_trip);
    tcase_add_loop_test(tc, quantize_matches_llamacpp_fixture, 0, sizeof(fx_types) / sizeof(fx_types[0]));
    tcase_add_loop_test(tc, dequantize_matches_ggml_fixture, 0, sizeof(fx_types) / sizeof(fx_types[0]));
    tcase_add_loop_test(tc, activations_match_llamacpp_fixture, 0, sizeof(act_fx) / sizeof(act_fx[0]));
    tcase_add_loop_test(tc, quantize_dequantize_rmse, 0, sizeof(rmse_bounds) / sizeof(rmse_bounds[0]));
    tcase_add_loop_test(tc, reference_dot_matches_dequantized, 0, TL_NWTYPES);
    tcase_add_loop_test(tc, matvec_matmul_row_ranges, 0, TL_NWTYPES);
    tcase_add_loop_test(tc, prepared_activations_give_matmul_bits, 0, TL_NWTYPES);
    tcase_add_test(tc, traits_and_partner_types);
    tcase_add_test(tc, isa_override_scalar);
    tcase_add_test(tc, isa_override_unknown_is_an_error);
    tcase_add_test(tc, isa_override_missing_path_is_an_error);
    tcase_add_test(tc, iq4_blocks_worked_by_hand);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
