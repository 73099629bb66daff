/* The public session calls (tolk.h): creating a session over a model (thread plan, forward context,
 * sampler), cancelling, raw completion, and switching speculative decoding on or off. */
#include <config.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "session.h"
#include "simd.h"
#include "threads.h"

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
    if (!m->arch)
        return error_set(err, TOLK_E_ARG, "this model was loaded for its vocabulary only and cannot run");
    tolk_session *s = calloc(1, sizeof *s);
    if (!s)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    s->params = *p;
    /* The plan stays the session's: its forward contexts run that many threads on those CPUs,
     * and nothing process-wide changes, so sessions with other settings are not affected. */
    int rc = threads_plan_make(&s->plan, p->n_threads, p->cpu_mask, p->numa, err);
    if (!rc) {
        const fwd_params fp = {.n_ctx = p->n_ctx, .n_logits = 1,
                               .kv_type = p->kv_q8 ? TOLK_TYPE_Q8_0 : TOLK_TYPE_F16,
                               .n_threads = s->plan.n_threads, .cpus = s->plan.cpus,
                               .n_cpus = s->plan.n_cpus};
        const sampler_params sp = {.temp = p->temp, .top_k = p->top_k, .top_p = p->top_p, .min_p = p->min_p,
                                   .repeat_penalty = p->repeat_penalty, .repeat_last_n = p->repeat_last_n,
                                   .seed = p->seed};
        rc = gen_init(&s->gen, m, &fp, &sp, err);
    }
    if (rc) {
        free(s);
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
    spec_free(s->tm_spec);
    free(s->terms);
    gen_free(&s->gen);
    chat_template_free(s->tmpl);
    free(s);
}

void tolk_session_cancel(tolk_session *s)
{
    atomic_store(&s->gen.cancel, 1);
}

int session_generate(tolk_session *s, const tok_ids *prompt, int n_predict, int32_t stop_tok, tolk_emit_fn emit,
                     void *user, tolk_stats *st, tolk_error *err)
{
    if (s->spec)
        return spec_generate(&s->gen, s->spec, prompt, n_predict, stop_tok, emit, user, st, err);
    return gen_plain(&s->gen, prompt, n_predict, stop_tok, emit, user, st, err);
}

int tolk_complete(tolk_session *s, const char *prompt, size_t len, int n_predict, tolk_emit_fn emit,
                  void *user, tolk_stats *st, tolk_error *err)
{
    const tok_vocab *voc = s->gen.model->vocab;
    tok_ids ids = {0};
    atomic_store(&s->gen.cancel, 0);
    unsigned flags = TOK_PARSE_SPECIAL | (tok_wants_bos(voc) ? TOK_ADD_BOS : 0);
    int rc = tok_encode(voc, prompt, len, flags, &ids, err);
    if (!rc)
        rc = session_generate(s, &ids, n_predict, -1, emit, user, st, err);
    tok_ids_free(&ids);
    return rc;
}

void tolk_spec_params_default(tolk_spec_params *sp)
{
    spec_params_default(sp);
}

int tolk_session_set_spec(tolk_session *s, const tolk_spec_params *sp, tolk_error *err)
{
    int rc = spec_check_params(sp, err);
    if (rc)
        return rc;
    spec_state *st = NULL;
    if (sp->mode != TOLK_SPEC_NONE) {
        if ((rc = spec_create(&s->gen, sp, &st, err)))
            return rc;
        if ((rc = gen_reserve_logits(&s->gen, spec_logit_rows(st), err))) {
            spec_free(st);
            return rc;
        }
    }
    spec_free(s->spec);
    s->spec = st;
    return TOLK_OK;
}
