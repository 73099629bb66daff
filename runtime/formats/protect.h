/* Placeholder protection: before a segment goes to the model, its inline codes (tags the format
 * found), character references, printf and Python placeholders (%s, %1$d, %(name)s), braces
 * ({name}, {{x}}, {0}), URLs and numbers become numbered placeholders {1}, {2}, ...; after, the
 * model's text gets them back. A translation that lost, repeated, invented or misordered one
 * cannot be restored and is refused. */
#ifndef TOLK_FORMATS_PROTECT_H
#define TOLK_FORMATS_PROTECT_H

#include "doc.h"

typedef struct prot_code {
    size_t start, end; /* the bytes in the segment's source */
    int pair, opens;   /* as fmt_code; pair is a placeholder index */
} prot_code;

typedef struct prot_text {
    fmt_buf text;       /* what the model sees */
    size_t lead, trail; /* whitespace bytes at the ends of the source, put back around the result */
    prot_code *codes;   /* placeholder N is codes[N - 1] */
    size_t n_codes, cap;
    int has_words;      /* something is left to translate (a letter outside the placeholders) */
    int multiline;      /* the source text has a line break */
    int bare_amp, bare_lt; /* HTML: the source writes & and < unescaped, so the translation may too */
    int bare_lt_tag;       /* ... even as "<b" (inside an attribute value) */
} prot_text;

/* Builds the model's text for S (escaped as ESC). Returns 0, 1 when the format's codes do not fit
 * the text (the segment cannot be translated safely), or -1 on out-of-memory. */
int protect_segment(const fmt_seg *s, fmt_escape esc, prot_text *p);

/* Writes the source's bytes for the model's text OUT (placeholders restored, new text escaped as
 * ESC, the source's leading and trailing whitespace kept) into RESULT. Returns 0; 1 with *WHY set
 * when the placeholders do not add up (RESULT is then garbage); -1 on out-of-memory. */
int restore_segment(const fmt_seg *s, const prot_text *p, fmt_escape esc, const char *out, size_t len,
                    fmt_buf *result, const char **why);

void prot_free(prot_text *p);

#endif
