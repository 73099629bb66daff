/* libFuzzer harness for the document readers and writers (runtime/formats/): the first byte picks
 * the format (plain text, PO, SRT, WebVTT, XLIFF, Markdown, HTML), the rest is the file. Any bytes
 * must be parsed or refused without a crash, leak, hang or undefined behaviour; a parsed document
 * is translated by two stand-ins (identity, and one that drops a placeholder and loops) and
 * written, and with the identity translation an in-place format must come back unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
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
        if (doc_open(ops, "fuzz", (const char *)data + 1, size - 1, pass, &d, &err))
            return 0;
        doc_translate(d, pass ? mangle : identity, NULL, NULL, NULL, &err);
        char *out = NULL;
        size_t len = 0;
        if (doc_write(d, &out, &len, &err) == TOLK_OK && !pass && !ops->render && !ops->render_part &&
            (len != size - 1 || memcmp(out, data + 1, len)))
            abort(); /* identity must give the input back */
        fmt_buf report = {0};
        doc_report_json(d, ops->name, &report);
        fbuf_free(&report);
        free(out);
        doc_free(d);
    }
    return 0;
}
