/* Shared by the AVX-512 mat x vec kernels of the Q8_0 family (matvec.c: one token, matvec_few.c:
 * two to seven): the activation prepared once per call in the weight codes' byte order, and the
 * unpacking of Q4_0/Q5_0 block quads and Q8_0 block pairs. */
#ifndef TOLK_SIMD_AVX512_MV_COMMON_H
#define TOLK_SIMD_AVX512_MV_COMMON_H

#include "avx512.h"

/* Blocks per prepared chunk (longer rows run chunk by chunk; 5 KB a token on the stack). */
enum { MV_BLOCKS = 128, MV_GROUPS = MV_BLOCKS / 16 };

typedef struct mv_act {
    __m512i x[MV_BLOCKS / 2]; /* Q8_0: per block pair; Q4_0/Q5_0: low then high nibbles per quad */
    __m512 d[MV_GROUPS];      /* per 16 blocks: the activation scales */
    __m512 ds[MV_GROUPS];     /* per 16 blocks: scale x sum of the codes (for the weight offset) */
} mv_act;

typedef enum { LAYOUT_NIBBLES, LAYOUT_BIASED } mv_layout;

/* Prepares blocks [0, nb) of x. Nibble order (Q4_0, Q5_0): per quad of blocks A-D, elements
 * A0-15, B0-15, C0-15, D0-15 (the low nibbles of the four blocks' codes, loaded side by side),
 * then A16-31 ... D16-31. Biased (Q8_0): per pair A0-31, B0-31 plus 128, so the activation is
 * dpbusd's unsigned side. Blocks past the last whole quad / pair run through tail_dot. */
static inline void prep(mv_act *a, const block_q8_0 *x, int nb, mv_layout layout)
{
    float d[MV_BLOCKS] = {0}, ds[MV_BLOCKS] = {0};
    if (layout == LAYOUT_NIBBLES) {
        for (int b = 0; b + 3 < nb; b += 4)
            for (int h = 0; h < 2; h++) {
                __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(x[b].qs + 16 * h)));
                v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(x[b + 1].qs + 16 * h)), 1);
                v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(x[b + 2].qs + 16 * h)), 2);
                v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(x[b + 3].qs + 16 * h)), 3);
                _mm512_store_si512((void *)&a->x[b / 2 + h], v);
            }
    } else {
        for (int b = 0; b + 1 < nb; b += 2) {
            __m512i v = avx512_load2(x[b].qs, x[b + 1].qs);
            _mm512_store_si512((void *)&a->x[b / 2], _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80)));
        }
    }
    for (int b = 0; b < nb; b++) {
        int s = 0;
        for (int j = 0; j < 32; j++)
            s += x[b].qs[j];
        d[b] = avx512_half(&x[b].d);
        ds[b] = d[b] * (float)s;
    }
    for (int g = 0; g < (nb + 15) / 16; g++) {
        a->d[g] = _mm512_loadu_ps(d + 16 * g);
        a->ds[g] = _mm512_loadu_ps(ds + 16 * g);
    }
}

/* vpermps indices spreading the 16 scales of a group over quad k's / pair p's lanes. */
static _Alignas(64) const int32_t idx_quads[4][16] = {
    {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
    {4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7},
    {8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11},
    {12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15},
};
static _Alignas(64) const int32_t idx_halves[8][16] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1},         {2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5},         {6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7},
    {8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9},         {10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11},
    {12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13},
    {14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15},
};

/* The integer dot of Q8_0 block pair (b, b + 1) of a row, per lane: (x + 128) . w - 128 . w. */
static inline __m512i pair_dot(const char *blk, const __m512i *x)
{
    const block_q8_0 *w = (const block_q8_0 *)blk;
    __m512i ws = avx512_load2(w[0].qs, w[1].qs);
    __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_load_si512((const void *)x), ws);
    return _mm512_sub_epi32(p, _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), ws));
}

/* The unsigned codes of Q4_0 / Q5_0 (type 0 / 1) block quad b..b+3 of a row: lo holds elements
 * 0-15 of each block, hi elements 16-31, in prep's nibble order. */
static inline __attribute__((always_inline)) void quad_codes(const char *blk, size_t bytes, int type, __m512i *plo,
                                                             __m512i *phi)
{
    size_t qs = type == 0 ? offsetof(block_q4_0, qs) : offsetof(block_q5_0, qs);
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(blk + qs)));
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(blk + bytes + qs)), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(blk + 2 * bytes + qs)), 2);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(blk + 3 * bytes + qs)), 3);
    const __m512i low = _mm512_set1_epi8(0x0f);
    __m512i lo = _mm512_and_si512(v, low), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
    if (type == 1) { /* fifth bits: qh bits 0-15 go with the low nibbles, 16-31 with the high */
        uint64_t mlo = 0, mhi = 0;
        for (int k = 0; k < 4; k++) {
            uint32_t h;
            memcpy(&h, ((const block_q5_0 *)(blk + k * bytes))->qh, 4);
            mlo |= (uint64_t)(h & 0xffff) << 16 * k;
            mhi |= (uint64_t)(h >> 16) << 16 * k;
        }
        lo = _mm512_mask_add_epi8(lo, (__mmask64)mlo, lo, _mm512_set1_epi8(16));
        hi = _mm512_mask_add_epi8(hi, (__mmask64)mhi, hi, _mm512_set1_epi8(16));
    }
    *plo = lo;
    *phi = hi;
}

/* The integer dot of a quad's codes with its prepared activations, per lane (four per block). */
static inline __m512i quad_dot_codes(__m512i lo, __m512i hi, const __m512i *x)
{
    __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_load_si512((const void *)x));
    return _mm512_dpbusd_epi32(p, hi, _mm512_load_si512((const void *)(x + 1)));
}

static inline __attribute__((always_inline)) __m512i quad_dot(const char *blk, size_t bytes, const __m512i *x, int type)
{
    __m512i lo, hi;
    quad_codes(blk, bytes, type, &lo, &hi);
    return quad_dot_codes(lo, hi, x);
}

/* The integer dot of a block past the last whole quad / pair (codes without their offset, which
 * the group sums hold). */
static inline int tail_dot(const char *blk, const int8_t *x, int type)
{
    int s = 0;
    if (type == 2) {
        const block_q8_0 *w = (const block_q8_0 *)blk;
        for (int j = 0; j < 32; j++)
            s += w->qs[j] * x[j];
        return s;
    }
    const uint8_t *qs = (const uint8_t *)blk + (type == 0 ? offsetof(block_q4_0, qs) : offsetof(block_q5_0, qs));
    uint32_t qh = 0;
    if (type == 1)
        memcpy(&qh, ((const block_q5_0 *)blk)->qh, 4);
    for (int j = 0; j < 16; j++)
        s += ((qs[j] & 15) | (int)((qh >> j) & 1) << 4) * x[j] + ((qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4) * x[j + 16];
    return s;
}

#endif
