/* Shared helpers of the simd test programs: deterministic random data, edge-case rows, and the
 * float reference (dequantize both sides, sum in double) that every kernel is measured against. */
#ifndef TOLK_SIMD_TESTLIB_H
#define TOLK_SIMD_TESTLIB_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"

static uint64_t tl_state = 0x9E3779B97F4A7C15ull;

static inline void tl_seed(uint64_t s)
{
    tl_state = s * 0x9E3779B97F4A7C15ull + 1;
}

static inline uint32_t tl_u32(void)
{
    tl_state ^= tl_state << 13;
    tl_state ^= tl_state >> 7;
    tl_state ^= tl_state << 17;
    return (uint32_t)(tl_state >> 16);
}

static inline float tl_uniform(void) /* [-1, 1) */
{
    return (float)tl_u32() / 2147483648.0f - 1.0f;
}

static inline float tl_normal(void)
{
    float s = 0.0f; /* Irwin-Hall: close enough to normal for quantization tests */
    for (int i = 0; i < 12; i++)
        s += (tl_uniform() + 1.0f) * 0.5f;
    return s - 6.0f;
}

/* Kinds of input rows: ordinary data and the edge cases the issue names. */
enum { TL_NORMAL, TL_ZERO_BLOCKS, TL_HUGE, TL_TINY, TL_OUTLIERS, TL_CONSTANT, TL_KINDS };

static inline void tl_fill(float *x, int64_t n, int kind)
{
    for (int64_t i = 0; i < n; i++) {
        float v = tl_normal();
        switch (kind) {
        case TL_ZERO_BLOCKS: /* every other 256-value stretch is zero */
            v = (i / 256) % 2 ? v : 0.0f;
            break;
        case TL_HUGE:
            v *= 1.0e4f; /* stays below the F16 limit */
            break;
        case TL_TINY:
            v *= 1.0e-6f;
            break;
        case TL_OUTLIERS:
            v = i % 97 == 5 ? v * 100.0f : v;
            break;
        case TL_CONSTANT:
            v = 0.75f;
            break;
        }
        x[i] = v;
    }
}

/* Random raw weight blocks: every code pattern, scales drawn from a sane range or at the half
 * extremes, so kernels see the largest magnitudes a file can hold. */
static inline void tl_raw_blocks(uint32_t type, void *dst, int64_t n, int extreme)
{
    const simd_type_traits *t = simd_traits(type);
    size_t bytes = simd_row_bytes(type, n);
    uint8_t *p = dst;
    for (size_t i = 0; i < bytes; i++)
        p[i] = (uint8_t)tl_u32();
    /* overwrite the half scales with finite values */
    size_t nb = bytes / t->type_size;
    for (size_t b = 0; b < nb; b++) {
        uint8_t *blk = p + b * t->type_size;
        /* extreme 1: largest / smallest half scales; extreme 2: unit scales (exact integer results) */
        float d = extreme == 1 ? (tl_u32() % 2 ? 60000.0f : 6.0e-8f) : extreme == 2 ? 1.0f : tl_uniform() * 0.05f;
        float m = extreme == 1 ? -d : extreme == 2 ? 1.0f : tl_uniform() * 0.05f;
        uint16_t hd = simd_f32_to_f16(d), hm = simd_f32_to_f16(m);
        switch (type) {
        case TOLK_TYPE_Q4_0: case TOLK_TYPE_Q5_0: case TOLK_TYPE_Q8_0:
            memcpy(blk, &hd, 2);
            break;
        case TOLK_TYPE_Q4_1: case TOLK_TYPE_Q5_1:
            memcpy(blk, &hd, 2);
            memcpy(blk + 2, &hm, 2);
            break;
        case TOLK_TYPE_Q2_K:
            memcpy(blk + 80, &hd, 2);
            memcpy(blk + 82, &hm, 2);
            break;
        case TOLK_TYPE_Q3_K:
            memcpy(blk + 108, &hd, 2);
            break;
        case TOLK_TYPE_Q4_K: case TOLK_TYPE_Q5_K:
            memcpy(blk, &hd, 2);
            memcpy(blk + 2, &hm, 2);
            break;
        case TOLK_TYPE_Q6_K:
            memcpy(blk + 208, &hd, 2);
            break;
        case TOLK_TYPE_IQ4_NL: case TOLK_TYPE_IQ4_XS: /* IQ4_XS: its 6-bit scales stay random */
            memcpy(blk, &hd, 2);
            break;
        case TOLK_TYPE_F16: case TOLK_TYPE_BF16: {
            float v = extreme == 1   ? (tl_u32() % 2 ? 60000.0f : -6.0e-5f) * tl_uniform()
                      : extreme == 2 ? (float)((int)(tl_u32() % 17) - 8)
                                     : tl_normal();
            uint16_t h = type == TOLK_TYPE_F16 ? simd_f32_to_f16(v) : simd_f32_to_bf16(v);
            memcpy(blk, &h, 2);
            break;
        }
        case TOLK_TYPE_F32: {
            float v = extreme == 2 ? (float)((int)(tl_u32() % 17) - 8) : tl_normal();
            memcpy(blk, &v, 4);
            break;
        }
        }
    }
}

/* Activations with unit scales and small integer codes, so every partial sum of a dot product is
 * an integer well inside float's exact range and all paths must agree to the bit. */
static inline void tl_unit_act(uint32_t atype, void *dst, int64_t n)
{
    uint8_t *p = dst;
    for (int64_t b = 0; b < n / (int64_t)simd_traits(atype)->block_size; b++) {
        if (atype == TOLK_TYPE_Q8_0 || atype == TOLK_TYPE_Q8_1) {
            uint8_t *blk = p + b * simd_traits(atype)->type_size;
            int8_t *qs = (int8_t *)(blk + (atype == TOLK_TYPE_Q8_0 ? 2 : 4));
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                qs[j] = (int8_t)((int)(tl_u32() % 121) - 60);
                sum += qs[j];
            }
            uint16_t one = simd_f32_to_f16(1.0f), s = simd_f32_to_f16((float)sum);
            memcpy(blk, &one, 2);
            if (atype == TOLK_TYPE_Q8_1)
                memcpy(blk + 2, &s, 2);
        } else if (atype == TOLK_TYPE_Q8_K) {
            uint8_t *blk = p + b * 292;
            float one = 1.0f;
            memcpy(blk, &one, 4);
            for (int g = 0; g < 16; g++) {
                int16_t sum = 0;
                for (int j = 0; j < 16; j++) {
                    int8_t v = (int8_t)((int)(tl_u32() % 255) - 127);
                    blk[4 + 16 * g + j] = (uint8_t)v;
                    sum = (int16_t)(sum + v);
                }
                memcpy(blk + 260 + 2 * g, &sum, 2);
            }
        } else {
            float v = (float)((int)(tl_u32() % 17) - 8);
            if (atype == TOLK_TYPE_F32)
                memcpy(p + 4 * b, &v, 4);
            else {
                uint16_t h = atype == TOLK_TYPE_F16 ? simd_f32_to_f16(v) : simd_f32_to_bf16(v);
                memcpy(p + 2 * b, &h, 2);
            }
        }
    }
}

/* sum |w_i * x_i| and sum w_i * x_i in double over dequantized rows; the bound scale for tests. */
static inline double tl_float_dot(uint32_t wtype, const void *w, uint32_t atype, const void *qx, int64_t n,
                                  double *abs_sum)
{
    float *a = malloc((size_t)n * sizeof(float)), *b = malloc((size_t)n * sizeof(float));
    simd_dequantize_row(wtype, w, a, n);
    simd_dequantize_row(atype, qx, b, n);
    double s = 0.0, as = 0.0;
    for (int64_t i = 0; i < n; i++) {
        s += (double)a[i] * (double)b[i];
        as += fabs((double)a[i] * (double)b[i]);
    }
    free(a);
    free(b);
    *abs_sum = as;
    return s;
}

/* Q4_1/Q5_1 x Q8_1 use the activation sum s = d * sum(q) computed with the unrounded d and stored
 * as a half, as ggml does, so the min term differs from the dequantized dot by |m| * |s - d_h * sum|
 * per block (d_h: the stored half d) on top of float rounding. Huge activations overflow the half s
 * altogether (in ggml too); the tests keep Q8_1 inputs below that. */
static inline double tl_q8_1_slack(uint32_t wtype, const void *w, const void *qx, int64_t n)
{
    if (wtype != TOLK_TYPE_Q4_1 && wtype != TOLK_TYPE_Q5_1)
        return 0.0;
    size_t wts = simd_traits(wtype)->type_size;
    double slack = 0.0;
    for (int64_t b = 0; b < n / 32; b++) {
        const uint8_t *a = (const uint8_t *)qx + b * 36;
        uint16_t m, s, d;
        memcpy(&m, (const uint8_t *)w + b * wts + 2, 2);
        memcpy(&d, a, 2);
        memcpy(&s, a + 2, 2);
        int sum = 0;
        for (int j = 0; j < 32; j++)
            sum += (int8_t)a[4 + j];
        double mv = simd_f16_to_f32(m), sv = simd_f16_to_f32(s);
        slack += fabs(mv) * (fabs(sv - (double)sum * simd_f16_to_f32(d)) + fabs(sv) * 1e-6);
    }
    return slack;
}

/* The weight types with kernels, the ones every test walks. */
static const uint32_t tl_wtypes[] = {TOLK_TYPE_F32, TOLK_TYPE_F16, TOLK_TYPE_BF16, TOLK_TYPE_Q4_0, TOLK_TYPE_Q4_1,
                                     TOLK_TYPE_Q5_0, TOLK_TYPE_Q5_1, TOLK_TYPE_Q8_0, TOLK_TYPE_Q2_K, TOLK_TYPE_Q3_K,
                                     TOLK_TYPE_Q4_K, TOLK_TYPE_Q5_K, TOLK_TYPE_Q6_K,
                                     TOLK_TYPE_IQ4_NL, TOLK_TYPE_IQ4_XS};
#define TL_NWTYPES (sizeof(tl_wtypes) / sizeof(tl_wtypes[0]))

#endif
