/* AVX-512 VNNI mat x vec for the 32-element formats dotted with Q8_0 (Q4_0, Q5_0, Q8_0), built to
 * keep up with memory: the activation is prepared once per call (bytes reordered to the weight's
 * nibble order or biased to unsigned, block scales as floats, scale x sum per block), so four
 * Q4_0/Q5_0 blocks (or two Q8_0 blocks) of a row cost one load-and-unpack, two dpbusd (Q8_0: one
 * plus its bias sum), one convert and one FMA; the 16 block scales of a row come in one gather. */
#include "avx512.h"

/* Blocks per prepared chunk (rows longer than 8192 elements run chunk by chunk). */
enum { MV_BLOCKS = 256, MV_GROUPS = MV_BLOCKS / 16 };

typedef struct mv_act {
    __m512i x[MV_BLOCKS / 2]; /* Q8_0: per block pair; Q4_0/Q5_0: low then high nibbles per quad */
    __m512 d[MV_GROUPS];      /* per 16 blocks: the activation scales */
    __m512 ds[MV_GROUPS];     /* per 16 blocks: scale x sum of the codes (for the weight offset) */
} mv_act;

typedef enum { LAYOUT_NIBBLES, LAYOUT_BIASED } mv_layout;

/* Prepares blocks [0, nb) of x. Nibble order (Q4_0, Q5_0): per quad of blocks A-D, elements
 * A0-15, B0-15, C0-15, D0-15 (the low nibbles of the four blocks' codes, loaded side by side),
 * then A16-31 ... D16-31. Biased (Q8_0): per pair A0-31, B0-31 plus 128, so the activation is
 * dpbusd's unsigned side. Blocks past the last whole quad / pair run through tail_dot. */
static void prep(mv_act *a, const block_q8_0 *x, int nb, mv_layout layout)
{
    float d[MV_BLOCKS] = {0}, ds[MV_BLOCKS] = {0};
    if (layout == LAYOUT_NIBBLES) {
        for (int b = 0; b + 3 < nb; b += 4)
            for (int h = 0; h < 2; h++) {
                __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(x[b].qs + 16 * h)));
                v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(x[b + 1].qs + 16 * h)), 1);
                v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(x[b + 2].qs + 16 * h)), 2);
                v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(x[b + 3].qs + 16 * h)), 3);
                _mm512_store_si512((void *)&a->x[b / 2 + h], v);
            }
    } else {
        for (int b = 0; b + 1 < nb; b += 2) {
            __m512i v = avx512_load2(x[b].qs, x[b + 1].qs);
            _mm512_store_si512((void *)&a->x[b / 2], _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80)));
        }
    }
    for (int b = 0; b < nb; b++) {
        int s = 0;
        for (int j = 0; j < 32; j++)
            s += x[b].qs[j];
        d[b] = avx512_half(&x[b].d);
        ds[b] = d[b] * (float)s;
    }
    for (int g = 0; g < (nb + 15) / 16; g++) {
        a->d[g] = _mm512_loadu_ps(d + 16 * g);
        a->ds[g] = _mm512_loadu_ps(ds + 16 * g);
    }
}

/* vpermps indices spreading the 16 scales of a group over quad k's / pair p's lanes. */
static const int32_t idx_quads[4][16] = {
    {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
    {4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7},
    {8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11},
    {12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15},
};
static const int32_t idx_halves[8][16] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1},         {2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5},         {6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7},
    {8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9},         {10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11},
    {12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13},
    {14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15},
};

/* The integer dot of Q8_0 block pair (b, b + 1) of a row, per lane: (x + 128) . w - 128 . w. */
static inline __m512i pair_dot(const char *blk, const __m512i *x)
{
    const block_q8_0 *w = (const block_q8_0 *)blk;
    __m512i ws = avx512_load2(w[0].qs, w[1].qs);
    __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_load_si512((const void *)x), ws);
    return _mm512_sub_epi32(p, _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), ws));
}

/* The integer dot of Q4_0 / Q5_0 (type 0 / 1) block quad b..b+3 of a row on unsigned codes, per
 * lane (four lanes per block). */
static inline __attribute__((always_inline)) __m512i quad_dot(const char *blk, size_t bytes, const __m512i *x, int type)
{
    size_t qs = type == 0 ? offsetof(block_q4_0, qs) : offsetof(block_q5_0, qs);
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(blk + qs)));
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(blk + bytes + qs)), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(blk + 2 * bytes + qs)), 2);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(blk + 3 * bytes + qs)), 3);
    const __m512i low = _mm512_set1_epi8(0x0f);
    __m512i lo = _mm512_and_si512(v, low), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
    if (type == 1) { /* fifth bits: qh bits 0-15 go with the low nibbles, 16-31 with the high */
        uint64_t mlo = 0, mhi = 0;
        for (int k = 0; k < 4; k++) {
            uint32_t h;
            memcpy(&h, ((const block_q5_0 *)(blk + k * bytes))->qh, 4);
            mlo |= (uint64_t)(h & 0xffff) << 16 * k;
            mhi |= (uint64_t)(h >> 16) << 16 * k;
        }
        lo = _mm512_mask_add_epi8(lo, (__mmask64)mlo, lo, _mm512_set1_epi8(16));
        hi = _mm512_mask_add_epi8(hi, (__mmask64)mhi, hi, _mm512_set1_epi8(16));
    }
    __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_load_si512((const void *)x));
    return _mm512_dpbusd_epi32(p, hi, _mm512_load_si512((const void *)(x + 1)));
}

/* The integer dot of a block past the last whole quad / pair (codes without their offset, which
 * the group sums hold). */
static inline int tail_dot(const char *blk, const int8_t *x, int type)
{
    int s = 0;
    if (type == 2) {
        const block_q8_0 *w = (const block_q8_0 *)blk;
        for (int j = 0; j < 32; j++)
            s += w->qs[j] * x[j];
        return s;
    }
    const uint8_t *qs = (const uint8_t *)blk + (type == 0 ? offsetof(block_q4_0, qs) : offsetof(block_q5_0, qs));
    uint32_t qh = 0;
    if (type == 1)
        memcpy(&qh, ((const block_q5_0 *)blk)->qh, 4);
    for (int j = 0; j < 16; j++)
        s += ((qs[j] & 15) | (int)((qh >> j) & 1) << 4) * x[j] + ((qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4) * x[j + 16];
    return s;
}

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
