/* The AVX2 walk of Q4_K and Q5_K against Q8_K: one body, compiled per format and tile shape by the
 * thin entry point in q5_k.c (see avx2_walk_* in avx2.h for how the tiles are driven); q4_k.c
 * uses its unpacking (q45k_unpack, q45k_chunk, q45k_lane16) for Q4_K in llama.cpp's order.
 *
 * Per super-block of a (row, token) pair: the codes (unsigned, 0..15 / 0..31 with Q5_K's fifth
 * bits) times the activation bytes with maddubs, weighted by the 6-bit sub-block scales with madd,
 * as 8 int32 lanes; the mins as m_j x (bsum_2j + bsum_2j+1) in 8 int32 lanes with one madd. Then
 * acc += (d x d_a) * sums and acc -= (dmin x d_a) * mins, two FMAs; the row's result is
 * avx2_hsum(acc). A row's codes and scales are unpacked once per super-block for all the tile's
 * tokens. */
#ifndef TOLK_SIMD_AVX2_Q45_K_H
#define TOLK_SIMD_AVX2_Q45_K_H

#include "avx2.h"
#include "prefetch_tile.h"

#define Q45K_INLINE static inline __attribute__((always_inline))

/* The 8 scales and 8 mins of a block (see kq_scale_min for the packing) as int16: scales in the
 * low 128 bits, mins in the high 128 bits. */
Q45K_INLINE __m256i q45k_scales_mins(const uint8_t *s)
{
    uint32_t s0, s1, s2;
    memcpy(&s0, s, 4);
    memcpy(&s1, s + 4, 4);
    memcpy(&s2, s + 8, 4);
    __m128i b = _mm_set_epi32((int)(((s2 >> 4) & 0x0f0f0f0f) | ((s1 >> 6) & 0x03030303) << 4), (int)(s1 & 0x3f3f3f3f),
                              (int)((s2 & 0x0f0f0f0f) | ((s0 >> 6) & 0x03030303) << 4), (int)(s0 & 0x3f3f3f3f));
    return _mm256_cvtepu8_epi16(b);
}

/* Broadcast int16 lane j (0..7) of each 128-bit half. */
Q45K_INLINE __m256i q45k_lane16(__m256i v, int j)
{
    return _mm256_shuffle_epi8(v, _mm256_set1_epi16((short)((2 * j + 1) << 8 | 2 * j)));
}

/* A row's super-block: scales and mins unpacked once for every token of the tile; the codes chunk
 * by chunk (q45k_chunk), so they hold no registers across chunks. */
typedef struct q45k_row {
    const uint8_t *qs;
    __m256i hb;   /* Q5_K: the fifth bits */
    __m256i sc;   /* the 8 scales as int16 in both 128-bit halves */
    __m256i mins; /* m_j in int16 lanes 2j and 2j + 1 (for madd with the 16 bsums) */
    float d, dmin;
} q45k_row;

Q45K_INLINE q45k_row q45k_unpack(const char *blk, int five)
{
    const block_q4_K *b4 = (const block_q4_K *)blk;
    const block_q5_K *b5 = (const block_q5_K *)blk;
    q45k_row u;
    __m256i sm = q45k_scales_mins(five ? b5->scales : b4->scales);
    __m128i m = _mm256_extracti128_si256(sm, 1);
    u.sc = _mm256_permute2x128_si256(sm, sm, 0x00);
    u.mins = _mm256_set_m128i(_mm_unpackhi_epi16(m, m), _mm_unpacklo_epi16(m, m));
    u.d = *avx2_half_ref(five ? &b5->d : &b4->d); /* table loads: the shuffle port unpacks scales */
    u.dmin = *avx2_half_ref(five ? &b5->dmin : &b4->dmin);
    u.qs = five ? b5->qs : b4->qs;
    u.hb = five ? _mm256_loadu_si256((const __m256i *)b5->qh) : _mm256_setzero_si256();
    return u;
}

/* Codes of chunk c of a Q4_K (five = 0) or Q5_K block: elements 64c .. 64c + 31 in LO, 64c + 32 ..
 * 64c + 63 in HI. */
Q45K_INLINE void q45k_chunk(const q45k_row *u, int five, int c, __m256i *lo, __m256i *hi)
{
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i q = _mm256_loadu_si256((const __m256i *)(u->qs + 32 * c));
    *lo = _mm256_and_si256(q, low);
    *hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
    if (five) {
        const __m256i one = _mm256_set1_epi8(1);
        *lo = _mm256_or_si256(*lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(u->hb, 2 * c), one), 4));
        *hi = _mm256_or_si256(*hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(u->hb, 2 * c + 1), one), 4));
    }
}

/* Rows [r, r + R) x tokens [t, t + T) of Q4_K (FIVE = 0) or Q5_K, for a shape of AVX2_WALK_FORMAT. */
Q45K_INLINE void q45k_tile(int five, int R, int T, const char *w, size_t wrb, int64_t n, const char *qx, size_t qrb,
                           float *y, size_t ys, int64_t r, int64_t t)
{
    const size_t bytes = five ? sizeof(block_q5_K) : sizeof(block_q4_K);
    avx2_tile_acc acc;
    avx2_tile_zero(acc, R, T);
    for (int64_t b = 0; b < n / QK_K; b++) {
        if (T == 1) /* one token: the weights stream once (prefetch_tile.h) */
            prefetch_next_tile(w, wrb, r, R, b, n / QK_K, bytes);
        const block_q8_K *x[AVX2_WALK_TOKS];
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            x[k] = (const block_q8_K *)(qx + (size_t)(t + k) * qrb) + b;
#pragma GCC unroll 4
        for (int i = 0; i < R; i++) {
            const q45k_row u = q45k_unpack(w + (size_t)(r + i) * wrb + (size_t)b * bytes, five);
            __m256i isum[AVX2_WALK_TOKS];
#pragma GCC unroll 4
            for (int k = 0; k < T; k++)
                isum[k] = _mm256_setzero_si256();
#pragma GCC unroll 4
            for (int c = 0; c < 4; c++) {
                __m256i lo, hi, slo = q45k_lane16(u.sc, 2 * c), shi = q45k_lane16(u.sc, 2 * c + 1);
                q45k_chunk(&u, five, c, &lo, &hi);
#pragma GCC unroll 4
                for (int k = 0; k < T; k++) {
                    const int8_t *aq = x[k]->qs + 64 * c;
                    __m256i plo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)aq));
                    __m256i phi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(aq + 32)));
                    isum[k] = _mm256_add_epi32(isum[k], _mm256_add_epi32(_mm256_madd_epi16(plo, slo),
                                                                         _mm256_madd_epi16(phi, shi)));
                }
            }
#pragma GCC unroll 4
            for (int k = 0; k < T; k++) {
                __m256i ms = _mm256_madd_epi16(u.mins, _mm256_loadu_si256((const __m256i *)x[k]->bsums));
                acc[i][k] = _mm256_fmadd_ps(_mm256_set1_ps(u.d * x[k]->d), _mm256_cvtepi32_ps(isum[k]), acc[i][k]);
                acc[i][k] = _mm256_fnmadd_ps(_mm256_set1_ps(u.dmin * x[k]->d), _mm256_cvtepi32_ps(ms), acc[i][k]);
            }
        }
    }
    avx2_tile_store(acc, R, T, y, ys, r, t);
}

#endif
