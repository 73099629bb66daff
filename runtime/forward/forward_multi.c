/* Several sequences per forward pass (forward_multi.h): packs the sequences' tokens into passes of
 * the driver context's buffers, hands forward.c the layout (which tokens belong to which cache, at
 * which positions, and which rows need logits), then copies the logit rows out and commits each
 * cache. Sequences longer than what is left of a pass continue in the next one. */
#include <stdlib.h>
#include <string.h>

#include "forward_multi.h"

int fwd_kv_like(const fwd_ctx *c, kv_cache *kv, tolk_error *err)
{
    const kv_cache *src = fwd_kv((fwd_ctx *)c);
    /* The driver's layout, layer by layer (gemma4's sliding and global layers differ in width). */
    return kv_init_like(kv, src, src->n_ctx, err);
}

static int check_seqs(fwd_ctx *c, const fwd_seq *seqs, int n_seq, tolk_error *err)
{
    const kv_cache *own = fwd_kv(c);
    const int64_t n_vocab = fwd_n_vocab(c);
    for (int i = 0; i < n_seq; i++) {
        const fwd_seq *s = &seqs[i];
        if (!s->kv || s->n < 0 || s->logits_from < 0 || s->logits_from > s->n || (s->n && !s->tok) ||
            (s->logits_from < s->n && !s->logits))
            return error_set(err, TOLK_E_ARG, "fwd_eval_multi: sequence %d: bad cache, token count or logit rows", i);
        if (s->kv->type != own->type || s->kv->n_layer != own->n_layer || s->kv->k_width != own->k_width ||
            s->kv->v_width != own->v_width || s->kv->n_ctx > own->n_ctx)
            return error_set(err, TOLK_E_ARG, "fwd_eval_multi: sequence %d: its cache is not shaped like the "
                             "context's", i);
        for (int j = 0; j < i; j++)
            if (seqs[j].kv == s->kv)
                return error_set(err, TOLK_E_ARG, "fwd_eval_multi: sequences %d and %d share a cache", j, i);
        for (int64_t t = 0; t < s->n; t++)
            if (s->tok[t] < 0 || s->tok[t] >= n_vocab)
                return error_set(err, TOLK_E_ARG, "fwd_eval_multi: sequence %d: token id %ld at index %lld is "
                                 "outside the vocabulary (0..%lld)", i, (long)s->tok[t], (long long)t,
                                 (long long)(n_vocab - 1));
        int64_t n_logits_max;
        const int64_t n_batch = fwd_batch_limits(c, &n_logits_max);
        int rc = kv_check_room(s->kv, s->n, err);
        if (!rc) /* a pass holds at most n_batch of the sequence's tokens */
            rc = kv_check_pass(s->kv, s->n < n_batch ? s->n : n_batch, err);
        if (rc)
            return rc;
    }
    return TOLK_OK;
}

int fwd_eval_multi(fwd_ctx *c, const fwd_seq *seqs, int n_seq, tolk_error *err)
{
    if (n_seq < 0 || (n_seq && !seqs))
        return error_set(err, TOLK_E_ARG, "fwd_eval_multi: bad sequence list");
    int rc = check_seqs(c, seqs, n_seq, err);
    if (rc)
        return rc;
    int64_t max_rows;
    const int64_t max_tok = fwd_batch_limits(c, &max_rows);
    const size_t n_vocab = (size_t)fwd_n_vocab(c);
    int32_t *tok = malloc(sizeof *tok * (size_t)max_tok);
    int64_t *rows = malloc(sizeof *rows * (size_t)max_rows);
    float **dest = malloc(sizeof *dest * (size_t)max_rows);
    fwd_seg *segs = malloc(sizeof *segs * (size_t)(n_seq ? n_seq : 1));
    int *seg_seq = malloc(sizeof *seg_seq * (size_t)(n_seq ? n_seq : 1));
    int64_t *done = calloc((size_t)(n_seq ? n_seq : 1), sizeof *done);
    if (!tok || !rows || !dest || !segs || !seg_seq || !done) {
        rc = error_set(err, TOLK_E_NOMEM, "out of memory for a %d-sequence step", n_seq);
        goto out;
    }
    for (;;) {
        int64_t used = 0, n_rows = 0;
        int n_segs = 0;
        for (int i = 0; i < n_seq && used < max_tok; i++) {
            const fwd_seq *s = &seqs[i];
            int64_t k = s->n - done[i];
            if (k <= 0)
                continue;
            if (k > max_tok - used)
                k = max_tok - used;
            /* tokens from done[i] on that need logits must fit the rows left */
            const int64_t free_rows = max_rows - n_rows;
            const int64_t first_row = s->logits_from > done[i] ? s->logits_from - done[i] : 0;
            if (k > first_row + free_rows)
                k = first_row + free_rows;
            if (k <= 0)
                break;
            segs[n_segs] = (fwd_seg){s->kv, s->kv->n, used, k};
            seg_seq[n_segs++] = i;
            memcpy(tok + used, s->tok + done[i], sizeof *tok * (size_t)k);
            for (int64_t j = first_row; j < k; j++) {
                rows[n_rows] = used + j;
                dest[n_rows++] = s->logits + (size_t)(done[i] + j - s->logits_from) * n_vocab;
            }
            used += k;
        }
        if (!n_segs)
            break;
        fwd_run_segments(c, tok, used, segs, n_segs, rows, n_rows);
        for (int64_t r = 0; r < n_rows; r++)
            memcpy(dest[r], fwd_logits(c, r), sizeof(float) * n_vocab);
        for (int j = 0; j < n_segs; j++) {
            kv_commit(segs[j].kv, segs[j].n);
            done[seg_seq[j]] += segs[j].n;
        }
    }
out:
    free(tok);
    free(rows);
    free(dest);
    free(segs);
    free(seg_seq);
    free(done);
    return rc;
}
