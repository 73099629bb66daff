/* AVX-512 Q4_K x Q8_K: a super-block in two 512-bit steps; each step covers two 64-value chunks,
 * nibbles times activations with maddubs, the per-sub-block scales entering through madd (i16 scale
 * vectors, one scale per 256-bit half); mins through the activation bsums. Batches use a 2-row x
 * 4-token tile that unpacks each block once for the four tokens. */
#include "avx512.h"

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

static inline __m512i scale_pair(uint8_t lo, uint8_t hi)
{
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(lo)), _mm256_set1_epi16(hi), 1);
}

float avx512_dot_q4_k(int64_t n, const void *w, const void *x)
{
    const block_q4_K *b = w;
    const block_q8_K *a = x;
    __m512 acc = _mm512_setzero_ps();
    float mins = 0.0f;
    const __m512i low = _mm512_set1_epi8(0x0f);
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], m[8];
        scales_mins(b[i].scales, sc, m);
        __m512i isum = _mm512_setzero_si512();
        for (int s = 0; s < 2; s++) { /* chunks 2s and 2s + 1 */
            __m512i q = _mm512_loadu_si512((const void *)(b[i].qs + 64 * s));
            __m512i lo = _mm512_and_si512(q, low), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low);
            const int8_t *aq = a[i].qs + 128 * s;
            __m512i alo = avx512_load2(aq, aq + 64), ahi = avx512_load2(aq + 32, aq + 96);
            __m512i plo = _mm512_maddubs_epi16(lo, alo), phi = _mm512_maddubs_epi16(hi, ahi);
            isum = _mm512_add_epi32(isum, _mm512_madd_epi16(plo, scale_pair(sc[4 * s], sc[4 * s + 2])));
            isum = _mm512_add_epi32(isum, _mm512_madd_epi16(phi, scale_pair(sc[4 * s + 1], sc[4 * s + 3])));
        }
        int msum = 0;
        for (int j = 0; j < 8; j++)
            msum += m[j] * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
        acc = _mm512_fmadd_ps(_mm512_set1_ps(avx512_half(&b[i].d) * a[i].d), _mm512_cvtepi32_ps(isum), acc);
        mins += avx512_half(&b[i].dmin) * a[i].d * (float)msum;
    }
    return _mm512_reduce_add_ps(acc) - mins;
}

/* sum_j m_j * (bsum_2j + bsum_2j+1) as four int32 lanes (m: the eight mins as int16). */
static inline __m128i min_sums(__m128i m16, const block_q8_K *a)
{
    __m256i bs = _mm256_loadu_si256((const __m256i *)a->bsums);
    __m128i pairs = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
    return _mm_madd_epi16(m16, pairs);
}

enum { TR = 2, TT = 4 };

static void tile(const char *w, size_t wrb, int64_t nb, const char *qx, size_t qrb, float *y, size_t ys, int64_t r,
                 int64_t t)
{
    __m512 acc[TR][TT];
    __m128 accm[TR][TT];
#pragma GCC unroll 4
    for (int i = 0; i < TR; i++)
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++) {
            acc[i][k] = _mm512_setzero_ps();
            accm[i][k] = _mm_setzero_ps();
        }
    const __m512i low = _mm512_set1_epi8(0x0f);
    for (int64_t blk = 0; blk < nb; blk++) {
        const block_q8_K *xb[TT];
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++)
            xb[k] = (const block_q8_K *)(qx + (size_t)(t + k) * qrb) + blk;
#pragma GCC unroll 4
        for (int i = 0; i < TR; i++) {
            const block_q4_K *wb = (const block_q4_K *)(w + (size_t)(r + i) * wrb) + blk;
            uint8_t sc[8], m[8];
            scales_mins(wb->scales, sc, m);
            uint64_t m8;
            memcpy(&m8, m, 8);
            __m128i m16 = _mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)m8));
            __m512i isum[TT];
#pragma GCC unroll 4
            for (int k = 0; k < TT; k++)
                isum[k] = _mm512_setzero_si512();
#pragma GCC unroll 2
            for (int s = 0; s < 2; s++) { /* chunks 2s and 2s + 1, unpacked once for every token */
                __m512i q = _mm512_loadu_si512((const void *)(wb->qs + 64 * s));
                __m512i lo = _mm512_and_si512(q, low), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low);
                __m512i slo = scale_pair(sc[4 * s], sc[4 * s + 2]), shi = scale_pair(sc[4 * s + 1], sc[4 * s + 3]);
#pragma GCC unroll 4
                for (int k = 0; k < TT; k++) {
                    const int8_t *aq = xb[k]->qs + 128 * s;
                    __m512i plo = _mm512_maddubs_epi16(lo, avx512_load2(aq, aq + 64));
                    __m512i phi = _mm512_maddubs_epi16(hi, avx512_load2(aq + 32, aq + 96));
                    isum[k] = _mm512_add_epi32(isum[k], _mm512_add_epi32(_mm512_madd_epi16(plo, slo),
                                                                         _mm512_madd_epi16(phi, shi)));
                }
            }
            float d = avx512_half(&wb->d), dmin = avx512_half(&wb->dmin);
#pragma GCC unroll 4
            for (int k = 0; k < TT; k++) {
                acc[i][k] = _mm512_fmadd_ps(_mm512_set1_ps(d * xb[k]->d), _mm512_cvtepi32_ps(isum[k]), acc[i][k]);
                accm[i][k] = _mm_fmadd_ps(_mm_set1_ps(dmin * xb[k]->d), _mm_cvtepi32_ps(min_sums(m16, xb[k])),
                                          accm[i][k]);
            }
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < TR; i++)
#pragma GCC unroll 4
        for (int k = 0; k < TT; k++) {
            __m128 mm = _mm_add_ps(accm[i][k], _mm_movehl_ps(accm[i][k], accm[i][k]));
            mm = _mm_add_ss(mm, _mm_movehdup_ps(mm));
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = _mm512_reduce_add_ps(acc[i][k]) - _mm_cvtss_f32(mm);
        }
}

void avx512_matmul_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                        int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    int64_t rfull = r0 + (r1 - r0) / TR * TR, tfull = n_tok / TT * TT;
    for (int64_t r = r0; r < rfull; r += TR)
        for (int64_t t = 0; t < tfull; t += TT)
            tile(w, w_row_bytes, n / QK_K, qx, qx_row_bytes, y, y_stride, r, t);
    avx512_matmul_edges(avx512_dot_q4_k, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, rfull, tfull);
}
