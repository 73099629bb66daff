/* The token loop shared by plain and speculative decoding (generate.h). */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "generate.h"

double gen_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int gen_init(gen_ctx *g, const tolk_model *m, const fwd_params *fp, const sampler_params *sp, tolk_error *err)
{
    memset(g, 0, sizeof *g);
    g->model = m;
    g->fp = *fp;
    g->sparams = *sp;
    atomic_init(&g->cancel, 0);
    int rc = fwd_create(m, fp, &g->fwd, err);
    if (!rc)
        rc = sampler_create(sp, m->hp.n_vocab, &g->smp, err);
    if (rc)
        gen_free(g);
    return rc;
}

void gen_free(gen_ctx *g)
{
    sampler_free(g->smp);
    fwd_free(g->fwd);
    g->smp = NULL;
    g->fwd = NULL;
}

int gen_reserve_logits(gen_ctx *g, int64_t n, tolk_error *err)
{
    if (g->fp.n_logits >= n)
        return TOLK_OK;
    fwd_params fp = g->fp;
    fp.n_logits = n;
    fwd_ctx *f;
    int rc = fwd_create(g->model, &fp, &f, err);
    if (rc)
        return rc;
    fwd_free(g->fwd);
    g->fwd = f;
    g->fp = fp;
    return TOLK_OK;
}

int gen_run_begin(gen_run *r, gen_ctx *g, const tok_ids *prompt, int n_predict, int32_t stop_tok,
                  tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err)
{
    memset(r, 0, sizeof *r);
    r->g = g;
    r->voc = g->model->vocab;
    r->emit = emit;
    r->user = user;
    r->stop_tok = stop_tok;
    r->n_predict = n_predict;
    r->st = st ? st : &r->local;
    memset(r->st, 0, sizeof *r->st);
    if (prompt->n == 0)
        return error_set(err, TOLK_E_ARG, "the prompt is empty and the model adds no BOS token");
    if ((int64_t)prompt->n >= fwd_n_ctx(g->fwd))
        return error_set(err, TOLK_E_STATE, "the prompt has %zu tokens but the context holds %lld; raise -c",
                         prompt->n, (long long)fwd_n_ctx(g->fwd));
    r->t0 = r->t_first = gen_now_ms();
    return tok_stream_init(&r->ts, r->voc, 0, err);
}

int gen_run_prefill(gen_run *r, const tok_ids *prompt, tolk_error *err)
{
    gen_ctx *g = r->g;
    int rc = fwd_rollback(g->fwd, 0, err);
    if (rc)
        return rc;
    sampler_reset(g->smp, g->sparams.seed);
    const double t = gen_now_ms();
    rc = fwd_eval(g->fwd, prompt->ids, (int64_t)prompt->n, (int64_t)prompt->n - 1, err);
    r->st->n_prompt = (int)prompt->n;
    r->st->prompt_ms = gen_now_ms() - t;
    r->t_first = gen_now_ms();
    for (size_t i = 0; i < prompt->n; i++)
        sampler_accept(g->smp, prompt->ids[i]);
    return rc;
}

int gen_run_cancelled(gen_run *r)
{
    if (!atomic_load(&r->g->cancel))
        return 0;
    r->st->cancelled = 1;
    return 1;
}

int gen_run_push(gen_run *r, int32_t tok)
{
    tolk_stats *st = r->st;
    if (st->ttft_ms == 0) {
        r->t_first = gen_now_ms();
        st->ttft_ms = r->t_first - r->t0;
    }
    if (tok_is_eog(r->voc, tok) || tok == r->stop_tok || (r->n_predict >= 0 && st->n_gen >= r->n_predict))
        return 1;
    st->n_gen++;
    sampler_accept(r->g->smp, tok);
    const char *text;
    size_t len;
    tok_stream_feed(&r->ts, tok, &text, &len);
    if (r->emit && len && (r->stopped = r->emit(text, len, r->user)))
        return 1;
    return r->n_predict >= 0 && st->n_gen >= r->n_predict;
}

int gen_run_check_room(const gen_run *r, tolk_error *err)
{
    const int64_t n_ctx = fwd_n_ctx(r->g->fwd);
    if (fwd_pos(r->g->fwd) >= n_ctx)
        return error_set(err, TOLK_E_STATE, "context full after %lld positions; raise -c", (long long)n_ctx);
    return TOLK_OK;
}

int gen_run_end(gen_run *r, int rc)
{
    const char *text;
    size_t len;
    tok_stream_flush(&r->ts, &text, &len);
    if (!r->stopped && r->emit && len)
        r->emit(text, len, r->user);
    tok_stream_free(&r->ts);
    tolk_stats *st = r->st;
    st->gen_ms = st->n_gen > 1 ? gen_now_ms() - r->t_first : 0.0;
    st->prompt_tok_s = st->prompt_ms > 0 ? st->n_prompt * 1e3 / st->prompt_ms : 0.0;
    st->gen_tok_s = st->gen_ms > 0 ? (st->n_gen - 1) * 1e3 / st->gen_ms : 0.0;
    return rc;
}

int gen_plain(gen_ctx *g, const tok_ids *prompt, int n_predict, int32_t stop_tok, tolk_emit_fn emit, void *user,
              tolk_stats *st, tolk_error *err)
{
    gen_run r;
    int rc = gen_run_begin(&r, g, prompt, n_predict, stop_tok, emit, user, st, err);
    if (rc)
        return rc;
    rc = gen_run_prefill(&r, prompt, err);
    float *filtered = NULL; /* the logits after logit_filter */
    const int64_t n_vocab = fwd_n_vocab(g->fwd);
    int32_t last = -1;
    while (!rc && n_predict != 0 && !gen_run_cancelled(&r)) {
        const float *logits = fwd_logits(g->fwd, 0);
        if (g->logit_filter) {
            if (!filtered && !(filtered = malloc((size_t)n_vocab * sizeof *filtered))) {
                rc = error_set(err, TOLK_E_NOMEM, "out of memory");
                break;
            }
            memcpy(filtered, logits, (size_t)n_vocab * sizeof *filtered);
            g->logit_filter(g->filter_user, filtered, n_vocab, last);
            logits = filtered;
        }
        int32_t tok = last = sampler_sample(g->smp, logits);
        if (gen_run_push(&r, tok) || (rc = gen_run_check_room(&r, err)))
            break;
        rc = fwd_eval(g->fwd, &tok, 1, 0, err);
    }
    free(filtered);
    return gen_run_end(&r, rc);
}
