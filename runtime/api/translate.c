/* The public translation calls (tolk.h): prompt building from runtime/translate/ around the
 * session's token loop; one-line templates translate line by line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "error.h"
#include "prompt.h"
#include "session.h"

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
    sum->prompt_tok_s = sum->prompt_ms > 0 ? sum->n_prompt * 1e3 / sum->prompt_ms : 0;
    sum->gen_tok_s = sum->gen_ms > 0 ? sum->n_gen * 1e3 / sum->gen_ms : 0;
}

/* One translation request: prompt for TEXT, generation, trimmed output. */
static int translate_one(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                         int n_predict, tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err)
{
    chat_prompt cp = {0};
    tok_ids ids = {0};
    int rc = translate_build_prompt(s->gen.model, s->tmpl, from, to, text, len, &cp, &ids, err);
    trim_state trim = {.emit = emit, .user = user, .single_line = chat_template_single_line(s->tmpl)};
    if (!rc)
        rc = session_generate(s, &ids, n_predict, cp.end_marker, translate_trim_emit, &trim, st, err);
    if (!rc && trim.failed)
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    free(trim.held);
    tok_ids_free(&ids);
    chat_prompt_free(&cp);
    return rc;
}

int tolk_translate(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                   int n_predict, tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err)
{
    int rc = TOLK_OK;
    atomic_store(&s->gen.cancel, 0);
    if (!s->tmpl && (rc = tolk_session_set_template(s, NULL, err)))
        return rc;
    if (!chat_template_single_line(s->tmpl))
        return translate_one(s, from, to, text, len, n_predict, emit, user, st, err);
    /* One-line templates: translate line by line, keeping the line structure. */
    tolk_stats sum = {0}, one;
    for (size_t i = 0; i <= len && !rc;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len, k = i;
        while (k < end && translate_is_space(text[k]))
            k++;
        if (k < end) {
            rc = translate_one(s, from, to, text + i, end - i, n_predict, emit, user, &one, err);
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
