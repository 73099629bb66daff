/* The notes ahead of a text to translate (glossary.h): glossary terms to use and a similar,
 * already approved translation from the translation memory, as plain text in the user's turn (so
 * nothing in them can become a control token), followed by the text under a heading that marks
 * where it starts; for completion-style prompts, earlier source/target lines (few-shot). docs/TM.md
 * shows both layouts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "error.h"
#include "glossary.h"

typedef struct sbuf {
    char *p;
    size_t n, cap;
    int fail;
} sbuf;

static void add(sbuf *b, const char *s, size_t n)
{
    if (b->fail)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2 + 256;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->fail = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void adds(sbuf *b, const char *s)
{
    add(b, s, strlen(s));
}

/* Few-shot form for completion-style (base model) prompts, whose template ends in
 * "{label}: {text}\n{tgt}:": the glossary entries (as one "a; b" line pair) and the example become
 * earlier "{label}: source\n{tgt}: target" lines, so TEXT is written as
 * "TERM; TERM\n{tgt}: TARGET; TARGET\n{label}: EX_SOURCE\n{tgt}: EX_TARGET\n{label}: TEXT". */
static void few_shot_pair(sbuf *b, const char *label, const char *tgt, const char *source, const char *target)
{
    adds(b, source);
    adds(b, "\n");
    adds(b, tgt);
    adds(b, ": ");
    adds(b, target);
    adds(b, "\n");
    adds(b, label);
    adds(b, ": ");
}

/* A note text must stay on one line in the few-shot form. */
static int one_line(const char *s)
{
    return !strchr(s, '\n') && !strchr(s, '\r');
}

int notes_render(const char *from, const char *to, const gloss_hit *hits, int n_hits, const char *ex_source,
                 const char *ex_target, int few_shot, const char *text, size_t len, char **out, size_t *out_len,
                 tolk_error *err)
{
    const char *src = NULL, *tgt = NULL;
    sbuf b = {0};
    if (few_shot) {
        const char *label = from && !lang_resolve(from, &src, NULL) ? src : "Text";
        if (!to || lang_resolve(to, &tgt, NULL))
            tgt = "Translation";
        /* the terms as one pair of lines: "a; b; c" and their targets in the same order */
        int n_ok = 0;
        for (int i = 0; i < n_hits; i++)
            if (one_line(hits[i].source) && one_line(hits[i].target)) {
                adds(&b, n_ok++ ? "; " : "");
                adds(&b, hits[i].source);
            }
        if (n_ok) {
            adds(&b, "\n");
            adds(&b, tgt);
            adds(&b, ": ");
            for (int i = 0, k = 0; i < n_hits; i++)
                if (one_line(hits[i].source) && one_line(hits[i].target)) {
                    adds(&b, k++ ? "; " : "");
                    adds(&b, hits[i].target);
                }
            adds(&b, "\n");
            adds(&b, label);
            adds(&b, ": ");
        }
        if (ex_source && ex_target && one_line(ex_source) && one_line(ex_target))
            few_shot_pair(&b, label, tgt, ex_source, ex_target);
        add(&b, text, len);
        if (b.fail || !b.p) {
            free(b.p);
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        }
        *out = b.p;
        *out_len = b.n;
        return TOLK_OK;
    }
    if (!from || lang_resolve(from, &src, NULL))
        src = "Source";
    if (!to || lang_resolve(to, &tgt, NULL))
        tgt = "Translation";
    if (n_hits > 0) {
        adds(&b, "Use these terms:\n");
        for (int i = 0; i < n_hits; i++) {
            adds(&b, "- ");
            adds(&b, hits[i].source);
            adds(&b, " = ");
            adds(&b, hits[i].target);
            adds(&b, "\n");
        }
        adds(&b, "\n");
    }
    if (ex_source && ex_target) {
        adds(&b, "A similar text and its approved translation:\n");
        adds(&b, src);
        adds(&b, ": ");
        adds(&b, ex_source);
        adds(&b, "\n");
        adds(&b, tgt);
        adds(&b, ": ");
        adds(&b, ex_target);
        adds(&b, "\n\n");
    }
    if (b.n)
        adds(&b, "Text to translate:\n");
    add(&b, text, len);
    if (b.fail || !b.p) {
        free(b.p);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    *out = b.p;
    *out_len = b.n;
    return TOLK_OK;
}
