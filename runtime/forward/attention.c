/* Attention over the KV cache (see attention.h). Keys and values are visited in position order and
 * looked up by position (kv_k_row), so a sliding layer's ring cache (kv.h) sums exactly as a full
 * one. Each work item runs one of two algorithms, chosen by the cache type:
 * - F16 cache (the default): every step follows llama.cpp's default (non-flash) CPU path bit for
 *   bit (attn_ggml.h): queries rounded to F16, q.k in tinyBLAS order for a batch of 2+ tokens and
 *   ggml_vec_dot_f16 order for one, the masked softmax in 16-position groups aligned to absolute
 *   key positions, probabilities rounded to F16, and p.v accumulated per key-position lane in the
 *   same two orders (attn_f16).
 * - Other cache types (Q8_0): the generic route, simd_matmul scores against queries in the cache's
 *   partner format and a plain p.v sum (attn_quant). */
#include <math.h>
#include <string.h>

#include "attention.h"
#include "attn_blocks.h"
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

/* Keys per chunk: about 128 KiB of converted rows of width hd (a multiple of 64 keys). */
static int64_t chunk_keys(int64_t hd)
{
    const int64_t n = 32768 / hd / 64 * 64;
    return n < 64 ? 64 : n;
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
           align64(sizeof(float) * (size_t)(chunk_keys(hd) * hd)) +                  /* K or V rows */
           align64(sizeof(float) * (size_t)(acc_rows(nq, g) * a->head_dim_v));       /* accumulators */
}

/* Query tokens per work item. In the one-token order every query row needs AG_VLANES lanes of
 * accumulators instead of AG_LANES, so fewer tokens fit the same scratch. */
static int64_t block_tokens(const attn_args *a)
{
    return a->one_token_order ? ATTN_BLOCK * AG_LANES / AG_VLANES : ATTN_BLOCK;
}

/* Items per KV head and block of query tokens (q_parts). */
static int64_t q_parts(const attn_args *a)
{
    return a->q_parts > 1 ? a->q_parts : 1;
}

/* Items are numbered (KV head, part, block of tokens), the block varying fastest. */
int64_t attn_items(const attn_args *a)
{
    const int64_t bt = block_tokens(a);
    return a->n_head_kv * q_parts(a) * ((a->n_tok + bt - 1) / bt);
}

void attn_item_tokens(const attn_args *a, int64_t item, int64_t *t0, int64_t *t1)
{
    const int64_t bt = block_tokens(a), n_blocks = (a->n_tok + bt - 1) / bt;
    *t0 = (item % n_blocks) * bt;
    *t1 = *t0 + bt < a->n_tok ? *t0 + bt : a->n_tok;
}

void attn_item_heads(const attn_args *a, int64_t item, int64_t *h0, int64_t *h1)
{
    const int64_t bt = block_tokens(a), n_blocks = (a->n_tok + bt - 1) / bt, np = q_parts(a);
    const int64_t g = a->n_head / a->n_head_kv, part = item / n_blocks % np, kvh = item / n_blocks / np;
    *h0 = kvh * g + part * g / np;
    *h1 = kvh * g + (part + 1) * g / np;
}

/* The score of one q.k product: soft-capped as llama.cpp does (scale by 1/cap, tanh, scale by
 * cap, each in float), then the softmax's scale. */
static float score(const attn_args *a, float kq)
{
    if (a->softcap > 0.0f)
        kq = tanhf(kq * (1.0f / a->softcap)) * a->softcap;
    return kq * a->kq_scale;
}

static bool masked(const attn_args *a, int64_t pos_q, int64_t pos_k)
{
    return pos_k > pos_q || (a->n_swa > 0 && pos_q - pos_k >= a->n_swa);
}

/* Scores of one query row (position pq) for keys c0..c0+n-1, in place: q.k becomes score() where
 * the key is visible and -inf where masked. The visible keys form one run (causal and window
 * masks), so the common case is a plain vectorizable scale. */
static void score_span(const attn_args *a, float *sr, int64_t c0, int64_t n, int64_t pq)
{
    int64_t v0 = 0, v1 = pq - c0 + 1; /* visible: v0 <= j < v1 */
    if (a->n_swa > 0 && pq - a->n_swa + 1 - c0 > 0)
        v0 = pq - a->n_swa + 1 - c0;
    if (v1 > n)
        v1 = n;
    if (v0 > n)
        v0 = n;
    if (v1 < v0)
        v1 = v0;
#pragma omp simd
    for (int64_t j = 0; j < v0; j++)
        sr[j] = -INFINITY;
    if (a->softcap > 0.0f) {
        for (int64_t j = v0; j < v1; j++)
            sr[j] = score(a, sr[j]);
    } else {
        const float scale = a->kq_scale;
#pragma omp simd
        for (int64_t j = v0; j < v1; j++)
            sr[j] *= scale;
    }
#pragma omp simd
    for (int64_t j = v1; j < n; j++)
        sr[j] = -INFINITY;
}

/* Converts the F16 key (or value) rows of positions c0..c0+n-1, this head's slice at byte offset
 * off, to floats: key j to row ag_lane_slot(j, n, lanes) of rows (lane-major for p.v; lanes 1 for
 * q.k keeps the order): one kernel call per run of consecutive cache rows (two where a
 * ring wraps), which prefetches ahead along the run (attn_blocks.h). */
static void convert_rows(const attn_args *a, const ag_blocks *kern, bool values, int64_t c0, int64_t n, size_t off,
                         int64_t w, float *rows, int64_t lanes)
{
    const size_t stride = values ? kv_v_stride(a->kv, a->layer) : kv_k_stride(a->kv, a->layer);
    for (int64_t j = 0, run; j < n; j += run) {
        run = kv_run(a->kv, a->layer, c0 + j, c0 + n - 1);
        const char *src = values ? kv_v_row(a->kv, a->layer, c0 + j) : kv_k_row(a->kv, a->layer, c0 + j);
        kern->rows(src + off, stride, run, w, rows, j, n, lanes);
    }
}

/* One work item: KV head kvh, query tokens t0..t1-1, keys lo..hi, and its scratch. Its query heads
 * are kvh * G + j0 + j for j < g (G = n_head / n_head_kv; g = G with one part); query row
 * r = (t - t0) * g + j is that head of token t. */
typedef struct attn_item {
    int64_t kvh, j0, t0, t1, g, nq;
    int64_t lo, hi;       /* keys any query of the block may see */
    float *qg;            /* [nq][head_dim] gathered queries */
    char *qx;             /* [nq] queries in the cache's partner format (attn_quant) */
    size_t qx_row;        /* bytes of one qx row */
    float *s;             /* [nq][score columns] scores, then probabilities */
    float *rows;          /* [chunk][max(head_dim, head_dim_v)] K or V rows converted to f32 */
    int64_t chunk;        /* keys per chunk */
    float *acc;           /* p.v accumulators */
} attn_item;

static void item_setup(const attn_args *a, int64_t item, void *scratch, attn_item *it)
{
    const int64_t bt = block_tokens(a), n_blocks = (a->n_tok + bt - 1) / bt;
    const int64_t g = a->n_head / a->n_head_kv, hd = a->head_dim, hdv = a->head_dim_v, np = q_parts(a);
    int64_t h0, h1;
    attn_item_heads(a, item, &h0, &h1);
    it->kvh = item / n_blocks / np;
    attn_item_tokens(a, item, &it->t0, &it->t1);
    it->j0 = h0 - it->kvh * g;
    it->g = h1 - h0;
    it->nq = (it->t1 - it->t0) * it->g;
    /* Sliding layers start at the window of the block's first query. */
    it->hi = a->pos0 + it->t1 - 1;
    it->lo = 0;
    if (a->n_swa > 0 && a->pos0 + it->t0 - a->n_swa + 1 > 0)
        it->lo = a->pos0 + it->t0 - a->n_swa + 1;
    it->qx_row = simd_act_row_bytes(a->kv->type, hd);

    char *p = scratch;
    it->qg = (float *)p;
    p += align64(sizeof(float) * (size_t)(ATTN_BLOCK * g * hd));
    it->qx = p;
    p += align64((size_t)(ATTN_BLOCK * g) * it->qx_row);
    it->s = (float *)p;
    p += align64(sizeof(float) * (size_t)(ATTN_BLOCK * g) * (size_t)score_cols(a->kv->n_ctx));
    const int64_t width = hd > hdv ? hd : hdv;
    it->rows = (float *)p;
    it->chunk = chunk_keys(width);
    p += align64(sizeof(float) * (size_t)(it->chunk * width));
    it->acc = (float *)p;
}

/* The head of the item's query head j (< it->g). */
static int64_t item_head(const attn_args *a, const attn_item *it, int64_t j)
{
    return it->kvh * (a->n_head / a->n_head_kv) + it->j0 + j;
}

/* Copies the block's queries into qg. */
static void gather_queries(const attn_args *a, const attn_item *it)
{
    const int64_t hd = a->head_dim;
    for (int64_t t = it->t0; t < it->t1; t++)
        for (int64_t j = 0; j < it->g; j++)
            memcpy(it->qg + ((t - it->t0) * it->g + j) * hd, a->q + t * a->n_head * hd + item_head(a, it, j) * hd,
                   sizeof(float) * (size_t)hd);
}

/* Output row of query row r. */
static float *out_row(const attn_args *a, const attn_item *it, int64_t r)
{
    const int64_t t = it->t0 + r / it->g, j = r % it->g;
    return a->out + t * a->n_head * a->head_dim_v + item_head(a, it, j) * a->head_dim_v;
}

/* F16 cache: llama.cpp's non-flash attention order (see the file comment), a chunk of keys at a
 * time: the chunk's rows are converted once and serve every query row of the item. */
static void attn_f16(const attn_args *a, const attn_item *it)
{
    const int64_t hd = a->head_dim, hdv = a->head_dim_v, nq = it->nq, lo = it->lo, hi = it->hi;
    const ag_blocks *kern = ag_blocks_get();
    float *const s = it->s, *const rows = it->rows, *const acc = it->acc;
    const int64_t chunk = it->chunk;
    /* Score columns: positions base..base+nk-1, aligned as llama.cpp's cache view is. */
    const int64_t base = lo / AG_VLANES * AG_VLANES;
    const int64_t nk = (hi + 1 - base + AG_LANES - 1) / AG_LANES * AG_LANES;

    /* ggml picks tinyBLAS for F16 products with 2+ columns (the batch's tokens) when the inner
     * size is a multiple of 16 (q.k) or the row count a multiple of 4 (p.v), else vec_dot. */
    const bool batch = a->n_tok >= 2 && !a->one_token_order;
    const ag_order o_kq = batch && hd % AG_LANES == 0 ? AG_TILED : AG_VECDOT;
    const ag_order o_kv = batch && hdv % 4 == 0 ? AG_TILED : AG_VECDOT;

    gather_queries(a, it);
    ag_round_f16(it->qg, nq * hd); /* ggml converts the queries to F16 */

    const size_t k_off = simd_row_bytes(TOLK_TYPE_F16, it->kvh * hd);
    /* The keys lo..hi get their scores below; the padding columns around them are masked. */
    for (int64_t r = 0; r < nq; r++) {
        float *sr = s + r * nk;
        for (int64_t j = 0; j < lo - base; j++)
            sr[j] = -INFINITY;
        for (int64_t j = hi + 1 - base; j < nk; j++)
            sr[j] = -INFINITY;
    }
    for (int64_t c0 = lo; c0 <= hi; c0 += chunk) {
        const int64_t n = hi + 1 - c0 < chunk ? hi + 1 - c0 : chunk;
        convert_rows(a, kern, false, c0, n, k_off, hd, rows, 1);
        kern->dots(o_kq, rows, n, it->qg, nq, hd, s + (c0 - base), nk);
        for (int64_t r = 0; r < nq; r++)
            score_span(a, s + r * nk + (c0 - base), c0, n, a->pos0 + it->t0 + r / it->g);
    }

    /* llama.cpp multiplies the F16 value cache by probabilities converted to F16 */
    for (int64_t r = 0; r < nq; r++)
        ag_softmax_round(s + r * nk, nk);

    const size_t v_off = simd_row_bytes(TOLK_TYPE_F16, it->kvh * hdv);
    const int64_t lanes = o_kv == AG_TILED ? AG_LANES : AG_VLANES;
    /* Lanes start at +0 on the first chunk (fmaf(w, v, +0), as from a zeroed register); masked
     * keys have probability 0 and are skipped. */
    bool first = true;
    for (int64_t c0 = lo; c0 <= hi; c0 += chunk, first = false) {
        const int64_t n = hi + 1 - c0 < chunk ? hi + 1 - c0 : chunk;
        convert_rows(a, kern, true, c0, n, v_off, hdv, rows, lanes);
        kern->pv(lanes, s + (c0 - base), nk, nq, c0, n, rows, hdv, acc, first);
    }
    if (first)
        memset(acc, 0, sizeof(float) * (size_t)(nq * lanes * hdv));
    for (int64_t r = 0; r < nq; r++)
        ag_reduce(o_kv, acc + r * lanes * hdv, hdv, out_row(a, it, r));
}

/* Quantized cache (Q8_0): scores from simd_matmul over the cache rows, a plain p.v sum. */
static void attn_quant(const attn_args *a, const attn_item *it)
{
    const int64_t hd = a->head_dim, hdv = a->head_dim_v, nq = it->nq, lo = it->lo, hi = it->hi;
    const uint32_t kt = a->kv->type;
    const simd_to_float_fn to_float = simd_row_converter(kt); /* the cache's type: always known */
    float *const s = it->s, *const row = it->rows, *const acc = it->acc;
    const int64_t nk = hi - lo + 1; /* score columns: positions lo..hi */

    gather_queries(a, it);
    for (int64_t r = 0; r < nq; r++)
        simd_quantize_act(kt, it->qg + r * hd, it->qx + (size_t)r * it->qx_row, hd);

    /* Keys lo..hi of this KV head, viewed as a weight matrix whose rows are positions: one product
     * per run of consecutive rows (two where a sliding layer's ring wraps). */
    const size_t k_off = simd_row_bytes(kt, it->kvh * hd);
    for (int64_t c = lo, run; c <= hi; c += run) {
        run = kv_run(a->kv, a->layer, c, hi);
        simd_matmul(kt, kv_k_row(a->kv, a->layer, c) + k_off, kv_k_stride(a->kv, a->layer), hd, it->qx, it->qx_row,
                    nq, s + (c - lo), (size_t)nk, 0, run);
    }
    for (int64_t r = 0; r < nq; r++)
        for (int64_t c = 0; c < nk; c++)
            s[r * nk + c] = masked(a, a->pos0 + it->t0 + r / it->g, lo + c) ? -INFINITY : score(a, s[r * nk + c]);

    for (int64_t r = 0; r < nq; r++)
        ops_softmax(s + r * nk, nk);

    const size_t v_off = simd_row_bytes(kt, it->kvh * hdv);
    memset(acc, 0, sizeof(float) * (size_t)(nq * hdv));
    for (int64_t c = lo; c <= hi; c++) {
        to_float(kv_v_row(a->kv, a->layer, c) + v_off, row, hdv);
        for (int64_t r = 0; r < nq; r++) {
            const float w = s[r * nk + c - lo];
            if (w == 0.0f)
                continue;
            float *ar = acc + r * hdv;
            for (int64_t d = 0; d < hdv; d++)
                ar[d] += w * row[d];
        }
    }
    for (int64_t r = 0; r < nq; r++)
        memcpy(out_row(a, it, r), acc + r * hdv, sizeof(float) * (size_t)hdv);
}

void attn_run(const attn_args *a, int64_t item, void *scratch)
{
    attn_item it;
    item_setup(a, item, scratch, &it);
    if (a->kv->type == TOLK_TYPE_F16)
        attn_f16(a, &it);
    else
        attn_quant(a, &it);
}
