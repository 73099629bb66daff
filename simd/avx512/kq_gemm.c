/* AVX-512 VNNI mat x mat for the K-quants (Q4_K, Q6_K) on batches: two panels of 16 weight rows
 * are unpacked once per 2 super-blocks into a row-interleaved stack buffer (one register holds 4
 * codes of each of 16 rows), then every token reuses them: dpbusd against the token's 4
 * activation bytes broadcast once for both panels, so each lane is one row's dot and no
 * horizontal sums are needed. */
#include "avx512.h"

/* One super-block of 16 rows, unpacked. */
typedef struct kq_pack {
    __m512i codes[64];  /* group g: per row the unsigned codes of elements 4g..4g+3 */
    __m512 dsc[16];     /* d * sub-block scale per row (8 used by Q4_K, 16 by Q6_K) */
    __m512i mpair[8];   /* int16 pairs per row, dotted with the activation bsums 2p, 2p+1 */
    __m512 dm;          /* what the bsum term is multiplied by: dmin (Q4_K) or d (Q6_K) */
} kq_pack;

/* Super-blocks per pack: two panels x 2 x 5.7 KB = 23 KB stays in the 48 KB L1 beside the
 * tokens' activations while all tokens run over it. */
enum { KQ_CHUNK = 2, KQ_ROWS = 16 };

/* Offsets of the 16 rows from row 0, for the gathers. */
static inline __m512i row_offsets(size_t wrb)
{
    return _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                              _mm512_set1_epi32((int)wrb));
}

static inline __m512i gather(__mmask16 m, __m512i idx, const void *base)
{
    return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, idx, base, 1);
}

static void pack_q4_k(kq_pack *p, const char *w, size_t wrb, int nrows, __mmask16 m, __m512i idx)
{
    const __m512i low = _mm512_set1_epi8(0x0f);
    for (int k = 0; k < 32; k++) { /* qs dword k: chunk k / 8, low nibbles then high nibbles */
        __m512i v = gather(m, idx, w + offsetof(block_q4_K, qs) + 4 * k);
        int g = 16 * (k / 8) + k % 8;
        p->codes[g] = _mm512_and_si512(v, low);
        p->codes[g + 8] = _mm512_and_si512(_mm512_srli_epi32(v, 4), low);
    }
    float dsc[8][16] = {{0}}, dm[16] = {0};
    int32_t mp[8][16] = {{0}};
    for (int r = 0; r < nrows; r++) {
        const block_q4_K *b = (const block_q4_K *)(w + (size_t)r * wrb);
        float d = avx512_half(&b->d);
        dm[r] = avx512_half(&b->dmin);
        for (int j = 0; j < 8; j++) {
            uint8_t sc, mn;
            kq_scale_min(j, b->scales, &sc, &mn);
            dsc[j][r] = d * sc;
            mp[j][r] = (int32_t)((uint32_t)mn << 16 | mn); /* sub-block j spans bsums 2j and 2j + 1 */
        }
    }
    for (int j = 0; j < 8; j++) {
        p->dsc[j] = _mm512_loadu_ps(dsc[j]);
        p->mpair[j] = _mm512_loadu_si512((const void *)mp[j]);
    }
    p->dm = _mm512_loadu_ps(dm);
}

static void pack_q6_k(kq_pack *p, const char *w, size_t wrb, int nrows, __mmask16 m, __m512i idx)
{
    const __m512i low = _mm512_set1_epi8(0x0f), three = _mm512_set1_epi8(3);
    for (int h = 0; h < 2; h++) /* half h holds elements 128h..128h+127, groups 32h..32h+31 */
        for (int j = 0; j < 16; j++) {
            __m512i l = gather(m, idx, w + offsetof(block_q6_K, ql) + 64 * h + 4 * j);
            __m512i q = gather(m, idx, w + offsetof(block_q6_K, qh) + 32 * h + 4 * (j % 8));
            /* group 32h + j: low nibbles; 32h + 16 + j: high nibbles; the two high bits of group
             * 32h + i sit at bit 2 * (i / 8) of qh dword 8h + i % 8 */
            __m512i hlo = _mm512_and_si512(_mm512_srli_epi32(q, 2 * (j / 8)), three);
            __m512i hhi = _mm512_and_si512(_mm512_srli_epi32(q, 2 * (j / 8) + 4), three);
            p->codes[32 * h + j] = _mm512_or_si512(_mm512_and_si512(l, low), _mm512_slli_epi32(hlo, 4));
            p->codes[32 * h + 16 + j] =
                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(l, 4), low), _mm512_slli_epi32(hhi, 4));
        }
    float dsc[16][16] = {{0}}, dm[16] = {0};
    int32_t mp[8][16] = {{0}};
    for (int r = 0; r < nrows; r++) {
        const block_q6_K *b = (const block_q6_K *)(w + (size_t)r * wrb);
        float d = avx512_half(&b->d);
        dm[r] = d;
        for (int s = 0; s < 16; s++)
            dsc[s][r] = d * b->scales[s];
        for (int j = 0; j < 8; j++) /* codes are q + 32: take 32 * scale * bsum off */
            mp[j][r] = (int32_t)((uint32_t)(uint16_t)(32 * b->scales[2 * j + 1]) << 16 |
                                 (uint16_t)(32 * b->scales[2 * j]));
    }
    for (int s = 0; s < 16; s++)
        p->dsc[s] = _mm512_loadu_ps(dsc[s]);
    for (int j = 0; j < 8; j++)
        p->mpair[j] = _mm512_loadu_si512((const void *)mp[j]);
    p->dm = _mm512_loadu_ps(dm);
}

static inline int32_t load32(const void *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* T tokens over nsb packed super-blocks of H row panels (T, H, NS: constants after inlining, so
 * the accumulators stay in registers); adds into (or, when first, stores) y's 16 H rows. Two
 * panels let each broadcast activation feed two dpbusd. */
static inline __attribute__((always_inline)) void run_tokens(const kq_pack *const *pk, int nsb, const char *qx,
                                                             size_t qrb, int64_t sb0, int T, int H, int NS, float *y,
                                                             size_t ys, const __mmask16 *rmask, int first)
{
    const int DW = 64 / NS; /* activation dwords per sub-block */
    __m512 out[2][8];
#pragma GCC unroll 2
    for (int h = 0; h < H; h++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            out[h][t] = _mm512_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
        const block_q8_K *xb[8];
        __m512 tmp[2][8];
#pragma GCC unroll 8
        for (int t = 0; t < T; t++) {
            xb[t] = (const block_q8_K *)(qx + (size_t)t * qrb) + sb0 + sb;
#pragma GCC unroll 2
            for (int h = 0; h < H; h++)
                tmp[h][t] = _mm512_setzero_ps();
        }
        for (int s = 0; s < NS; s++) {
            __m512i acc[2][8];
#pragma GCC unroll 2
            for (int h = 0; h < H; h++)
#pragma GCC unroll 8
                for (int t = 0; t < T; t++)
                    acc[h][t] = _mm512_setzero_si512();
#pragma GCC unroll 8
            for (int q = 0; q < DW; q++) {
                __m512i wv[2];
#pragma GCC unroll 2
                for (int h = 0; h < H; h++)
                    wv[h] = _mm512_load_si512((const void *)&pk[h][sb].codes[s * DW + q]);
#pragma GCC unroll 8
                for (int t = 0; t < T; t++) {
                    __m512i xv = _mm512_set1_epi32(load32(xb[t]->qs + 4 * (s * DW + q)));
#pragma GCC unroll 2
                    for (int h = 0; h < H; h++)
                        acc[h][t] = _mm512_dpbusd_epi32(acc[h][t], wv[h], xv);
                }
            }
#pragma GCC unroll 2
            for (int h = 0; h < H; h++) {
                __m512 dsc = _mm512_load_ps((const float *)&pk[h][sb].dsc[s]);
#pragma GCC unroll 8
                for (int t = 0; t < T; t++)
                    tmp[h][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[h][t]), dsc, tmp[h][t]);
            }
        }
#pragma GCC unroll 2
        for (int h = 0; h < H; h++)
#pragma GCC unroll 8
            for (int t = 0; t < T; t++) {
                __m512i msum = _mm512_setzero_si512();
#pragma GCC unroll 8
                for (int j = 0; j < 8; j++)
                    msum = _mm512_dpwssd_epi32(msum, _mm512_load_si512((const void *)&pk[h][sb].mpair[j]),
                                               _mm512_set1_epi32(load32(&xb[t]->bsums[2 * j])));
                tmp[h][t] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(msum), pk[h][sb].dm, tmp[h][t]);
                out[h][t] = _mm512_fmadd_ps(tmp[h][t], _mm512_set1_ps(xb[t]->d), out[h][t]);
            }
    }
#pragma GCC unroll 2
    for (int h = 0; h < H; h++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++) {
            float *dst = y + (size_t)t * ys + 16 * h;
            if (!first)
                out[h][t] = _mm512_add_ps(out[h][t], _mm512_maskz_loadu_ps(rmask[h], dst));
            _mm512_mask_storeu_ps(dst, rmask[h], out[h][t]);
        }
}

/* All tokens over one pack: TB at a time (4 with two panels, 8 with one), then the remainder
 * with its own constant count. */
static inline __attribute__((always_inline)) void run_pack(const kq_pack *const *pk, int nsb, const char *qx,
                                                           size_t qrb, int64_t n_tok, int64_t sb0, int H, int NS,
                                                           float *y, size_t ys, const __mmask16 *rmask, int first)
{
    const int TB = H == 2 ? 4 : 8;
    int64_t t = 0;
    for (; t + TB <= n_tok; t += TB)
        run_tokens(pk, nsb, qx + (size_t)t * qrb, qrb, sb0, TB, H, NS, y + (size_t)t * ys, ys, rmask, first);
    const char *x = qx + (size_t)t * qrb;
    float *yt = y + (size_t)t * ys;
    switch (n_tok - t) {
    case 7: run_tokens(pk, nsb, x, qrb, sb0, 7, H, NS, yt, ys, rmask, first); break;
    case 6: run_tokens(pk, nsb, x, qrb, sb0, 6, H, NS, yt, ys, rmask, first); break;
    case 5: run_tokens(pk, nsb, x, qrb, sb0, 5, H, NS, yt, ys, rmask, first); break;
    case 4: run_tokens(pk, nsb, x, qrb, sb0, 4, H, NS, yt, ys, rmask, first); break;
    case 3: run_tokens(pk, nsb, x, qrb, sb0, 3, H, NS, yt, ys, rmask, first); break;
    case 2: run_tokens(pk, nsb, x, qrb, sb0, 2, H, NS, yt, ys, rmask, first); break;
    case 1: run_tokens(pk, nsb, x, qrb, sb0, 1, H, NS, yt, ys, rmask, first); break;
    default: break;
    }
}

typedef void (*pack_fn)(kq_pack *p, const char *w, size_t wrb, int nrows, __mmask16 m, __m512i idx);

/* Rows in steps of two 16-row panels (one for a last stretch of 16 or fewer). */
static inline __attribute__((always_inline)) void gemm(pack_fn pack, size_t bytes, int NS, const void *w, size_t wrb,
                                                       int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                                                       size_t ys, int64_t r0, int64_t r1)
{
    _Alignas(64) kq_pack pk[2][KQ_CHUNK];
    const kq_pack *pp[2] = {pk[0], pk[1]};
    const __m512i idx = row_offsets(wrb);
    int64_t nb = n / QK_K;
    for (int64_t r = r0; r < r1; r += 2 * KQ_ROWS) {
        int nrows = r1 - r < 2 * KQ_ROWS ? (int)(r1 - r) : 2 * KQ_ROWS;
        int H = nrows > KQ_ROWS ? 2 : 1;
        int n0 = nrows < KQ_ROWS ? nrows : KQ_ROWS, n1 = nrows - n0;
        __mmask16 m[2] = {(__mmask16)((1u << n0) - 1), (__mmask16)((1u << n1) - 1)};
        const char *wr = (const char *)w + (size_t)r * wrb;
        for (int64_t c = 0; c < nb; c += KQ_CHUNK) {
            int nsb = nb - c < KQ_CHUNK ? (int)(nb - c) : KQ_CHUNK;
            for (int i = 0; i < nsb; i++) {
                pack(&pk[0][i], wr + (size_t)(c + i) * bytes, wrb, n0, m[0], idx);
                if (H == 2)
                    pack(&pk[1][i], wr + (size_t)KQ_ROWS * wrb + (size_t)(c + i) * bytes, wrb, n1, m[1], idx);
            }
            if (H == 2)
                run_pack(pp, nsb, qx, qrb, n_tok, c, 2, NS, y + r, ys, m, c == 0);
            else
                run_pack(pp, nsb, qx, qrb, n_tok, c, 1, NS, y + r, ys, m, c == 0);
        }
    }
}

void avx512_gemm_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                      float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    gemm(pack_q4_k, sizeof(block_q4_K), 8, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}

void avx512_gemm_q6_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes, int64_t n_tok,
                      float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    gemm(pack_q6_k, sizeof(block_q6_K), 16, w, w_row_bytes, n, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}

