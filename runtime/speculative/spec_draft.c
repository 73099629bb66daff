/* Draft providers for speculative decoding (speculative.h): n-gram prompt lookup, a separate draft
 * model with its own cache, and self-speculation (the target with some layers skipped, drafting in
 * the target's own cache), plus the calibration that chooses which layers self-speculation skips. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "forward.h"
#include "sampler.h"
#include "generate.h"
#include "speculative.h"
#include "tokenizer.h"

#define NGRAM_MAX 4 /* longest suffix looked up; the longest one found wins */

int spec_parse_skip(const char *list, int n_layer, unsigned char *mask, int *n_skip, tolk_error *err)
{
    memset(mask, 0, (size_t)n_layer);
    const char *p = list;
    if (!*p)
        return error_set(err, TOLK_E_ARG, "the layer-skip list is empty");
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p || *p == '-' || *p == '+')
            return error_set(err, TOLK_E_ARG, "bad layer-skip list '%s': expected layers like 4,6,9-11", list);
        p = end;
        if (*p == '-') {
            const char *q = p + 1;
            b = strtol(q, &end, 10);
            if (end == q || *q == '-' || *q == '+' || b < a)
                return error_set(err, TOLK_E_ARG, "bad layer range in '%s'", list);
            p = end;
        }
        if (a < 0 || b >= n_layer)
            return error_set(err, TOLK_E_ARG, "layer-skip list '%s': the model has layers 0..%d", list,
                             n_layer - 1);
        for (long i = a; i <= b; i++)
            mask[i] = 1;
        if (*p == ',')
            p++;
        else if (*p)
            return error_set(err, TOLK_E_ARG, "bad layer-skip list '%s': expected layers like 4,6,9-11", list);
    }
    int n = 0;
    for (int i = 0; i < n_layer; i++)
        n += mask[i];
    if (n == n_layer)
        return error_set(err, TOLK_E_ARG, "the layer-skip list '%s' skips every layer", list);
    *n_skip = n;
    return TOLK_OK;
}

/* Prompt lookup: the most recent earlier occurrence of the longest suffix (NGRAM_MAX..1 tokens) of
 * the text, and the tokens that followed it there. Names, numbers and markup copied from the
 * source, and terms repeated in the output, come back this way. */
static int propose_ngram(spec_state *st, int kmax)
{
    const int32_t *h = st->hist;
    const int64_t n = (int64_t)st->n_hist;
    for (int64_t g = NGRAM_MAX; g >= 1; g--) {
        if (g >= n)
            continue;
        const int32_t *suf = h + n - g;
        for (int64_t i = n - g - 1; i >= 0; i--) {
            if (h[i] != suf[0] || memcmp(h + i, suf, sizeof *h * (size_t)g))
                continue;
            int nd = 0;
            for (int64_t j = i + g; j < n && nd < kmax; j++)
                st->drafts[nd++] = h[j];
            for (int j = 0; j < nd; j++)
                st->nq[j] = 0;
            return nd;
        }
    }
    return 0;
}

int spec_set_reference(spec_state *st, const int32_t *ids, size_t n, tolk_error *err)
{
    if (ref_set(&st->ref, ids, n))
        return error_set(err, TOLK_E_NOMEM, "out of memory for the draft reference");
    return TOLK_OK;
}

static const char *vocab_piece(const void *vocab, int32_t id, size_t *len)
{
    const char *t = tok_text(vocab, id, len);
    if (!t)
        *len = 0;
    return t;
}

/* Reference drafting (spec_ref.c). Where the reference offers nothing sure the step is plain: no
 * prompt lookup either, since each of its drafts costs about 0.4 of a decode step to verify
 * (docs/TM.md) and a token or two of prompt lookup is seldom right in new wording. */
static int propose_ref(gen_ctx *g, spec_state *st, int kmax, tolk_error *err)
{
    const int nd = ref_propose(&st->ref, st->hist, st->n_hist, kmax, vocab_piece, g->model->vocab, st->drafts);
    if (nd < 0)
        return -error_set(err, TOLK_E_NOMEM, "out of memory for the draft reference");
    for (int j = 0; j < nd; j++)
        st->nq[j] = 0;
    return nd;
}

void spec_set_risk(spec_state *st, const float *at, int n)
{
    ref_set_risk(&st->ref, at, n);
}

/* The draft's best probability for a row (the --draft-p-min test). It depends on the context only,
 * never on the token drawn, so stopping on it keeps the accept/reject rule exact. */
static float top_prob(const sampler *smp, const float *row, int64_t nv, const sampler_prob *q, int64_t nq)
{
    if (!sampler_is_greedy(smp)) {
        float best = 0.0f;
        for (int64_t i = 0; i < nq; i++)
            best = fmaxf(best, q[i].p);
        return best;
    }
    float mx = row[0];
    for (int64_t i = 1; i < nv; i++)
        mx = fmaxf(mx, row[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < nv; i++)
        sum += exp((double)(row[i] - mx));
    return (float)(1.0 / sum);
}

static int ensure_q(spec_state *st, int j, int64_t nv, tolk_error *err)
{
    if (st->q[j] && st->q_cap >= nv)
        return TOLK_OK;
    for (int i = 0; i < SPEC_K_MAX; i++) {
        free(st->q[i]);
        st->q[i] = NULL;
    }
    st->q_cap = nv;
    for (int i = 0; i < st->k; i++)
        if (!(st->q[i] = malloc(sizeof(sampler_prob) * (size_t)nv)))
            return error_set(err, TOLK_E_NOMEM, "out of memory for draft distributions");
    (void)j;
    return TOLK_OK;
}

/* Drafting with a model: f's logits row 0 holds the draft's prediction after cur. */
static int propose_model(spec_state *st, fwd_ctx *f, int kmax, tolk_error *err)
{
    sampler *smp = st->dsmp;
    const int64_t nv = fwd_n_vocab(f) < st->n_vocab ? fwd_n_vocab(f) : st->n_vocab;
    sampler_set_history(smp, st->hist, (int64_t)st->n_hist);
    int nd = 0;
    for (;;) {
        const float *row = fwd_logits(f, 0);
        int32_t d;
        const sampler_prob *q = NULL;
        int64_t nq = 0;
        if (sampler_is_greedy(smp)) {
            d = sampler_sample(smp, row);
        } else {
            nq = sampler_probs(smp, row, &q);
            d = sampler_draw(smp, q, nq);
        }
        if (st->p_min > 0.0f && top_prob(smp, row, nv, q, nq) < st->p_min)
            break;
        if (nq) {
            int rc = ensure_q(st, nd, nv, err);
            if (rc)
                return -rc;
            memcpy(st->q[nd], q, sizeof *q * (size_t)nq);
        }
        st->nq[nd] = nq;
        st->drafts[nd++] = d;
        sampler_accept(smp, d);
        if (nd == kmax)
            break;
        int rc = fwd_eval(f, &d, 1, 0, err);
        if (rc)
            return -rc;
    }
    return nd;
}

int spec_propose(gen_ctx *g, spec_state *st, int kmax, tolk_error *err)
{
    if (st->mode == TOLK_SPEC_NGRAM)
        return st->ref.n_ref ? propose_ref(g, st, kmax, err) : propose_ngram(st, kmax);
    const int64_t h = (int64_t)st->n_hist;
    int rc, nd;
    if (st->mode == TOLK_SPEC_SELF && st->n_skip == 0)
        return 0; /* the calibration found no layer subset worth drafting with */
    if (st->mode == TOLK_SPEC_SELF) {
        /* Draft in the target's cache with layers left out; the verification rewrites every layer
         * of these positions, so the partial rows never outlive this step. */
        const int64_t pos0 = fwd_pos(g->fwd);
        if ((rc = fwd_set_skip(g->fwd, st->skip, err)))
            return -rc;
        rc = fwd_eval(g->fwd, &st->hist[h - 1], 1, 0, err);
        nd = rc ? -rc : propose_model(st, g->fwd, kmax, err);
        fwd_set_skip(g->fwd, NULL, NULL);
        if ((rc = fwd_rollback(g->fwd, pos0, err)))
            return -rc;
        return nd;
    }
    /* Draft model: catch its cache up with the text (prompt on the first step, then the tokens the
     * last verification added), then draft. */
    if ((rc = fwd_eval(st->dfwd, st->hist + st->d_done, h - st->d_done, h - st->d_done - 1, err)))
        return -rc;
    st->d_done = h;
    nd = propose_model(st, st->dfwd, kmax, err);
    if (nd > 1)
        st->d_done = h + nd - 1; /* drafts 1..nd-1 went through the draft model */
    return nd;
}

int spec_draft_sync(spec_state *st, int64_t n_hist_before, int n_acc, tolk_error *err)
{
    if (!st->dfwd)
        return TOLK_OK;
    int64_t keep = n_hist_before + n_acc;
    if (keep > st->d_done)
        keep = st->d_done;
    st->d_done = keep;
    return fwd_rollback(st->dfwd, keep, err);
}

/* ---- self-speculation calibration ------------------------------------------------------------ */

static int32_t argmax(const float *row, int64_t n)
{
    int64_t b = 0;
    for (int64_t i = 1; i < n; i++)
        if (row[i] > row[b])
            b = i;
    return (int32_t)b;
}

/* Agreement of the skipped model with the full one over the calibration rows: the count of equal
 * greedy choices, plus (as a tie-break below one) how close the full model's choice came to the
 * top of the skipped model's logits. */
static int agreement(gen_ctx *g, const unsigned char *mask, const int32_t *toks, int64_t base,
                     int64_t n, const int32_t *ref, int *n_equal, double *score, tolk_error *err)
{
    const int64_t nv = fwd_n_vocab(g->fwd);
    int rc = fwd_rollback(g->fwd, base, err);
    if (!rc)
        rc = fwd_set_skip(g->fwd, mask, err);
    if (!rc)
        rc = fwd_eval(g->fwd, toks, n, 0, err);
    fwd_set_skip(g->fwd, NULL, NULL);
    if (rc)
        return rc;
    int eq = 0;
    double closeness = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const float *row = fwd_logits(g->fwd, i);
        const int32_t a = argmax(row, nv);
        eq += a == ref[i];
        closeness += exp(fmax(-30.0, (double)(row[ref[i]] - row[a])));
    }
    *n_equal = eq;
    *score = eq + 0.5 * closeness / (double)n;
    return TOLK_OK;
}

/* Bytes a decode step reads per layer and outside the layers: the draft's relative cost. */
static double layer_bytes(const tolk_model *m, int il)
{
    const layer_weights *lw = &m->w.layers[il];
    const gguf_tensor *w[] = {lw->wq, lw->wk, lw->wv, lw->wo, lw->ffn_gate, lw->ffn_up, lw->ffn_down,
                              lw->ffn_gate_inp};
    double b = 0;
    for (size_t j = 0; j < sizeof w / sizeof w[0]; j++)
        if (w[j]) /* MoE layers have no dense FFN */
            b += (double)w[j]->nbytes;
    /* An MoE layer reads only the routed experts' share of its stacks. */
    const gguf_tensor *x[] = {lw->ffn_gate_exps, lw->ffn_up_exps, lw->ffn_down_exps};
    for (size_t j = 0; j < sizeof x / sizeof x[0]; j++)
        if (x[j])
            b += (double)x[j]->nbytes * (double)m->hp.n_expert_used / (double)m->hp.n_expert;
    return b;
}

typedef struct cand_layer {
    int il;
    double score;
} cand_layer;

static int by_score(const void *a, const void *b)
{
    const cand_layer *x = a, *y = b;
    return x->score < y->score ? 1 : x->score > y->score ? -1 : x->il - y->il;
}

/* Greedy skip choice: rank single layers by how little leaving each out changes the last
 * SPEC_CAL_ROWS predictions on the prompt, then skip the m best-ranked for the m that maximises
 * the expected speedup E(m) = (1 - a^(k+1)) / ((1 - a) (k c + v)), a = agreement with m layers
 * skipped, c = the draft's cost per token (bytes read) and v = the measured cost of verifying
 * k+1 tokens, both relative to one decode step. Layer 0 and the last layer are never skipped. */
int spec_self_calibrate(gen_ctx *g, spec_state *st, const tok_ids *prompt, tolk_error *err)
{
    const tolk_model *m = g->model;
    const int L = (int)m->hp.n_layer;
    const int64_t P = (int64_t)prompt->n;
    int64_t n = P - 1 < SPEC_CAL_ROWS ? P - 1 : SPEC_CAL_ROWS;
    memset(st->skip, 0, (size_t)L);
    if (n < 4) {
        /* Too little to measure: every other middle layer, and calibrate on a later prompt. */
        st->n_skip = 0;
        for (int il = L / 4; il < 3 * L / 4 && il < L - 1; il += 2)
            if (il > 0)
                st->skip[il] = 1, st->n_skip++;
        return TOLK_OK;
    }
    const int64_t base = P - n;
    const int32_t *toks = prompt->ids + base;
    int32_t ref[SPEC_CAL_ROWS];
    cand_layer *c = malloc(sizeof *c * (size_t)L);
    unsigned char *mask = calloc((size_t)L, 1);
    int rc = !c || !mask ? error_set(err, TOLK_E_NOMEM, "out of memory") : TOLK_OK;
    if (!rc)
        rc = fwd_rollback(g->fwd, 0, err);
    if (!rc && base > 0)
        rc = fwd_eval(g->fwd, prompt->ids, base, base, err);
    if (!rc)
        rc = fwd_eval(g->fwd, toks, n, 0, err);
    for (int64_t i = 0; !rc && i < n; i++)
        ref[i] = argmax(fwd_logits(g->fwd, i), fwd_n_vocab(g->fwd));

    /* v: one (k+1)-token verification against one decode step, best of two each. */
    double t1 = 1e30, tk = 1e30;
    for (int r = 0; r < 2 && !rc; r++) {
        double a = gen_now_ms();
        rc = fwd_rollback(g->fwd, base, err);
        if (!rc && !(rc = fwd_eval(g->fwd, toks, 1, 0, err))) {
            double b = gen_now_ms();
            t1 = fmin(t1, b - a);
            if (!(rc = fwd_rollback(g->fwd, base, err))) {
                a = gen_now_ms();
                rc = fwd_eval(g->fwd, toks, st->k + 1 < n ? st->k + 1 : n, 0, err);
                tk = fmin(tk, gen_now_ms() - a);
            }
        }
    }
    const double v = rc ? 1.0 : fmax(1.0, tk / t1);
    int nc = 0;

    double out_b = (double)m->w.output->nbytes, all_b = out_b, half_b = out_b;
    for (int il = 0; il < L; il++) {
        all_b += layer_bytes(m, il);
        half_b += il < L - L / 2 ? layer_bytes(m, il) : 0.0;
    }
    /* Even drafts that are always right cannot pay for themselves when the part of the model that
     * is never skipped (output matrix, kept layers) and the verification cost too much: then
     * self-speculation drafts nothing and decoding is plain. */
    const double e_max = (st->k + 1) / (st->k * half_b / all_b + v);
    if (!rc && e_max <= 1.0) {
        st->n_skip = 0;
        st->skip_ready = 1;
        nc = -1;
    }
    for (int il = 1; il < L - 1 && !rc && nc >= 0; il++) {
        memset(mask, 0, (size_t)L);
        mask[il] = 1;
        int eq;
        double sc = 0.0;
        rc = agreement(g, mask, toks, base, n, ref, &eq, &sc, err);
        c[nc++] = (cand_layer){il, sc};
    }
    if (!rc && nc > 0)
        qsort(c, (size_t)nc, sizeof *c, by_score);
    double best = 0.0;
    int best_m = 1;
    memset(mask, 0, (size_t)L);
    double kept_b = all_b;
    for (int mm = 1; mm <= nc && mm <= L / 2 && !rc; mm++) {
        mask[c[mm - 1].il] = 1;
        kept_b -= layer_bytes(m, c[mm - 1].il);
        int eq;
        double sc;
        if ((rc = agreement(g, mask, toks, base, n, ref, &eq, &sc, err)))
            break;
        const double a = fmin((double)eq / (double)n, 0.999);
        const double cost = kept_b / all_b;
        const double e = (1.0 - pow(a, st->k + 1)) / ((1.0 - a) * (st->k * cost + v));
        if (e > best)
            best = e, best_m = mm;
        if (a < 0.25)
            break;
    }
    if (!rc && nc > 0) {
        /* Nothing pays off: draft nothing rather than slow decoding down. */
        st->n_skip = best > 1.0 ? (best_m < nc ? best_m : nc) : 0;
        for (int j = 0; j < st->n_skip; j++)
            st->skip[c[j].il] = 1;
        st->skip_ready = 1;
    }
    fwd_set_skip(g->fwd, NULL, NULL);
    int rc2 = fwd_rollback(g->fwd, 0, rc ? NULL : err);
    free(c);
    free(mask);
    return rc ? rc : rc2;
}
