/* `tolk translate -f FILE`: translating a whole document (PO, XLIFF, subtitles, Markdown, HTML,
 * plain text) through the tolk_doc_* calls of tolk.h. */
#ifndef TOLK_CLI_DOCUMENT_H
#define TOLK_CLI_DOCUMENT_H

#include "tolk.h"

typedef struct cli_doc_opts {
    const char *in_path;     /* -f FILE ('-': standard input) */
    const char *out_path;    /* -o OUT, NULL: standard output */
    const char *format;      /* --format, NULL: from the extension */
    const char *report_path; /* --report FILE */
    int overwrite;           /* --overwrite */
    int copy_source;         /* --copy-source: the source as the translation, no model */
    int quiet;               /* --quiet: no progress */
    const char *front_matter_keys; /* --front-matter-keys LIST: Markdown front matter keys translated */
    const char *term_report_path; /* --term-report FILE (with a glossary on the session) */
    const char *from, *to;
} cli_doc_opts;

/* Runs the document job; a session is needed unless copy_source is set. Returns the exit status
 * (0 also when segments were kept: the summary and the report list them), printing errors. */
int cli_translate_document(const cli_doc_opts *o, tolk_session *s);

/* The translator of --copy-source (a tolk_segment_fn): the segment as it is. */
int cli_copy_segment(void *user, const char *text, size_t len, tolk_emit_fn emit, void *emit_user, int *hit_limit,
                     int *tokens, tolk_error *err);

/* Whether the job needs a model (no: --copy-source). */
int cli_document_needs_model(const cli_doc_opts *o);

#endif
