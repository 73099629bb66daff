/* The streamed pass of doc_stream.h: the format reads a window, the window is translated, its
 * edits written after the untouched bytes before them, what the report needs kept, and the format
 * drops the window's segments before it reads on. */
#include <config.h>

#include "doc_stream.h"
#include "error.h"

typedef struct stream_job {
    doc_run *run;
    const doc_stream_hooks *hooks;
    doc_writer_fn write;
    void *write_user;
    size_t at; /* bytes of the original written so far */
} stream_job;

/* Everything one window gets: translated, written, its report entries kept. */
static int window_done(fmt_doc *d, void *user, tolk_error *err)
{
    stream_job *j = user;
    int rc = j->hooks && j->hooks->before ? j->hooks->before(d, j->hooks->user, err) : TOLK_OK;
    if (!rc)
        rc = doc_run_segments(d, j->run, err);
    if (!rc && j->hooks && j->hooks->after)
        rc = j->hooks->after(d, j->hooks->user, err);
    if (!rc && doc_keep_report(d))
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    if (!rc)
        rc = doc_write_parts(d, j->write, j->write_user, &j->at, err);
    if (!rc)
        doc_release_before(d, j->at);
    return rc;
}

int doc_stream_translate(fmt_doc *d, doc_run *run, const doc_stream_hooks *hooks, doc_writer_fn write,
                         void *write_user, tolk_error *err)
{
    if (d->stream_used)
        return error_set(err, TOLK_E_STATE, "%s: a streamed document is translated and written once", d->name);
    stream_job j = {.run = run, .hooks = hooks, .write = write, .write_user = write_user};
    if (!d->streamed) {
        int rc = j.hooks && j.hooks->before ? j.hooks->before(d, j.hooks->user, err) : TOLK_OK;
        d->released = 0;
        if (!rc)
            rc = doc_run_segments(d, run, err);
        if (!rc && j.hooks && j.hooks->after)
            rc = j.hooks->after(d, j.hooks->user, err);
        return rc ? rc : doc_write_to(d, write, write_user, err);
    }
    d->stream_used = 1;
    d->released = 0;
    int rc = d->ops->stream(d, window_done, &j, err);
    if (rc) {
        if (rc == TOLK_E_FORMAT)
            doc_format_error(d, err);
        return rc;
    }
    return doc_write_rest(d, write, write_user, j.at, err);
}
