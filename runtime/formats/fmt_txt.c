/* Plain text: one segment per paragraph (lines up to a blank line); the blank lines, line ends and
 * the whitespace around each paragraph stay as they are. Streamed paragraph by paragraph
 * (doc_stream_by_parse): a window ends after any paragraph. */
#include <config.h>

#include "doc.h"
#include "error.h"

static int blank_line_at(const char *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
        i++;
    return i >= n || p[i] == '\n';
}

static int txt_parse(fmt_doc *d, tolk_error *err)
{
    const char *p = d->data;
    size_t n = d->len, i = 0;
    while (i < n) {
        /* skip blank lines */
        while (i < n && blank_line_at(p, n, i)) {
            while (i < n && p[i] != '\n')
                i++;
            i += i < n;
        }
        if (i >= n)
            break;
        size_t start = i, end = i;
        while (i < n && !blank_line_at(p, n, i)) {
            while (i < n && p[i] != '\n')
                i++;
            end = i;
            i += i < n;
        }
        while (end > start && (p[end - 1] == '\r' || p[end - 1] == ' ' || p[end - 1] == '\t'))
            end--;
        while (start < end && (p[start] == ' ' || p[start] == '\t'))
            start++;
        if (end > start && !doc_add_seg(d, p + start, end - start, start, end))
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        int rc = doc_window_point(d, i, err);
        if (rc)
            return rc;
    }
    return TOLK_OK;
}

const fmt_ops fmt_txt_ops = {.name = "txt", .extensions = "txt text",
                           .escape = ESC_NONE, .sentences = 1, .parse = txt_parse,
                           .stream = doc_stream_by_parse};
