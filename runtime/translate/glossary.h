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
    size_t start, end;           /* where the source term stands in the text */
} gloss_hit;

/* ---- glossary_words.c: words for matching ---- */
typedef struct gloss_word {
    char *key;          /* folded and stemmed */
    size_t start, end;  /* bytes of the text it came from */
} gloss_word;
typedef struct gloss_words {
    gloss_word *w;
    size_t n, cap;
} gloss_words;

/* The stemmer of language LANG (a code such as "de" or "pt-BR"), or NULL: none (words are then
 * only case-folded). */
const void *gloss_stemmer_for(const char *lang);
/* Splits TEXT into words (folded, stemmed with STEMMER when non-NULL); 0, or -1: out of memory. */
int gloss_split(const char *text, size_t len, const void *stemmer, gloss_words *out);
void gloss_words_free(gloss_words *ws);

/* ---- glossary.c: loading and matching ---- */
typedef struct glossary glossary;

/* Loads PATH: TBX (.tbx, .xml; needs libxml2, FROM and TO pick the languages), CSV (.csv: two
 * columns, RFC 4180 quoting) or else a tab-separated file (OmegaT's glossary: source TAB target
 * [TAB comment]; # starts a comment line). FROM and TO also choose the stemmers. */
int glossary_load(const char *path, const char *from, const char *to, glossary **out, tolk_error *err);
/* The same from memory; FORMAT 't' TSV, 'c' CSV, 'x' TBX; NAME is used in messages. */
int glossary_parse(const char *data, size_t len, int format, const char *name, const char *from, const char *to,
                   glossary **out, tolk_error *err);
void glossary_free(glossary *g);
size_t glossary_size(const glossary *g);

/* The entries whose source term occurs in TEXT (longest match first, at word boundaries, case- and
 * inflection-tolerant), each once, in text order: *hits malloc'd (NULL when *n is 0). */
int glossary_find(const glossary *g, const char *text, size_t len, gloss_hit **hits, int *n, tolk_error *err);
/* Whether TERM occurs in TEXT (target language rules). 1 yes, 0 no, -1 out of memory. */
int glossary_contains(const glossary *g, const char *term, const char *text, size_t len);

/* TEXT with the notes ahead of it: the glossary entries HITS (may be 0) and the example pair
 * EX_SOURCE / EX_TARGET (NULL: none), for languages FROM (may be NULL) and TO as the user gave them.
 * *OUT is malloc'd (NUL-terminated, *out_len bytes); it is TEXT itself (copied) when there is
 * nothing to note. FEW_SHOT: the completion-style form for the base-model template (earlier
 * "Label: source" / "Target: target" lines, see glossary_notes.c). */
int notes_render(const char *from, const char *to, const gloss_hit *hits, int n_hits, const char *ex_source,
                 const char *ex_target, int few_shot, const char *text, size_t len, char **out, size_t *out_len,
                 tolk_error *err);

#endif
