/* The notes ahead of a text to translate (glossary.h): glossary terms to use and a similar,
 * already approved translation from the translation memory, as plain text in the user's turn (so
 * nothing in them can become a control token), followed by the text under a heading that marks
 * where it starts. docs/TM.md shows the layout. */
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

int notes_render(const char *from, const char *to, const gloss_hit *hits, int n_hits, const char *ex_source,
                 const char *ex_target, const char *text, size_t len, char **out, size_t *out_len, tolk_error *err)
{
    const char *src = NULL, *tgt = NULL;
    sbuf b = {0};
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
