/* AVX-512 VNNI mat x vec for the 32-element formats dotted with Q8_0 (Q4_0, Q5_0, Q8_0), built to
 * keep up with memory: the activation is prepared once per call (bytes reordered to the weight's
 * nibble order or biased to unsigned, block scales as floats, scale x sum per block), so four
 * Q4_0/Q5_0 blocks (or two Q8_0 blocks) of a row cost one load-and-unpack, two dpbusd (Q8_0: one
 * plus its bias sum), one convert and one FMA; the 16 block scales of a row come in one gather. */
#include "mv_common.h"

/* One row over blocks [0, nb) of the prepared chunk: sum of d_w * d_x * (dot - off * sum x). The
 * 16 scales of a group are gathered after its codes were loaded, from lines already in L1: a
 * gather that goes first misses memory and stalls the stream (Q8_0 output head 21 -> 29 GB/s). */
static inline __attribute__((always_inline)) float row_dot(const char *w, size_t bytes, const mv_act *a, int nb,
                                                           const block_q8_0 *x, int type)
{
    const int off = type == 0 ? 8 : type == 1 ? 16 : 0;
    const int per = type == 2 ? 2 : 4; /* blocks per register */
    const __m512i dofs = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32((int)bytes));
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), accm = _mm512_setzero_ps();
    int nv = nb / per; /* whole pairs / quads */
    for (int g = 0; 16 * g < nb; g++) {
        const char *gb = w + (size_t)g * 16 * bytes;
        int left = nb - 16 * g, ve = nv - g * (16 / per) < 16 / per ? nv - g * (16 / per) : 16 / per;
        __m512i s[8];
#pragma GCC unroll 8
        for (int v = 0; v < 16 / per; v++)
            s[v] = v >= ve       ? _mm512_setzero_si512()
                   : type == 2 ? pair_dot(gb + (size_t)2 * v * bytes, &a->x[8 * g + v])
                               : quad_dot(gb + (size_t)4 * v * bytes, bytes, &a->x[8 * g + 2 * v], type);
        __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        __m512 dw = _mm512_cvtph_ps(
            _mm512_cvtepi32_epi16(_mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, dofs, gb, 1)));
        __m512 sc = _mm512_mul_ps(dw, a->d[g]);
        if (off) /* the offset of every block of the group, the tail blocks included */
            accm = _mm512_fmadd_ps(dw, a->ds[g], accm);
#pragma GCC unroll 8
        for (int v = 0; v < 16 / per; v++) {
            if (v >= ve)
                break;
            __m512i ix = _mm512_load_si512(type == 2 ? (const void *)idx_halves[v] : (const void *)idx_quads[v]);
            __m512 f = _mm512_permutexvar_ps(ix, sc);
            if (v & 1)
                acc1 = _mm512_fmadd_ps(f, _mm512_cvtepi32_ps(s[v]), acc1);
            else
                acc0 = _mm512_fmadd_ps(f, _mm512_cvtepi32_ps(s[v]), acc0);
        }
    }
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    for (int b = nv * per; b < nb; b++) {
        const char *blk = w + (size_t)b * bytes;
        sum += avx512_half((const simd_half *)blk) * avx512_half(&x[b].d) * (float)tail_dot(blk, x[b].qs, type);
    }
    if (off)
        sum -= (float)off * _mm512_reduce_add_ps(accm);
    return sum;
}

static inline __attribute__((always_inline)) void matvec(const void *w, size_t wrb, int64_t n, const void *qx, float *y,
                                                         int64_t r0, int64_t r1, int type)
{
    _Alignas(64) mv_act a;
    const size_t bytes = type == 0 ? sizeof(block_q4_0) : type == 1 ? sizeof(block_q5_0) : sizeof(block_q8_0);
    const block_q8_0 *x = qx;
    int64_t nb = n / 32;
    for (int64_t c = 0; c < nb; c += MV_BLOCKS) {
        int nbc = nb - c < MV_BLOCKS ? (int)(nb - c) : MV_BLOCKS;
        prep(&a, x + c, nbc, type == 2 ? LAYOUT_BIASED : LAYOUT_NIBBLES);
        for (int64_t r = r0; r < r1; r++) {
            float v = row_dot((const char *)w + (size_t)r * wrb + (size_t)c * bytes, bytes, &a, nbc, x + c, type);
            y[r] = c == 0 ? v : y[r] + v;
        }
    }
}

void avx512_matvec_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    matvec(w, w_row_bytes, n, qx, y, r0, r1, 0);
}

void avx512_matvec_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    matvec(w, w_row_bytes, n, qx, y, r0, r1, 1);
}

void avx512_matvec_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1)
{
    matvec(w, w_row_bytes, n, qx, y, r0, r1, 2);
}
