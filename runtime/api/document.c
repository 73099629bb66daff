/* The public document calls (tolk.h, "Documents"): a tolk_doc wraps a parsed document of
 * runtime/formats/; tolk_doc_translate runs each segment through tolk_translate with a length
 * bound of 3 x the segment's tokens + 16. */
#include <stdlib.h>
#include <string.h>

#include "constrain.h"
#include "doc.h"
#include "doc_translate.h"
#include "error.h"
#include "session.h"
#include "tolk.h"

struct tolk_doc {
    fmt_doc *doc;
};

const char *tolk_doc_formats(void)
{
    return "txt po srt vtt xliff md html";
}

int tolk_doc_open(const char *format, const char *name, const char *data, size_t len, int overwrite,
                  tolk_doc **out, tolk_error *err)
{
    if (!out)
        return error_set(err, TOLK_E_ARG, "tolk_doc_open: no place for the document");
    *out = NULL;
    if (!data && len)
        return error_set(err, TOLK_E_ARG, "tolk_doc_open: no data (NULL with length %zu)", len);
    const fmt_ops *ops = NULL;
    if (format && !(ops = fmt_find(format)))
        return error_set(err, TOLK_E_ARG, "unknown format '%s' (known: %s)", format, tolk_doc_formats());
    tolk_doc *d = calloc(1, sizeof *d);
    if (!d)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    int rc = doc_open(ops, name, data ? data : "", len, overwrite, &d->doc, err);
    if (rc) {
        free(d);
        return rc;
    }
    *out = d;
    return TOLK_OK;
}

void tolk_doc_free(tolk_doc *d)
{
    if (!d)
        return;
    doc_free(d->doc);
    free(d);
}

int tolk_doc_translate_with(tolk_doc *d, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress,
                            void *progress_user, tolk_error *err)
{
    if (!d || !fn)
        return error_set(err, TOLK_E_ARG, "tolk_doc_translate_with: %s", d ? "no translator" : "no document");
    return doc_translate(d->doc, fn, user, progress, progress_user, err);
}

typedef struct session_translator {
    tolk_session *s;
    const tolk_model *m;
    const char *from, *to;
    ph_vocab vocab;      /* the tokens that can write placeholders */
    int constrain;       /* 0 when the vocabulary could not be scanned */
} session_translator;

static int translate_segment(void *user, const char *text, size_t len, tolk_emit_fn emit, void *emit_user,
                             int *hit_limit, int *tokens, tolk_error *err)
{
    session_translator *t = user;
    int32_t *ids = NULL;
    size_t n_ids = 0;
    int rc = tolk_tokenize(t->m, text, len, 0, &ids, &n_ids, err);
    free(ids);
    if (rc)
        return rc;
    const int bound = (int)(n_ids > 100000 ? 100000 : n_ids) * 3 + 16;
    tolk_stats st = {0};
    /* with placeholders, decode plainly under the placeholder filter (constrain.h) */
    ph_constraint *c = t->constrain ? malloc(sizeof *c) : NULL;
    spec_state *spec = t->s->spec;
    if (c && ph_begin(c, &t->vocab, text, len) > 0) {
        t->s->gen.logit_filter = ph_filter;
        t->s->gen.filter_user = c;
        t->s->gen.filter_restart = ph_restart;
        t->s->spec = NULL;
    }
    rc = tolk_translate(t->s, t->from, t->to, text, len, bound, emit, emit_user, &st, err);
    t->s->gen.logit_filter = NULL;
    t->s->gen.filter_user = NULL;
    t->s->gen.filter_restart = NULL;
    t->s->spec = spec;
    free(c);
    *hit_limit = st.n_gen >= bound;
    *tokens = st.n_gen;
    if (!rc && st.cancelled)
        rc = error_set(err, TOLK_E_STATE, "cancelled");
    return rc;
}

int tolk_doc_translate(tolk_doc *d, tolk_session *s, const char *from, const char *to,
                       tolk_doc_progress_fn progress, void *progress_user, tolk_error *err)
{
    if (!d || !s || !to)
        return error_set(err, TOLK_E_ARG, "tolk_doc_translate: %s", !d ? "no document" : !s ? "no session" :
                         "no target language");
    session_translator t = {.s = s, .m = s->gen.model, .from = from, .to = to};
    t.constrain = ph_vocab_build(t.m, &t.vocab) == 0;
    d->doc->src_lang = from;
    int rc = doc_translate(d->doc, translate_segment, &t, progress, progress_user, err);
    ph_vocab_free(&t.vocab);
    return rc;
}

int tolk_doc_write(tolk_doc *d, char **out, size_t *len, tolk_error *err)
{
    if (!d || !out || !len)
        return error_set(err, TOLK_E_ARG, "tolk_doc_write: %s", d ? "no place for the output" : "no document");
    return doc_write(d->doc, out, len, err);
}

int tolk_doc_report(const tolk_doc *d, char **json, size_t *len, tolk_error *err)
{
    if (!d || !json)
        return error_set(err, TOLK_E_ARG, "tolk_doc_report: %s", d ? "no place for the report" : "no document");
    fmt_buf b = {0};
    if (doc_report_json(d->doc, d->doc->ops->name, &b)) {
        fbuf_free(&b);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    *json = b.p;
    if (len)
        *len = b.n;
    return TOLK_OK;
}

void tolk_doc_get_stats(const tolk_doc *d, tolk_doc_stats *st)
{
    if (d)
        doc_stats(d->doc, st);
    else
        memset(st, 0, sizeof *st);
}
