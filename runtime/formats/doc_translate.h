/* Translating a parsed document segment by segment (the loop behind tolk_doc_translate*). */
#ifndef TOLK_FORMATS_DOC_TRANSLATE_H
#define TOLK_FORMATS_DOC_TRANSLATE_H

#include "doc.h"

/* Every pending segment through FN: placeholders protected and restored, checks applied, results
 * in the segments. Only FN's errors and out-of-memory stop it. */
int doc_translate(fmt_doc *d, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress, void *progress_user,
                  tolk_error *err);

void doc_stats(const fmt_doc *d, tolk_doc_stats *st);

#endif
