/* What a glossary is inside: shared by glossary.c and the TBX reader (glossary_tbx.c) only. */
#ifndef TOLK_GLOSSARY_INTERNAL_H
#define TOLK_GLOSSARY_INTERNAL_H

#include "glossary.h"

typedef struct gloss_entry {
    char *source, *target;
    gloss_words words; /* the source term's words */
} gloss_entry;

struct glossary {
    gloss_entry *e;
    size_t n, cap;
    size_t *order; /* entry indices sorted by first word (then file order) */
    const void *src_stem, *tgt_stem;
};

/* Adds an entry (terms trimmed and checked: non-empty, UTF-8, at most 1000 bytes); LINE for
 * messages. */
int glossary_add(glossary *g, const char *src, size_t sn, const char *tgt, size_t tn, const char *name, long line,
                 tolk_error *err);

/* TBX (glossary_tbx.c, or glossary_tbx_none.c without libxml2): the FROM and TO terms of every
 * concept entry. */
int glossary_parse_tbx(glossary *g, const char *data, size_t len, const char *name, const char *from, const char *to,
                       tolk_error *err);

#endif
