/* gettext PO files, read by hand: the format is line-based and small, and libgettextpo (the one
 * Debian library) neither reports byte offsets nor writes a file back byte for byte. Each entry's
 * msgid (and msgid_plural) is a segment; a translation replaces only the entry's msgstr lines
 * (msgstr[0..n-1] for plurals, n from the header's Plural-Forms), adds "fuzzy" to its flags so a
 * reviewer sees it came from tolk, and a "# tolk: CHECK" comment when a check flagged it. Entries
 * with a translation are left alone unless overwrite is set; the header and obsolete (#~) entries
 * always are. Placeholders (c-format %s, python-format %(name)s and {name}) are protected by the
 * generic rules. Only UTF-8 (or ASCII) files are accepted. Streamed entry by entry
 * (doc_stream_by_parse): a window ends after any entry; the header's plural count stays. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "error.h"

typedef struct po_entry {
    size_t insert_at;       /* where a new "#, fuzzy" or "# tolk:" line goes (start of a line) */
    size_t flags_end;       /* end of the "#," line's text (before its line end), 0: none */
    int fuzzy;              /* the flags already say fuzzy */
    size_t str_start, str_end; /* every msgstr line of the entry (str_end: end of the last line's text) */
    int plural;
    int first_seg;          /* index of its first segment, -1: none */
    const char *eol;
} po_entry;

typedef struct po_state {
    po_entry *entries;
    size_t n, cap;
    int nplurals;
} po_state;

static void po_free(fmt_doc *d)
{
    po_state *st = d->state;
    if (st) {
        free(st->entries);
        free(st);
    }
    d->state = NULL;
}

static void po_drop_window(fmt_doc *d)
{
    po_state *st = d->state;
    if (st)
        st->n = 0;
}

/* Decodes the C string starting at P[*i] (at its opening quote) up to E into OUT. */
static int read_string(const char *p, size_t *i, size_t e, fmt_buf *out)
{
    size_t k = *i;
    if (k >= e || p[k] != '"')
        return 1;
    for (k++; k < e && p[k] != '"'; k++) {
        char c = p[k];
        if (c == '\\') {
            if (++k >= e)
                return 1;
            const char *from = "ntr\"\\abfv?'", *to = "\n\t\r\"\\\a\b\f\v?'";
            const char *hit = strchr(from, p[k]);
            if (hit && p[k]) {
                c = to[hit - from];
            } else if (p[k] >= '0' && p[k] <= '7') {
                int v = 0, digits = 0;
                while (k < e && digits < 3 && p[k] >= '0' && p[k] <= '7') {
                    v = v * 8 + (p[k++] - '0');
                    digits++;
                }
                k--;
                c = (char)v;
            } else if (p[k] == 'x') {
                int v = 0, digits = 0;
                while (k + 1 < e && digits < 2 && strchr("0123456789abcdefABCDEF", p[k + 1]) && p[k + 1]) {
                    char h = p[++k];
                    v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                    digits++;
                }
                if (!digits)
                    return 1;
                c = (char)v;
            } else {
                return 1;
            }
        }
        if (fbuf_addc(out, c))
            return -1;
    }
    if (k >= e)
        return 1;
    k++;
    while (k < e && (p[k] == ' ' || p[k] == '\t'))
        k++;
    if (k < e)
        return 1; /* something after the closing quote */
    *i = k;
    return 0;
}

static int line_is(const char *p, size_t s, size_t e, const char *kw)
{
    size_t n = strlen(kw);
    return e - s > n && !memcmp(p + s, kw, n) && (p[s + n] == ' ' || p[s + n] == '\t' || p[s + n] == '"');
}

enum { F_CTXT, F_ID, F_PLURAL, F_STR };

typedef struct entry_text {
    fmt_buf f[4];
    int seen[4];
    int n_strs;      /* msgstr lines */
    int str_filled;  /* a msgstr is non-empty */
} entry_text;

static void entry_text_free(entry_text *t)
{
    for (int k = 0; k < 4; k++)
        fbuf_free(&t->f[k]);
    memset(t, 0, sizeof *t);
}

/* nplurals from the header's Plural-Forms; 2 when absent. */
static int header_nplurals(const char *h, size_t n)
{
    const char *pf = memmem(h, n, "nplurals=", 9);
    if (!pf)
        return 2;
    int v = atoi(pf + 9);
    return v >= 1 && v <= 10 ? v : 2;
}

static int header_charset_ok(const char *h, size_t n)
{
    const char *cs = memmem(h, n, "charset=", 8);
    if (!cs)
        return 1;
    cs += 8;
    size_t left = n - (size_t)(cs - h);
    static const char *const ok[] = {"UTF-8", "utf-8", "utf8", "UTF8", "ASCII", "CHARSET", "us-ascii", NULL};
    for (int i = 0; ok[i]; i++)
        if (left >= strlen(ok[i]) && !strncmp(cs, ok[i], strlen(ok[i])))
            return 1;
    return 0;
}

/* Closes the entry being read: segments for its msgid/msgid_plural. */
static int finish_entry(fmt_doc *d, po_state *st, po_entry *pe, entry_text *t, size_t line_no, tolk_error *err)
{
    if (!t->seen[F_ID]) {
        if (t->seen[F_CTXT] || t->seen[F_STR] || t->seen[F_PLURAL])
            return error_set(err, TOLK_E_FORMAT, "line %zu: an entry without msgid", line_no);
        return TOLK_OK; /* comments only (obsolete entries, a trailing comment) */
    }
    if (!t->seen[F_STR])
        return error_set(err, TOLK_E_FORMAT, "line %zu: msgid without msgstr", line_no);
    pe->plural = t->seen[F_PLURAL];
    pe->first_seg = -1;
    if (t->f[F_ID].n == 0 && !t->seen[F_CTXT]) { /* the header */
        if (!header_charset_ok(t->f[F_STR].p ? t->f[F_STR].p : "", t->f[F_STR].n))
            return error_set(err, TOLK_E_UNSUPPORTED, "only UTF-8 PO files are read (convert with msgconv "
                             "--to-code=UTF-8)");
        st->nplurals = header_nplurals(t->f[F_STR].p ? t->f[F_STR].p : "", t->f[F_STR].n);
    } else {
        int skip = t->str_filled && !d->overwrite;
        for (int k = 0; k < 1 + pe->plural; k++) {
            const fmt_buf *src = &t->f[k ? F_PLURAL : F_ID];
            fmt_seg *s = doc_add_seg(d, src->p ? src->p : "", src->n, pe->str_start, pe->str_start);
            if (!s)
                return error_set(err, TOLK_E_NOMEM, "out of memory");
            if (seg_add_tag_codes(s))
                return error_set(err, TOLK_E_NOMEM, "out of memory");
            s->group = (int)st->n;
            s->part = k;
            s->status = skip ? SEG_SKIPPED : SEG_PENDING;
            if (t->seen[F_CTXT] && seg_set_id(s, t->f[F_CTXT].p ? t->f[F_CTXT].p : "", t->f[F_CTXT].n))
                return error_set(err, TOLK_E_NOMEM, "out of memory");
            if (k == 0)
                pe->first_seg = (int)d->n_segs - 1;
        }
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 64;
        po_entry *e = realloc(st->entries, cap * sizeof *e);
        if (!e)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        st->entries = e;
        st->cap = cap;
    }
    st->entries[st->n++] = *pe;
    return TOLK_OK;
}

static int po_parse(fmt_doc *d, tolk_error *err)
{
    po_state *st = calloc(1, sizeof *st);
    if (!st)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    st->nplurals = 2;
    d->state = st;
    const char *p = d->data;
    size_t n = d->len, i = 0, line_no = 0;
    if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        i = 3;
    po_entry pe = {.insert_at = i, .eol = "\n"};
    entry_text t = {0};
    int field = -1, in_strs = 0, have_keyword_line = 0, rc = TOLK_OK;
    while (i < n && !rc) {
        size_t s = i;
        const char *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n;
        i = nl ? e + 1 : n;
        line_no++;
        if (e > s && p[e - 1] == '\r') {
            e--;
            pe.eol = "\r\n";
        }
        size_t k = s;
        while (k < e && (p[k] == ' ' || p[k] == '\t'))
            k++;
        int keyword = k < e && p[k] == 'm';
        /* a comment or keyword after the msgstr lines starts a new entry */
        if (in_strs && (k == e || p[k] == '#' || (keyword && !line_is(p, k, e, "msgstr") &&
                                                  strncmp(p + k, "msgstr[", 7)))) {
            rc = finish_entry(d, st, &pe, &t, line_no, err);
            entry_text_free(&t);
            pe = (po_entry){.insert_at = s, .eol = pe.eol};
            in_strs = have_keyword_line = 0;
            field = -1;
            if (!rc)
                rc = doc_window_point(d, s, err);
            if (rc)
                break;
        }
        if (k == e) {
            if (!have_keyword_line)
                pe.insert_at = i;
            continue;
        }
        if (p[k] == '#') {
            if (have_keyword_line && !in_strs) {
                rc = error_set(err, TOLK_E_FORMAT, "line %zu: a comment inside an entry", line_no);
                break;
            }
            if (e - k >= 2 && p[k + 1] == ',') {
                pe.flags_end = e;
                pe.fuzzy = memmem(p + k, e - k, "fuzzy", 5) != NULL;
                pe.insert_at = i; /* new comment lines go after the flags */
            } else if (e - k >= 2 && p[k + 1] == '|' && pe.insert_at > s) {
                pe.insert_at = s;
            } else if (!(e - k >= 2 && p[k + 1] == '|')) {
                pe.insert_at = i;
            }
            continue;
        }
        if (p[k] == '"') {
            if (field < 0) {
                rc = error_set(err, TOLK_E_FORMAT, "line %zu: a string outside msgid or msgstr", line_no);
                break;
            }
        } else {
            int f = line_is(p, k, e, "msgctxt") ? F_CTXT : line_is(p, k, e, "msgid_plural") ? F_PLURAL :
                    line_is(p, k, e, "msgid") ? F_ID : line_is(p, k, e, "msgstr") || !strncmp(p + k, "msgstr[", 7) ?
                    F_STR : -1;
            if (f < 0) {
                rc = error_set(err, TOLK_E_FORMAT, "line %zu: expected msgctxt, msgid, msgstr, a comment or a "
                               "string", line_no);
                break;
            }
            if (f != F_STR && (t.seen[f] || (f == F_CTXT && t.seen[F_ID]) || (f == F_PLURAL && !t.seen[F_ID]))) {
                rc = error_set(err, TOLK_E_FORMAT, "line %zu: %s out of place", line_no,
                               f == F_CTXT ? "msgctxt" : f == F_ID ? "msgid" : "msgid_plural");
                break;
            }
            if (f == F_STR && !t.seen[F_ID]) {
                rc = error_set(err, TOLK_E_FORMAT, "line %zu: msgstr without msgid", line_no);
                break;
            }
            if (f == F_STR && (p[k + 6] == '[') != t.seen[F_PLURAL]) {
                rc = error_set(err, TOLK_E_FORMAT, t.seen[F_PLURAL] ? "line %zu: msgid_plural needs msgstr[N]" :
                               "line %zu: msgstr[N] without msgid_plural", line_no);
                break;
            }
            if (f == F_STR && !in_strs) {
                in_strs = 1;
                pe.str_start = s;
            }
            if (f == F_STR && t.n_strs++ && t.f[F_STR].n)
                t.str_filled = 1;
            if (f == F_STR)
                t.f[F_STR].n = 0; /* each form is read alone; str_filled remembers a filled one */
            have_keyword_line = 1;
            t.seen[f] = 1;
            field = f;
            while (k < e && p[k] != ' ' && p[k] != '\t' && p[k] != '"')
                k++;
            while (k < e && (p[k] == ' ' || p[k] == '\t'))
                k++;
        }
        int r = read_string(p, &k, e, &t.f[field]);
        if (r < 0)
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        else if (r)
            rc = error_set(err, TOLK_E_FORMAT, "line %zu: a malformed string (a quote or escape missing)", line_no);
        if (field == F_STR) {
            pe.str_end = e;
            if (t.f[F_STR].n)
                t.str_filled = 1;
        }
    }
    if (!rc)
        rc = finish_entry(d, st, &pe, &t, line_no, err);
    entry_text_free(&t);
    return rc;
}

static int add_po_string(fmt_buf *b, const char *s, size_t n)
{
    int rc = fbuf_addc(b, '"');
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        switch (c) {
        case '"': rc = fbuf_adds(b, "\\\""); break;
        case '\\': rc = fbuf_adds(b, "\\\\"); break;
        case '\n': rc = fbuf_adds(b, "\\n"); break;
        case '\t': rc = fbuf_adds(b, "\\t"); break;
        case '\r': rc = fbuf_adds(b, "\\r"); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(esc, sizeof esc, "\\%03o", c);
                rc = fbuf_adds(b, esc);
            } else {
                rc = fbuf_addc(b, (char)c);
            }
        }
    }
    return rc || fbuf_addc(b, '"');
}

/* `KEYWORD "text"`, or `KEYWORD ""` and one line per "\n"-ended piece when TEXT has inner line breaks. */
static int add_msgstr(fmt_buf *b, const char *keyword, const char *text, size_t n, const char *eol)
{
    const char *nl = memchr(text, '\n', n);
    int rc = fbuf_adds(b, keyword) || fbuf_addc(b, ' ');
    if (!nl || (size_t)(nl - text) == n - 1)
        return rc || add_po_string(b, text, n);
    rc = rc || add_po_string(b, "", 0);
    for (size_t i = 0; i < n && !rc;) {
        const char *e = memchr(text + i, '\n', n - i);
        size_t k = e ? (size_t)(e - text) + 1 : n;
        rc = fbuf_adds(b, eol) || add_po_string(b, text + i, k - i);
        i = k;
    }
    return rc;
}

static int po_render(fmt_doc *d, tolk_error *err)
{
    (void)err;
    po_state *st = d->state;
    for (size_t ei = 0; ei < st->n; ei++) {
        const po_entry *pe = &st->entries[ei];
        if (pe->first_seg < 0)
            continue;
        const fmt_seg *one = &d->segs[pe->first_seg], *many = pe->plural ? one + 1 : one;
        int done_one = one->status == SEG_TRANSLATED || one->status == SEG_COPIED;
        int done_many = many->status == SEG_TRANSLATED || many->status == SEG_COPIED;
        if (!done_one || !done_many)
            continue; /* kept or skipped: the entry stays as it was */
        fmt_buf b = {0};
        int rc = 0;
        if (!pe->plural) {
            rc = add_msgstr(&b, "msgstr", one->out, one->out_len, pe->eol);
        } else {
            for (int k = 0; k < st->nplurals && !rc; k++) {
                char kw[32];
                snprintf(kw, sizeof kw, "msgstr[%d]", k);
                const fmt_seg *s = k == 0 && st->nplurals > 1 ? one : many;
                rc = (k && fbuf_adds(&b, pe->eol)) || add_msgstr(&b, kw, s->out, s->out_len, pe->eol);
            }
        }
        rc = rc || doc_add_edit(d, pe->str_start, pe->str_end, b.p, b.n);
        fbuf_free(&b);
        const char *check = one->check ? one->check : many->check;
        if (!rc && check) {
            char line[96];
            snprintf(line, sizeof line, "# tolk: %s%s", check, pe->eol);
            rc = doc_add_edit(d, pe->insert_at, pe->insert_at, line, strlen(line));
        }
        if (!rc && d->mark_mt && !pe->fuzzy) {
            if (pe->flags_end) {
                rc = doc_add_edit(d, pe->flags_end, pe->flags_end, ", fuzzy", 7);
            } else {
                char line[32];
                snprintf(line, sizeof line, "#, fuzzy%s", pe->eol);
                rc = doc_add_edit(d, pe->insert_at, pe->insert_at, line, strlen(line));
            }
        }
        if (rc)
            return -1;
    }
    return TOLK_OK;
}

const fmt_ops fmt_po_ops = {.name = "po", .extensions = "po pot", .escape = ESC_NONE, .sentences = 1, .parse = po_parse,
                            .render = po_render, .free_state = po_free,
                            .stream = doc_stream_by_parse, .drop_window = po_drop_window};
