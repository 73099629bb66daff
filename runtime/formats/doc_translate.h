/* Translating a parsed document segment by segment (the loop behind tolk_doc_translate*). */
#ifndef TOLK_FORMATS_DOC_TRANSLATE_H
#define TOLK_FORMATS_DOC_TRANSLATE_H

#include "doc.h"

/* Every pending segment through FN: placeholders protected and restored, checks applied, results
 * in the segments. Only FN's errors and out-of-memory stop it. */
int doc_translate(fmt_doc *d, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress, void *progress_user,
                  tolk_error *err);

/* A lookup of a whole segment's protected text (placeholders {1}, {2}, ...): *FOUND 1 with the
 * answer in OUT (placeholders spelt as in TEXT), else 0. */
typedef int (*doc_lookup_fn)(void *user, const char *text, size_t len, fmt_buf *out, int *found, tolk_error *err);

/* Before translating: every pending segment FN answers is settled with that answer (restored and
 * checked like a model's; an answer whose placeholders do not fit leaves the segment pending).
 * Counts them in d->n_tm_exact. So a segment split into sentences still finds its whole match. */
int doc_prefill(fmt_doc *d, doc_lookup_fn fn, void *user, tolk_error *err);

void doc_stats(const fmt_doc *d, tolk_doc_stats *st);

#endif
