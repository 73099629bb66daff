/* Block layouts of the ggml quantized formats, field for field as stored in GGUF files (little
 * endian, packed back to back, so half fields may be unaligned: read them with memcpy-based helpers).
 * Each struct carries a static_assert on its size so a layout slip fails at compile time. */
#ifndef TOLK_SIMD_BLOCKS_H
#define TOLK_SIMD_BLOCKS_H

#include <assert.h>
#include <stdint.h>

#define QK4_0 32
#define QK4_1 32
#define QK5_0 32
#define QK5_1 32
#define QK8_0 32
#define QK8_1 32
#define QK_K 256
#define K_SCALE_SIZE 12

typedef uint16_t simd_half; /* IEEE binary16 bits */

typedef struct {
    simd_half d;
    uint8_t qs[QK4_0 / 2]; /* element j in the low nibble of qs[j], j+16 in the high nibble */
} block_q4_0;
static_assert(sizeof(block_q4_0) == 18, "block_q4_0 size");

typedef struct {
    simd_half d;
    simd_half m;
    uint8_t qs[QK4_1 / 2];
} block_q4_1;
static_assert(sizeof(block_q4_1) == 20, "block_q4_1 size");

typedef struct {
    simd_half d;
    uint8_t qh[4]; /* fifth bits, little-endian u32: bit j belongs to element j */
    uint8_t qs[QK5_0 / 2];
} block_q5_0;
static_assert(sizeof(block_q5_0) == 22, "block_q5_0 size");

typedef struct {
    simd_half d;
    simd_half m;
    uint8_t qh[4];
    uint8_t qs[QK5_1 / 2];
} block_q5_1;
static_assert(sizeof(block_q5_1) == 24, "block_q5_1 size");

typedef struct {
    simd_half d;
    int8_t qs[QK8_0];
} block_q8_0;
static_assert(sizeof(block_q8_0) == 34, "block_q8_0 size");

typedef struct {
    simd_half d;
    simd_half s; /* d * sum(qs), lets Q4_1/Q5_1 fold their min into one multiply */
    int8_t qs[QK8_1];
} block_q8_1;
static_assert(sizeof(block_q8_1) == 36, "block_q8_1 size");

typedef struct {
    uint8_t scales[QK_K / 16]; /* low nibble scale, high nibble min, per 16 elements */
    uint8_t qs[QK_K / 4];
    simd_half d;
    simd_half dmin;
} block_q2_K;
static_assert(sizeof(block_q2_K) == 84, "block_q2_K size");

typedef struct {
    uint8_t hmask[QK_K / 8];
    uint8_t qs[QK_K / 4];
    uint8_t scales[12]; /* sixteen 6-bit signed scales (offset 32) */
    simd_half d;
} block_q3_K;
static_assert(sizeof(block_q3_K) == 110, "block_q3_K size");

typedef struct {
    simd_half d;
    simd_half dmin;
    uint8_t scales[K_SCALE_SIZE]; /* eight 6-bit scales and eight 6-bit mins */
    uint8_t qs[QK_K / 2];
} block_q4_K;
static_assert(sizeof(block_q4_K) == 144, "block_q4_K size");

typedef struct {
    simd_half d;
    simd_half dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
} block_q5_K;
static_assert(sizeof(block_q5_K) == 176, "block_q5_K size");

typedef struct {
    uint8_t ql[QK_K / 2];
    uint8_t qh[QK_K / 4];
    int8_t scales[QK_K / 16];
    simd_half d;
} block_q6_K;
static_assert(sizeof(block_q6_K) == 210, "block_q6_K size");

typedef struct {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16]; /* sums of each 16 qs, so mins cost one multiply per 16 */
} block_q8_K;
static_assert(sizeof(block_q8_K) == 292, "block_q8_K size");

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block. */
static inline void kq_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *m)
{
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* IQ4_NL / IQ4_XS (ggml-common.h): 4-bit indices into the 16-entry non-linear table kvalues_iq4nl
 * (ref/iq4_table.c), element j of a 32-run in the low nibble of qs[j], j+16 in the high nibble. */
#define QK4_NL 32

typedef struct {
    simd_half d;
    uint8_t qs[QK4_NL / 2];
} block_iq4_nl;
static_assert(sizeof(block_iq4_nl) == 18, "block_iq4_nl size");

typedef struct {
    simd_half d;
    uint16_t scales_h;        /* high 2 bits of sub-block ib's scale at bits 2ib, 2ib+1 */
    uint8_t scales_l[QK_K / 64]; /* low 4 bits: sub-block ib in nibble ib % 2 of byte ib / 2 */
    uint8_t qs[QK_K / 2];     /* eight 32-runs laid out as block_iq4_nl's qs */
} block_iq4_xs;
static_assert(sizeof(block_iq4_xs) == 136, "block_iq4_xs size");

/* The 6-bit scale of sub-block ib (0..7) of an IQ4_XS block, minus its offset 32: -32..31. */
static inline int iq4_xs_scale(const block_iq4_xs *b, int ib)
{
    int lo = (b->scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF;
    int hi = (b->scales_h >> (2 * ib)) & 3;
    return (lo | (hi << 4)) - 32;
}

/* The IQ4 value table (ggml's kvalues_iq4nl), 16 signed bytes. */
extern const int8_t iq4_values[16];

#endif
