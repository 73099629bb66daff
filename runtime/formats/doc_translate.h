/* Translating a parsed document segment by segment (the loop behind tolk_doc_translate*). */
#ifndef TOLK_FORMATS_DOC_TRANSLATE_H
#define TOLK_FORMATS_DOC_TRANSLATE_H

#include "doc.h"

/* What one run through a translator keeps from segment to segment: the memo of the answers given
 * (the same protected source text gets the same translation; bounded, see doc_translate.c) and the
 * progress count. A whole document takes one doc_translate; a streamed one (doc_stream.h) runs
 * window after window of segments through one run. */
typedef struct doc_memo doc_memo;
typedef struct doc_run {
    tolk_segment_fn fn;
    void *user;
    tolk_doc_progress_fn progress;
    void *progress_user;
    size_t done, total;
    doc_memo *memo;
} doc_run;

/* -1 when memory ran out (nothing to free then). TOTAL: the pending segments, for progress. */
int doc_run_begin(doc_run *r, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress, void *progress_user,
                  size_t total);
/* Every pending segment of d->segs through the run's translator. */
int doc_run_segments(fmt_doc *d, doc_run *r, tolk_error *err);
void doc_run_end(doc_run *r);

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
