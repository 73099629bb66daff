/* AVX2 Q5_K x Q8_K: Q4_K's kernel with the fifth bits from qh OR-ed into the nibbles (codes stay
 * unsigned, 0..31, so maddubs applies directly); mins come off through the activation bsums.
 * Batches use a 4-row x 2-token tile. */
#include "avx2.h"

/* The 8 scales and 8 mins of a block as bytes (see kq_scale_min for the packing). */
static inline void scales_mins(const uint8_t *s, uint8_t sc[8], uint8_t m[8])
{
    uint32_t s0, s1, s2;
    memcpy(&s0, s, 4);
    memcpy(&s1, s + 4, 4);
    memcpy(&s2, s + 8, 4);
    uint32_t v[4] = {s0 & 0x3f3f3f3f, ((s2 & 0x0f0f0f0f) | ((s0 >> 6) & 0x03030303) << 4), s1 & 0x3f3f3f3f,
                     (((s2 >> 4) & 0x0f0f0f0f) | ((s1 >> 6) & 0x03030303) << 4)};
    memcpy(sc, v, 8);
    memcpy(m, v + 2, 8);
}

/* The eight pair sums of the 16 bsums (one per 32-value sub-block) as int32. */
static inline __m256i pair_sums(const block_q8_K *a)
{
    return _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)a->bsums), _mm256_set1_epi16(1));
}

/* Codes of chunk c (elements 64c .. 64c + 63): low run and high run, fifth bits included. */
static inline void unpack_chunk(const block_q5_K *b, __m256i hb, int c, __m256i *lo, __m256i *hi)
{
    const __m256i low = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
    __m256i q = _mm256_loadu_si256((const __m256i *)(b->qs + 32 * c));
    __m256i b0 = _mm256_and_si256(_mm256_srli_epi16(hb, 2 * c), one);
    __m256i b1 = _mm256_and_si256(_mm256_srli_epi16(hb, 2 * c + 1), one);
    *lo = _mm256_or_si256(_mm256_and_si256(q, low), _mm256_slli_epi16(b0, 4));
    *hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), low), _mm256_slli_epi16(b1, 4));
}

/* sum_j sc_j * sum(q * a) over the block's 8 sub-blocks, as 8 int32 lanes. */
static inline __m256i block_isum(const block_q5_K *b, const int8_t *aq, const uint8_t sc[8])
{
    __m256i hb = _mm256_loadu_si256((const __m256i *)b->qh);
    __m256i acc = _mm256_setzero_si256();
    #pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        __m256i lo, hi;
        unpack_chunk(b, hb, c, &lo, &hi);
        __m256i plo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(aq + 64 * c)));
        __m256i phi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(aq + 64 * c + 32)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(plo, _mm256_set1_epi16(sc[2 * c])));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(phi, _mm256_set1_epi16(sc[2 * c + 1])));
    }
    return acc;
}

float avx2_dot_q5_k(int64_t n, const void *w, const void *x)
{
    const block_q5_K *b = w;
    const block_q8_K *a = x;
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], m[8];
        scales_mins(b[i].scales, sc, m);
        __m256i isum = block_isum(&b[i], a[i].qs, sc);
        uint64_t m8;
        memcpy(&m8, m, 8);
        __m256i msum = _mm256_mullo_epi32(pair_sums(&a[i]), _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)m8)));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&b[i].d) * a[i].d), _mm256_cvtepi32_ps(isum), acc);
        accm = _mm256_fmadd_ps(_mm256_set1_ps(avx2_half(&b[i].dmin) * a[i].d), _mm256_cvtepi32_ps(msum), accm);
    }
    return avx2_hsum(_mm256_sub_ps(acc, accm));
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
        __m256i ps[2];
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++) {
            xb[k] = (const block_q8_K *)(qx + (size_t)(t + k) * qrb) + blk;
            ps[k] = pair_sums(xb[k]);
        }
        #pragma GCC unroll 4
        for (int i = 0; i < nr; i++) {
            const block_q5_K *wb = (const block_q5_K *)(w + (size_t)(r + i) * wrb) + blk;
            uint8_t sc[8], m[8];
            scales_mins(wb->scales, sc, m);
            uint64_t m8;
            memcpy(&m8, m, 8);
            __m256i mv = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)m8));
            float d = avx2_half(&wb->d), dmin = avx2_half(&wb->dmin);
            __m256i isum[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
            __m256i hb = _mm256_loadu_si256((const __m256i *)wb->qh);
            #pragma GCC unroll 4
            for (int c = 0; c < 4; c++) { /* unpack 64 codes once, use them for every token */
                __m256i lo, hi;
                unpack_chunk(wb, hb, c, &lo, &hi);
                __m256i slo = _mm256_set1_epi16(sc[2 * c]), shi = _mm256_set1_epi16(sc[2 * c + 1]);
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
                __m256i msum = _mm256_mullo_epi32(ps[k], mv);
                acc[i][k] = _mm256_fmadd_ps(_mm256_set1_ps(d * xb[k]->d), _mm256_cvtepi32_ps(isum[k]), acc[i][k]);
                acc[i][k] = _mm256_fnmadd_ps(_mm256_set1_ps(dmin * xb[k]->d), _mm256_cvtepi32_ps(msum), acc[i][k]);
            }
        }
    }
    #pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        #pragma GCC unroll 4
        for (int k = 0; k < nt; k++)
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = avx2_hsum(acc[i][k]);
}

void avx2_matmul_q5_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / 4 * 4, tfull = n_tok / 2 * 2;
    for (int64_t r = r0; r < rfull; r += 4)
        for (int64_t t = 0; t < tfull; t += 2)
            tile(w, w_row_bytes, n / QK_K, qx, qx_row_bytes, y, y_stride, r, t);
    avx2_matmul_edges(avx2_dot_q5_k, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
