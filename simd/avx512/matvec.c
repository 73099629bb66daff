/* AVX-512 VNNI mat x vec for the 32-element formats dotted with Q8_0 (Q4_0, Q5_0, Q8_0), built to
 * keep up with memory: the activation is prepared once per call (bytes reordered to the weight's
 * nibble order or biased to unsigned, block scales as floats, scale x sum per block), so a block
 * pair of a row costs one load-and-unpack, one dpbusd, one convert and one FMA; the 16 block
 * scales of a row come in one gather. */
#include "avx512.h"

/* Blocks per prepared chunk (rows longer than 8192 elements run chunk by chunk). */
enum { MV_BLOCKS = 256, MV_GROUPS = MV_BLOCKS / 16 };

typedef struct mv_act {
    __m512i x[MV_BLOCKS / 2]; /* per block pair, in the weight codes' byte order */
    __m512 d[MV_GROUPS];      /* per 16 blocks: the activation scales */
    __m512 ds[MV_GROUPS];     /* per 16 blocks: scale x sum of the codes (for the weight offset) */
} mv_act;

typedef enum { LAYOUT_NIBBLES, LAYOUT_BIASED } mv_layout;

/* Prepares blocks [0, nb) of x. Nibble order (Q4_0, Q5_0): the pair's 64 bytes are elements
 * A0-15, B0-15, A16-31, B16-31, as one 32-byte load of both blocks' codes unpacks. Biased (Q8_0):
 * A0-31, B0-31 plus 128, so the activation is dpbusd's unsigned side. */
static void prep(mv_act *a, const block_q8_0 *x, int nb, mv_layout layout)
{
    float d[MV_BLOCKS] = {0}, ds[MV_BLOCKS] = {0};
    for (int b = 0; b + 1 < nb; b += 2) {
        __m256i xa = _mm256_loadu_si256((const __m256i *)x[b].qs), xb = _mm256_loadu_si256((const __m256i *)x[b + 1].qs);
        __m512i v;
        if (layout == LAYOUT_NIBBLES) {
            __m256i lo = _mm256_permute2x128_si256(xa, xb, 0x20), hi = _mm256_permute2x128_si256(xa, xb, 0x31);
            v = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
        } else {
            v = _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(xa), xb, 1), _mm512_set1_epi8((char)0x80));
        }
        _mm512_store_si512((void *)&a->x[b / 2], v);
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

/* vpermps indices spreading the 16 scales of a group over pair p's lanes. */
static const int32_t idx_nibbles[8][16] = {
    {0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},         {2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3},
    {4, 4, 4, 4, 5, 5, 5, 5, 4, 4, 4, 4, 5, 5, 5, 5},         {6, 6, 6, 6, 7, 7, 7, 7, 6, 6, 6, 6, 7, 7, 7, 7},
    {8, 8, 8, 8, 9, 9, 9, 9, 8, 8, 8, 8, 9, 9, 9, 9},         {10, 10, 10, 10, 11, 11, 11, 11, 10, 10, 10, 10, 11, 11, 11, 11},
    {12, 12, 12, 12, 13, 13, 13, 13, 12, 12, 12, 12, 13, 13, 13, 13},
    {14, 14, 14, 14, 15, 15, 15, 15, 14, 14, 14, 14, 15, 15, 15, 15},
};
static const int32_t idx_halves[8][16] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1},         {2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5},         {6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7},
    {8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9},         {10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11},
    {12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13},
    {14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15},
};

/* The integer dot of block pair (b, b + 1) of a row, per lane; type: 0 Q4_0, 1 Q5_0, 2 Q8_0. */
static inline __attribute__((always_inline)) __m512i pair_dot(const char *blk, size_t bytes, const __m512i *x, int type)
{
    if (type == 2) {
        const block_q8_0 *w = (const block_q8_0 *)blk;
        __m512i ws = avx512_load2(w[0].qs, w[1].qs);
        /* (x + 128) . w - 128 . w */
        __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_load_si512((const void *)x), ws);
        return _mm512_sub_epi32(p, _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), ws));
    }
    size_t qs = type == 0 ? offsetof(block_q4_0, qs) : offsetof(block_q5_0, qs);
    __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(blk + qs))),
                                        _mm_loadu_si128((const __m128i *)(blk + bytes + qs)), 1);
    __m512i c = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(v), _mm256_srli_epi16(v, 4), 1),
                                 _mm512_set1_epi8(0x0f));
    if (type == 1) {
        uint32_t ha, hb;
        memcpy(&ha, ((const block_q5_0 *)blk)->qh, 4);
        memcpy(&hb, ((const block_q5_0 *)(blk + bytes))->qh, 4);
        __mmask64 k = (__mmask64)(ha & 0xffff) | (__mmask64)(hb & 0xffff) << 16 | (__mmask64)(ha >> 16) << 32 |
                      (__mmask64)(hb >> 16) << 48;
        c = _mm512_mask_add_epi8(c, k, c, _mm512_set1_epi8(16));
    }
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), c, _mm512_load_si512((const void *)x));
}

/* The integer dot of a lone last block (codes without their offset, which the group sums hold). */
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
 * gather that goes first misses memory and stalls the stream (Q8_0 output head 21 -> 28 GB/s). */
static inline __attribute__((always_inline)) float row_dot(const char *w, size_t bytes, const mv_act *a, int nb,
                                                           const block_q8_0 *x, int type)
{
    const int off = type == 0 ? 8 : type == 1 ? 16 : 0;
    const int32_t(*idx)[16] = type == 2 ? idx_halves : idx_nibbles;
    const __m512i dofs = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32((int)bytes));
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), accm = _mm512_setzero_ps();
    int np = nb / 2;
    for (int g = 0; 16 * g < nb; g++) {
        const char *gb = w + (size_t)g * 16 * bytes;
        int left = nb - 16 * g, pe = np - 8 * g < 8 ? np - 8 * g : 8;
        __m512i s[8];
#pragma GCC unroll 8
        for (int p = 0; p < 8; p++)
            s[p] = p < pe ? pair_dot(gb + (size_t)2 * p * bytes, bytes, &a->x[8 * g + p], type) : _mm512_setzero_si512();
        __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        __m512 dw = _mm512_cvtph_ps(
            _mm512_cvtepi32_epi16(_mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, dofs, gb, 1)));
        __m512 sc = _mm512_mul_ps(dw, a->d[g]);
        if (off) /* the offset of every block of the group, a lone last one included */
            accm = _mm512_fmadd_ps(dw, a->ds[g], accm);
#pragma GCC unroll 8
        for (int p = 0; p < 8; p++) {
            if (p >= pe)
                break;
            __m512 f = _mm512_permutexvar_ps(_mm512_load_si512((const void *)idx[p]), sc);
            if (p & 1)
                acc1 = _mm512_fmadd_ps(f, _mm512_cvtepi32_ps(s[p]), acc1);
            else
                acc0 = _mm512_fmadd_ps(f, _mm512_cvtepi32_ps(s[p]), acc0);
        }
    }
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    if (nb & 1) {
        const char *blk = w + (size_t)(nb - 1) * bytes;
        sum += avx512_half((const simd_half *)blk) * avx512_half(&x[nb - 1].d) * (float)tail_dot(blk, x[nb - 1].qs, type);
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
