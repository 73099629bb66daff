/* The public API's model and session objects (tolk.h): a model bundles the weights with its
 * tokenizer; a session owns a forward context (KV cache + scratch), a sampler and the statistics,
 * and runs the token loop shared by the CLI and the TUI. */
#include <config.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat.h"
#include "error.h"
#include "forward.h"
#include "model.h"
#include "sampler.h"
#include "simd.h"
#include "session.h"
#include "speculative.h"
#include "threads.h"
#include "tokenizer.h"

double session_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* ---- models ---------------------------------------------------------------------------------- */

int tolk_model_load(const char *path, tolk_model **out, tolk_error *err)
{
    *out = NULL;
    tolk_model *m = NULL;
    int rc = model_open(path, &m, err);
    if (rc)
        return rc;
    if ((rc = tok_vocab_load(m->file, &m->vocab, err))) {
        tolk_error_prefix(err, path);
        model_close(m);
        return rc;
    }
    *out = m;
    return TOLK_OK;
}

void tolk_model_free(tolk_model *m)
{
    model_close(m);
}

const char *tolk_model_arch(const tolk_model *m)
{
    return m->arch->name;
}

const char *tolk_model_desc(const tolk_model *m)
{
    gguf_str s;
    if (gguf_get_str(m->file, "general.name", &s) && s.len && s.len < sizeof m->desc) {
        memcpy((char *)m->desc, s.ptr, s.len);
        ((char *)m->desc)[s.len] = '\0';
        return m->desc;
    }
    const char *p = strrchr(gguf_path(m->file), '/');
    return p ? p + 1 : gguf_path(m->file);
}

int64_t tolk_model_n_params(const tolk_model *m)
{
    int64_t n = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(m->file); i++)
        n += (int64_t)gguf_tensor_at(m->file, i)->n_elements;
    return n;
}

uint64_t tolk_model_size(const tolk_model *m)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(m->file); i++)
        n += gguf_tensor_at(m->file, i)->nbytes;
    return n;
}

/* ---- sessions -------------------------------------------------------------------------------- */

void tolk_params_default(tolk_params *p)
{
    sampler_params sp;
    sampler_default_params(&sp);
    memset(p, 0, sizeof *p);
    p->temp = sp.temp;
    p->top_k = sp.top_k;
    p->top_p = sp.top_p;
    p->min_p = sp.min_p;
    p->repeat_penalty = sp.repeat_penalty;
    p->repeat_last_n = sp.repeat_last_n;
    p->seed = (uint64_t)time(NULL);
}

int tolk_session_new(tolk_model *m, const tolk_params *p, tolk_session **out, tolk_error *err)
{
    *out = NULL;
    tolk_session *s = calloc(1, sizeof *s);
    if (!s)
        return tolk_fail(err, TOLK_E_NOMEM, "out of memory");
    s->model = m;
    s->params = *p;
    threads_plan plan;
    int rc = threads_plan_make(&plan, p->n_threads, p->cpu_mask, p->numa, err);
    if (!rc)
        rc = threads_apply(&plan, err);
    if (!rc) {
        fwd_params fp = {.n_ctx = p->n_ctx, .n_logits = 1,
                         .kv_type = p->kv_q8 ? TOLK_TYPE_Q8_0 : TOLK_TYPE_F16,
                         .n_threads = plan.n_threads};
        s->n_threads = plan.n_threads;
        s->fp = fp;
        rc = fwd_create(m, &fp, &s->fwd, err);
    }
    if (!rc) {
        sampler_params sp = {.temp = p->temp, .top_k = p->top_k, .top_p = p->top_p, .min_p = p->min_p,
                             .repeat_penalty = p->repeat_penalty, .repeat_last_n = p->repeat_last_n,
                             .seed = p->seed};
        rc = sampler_create(&sp, m->hp.n_vocab, &s->smp, err);
    }
    if (rc) {
        tolk_session_free(s);
        return rc;
    }
    *out = s;
    return TOLK_OK;
}

void tolk_session_free(tolk_session *s)
{
    if (!s)
        return;
    spec_free(s->spec);
    sampler_free(s->smp);
    fwd_free(s->fwd);
    chat_template_free(s->tmpl);
    free(s);
}

void tolk_session_cancel(tolk_session *s)
{
    atomic_store(&s->cancel, 1);
}

int session_emit(tolk_emit_fn emit, void *user, const char *text, size_t len)
{
    return emit && len ? emit(text, len, user) : 0;
}

void session_finish_stats(tolk_stats *st, double t_first, double t_end)
{
    st->gen_ms = st->n_gen > 1 ? t_end - t_first : 0.0;
    st->prompt_tok_s = st->prompt_ms > 0 ? st->n_prompt * 1e3 / st->prompt_ms : 0.0;
    st->gen_tok_s = st->gen_ms > 0 ? (st->n_gen - 1) * 1e3 / st->gen_ms : 0.0;
}

int session_generate(tolk_session *s, const tok_ids *prompt, int n_predict, int32_t stop_tok, tolk_emit_fn emit,
                     void *user, tolk_stats *st, tolk_error *err)
{
    if (s->spec)
        return spec_generate(s, prompt, n_predict, stop_tok, emit, user, st, err);
    tolk_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    const tok_vocab *voc = s->model->vocab;
    if (prompt->n == 0)
        return tolk_fail(err, TOLK_E_ARG, "the prompt is empty and the model adds no BOS token");
    if ((int64_t)prompt->n >= fwd_n_ctx(s->fwd))
        return tolk_fail(err, TOLK_E_STATE, "the prompt has %zu tokens but the context holds %lld; raise -c",
                         prompt->n, (long long)fwd_n_ctx(s->fwd));
    int rc = fwd_rollback(s->fwd, 0, err);
    if (rc)
        return rc;
    sampler_reset(s->smp, s->params.seed);
    tok_stream ts;
    if ((rc = tok_stream_init(&ts, voc, 0, err)))
        return rc;
    const double t0 = session_now_ms();
    rc = fwd_eval(s->fwd, prompt->ids, (int64_t)prompt->n, (int64_t)prompt->n - 1, err);
    const double t1 = session_now_ms();
    st->n_prompt = (int)prompt->n;
    st->prompt_ms = t1 - t0;
    for (size_t i = 0; i < prompt->n; i++)
        sampler_accept(s->smp, prompt->ids[i]);
    double t_first = t1;
    int stop = 0;
    while (!rc && !stop && (n_predict < 0 || st->n_gen < n_predict)) {
        if (atomic_load(&s->cancel)) {
            st->cancelled = 1;
            break;
        }
        int32_t tok = sampler_sample(s->smp, fwd_logits(s->fwd, 0));
        if (st->n_gen == 0) {
            t_first = session_now_ms();
            st->ttft_ms = t_first - t0;
        }
        if (tok_is_eog(voc, tok) || tok == stop_tok)
            break;
        st->n_gen++;
        sampler_accept(s->smp, tok);
        const char *text;
        size_t len;
        tok_stream_feed(&ts, tok, &text, &len);
        stop = session_emit(emit, user, text, len);
        if (stop || (n_predict >= 0 && st->n_gen >= n_predict))
            break;
        if (fwd_pos(s->fwd) >= fwd_n_ctx(s->fwd)) {
            rc = tolk_fail(err, TOLK_E_STATE, "context full after %lld positions; raise -c",
                           (long long)fwd_n_ctx(s->fwd));
            break;
        }
        rc = fwd_eval(s->fwd, &tok, 1, 0, err);
    }
    const char *text;
    size_t len;
    tok_stream_flush(&ts, &text, &len);
    if (!stop)
        session_emit(emit, user, text, len);
    tok_stream_free(&ts);
    session_finish_stats(st, t_first, session_now_ms());
    return rc;
}

int tolk_complete(tolk_session *s, const char *prompt, size_t len, int n_predict, tolk_emit_fn emit,
                  void *user, tolk_stats *st, tolk_error *err)
{
    const tok_vocab *voc = s->model->vocab;
    tok_ids ids = {0};
    atomic_store(&s->cancel, 0);
    unsigned flags = TOK_PARSE_SPECIAL | (tok_wants_bos(voc) ? TOK_ADD_BOS : 0);
    int rc = tok_encode(voc, prompt, len, flags, &ids, err);
    if (!rc)
        rc = session_generate(s, &ids, n_predict, -1, emit, user, st, err);
    tok_ids_free(&ids);
    return rc;
}
