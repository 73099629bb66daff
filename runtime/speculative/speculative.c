/* Speculative decoding: validation, draft loading (with the token-by-token vocabulary check) and
 * the token loop. Each step drafts up to k tokens, verifies the pending
 * token plus the drafts in ONE target pass, keeps the longest accepted prefix plus one token the
 * target picks, and rolls both caches back. Greedy output equals plain decoding token for token:
 * the target's verdict at every position is the same sampler call on bit-identical logits
 * (fwd_set_rowwise). With temperature > 0 the accept/reject rule (accept d with probability
 * min(1, p(d)/q(d)), else draw from max(0, p - q) renormalised) keeps the target's distribution. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "forward.h"
#include "sampler.h"
#include "generate.h"
#include "speculative.h"
#include "tokenizer.h"

/* Vocabularies whose sizes differ by padding entries only (Qwen2.5 0.5B vs 7B) still pair. */
#define SPEC_VOCAB_SLACK 128

void spec_params_default(tolk_spec_params *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->mode = TOLK_SPEC_NONE;
    sp->draft_max = SPEC_K_DEFAULT;
    sp->draft_min = 0;
    sp->draft_p_min = 0.0f;
}

void spec_free(spec_state *st)
{
    if (!st)
        return;
    fwd_free(st->dfwd);
    model_close(st->dmodel);
    sampler_free(st->dsmp);
    free(st->skip);
    ref_free(&st->ref);
    free(st->hist);
    for (int j = 0; j < SPEC_K_MAX; j++)
        free(st->q[j]);
    free(st->qdense);
    free(st->resid);
    free(st);
}

/* Token text for an error message: at most 40 bytes, control bytes shown as '?'. */
static void show_token(const tok_vocab *v, int32_t id, char *buf, size_t n)
{
    size_t len;
    const char *t = tok_text(v, id, &len);
    size_t j = 0;
    for (size_t i = 0; t && i < len && j + 1 < n && i < 40; i++)
        buf[j++] = (unsigned char)t[i] < 0x20 || t[i] == 0x7f ? '?' : t[i];
    buf[j] = '\0';
}

static int check_vocab(const tolk_model *tm, const tolk_model *dm, const char *path, tolk_error *err)
{
    const tok_vocab *tv = tm->vocab, *dv = dm->vocab;
    const int32_t nt = tok_n_tokens(tv), nd = tok_n_tokens(dv);
    if (abs(nt - nd) > SPEC_VOCAB_SLACK)
        return error_set(err, TOLK_E_ARG, "draft %s has %ld tokens but the target has %ld: not the same "
                         "vocabulary", path, (long)nd, (long)nt);
    const int32_t n = nt < nd ? nt : nd;
    for (int32_t i = 0; i < n; i++) {
        size_t la, lb;
        const char *a = tok_text(tv, i, &la), *b = tok_text(dv, i, &lb);
        if (la != lb || (la && memcmp(a, b, la))) {
            char sa[48], sb[48];
            show_token(tv, i, sa, sizeof sa);
            show_token(dv, i, sb, sizeof sb);
            return error_set(err, TOLK_E_ARG, "draft %s has another vocabulary: token %ld is '%s' in the "
                             "draft but '%s' in the target", path, (long)i, sb, sa);
        }
    }
    if (tok_bos(tv) != tok_bos(dv) || tok_eos(tv) != tok_eos(dv) || tok_wants_bos(tv) != tok_wants_bos(dv))
        return error_set(err, TOLK_E_ARG, "draft %s marks other BOS/EOS tokens than the target", path);
    return TOLK_OK;
}

int spec_check_params(const tolk_spec_params *sp, tolk_error *err)
{
    if (sp->mode < TOLK_SPEC_NONE || sp->mode > TOLK_SPEC_SELF)
        return error_set(err, TOLK_E_ARG, "unknown speculation mode %d", sp->mode);
    if (sp->draft_max < 0 || sp->draft_max > SPEC_K_MAX)
        return error_set(err, TOLK_E_ARG, "draft-max must be 1..%d tokens, got %d", SPEC_K_MAX, sp->draft_max);
    const int k = sp->draft_max ? sp->draft_max : SPEC_K_DEFAULT;
    if (sp->draft_min < 0 || sp->draft_min > k)
        return error_set(err, TOLK_E_ARG, "draft-min must be 0..draft-max (%d), got %d", k, sp->draft_min);
    if (!(sp->draft_p_min >= 0.0f && sp->draft_p_min <= 1.0f))
        return error_set(err, TOLK_E_ARG, "draft-p-min must be a probability in 0..1");
    if (sp->draft_threads < 0 || sp->draft_threads > 1024)
        return error_set(err, TOLK_E_ARG, "draft threads must be 0..1024, got %d", sp->draft_threads);
    if (sp->always_draft != 0 && sp->always_draft != 1)
        return error_set(err, TOLK_E_ARG, "always_draft must be 0 or 1, got %d", sp->always_draft);
    if (sp->mode == TOLK_SPEC_DRAFT && (!sp->draft_path || !*sp->draft_path))
        return error_set(err, TOLK_E_ARG, "draft speculation needs a draft model file");
    if (sp->mode != TOLK_SPEC_DRAFT && sp->draft_path)
        return error_set(err, TOLK_E_ARG, "a draft model file is only used in draft mode");
    if (sp->mode != TOLK_SPEC_SELF && sp->self_skip)
        return error_set(err, TOLK_E_ARG, "a layer-skip list is only used in self mode");
    return TOLK_OK;
}

static int load_draft(gen_ctx *g, spec_state *st, const tolk_spec_params *sp, tolk_error *err)
{
    int rc = model_load(sp->draft_path, g->model->prefetch_asked, &st->dmodel, err); /* as its target */
    if (rc)
        return rc;
    if ((rc = check_vocab(g->model, st->dmodel, sp->draft_path, err)))
        return rc;
    const int64_t pd = model_n_params(st->dmodel), pt = model_n_params(g->model);
    if (pd > pt)
        return error_set(err, TOLK_E_ARG, "draft %s (%.1fM parameters) is larger than the target (%.1fM): "
                         "the draft must be the smaller model", sp->draft_path, pd / 1e6, pt / 1e6);
    fwd_params fp = g->fp;
    fp.n_ctx = fwd_n_ctx(g->fwd);
    fp.n_logits = 1;
    if (sp->draft_threads)
        fp.n_threads = sp->draft_threads;
    return fwd_create(st->dmodel, &fp, &st->dfwd, err);
}

int spec_create(gen_ctx *g, const tolk_spec_params *sp, spec_state **out, tolk_error *err)
{
    *out = NULL;
    spec_state *st = calloc(1, sizeof *st);
    if (!st)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    st->mode = sp->mode;
    st->k = sp->draft_max ? sp->draft_max : SPEC_K_DEFAULT;
    st->k_min = sp->draft_min;
    st->p_min = sp->draft_p_min;
    st->n_vocab = g->model->hp.n_vocab;
    spec_gov_init(&st->gov, sp->always_draft);
    int rc = TOLK_OK;
    if (sp->mode == TOLK_SPEC_DRAFT)
        rc = load_draft(g, st, sp, err);
    const int n_layer = (int)g->model->hp.n_layer;
    if (!rc && sp->mode == TOLK_SPEC_SELF) {
        if (!(st->skip = calloc((size_t)n_layer, 1)))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        else if (sp->self_skip) {
            rc = spec_parse_skip(sp->self_skip, n_layer, st->skip, &st->n_skip, err);
            st->skip_ready = 1;
        } else if (n_layer < 3) {
            rc = error_set(err, TOLK_E_ARG, "self-speculation needs a model with at least 3 layers "
                           "(this one has %d)", n_layer);
        }
    }
    if (!rc && sp->mode != TOLK_SPEC_NGRAM) {
        int64_t nv = st->n_vocab;
        if (st->dmodel && st->dmodel->hp.n_vocab < nv)
            nv = st->dmodel->hp.n_vocab;
        /* Draft ids the target does not have are never proposed: the draft samples over the shared ids. */
        rc = sampler_create(&g->sparams, nv, &st->dsmp, err);
    }
    if (!rc && !(st->qdense = calloc((size_t)st->n_vocab, sizeof *st->qdense)))
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    if (!rc && !(st->resid = malloc(sizeof *st->resid * (size_t)st->n_vocab)))
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    if (rc) {
        spec_free(st);
        return rc;
    }
    *out = st;
    return TOLK_OK;
}

int64_t spec_logit_rows(const spec_state *st)
{
    int64_t need = st->k + 1;
    if (st->mode == TOLK_SPEC_SELF && need < SPEC_CAL_ROWS)
        need = SPEC_CAL_ROWS;
    return need;
}

/* ---- the token loop -------------------------------------------------------------------------- */

static int hist_push(spec_state *sp, int32_t tok, tolk_error *err)
{
    if (sp->n_hist == sp->cap_hist) {
        size_t cap = sp->cap_hist ? 2 * sp->cap_hist : 1024;
        int32_t *h = realloc(sp->hist, cap * sizeof *h);
        if (!h)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        sp->hist = h;
        sp->cap_hist = cap;
    }
    sp->hist[sp->n_hist++] = tok;
    return TOLK_OK;
}

/* Takes the target's next token into the output and the history. Returns 1 when generation ends
 * with it, 0 to go on, -TOLK_E_* on error. */
static int push_token(gen_run *r, spec_state *sp, int32_t tok, tolk_error *err)
{
    if (gen_run_push(r, tok))
        return 1;
    int rc = hist_push(sp, tok, err);
    return rc ? -rc : 0;
}

static float prob_of(const sampler_prob *p, int64_t n, int32_t id)
{
    for (int64_t i = 0; i < n; i++)
        if (p[i].id == id)
            return p[i].p;
    return 0.0f;
}

/* Rejection at a drafted position: a draw from max(0, p - q) renormalised, q the draft's
 * distribution there (a point mass on the drafted token when the proposal was deterministic). */
static int32_t draw_residual(gen_ctx *g, spec_state *sp, const sampler_prob *p, int64_t np, int j)
{
    const int32_t d = sp->drafts[j];
    if (sp->nq[j])
        for (int64_t i = 0; i < sp->nq[j]; i++)
            sp->qdense[sp->q[j][i].id] = sp->q[j][i].p;
    else
        sp->qdense[d] = 1.0f;
    int64_t n = 0;
    for (int64_t i = 0; i < np; i++) {
        const float r = p[i].p - sp->qdense[p[i].id];
        if (r > 0.0f)
            sp->resid[n++] = (sampler_prob){p[i].id, r};
    }
    if (sp->nq[j])
        for (int64_t i = 0; i < sp->nq[j]; i++)
            sp->qdense[sp->q[j][i].id] = 0.0f;
    else
        sp->qdense[d] = 0.0f;
    /* p <= q everywhere only happens when p == q up to rounding, and then a rejection is nearly
     * impossible: fall back to p itself. */
    return n ? sampler_draw(g->smp, sp->resid, n) : sampler_draw(g->smp, p, np);
}

/* Verifies cur + nd drafts in one target pass. Accepted drafts go to the output; *next gets the
 * token the target picks after them; *end is set when the output ended inside the step. Returns
 * the accepted count or < 0 on error. */
static int verify(gen_run *r, spec_state *sp, int32_t cur, int nd, int32_t *next, int *end, tolk_error *err)
{
    gen_ctx *g = r->g;
    int32_t batch[SPEC_K_MAX + 1];
    batch[0] = cur;
    memcpy(batch + 1, sp->drafts, sizeof(int32_t) * (size_t)nd);
    const int64_t pos0 = fwd_pos(g->fwd);
    /* Only this call runs token by token: prompt chunks must take the same kernels as in plain
     * decoding, or their cached keys and values would differ in the last bits. */
    fwd_set_rowwise(g->fwd, nd + 1);
    int rc = fwd_eval(g->fwd, batch, nd + 1, 0, err);
    fwd_set_rowwise(g->fwd, 0);
    if (rc)
        return -rc;
    const int greedy = sampler_is_greedy(g->smp);
    int acc = 0;
    *end = 0;
    for (; acc < nd; acc++) {
        const float *row = fwd_logits(g->fwd, acc);
        const int32_t d = sp->drafts[acc];
        int ok;
        if (greedy) {
            const int32_t t = sampler_sample(g->smp, row);
            ok = t == d;
            if (!ok)
                *next = t;
        } else {
            const sampler_prob *p;
            const int64_t np = sampler_probs(g->smp, row, &p);
            const float pd = prob_of(p, np, d);
            const float qd = sp->nq[acc] ? prob_of(sp->q[acc], sp->nq[acc], d) : 1.0f;
            ok = pd > 0.0f && (pd >= qd || sampler_uniform(g->smp) * qd < pd);
            if (!ok)
                *next = draw_residual(g, sp, p, np, acc);
        }
        if (!ok)
            break;
        const int e = push_token(r, sp, d, err);
        if (e < 0)
            return e;
        if (e) {
            *end = 1;
            acc++;
            break;
        }
    }
    if (!*end && acc == nd)
        *next = sampler_sample(g->smp, fwd_logits(g->fwd, nd));
    r->st->n_drafted += nd;
    r->st->n_accepted += acc;
    r->st->n_spec_steps++;
    if ((rc = fwd_rollback(g->fwd, pos0 + 1 + acc, err)))
        return -rc;
    return acc;
}

/* Empties both caches and the history, then fills the history with PROMPT. */
static int spec_restart(gen_ctx *g, spec_state *sp, const tok_ids *prompt, tolk_error *err)
{
    int rc = TOLK_OK;
    if (sp->mode == TOLK_SPEC_SELF && !sp->skip_ready)
        rc = spec_self_calibrate(g, sp, prompt, err);
    if (!rc && sp->dfwd) {
        rc = fwd_rollback(sp->dfwd, 0, err);
        sp->d_done = 0;
    }
    if (sp->dsmp)
        sampler_reset(sp->dsmp, g->sparams.seed ^ 0x5bd1e995u);
    sp->n_hist = 0;
    ref_restart(&sp->ref, prompt->n);
    for (size_t i = 0; i < prompt->n && !rc; i++)
        rc = hist_push(sp, prompt->ids[i], err);
    return rc;
}

/* Whether this step may draft: as the governor says, or where a reference drafts (once the
 * governor has measured plain steps): drafts the governor did not ask for stand only where the
 * reference holds (the output follows it, or re-joined it on a long anchor), since its
 * continuation is the best bet there and the governor's pause came from other drafts; elsewhere
 * the step stays plain, and a substitution guess just made is checked by its token for free. */
static int may_draft(const spec_state *sp, int gov)
{
    return gov || (sp->mode == TOLK_SPEC_NGRAM && sp->ref.n_ref && sp->gov.rate_plain > 0.0);
}

int spec_generate(gen_ctx *g, spec_state *sp, const tok_ids *prompt, int n_predict, int32_t stop_tok,
                  tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err)
{
    gen_run r;
    int rc = gen_run_begin(&r, g, prompt, n_predict, stop_tok, emit, user, st, err);
    if (rc)
        return rc;
    st = r.st;
    const int64_t n_ctx = fwd_n_ctx(g->fwd);
    if (!(rc = spec_restart(g, sp, prompt, err)))
        rc = gen_run_prefill(&r, prompt, err);
    int32_t tok = rc ? 0 : sampler_sample(g->smp, fwd_logits(g->fwd, 0));
    while (!rc && n_predict != 0 && !gen_run_cancelled(&r)) {
        const int e = push_token(&r, sp, tok, err);
        if (e) {
            rc = e < 0 ? -e : TOLK_OK;
            break;
        }
        if ((rc = gen_run_check_room(&r, err)))
            break;
        /* Drafts must fit in the context beside cur, and more than the tokens still wanted
         * would be wasted. */
        const int64_t pos = fwd_pos(g->fwd);
        int64_t kmax = sp->k;
        if (kmax > n_ctx - pos - 1)
            kmax = n_ctx - pos - 1;
        if (n_predict >= 0 && kmax > (int64_t)n_predict - st->n_gen - 1)
            kmax = (int64_t)n_predict - st->n_gen - 1;
        const int64_t n_before = (int64_t)sp->n_hist;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        const int gov = spec_gov_want_draft(&sp->gov);
        int nd = kmax > 0 && may_draft(sp, gov) ? spec_propose(g, sp, (int)kmax, err) : 0;
        if (nd < 0) {
            rc = -nd;
            break;
        }
        if (!gov && !ref_holding(&sp->ref))
            nd = 0; /* see may_draft */
        if (nd < sp->k_min)
            nd = 0;
        int end = 0;
        const int acc = verify(&r, sp, tok, nd, &tok, &end, err);
        if (acc < 0) {
            rc = -acc;
            break;
        }
        if (end)
            break;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        spec_gov_record(&sp->gov, nd > 0, acc + 1,
                        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
        if ((rc = spec_draft_sync(sp, n_before, acc, err)))
            break;
    }
    return gen_run_end(&r, rc);
}
