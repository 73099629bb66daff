/* One pass that reads, translates and writes a document window by window (docs/FORMATS.md,
 * "XLIFF: bounded memory"): for a format that can stream (fmt_ops.stream), each window of finished
 * units is translated, written after the bytes before it and dropped before the file is read on, so
 * memory follows the largest window, not the document. */
#ifndef TOLK_FORMATS_DOC_STREAM_H
#define TOLK_FORMATS_DOC_STREAM_H

#include "doc.h"
#include "doc_translate.h"

/* Called for each window: BEFORE with its segments parsed and none translated yet (a translation
 * memory's exact matches go in here), AFTER once they are translated, before they are written and
 * dropped (write-back to a TM, notes for a term report). Either may be NULL. */
typedef struct doc_stream_hooks {
    int (*before)(fmt_doc *d, void *user, tolk_error *err);
    int (*after)(fmt_doc *d, void *user, tolk_error *err);
    void *user;
} doc_stream_hooks;

/* Translates D (opened with doc_open_stream) through RUN and sends the output to WRITE. A document
 * that is not streamed is translated whole and then written. Once only: a streamed document's
 * segments are gone after it (the report and the stats keep their counts and problems). */
int doc_stream_translate(fmt_doc *d, doc_run *run, const doc_stream_hooks *hooks, doc_writer_fn write,
                         void *write_user, tolk_error *err);

#endif
