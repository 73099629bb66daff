/* The public document calls (tolk.h, "Documents"): a tolk_doc wraps a parsed document of
 * runtime/formats/; tolk_doc_translate runs each segment through tolk_translate with a length
 * bound of 3 x the segment's tokens + 16. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "constrain.h"
#include "doc.h"
#include "doc_stream.h"
#include "doc_translate.h"
#include "error.h"
#include "glossary.h"
#include "protect.h"
#include "session.h"
#include "tm.h"
#include "tolk.h"

/* One glossary term of one segment, for tolk_doc_term_report. */
typedef struct doc_term {
    size_t seg;                  /* its number in the document, from 0 (d->doc->seg_base counts in) */
    char *id;                    /* a streamed document: the segment's id, kept when its window went */
    const char *source, *target; /* owned by the glossary */
    int status;                  /* 0 found, 1 forced, 2 missed */
} doc_term;

struct tolk_doc {
    fmt_doc *doc;
    doc_term *terms;
    size_t n_terms, cap_terms;
    size_t tm_added; /* segments added to the translation memory */
};

const char *tolk_doc_formats(void)
{
    return "txt po srt vtt xliff md html";
}

/* Opens a document from DATA[0..len) (PATH NULL) or from the file at PATH, as FORMAT; STREAM: for
 * one streamed pass (doc_open_stream). */
static int open_doc(const char *format, const char *path, const char *name, const char *data, size_t len,
                    int overwrite, int stream, tolk_doc **out, tolk_error *err)
{
    *out = NULL;
    const fmt_ops *ops = NULL;
    if (format && !(ops = fmt_find(format)))
        return error_set(err, TOLK_E_ARG, "unknown format '%s' (known: %s)", format, tolk_doc_formats());
    tolk_doc *d = calloc(1, sizeof *d);
    if (!d)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    int rc = stream ? doc_open_stream(ops, path, name, data ? data : "", len, overwrite, &d->doc, err)
             : path ? doc_open_file(ops, path, name, overwrite, &d->doc, err)
                    : doc_open(ops, name, data ? data : "", len, overwrite, &d->doc, err);
    if (rc) {
        free(d);
        return rc;
    }
    *out = d;
    return TOLK_OK;
}

int tolk_doc_open(const char *format, const char *name, const char *data, size_t len, int overwrite,
                  tolk_doc **out, tolk_error *err)
{
    if (!out)
        return error_set(err, TOLK_E_ARG, "tolk_doc_open: no place for the document");
    if (!data && len) {
        *out = NULL;
        return error_set(err, TOLK_E_ARG, "tolk_doc_open: no data (NULL with length %zu)", len);
    }
    return open_doc(format, NULL, name, data, len, overwrite, 0, out, err);
}

int tolk_doc_open_file(const char *format, const char *path, const char *name, int overwrite, tolk_doc **out,
                       tolk_error *err)
{
    if (!out || !path)
        return error_set(err, TOLK_E_ARG, "tolk_doc_open_file: %s", out ? "no path" : "no place for the document");
    return open_doc(format, path, name, NULL, 0, overwrite, 0, out, err);
}

void tolk_doc_free(tolk_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_terms; i++)
        free(d->terms[i].id);
    doc_free(d->doc);
    free(d->terms);
    free(d);
}

static int streamed_error(const tolk_doc *d, tolk_error *err)
{
    return error_set(err, TOLK_E_STATE, "%s: opened for one streamed pass (tolk_doc_open_stream): translate and "
                     "write it with tolk_doc_translate_to", d->doc->name);
}

int tolk_doc_translate_with(tolk_doc *d, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress,
                            void *progress_user, tolk_error *err)
{
    if (!d || !fn)
        return error_set(err, TOLK_E_ARG, "tolk_doc_translate_with: %s", d ? "no translator" : "no document");
    if (d->doc->streamed)
        return streamed_error(d, err);
    return doc_translate(d->doc, fn, user, progress, progress_user, err);
}

typedef struct session_translator {
    tolk_doc *d;
    tolk_session *s;
    const tolk_model *m;
    const char *from, *to;
    ph_vocab vocab;      /* the tokens that can write placeholders */
    int constrain;       /* 0 when the vocabulary could not be scanned */
    doc_run *run;        /* a streamed pass: its progress count */
    size_t first_term;   /* a streamed pass: the window's first term in d->terms */
} session_translator;

/* Keeps the glossary terms of the session's last translation for the current segment. */
static int note_terms(tolk_doc *d, const tolk_session *s, tolk_error *err)
{
    const tolk_term *t = NULL;
    int n = tolk_session_terms(s, &t);
    if (d->n_terms + (size_t)n > d->cap_terms) {
        size_t cap = (d->n_terms + (size_t)n) * 2 + 16;
        doc_term *p = realloc(d->terms, cap * sizeof *p);
        if (!p)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        d->terms = p;
        d->cap_terms = cap;
    }
    for (int i = 0; i < n; i++) {
        int status = !t[i].found ? 2 : t[i].forced ? 1 : 0;
        d->terms[d->n_terms++] = (doc_term){d->doc->seg_base + d->doc->cur_seg, NULL, t[i].source, t[i].target,
                                            status};
        d->doc->n_terms[status]++;
    }
    return TOLK_OK;
}

/* Adds every segment the model translated without a flag to the session's TM (as plain text, references of
 * XML formats undone, inline codes as their text), in one transaction. */
static int add_to_tm(tolk_doc *td, tolk_session *s, const char *from, const char *to, tolk_error *err)
{
    if (!from)
        return error_set(err, TOLK_E_ARG, "adding translations to the translation memory needs the source "
                         "language (--from)");
    fmt_doc *d = td->doc;
    int rc = tm_begin(s->tm, err);
    for (size_t i = 0; i < d->n_segs && !rc; i++) {
        const fmt_seg *g = &d->segs[i];
        if (g->status != SEG_TRANSLATED || g->check || !g->out_len || g->from_tm)
            continue;
        fmt_buf src = {0}, out = {0};
        int added = 0;
        if (doc_plain_text(d, g->src, g->src_len, &src) || doc_plain_text(d, g->out, g->out_len, &out))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        else if (src.p && out.p)
            rc = tm_add_plain(s->tm, from, to, src.p, src.n, out.p, out.n, &added, err);
        td->tm_added += added > 0;
        fbuf_free(&src);
        fbuf_free(&out);
    }
    if (!rc)
        return tm_commit(s->tm, err);
    tm_rollback(s->tm);
    return rc;
}

/* The glossary terms of TEXT checked in the TM's translation OUT (found or missed: an approved
 * translation is not decoded again). */
static int note_tm_terms(tolk_doc *d, const glossary *g, const char *text, size_t len, const char *out,
                         size_t out_len, tolk_error *err)
{
    gloss_hit *h = NULL;
    int n = 0, rc = glossary_find(g, text, len, &h, &n, err);
    if (!rc && d->n_terms + (size_t)n > d->cap_terms) {
        size_t cap = (d->n_terms + (size_t)n) * 2 + 16;
        doc_term *p = realloc(d->terms, cap * sizeof *p);
        if (p) {
            d->terms = p;
            d->cap_terms = cap;
        } else {
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        }
    }
    for (int i = 0; !rc && i < n; i++) {
        int found = glossary_contains(g, h[i].target, out, out_len);
        if (found < 0) {
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
            break;
        }
        d->terms[d->n_terms++] = (doc_term){d->doc->seg_base + d->doc->cur_seg, NULL, h[i].source, h[i].target,
                                            found ? 0 : 2};
        d->doc->n_terms[found ? 0 : 2]++;
    }
    free(h);
    return rc;
}

/* doc_prefill's lookup: the session TM's exact match, placeholders adapted to TEXT. */
static int tm_exact_lookup(void *user, const char *text, size_t len, fmt_buf *out, int *found, tolk_error *err)
{
    session_translator *t = user;
    tm_hit hit = {0};
    int n = 0;
    *found = 0;
    int rc = tm_lookup(t->s->tm, t->from, t->to, text, len, 100, &hit, 1, &n, err);
    if (!rc && n && hit.score == 100) {
        tm_buf src = {0}, adapted = {0};
        if (tm_buf_add(&src, text, len) || tm_adapt_placeholders(hit.source, src.p, hit.target, &adapted) ||
            fbuf_add(out, adapted.p ? adapted.p : "", adapted.n))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        *found = !rc;
        if (!rc && t->s->gloss)
            rc = note_tm_terms(t->d, t->s->gloss, text, len, adapted.p ? adapted.p : "", adapted.n, err);
        tm_buf_free(&src);
        tm_buf_free(&adapted);
    }
    if (n)
        tm_hit_free(&hit);
    return rc;
}

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
    /* the TM gets a document's segments once they are restored and checked (add_to_tm) */
    unsigned tm_flags = t->s->tm_flags;
    t->s->tm_flags &= ~(unsigned)TOLK_TM_WRITE_BACK;
    t->s->para_context = t->d->doc->para_context;
    t->s->para_context_len = t->d->doc->para_context_len;
    rc = tolk_translate(t->s, t->from, t->to, text, len, bound, emit, emit_user, &st, err);
    t->s->para_context = NULL;
    t->s->para_context_len = 0;
    t->s->tm_flags = tm_flags;
    if (!rc)
        rc = note_terms(t->d, t->s, err);
    t->d->doc->n_tm_exact += (size_t)st.n_tm_exact;
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

/* Terms noted (from index FROM on) for a TM match that did not fit its segment: noted again when
 * the segment is translated. */
static void drop_pending_terms(tolk_doc *d, size_t from)
{
    size_t kept = from;
    for (size_t i = from; i < d->n_terms; i++) {
        const fmt_seg *g = &d->doc->segs[d->terms[i].seg - d->doc->seg_base];
        if (g->status == SEG_PENDING)
            d->doc->n_terms[d->terms[i].status]--;
        else
            d->terms[kept++] = d->terms[i];
    }
    d->n_terms = kept;
}

int tolk_doc_translate(tolk_doc *d, tolk_session *s, const char *from, const char *to,
                       tolk_doc_progress_fn progress, void *progress_user, tolk_error *err)
{
    if (!d || !s || !to)
        return error_set(err, TOLK_E_ARG, "tolk_doc_translate: %s", !d ? "no document" : !s ? "no session" :
                         "no target language");
    if (d->doc->streamed)
        return streamed_error(d, err);
    if (s->tm && (s->tm_flags & TOLK_TM_WRITE_BACK) && !from)
        return error_set(err, TOLK_E_ARG, "adding translations to the translation memory needs the source "
                         "language (--from)");
    session_translator t = {.d = d, .s = s, .m = s->gen.model, .from = from, .to = to};
    t.constrain = ph_vocab_build(t.m, &t.vocab) == 0;
    d->doc->src_lang = from;
    int rc = s->tm && (s->tm_flags & TOLK_TM_REUSE_EXACT) ? doc_prefill(d->doc, tm_exact_lookup, &t, err) : TOLK_OK;
    drop_pending_terms(d, 0);
    if (!rc)
        rc = doc_translate(d->doc, translate_segment, &t, progress, progress_user, err);
    ph_vocab_free(&t.vocab);
    if (!rc && s->tm && (s->tm_flags & TOLK_TM_WRITE_BACK))
        rc = add_to_tm(d, s, from, to, err);
    return rc;
}

int tolk_doc_open_stream(const char *format, const char *path, const char *name, const char *data, size_t len,
                         int overwrite, tolk_doc **out, tolk_error *err)
{
    if (!out)
        return error_set(err, TOLK_E_ARG, "tolk_doc_open_stream: no place for the document");
    if (!path && !data && len) {
        *out = NULL;
        return error_set(err, TOLK_E_ARG, "tolk_doc_open_stream: no data (NULL with length %zu)", len);
    }
    return open_doc(format, path, name, data, len, overwrite, 1, out, err);
}

/* A streamed window before translation: the TM's exact matches (counted as done for progress). */
static int window_before(fmt_doc *fd, void *user, tolk_error *err)
{
    session_translator *t = user;
    t->first_term = t->d->n_terms;
    if (!t->s->tm || !(t->s->tm_flags & TOLK_TM_REUSE_EXACT))
        return TOLK_OK;
    size_t pending = 0;
    for (size_t i = 0; i < fd->n_segs; i++)
        pending += fd->segs[i].status == SEG_PENDING;
    int rc = doc_prefill(fd, tm_exact_lookup, t, err);
    drop_pending_terms(t->d, t->first_term);
    for (size_t i = 0; i < fd->n_segs; i++)
        pending -= fd->segs[i].status == SEG_PENDING;
    t->run->done += pending;
    return rc;
}

/* A streamed window after translation, before it goes: TM write-back and the ids of its terms. */
static int window_after(fmt_doc *fd, void *user, tolk_error *err)
{
    session_translator *t = user;
    int rc = t->s->tm && (t->s->tm_flags & TOLK_TM_WRITE_BACK) ? add_to_tm(t->d, t->s, t->from, t->to, err)
                                                               : TOLK_OK;
    for (size_t i = t->first_term; i < t->d->n_terms && !rc; i++) {
        const fmt_seg *g = &fd->segs[t->d->terms[i].seg - fd->seg_base];
        if (g->id && !(t->d->terms[i].id = strdup(g->id)))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    return rc;
}

int tolk_doc_translate_to(tolk_doc *d, tolk_session *s, const char *from, const char *to,
                          tolk_doc_progress_fn progress, void *progress_user, tolk_write_fn write, void *write_user,
                          tolk_error *err)
{
    if (!d || !s || !to || !write)
        return error_set(err, TOLK_E_ARG, "tolk_doc_translate_to: %s", !d ? "no document" : !s ? "no session" :
                         !to ? "no target language" : "no writer");
    if (!d->doc->streamed) {
        int rc = tolk_doc_translate(d, s, from, to, progress, progress_user, err);
        return rc ? rc : doc_write_to(d->doc, write, write_user, err);
    }
    if (s->tm && (s->tm_flags & TOLK_TM_WRITE_BACK) && !from)
        return error_set(err, TOLK_E_ARG, "adding translations to the translation memory needs the source "
                         "language (--from)");
    session_translator t = {.d = d, .s = s, .m = s->gen.model, .from = from, .to = to};
    doc_run run;
    if (doc_run_begin(&run, translate_segment, &t, progress, progress_user, d->doc->n_pending_total))
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    t.run = &run;
    t.constrain = ph_vocab_build(t.m, &t.vocab) == 0;
    d->doc->src_lang = from;
    doc_stream_hooks hooks = {.before = window_before, .after = window_after, .user = &t};
    int rc = doc_stream_translate(d->doc, &run, &hooks, write, write_user, err);
    ph_vocab_free(&t.vocab);
    doc_run_end(&run);
    return rc;
}

int tolk_doc_translate_with_to(tolk_doc *d, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress,
                               void *progress_user, tolk_write_fn write, void *write_user, tolk_error *err)
{
    if (!d || !fn || !write)
        return error_set(err, TOLK_E_ARG, "tolk_doc_translate_with_to: %s", !d ? "no document" :
                         !fn ? "no translator" : "no writer");
    if (!d->doc->streamed) {
        int rc = doc_translate(d->doc, fn, user, progress, progress_user, err);
        return rc ? rc : doc_write_to(d->doc, write, write_user, err);
    }
    doc_run run;
    if (doc_run_begin(&run, fn, user, progress, progress_user, d->doc->n_pending_total))
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    int rc = doc_stream_translate(d->doc, &run, NULL, write, write_user, err);
    doc_run_end(&run);
    return rc;
}

int tolk_doc_write(tolk_doc *d, char **out, size_t *len, tolk_error *err)
{
    if (!d || !out || !len)
        return error_set(err, TOLK_E_ARG, "tolk_doc_write: %s", d ? "no place for the output" : "no document");
    if (d->doc->streamed)
        return streamed_error(d, err);
    return doc_write(d->doc, out, len, err);
}

int tolk_doc_write_to(tolk_doc *d, tolk_write_fn write, void *user, tolk_error *err)
{
    if (!d || !write)
        return error_set(err, TOLK_E_ARG, "tolk_doc_write_to: %s", d ? "no writer" : "no document");
    if (d->doc->streamed)
        return streamed_error(d, err);
    return doc_write_to(d->doc, write, user, err);
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

int tolk_doc_report_to(const tolk_doc *d, tolk_write_fn write, void *user, tolk_error *err)
{
    if (!d || !write)
        return error_set(err, TOLK_E_ARG, "tolk_doc_report_to: %s", d ? "no writer" : "no document");
    return doc_report_to(d->doc, d->doc->ops->name, write, user, err);
}

int tolk_doc_term_report(const tolk_doc *d, char **tsv, size_t *len, tolk_error *err)
{
    static const char *const names[] = {"found", "forced", "missed"};
    if (!d || !tsv)
        return error_set(err, TOLK_E_ARG, "tolk_doc_term_report: %s", d ? "no place for the report" : "no document");
    fmt_buf b = {0};
    int bad = fbuf_add(&b, "", 0);
    for (size_t i = 0; i < d->n_terms && !bad; i++) {
        const doc_term *t = &d->terms[i];
        const char *id = t->id;
        if (!id && t->seg >= d->doc->seg_base && t->seg - d->doc->seg_base < d->doc->n_segs)
            id = d->doc->segs[t->seg - d->doc->seg_base].id;
        char num[32];
        snprintf(num, sizeof num, "%zu", t->seg + 1);
        bad = fbuf_adds(&b, id ? id : num) || fbuf_addc(&b, '\t') || fbuf_adds(&b, t->source) ||
              fbuf_addc(&b, '\t') || fbuf_adds(&b, t->target) || fbuf_addc(&b, '\t') ||
              fbuf_adds(&b, names[t->status]) || fbuf_addc(&b, '\n');
    }
    if (bad || fbuf_add(&b, "", 0)) {
        fbuf_free(&b);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    *tsv = b.p ? b.p : calloc(1, 1);
    if (len)
        *len = b.n;
    return *tsv ? TOLK_OK : error_set(err, TOLK_E_NOMEM, "out of memory");
}

void tolk_doc_get_stats(const tolk_doc *d, tolk_doc_stats *st)
{
    if (d) {
        doc_stats(d->doc, st);
        st->tm_added = d->tm_added;
    }
    else
        memset(st, 0, sizeof *st);
}

const char *tolk_check_translation(const char *source, size_t source_len, const char *translation, size_t len,
                                   int hit_limit)
{
    if (!source || !translation)
        return "empty";
    if (hit_limit)
        return "length";
    size_t b = 0, e = len;
    while (b < e && strchr(" \t\r\n", translation[b]))
        b++;
    while (e > b && strchr(" \t\r\n", translation[e - 1]))
        e--;
    if (b == e)
        return "empty";
    if (seg_repeating(translation, len, source, source_len))
        return "repetition";
    /* the placeholders protection finds in plain text: each as often in the translation */
    fmt_seg seg = {.src = (char *)source, .src_len = source_len};
    prot_text p;
    int prc = protect_segment(&seg, ESC_NONE, &p);
    const char *why = NULL;
    for (size_t i = 0; prc == 0 && i < p.n_codes && !why; i++) {
        const char *code = source + p.codes[i].start;
        size_t k = p.codes[i].end - p.codes[i].start;
        if (seg_count_in(translation, len, code, k) != seg_count_in(source, source_len, code, k))
            why = "placeholders";
    }
    prot_free(&p);
    if (why)
        return why;
    if (seg_untranslated(source, source_len, translation + b, e - b))
        return "untranslated";
    if (seg_too_short(source_len, e - b))
        return "short";
    return NULL;
}
