/* `tolk translate -f FILE [-o OUT]`: reads the file, parses it as a document (tolk_doc_open_stream),
 * translates its segments with the session (or copies the source with --copy-source), writes the
 * result (translating and writing are one streamed pass: tolk_doc_open_stream; to a file
 * atomically, a temporary file renamed over OUT, so a failure leaves no half-written file), shows
 * progress on stderr and writes the JSON report asked for with --report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_document.h"

int cli_document_needs_model(const cli_doc_opts *o)
{
    return !o->copy_source;
}

int cli_copy_segment(void *user, const char *text, size_t len, tolk_emit_fn emit, void *emit_user, int *hit_limit,
                     int *tokens, tolk_error *err)
{
    (void)user;
    (void)err;
    *hit_limit = 0;
    *tokens = 0;
    if (len)
        emit(text, len, emit_user);
    return TOLK_OK;
}

typedef struct progress_state {
    double t0, last;
    int tty;
} progress_state;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Segments done / total, tokens/s and time left: redrawn on a terminal, a line every 10 s else. */
static void show_progress(void *user, size_t done, size_t total, long long tokens)
{
    progress_state *p = user;
    double t = now_s(), el = t - p->t0;
    if (!p->tty && t - p->last < 10 && done < total)
        return;
    p->last = t;
    double left = done ? el / (double)done * (double)(total - done) : 0;
    fprintf(stderr, "%s%zu/%zu segments, %.1f tok/s, %.0f s left%s", p->tty ? "\r" : "", done, total,
            el > 0 ? (double)tokens / el : 0.0, left, p->tty ? "  " : "\n");
    fflush(stderr);
}

static int read_input(const char *path, char **data, size_t *len, tolk_error *err)
{
    if (!strcmp(path, "-"))
        return cli_read_all(stdin, "standard input", data, len, err);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_fail(err, TOLK_E_IO, "%s: %s", path, strerror(errno));
    int rc = cli_read_all(f, path, data, len, err);
    fclose(f);
    return rc;
}

/* Standard input copied to a temporary file (in TMPDIR, else /tmp) that is mapped like any file
 * and unlinked once open: a big document through a pipe is not held in memory. 0 with its name in
 * PATH; -1 when no such file can be made (nothing read yet: standard input is read into memory
 * instead); TOLK_E_IO when it could not be written whole (part of standard input is gone). */
static int spool_stdin(char *path, size_t size, tolk_error *err)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, size, "%s/tolk-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    char chunk[65536];
    size_t n;
    int ok = 1, e = 0;
    while (ok && (n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        if (!(ok = write(fd, chunk, n) == (ssize_t)n))
            e = errno;
    if (ok && ferror(stdin)) {
        ok = 0;
        e = errno;
    }
    if (close(fd) && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        unlink(path);
        return cli_fail(err, TOLK_E_IO, "standard input: cannot copy it to %s: %s", path, strerror(e));
    }
    return 0;
}

/* Writes to F: the bytes of a buffer, or a document piece by piece, translated on the way when
 * OPTS is set (tolk_doc_translate_to: a streamed document is read, translated and written window
 * by window). */
typedef struct out_source {
    const char *data;
    size_t len;
    tolk_doc *doc;
    int report;     /* the document's JSON report (tolk_doc_report_to) */
    const cli_doc_opts *opts;
    tolk_session *session;
    tolk_doc_progress_fn progress;
    void *progress_user;
    tolk_error doc_err;
    int doc_failed; /* the document could not be translated or written (not an I/O error of F) */
} out_source;

static int fwrite_piece(void *user, const char *data, size_t len)
{
    return fwrite(data, 1, len, user) != len;
}

static int write_source(FILE *f, out_source *src)
{
    if (!src->doc)
        return fwrite(src->data, 1, src->len, f) == src->len;
    const cli_doc_opts *o = src->opts;
    int rc = src->report ? tolk_doc_report_to(src->doc, fwrite_piece, f, &src->doc_err)
             : !o ? tolk_doc_write_to(src->doc, fwrite_piece, f, &src->doc_err)
             : o->copy_source ? tolk_doc_translate_with_to(src->doc, cli_copy_segment, NULL, src->progress,
                                                           src->progress_user, fwrite_piece, f, &src->doc_err)
             : tolk_doc_translate_to(src->doc, src->session, o->from, o->to, src->progress, src->progress_user,
                                     fwrite_piece, f, &src->doc_err);
    src->doc_failed = rc && rc != TOLK_E_IO;
    return !rc;
}

/* Writes SRC to PATH through PATH.tmp-PID and a rename. A PATH that exists and is not a regular
 * file (/dev/null, /dev/stdout, a FIFO) is written directly: a rename would replace the device. */
static int write_out(const char *path, out_source *src, tolk_error *err)
{
    struct stat st;
    if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
        FILE *f = fopen(path, "wb");
        int ok = f && write_source(f, src);
        ok = f && !fclose(f) && ok;
        if (src->doc_failed)
            return cli_fail(err, src->doc_err.code, "%s", src->doc_err.msg);
        return ok ? TOLK_OK : cli_fail(err, TOLK_E_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return cli_fail(err, TOLK_E_NOMEM, "out of memory");
    snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok = f && write_source(f, src);
    ok = f && !fclose(f) && ok;
    if (!ok || rename(tmp, path)) {
        int e = errno;
        remove(tmp);
        free(tmp);
        if (src->doc_failed)
            return cli_fail(err, src->doc_err.code, "%s", src->doc_err.msg);
        return cli_fail(err, TOLK_E_IO, "%s: cannot write: %s", path, strerror(e));
    }
    free(tmp);
    return TOLK_OK;
}

static int write_file(const char *path, const char *data, size_t len, tolk_error *err)
{
    out_source src = {.data = data, .len = len};
    return write_out(path, &src, err);
}

int cli_translate_document(const cli_doc_opts *o, tolk_session *s)
{
    char *data = NULL;
    size_t len = 0;
    tolk_doc *d = NULL;
    tolk_error err = {0};
    const char *name = strcmp(o->in_path, "-") ? o->in_path : "standard input";
    /* one streamed pass that translates and writes (XLIFF window by window, memory flat however big
     * the file; malformed input fails at open, before anything is written). To a file through a
     * temporary file and a rename, so a failure never leaves half a file; on standard output a
     * failure half way (the model, an interrupt) leaves what was written, and the exit status says so */
    int to_file = o->out_path && strcmp(o->out_path, "-");
    int from_file = strcmp(o->in_path, "-") != 0;
    char spooled[4096];
    int rc = from_file ? TOLK_OK : spool_stdin(spooled, sizeof spooled, &err), spool = !from_file && rc == 0;
    if (rc < 0)
        rc = read_input(o->in_path, &data, &len, &err);
    /* the library reads the keys from the environment (md_front.c), so the flag and the variable
     * are one setting; the flag wins */
    if (!rc && o->front_matter_keys && setenv("TOLK_FRONT_MATTER_KEYS", o->front_matter_keys, 1))
        rc = cli_fail(&err, TOLK_E_NOMEM, "cannot set the front matter keys: %s", strerror(errno));
    if (!rc)
        rc = tolk_doc_open_stream(o->format, from_file ? o->in_path : spool ? spooled : NULL, name, data, len,
                                  o->overwrite, &d, &err);
    if (spool)
        unlink(spooled); /* the mapping (or the copy) stays */
    progress_state ps = {.t0 = now_s(), .last = now_s(), .tty = isatty(2)};
    tolk_doc_progress_fn progress = o->quiet ? NULL : show_progress;
    out_source src = {.doc = d, .opts = o, .session = s, .progress = progress, .progress_user = &ps};
    if (!rc && to_file) {
        rc = write_out(o->out_path, &src, &err);
    } else if (!rc && (!write_source(stdout, &src) || fflush(stdout))) {
        rc = src.doc_failed ? cli_fail(&err, src.doc_err.code, "%s", src.doc_err.msg)
                            : cli_fail(&err, TOLK_E_IO, "cannot write to standard output");
    }
    if (!o->quiet && ps.tty)
        fputc('\n', stderr);
    if (!rc && o->report_path) {
        out_source report = {.doc = d, .report = 1};
        rc = write_out(o->report_path, &report, &err);
    }
    if (!rc && o->term_report_path && !o->copy_source) {
        char *terms = NULL;
        size_t terms_len = 0;
        if (!(rc = tolk_doc_term_report(d, &terms, &terms_len, &err)))
            rc = write_file(o->term_report_path, terms, terms_len, &err);
        free(terms);
    }
    if (!rc && !o->quiet) {
        tolk_doc_stats st;
        tolk_doc_get_stats(d, &st);
        fprintf(stderr, "%zu segments: %zu translated, %zu already done or not to translate, %zu without words, "
                "%zu kept untranslated, %zu flagged%s; %.1f s, %.2f segments/s\n", st.segments, st.translated,
                st.skipped, st.copied, st.kept, st.flagged, st.flagged && !o->report_path ? " (see --report)" : "",
                st.seconds, st.seconds > 0 ? (double)(st.translated + st.kept) / st.seconds : 0.0);
        if (st.tm_exact || st.tm_added)
            fprintf(stderr, "translation memory: %zu reused exactly, %zu added\n", st.tm_exact, st.tm_added);
        if (st.terms_found + st.terms_forced + st.terms_missed)
            fprintf(stderr, "glossary terms: %zu found, %zu forced, %zu missed\n", st.terms_found, st.terms_forced,
                    st.terms_missed);
    }
    tolk_doc_free(d);
    free(data);
    return rc ? cli_error("%s", err.msg) : 0;
}
