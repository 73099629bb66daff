/* The public translation calls (tolk.h): prompt building from runtime/translate/ around the
 * session's token loop; one-line templates translate line by line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "error.h"
#include "prompt.h"
#include "glossary.h"
#include "session.h"
#include "term_force.h"
#include "tm.h"

#define TM_DRAFT_MAX 24 /* tokens drafted per step from a TM example: most segments whole */

int tolk_translate_prompt(tolk_model *m, const char *template_path, const char *from, const char *to,
                          const char *text, size_t len, char **prompt, int32_t **ids, size_t *n_ids,
                          tolk_error *err)
{
    chat_template *t = NULL;
    chat_prompt cp = {0};
    tok_ids toks = {0};
    if (!prompt)
        return error_set(err, TOLK_E_ARG, "tolk_translate_prompt: no place for the prompt");
    *prompt = NULL;
    if (ids)
        *ids = NULL;
    if (!m || !m->vocab)
        return error_set(err, m ? TOLK_E_STATE : TOLK_E_ARG, "tolk_translate_prompt: %s", m ? "the model was "
                         "loaded for its metadata only and has no tokenizer" : "no model");
    if (!text && len)
        return error_set(err, TOLK_E_ARG, "tolk_translate_prompt: no text (NULL with length %zu)", len);
    int rc = translate_pick_template(m, template_path, &t, err);
    if (!rc)
        rc = translate_build_prompt(m, t, from, to, text, len, &cp, ids ? &toks : NULL, err);
    if (!rc) {
        *prompt = cp.text;
        cp.text = NULL;
        if (ids) {
            *ids = toks.ids;
            *n_ids = toks.n;
            toks.ids = NULL;
        }
    }
    tok_ids_free(&toks);
    chat_prompt_free(&cp);
    chat_template_free(t);
    return rc;
}

int tolk_translate_template_name(tolk_model *m, const char *template_path, char *buf, size_t size,
                                 tolk_error *err)
{
    if (!m || !m->vocab || !buf || !size)
        return error_set(err, TOLK_E_ARG, "tolk_translate_template_name: no model, tokenizer or buffer");
    chat_template *t = NULL;
    const char *why = NULL;
    int rc = translate_pick_template_why(m, template_path, &t, &why, err);
    if (!rc)
        snprintf(buf, size, "%s (from %s)", chat_family_name(chat_template_family(t)), why ? why : "the model");
    chat_template_free(t);
    return rc;
}

int tolk_session_set_template(tolk_session *s, const char *path, tolk_error *err)
{
    chat_template *t = NULL;
    int rc = translate_pick_template(s->gen.model, path, &t, err);
    if (rc)
        return rc;
    chat_template_free(s->tmpl);
    s->tmpl = t;
    return TOLK_OK;
}

static void add_stats(tolk_stats *sum, const tolk_stats *st)
{
    sum->n_prompt += st->n_prompt;
    sum->n_gen += st->n_gen;
    sum->prompt_ms += st->prompt_ms;
    sum->gen_ms += st->gen_ms;
    if (sum->ttft_ms == 0)
        sum->ttft_ms = st->ttft_ms;
    sum->n_drafted += st->n_drafted;
    sum->n_accepted += st->n_accepted;
    sum->n_spec_steps += st->n_spec_steps;
    sum->cancelled |= st->cancelled;
    if (st->tm_score && (!sum->tm_score || st->tm_score < sum->tm_score))
        sum->tm_score = st->tm_score;
    sum->n_tm_exact += st->n_tm_exact;
    sum->n_terms_forced += st->n_terms_forced;
    sum->prompt_tok_s = sum->prompt_ms > 0 ? sum->n_prompt * 1e3 / sum->prompt_ms : 0;
    sum->gen_tok_s = sum->gen_ms > 0 ? sum->n_gen * 1e3 / sum->gen_ms : 0;
}

/* Where the output should part from the match's target: where the text departs from the match's
 * source, at the same fraction of the way (spec_set_risk). Only the speed depends on it. */
static void tm_risk(tolk_session *s, const char *tm_source, const char *text, size_t len)
{
    tm_buf a = {0}, b = {0};
    float at[REF_RISK_MAX];
    int n = 0;
    if (!tm_key(tm_source, strlen(tm_source), &a) && !tm_key(text, len, &b))
        n = tm_edit_places(a.p, a.n, b.p, b.n, at, REF_RISK_MAX);
    spec_set_risk(s->tm_spec, at, n);
    tm_buf_free(&a);
    tm_buf_free(&b);
}

/* The drafter behind TOLK_TM_DRAFT: n-gram drafting (made once per session, longer drafts than
 * the default) with the match's target tokens as its reference, so drafts follow the approved
 * translation and resynchronise after the words that changed. */
static int tm_drafter(tolk_session *s, const char *target, int few_shot, tolk_error *err)
{
    /* the target as the model would write it: after "German:" (few-shot) with a leading space, at
     * the start of the answer (chat templates) without */
    tok_ids ref = {0};
    size_t n = strlen(target);
    char *spaced = malloc(n + 2);
    if (!spaced)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    spaced[0] = ' ';
    memcpy(spaced + 1, target, n + 1);
    int rc = tok_encode(s->gen.model->vocab, few_shot ? spaced : spaced + 1, few_shot ? n + 1 : n, 0, &ref, err);
    free(spaced);
    if (!s->tm_spec) {
        tolk_spec_params sp;
        spec_params_default(&sp);
        sp.mode = TOLK_SPEC_NGRAM;
        sp.draft_max = TM_DRAFT_MAX;
        if (!rc)
            rc = spec_create(&s->gen, &sp, &s->tm_spec, err);
    }
    if (!rc)
        rc = spec_set_reference(s->tm_spec, ref.ids, ref.n, err);
    tok_ids_free(&ref);
    return rc ? rc : gen_reserve_logits(&s->gen, spec_logit_rows(s->tm_spec), err);
}

/* One translation request: translation memory first (an exact match is the answer; the best fuzzy
 * match becomes an example in the prompt and the speculative draft), then prompt, generation,
 * trimmed output. */
/* Records the glossary terms of one text (at BASE in the caller's text) and whether the
 * translation OUT has their target terms; FORCED (may be NULL) marks those put in by forcing. */
static int record_terms(tolk_session *s, const gloss_hit *hits, int n, size_t base, const char *out, size_t out_len,
                        const unsigned char *forced, tolk_error *err)
{
    if (s->n_terms + n > s->cap_terms) {
        int cap = (s->n_terms + n) * 2 + 8;
        tolk_term *t = realloc(s->terms, sizeof *t * (size_t)cap);
        if (!t)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        s->terms = t;
        s->cap_terms = cap;
    }
    for (int i = 0; i < n; i++) {
        int found = glossary_contains(s->gloss, hits[i].target, out ? out : "", out_len);
        if (found < 0)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        s->terms[s->n_terms++] = (tolk_term){hits[i].source, hits[i].target, base + hits[i].start,
                                             base + hits[i].end, found, found && forced && forced[i]};
    }
    return TOLK_OK;
}

/* Forces each glossary term the answer CAP lacks, in text order (term_force.h): a new answer is
 * kept when it has the term and every term the answer had before; later terms are forced after
 * the earlier forced ones, and not when it ran to the length bound where the answer before had
 * ended by itself (CUT 0: it had). FORCED[i] marks the terms put in; *N_FORCED counts them. */
static int force_terms(tolk_session *s, const force_req *req, const gloss_hit *hits, int n, int cut, capture *cap,
                       unsigned char *forced, int *n_forced, tolk_error *err)
{
    unsigned char *had = calloc((size_t)n, 1);
    if (!had)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    size_t locked = 0;
    int rc = TOLK_OK;
    for (int i = 0; i < n && !rc; i++) {
        for (int k = 0; k < n; k++)
            had[k] = glossary_contains(s->gloss, hits[k].target, cap->p ? cap->p : "", cap->n) == 1;
        if (had[i])
            continue;
        char *nout = NULL;
        size_t nlen = 0, term_end = 0;
        int ran_out = 0;
        rc = term_force(req, cap->p ? cap->p : "", cap->n, locked, hits[i].target, &nout, &nlen, &term_end, &ran_out,
                        err);
        int keep = !rc && nout && (cut || !ran_out) && glossary_contains(s->gloss, hits[i].target, nout, nlen) == 1;
        for (int k = 0; keep && k < n; k++)
            keep = !had[k] || glossary_contains(s->gloss, hits[k].target, nout, nlen) == 1;
        if (keep) {
            free(cap->p);
            cap->p = nout;
            cap->n = nlen;
            cap->cap = nlen + 1;
            locked = term_end;
            forced[i] = 1;
            ++*n_forced;
        } else {
            free(nout);
        }
    }
    free(had);
    return rc;
}

static int translate_one(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                         size_t base, int n_predict, tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err)
{
    gloss_hit *terms = NULL;
    int n_terms = 0;
    chat_prompt cp = {0};
    tok_ids ids = {0};
    tm_hit hit = {0};
    int n_hit = 0, rc = TOLK_OK, single = chat_template_single_line(s->tmpl);
    char *noted = NULL;
    size_t noted_len = 0;
    tolk_stats local;
    if (!st)
        st = &local;
    if (s->gloss && (rc = glossary_find(s->gloss, text, len, &terms, &n_terms, err)))
        return rc;
    if (s->tm && (rc = tm_lookup(s->tm, from, to, text, len, s->tm_min, &hit, 1, &n_hit, err))) {
        free(terms);
        return rc;
    }
    if (n_hit && hit.score == 100 && (s->tm_flags & TOLK_TM_REUSE_EXACT)) {
        /* the approved translation (placeholders as this text spells them), through the same
         * trimming as the model's */
        trim_state trim = {.emit = emit, .user = user, .single_line = single};
        tm_buf src = {0}, adapted = {0};
        if (tm_buf_add(&src, text, len) || tm_adapt_placeholders(hit.source, src.p, hit.target, &adapted))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc)
            translate_trim_emit(adapted.p, adapted.n, &trim);
        if (!rc && trim.failed)
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc && n_terms)
            rc = record_terms(s, terms, n_terms, base, adapted.p, adapted.n, NULL, err);
        tm_buf_free(&src);
        tm_buf_free(&adapted);
        free(trim.held);
        free(terms);
        tm_hit_free(&hit);
        if (st)
            *st = (tolk_stats){.tm_score = 100, .n_tm_exact = 1};
        return rc;
    }
    int few_shot = chat_template_family(s->tmpl) == CHAT_BASE;
    int example = n_hit && (!single || few_shot) && (s->tm_flags & TOLK_TM_EXAMPLE);
    rc = notes_render(from, to, terms, n_terms, example ? hit.source : NULL, example ? hit.target : NULL, few_shot, text,
                      len, &noted, &noted_len, err);
    if (!rc && s->para_context && translate_takes_context(s->tmpl)) {
        char *with_context = NULL;
        size_t with_len = 0;
        rc = translate_add_context(from, few_shot, s->para_context, s->para_context_len, noted, noted_len,
                                   &with_context, &with_len, err);
        if (!rc) {
            free(noted);
            noted = with_context;
            noted_len = with_len;
        }
    }
    if (!rc)
        rc = translate_build_prompt(s->gen.model, s->tmpl, from, to, noted, noted_len, &cp, &ids, err);
    /* with terms to force, the answer is held until it is settled */
    int force = n_terms && !s->no_term_forcing;
    capture cap = {.emit = force ? NULL : emit, .user = user};
    int write_back = s->tm && (s->tm_flags & TOLK_TM_WRITE_BACK), keep = write_back || n_terms;
    trim_state trim = {.emit = keep ? capture_emit : emit, .user = keep ? (void *)&cap : user,
                       .single_line = single};
    int draft = example && (s->tm_flags & TOLK_TM_DRAFT) && !s->spec;
    if (!rc && draft)
        rc = tm_drafter(s, hit.target, few_shot, err);
    if (!rc && draft)
        tm_risk(s, hit.source, text, len);
    if (!rc && draft)
        rc = spec_generate(&s->gen, s->tm_spec, &ids, n_predict, cp.end_marker, translate_trim_emit, &trim, st, err);
    else if (!rc)
        rc = session_generate(s, &ids, n_predict, cp.end_marker, translate_trim_emit, &trim, st, err);
    if (!rc && (trim.failed || cap.failed))
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    if (!rc && st)
        st->tm_score = n_hit ? hit.score : 0;
    unsigned char *forced = force ? calloc((size_t)n_terms, 1) : NULL;
    if (!rc && force && !forced)
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    int n_forced = 0;
    if (!rc && force && !st->cancelled) {
        force_req req = {.s = s, .prompt = &ids, .stop_tok = cp.end_marker, .few_shot = few_shot,
                         .single_line = single, .n_predict = n_predict};
        rc = force_terms(s, &req, terms, n_terms, n_predict >= 0 && st->n_gen >= n_predict, &cap, forced, &n_forced,
                         err);
    }
    if (!rc)
        st->n_terms_forced = n_forced;
    if (!rc && force && emit && cap.n)
        emit(cap.p, cap.n, user);
    if (!rc && n_terms)
        rc = record_terms(s, terms, n_terms, base, cap.p, cap.n, forced, err);
    free(forced);
    if (!rc && write_back && cap.n && !(st && st->cancelled)) {
        if (!from)
            rc = error_set(err, TOLK_E_ARG, "adding translations to the translation memory needs the source "
                           "language (--from)");
        else
            rc = tm_add_plain(s->tm, from, to, text, len, cap.p, cap.n, NULL, err);
    }
    free(cap.p);
    free(trim.held);
    free(noted);
    free(terms);
    tm_hit_free(&hit);
    tok_ids_free(&ids);
    chat_prompt_free(&cp);
    return rc;
}

int tolk_translate(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                   int n_predict, tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err)
{
    int rc = TOLK_OK;
    atomic_store(&s->gen.cancel, 0);
    s->n_terms = 0;
    if (!s->tmpl && (rc = tolk_session_set_template(s, NULL, err)))
        return rc;
    if (!chat_template_single_line(s->tmpl))
        return translate_one(s, from, to, text, len, 0, n_predict, emit, user, st, err);
    /* One-line templates: translate line by line, keeping the line structure. */
    tolk_stats sum = {0}, one;
    for (size_t i = 0; i <= len && !rc;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len, k = i;
        while (k < end && translate_is_space(text[k]))
            k++;
        if (k < end) {
            rc = translate_one(s, from, to, text + i, end - i, i, n_predict, emit, user, &one, err);
            add_stats(&sum, &one);
        }
        if (!nl || rc || sum.cancelled)
            break;
        if (emit && emit("\n", 1, user))
            break;
        i = end + 1;
    }
    if (st)
        *st = sum;
    return rc;
}

/* ---- The TM and glossary around a model run made elsewhere (tolk_translate_prepare, _settle) ---- */

/* S's template; with a one-line template TEXT must be one line. */
static int split_template(tolk_session *s, const char *text, size_t len, tolk_error *err)
{
    int rc = s->tmpl ? TOLK_OK : tolk_session_set_template(s, NULL, err);
    if (!rc && chat_template_single_line(s->tmpl) && len && memchr(text, '\n', len))
        rc = error_set(err, TOLK_E_ARG, "the %s template translates line by line: one line at a time here",
                       chat_family_name(chat_template_family(s->tmpl)));
    return rc;
}

void tolk_tm_plan_free(tolk_tm_plan *p)
{
    if (!p)
        return;
    free(p->answer);
    free(p->text);
    *p = (tolk_tm_plan){0};
}

int tolk_translate_prepare(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                           tolk_tm_plan *plan, tolk_error *err)
{
    *plan = (tolk_tm_plan){0};
    if (!text && len)
        return error_set(err, TOLK_E_ARG, "tolk_translate_prepare: no text");
    int rc = split_template(s, text, len, err);
    if (rc)
        return rc;
    gloss_hit *terms = NULL;
    int n_terms = 0, n_hit = 0;
    tm_hit hit = {0};
    if (s->gloss && (rc = glossary_find(s->gloss, text, len, &terms, &n_terms, err)))
        return rc;
    if (s->tm && (rc = tm_lookup(s->tm, from, to, text, len, s->tm_min, &hit, 1, &n_hit, err))) {
        free(terms);
        return rc;
    }
    plan->n_terms = n_terms;
    plan->tm_score = n_hit ? hit.score : 0;
    if (n_hit && hit.score == 100 && (s->tm_flags & TOLK_TM_REUSE_EXACT)) {
        /* as translate_one: the approved target, this text's placeholders, the same trimming */
        capture cap = {0};
        trim_state trim = {.emit = capture_emit, .user = &cap, .single_line = chat_template_single_line(s->tmpl)};
        tm_buf src = {0}, adapted = {0};
        if (tm_buf_add(&src, text, len) || tm_adapt_placeholders(hit.source, src.p, hit.target, &adapted))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc)
            translate_trim_emit(adapted.p, adapted.n, &trim);
        if (!rc && (trim.failed || cap.failed))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc && !cap.p && !(cap.p = calloc(1, 1)))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc) {
            plan->answer = cap.p;
            plan->answer_len = cap.n;
        } else {
            free(cap.p);
        }
        tm_buf_free(&src);
        tm_buf_free(&adapted);
        free(trim.held);
    } else {
        const int few_shot = chat_template_family(s->tmpl) == CHAT_BASE;
        const int example = n_hit && (!chat_template_single_line(s->tmpl) || few_shot) &&
                            (s->tm_flags & TOLK_TM_EXAMPLE);
        rc = notes_render(from, to, terms, n_terms, example ? hit.source : NULL, example ? hit.target : NULL,
                          few_shot, text, len, &plan->text, &plan->text_len, err);
    }
    free(terms);
    tm_hit_free(&hit);
    if (rc)
        tolk_tm_plan_free(plan);
    return rc;
}

int tolk_translate_settle(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                          const tolk_tm_plan *plan, int n_predict, int n_gen, const char *answer, size_t answer_len,
                          char **out, size_t *out_len, int *n_forced, tolk_error *err)
{
    *out = NULL;
    *out_len = 0;
    *n_forced = 0;
    if ((!text && len) || !plan || !plan->text || (!answer && answer_len))
        return error_set(err, TOLK_E_ARG, "tolk_translate_settle: no text, plan or answer");
    int rc = split_template(s, text, len, err);
    if (rc)
        return rc;
    capture cap = {0};
    if (capture_emit(answer ? answer : "", answer_len, &cap) || cap.failed)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    gloss_hit *terms = NULL;
    int n_terms = 0;
    if (s->gloss && !s->no_term_forcing)
        rc = glossary_find(s->gloss, text, len, &terms, &n_terms, err);
    unsigned char *forced = n_terms ? calloc((size_t)n_terms, 1) : NULL;
    if (!rc && n_terms && !forced)
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    if (!rc && n_terms) {
        chat_prompt cp = {0};
        tok_ids ids = {0};
        rc = translate_build_prompt(s->gen.model, s->tmpl, from, to, plan->text, plan->text_len, &cp, &ids, err);
        const int few_shot = chat_template_family(s->tmpl) == CHAT_BASE;
        force_req req = {.s = s, .prompt = &ids, .stop_tok = cp.end_marker, .few_shot = few_shot,
                         .single_line = chat_template_single_line(s->tmpl), .n_predict = n_predict};
        if (!rc)
            rc = force_terms(s, &req, terms, n_terms, n_predict >= 0 && n_gen >= n_predict, &cap, forced, n_forced,
                             err);
        tok_ids_free(&ids);
        chat_prompt_free(&cp);
    }
    free(forced);
    free(terms);
    if (!rc && !cap.p && !(cap.p = calloc(1, 1)))
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    if (rc) {
        free(cap.p);
        return rc;
    }
    *out = cap.p;
    *out_len = cap.n;
    return TOLK_OK;
}

int tolk_session_translates_by_line(tolk_session *s, tolk_error *err)
{
    int rc = s->tmpl ? TOLK_OK : tolk_session_set_template(s, NULL, err);
    return rc ? -rc : chat_template_single_line(s->tmpl);
}
