/* The CUDA kernels' block code (gpu/gpu_blocks.h), compiled here for the host, against tolk's scalar
 * reference (simd/ref) on random blocks of every type the GPU path handles: element decoders and the
 * half / bfloat16 conversions bit for bit, the activation quantizers (Q8_0, Q8_K) byte for byte, the
 * dot products within 1e-5 of sum|w*x| (the references of Q4_0 / Q5_0 / Q8_0 sum in llama.cpp's
 * x86 order, the K-quants scale per 32-element unit, the float types sum in float where the
 * reference uses double). Runs in every build, with or without CUDA. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_blocks.h"
#include "ref/ref.h"
#include "simd.h"
#include "suite_run.h"

#define N_ELEMS 1024 /* four K-quant super-blocks, 32 legacy blocks */
#define N_ROWS 24

static const int gpu_types[] = {GPU_T_F32, GPU_T_F16, GPU_T_BF16, GPU_T_Q4_0, GPU_T_Q5_0,
                                GPU_T_Q8_0, GPU_T_Q4_K, GPU_T_Q6_K};
#define N_TYPES (int)(sizeof gpu_types / sizeof gpu_types[0])

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static float uniform(float lo, float hi)
{
    return lo + (hi - lo) * (float)(next_u32() & 0xffffff) / 16777216.0f;
}

static void put_half(void *p, float v)
{
    uint16_t h = simd_f32_to_f16(v);
    memcpy(p, &h, 2);
}

/* A row of random blocks: random bytes everywhere, then finite, moderate scales, so every code
 * pattern occurs and the dot products stay finite. Row r of kind 0 is raw bytes, kind 1 the
 * reference quantization of random floats (realistic blocks). */
static void random_row(int type, uint8_t *row, int kind)
{
    const simd_type_traits *tr = simd_traits((uint32_t)type);
    size_t bytes = simd_row_bytes((uint32_t)type, N_ELEMS);
    if (kind == 1 || type == GPU_T_F32 || type == GPU_T_F16 || type == GPU_T_BF16) {
        float x[N_ELEMS];
        for (int i = 0; i < N_ELEMS; i++)
            x[i] = uniform(-2.0f, 2.0f) * (i % 97 == 0 ? 8.0f : 1.0f);
        tr->from_float(x, row, N_ELEMS);
        return;
    }
    for (size_t i = 0; i < bytes; i++)
        row[i] = (uint8_t)next_u32();
    int nb = N_ELEMS / gpu_block_elems(type), bb = gpu_block_bytes(type);
    for (int b = 0; b < nb; b++) {
        uint8_t *blk = row + (size_t)b * bb;
        switch (type) {
        case GPU_T_Q4_0: case GPU_T_Q5_0: case GPU_T_Q8_0:
            put_half(blk, uniform(-0.05f, 0.05f));
            break;
        case GPU_T_Q4_K:
            put_half(blk, uniform(0.0f, 0.01f));
            put_half(blk + 2, uniform(0.0f, 0.01f));
            break;
        case GPU_T_Q6_K:
            put_half(blk + 208, uniform(-0.01f, 0.01f));
            break;
        }
    }
}

static int same_bits(float a, float b)
{
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x == y;
}

START_TEST(half_and_bf16_conversions_match)
{
    for (uint32_t h = 0; h < 65536; h++) {
        ck_assert(same_bits(gpu_half_to_f32((uint16_t)h), simd_f16_to_f32((uint16_t)h)));
        ck_assert(same_bits(gpu_bf16_to_f32((uint16_t)h), simd_bf16_to_f32((uint16_t)h)));
    }
    static const uint32_t special[] = {0u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00001u, 0x477ff000u,
                                       0x477fefffu, 0x38800000u, 0x387fffffu, 0x33000000u, 0x33000001u, 1u};
    for (int i = 0; i < 200000 + (int)(sizeof special / 4); i++) {
        uint32_t u = i < (int)(sizeof special / 4) ? special[i] : next_u32() << 16 ^ next_u32();
        float f;
        memcpy(&f, &u, 4);
        ck_assert_uint_eq(gpu_f32_to_half(f), simd_f32_to_f16(f));
        ck_assert_uint_eq(gpu_f32_to_bf16(f), simd_f32_to_bf16(f));
    }
}
END_TEST

/* Every element of random rows of every type decodes to the reference's bits. */
START_TEST(decoders_match_reference)
{
    static _Alignas(64) uint8_t row[N_ELEMS * 4];
    float ref[N_ELEMS];
    for (int t = 0; t < N_TYPES; t++) {
        int type = gpu_types[t];
        ck_assert_uint_eq((uint64_t)gpu_block_bytes(type), simd_traits((uint32_t)type)->type_size);
        ck_assert_uint_eq((uint64_t)gpu_block_elems(type), simd_traits((uint32_t)type)->block_size);
        for (int r = 0; r < N_ROWS; r++) {
            random_row(type, row, r & 1);
            simd_traits((uint32_t)type)->to_float(row, ref, N_ELEMS);
            for (int i = 0; i < N_ELEMS; i++)
                ck_assert_msg(same_bits(gpu_row_value(type, row, i), ref[i]), "%s element %d: %g vs %g",
                              simd_traits((uint32_t)type)->name, i, (double)gpu_row_value(type, row, i),
                              (double)ref[i]);
        }
    }
}
END_TEST

/* The activation quantizers write the CPU path's bytes, ties and zero blocks included. */
START_TEST(activation_quantizers_match_reference)
{
    float x[GPU_QK_K];
    gpu_block_q8_0 g0, r0;
    gpu_block_q8_k gk, rk;
    for (int trial = 0; trial < 4000; trial++) {
        int shape = trial % 5;
        for (int j = 0; j < GPU_QK_K; j++) {
            x[j] = uniform(-3.0f, 3.0f);
            if (shape == 1) /* exact halves on the code grid: rounding ties */
                x[j] = (float)((int)(next_u32() % 255) - 127) * 0.5f;
        }
        if (shape == 2)
            memset(x, 0, sizeof x);
        if (shape == 3) { /* equal magnitudes of both signs: the first one sets the Q8_K sign */
            x[5] = 4.0f;
            x[9] = -4.0f;
            x[200] = -4.0f;
        }
        if (shape == 4)
            x[trial % GPU_QK_K] = -1e-30f;
        for (int b = 0; b < GPU_QK_K / 32; b++) {
            gpu_quant_q8_0_block(x + 32 * b, &g0);
            ref_quant_act_q8_0(x + 32 * b, &r0, 32);
            ck_assert_int_eq(memcmp(&g0, &r0, sizeof g0), 0);
        }
        gpu_quant_q8_k_block(x, &gk);
        ref_quant_q8_k(x, &rk, GPU_QK_K);
        ck_assert_int_eq(memcmp(&gk, &rk, sizeof gk), 0);
    }
}
END_TEST

/* Quantizes x into the activation partner of wtype with the shared code. */
static void quantize_act(int wtype, const float *x, uint8_t *qx)
{
    switch (gpu_act_type(wtype)) {
    case GPU_T_Q8_0:
        for (int b = 0; b < N_ELEMS / 32; b++)
            gpu_quant_q8_0_block(x + 32 * b, (gpu_block_q8_0 *)qx + b);
        break;
    case GPU_T_Q8_K:
        for (int b = 0; b < N_ELEMS / 256; b++)
            gpu_quant_q8_k_block(x + 256 * b, (gpu_block_q8_k *)qx + b);
        break;
    case GPU_T_F16:
        for (int i = 0; i < N_ELEMS; i++) {
            uint16_t h = gpu_f32_to_half(x[i]);
            memcpy(qx + 2 * i, &h, 2);
        }
        break;
    case GPU_T_BF16:
        for (int i = 0; i < N_ELEMS; i++) {
            uint16_t h = gpu_f32_to_bf16(x[i]);
            memcpy(qx + 2 * i, &h, 2);
        }
        break;
    default:
        memcpy(qx, x, sizeof(float) * N_ELEMS);
    }
}

START_TEST(dots_match_reference)
{
    static _Alignas(64) uint8_t row[N_ELEMS * 4], qx[N_ELEMS * 4];
    float x[N_ELEMS], wf[N_ELEMS], xf[N_ELEMS];
    for (int t = 0; t < N_TYPES; t++) {
        int type = gpu_types[t];
        const simd_type_traits *tr = simd_traits((uint32_t)type);
        ck_assert_uint_eq((uint64_t)gpu_act_type(type), tr->act_type);
        /* The references of the Q8_0-activation formats sum in llama.cpp's x86 order (Q4_0: one
         * FMA per block; Q5_0 / Q8_0: eight lanes of 4-element sums; docs/NUMERICS.md) where
         * gpu_dot_row adds each block's rounded product: within the bound below */
        double worst = 0;
        for (int r = 0; r < N_ROWS; r++) {
            random_row(type, row, r & 1);
            for (int i = 0; i < N_ELEMS; i++)
                x[i] = uniform(-1.0f, 1.0f) * (i % 61 == 0 ? 6.0f : 1.0f);
            quantize_act(type, x, qx);
            float ref = tr->dot(N_ELEMS, row, qx);
            float got = gpu_dot_row(type, N_ELEMS, row, qx);
            /* decode once, dot per column (mat×vec over several tokens): the same bits per unit */
            for (int64_t u = 0; u < N_ELEMS / GPU_UNIT; u++) {
                gpu_unit unit;
                memset(&unit, 0, sizeof unit);
                gpu_unit_decode(type, row, u, &unit);
                ck_assert_msg(same_bits(gpu_unit_dot(type, &unit, qx, u), gpu_dot_unit(type, row, qx, u)),
                              "%s unit %d: decoded dot differs", tr->name, (int)u);
            }
            tr->to_float(row, wf, N_ELEMS);
            simd_traits(tr->act_type)->to_float(qx, xf, N_ELEMS);
            double mag = 0;
            for (int i = 0; i < N_ELEMS; i++)
                mag += fabs((double)wf[i] * xf[i]);
            double err = fabs((double)got - ref) / (mag + 1e-30);
            worst = err > worst ? err : worst;
            ck_assert_msg(err <= 1e-5, "%s row %d: %.9g vs %.9g (relative %.3g)", tr->name, r, (double)got,
                          (double)ref, err);
        }
        printf("%s dot: worst |gpu - ref| / sum|w*x| = %.3g\n", tr->name, worst);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gpu_blocks");
    TCase *tc = tcase_create("blocks");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, half_and_bf16_conversions_match);
    tcase_add_test(tc, decoders_match_reference);
    tcase_add_test(tc, activation_quantizers_match_reference);
    tcase_add_test(tc, dots_match_reference);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
