/* AVX2 Q6_K x Q8_K. Codes are used unsigned (0..63) with maddubs and the -32 offset is taken off
 * once per block through the activation bsums; the signed 8-bit group scales enter with madd.
 * One tile kernel (see avx2_walk_* in avx2.h): per super-block of a (row, token) pair the integer
 * sum as 8 int32 lanes, acc += (d x d_a) * sum with one FMA, the row's result avx2_hsum(acc); each
 * 32-code run is unpacked once for all the tile's tokens. The dot product, the one-token mat x vec
 * and the batches are its shapes, so all give a row the same bits.
 *
 * One token (the dot product and the mat x vec): the tile's rows one after another, so one float
 * accumulator is live (with R of them, the constants and a row's codes, GCC kept the accumulators
 * on the stack), and the rows, contiguous, are one forward stream prefetched Q6K_AHEAD bytes on.
 * Each lane's integer is the same as in the batch shapes (docs/DECODE.md). */
#include "avx2.h"

/* Group-scale shuffles: for quarter k of a half block, the low 8 i16 lanes take scale 2k and the
 * high 8 take scale 2k + 1 (of that half's eight scales, sign-extended to i16 in both lanes). */
static inline __m256i scale_pair(__m256i half_scales, int k)
{
    const __m256i sel = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3,
                                         2, 3, 2, 3, 2, 3);
    return _mm256_shuffle_epi8(half_scales, _mm256_add_epi8(sel, _mm256_set1_epi8((char)(4 * k))));
}

/* Unsigned code runs of half h: run k holds elements 128h + 32k .. +31. Run k's two high bits are
 * bits 2k, 2k + 1 of each qh byte, moved to bits 4-5 by a 16-bit shift (by 4, 2, 0 or -2: bits 4-5
 * of a byte then come from the same byte) and masked with 0x30. */
static inline __attribute__((always_inline)) void unpack_half(const block_q6_K *b, int h, __m256i q[4])
{
    const __m256i low = _mm256_set1_epi8(0x0f), high = _mm256_set1_epi8(0x30);
    __m256i l0 = _mm256_loadu_si256((const __m256i *)(b->ql + 64 * h));
    __m256i l1 = _mm256_loadu_si256((const __m256i *)(b->ql + 64 * h + 32));
    __m256i hb = _mm256_loadu_si256((const __m256i *)(b->qh + 32 * h));
    q[0] = _mm256_or_si256(_mm256_and_si256(l0, low), _mm256_and_si256(_mm256_slli_epi16(hb, 4), high));
    q[1] = _mm256_or_si256(_mm256_and_si256(l1, low), _mm256_and_si256(_mm256_slli_epi16(hb, 2), high));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low), _mm256_and_si256(hb, high));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low),
                           _mm256_and_si256(_mm256_srli_epi16(hb, 2), high));
}

/* sum_g scale_g * bsum_g * 32, the offset correction, as 8 int32 lanes. */
static inline __m256i offset_sum(const __m256i scales16, const block_q8_K *a)
{
    __m256i p = _mm256_madd_epi16(scales16, _mm256_loadu_si256((const __m256i *)a->bsums));
    return _mm256_slli_epi32(p, 5);
}

/* One token: a row's super-block as 8 int32 lanes, the same integers in each lane as the tile's
 * general shape (integer adds: exact in any order): the offset as madd(scales, -bsums) << 5 (|bsum|
 * <= 16 x 128, so the negation fits int16), then the eight runs. */
static inline __attribute__((always_inline)) __m256i row_sum1(const block_q6_K *wb, const block_q8_K *xb)
{
    const __m256i negbs = _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_loadu_si256((const __m256i *)xb->bsums));
    const __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)wb->scales));
    __m256i isum = _mm256_slli_epi32(_mm256_madd_epi16(s16, negbs), 5);
    /* (both halves' scales spelled out: the permute needs an immediate even where the loop is not
     * unrolled, as in the -O1 sanitizer build) */
    const __m256i hsvs[2] = {_mm256_permute4x64_epi64(s16, 0x44), _mm256_permute4x64_epi64(s16, 0xEE)};
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
        const __m256i hsv = hsvs[h];
        __m256i q[4];
        unpack_half(wb, h, q);
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            __m256i p = _mm256_maddubs_epi16(q[j], _mm256_loadu_si256((const __m256i *)(xb->qs + 128 * h + 32 * j)));
            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, scale_pair(hsv, j)));
        }
    }
    return isum;
}

/* One token: how far ahead of the block in use to prefetch. The tile's rows are read one after
 * another and are contiguous, so the weights are one forward stream whatever the row length. */
enum { Q6K_AHEAD = 4096 };

/* Rows [r, r + R) x tokens [t, t + T), for a shape of AVX2_WALK_FORMAT (FMT unused: one format). */
static inline __attribute__((always_inline)) void q6k_tile(int fmt, int R, int T, const char *w, size_t wrb,
                                                           int64_t n, const char *qx, size_t qrb, float *y, size_t ys,
                                                           int64_t r, int64_t t)
{
    (void)fmt;
    avx2_tile_acc acc;
    avx2_tile_zero(acc, R, T);
    if (T == 1) { /* one token: the rows one after another, one accumulator live */
        const int64_t nb = n / QK_K;
#pragma GCC unroll 1
        for (int i = 0; i < R; i++) {
            const block_q6_K *wr = (const block_q6_K *)(w + (size_t)(r + i) * wrb);
            const block_q8_K *x1 = (const block_q8_K *)qx;
            __m256 a1 = _mm256_setzero_ps();
            for (int64_t blk = 0; blk < nb; blk++) {
                if (wrb) /* a mat x vec (the dot product has wrb 0): the stream Q6K_AHEAD bytes on */
                    for (size_t o = 0; o < sizeof(block_q6_K); o += 64)
                        _mm_prefetch((const char *)&wr[blk] + Q6K_AHEAD + o, _MM_HINT_T0);
                __m256i isum = row_sum1(&wr[blk], &x1[blk]);
                float d = *avx2_half_ref(&wr[blk].d);
                a1 = _mm256_fmadd_ps(_mm256_set1_ps(d * x1[blk].d), _mm256_cvtepi32_ps(isum), a1);
            }
            acc[i][0] = a1;
        }
        avx2_tile_store(acc, R, T, y, ys, r, t);
        return;
    }
    for (int64_t blk = 0; blk < n / QK_K; blk++) {
        const block_q8_K *xb[AVX2_WALK_TOKS];
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            xb[k] = (const block_q8_K *)(qx + (size_t)(t + k) * qrb) + blk;
#pragma GCC unroll 4
        for (int i = 0; i < R; i++) {
            const block_q6_K *wb = (const block_q6_K *)(w + (size_t)(r + i) * wrb) + blk;

            __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)wb->scales));
            __m256i isum[AVX2_WALK_TOKS];
#pragma GCC unroll 4
            for (int k = 0; k < T; k++)
                isum[k] = _mm256_sub_epi32(_mm256_setzero_si256(), offset_sum(s16, xb[k]));
            /* each half's eight scales in both 128-bit lanes */
            const __m256i hsv[2] = {_mm256_permute4x64_epi64(s16, 0x44), _mm256_permute4x64_epi64(s16, 0xEE)};
#pragma GCC unroll 2
            for (int h = 0; h < 2; h++) {
                __m256i q[4];
                unpack_half(wb, h, q);
#pragma GCC unroll 4
                for (int j = 0; j < 4; j++) {
                    __m256i sp = scale_pair(hsv[h], j);
#pragma GCC unroll 4
                    for (int k = 0; k < T; k++) {
                        const int8_t *aq = xb[k]->qs + 128 * h + 32 * j;
                        __m256i p = _mm256_maddubs_epi16(q[j], _mm256_loadu_si256((const __m256i *)aq));
                        isum[k] = _mm256_add_epi32(isum[k], _mm256_madd_epi16(p, sp));
                    }
                }
            }
            float d = *avx2_half_ref(&wb->d);
#pragma GCC unroll 4
            for (int k = 0; k < T; k++)
                acc[i][k] = _mm256_fmadd_ps(_mm256_set1_ps(d * xb[k]->d), _mm256_cvtepi32_ps(isum[k]), acc[i][k]);
        }
    }
    avx2_tile_store(acc, R, T, y, ys, r, t);
}

AVX2_WALK_FORMAT(q6_k, q6k_tile, 0)
