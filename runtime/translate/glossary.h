/* Glossaries and the notes put before a text to translate (glossary.c, glossary_notes.c): required
 * terms found in the source (case- and inflection-tolerant) and the translation memory's best
 * fuzzy match as an example, rendered as plain text ahead of the text itself. */
#ifndef TOLK_GLOSSARY_H
#define TOLK_GLOSSARY_H

#include <stddef.h>

#include "tolk.h"

/* One glossary entry found in a source text. */
typedef struct gloss_hit {
    const char *source, *target; /* the entry's terms (owned by the glossary) */
} gloss_hit;

/* TEXT with the notes ahead of it: the glossary entries HITS (may be 0) and the example pair
 * EX_SOURCE / EX_TARGET (NULL: none), for languages FROM (may be NULL) and TO as the user gave them.
 * *OUT is malloc'd (NUL-terminated, *out_len bytes); it is TEXT itself (copied) when there is
 * nothing to note. */
int notes_render(const char *from, const char *to, const gloss_hit *hits, int n_hits, const char *ex_source,
                 const char *ex_target, const char *text, size_t len, char **out, size_t *out_len, tolk_error *err);

#endif
