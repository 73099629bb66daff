/* AVX-512 VNNI mat x vec for Q4_K, built to keep up with memory: the Q8_K activation is prepared
 * once per call (bytes reordered so each 64-byte nibble plane meets its activations in one
 * aligned load, sub-block sums paired), so a super-block of a row costs four dpbusd on unsigned
 * codes, four permutes and multiplies for the sub-block scales, and one convert and FMA. Two to
 * seven tokens (speculative verification) share each super-block's unpacked codes and scales;
 * Q6_K gets the same few-token row walk. */
#include "avx512.h"

/* Super-blocks per prepared chunk (longer rows run chunk by chunk; 5 KB a token on the stack). */
enum { MVK_BLOCKS = 16, MVK_PREFETCH = 1024, MVK_FEW = 7 };

typedef struct mvk_block {
    __m512i x[4];     /* sub-blocks (0|2), (1|3), (4|6), (5|7): the order of the nibble planes */
    int16_t bs[8];    /* activation sum of each 32-element sub-block */
    float d;
} mvk_block;

static void prep(mvk_block *a, const block_q8_K *x, int nb)
{
    for (int b = 0; b < nb; b++) {
        const int8_t *q = x[b].qs;
        a[b].x[0] = avx512_load2(q, q + 64);
        a[b].x[1] = avx512_load2(q + 32, q + 96);
        a[b].x[2] = avx512_load2(q + 128, q + 192);
        a[b].x[3] = avx512_load2(q + 160, q + 224);
        for (int j = 0; j < 8; j++)
            a[b].bs[j] = (int16_t)(x[b].bsums[2 * j] + x[b].bsums[2 * j + 1]);
        a[b].d = x[b].d;
    }
}

/* vpermd indices: lanes 0-7 take scale lo, lanes 8-15 scale hi, for the four planes. */
static _Alignas(64) const int32_t plane_idx[4][16] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2},
    {1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 6, 6, 6},
    {5, 5, 5, 5, 5, 5, 5, 5, 7, 7, 7, 7, 7, 7, 7, 7},
};

/* Row w over the chunk for T tokens (a constant after inlining): out[t] = the row's dot with token t. */
static inline __attribute__((always_inline)) void row_dot(const block_q4_K *w, const mvk_block *const *a, int nb, int T,
                                                          float *out)
{
    const __m512i low = _mm512_set1_epi8(0x0f);
    __m512 acc[MVK_FEW];
    __m128 accm[MVK_FEW];
#pragma GCC unroll 8
    for (int t = 0; t < T; t++) {
        acc[t] = _mm512_setzero_ps();
        accm[t] = _mm_setzero_ps();
    }
    for (int b = 0; b < nb; b++) {
        _mm_prefetch((const char *)&w[b] + MVK_PREFETCH, _MM_HINT_T0);
        uint32_t s0, s1, s2;
        memcpy(&s0, w[b].scales, 4);
        memcpy(&s1, w[b].scales + 4, 4);
        memcpy(&s2, w[b].scales + 8, 4);
        uint64_t sc = (uint64_t)(s0 & 0x3f3f3f3f) |
                      (uint64_t)((s2 & 0x0f0f0f0f) | ((s0 >> 6) & 0x03030303) << 4) << 32;
        uint64_t mn = (uint64_t)(s1 & 0x3f3f3f3f) |
                      (uint64_t)(((s2 >> 4) & 0x0f0f0f0f) | ((s1 >> 6) & 0x03030303) << 4) << 32;
        __m512i sv = _mm512_cvtepu8_epi32(_mm_cvtsi64_si128((long long)sc));
        __m512i q0 = _mm512_loadu_si512((const void *)w[b].qs), q1 = _mm512_loadu_si512((const void *)(w[b].qs + 64));
        __m512i c[4] = {_mm512_and_si512(q0, low), _mm512_and_si512(_mm512_srli_epi16(q0, 4), low),
                        _mm512_and_si512(q1, low), _mm512_and_si512(_mm512_srli_epi16(q1, 4), low)};
        __m512i sk[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++)
            sk[k] = _mm512_permutexvar_epi32(_mm512_load_si512((const void *)plane_idx[k]), sv);
        __m128i m16 = _mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)mn));
        float d = avx512_half(&w[b].d), dmin = avx512_half(&w[b].dmin);
#pragma GCC unroll 8
        for (int t = 0; t < T; t++) {
            const mvk_block *x = &a[t][b];
            __m512i isum = _mm512_setzero_si512();
#pragma GCC unroll 4
            for (int k = 0; k < 4; k++) {
                __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), c[k], _mm512_load_si512((const void *)&x->x[k]));
                isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(p, sk[k]));
            }
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * x->d), _mm512_cvtepi32_ps(isum), acc[t]);
            __m128i ms = _mm_madd_epi16(m16, _mm_loadu_si128((const __m128i *)x->bs));
            accm[t] = _mm_fmadd_ps(_mm_set1_ps(dmin * x->d), _mm_cvtepi32_ps(ms), accm[t]);
        }
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; t++) {
        __m128 mm = _mm_add_ps(accm[t], _mm_movehl_ps(accm[t], accm[t]));
        mm = _mm_add_ss(mm, _mm_movehdup_ps(mm));
        out[t] = _mm512_reduce_add_ps(acc[t]) - _mm_cvtss_f32(mm);
    }
}

/* T tokens (1..MVK_FEW, constant after inlining), token t's activation at qx + t * qrb. */
static inline __attribute__((always_inline)) void matvec_k(const void *w, size_t wrb, int64_t n, const void *qx,
                                                           size_t qrb, float *y, size_t ys, int64_t r0, int64_t r1, int T)
{
    _Alignas(64) mvk_block a[MVK_FEW][MVK_BLOCKS];
    const mvk_block *ap[MVK_FEW];
    int64_t nb = n / QK_K;
    for (int t = 0; t < T; t++)
        ap[t] = a[t];
    for (int64_t c = 0; c < nb; c += MVK_BLOCKS) {
        int nbc = nb - c < MVK_BLOCKS ? (int)(nb - c) : MVK_BLOCKS;
        for (int t = 0; t < T; t++)
            prep(a[t], (const block_q8_K *)((const char *)qx + (size_t)t * qrb) + c, nbc);
        for (int64_t r = r0; r < r1; r++) {
            float v[MVK_FEW];
            row_dot((const block_q4_K *)((const char *)w + (size_t)r * wrb) + c, ap, nbc, T, v);
            for (int t = 0; t < T; t++)
                y[(size_t)t * ys + (size_t)r] = c == 0 ? v[t] : y[(size_t)t * ys + (size_t)r] + v[t];
        }
    }
}

void avx512_matvec_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    matvec_k(w, w_row_bytes, n, qx, 0, y, 0, r0, r1, 1);
}

void avx512_few_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    switch (n_tok) {
    case 1: matvec_k(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 1); break;
    case 2: matvec_k(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 2); break;
    case 3: matvec_k(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 3); break;
    case 4: matvec_k(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 4); break;
    case 5: matvec_k(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 5); break;
    case 6: matvec_k(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 6); break;
    case 7: matvec_k(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 7); break;
    default: break;
    }
}

/* Q6_K: the nibble and high-bit planes come out in element order (64 codes 0..63 per register),
 * so the Q8_K activations are used as they are; each 16-element sub-block is four int32 lanes,
 * its signed scale spread by one permute shared by all tokens, and the -32 offset comes off
 * through the activation bsums. */
static _Alignas(64) const int32_t q6_idx[4][16] = {
    {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
    {4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7},
    {8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11},
    {12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15},
};

static inline __attribute__((always_inline)) void row_dot_q6(const block_q6_K *w, const block_q8_K *const *x, int64_t nb,
                                                             int T, float *out)
{
    const __m512i low = _mm512_set1_epi8(0x0f), three = _mm512_set1_epi8(3);
    __m512 acc[MVK_FEW];
    __m256 accm[MVK_FEW];
#pragma GCC unroll 8
    for (int t = 0; t < T; t++) {
        acc[t] = _mm512_setzero_ps();
        accm[t] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < nb; b++) {
        _mm_prefetch((const char *)&w[b] + MVK_PREFETCH, _MM_HINT_T0);
        __m512i c[4];
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) { /* planes 2h (elements 128h + 0..63) and 2h + 1 (+ 64..127) */
            __m512i l = _mm512_loadu_si512((const void *)(w[b].ql + 64 * h));
            __m256i qh = _mm256_loadu_si256((const __m256i *)(w[b].qh + 32 * h));
            __m512i h01 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
            __m512i h23 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_srli_epi16(qh, 4)), _mm256_srli_epi16(qh, 6), 1);
            c[2 * h] = _mm512_or_si512(_mm512_and_si512(l, low), _mm512_slli_epi16(_mm512_and_si512(h01, three), 4));
            c[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), low),
                                           _mm512_slli_epi16(_mm512_and_si512(h23, three), 4));
        }
        __m128i s8 = _mm_loadu_si128((const __m128i *)w[b].scales);
        __m512i sv = _mm512_cvtepi8_epi32(s8);
        __m256i s16 = _mm256_cvtepi8_epi16(s8);
        __m512i sk[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++)
            sk[k] = _mm512_permutexvar_epi32(_mm512_load_si512((const void *)q6_idx[k]), sv);
        float d = avx512_half(&w[b].d);
#pragma GCC unroll 8
        for (int t = 0; t < T; t++) {
            const block_q8_K *a = &x[t][b];
            __m512i isum = _mm512_setzero_si512();
#pragma GCC unroll 4
            for (int k = 0; k < 4; k++) {
                __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), c[k], _mm512_loadu_si512((const void *)(a->qs + 64 * k)));
                isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(p, sk[k]));
            }
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * a->d), _mm512_cvtepi32_ps(isum), acc[t]);
            __m256i ms = _mm256_madd_epi16(s16, _mm256_loadu_si256((const __m256i *)a->bsums));
            accm[t] = _mm256_fmadd_ps(_mm256_set1_ps(32.0f * d * a->d), _mm256_cvtepi32_ps(ms), accm[t]);
        }
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; t++) {
        __m128 m = _mm_add_ps(_mm256_castps256_ps128(accm[t]), _mm256_extractf128_ps(accm[t], 1));
        m = _mm_add_ps(m, _mm_movehl_ps(m, m));
        m = _mm_add_ss(m, _mm_movehdup_ps(m));
        out[t] = _mm512_reduce_add_ps(acc[t]) - _mm_cvtss_f32(m);
    }
}

static inline __attribute__((always_inline)) void matvec_q6(const void *w, size_t wrb, int64_t n, const void *qx,
                                                            size_t qrb, float *y, size_t ys, int64_t r0, int64_t r1, int T)
{
    const block_q8_K *x[MVK_FEW];
    for (int t = 0; t < T; t++)
        x[t] = (const block_q8_K *)((const char *)qx + (size_t)t * qrb);
    for (int64_t r = r0; r < r1; r++) {
        float v[MVK_FEW];
        row_dot_q6((const block_q6_K *)((const char *)w + (size_t)r * wrb), x, n / QK_K, T, v);
        for (int t = 0; t < T; t++)
            y[(size_t)t * ys + (size_t)r] = v[t];
    }
}

void avx512_few_q6_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    switch (n_tok) {
    case 1: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 1); break;
    case 2: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 2); break;
    case 3: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 3); break;
    case 4: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 4); break;
    case 5: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 5); break;
    case 6: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 6); break;
    case 7: matvec_q6(w, w_row_bytes, n, qx, qx_row_bytes, y, y_stride, r0, r1, 7); break;
    default: break;
    }
}
