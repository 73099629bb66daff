/* HTML through a tag-aware tokenizer of its own: libxml2's HTML parser rebuilds a tree and cannot
 * give the file back byte for byte, and only the boundaries between text and markup matter here.
 * Text runs with their inline elements (a, b, em, span, br, img, ...) form one segment up to the
 * next block-level tag; inline tags are codes (a start tag and its end tag a pair that must stay in
 * order), <code>/<kbd>/<samp>/<var> elements whole. The attributes a reader sees as text (alt,
 * title, placeholder, aria-label, an option's label, a button's value, a <meta> description's content: see
 * html_text_attrs) are translated: inside a segment as text between the tag's pieces, on block
 * tags as segments of their own. <script>, <style>, <pre>, <textarea>, comments, doctypes, processing
 * instructions and elements marked translate="no" or class="notranslate" are left alone. An
 * unclosed tag is an error with its line. Streamed (doc_stream_by_parse): a window may end after
 * any block-level tag. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doc.h"
#include "error.h"

static int is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int name_in(const char *name, size_t n, const char *list)
{
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && !strncasecmp(p, name, n))
            return 1;
        p += k + (e != NULL);
    }
    return 0;
}

static const char inline_tags[] = "a abbr b bdi bdo big br cite data dfn em font i img ins del label mark q s "
                                  "small span strong sub sup time tt u wbr";
static const char code_tags[] = "code kbd samp var";     /* kept whole, content included */
static const char raw_tags[] = "script style pre textarea"; /* content left alone */

/* A tag at P[i] ('<'): its end (after '>'), name range; 0 when unterminated. */
static size_t tag_end(const char *p, size_t n, size_t i)
{
    char quote = 0;
    for (size_t k = i + 1; k < n; k++) {
        if (quote) {
            if (p[k] == quote)
                quote = 0;
        } else if (p[k] == '"' || p[k] == '\'') {
            /* quotes only count inside attributes (after the name and a '=') */
            size_t b = k;
            while (b > i && is_ws(p[b - 1]))
                b--;
            if (b > i && p[b - 1] == '=')
                quote = p[k];
        } else if (p[k] == '>') {
            return k + 1;
        }
    }
    return 0;
}

/* Which attribute values a reader sees as text: alt, title, placeholder and aria-label on any tag;
 * label on <option>, <optgroup> and <track>; value on <input type="button|submit|reset">; content
 * on <meta name|property="description", "keywords", "og:title", "og:description", "twitter:title"
 * or "twitter:description">. */
static const char text_attrs[] = "alt title placeholder aria-label";
static const char meta_text_names[] = "description keywords og:title og:description twitter:title twitter:description";

/* The value ranges of the quoted attributes of the tag [s, e) that hold text (text_attrs, and the
 * values named above); returns how many (at most MAX_ATTRS), in file order.
 * *NO_TRANSLATE: the tag says translate="no" (HTML5) or has the class "notranslate" (the convention
 * of web translation services). */
int html_text_attrs(const char *p, size_t s, size_t e, size_t vs[MAX_ATTRS], size_t ve[MAX_ATTRS],
                    int *no_translate)
{
    *no_translate = 0;
    size_t k = s + 1;
    int n = 0;
    while (k < e && !is_ws(p[k]) && p[k] != '>' && p[k] != '/')
        k++;
    const char *tag = p + s + 1;
    size_t tag_len = (size_t)(p + k - tag);
    int is_input = name_in(tag, tag_len, "input"), is_meta = name_in(tag, tag_len, "meta");
    int has_label = name_in(tag, tag_len, "option optgroup track");
    int button = 0, meta_text = 0;       /* type="submit" seen; name="description" seen */
    size_t cond_s = 0, cond_e = 0;       /* the value= or content= range waiting for those */
    while (k < e) {
        while (k < e && (is_ws(p[k]) || p[k] == '/'))
            k++;
        size_t ns = k;
        while (k < e && !is_ws(p[k]) && p[k] != '=' && p[k] != '>' && p[k] != '/')
            k++;
        size_t ne = k;
        if (ne == ns)
            break;
        while (k < e && is_ws(p[k]))
            k++;
        if (k >= e || p[k] != '=')
            continue;
        k++;
        while (k < e && is_ws(p[k]))
            k++;
        size_t a, b;
        int quoted = k < e && (p[k] == '"' || p[k] == '\'');
        if (quoted) {
            const char *q = memchr(p + k + 1, p[k], e - k - 1);
            if (!q)
                break;
            a = k + 1;
            b = (size_t)(q - p);
            k = b + 1;
        } else {
            a = k;
            while (k < e && !is_ws(p[k]) && p[k] != '>')
                k++;
            b = k;
        }
        const char *name = p + ns;
        size_t name_len = ne - ns;
        if (name_in(name, name_len, "translate") && b - a == 2 && !strncasecmp(p + a, "no", 2))
            *no_translate = 1;
        if (name_in(name, name_len, "class"))
            for (size_t w = a; w + 11 <= b; w++)
                if (!strncasecmp(p + w, "notranslate", 11) && (w == a || is_ws(p[w - 1])) &&
                    (w + 11 == b || is_ws(p[w + 11])))
                    *no_translate = 1;
        if (is_input && name_in(name, name_len, "type") && name_in(p + a, b - a, "button submit reset"))
            button = 1;
        if (is_meta && name_in(name, name_len, "name property") && name_in(p + a, b - a, meta_text_names))
            meta_text = 1;
        /* an unquoted value is left alone: a translation with a space would end it */
        if (!quoted || b == a)
            continue;
        if ((is_input && name_in(name, name_len, "value")) || (is_meta && name_in(name, name_len, "content"))) {
            cond_s = a;
            cond_e = b;
        } else if ((name_in(name, name_len, text_attrs) || (has_label && name_in(name, name_len, "label"))) &&
                   n < MAX_ATTRS) {
            vs[n] = a;
            ve[n] = b;
            n++;
        }
    }
    if (cond_e > cond_s && (button || meta_text) && n < MAX_ATTRS) {
        int at = n; /* in file order among the others */
        while (at > 0 && vs[at - 1] > cond_s) {
            vs[at] = vs[at - 1];
            ve[at] = ve[at - 1];
            at--;
        }
        vs[at] = cond_s;
        ve[at] = cond_e;
        n++;
    }
    return n;
}

typedef struct html_seg {
    size_t start, end; /* content so far, 0/0: none */
    int has_text;
    size_t code_s[512], code_e[512];
    int code_pair[512];
    int n_codes;
    int overflow;
    int open_code[64];      /* inline elements opened in the segment and not closed yet: their code */
    size_t open_name[64];   /* and where their name starts in the file */
    int n_open;
} html_seg;

static int flush(fmt_doc *d, html_seg *h)
{
    int rc = 0;
    if (h->end > h->start && !h->overflow) {
        fmt_seg *s = doc_add_seg_ref(d, h->start, h->end - h->start, h->start, h->end);
        if (!s)
            return -1;
        for (int c = 0; c < h->n_codes && !rc; c++) {
            int idx = seg_add_code(s, h->code_s[c] - h->start, h->code_e[c] - h->start);
            rc = idx < 0;
            if (!rc && h->code_pair[c] >= 0) {
                s->codes[idx].pair = h->code_pair[c];
                s->codes[h->code_pair[c]].pair = idx;
                s->codes[h->code_pair[c]].opens = 1;
            }
        }
    }
    h->start = h->end = 0;
    h->n_codes = 0;
    h->n_open = 0;
    h->has_text = 0;
    h->overflow = 0;
    return rc;
}

static void add_code(html_seg *h, size_t s, size_t e, int pair_with)
{
    if (h->end == 0 && h->start == 0)
        h->start = s;
    if (h->n_codes == 512) {
        h->overflow = 1; /* a paragraph with hundreds of tags stays untranslated rather than broken */
        return;
    }
    h->code_s[h->n_codes] = s;
    h->code_e[h->n_codes] = e;
    h->code_pair[h->n_codes] = pair_with;
    h->n_codes++;
    h->end = e;
}

/* The end of the element NAME whose content starts at I, counting the elements of the same name
 * inside it (<div translate="no"><div>..</div></div>); N when it never closes. */
static size_t element_end(const char *p, size_t n, size_t i, const char *name, size_t name_len)
{
    int depth = 1;
    for (size_t k = i; k + 1 + name_len < n; k++) {
        if (p[k] != '<')
            continue;
        int closing = p[k + 1] == '/';
        size_t at = k + 1 + (size_t)closing;
        if (at + name_len > n || strncasecmp(p + at, name, name_len) ||
            !(at + name_len == n || p[at + name_len] == '>' || p[at + name_len] == '/' || is_ws(p[at + name_len])))
            continue;
        size_t e = tag_end(p, n, k);
        if (!e)
            return n;
        if (!closing && p[e - 2] != '/')
            depth++;
        else if (closing && --depth == 0)
            return e;
        k = e - 1;
    }
    return n;
}

/* The end of the element whose content starts at I and ends with </NAME>; N when it never closes. */
static size_t close_of(const char *p, size_t n, size_t i, const char *name, size_t name_len)
{
    for (size_t k = i; k + 2 + name_len <= n; k++) {
        if (p[k] == '<' && p[k + 1] == '/' && !strncasecmp(p + k + 2, name, name_len) &&
            (k + 2 + name_len == n || p[k + 2 + name_len] == '>' || is_ws(p[k + 2 + name_len]))) {
            size_t e = tag_end(p, n, k);
            return e ? e : n;
        }
    }
    return n;
}

/* The parser; WINDOWS: an HTML file's own parse, where a window may end after a block tag
 * (doc_window_point), not a Markdown HTML block's. */
static int parse_range(fmt_doc *d, size_t from, size_t to, int windows, tolk_error *err)
{
    const char *p = d->data;
    size_t n = to, i = from;
    static html_seg zero;
    html_seg *h = malloc(sizeof *h);
    if (!h)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    *h = zero;
    int rc = TOLK_OK;
#define FAIL_NOMEM() do { rc = error_set(err, TOLK_E_NOMEM, "out of memory"); goto out; } while (0)
    while (i < n) {
        if (p[i] != '<') {
            if (!is_ws(p[i])) {
                if (h->end == 0 && h->start == 0)
                    h->start = i;
                h->has_text = 1;
                h->end = i + 1;
            }
            i++;
            continue;
        }
        if (i + 3 < n && !memcmp(p + i, "<!--", 4)) {
            const char *e = memmem(p + i + 4, n - i - 4, "-->", 3);
            size_t end = e ? (size_t)(e - p) + 3 : n;
            if (!e) {
                rc = error_set(err, TOLK_E_FORMAT, "line %zu: a comment that never ends", doc_line_at(d, i));
                goto out;
            }
            if (h->end > h->start)
                add_code(h, i, end, -1);
            i = end;
            continue;
        }
        int closing = i + 1 < n && p[i + 1] == '/';
        size_t ns = i + 1 + (size_t)closing;
        if (!(ns < n && (is_letter(p[ns]) || (!closing && (p[ns] == '!' || p[ns] == '?'))))) {
            if (h->end == 0 && h->start == 0)
                h->start = i;
            h->has_text = 1;
            h->end = ++i; /* a bare '<' is text */
            continue;
        }
        size_t e = tag_end(p, n, i);
        if (!e) {
            rc = error_set(err, TOLK_E_FORMAT, "line %zu: a tag that is never closed with '>'", doc_line_at(d, i));
            goto out;
        }
        size_t ne = ns;
        while (ne < e && (is_letter(p[ne]) || (p[ne] >= '0' && p[ne] <= '9') || p[ne] == '-' || p[ne] == ':'))
            ne++;
        const char *name = p + ns;
        size_t name_len = ne - ns;
        if (p[ns] == '!' || p[ns] == '?') { /* doctype, CDATA, processing instruction */
            if (flush(d, h))
                FAIL_NOMEM();
            i = e;
            continue;
        }
        size_t vs[MAX_ATTRS], ve[MAX_ATTRS];
        int no_translate = 0;
        int n_attr = closing ? 0 : html_text_attrs(p, i, e, vs, ve, &no_translate);
        int self_closed = p[e - 2] == '/' || name_in(name, name_len, "img br wbr hr input meta link area base col "
                                                                      "embed source track param");
        if (no_translate && !self_closed) {
            /* translate="no": the element and its content are left alone (a code inside a segment) */
            size_t end = element_end(p, n, e, name, name_len);
            if (name_in(name, name_len, inline_tags) || name_in(name, name_len, code_tags)) {
                add_code(h, i, end, -1);
            } else if (flush(d, h)) {
                FAIL_NOMEM();
            }
            i = end;
            continue;
        }
        if (no_translate)
            n_attr = 0;
        if (name_in(name, name_len, inline_tags)) {
            if (n_attr) {
                /* the tag's pieces are codes around its attributes' texts (alt, title) */
                if (h->end == 0 && h->start == 0)
                    h->start = i;
                add_code(h, i, vs[0], -1);
                int first = h->n_codes - 1;
                h->has_text = 1;
                for (int a = 1; a < n_attr; a++)
                    add_code(h, ve[a - 1], vs[a], -1);
                add_code(h, ve[n_attr - 1], e, first);
            } else {
                /* an end tag closing the innermost open element of its name is that start tag's
                 * pair (kept in order); void elements and crossing tags stand alone */
                int pair = -1;
                if (closing && h->n_open) {
                    size_t on = h->open_name[h->n_open - 1], oe = on;
                    while (oe < n && (is_letter(p[oe]) || (p[oe] >= '0' && p[oe] <= '9') || p[oe] == '-' || p[oe] == ':'))
                        oe++;
                    if (oe - on == name_len && !strncasecmp(p + on, name, name_len))
                        pair = h->open_code[--h->n_open];
                }
                add_code(h, i, e, pair);
                if (!closing && !self_closed && h->n_open < 64 && h->n_codes > 0 && !h->overflow) {
                    h->open_code[h->n_open] = h->n_codes - 1;
                    h->open_name[h->n_open++] = (size_t)(name - p);
                }
            }
            i = e;
            continue;
        }
        if (!closing && name_in(name, name_len, code_tags)) {
            size_t end = close_of(p, n, e, name, name_len);
            add_code(h, i, end, -1);
            i = end;
            continue;
        }
        /* a block-level tag (or one tolk does not know): the segment ends */
        if (flush(d, h))
            FAIL_NOMEM();
        for (int a = 0; a < n_attr; a++) {
            fmt_seg *s = doc_add_seg_ref(d, vs[a], ve[a] - vs[a], vs[a], ve[a]);
            if (!s)
                FAIL_NOMEM();
            s->attr_quote = p[vs[a] - 1] == '"' || p[vs[a] - 1] == '\'' ? p[vs[a] - 1] : 0;
        }
        i = e;
        if (!closing && name_in(name, name_len, raw_tags) && !(e >= 2 && p[e - 2] == '/'))
            i = close_of(p, n, e, name, name_len);
        if (windows && (rc = doc_window_point(d, i, err)))
            goto out;
    }
    if (flush(d, h))
        FAIL_NOMEM();
out:
#undef FAIL_NOMEM
    free(h);
    return rc;
}

int html_parse_range(fmt_doc *d, size_t from, size_t to, tolk_error *err)
{
    return parse_range(d, from, to, 0, err);
}

static int html_parse(fmt_doc *d, tolk_error *err)
{
    return parse_range(d, 0, d->len, 1, err);
}

const fmt_ops fmt_html_ops = {.name = "html", .extensions = "html htm xhtml", .escape = ESC_HTML,
                              .sentences = 1, .parse = html_parse, .stream = doc_stream_by_parse};
