/* Translation on top of the session's token loop: resolve language names, render the model
 * family's chat prompt (or a template file) with user text kept out of special-token parsing,
 * generate until an end-of-generation token, and stream only the translation. */
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "error.h"
#include "session.h"

int tolk_model_load_vocab(const char *path, tolk_model **out, tolk_error *err)
{
    *out = NULL;
    tolk_model *m = calloc(1, sizeof *m);
    if (!m)
        return tolk_fail(err, TOLK_E_NOMEM, "out of memory");
    int rc = TOLK_OK;
    if (!(m->file = gguf_open(path, err)))
        rc = err ? err->code : TOLK_E_IO;
    m->owns_file = true;
    if (!rc && (rc = tok_vocab_load(m->file, &m->vocab, err)))
        tolk_error_prefix(err, path);
    if (rc) {
        model_close(m);
        return rc;
    }
    *out = m;
    return TOLK_OK;
}

/* The template to use: a file when given, else the one detected from the model. */
static int pick_template(tolk_model *m, const char *path, chat_template **out, tolk_error *err)
{
    if (path)
        return chat_template_load(path, out, err);
    char arch[64];
    const char *a = gguf_get_cstr(m->file, "general.architecture", arch, sizeof arch);
    return chat_template_detect(m->vocab, a, out, err);
}

/* Renders and tokenizes the translation prompt with template T. */
static int build_prompt(tolk_model *m, const chat_template *t, const char *from, const char *to, const char *text,
                        size_t len, chat_prompt *cp, tok_ids *ids, tolk_error *err)
{
    const char *src = NULL, *tgt = NULL;
    int rc;
    if (!to)
        return tolk_fail(err, TOLK_E_ARG, "no target language given (--to LANG)");
    if ((rc = lang_resolve(to, &tgt, err)) || (from && (rc = lang_resolve(from, &src, err))))
        return rc;
    if ((rc = chat_render(t, m->vocab, src, tgt, text, len, cp, err)))
        return rc;
    return ids ? chat_tokenize(m->vocab, cp, ids, err) : TOLK_OK;
}

int tolk_translate_prompt(tolk_model *m, const char *template_path, const char *from, const char *to,
                          const char *text, size_t len, char **prompt, int32_t **ids, size_t *n_ids,
                          tolk_error *err)
{
    chat_template *t = NULL;
    chat_prompt cp = {0};
    tok_ids toks = {0};
    *prompt = NULL;
    if (ids)
        *ids = NULL;
    int rc = pick_template(m, template_path, &t, err);
    if (!rc)
        rc = build_prompt(m, t, from, to, text, len, &cp, ids ? &toks : NULL, err);
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

int tolk_session_set_template(tolk_session *s, const char *path, tolk_error *err)
{
    chat_template *t = NULL;
    int rc = pick_template(s->model, path, &t, err);
    if (rc)
        return rc;
    chat_template_free(s->tmpl);
    s->tmpl = t;
    return TOLK_OK;
}

/* Trims the translation as it streams: leading whitespace is dropped, trailing whitespace is held
 * back until more text follows, so the end of the stream carries no stray newlines. */
typedef struct trim_state {
    tolk_emit_fn emit;
    void *user;
    int started;
    char *held;
    size_t n_held, cap;
    int failed;
    int single_line; /* stop at the first newline after the translation started */
} trim_state;

static int is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static int trim_emit(const char *text, size_t len, void *user)
{
    trim_state *t = user;
    size_t i = 0;
    if (!t->started) {
        while (i < len && is_space(text[i]))
            i++;
        if (i == len)
            return 0;
        t->started = 1;
    }
    int stop = 0;
    if (t->single_line) {
        const char *nl = memchr(text + i, '\n', len - i);
        if (nl) {
            len = (size_t)(nl - text);
            stop = 1;
        }
    }
    size_t end = len;
    while (end > i && is_space(text[end - 1]))
        end--;
    if (end > i) {
        if (t->n_held && t->emit && t->emit(t->held, t->n_held, t->user))
            return 1;
        t->n_held = 0;
        if (t->emit && t->emit(text + i, end - i, t->user))
            return 1;
    }
    size_t tail = len - (end > i ? end : i);
    if (tail) {
        if (t->n_held + tail > t->cap) {
            size_t cap = (t->n_held + tail) * 2;
            char *p = realloc(t->held, cap);
            if (!p) {
                t->failed = 1;
                return 1;
            }
            t->held = p;
            t->cap = cap;
        }
        memcpy(t->held + t->n_held, text + len - tail, tail);
        t->n_held += tail;
    }
    return stop;
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
    int rc = build_prompt(s->model, s->tmpl, from, to, text, len, &cp, &ids, err);
    trim_state trim = {.emit = emit, .user = user, .single_line = chat_template_single_line(s->tmpl)};
    if (!rc)
        rc = session_generate(s, &ids, n_predict, cp.end_marker, trim_emit, &trim, st, err);
    if (!rc && trim.failed)
        rc = tolk_fail(err, TOLK_E_NOMEM, "out of memory");
    free(trim.held);
    tok_ids_free(&ids);
    chat_prompt_free(&cp);
    return rc;
}

int tolk_translate(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                   int n_predict, tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err)
{
    int rc = TOLK_OK;
    atomic_store(&s->cancel, 0);
    if (!s->tmpl && (rc = tolk_session_set_template(s, NULL, err)))
        return rc;
    if (!chat_template_single_line(s->tmpl))
        return translate_one(s, from, to, text, len, n_predict, emit, user, st, err);
    /* One-line templates: translate line by line, keeping the line structure. */
    tolk_stats sum = {0}, one;
    for (size_t i = 0; i <= len && !rc;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len, k = i;
        while (k < end && is_space(text[k]))
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
