/* Translation prompts and output: picks the template (a file, or the one the model's family uses),
 * resolves language names, renders and tokenizes the prompt with user text kept out of
 * special-token parsing, and trims the streamed translation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "error.h"
#include "prompt.h"

/* The template to use: a file when given, else the one detected from the model (known
 * translation models by general.name / general.basename first). */
int translate_pick_template(const tolk_model *m, const char *path, chat_template **out, tolk_error *err)
{
    return translate_pick_template_why(m, path, out, NULL, err);
}

int translate_pick_template_why(const tolk_model *m, const char *path, chat_template **out, const char **why,
                                tolk_error *err)
{
    if (why)
        *why = "--template";
    if (path)
        return chat_template_load(path, out, err);
    char arch[64], name[256] = "", base[128] = "", both[400];
    const char *a = gguf_get_cstr(m->file, "general.architecture", arch, sizeof arch);
    gguf_get_cstr(m->file, "general.name", name, sizeof name);
    gguf_get_cstr(m->file, "general.basename", base, sizeof base);
    snprintf(both, sizeof both, "%s %s", name, base);
    return chat_template_detect_model(m->vocab, a, both, out, why, err);
}

/* Renders and tokenizes the translation prompt with template T. */
int translate_build_prompt(const tolk_model *m, const chat_template *t, const char *from, const char *to, const char *text,
                        size_t len, chat_prompt *cp, tok_ids *ids, tolk_error *err)
{
    const char *src = NULL, *tgt = NULL;
    int rc;
    if (!to)
        return error_set(err, TOLK_E_ARG, "no target language given (--to LANG)");
    if ((rc = lang_resolve(to, &tgt, err)) || (from && (rc = lang_resolve(from, &src, err))))
        return rc;
    if ((rc = chat_render(t, m->vocab, src, tgt, text, len, cp, err)))
        return rc;
    return ids ? chat_tokenize(m->vocab, cp, ids, err) : TOLK_OK;
}

int translate_takes_context(const chat_template *t)
{
    switch (chat_template_family(t)) {
    case CHAT_HUNYUAN_MT:
    case CHAT_HUNYUAN_MT_OLD:
    case CHAT_TRANSLATEGEMMA:
    case CHAT_TOWER:
    case CHAT_SEEDX:
        return 0;
    default:
        return 1;
    }
}

int translate_add_context(const char *from, int few_shot, const char *context, size_t context_len,
                          const char *text, size_t len, char **out, size_t *out_len, tolk_error *err)
{
    const char *src = NULL;
    if (!from || lang_resolve(from, &src, NULL))
        src = "source";
    /* a long paragraph is cut (at a space) so the sentence keeps room in the context window */
    const size_t max_context = 4000;
    if (context_len > max_context) {
        size_t k = max_context;
        while (k > max_context / 2 && context[k] != ' ')
            k--;
        context_len = k;
    }
    /* the paragraph on one line (a line break would end the few-shot line it stands on) */
    char *flat = malloc(context_len + 1);
    if (!flat)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    for (size_t i = 0; i < context_len; i++)
        flat[i] = context[i] == '\n' || context[i] == '\r' ? ' ' : context[i];
    flat[context_len] = 0;
    /* completion style: the sentence stays on the "{label}:" line the template continues and the
     * paragraph follows as a note (a small base model answers the sentence's line and, at most,
     * imitates the note on a next line, which single-line trimming drops); chat style: the
     * paragraph first, then the one sentence to translate */
    const char *head = few_shot ? "" : "The paragraph this sentence comes from (context only, do not translate it):\n";
    char mid[160];
    if (few_shot)
        snprintf(mid, sizeof mid, "%s", "\n(This sentence is from the paragraph: ");
    else
        snprintf(mid, sizeof mid, "\n\nTranslate only this sentence of it (the %s text):\n", src);
    const char *tail = few_shot ? ")" : "";
    size_t n = strlen(head) + context_len + strlen(mid) + len + strlen(tail);
    char *b = malloc(n + 1);
    if (!b) {
        free(flat);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    size_t at = 0;
    if (few_shot) {
        memcpy(b, text, len);
        at = len;
        at += (size_t)snprintf(b + at, n + 1 - at, "%s%s%s", mid, flat, tail);
    } else {
        at = (size_t)snprintf(b, n + 1, "%s%s%s", head, flat, mid);
        memcpy(b + at, text, len);
        at += len;
        b[at] = 0;
    }
    free(flat);
    *out = b;
    *out_len = at;
    return TOLK_OK;
}

/* Trims the translation as it streams: leading whitespace is dropped, trailing whitespace is held
 * back until more text follows, so the end of the stream carries no stray newlines. */
int translate_is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

int translate_trim_emit(const char *text, size_t len, void *user)
{
    trim_state *t = user;
    size_t i = 0;
    if (!t->started) {
        while (i < len && translate_is_space(text[i]))
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
    while (end > i && translate_is_space(text[end - 1]))
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

