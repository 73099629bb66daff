/* The AVX2 walk of the formats with 32-element blocks (Q4_0, Q5_0, Q8_0 against Q8_0 activations,
 * Q4_1, Q5_1 against Q8_1): one body, compiled per format and tile shape by the thin entry points
 * in q4_0.c ... q5_1.c (see avx2_walk_* in avx2.h for how the tiles are driven).
 *
 * Per block of a (row, token) pair: the integer dot of the 32 codes with the activation bytes as
 * 8 int32 lanes (exact, however it is computed), then acc += (d_w * d_x) * lanes with one FMA, and
 * for Q4_1/Q5_1 acc += {m_w * s_x, 0, ..., 0} with an add; the row's result is avx2_hsum(acc).
 * Codes of Q4_0/Q5_0/Q4_1/Q5_1 are unsigned bytes for maddubs; the offset of Q4_0 / Q5_0 (8 / 16)
 * comes off through the activations (OFF x their pair sums, exact in int16), computed once per
 * token and block for all the tile's rows. Q8_0 moves the weight's sign onto the activation. */
#ifndef TOLK_SIMD_AVX2_Q32_H
#define TOLK_SIMD_AVX2_Q32_H

#include "avx2.h"
#include "prefetch_tile.h"

enum q32_kind { Q32_Q4_0, Q32_Q5_0, Q32_Q8_0, Q32_Q4_1, Q32_Q5_1 };

#define Q32_INLINE static inline __attribute__((always_inline))

Q32_INLINE size_t q32_bytes(int kind)
{
    switch (kind) {
    case Q32_Q4_0: return sizeof(block_q4_0);
    case Q32_Q5_0: return sizeof(block_q5_0);
    case Q32_Q8_0: return sizeof(block_q8_0);
    case Q32_Q4_1: return sizeof(block_q4_1);
    default: return sizeof(block_q5_1);
    }
}

Q32_INLINE int q32_offset(int kind)
{
    return kind == Q32_Q4_0 ? 8 : kind == Q32_Q5_0 ? 16 : 0;
}

Q32_INLINE int q32_has_min(int kind)
{
    return kind == Q32_Q4_1 || kind == Q32_Q5_1;
}

/* Nibbles with the fifth bits of qh OR-ed in as 16. */
Q32_INLINE __m256i q32_five(const uint8_t *qs, const uint8_t *qh)
{
    return _mm256_or_si256(avx2_nibbles(qs), _mm256_and_si256(avx2_bits_to_bytes(qh), _mm256_set1_epi8(16)));
}

/* The 32 codes of weight block BLK: unsigned (0..15 / 0..31), or Q8_0's signed bytes. */
Q32_INLINE __m256i q32_codes(int kind, const char *blk)
{
    switch (kind) {
    case Q32_Q4_0: return avx2_nibbles(((const block_q4_0 *)blk)->qs);
    case Q32_Q5_0: return q32_five(((const block_q5_0 *)blk)->qs, ((const block_q5_0 *)blk)->qh);
    case Q32_Q8_0: return _mm256_loadu_si256((const __m256i *)((const block_q8_0 *)blk)->qs);
    case Q32_Q4_1: return avx2_nibbles(((const block_q4_1 *)blk)->qs);
    default: return q32_five(((const block_q5_1 *)blk)->qs, ((const block_q5_1 *)blk)->qh);
    }
}

/* One activation block of a token, prepared for every row of the tile. */
typedef struct q32_act {
    __m256i q;   /* the codes */
    __m256i off; /* Q4_0 / Q5_0: OFF x their pair sums (int16) */
    __m128 ds;   /* Q4_1 / Q5_1: {d, s = d * sum, 0, 0} */
    __m256 d;    /* the others: d in every lane */
} q32_act;

/* Two adjacent halves ({d, m} of a Q4_1 / Q5_1 block, {d, s} of a Q8_1 one) as {a, b, 0, 0}. */
Q32_INLINE __m128 q32_halves(const void *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm_cvtph_ps(_mm_cvtsi32_si128(v));
}

Q32_INLINE q32_act q32_prep(int kind, const char *qx, size_t qrb, int64_t t, int64_t b)
{
    q32_act a;
    if (q32_has_min(kind)) {
        const block_q8_1 *x = (const block_q8_1 *)(qx + (size_t)t * qrb) + b;
        a.q = _mm256_loadu_si256((const __m256i *)x->qs);
        a.ds = q32_halves(&x->d);
    } else {
        const block_q8_0 *x = (const block_q8_0 *)(qx + (size_t)t * qrb) + b;
        a.q = _mm256_loadu_si256((const __m256i *)x->qs);
        a.d = _mm256_set1_ps(avx2_half(&x->d));
        if (q32_offset(kind))
            a.off = _mm256_maddubs_epi16(_mm256_set1_epi8((char)q32_offset(kind)), a.q);
    }
    return a;
}

/* The integer dot of weight codes C (Q8_0: with |codes| in AC) and activation A, as 8 int32 lanes. */
Q32_INLINE __m256i q32_idot(int kind, __m256i c, __m256i ac, const q32_act *a)
{
    __m256i p;
    if (kind == Q32_Q8_0)
        p = _mm256_maddubs_epi16(ac, _mm256_sign_epi8(a->q, c));
    else if (q32_offset(kind))
        p = _mm256_sub_epi16(_mm256_maddubs_epi16(c, a->q), a->off);
    else
        p = _mm256_maddubs_epi16(c, a->q);
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

/* Rows [r, r + R) x tokens [t, t + T) of format KIND, for a shape of AVX2_WALK_FORMAT. */
Q32_INLINE void q32_tile(int kind, int R, int T, const char *w, size_t wrb, int64_t n, const char *qx, size_t qrb,
                         float *y, size_t ys, int64_t r, int64_t t)
{
    const size_t bytes = q32_bytes(kind);
    avx2_tile_acc acc;
    avx2_tile_zero(acc, R, T);
    for (int64_t b = 0; b < n / 32; b++) {
        if (T == 1)
            prefetch_next_tile(w, wrb, r, R, b, n / 32, bytes);
        q32_act a[AVX2_WALK_TOKS];
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            a[k] = q32_prep(kind, qx, qrb, t + k, b);
#pragma GCC unroll 4
        for (int i = 0; i < R; i++) {
            const char *blk = w + (size_t)(r + i) * wrb + (size_t)b * bytes;
            __m256i c = q32_codes(kind, blk), ac = kind == Q32_Q8_0 ? _mm256_sign_epi8(c, c) : c;
            if (q32_has_min(kind)) {
                __m128 dm = q32_halves(blk);
#pragma GCC unroll 4
                for (int k = 0; k < T; k++) {
                    __m128 sm = _mm_mul_ps(dm, a[k].ds); /* {d x d_x, m x s_x, 0, 0} */
                    __m256i p = q32_idot(kind, c, ac, &a[k]);
                    acc[i][k] = _mm256_fmadd_ps(_mm256_broadcastss_ps(sm), _mm256_cvtepi32_ps(p), acc[i][k]);
                    /* the min term into lane 0: {m x s_x, 0, ..., 0} */
                    acc[i][k] = _mm256_add_ps(acc[i][k], _mm256_zextps128_ps256(_mm_insert_ps(sm, sm, 0x4e)));
                }
            } else {
                /* d_w x d_x in every lane: a broadcast load and a multiply (same bits as the
                 * scalar product) keep the scale off the shuffle port */
                __m256 d = _mm256_broadcast_ss(avx2_half_ref((const simd_half *)blk));
#pragma GCC unroll 4
                for (int k = 0; k < T; k++) {
                    __m256i p = q32_idot(kind, c, ac, &a[k]);
                    acc[i][k] = _mm256_fmadd_ps(_mm256_mul_ps(d, a[k].d), _mm256_cvtepi32_ps(p), acc[i][k]);
                }
            }
        }
    }
    avx2_tile_store(acc, R, T, y, ys, r, t);
}

#endif
