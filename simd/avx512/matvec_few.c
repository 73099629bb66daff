/* AVX-512 VNNI mat x mat for two to seven tokens (speculative verification, short prompts) of the
 * Q8_0 family: the mat x vec kernel's row walk with every block quad / pair unpacked once and
 * dotted with each token's prepared activation, so the weights stream once for all of them. */
#include "mv_common.h"

enum { FEW_MAX = 7 };

/* Prefetch distance for the block scales: each group's gather would otherwise wait on memory
 * (the one-token kernel gathers after the loads instead; here the per-group work is too long to
 * keep the codes around). */
enum { FEW_PREFETCH = 1024 };

/* Row r of the chunk for T tokens (a constant after inlining): out[t] as row_dot in matvec.c. */
static inline __attribute__((always_inline)) void row_few(const char *w, size_t bytes, const mv_act *a, int nb,
                                                          const block_q8_0 *const *x, int type, int T, float *out)
{
    const int off = type == 0 ? 8 : type == 1 ? 16 : 0;
    const int per = type == 2 ? 2 : 4;
    const __m512i dofs = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32((int)bytes));
    __m512 acc[FEW_MAX], accm[FEW_MAX];
#pragma GCC unroll 8
    for (int t = 0; t < T; t++)
        acc[t] = accm[t] = _mm512_setzero_ps();
    int nv = nb / per;
    for (int g = 0; 16 * g < nb; g++) {
        const char *gb = w + (size_t)g * 16 * bytes;
        for (size_t o = 0; o < 16 * bytes; o += 64)
            _mm_prefetch(gb + FEW_PREFETCH + o, _MM_HINT_T0);
        int left = nb - 16 * g, ve = nv - g * (16 / per) < 16 / per ? nv - g * (16 / per) : 16 / per;
        __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        __m512 dw = _mm512_cvtph_ps(
            _mm512_cvtepi32_epi16(_mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, dofs, gb, 1)));
        __m512 sc[FEW_MAX];
#pragma GCC unroll 8
        for (int t = 0; t < T; t++) {
            sc[t] = _mm512_mul_ps(dw, a[t].d[g]);
            if (off)
                accm[t] = _mm512_fmadd_ps(dw, a[t].ds[g], accm[t]);
        }
        for (int v = 0; v < ve; v++) {
            __m512i ix = _mm512_load_si512(type == 2 ? (const void *)idx_halves[v] : (const void *)idx_quads[v]);
            if (type == 2) {
                const block_q8_0 *pw = (const block_q8_0 *)(gb + (size_t)2 * v * bytes);
                __m512i ws = avx512_load2(pw[0].qs, pw[1].qs);
                __m512i bias = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), ws);
#pragma GCC unroll 8
                for (int t = 0; t < T; t++) {
                    __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(),
                                                    _mm512_load_si512((const void *)&a[t].x[8 * g + v]), ws);
                    acc[t] = _mm512_fmadd_ps(_mm512_permutexvar_ps(ix, sc[t]),
                                             _mm512_cvtepi32_ps(_mm512_sub_epi32(s, bias)), acc[t]);
                }
            } else {
                __m512i lo, hi;
                quad_codes(gb + (size_t)4 * v * bytes, bytes, type, &lo, &hi);
#pragma GCC unroll 8
                for (int t = 0; t < T; t++)
                    acc[t] = _mm512_fmadd_ps(_mm512_permutexvar_ps(ix, sc[t]),
                                             _mm512_cvtepi32_ps(quad_dot_codes(lo, hi, &a[t].x[8 * g + 2 * v])), acc[t]);
            }
        }
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; t++) {
        float sum = _mm512_reduce_add_ps(acc[t]);
        for (int b = nv * per; b < nb; b++) {
            const char *blk = w + (size_t)b * bytes;
            sum += avx512_half((const simd_half *)blk) * avx512_half(&x[t][b].d) * (float)tail_dot(blk, x[t][b].qs, type);
        }
        if (off)
            sum -= (float)off * _mm512_reduce_add_ps(accm[t]);
        out[t] = sum;
    }
}

static inline __attribute__((always_inline)) void few(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb,
                                                      float *y, size_t ys, int64_t r0, int64_t r1, int type, int T)
{
    _Alignas(64) mv_act a[FEW_MAX];
    const size_t bytes = type == 0 ? sizeof(block_q4_0) : type == 1 ? sizeof(block_q5_0) : sizeof(block_q8_0);
    int64_t nb = n / 32;
    for (int64_t c = 0; c < nb; c += MV_BLOCKS) {
        int nbc = nb - c < MV_BLOCKS ? (int)(nb - c) : MV_BLOCKS;
        const block_q8_0 *x[FEW_MAX];
        for (int t = 0; t < T; t++) {
            x[t] = (const block_q8_0 *)((const char *)qx + (size_t)t * qrb) + c;
            prep(&a[t], x[t], nbc, type == 2 ? LAYOUT_BIASED : LAYOUT_NIBBLES);
        }
        for (int64_t r = r0; r < r1; r++) {
            float v[FEW_MAX];
            row_few((const char *)w + (size_t)r * wrb + (size_t)c * bytes, bytes, a, nbc, x, type, T, v);
            for (int t = 0; t < T; t++)
                y[(size_t)t * ys + (size_t)r] = c == 0 ? v[t] : y[(size_t)t * ys + (size_t)r] + v[t];
        }
    }
}

/* n_tok from 1 to FEW_MAX, each count compiled with its own constant (1: the one-token kernel). */
static inline __attribute__((always_inline)) void few_any(const void *w, size_t wrb, int64_t n, const void *qx,
                                                          size_t qrb, int64_t n_tok, float *y, size_t ys, int64_t r0,
                                                          int64_t r1, int type)
{
    switch (n_tok) {
    case 1:
        if (type == 0)
            avx512_matvec_q4_0(w, wrb, n, qx, y, r0, r1);
        else if (type == 1)
            avx512_matvec_q5_0(w, wrb, n, qx, y, r0, r1);
        else
            avx512_matvec_q8_0(w, wrb, n, qx, y, r0, r1);
        break;
    case 2: few(w, wrb, n, qx, qrb, y, ys, r0, r1, type, 2); break;
    case 3: few(w, wrb, n, qx, qrb, y, ys, r0, r1, type, 3); break;
    case 4: few(w, wrb, n, qx, qrb, y, ys, r0, r1, type, 4); break;
    case 5: few(w, wrb, n, qx, qrb, y, ys, r0, r1, type, 5); break;
    case 6: few(w, wrb, n, qx, qrb, y, ys, r0, r1, type, 6); break;
    case 7: few(w, wrb, n, qx, qrb, y, ys, r0, r1, type, 7); break;
    default: break;
    }
}

void avx512_few_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    few_any(w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, 0);
}

void avx512_few_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    few_any(w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, 1);
}

void avx512_few_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                     float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    few_any(w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1, 2);
}
