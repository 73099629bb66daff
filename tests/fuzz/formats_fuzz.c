/* libFuzzer harness for the document readers and writers (runtime/formats/): the first byte picks
 * the format (plain text, PO, SRT, WebVTT, XLIFF, Markdown, HTML), the rest is the file. Any bytes
 * must be parsed or refused without a crash, leak, hang or undefined behaviour; a parsed document
 * is translated by two stand-ins (identity, and one that drops a placeholder and loops) and
 * written, and with the identity translation an in-place format must come back unchanged. The same
 * bytes through the streamed pass (doc_open_stream, doc_stream_translate: every format window by window,
 * the parser fed a few bytes at a time) must open exactly when the whole path does and write the
 * same output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "doc_stream.h"
#include "doc_translate.h"

static int identity(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                    tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = 0;
    *tokens = 0;
    emit(text, len, eu);
    return TOLK_OK;
}

static int mangle(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                  tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = len % 3 == 0;
    *tokens = 0;
    const char *brace = memchr(text, '{', len);
    emit(text, brace ? (size_t)(brace - text) : len / 2, eu);
    for (int i = 0; i < 50; i++)
        if (emit(" <b>&{9}", 8, eu))
            break;
    return TOLK_OK;
}

static int to_buf(void *user, const char *data, size_t len)
{
    return fbuf_add(user, data, len);
}

/* The streamed pass over the same bytes: opens when the whole path opened (OPENED), and its output
 * is WANT[0..want_len) (when the whole path wrote one). */
static void streamed(const fmt_ops *ops, const uint8_t *data, size_t size, int pass, int opened, const char *want,
                     size_t want_len)
{
    fmt_doc *d = NULL;
    tolk_error err = {0};
    int rc = doc_open_stream(ops, NULL, "fuzz", (const char *)data, size, pass, &d, &err);
    if ((rc == TOLK_OK) != opened)
        abort();
    if (rc)
        return;
    d->stream_piece = 1 + size % 61; /* tiny pieces: windows end anywhere in the input */
    doc_run run;
    if (doc_run_begin(&run, pass ? mangle : identity, NULL, NULL, NULL, d->n_pending_total)) {
        doc_free(d);
        return;
    }
    fmt_buf out = {0};
    rc = doc_stream_translate(d, &run, NULL, to_buf, &out, &err);
    if (!rc && want && (out.n != want_len || (want_len && memcmp(out.p, want, want_len))))
        abort(); /* the same output as the whole path */
    fmt_buf report = {0};
    doc_report_json(d, ops->name, &report);
    fbuf_free(&report);
    fbuf_free(&out);
    doc_run_end(&run);
    doc_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int n_formats = 0;
    while (fmt_all[n_formats])
        n_formats++;
    const fmt_ops *ops = fmt_all[data[0] % n_formats];
    for (int pass = 0; pass < 2; pass++) {
        fmt_doc *d = NULL;
        tolk_error err = {0};
        if (doc_open(ops, "fuzz", (const char *)data + 1, size - 1, pass, &d, &err)) {
            streamed(ops, data + 1, size - 1, pass, 0, NULL, 0);
            return 0;
        }
        int translated = doc_translate(d, pass ? mangle : identity, NULL, NULL, NULL, &err) == TOLK_OK;
        char *out = NULL;
        size_t len = 0;
        int wrote = translated && doc_write(d, &out, &len, &err) == TOLK_OK;
        if (wrote && !pass && !ops->render && !ops->render_part && (len != size - 1 || memcmp(out, data + 1, len)))
            abort(); /* identity must give the input back */
        streamed(ops, data + 1, size - 1, pass, 1, wrote ? out : NULL, len);
        fmt_buf report = {0};
        doc_report_json(d, ops->name, &report);
        fbuf_free(&report);
        free(out);
        doc_free(d);
    }
    return 0;
}
