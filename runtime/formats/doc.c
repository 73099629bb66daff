/* Documents as segments plus edits (doc.h): buffers, segment lists, the format table, writing the
 * original with the edits spliced in, and the JSON report. */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doc.h"
#include "error.h"

int fbuf_add(fmt_buf *b, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    if (b->n + len + 1 > b->cap) {
        size_t cap = (b->n + len + 1) * 2 + 64;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = 0;
    return 0;
}

int fbuf_adds(fmt_buf *b, const char *s)
{
    return fbuf_add(b, s, strlen(s));
}

int fbuf_addc(fmt_buf *b, char c)
{
    return fbuf_add(b, &c, 1);
}

void fbuf_free(fmt_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

extern const fmt_ops fmt_txt_ops, fmt_po_ops, fmt_srt_ops, fmt_vtt_ops, fmt_html_ops, fmt_md_ops,
    fmt_xliff_ops;

const fmt_ops *const fmt_all[] = {&fmt_txt_ops, &fmt_po_ops, &fmt_srt_ops, &fmt_vtt_ops, &fmt_xliff_ops, &fmt_md_ops,
                                  &fmt_html_ops, NULL};

static int word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && !strncasecmp(p, word, n))
            return 1;
        p += k + (e != NULL);
    }
    return 0;
}

const fmt_ops *fmt_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; fmt_all[i]; i++)
        if (!strcasecmp(fmt_all[i]->name, name) || word_in(fmt_all[i]->extensions, name))
            return fmt_all[i];
    return NULL;
}

/* Text files only: valid UTF-8 (a byte order mark is fine), no NUL byte. */
static int check_text(fmt_doc *d, tolk_error *err)
{
    const unsigned char *p = (const unsigned char *)d->data;
    size_t n = d->len;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t k = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
        int ok = k && i + k <= n && c != 0;
        for (size_t j = 1; ok && j < k; j++)
            ok = (p[i + j] & 0xc0) == 0x80;
        if (ok && k == 3)
            ok = !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] >= 0xa0);
        if (ok && k == 4)
            ok = !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] >= 0x90);
        if (!ok)
            return error_set(err, TOLK_E_FORMAT, "line %zu: %s", doc_line_at(d, i),
                             c ? "invalid UTF-8 (tolk reads UTF-8 text files)" : "a NUL byte (not a text file)");
        i += k;
    }
    return TOLK_OK;
}

int doc_open(const fmt_ops *ops, const char *name, const char *data, size_t len, int overwrite, fmt_doc **out,
             tolk_error *err)
{
    *out = NULL;
    if (!ops) {
        const char *dot = name ? strrchr(name, '.') : NULL;
        ops = dot ? fmt_find(dot + 1) : NULL;
        if (!ops)
            return error_set(err, TOLK_E_ARG, "%s: cannot tell the format from the file name; pass --format "
                             "(txt, po, srt, vtt, xliff, md, html)", name ? name : "input");
    }
    fmt_doc *d = calloc(1, sizeof *d);
    if (!d)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    d->ops = ops;
    d->overwrite = overwrite;
    d->mark_mt = 1;
    d->name = strdup(name ? name : "input");
    d->data = malloc(len + 1);
    if (!d->name || !d->data) {
        doc_free(d);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    if (len)
        memcpy(d->data, data, len);
    d->data[len] = 0;
    d->len = len;
    int rc = check_text(d, err);
    if (!rc)
        rc = ops->parse(d, err);
    if (rc) {
        for (char *p = err ? err->msg : NULL; p && *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' '; /* one line, whatever a library said */
        if (err && strncmp(err->msg, "tolk was built without", 22))
            error_prefix(err, d->name);
        doc_free(d);
        return rc;
    }
    *out = d;
    return TOLK_OK;
}

static void clear_edits(fmt_doc *d)
{
    for (size_t i = 0; i < d->n_edits; i++)
        free(d->edits[i].bytes);
    d->n_edits = 0;
}

void doc_free(fmt_doc *d)
{
    if (!d)
        return;
    if (d->ops && d->ops->free_state)
        d->ops->free_state(d);
    for (size_t i = 0; i < d->n_segs; i++) {
        fmt_seg *s = &d->segs[i];
        free(s->src);
        free(s->codes);
        free(s->id);
        free(s->out);
        free(s->model_out);
    }
    clear_edits(d);
    free(d->edits);
    free(d->segs);
    free(d->name);
    free(d->data);
    free(d);
}

fmt_seg *doc_add_seg(fmt_doc *d, const char *text, size_t len, size_t start, size_t end)
{
    if (d->n_segs == d->cap_segs) {
        size_t cap = d->cap_segs ? d->cap_segs * 2 : 64;
        fmt_seg *p = realloc(d->segs, cap * sizeof *p);
        if (!p)
            return NULL;
        d->segs = p;
        d->cap_segs = cap;
    }
    fmt_seg *s = &d->segs[d->n_segs];
    memset(s, 0, sizeof *s);
    s->src = malloc(len + 1);
    if (!s->src)
        return NULL;
    if (len)
        memcpy(s->src, text, len);
    s->src[len] = 0;
    s->src_len = len;
    s->start = start;
    s->end = end;
    s->line = doc_line_at(d, start);
    d->n_segs++;
    return s;
}

int seg_add_code(fmt_seg *s, size_t start, size_t end)
{
    if (s->n_codes == s->cap_codes) {
        size_t cap = s->cap_codes ? s->cap_codes * 2 : 8;
        fmt_code *p = realloc(s->codes, cap * sizeof *p);
        if (!p)
            return -1;
        s->codes = p;
        s->cap_codes = cap;
    }
    s->codes[s->n_codes] = (fmt_code){.start = start, .end = end, .pair = -1};
    return (int)s->n_codes++;
}

int seg_set_id(fmt_seg *s, const char *id, size_t len)
{
    free(s->id);
    s->id = strndup(id, len);
    return s->id ? 0 : -1;
}

int doc_add_edit(fmt_doc *d, size_t start, size_t end, const char *bytes, size_t len)
{
    if (d->n_edits == d->cap_edits) {
        size_t cap = d->cap_edits ? d->cap_edits * 2 : 64;
        fmt_edit *p = realloc(d->edits, cap * sizeof *p);
        if (!p)
            return -1;
        d->edits = p;
        d->cap_edits = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, bytes, len);
    d->edits[d->n_edits] = (fmt_edit){.start = start, .end = end, .bytes = copy, .len = len, .seq = d->n_edits};
    d->n_edits++;
    return 0;
}

size_t doc_line_at(fmt_doc *d, size_t off)
{
    if (off > d->len)
        off = d->len;
    if (off < d->line_off || !d->line_no) {
        d->line_off = 0;
        d->line_no = 1;
    }
    for (const char *p = d->data + d->line_off, *e = d->data + off; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        d->line_no++;
    d->line_off = off;
    return d->line_no;
}

static int edit_cmp(const void *a, const void *b)
{
    const fmt_edit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    /* insertions (empty ranges) before replacements at the same place; then first queued first */
    if ((x->end == x->start) != (y->end == y->start))
        return x->end == x->start ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int render_in_place(fmt_doc *d)
{
    for (size_t i = 0; i < d->n_segs; i++) {
        const fmt_seg *s = &d->segs[i];
        if (s->status == SEG_TRANSLATED && doc_add_edit(d, s->start, s->end, s->out, s->out_len))
            return -1;
    }
    return 0;
}

int doc_write(fmt_doc *d, char **out, size_t *len, tolk_error *err)
{
    *out = NULL;
    *len = 0;
    clear_edits(d);
    int rc = d->ops->render ? d->ops->render(d, err) : (render_in_place(d) ? TOLK_E_NOMEM : TOLK_OK);
    if (rc == TOLK_E_NOMEM || rc < 0)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    if (rc)
        return rc;
    /* stable order: the queue order breaks ties */
    if (d->n_edits)
        qsort(d->edits, d->n_edits, sizeof *d->edits, edit_cmp);
    fmt_buf b = {0};
    size_t at = 0, size = d->len + 1;
    for (size_t i = 0; i < d->n_edits; i++)
        size += d->edits[i].len;
    if (!(b.p = malloc(size)))
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    b.cap = size; /* one allocation of the final size */
    for (size_t i = 0; i < d->n_edits; i++) {
        const fmt_edit *e = &d->edits[i];
        if (e->start < at || e->end < e->start || e->end > d->len) {
            fbuf_free(&b);
            return error_set(err, TOLK_E_STATE, "%s: overlapping edits at byte %zu (a bug in the %s writer)",
                             d->name, e->start, d->ops->name);
        }
        if (fbuf_add(&b, d->data + at, e->start - at) || fbuf_add(&b, e->bytes, e->len)) {
            fbuf_free(&b);
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        }
        at = e->end;
    }
    if (fbuf_add(&b, d->data + at, d->len - at) || fbuf_add(&b, "", 0) || (!b.p && !(b.p = calloc(1, 1)))) {
        fbuf_free(&b);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    *out = b.p;
    *len = b.n;
    return TOLK_OK;
}

int doc_json_string(fmt_buf *b, const char *text, size_t len)
{
    int rc = fbuf_addc(b, '"');
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = (unsigned char)text[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            rc = fbuf_add(b, esc, 2);
        } else if (c == '\n') {
            rc = fbuf_adds(b, "\\n");
        } else if (c == '\t') {
            rc = fbuf_adds(b, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            rc = fbuf_adds(b, esc);
        } else if (c >= 0x80) {
            /* copy a valid UTF-8 sequence, replace a stray byte with U+FFFD */
            size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
            int ok = n && i + n <= len;
            for (size_t k = 1; ok && k < n; k++)
                ok = ((unsigned char)text[i + k] & 0xc0) == 0x80;
            if (ok) {
                rc = fbuf_add(b, text + i, n);
                i += n - 1;
            } else {
                rc = fbuf_adds(b, "\\ufffd");
            }
        } else {
            rc = fbuf_addc(b, (char)c);
        }
    }
    return rc || fbuf_addc(b, '"');
}

static const char *status_name(int status)
{
    switch (status) {
    case SEG_SKIPPED: return "skipped";
    case SEG_COPIED: return "copied";
    case SEG_TRANSLATED: return "translated";
    case SEG_KEPT: return "kept";
    default: return "pending";
    }
}

int doc_report_json(const fmt_doc *d, const char *format_name, fmt_buf *b)
{
    size_t count[5] = {0}, flagged = 0;
    for (size_t i = 0; i < d->n_segs; i++) {
        count[d->segs[i].status]++;
        flagged += d->segs[i].check != NULL;
    }
    char num[256];
    int rc = fbuf_adds(b, "{\"file\": ") || doc_json_string(b, d->name, strlen(d->name)) ||
             fbuf_adds(b, ", \"format\": ") || doc_json_string(b, format_name, strlen(format_name));
    snprintf(num, sizeof num, ", \"segments\": %zu, \"translated\": %zu, \"skipped\": %zu, \"copied\": %zu, "
             "\"kept\": %zu, \"flagged\": %zu, \"seconds\": %.3f, \"tokens\": %lld, \"tm_exact\": %zu, "
             "\"terms\": {\"found\": %zu, \"forced\": %zu, \"missed\": %zu}, \"problems\": [",
             d->n_segs, count[SEG_TRANSLATED], count[SEG_SKIPPED], count[SEG_COPIED], count[SEG_KEPT], flagged,
             d->seconds, d->n_tokens, d->n_tm_exact, d->n_terms[0], d->n_terms[1], d->n_terms[2]);
    rc = rc || fbuf_adds(b, num);
    int first = 1;
    for (size_t i = 0; i < d->n_segs && !rc; i++) {
        const fmt_seg *s = &d->segs[i];
        if (!s->check)
            continue;
        snprintf(num, sizeof num, "%s\n  {\"segment\": %zu, \"line\": %zu, \"check\": \"%s\", \"status\": \"%s\"",
                 first ? "" : ",", i + 1, s->line, s->check, status_name(s->status));
        first = 0;
        rc = fbuf_adds(b, num);
        if (s->id)
            rc = rc || fbuf_adds(b, ", \"id\": ") || doc_json_string(b, s->id, strlen(s->id));
        rc = rc || fbuf_adds(b, ", \"source\": ") || doc_json_string(b, s->src, s->src_len);
        if (s->model_out)
            rc = rc || fbuf_adds(b, ", \"output\": ") || doc_json_string(b, s->model_out, strlen(s->model_out));
        rc = rc || fbuf_addc(b, '}');
    }
    return rc || fbuf_adds(b, first ? "]}\n" : "\n]}\n");
}

int doc_plain_text(const fmt_doc *d, const char *text, size_t len, fmt_buf *out)
{
    static const struct { const char *ref; char c; } refs[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < len; i++) {
        int done = 0;
        for (size_t r = 0; d->ops->escape != ESC_NONE && text[i] == '&' && r < sizeof refs / sizeof refs[0]; r++) {
            size_t k = strlen(refs[r].ref);
            if (len - i >= k && !memcmp(text + i, refs[r].ref, k)) {
                if (fbuf_addc(out, refs[r].c))
                    return -1;
                i += k - 1;
                done = 1;
                break;
            }
        }
        if (!done && fbuf_addc(out, text[i]))
            return -1;
    }
    return fbuf_add(out, "", 0);
}
