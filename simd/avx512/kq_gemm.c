/* AVX-512 VNNI mat x mat for Q4_K in llama.cpp's batch order (ref_matmul_q4_k:
 * ggml_gemm_q4_K_8x8_q8_K), for the first n_tok - n_tok % 4 tokens of a batch: four panels of 16
 * weight rows are unpacked once per super-block into a row-interleaved stack buffer (one register
 * holds 4 codes of each of 16 rows), then every token reuses them: dpbusd against the token's 4
 * activation bytes broadcast once for two panels, so each lane is one row's dot and no
 * horizontal sums are needed. Per 64 elements (sub-blocks 2q and 2q + 1) the two sub-blocks'
 * dots times their integer scales and the mins m_j x (bsum_2j + bsum_2j+1) (dpwssd), then
 * A = fma(isum, d x d_x, A), M = fma(msum, dmin x d_x, M), carried from super-block to
 * super-block through y (A) and a scratch buffer (M); the result A - M. */
#include "avx512.h"

/* One super-block of 16 rows, unpacked. */
typedef struct kq_pack {
    __m512i codes[64]; /* group g: per row the unsigned codes of elements 4g..4g+3 */
    __m512i sc[8];     /* sub-block j: per row its scale */
    __m512i mpair[8];  /* per row m_j in both int16 halves, dotted with the activation bsums 2j, 2j+1 */
    __m512 d, dm;      /* per row d and dmin */
} kq_pack;

/* Per pack: four 16-row panels of one super-block, 4 x 5.3 KB = 21 KB, stay in the 48 KB L1
 * beside the tokens' activations while all tokens run over them, four at a time. Tokens go in
 * passes of at most KQ_MAX_PASS (M's scratch: 32 KB). */
enum { KQ_ROWS = 16, KQ_PANELS = 4, KQ_TOK = 4, KQ_MAX_PASS = 128 };

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
    float d[16] = {0}, dm[16] = {0};
    int32_t sc[8][16] = {{0}}, mp[8][16] = {{0}};
    for (int r = 0; r < nrows; r++) {
        const block_q4_K *b = (const block_q4_K *)(w + (size_t)r * wrb);
        d[r] = avx512_half(&b->d);
        dm[r] = avx512_half(&b->dmin);
        for (int j = 0; j < 8; j++) {
            uint8_t s, mn;
            kq_scale_min(j, b->scales, &s, &mn);
            sc[j][r] = s;
            mp[j][r] = (int32_t)((uint32_t)mn << 16 | mn); /* sub-block j spans bsums 2j and 2j + 1 */
        }
    }
    for (int j = 0; j < 8; j++) {
        p->sc[j] = _mm512_loadu_si512((const void *)sc[j]);
        p->mpair[j] = _mm512_loadu_si512((const void *)mp[j]);
    }
    p->d = _mm512_loadu_ps(d);
    p->dm = _mm512_loadu_ps(dm);
}

static inline int32_t load32(const void *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* T tokens over the packed super-block sb0 of H row panels (T, H: constants after inlining, so the
 * accumulators stay in registers). A goes on from y and M from mb (token t, panel h at
 * mb + KQ_PANELS 16 t + 16 h) unless FIRST; LAST stores A - M into y, else A into y, M into mb. */
static inline __attribute__((always_inline)) void run_tokens(const kq_pack *const *pk, const char *qx, size_t qrb,
                                                             int64_t sb0, int T, int H, float *y, size_t ys, float *mb,
                                                             const __mmask16 *rmask, int first, int last)
{
    __m512 out[2][KQ_TOK], outm[2][KQ_TOK];
    const block_q8_K *xb[KQ_TOK];
#pragma GCC unroll 8
    for (int t = 0; t < T; t++) {
        xb[t] = (const block_q8_K *)(qx + (size_t)t * qrb) + sb0;
#pragma GCC unroll 2
        for (int h = 0; h < H; h++) {
            out[h][t] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(rmask[h], y + (size_t)t * ys + 16 * h);
            outm[h][t] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(mb + KQ_PANELS * 16 * t + 16 * h);
        }
    }
#pragma GCC unroll 1
    for (int q = 0; q < 4; q++) {
        __m512i isum[2][KQ_TOK];
#pragma GCC unroll 2
        for (int h = 0; h < H; h++)
#pragma GCC unroll 8
            for (int t = 0; t < T; t++)
                isum[h][t] = _mm512_setzero_si512();
#pragma GCC unroll 2
        for (int s = 2 * q; s < 2 * q + 2; s++) {
            __m512i acc[2][KQ_TOK];
#pragma GCC unroll 2
            for (int h = 0; h < H; h++)
#pragma GCC unroll 8
                for (int t = 0; t < T; t++)
                    acc[h][t] = _mm512_setzero_si512();
#pragma GCC unroll 8
            for (int g = 8 * s; g < 8 * s + 8; g++) {
                __m512i wv[2];
#pragma GCC unroll 2
                for (int h = 0; h < H; h++)
                    wv[h] = _mm512_load_si512((const void *)&pk[h]->codes[g]);
#pragma GCC unroll 8
                for (int t = 0; t < T; t++) {
                    __m512i xv = _mm512_set1_epi32(load32(xb[t]->qs + 4 * g));
#pragma GCC unroll 2
                    for (int h = 0; h < H; h++)
                        acc[h][t] = _mm512_dpbusd_epi32(acc[h][t], wv[h], xv);
                }
            }
#pragma GCC unroll 2
            for (int h = 0; h < H; h++) {
                __m512i sc = _mm512_load_si512((const void *)&pk[h]->sc[s]);
#pragma GCC unroll 8
                for (int t = 0; t < T; t++) {
                    isum[h][t] = _mm512_add_epi32(isum[h][t], _mm512_mullo_epi32(acc[h][t], sc));
                }
            }
        }
#pragma GCC unroll 2
        for (int h = 0; h < H; h++) {
            const __m512i m0 = _mm512_load_si512((const void *)&pk[h]->mpair[2 * q]);
            const __m512i m1 = _mm512_load_si512((const void *)&pk[h]->mpair[2 * q + 1]);
#pragma GCC unroll 8
            for (int t = 0; t < T; t++) {
                __m512i ms = _mm512_dpwssd_epi32(_mm512_setzero_si512(), m0, _mm512_set1_epi32(load32(&xb[t]->bsums[4 * q])));
                ms = _mm512_dpwssd_epi32(ms, m1, _mm512_set1_epi32(load32(&xb[t]->bsums[4 * q + 2])));
                __m512 dx = _mm512_set1_ps(xb[t]->d);
                out[h][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[h][t]), _mm512_mul_ps(pk[h]->d, dx), out[h][t]);
                outm[h][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ms), _mm512_mul_ps(pk[h]->dm, dx), outm[h][t]);
            }
        }
    }
#pragma GCC unroll 2
    for (int h = 0; h < H; h++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++) {
            if (last)
                out[h][t] = _mm512_sub_ps(out[h][t], outm[h][t]);
            else
                _mm512_storeu_ps(mb + KQ_PANELS * 16 * t + 16 * h, outm[h][t]);
            _mm512_mask_storeu_ps(y + (size_t)t * ys + 16 * h, rmask[h], out[h][t]);
        }
}

/* One block of T tokens (1..KQ_TOK) over H panels, with the counts made constants. */
static inline __attribute__((always_inline)) void run_block(const kq_pack *const *pk, const char *qx, size_t qrb,
                                                            int64_t T, int64_t sb0, int H, float *y, size_t ys,
                                                            float *mb, const __mmask16 *rmask, int first, int last)
{
    switch (T) {
    case 4: run_tokens(pk, qx, qrb, sb0, 4, H, y, ys, mb, rmask, first, last); break;
    case 3: run_tokens(pk, qx, qrb, sb0, 3, H, y, ys, mb, rmask, first, last); break;
    case 2: run_tokens(pk, qx, qrb, sb0, 2, H, y, ys, mb, rmask, first, last); break;
    case 1: run_tokens(pk, qx, qrb, sb0, 1, H, y, ys, mb, rmask, first, last); break;
    default: break;
    }
}

/* Tokens in passes of up to KQ_MAX_PASS; rows in groups of up to KQ_PANELS 16-row panels. Each
 * block of KQ_TOK tokens runs over the group's panels two at a time, so its activations come from
 * L1 for every pair after the first. */
void avx512_gemm_q4_k(const void *w, size_t wrb, int64_t n, const void *qx, size_t qrb, int64_t n_tok, float *y,
                      size_t ys, int64_t r0, int64_t r1)
{
    _Alignas(64) kq_pack pk[KQ_PANELS];
    _Alignas(64) float mbuf[KQ_MAX_PASS * KQ_PANELS * KQ_ROWS];
    const kq_pack *pp[KQ_PANELS];
    for (int i = 0; i < KQ_PANELS; i++)
        pp[i] = &pk[i];
    const __m512i idx = row_offsets(wrb);
    const int64_t nb = n / QK_K;
    for (int64_t t0 = 0; t0 < n_tok; t0 += KQ_MAX_PASS) {
        const int64_t t1 = n_tok - t0 < KQ_MAX_PASS ? n_tok : t0 + KQ_MAX_PASS;
        for (int64_t r = r0; r < r1; r += KQ_PANELS * KQ_ROWS) {
            int nrows = r1 - r < KQ_PANELS * KQ_ROWS ? (int)(r1 - r) : KQ_PANELS * KQ_ROWS;
            int np = (nrows + KQ_ROWS - 1) / KQ_ROWS;
            __mmask16 m[KQ_PANELS];
            for (int i = 0; i < np; i++) {
                int ni = nrows - KQ_ROWS * i < KQ_ROWS ? nrows - KQ_ROWS * i : KQ_ROWS;
                m[i] = (__mmask16)((1u << ni) - 1);
            }
            const char *wr = (const char *)w + (size_t)r * wrb;
            for (int64_t c = 0; c < nb; c++) {
                for (int i = 0; i < np; i++)
                    pack_q4_k(&pk[i], wr + (size_t)KQ_ROWS * i * wrb + (size_t)c * sizeof(block_q4_K), wrb,
                              nrows - KQ_ROWS * i < KQ_ROWS ? nrows - KQ_ROWS * i : KQ_ROWS, m[i], idx);
                for (int64_t t = t0; t < t1; t += KQ_TOK) {
                    int64_t T = t1 - t < KQ_TOK ? t1 - t : KQ_TOK;
                    const char *x = (const char *)qx + (size_t)t * qrb;
                    float *yt = y + (size_t)t * ys + r, *mt = mbuf + (size_t)(t - t0) * KQ_PANELS * KQ_ROWS;
                    for (int i = 0; i < np; i += 2) {
                        if (np - i >= 2)
                            run_block(pp + i, x, qrb, T, c, 2, yt + KQ_ROWS * i, ys, mt + KQ_ROWS * i, m + i, c == 0,
                                      c + 1 == nb);
                        else
                            run_block(pp + i, x, qrb, T, c, 1, yt + KQ_ROWS * i, ys, mt + KQ_ROWS * i, m + i, c == 0,
                                      c + 1 == nb);
                    }
                }
            }
        }
    }
}
