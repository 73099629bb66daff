/* Attention over the KV cache (see attention.h). Scores come from simd_matmul with the cached keys
 * as the weight matrix: queries are rounded to the cache's partner format first, as llama.cpp does
 * (q.k is an F16 dot for an F16 cache). Softmax in float with a double normaliser. With an F16
 * cache the probabilities are rounded to F16 before weighting the values, as llama.cpp's default
 * (non-flash) path does when it multiplies them with the F16 value cache; measured on the default
 * model this brings tolk's logits closer to llama.cpp's (RMS difference 0.41 -> 0.35). */
#include <math.h>
#include <string.h>

#include "attention.h"
#include "ops.h"
#include "simd.h"

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

size_t attn_scratch_bytes(const attn_args *a, int64_t n_ctx)
{
    const int64_t g = a->n_head / a->n_head_kv, nq = ATTN_BLOCK * g;
    return align64(sizeof(float) * (size_t)(nq * a->head_dim)) +                     /* gathered q */
           align64((size_t)nq * simd_act_row_bytes(a->kv->type, a->head_dim)) +      /* quantized q */
           align64(sizeof(float) * (size_t)(nq * n_ctx)) +                           /* scores */
           align64(sizeof(float) * (size_t)a->head_dim_v) +                          /* one V row */
           align64(sizeof(float) * (size_t)(nq * a->head_dim_v));                    /* accumulators */
}

int64_t attn_items(const attn_args *a)
{
    return a->n_head_kv * ((a->n_tok + ATTN_BLOCK - 1) / ATTN_BLOCK);
}

void attn_run(const attn_args *a, int64_t item, void *scratch)
{
    const int64_t n_blocks = (a->n_tok + ATTN_BLOCK - 1) / ATTN_BLOCK;
    const int64_t kvh = item / n_blocks, t0 = (item % n_blocks) * ATTN_BLOCK;
    const int64_t t1 = t0 + ATTN_BLOCK < a->n_tok ? t0 + ATTN_BLOCK : a->n_tok;
    const int64_t g = a->n_head / a->n_head_kv, hd = a->head_dim, hdv = a->head_dim_v;
    const int64_t nq = (t1 - t0) * g;
    const uint32_t kt = a->kv->type;
    const size_t qx_row = simd_act_row_bytes(kt, hd);

    /* Keys any query of the block may see: sliding layers start at the window of the first query. */
    const int64_t hi = a->pos0 + t1 - 1;
    int64_t lo = 0;
    if (a->n_swa > 0 && a->pos0 + t0 - a->n_swa + 1 > 0)
        lo = a->pos0 + t0 - a->n_swa + 1;
    const int64_t nk = hi - lo + 1;

    char *p = scratch;
    float *qg = (float *)p;
    p += align64(sizeof(float) * (size_t)(ATTN_BLOCK * g * hd));
    char *qx = p;
    p += align64((size_t)(ATTN_BLOCK * g) * qx_row);
    float *s = (float *)p;
    p += align64(sizeof(float) * (size_t)(ATTN_BLOCK * g) * (size_t)(hi + 1));
    float *vrow = (float *)p;
    p += align64(sizeof(float) * (size_t)hdv);
    float *acc = (float *)p;

    /* Query row r = (t - t0) * g + j is head kvh*g + j of token t. */
    for (int64_t t = t0; t < t1; t++)
        for (int64_t j = 0; j < g; j++) {
            const int64_t r = (t - t0) * g + j;
            memcpy(qg + r * hd, a->q + t * a->n_head * hd + (kvh * g + j) * hd, sizeof(float) * (size_t)hd);
            simd_quantize_act(kt, qg + r * hd, qx + (size_t)r * qx_row, hd);
        }

    /* Scores: keys lo..hi of this KV head, viewed as a weight matrix whose rows are positions. */
    const size_t k_off = simd_row_bytes(kt, kvh * hd);
    simd_matmul(kt, kv_k_row(a->kv, a->layer, lo) + k_off, a->kv->k_row_bytes, hd, qx, qx_row, nq, s,
                (size_t)nk, 0, nk);

    for (int64_t r = 0; r < nq; r++) {
        const int64_t pos_q = a->pos0 + t0 + r / g;
        float *sr = s + r * nk;
        for (int64_t c = 0; c < nk; c++) {
            const int64_t pos_k = lo + c;
            if (pos_k > pos_q || (a->n_swa > 0 && pos_q - pos_k >= a->n_swa))
                sr[c] = -INFINITY;
            else
                sr[c] *= a->kq_scale;
        }
        ops_softmax(sr, nk);
        if (kt == TOLK_TYPE_F16)
            for (int64_t c = 0; c < nk; c++)
                sr[c] = simd_f16_to_f32(simd_f32_to_f16(sr[c]));
    }

    memset(acc, 0, sizeof(float) * (size_t)(nq * hdv));
    const size_t v_off = simd_row_bytes(kt, kvh * hdv);
    for (int64_t c = 0; c < nk; c++) {
        simd_dequantize_row(kt, kv_v_row(a->kv, a->layer, lo + c) + v_off, vrow, hdv);
        for (int64_t r = 0; r < nq; r++) {
            const float w = s[r * nk + c];
            if (w == 0.0f)
                continue;
            float *o = acc + r * hdv;
            for (int64_t d = 0; d < hdv; d++)
                o[d] += w * vrow[d];
        }
    }
    for (int64_t t = t0; t < t1; t++)
        for (int64_t j = 0; j < g; j++)
            memcpy(a->out + t * a->n_head * hdv + (kvh * g + j) * hdv, acc + ((t - t0) * g + j) * hdv,
                   sizeof(float) * (size_t)hdv);
}
