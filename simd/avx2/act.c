/* AVX2 activation quantizers. They must produce the very bytes the scalar activation quantizers
 * produce (the tests compare them), so scales are computed in scalar float exactly like ref/, and
 * only the per-element multiply, rounding and packing are vectorised. */

#include "../half.h"
#include "avx2.h"

static inline __m256 abs_ps(__m256 v)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

static inline float hmax(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/* Round to nearest even (the MXCSR default), as nearbyintf in the reference. */
static inline __m256i round_even(__m256 v)
{
    return _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

/* Four vectors of 8 int32 (each within int8 range) to 32 int8 in element order. */
static inline __m256i pack_i8(__m256i a, __m256i b, __m256i c, __m256i d)
{
    __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
    __m256i v = _mm256_packs_epi16(ab, cd);
    return _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* One 32-value block in the Q8_0 / Q8_1 style: returns d and stores the codes. */
static inline float q8_block(const float *x, int8_t *qs)
{
    __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16),
           v3 = _mm256_loadu_ps(x + 24);
    __m256 m = _mm256_max_ps(_mm256_max_ps(abs_ps(v0), abs_ps(v1)), _mm256_max_ps(abs_ps(v2), abs_ps(v3)));
    float amax = hmax(m);
    float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    __m256 s = _mm256_set1_ps(id);
    __m256i q = pack_i8(round_even(_mm256_mul_ps(v0, s)), round_even(_mm256_mul_ps(v1, s)),
                        round_even(_mm256_mul_ps(v2, s)), round_even(_mm256_mul_ps(v3, s)));
    _mm256_storeu_si256((__m256i *)qs, q);
    return amax / 127.0f;
}

void avx2_quant_act_q8_0(const float *src, void *dst, int64_t n)
{
    block_q8_0 *b = dst;
    for (int64_t i = 0; i < n / QK8_0; i++)
        b[i].d = half_from_f32(q8_block(src + i * QK8_0, b[i].qs));
}

void avx2_quant_act_q8_1(const float *src, void *dst, int64_t n)
{
    block_q8_1 *b = dst;
    for (int64_t i = 0; i < n / QK8_1; i++) {
        float d = q8_block(src + i * QK8_1, b[i].qs);
        __m256i q = _mm256_loadu_si256((const __m256i *)b[i].qs);
        __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), q);
        __m256i s32 = _mm256_madd_epi16(s16, _mm256_set1_epi16(1));
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s32), _mm256_extracti128_si256(s32, 1));
        s = _mm_hadd_epi32(s, s);
        s = _mm_hadd_epi32(s, s);
        b[i].d = half_from_f32(d);
        b[i].s = half_from_f32((float)_mm_cvtsi128_si32(s) * d);
    }
}

void avx2_quant_act_q8_k(const float *src, void *dst, int64_t n)
{
    block_q8_K *b = dst;
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < QK_K; j += 8)
            m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(src + j)));
        float amax = hmax(m), max = 0.0f;
        memset(&b[i], 0, sizeof(b[i]));
        if (amax == 0.0f)
            continue;
        /* the first value of largest magnitude sets the sign: 8 compares at a time (the scalar
         * scan cost about as much as the quantization itself) */
        const __m256 vmax = _mm256_set1_ps(amax);
        for (int j = 0; j < QK_K; j += 8) {
            int hit = _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(_mm256_loadu_ps(src + j)), vmax, _CMP_EQ_OQ));
            if (hit) {
                max = src[j + __builtin_ctz((unsigned)hit)];
                break;
            }
        }
        float iscale = -127.0f / max;
        __m256 s = _mm256_set1_ps(iscale);
        const __m256i top = _mm256_set1_epi32(127);
        for (int j = 0; j < QK_K; j += 32) {
            __m256i q[4];
            for (int k = 0; k < 4; k++) {
                __m256 v = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(src + j + 8 * k), s),
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                q[k] = _mm256_min_epi32(_mm256_cvtps_epi32(v), top);
            }
            __m256i p = pack_i8(q[0], q[1], q[2], q[3]);
            _mm256_storeu_si256((__m256i *)(b[i].qs + j), p);
            /* sums of each 16 codes: bytes -> pairs -> quads, then fold quads within each half */
            __m256i s32 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), p), _mm256_set1_epi16(1));
            __m256i h = _mm256_hadd_epi32(s32, s32);
            h = _mm256_hadd_epi32(h, h);
            b[i].bsums[j / 16] = (int16_t)_mm256_extract_epi32(h, 0);
            b[i].bsums[j / 16 + 1] = (int16_t)_mm256_extract_epi32(h, 4);
        }
        b[i].d = 1.0f / iscale;
    }
}

void avx2_quant_act_f16(const float *src, void *dst, int64_t n)
{
    uint16_t *h = dst;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(h + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++)
        h[i] = half_from_f32(src[i]);
}

void avx2_quant_act_bf16(const float *src, void *dst, int64_t n)
{
    uint16_t *h = dst;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i u = _mm256_loadu_si256((const __m256i *)(src + i));
        __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
        __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7fff))), 16);
        /* NaN: keep the top half and force the quiet bit */
        __m256i a = _mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff));
        __m256i nan = _mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x7f800000));
        __m256i qn = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(64));
        r = _mm256_blendv_epi8(r, qn, nan);
        __m128i p = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
        _mm_storeu_si128((__m128i *)(h + i), p);
    }
    for (; i < n; i++)
        h[i] = bf16_from_f32(src[i]);
}
