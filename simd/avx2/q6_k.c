/* AVX2 Q6_K x Q8_K. Codes are used unsigned (0..63) with maddubs and the -32 offset is taken off
 * once per block through the activation bsums; the signed 8-bit group scales enter with madd.
 * Batches use a 4-row x 2-token tile that unpacks each 32-code run once for both tokens. */
#include "avx2.h"

/* Group-scale shuffles: for quarter k of a half block, the low 8 i16 lanes take scale 2k and the
 * high 8 take scale 2k + 1 (of that half's eight scales, sign-extended to i16 in both lanes). */
static inline __m256i scale_pair(__m256i half_scales, int k)
{
    const __m256i sel = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3,
                                         2, 3, 2, 3, 2, 3);
    return _mm256_shuffle_epi8(half_scales, _mm256_add_epi8(sel, _mm256_set1_epi8((char)(4 * k))));
}

/* Unsigned code runs of half h: run k holds elements 128h + 32k .. +31. */
static inline void unpack_half(const block_q6_K *b, int h, __m256i q[4])
{
    const __m256i low = _mm256_set1_epi8(0x0f), three = _mm256_set1_epi8(3);
    __m256i l0 = _mm256_loadu_si256((const __m256i *)(b->ql + 64 * h));
    __m256i l1 = _mm256_loadu_si256((const __m256i *)(b->ql + 64 * h + 32));
    __m256i hb = _mm256_loadu_si256((const __m256i *)(b->qh + 32 * h));
    q[0] = _mm256_or_si256(_mm256_and_si256(l0, low), _mm256_slli_epi16(_mm256_and_si256(hb, three), 4));
    q[1] = _mm256_or_si256(_mm256_and_si256(l1, low),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), three), 4));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), three), 4));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), three), 4));
}

/* sum_g scale_g * bsum_g * 32, the offset correction, as 8 int32 lanes. */
static inline __m256i offset_sum(const __m256i scales16, const block_q8_K *a)
{
    __m256i p = _mm256_madd_epi16(scales16, _mm256_loadu_si256((const __m256i *)a->bsums));
    return _mm256_slli_epi32(p, 5);
}

float avx2_dot_q6_k(int64_t n, const void *w, const void *x)
{
    const block_q6_K *b = w;
    const block_q8_K *a = x;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)b[i].scales));
        __m256i isum = _mm256_sub_epi32(_mm256_setzero_si256(), offset_sum(s16, &a[i]));
        /* each half's eight scales in both 128-bit lanes */
        const __m256i hsv[2] = {_mm256_permute4x64_epi64(s16, 0x44), _mm256_permute4x64_epi64(s16, 0xEE)};
        #pragma GCC unroll 4
        for (int h = 0; h < 2; h++) {
            __m256i hs = hsv[h];
            __m256i q[4];
            unpack_half(&b[i], h, q);
            #pragma GCC unroll 4
            for (int k = 0; k < 4; k++) {
                __m256i p = _mm256_maddubs_epi16(q[k], _mm256_loadu_si256((const __m256i *)(a[i].qs + 128 * h + 32 * k)));
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, scale_pair(hs, k)));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&b[i].d) * a[i].d), _mm256_cvtepi32_ps(isum), acc);
    }
    return avx2_hsum(acc);
}

/* A full tile, rows [r, r + 4) x tokens [t, t + 2): constant bounds keep the accumulators in
 * registers; partial tiles at the edges go through the dot product. */
static void tile(const char *w, size_t wrb, int64_t nb, const char *qx, size_t qrb, float *y, size_t ys, int64_t r,
                 int64_t t)
{
    enum { nr = 4, nt = 2 };
    __m256 acc[4][2];
    #pragma GCC unroll 4
    for (int i = 0; i < 4; i++)
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (int64_t blk = 0; blk < nb; blk++) {
        const block_q8_K *xb[2];
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++)
            xb[k] = (const block_q8_K *)(qx + (size_t)(t + k) * qrb) + blk;
        #pragma GCC unroll 4
        for (int i = 0; i < nr; i++) {
            const block_q6_K *wb = (const block_q6_K *)(w + (size_t)(r + i) * wrb) + blk;
            __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)wb->scales));
            __m256i isum[2];
            #pragma GCC unroll 4
            for (int k = 0; k < nt; k++)
                isum[k] = _mm256_sub_epi32(_mm256_setzero_si256(), offset_sum(s16, xb[k]));
            const __m256i hsv[2] = {_mm256_permute4x64_epi64(s16, 0x44), _mm256_permute4x64_epi64(s16, 0xEE)};
            #pragma GCC unroll 4
            for (int h = 0; h < 2; h++) {
                __m256i hs = hsv[h];
                __m256i q[4];
                unpack_half(wb, h, q);
                #pragma GCC unroll 4
                for (int j = 0; j < 4; j++) {
                    __m256i sp = scale_pair(hs, j);
                    #pragma GCC unroll 4
                    for (int k = 0; k < nt; k++) {
                        const int8_t *aq = xb[k]->qs + 128 * h + 32 * j;
                        __m256i p = _mm256_maddubs_epi16(q[j], _mm256_loadu_si256((const __m256i *)aq));
                        isum[k] = _mm256_add_epi32(isum[k], _mm256_madd_epi16(p, sp));
                    }
                }
            }
            float d = avx2_half(&wb->d);
            #pragma GCC unroll 4
            for (int k = 0; k < nt; k++)
                acc[i][k] = _mm256_fmadd_ps(_mm256_set1_ps(d * xb[k]->d), _mm256_cvtepi32_ps(isum[k]), acc[i][k]);
        }
    }
    #pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++)
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = avx2_hsum(acc[i][k]);
}

void avx2_matmul_q6_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / 4 * 4, tfull = n_tok / 2 * 2;
    for (int64_t r = r0; r < rfull; r += 4)
        for (int64_t t = 0; t < tfull; t += 2)
            tile(w, w_row_bytes, n / QK_K, qx, qx_row_bytes, y, y_stride, r, t);
    avx2_matmul_edges(avx2_dot_q6_k, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
