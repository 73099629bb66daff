/* Attention over the KV cache (see attention.h). With the default F16 cache every step follows
 * llama.cpp's default (non-flash) CPU path bit for bit (attn_ggml.h): queries rounded to F16, q.k
 * in tinyBLAS order for a batch of 2+ tokens and ggml_vec_dot_f16 order for one, the masked
 * softmax in 16-position groups aligned to absolute key positions, probabilities rounded to F16,
 * and p.v accumulated per key-position lane in the same two orders. Other cache types (Q8_0) take
 * the generic route: simd_matmul scores against queries in the cache's partner format. */
#include <math.h>
#include <string.h>

#include "attention.h"
#include "attn_ggml.h"
#include "ops.h"
#include "simd.h"

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/* Score rows hold key positions from a multiple of AG_VLANES below the first visible key to a
 * multiple of AG_LANES above the last: the padding is masked. */
static int64_t score_cols(int64_t n_ctx)
{
    return n_ctx + AG_VLANES + AG_LANES;
}

/* Lanes of p.v accumulators per query row. */
static int64_t acc_rows(int64_t nq_max, int64_t g)
{
    const int64_t tiled = nq_max * AG_LANES, single = g * AG_VLANES;
    return tiled > single ? tiled : single;
}

size_t attn_scratch_bytes(const attn_args *a, int64_t n_ctx)
{
    const int64_t g = a->n_head / a->n_head_kv, nq = ATTN_BLOCK * g;
    const int64_t hd = a->head_dim > a->head_dim_v ? a->head_dim : a->head_dim_v;
    return align64(sizeof(float) * (size_t)(nq * a->head_dim)) +                     /* gathered q */
           align64((size_t)nq * simd_act_row_bytes(a->kv->type, a->head_dim)) +      /* quantized q */
           align64(sizeof(float) * (size_t)(nq * score_cols(n_ctx))) +               /* scores */
           align64(sizeof(float) * (size_t)hd) +                                     /* one K or V row */
           align64(sizeof(float) * (size_t)(acc_rows(nq, g) * a->head_dim_v)) +      /* accumulators */
           align64(sizeof(uint64_t) * (size_t)nq);                                   /* lanes touched */
}

/* Query tokens per work item. In the one-token order every query row needs AG_VLANES lanes of
 * accumulators instead of AG_LANES, so fewer tokens fit the same scratch. */
static int64_t block_tokens(const attn_args *a)
{
    return a->one_token_order ? ATTN_BLOCK * AG_LANES / AG_VLANES : ATTN_BLOCK;
}

int64_t attn_items(const attn_args *a)
{
    const int64_t bt = block_tokens(a);
    return a->n_head_kv * ((a->n_tok + bt - 1) / bt);
}

static bool masked(const attn_args *a, int64_t pos_q, int64_t pos_k)
{
    return pos_k > pos_q || (a->n_swa > 0 && pos_q - pos_k >= a->n_swa);
}

void attn_run(const attn_args *a, int64_t item, void *scratch)
{
    const int64_t bt = block_tokens(a), n_blocks = (a->n_tok + bt - 1) / bt;
    const int64_t kvh = item / n_blocks, t0 = (item % n_blocks) * bt;
    const int64_t t1 = t0 + bt < a->n_tok ? t0 + bt : a->n_tok;
    const int64_t g = a->n_head / a->n_head_kv, hd = a->head_dim, hdv = a->head_dim_v;
    const int64_t nq = (t1 - t0) * g;
    const uint32_t kt = a->kv->type;
    const bool f16 = kt == TOLK_TYPE_F16;
    const size_t qx_row = simd_act_row_bytes(kt, hd);
    const simd_to_float_fn to_float = simd_row_converter(kt); /* the cache's type: always known */

    /* Keys any query of the block may see: sliding layers start at the window of the first query. */
    const int64_t hi = a->pos0 + t1 - 1;
    int64_t lo = 0;
    if (a->n_swa > 0 && a->pos0 + t0 - a->n_swa + 1 > 0)
        lo = a->pos0 + t0 - a->n_swa + 1;
    /* Score columns: positions base..base+nk-1 (F16: aligned as llama.cpp's cache view is). */
    const int64_t base = f16 ? lo / AG_VLANES * AG_VLANES : lo;
    const int64_t nk = f16 ? (hi + 1 - base + AG_LANES - 1) / AG_LANES * AG_LANES : hi - lo + 1;

    char *p = scratch;
    float *qg = (float *)p;
    p += align64(sizeof(float) * (size_t)(ATTN_BLOCK * g * hd));
    char *qx = p;
    p += align64((size_t)(ATTN_BLOCK * g) * qx_row);
    float *s = (float *)p;
    p += align64(sizeof(float) * (size_t)(ATTN_BLOCK * g) * (size_t)score_cols(a->kv->n_ctx));
    float *row = (float *)p;
    p += align64(sizeof(float) * (size_t)(hd > hdv ? hd : hdv));
    float *acc = (float *)p;

    /* ggml picks tinyBLAS for F16 products with 2+ columns (the batch's tokens) when the inner
     * size is a multiple of 16 (q.k) or the row count a multiple of 4 (p.v), else vec_dot. */
    const bool batch = a->n_tok >= 2 && !a->one_token_order;
    const ag_order o_kq = batch && hd % AG_LANES == 0 ? AG_TILED : AG_VECDOT;
    const ag_order o_kv = batch && hdv % 4 == 0 ? AG_TILED : AG_VECDOT;

    /* Query row r = (t - t0) * g + j is head kvh*g + j of token t. */
    for (int64_t t = t0; t < t1; t++)
        for (int64_t j = 0; j < g; j++) {
            const int64_t r = (t - t0) * g + j;
            float *qr = qg + r * hd;
            memcpy(qr, a->q + t * a->n_head * hd + (kvh * g + j) * hd, sizeof(float) * (size_t)hd);
            if (f16)
                for (int64_t d = 0; d < hd; d++)
                    qr[d] = simd_f16_to_f32(simd_f32_to_f16(qr[d]));
            else
                simd_quantize_act(kt, qr, qx + (size_t)r * qx_row, hd);
        }

    const size_t k_off = simd_row_bytes(kt, kvh * hd);
    if (f16) {
        for (int64_t i = 0; i < nq * nk; i++)
            s[i] = -INFINITY;
        for (int64_t c = lo; c <= hi; c++) {
            to_float(kv_k_row(a->kv, a->layer, c) + k_off, row, hd);
            for (int64_t r = 0; r < nq; r++)
                if (!masked(a, a->pos0 + t0 + r / g, c))
                    s[r * nk + c - base] = ag_dot(o_kq, row, qg + r * hd, hd) * a->kq_scale;
        }
    } else {
        /* Keys lo..hi of this KV head, viewed as a weight matrix whose rows are positions. */
        simd_matmul(kt, kv_k_row(a->kv, a->layer, lo) + k_off, a->kv->k_row_bytes, hd, qx, qx_row, nq, s,
                    (size_t)nk, 0, nk);
        for (int64_t r = 0; r < nq; r++)
            for (int64_t c = 0; c < nk; c++)
                s[r * nk + c] = masked(a, a->pos0 + t0 + r / g, lo + c) ? -INFINITY : s[r * nk + c] * a->kq_scale;
    }

    for (int64_t r = 0; r < nq; r++) {
        float *sr = s + r * nk;
        ops_softmax(sr, nk);
        if (f16) /* llama.cpp multiplies the F16 value cache by probabilities converted to F16 */
            for (int64_t c = 0; c < nk; c++)
                sr[c] = simd_f16_to_f32(simd_f32_to_f16(sr[c]));
    }

    const size_t v_off = simd_row_bytes(kt, kvh * hdv);
    const int64_t lanes = !f16 ? 1 : o_kv == AG_TILED ? AG_LANES : AG_VLANES;
    /* Lanes start at the first product (fmaf(w, v, +0), as from a zeroed register); lanes no
     * key reached are zeroed before the reduction: this saves clearing 64 lanes per row. */
    uint64_t *touched = (uint64_t *)(acc + acc_rows(ATTN_BLOCK * g, g) * hdv);
    memset(touched, 0, sizeof(uint64_t) * (size_t)nq);
    if (!f16)
        memset(acc, 0, sizeof(float) * (size_t)(nq * hdv));
    for (int64_t c = lo; c <= hi; c++) {
        to_float(kv_v_row(a->kv, a->layer, c) + v_off, row, hdv);
        for (int64_t r = 0; r < nq; r++) {
            const float w = s[r * nk + c - base];
            if (w == 0.0f)
                continue;
            float *ar = acc + r * lanes * hdv;
            if (f16) {
                const uint64_t bit = (uint64_t)1 << (c % lanes);
                ag_accumulate(ar, lanes, c, w, row, hdv, !(touched[r] & bit));
                touched[r] |= bit;
            } else {
                for (int64_t d = 0; d < hdv; d++)
                    ar[d] += w * row[d];
            }
        }
    }
    for (int64_t t = t0; t < t1; t++)
        for (int64_t j = 0; j < g; j++) {
            const int64_t r = (t - t0) * g + j;
            float *dst = a->out + t * a->n_head * hdv + (kvh * g + j) * hdv;
            if (f16) {
                float *ar = acc + r * lanes * hdv;
                for (int64_t l = 0; l < lanes; l++)
                    if (!(touched[r] & (uint64_t)1 << l))
                        memset(ar + l * hdv, 0, sizeof(float) * (size_t)hdv);
                ag_reduce(o_kv, ar, hdv, dst);
            } else
                memcpy(dst, acc + r * hdv, sizeof(float) * (size_t)hdv);
        }
}
