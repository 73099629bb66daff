/* AVX2 Q4_K x Q8_K. Per super-block: nibbles times activation bytes with maddubs (codes are
 * unsigned, so no sign trick), weighted by the 6-bit sub-block scales with madd; the mins are taken
 * off once per block through the activation bsums. Batches use a 4-row x 2-token tile. */
#include "avx2.h"

/* The 8 scales and 8 mins of a block (see kq_scale_min for the packing) as int16: scales in the
 * low 128 bits, mins in the high 128 bits. */
static inline __m256i scales_mins16(const uint8_t *s)
{
    uint32_t s0, s1, s2;
    memcpy(&s0, s, 4);
    memcpy(&s1, s + 4, 4);
    memcpy(&s2, s + 8, 4);
    __m128i b = _mm_set_epi32((int)(((s2 >> 4) & 0x0f0f0f0f) | ((s1 >> 6) & 0x03030303) << 4), (int)(s1 & 0x3f3f3f3f),
                              (int)((s2 & 0x0f0f0f0f) | ((s0 >> 6) & 0x03030303) << 4), (int)(s0 & 0x3f3f3f3f));
    return _mm256_cvtepu8_epi16(b);
}

/* Broadcast int16 lane j (0..7) of each 128-bit half: shuffle constants, one per sub-block. */
static inline __m256i lane16(__m256i v, int j)
{
    return _mm256_shuffle_epi8(v, _mm256_set1_epi16((short)((2 * j + 1) << 8 | 2 * j)));
}

/* sum_j m_j * (bsum_2j + bsum_2j+1) as four int32 lanes. */
static inline __m128i min_sums(__m256i sm, const block_q8_K *a)
{
    __m256i bs = _mm256_loadu_si256((const __m256i *)a->bsums);
    __m128i pairs = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
    return _mm_madd_epi16(_mm256_extracti128_si256(sm, 1), pairs);
}

/* sum_j sc_j * sum(q * a) over the block's 8 sub-blocks, as 8 int32 lanes (sc: scales in both halves). */
static inline __m256i block_isum(const block_q4_K *b, const int8_t *aq, __m256i sc)
{
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i acc = _mm256_setzero_si256();
    #pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(b->qs + 32 * c));
        __m256i lo = _mm256_and_si256(q, low), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
        __m256i plo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(aq + 64 * c)));
        __m256i phi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(aq + 64 * c + 32)));
        plo = _mm256_madd_epi16(plo, lane16(sc, 2 * c));
        phi = _mm256_madd_epi16(phi, lane16(sc, 2 * c + 1));
        acc = _mm256_add_epi32(acc, _mm256_add_epi32(plo, phi));
    }
    return acc;
}

float avx2_dot_q4_k(int64_t n, const void *w, const void *x)
{
    const block_q4_K *b = w;
    const block_q8_K *a = x;
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m256i sm = scales_mins16(b[i].scales);
        __m256i isum = block_isum(&b[i], a[i].qs, _mm256_permute2x128_si256(sm, sm, 0x00));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&b[i].d) * a[i].d), _mm256_cvtepi32_ps(isum), acc);
        accm = _mm_fmadd_ps(_mm_set1_ps(avx2_half(&b[i].dmin) * a[i].d), _mm_cvtepi32_ps(min_sums(sm, &a[i])), accm);
    }
    __m128 m = _mm_add_ps(accm, _mm_movehl_ps(accm, accm));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return avx2_hsum(acc) - _mm_cvtss_f32(m);
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
            const block_q4_K *wb = (const block_q4_K *)(w + (size_t)(r + i) * wrb) + blk;
            __m256i sm = scales_mins16(wb->scales), sc = _mm256_permute2x128_si256(sm, sm, 0x00);
            float d = avx2_half(&wb->d), dmin = avx2_half(&wb->dmin);
            __m256i isum[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
            #pragma GCC unroll 4
            for (int c = 0; c < 4; c++) { /* unpack 64 codes once, use them for every token */
                __m256i q = _mm256_loadu_si256((const __m256i *)(wb->qs + 32 * c));
                __m256i lo = _mm256_and_si256(q, _mm256_set1_epi8(0x0f));
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), _mm256_set1_epi8(0x0f));
                __m256i slo = lane16(sc, 2 * c), shi = lane16(sc, 2 * c + 1);
                #pragma GCC unroll 4
                for (int k = 0; k < nt; k++) {
                    const int8_t *aq = xb[k]->qs + 64 * c;
                    __m256i plo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)aq));
                    __m256i phi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(aq + 32)));
                    isum[k] = _mm256_add_epi32(isum[k], _mm256_add_epi32(_mm256_madd_epi16(plo, slo),
                                                                         _mm256_madd_epi16(phi, shi)));
                }
            }
            #pragma GCC unroll 4
            for (int k = 0; k < nt; k++) {
                __m128i ms = min_sums(sm, xb[k]);
                __m256 mv = _mm256_castps128_ps256(_mm_cvtepi32_ps(ms)); /* upper lanes zeroed below */
                mv = _mm256_insertf128_ps(mv, _mm_setzero_ps(), 1);
                acc[i][k] = _mm256_fmadd_ps(_mm256_set1_ps(d * xb[k]->d), _mm256_cvtepi32_ps(isum[k]), acc[i][k]);
                acc[i][k] = _mm256_fnmadd_ps(_mm256_set1_ps(dmin * xb[k]->d), mv, acc[i][k]);
            }
        }
    }
    #pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++)
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = avx2_hsum(acc[i][k]);
}

void avx2_matmul_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / 4 * 4, tfull = n_tok / 2 * 2;
    for (int64_t r = r0; r < rfull; r += 4)
        for (int64_t t = 0; t < tfull; t += 2)
            tile(w, w_row_bytes, n / QK_K, qx, qx_row_bytes, y, y_stride, r, t);
    avx2_matmul_edges(avx2_dot_q4_k, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
