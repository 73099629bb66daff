/* Markdown through md4c (HAVE_MD4C): md4c hands over each piece of text as a pointer into the
 * document, so a leaf block's text (paragraph, heading, table cell, list item) becomes one segment
 * and the markup between its pieces (emphasis marks, link brackets and URLs, backticks, inline
 * HTML, "> " of continued quotes) becomes inline codes; inline code spans are codes content and
 * all. An inline HTML tag's text attributes (<img alt="...">) and an inline link's or image's
 * title are text between codes. An HTML block (<p align="center">, <details>) goes through HTML's
 * own parser, its text and text attributes translated as in an HTML file. Code blocks are left
 * alone, and so is front matter (a YAML block between "---" lines, or TOML between "+++" lines,
 * at the top of the file, as static site generators read it; md4c would take it for a rule and a
 * heading; the values of its text keys are translated by md_front.c). A hard line break (two spaces or a
 * backslash before the line end) is a code, so it stays where it was. Streamed
 * (doc_stream_by_parse), a window may end after any top-level block: md4c still reads the whole
 * (mapped) file, but the segments go window by window. Without md4c the format answers that tolk
 * was built without it. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "error.h"
#include "md_front.h"

#ifdef HAVE_MD4C
#include <md4c.h>

typedef struct md_state {
    fmt_doc *d;
    size_t start, end;  /* the segment so far ([0, 0): none) */
    int open;
    int has_text;
    int skip_depth;     /* inside code or HTML blocks */
    int cell_depth;     /* inside a table cell (th, td) */
    int in_code_span;
    int hard_break;     /* md4c reported a hard line break: the bytes up to the next text are a code */
    int in_html;        /* inside an HTML block */
    int html_ok;        /* its lines so far follow each other in the file (no "> " between them) */
    size_t html_s, html_e; /* its bytes so far ([0, 0): none yet) */
    int has_title;      /* the segment holds a link title */
    MD_ATTRIBUTE href[8], title[8]; /* the URLs and titles of the links and images open now */
    int n_links;
    size_t *cs, *ce;    /* its codes */
    size_t n_codes, cap;
    int failed;
    int depth;          /* blocks open (the document itself is 1) */
    size_t seen;        /* the end of the last text md4c pointed at: every segment so far lies before it */
    tolk_error *err;
    int window_rc;      /* a streamed window's error (the parse stops) */
    int pages_dropped;  /* streamed: the pages md4c's block pass read were given back */
} md_state;

static int add_code(md_state *m, size_t s, size_t e)
{
    if (m->n_codes && m->ce[m->n_codes - 1] == s) { /* adjacent codes are one */
        m->ce[m->n_codes - 1] = e;
        return 0;
    }
    if (m->n_codes == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        size_t *a = realloc(m->cs, cap * sizeof *a);
        if (!a)
            return -1;
        m->cs = a;
        size_t *b = realloc(m->ce, cap * sizeof *b);
        if (!b)
            return -1;
        m->ce = b;
        m->cap = cap;
    }
    m->cs[m->n_codes] = s;
    m->ce[m->n_codes] = e;
    m->n_codes++;
    return 0;
}

static void flush(md_state *m)
{
    if (m->open && m->has_text && m->end > m->start && !m->failed) {
        fmt_seg *s = doc_add_seg_ref(m->d, m->start, m->end - m->start, m->start, m->end);
        if (!s)
            m->failed = 1;
        else {
            s->in_table_cell = m->cell_depth > 0;
            s->md_title = (char)m->has_title;
        }
        for (size_t c = 0; s && c < m->n_codes && !m->failed; c++)
            if (seg_add_code(s, m->cs[c] - m->start, m->ce[c] - m->start) < 0)
                m->failed = 1;
    }
    m->open = m->has_text = m->has_title = 0;
    m->n_codes = 0;
}

static int is_blank_range(const char *p, size_t s, size_t e)
{
    for (; s < e; s++)
        if (p[s] != ' ' && p[s] != '\t' && p[s] != '\n' && p[s] != '\r')
            return 0;
    return 1;
}

/* An HTML block's text through HTML's own parser (fmt_html.c), its segments escaped as HTML. A block
 * whose lines have Markdown between them (a quote's "> ") or that HTML's parser refuses (a tag
 * that ends in a later block) is left alone, as before. */
static void html_block(md_state *m)
{
    if (!m->html_ok || m->html_e <= m->html_s)
        return;
    size_t first = m->d->n_segs;
    tolk_error err = {0};
    int rc = html_parse_range(m->d, m->html_s, m->html_e, &err);
    if (rc == TOLK_E_NOMEM) {
        m->failed = 1;
    } else if (rc) {
        doc_drop_segs_from(m->d, first);
    } else {
        for (size_t i = first; i < m->d->n_segs; i++)
            m->d->segs[i].html_text = 1;
    }
}

/* A piece of an HTML block's text: the block grows when the piece starts on the line after the
 * last one (only a line break and indentation between them). */
static void html_piece(md_state *m, size_t s, size_t e)
{
    const char *p = m->d->data;
    if (m->html_e == 0 && m->html_s == 0) {
        m->html_s = s;
    } else if (s < m->html_e) {
        m->html_ok = 0;
    } else if (s > m->html_e) {
        /* a line break, then the next line's indentation (which md4c may hand over apart) */
        size_t k = m->html_e;
        if (k < s && p[k] == '\r')
            k++;
        if (k < s && p[k] == '\n')
            k++;
        else
            m->html_ok = 0;
        while (k < s && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (k != s)
            m->html_ok = 0;
    }
    m->html_e = e;
}

static int on_block(MD_BLOCKTYPE type, void *detail, void *user, int enter)
{
    (void)detail;
    md_state *m = user;
    flush(m);
    if (type == MD_BLOCK_HTML) {
        if (!enter && m->in_html == 1)
            html_block(m);
        m->in_html += enter ? 1 : -1;
        m->html_ok = 1;
        m->html_s = m->html_e = 0;
    }
    if (type == MD_BLOCK_CODE || type == MD_BLOCK_HTML)
        m->skip_depth += enter ? 1 : -1;
    if (type == MD_BLOCK_TH || type == MD_BLOCK_TD)
        m->cell_depth += enter ? 1 : -1;
    if (enter && m->depth == 1 && m->d->window && !m->pages_dropped) {
        /* md4c has read the whole file into its block list before it opens the first top-level
         * block: the file's pages go, and come back one window at a time as the blocks are walked */
        m->pages_dropped = 1;
        doc_drop_pages(m->d);
    }
    m->depth += enter ? 1 : -1;
    if (!enter && m->depth == 1 && !m->failed) {
        /* a top-level block ended: streamed, a window may end here (md4c hands blocks over in order) */
        m->window_rc = doc_window_point(m->d, m->seen, m->err);
        if (m->window_rc)
            return -1;
    }
    return m->failed;
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *user)
{
    return on_block(type, detail, user, 1);
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *user)
{
    return on_block(type, detail, user, 0);
}

/* The title of an inline link or image as bytes [*TS, *TE) of the document: only when md4c points
 * into the document (no escapes or references it had to resolve), the URL comes right after "(" or
 * "(<" on the line the link text ends on, and only blanks and the opening quote stand between the
 * URL and the title. A reference link's title sits in its definition elsewhere: never taken. */
static int inline_title(const md_state *m, const MD_ATTRIBUTE *href, const MD_ATTRIBUTE *title, size_t *ts,
                        size_t *te)
{
    const char *p = m->d->data;
    size_t n = m->d->len;
    if (!m->open || !title->text || title->size == 0 || !href->text || title->text < p ||
        title->text + title->size > p + n || href->text < p || href->text + href->size > p + n)
        return 0;
    size_t hs = (size_t)(href->text - p), he = hs + href->size, s = (size_t)(title->text - p), e = s + title->size;
    if (hs < m->end || s <= he || hs < 1)
        return 0;
    size_t k = hs;
    if (p[k - 1] == '<')
        k--;
    if (k <= m->end || p[k - 1] != '(' || memchr(p + m->end, '\n', k - m->end))
        return 0;
    k = he < n && p[he] == '>' ? he + 1 : he;
    while (k < s - 1 && (p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r'))
        k++;
    if (k != s - 1 || !(p[k] == '"' || p[k] == '\'' || p[k] == '('))
        return 0;
    for (k = s; k < e; k++)
        if (p[k] == '\\' || p[k] == '&' || p[k] == '\n' || p[k] == '\r')
            return 0; /* escapes and references would reach the model as they stand */
    *ts = s;
    *te = e;
    return 1;
}

static int enter_span(MD_SPANTYPE type, void *detail, void *user)
{
    md_state *m = user;
    if (type == MD_SPAN_CODE)
        m->in_code_span++;
    if (type == MD_SPAN_A && m->n_links < 8) {
        const MD_SPAN_A_DETAIL *a = detail;
        m->href[m->n_links] = a->href;
        m->title[m->n_links] = a->title;
    } else if (type == MD_SPAN_IMG && m->n_links < 8) {
        const MD_SPAN_IMG_DETAIL *img = detail;
        m->href[m->n_links] = img->src;
        m->title[m->n_links] = img->title;
    }
    if (type == MD_SPAN_A || type == MD_SPAN_IMG)
        m->n_links++;
    return 0;
}

static int leave_span(MD_SPANTYPE type, void *detail, void *user)
{
    (void)detail;
    md_state *m = user;
    if (type == MD_SPAN_CODE)
        m->in_code_span--;
    if ((type == MD_SPAN_A || type == MD_SPAN_IMG) && m->n_links > 0 && --m->n_links < 8) {
        size_t ts = 0, te = 0;
        /* the title is text of the segment: "](url \"" before it a code, the rest comes with the next */
        if (!m->skip_depth && !m->in_code_span &&
            inline_title(m, &m->href[m->n_links], &m->title[m->n_links], &ts, &te)) {
            if (add_code(m, m->end, ts))
                m->failed = 1;
            m->end = te;
            m->has_text = m->has_title = 1;
        }
    }
    return m->failed;
}

static int on_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *user)
{
    md_state *m = user;
    const char *base = m->d->data;
    if (type == MD_TEXT_BR && !m->skip_depth && m->open)
        m->hard_break = 1;
    if (text < base || text + size > base + m->d->len || size == 0)
        return 0; /* md4c's own strings (line breaks, NUL replacements, indentation) */
    if ((size_t)(text - base) + size > m->seen)
        m->seen = (size_t)(text - base) + size;
    if (m->in_html) {
        html_piece(m, (size_t)(text - base), (size_t)(text - base) + size);
        return 0;
    }
    if (m->skip_depth)
        return 0; /* code blocks */
    size_t s = (size_t)(text - base), e = s + size;
    if (!m->open) {
        m->open = 1;
        m->start = s;
        m->end = s;
    }
    if (s < m->end)
        return 0; /* never backwards */
    if (m->hard_break && s > m->end) {
        /* "  \n" or "\\\n" and the next line's indentation: kept as they are */
        size_t gs = m->end;
        while (gs > m->start && (base[gs - 1] == ' ' || base[gs - 1] == '\t'))
            gs--;
        if (gs < m->end && add_code(m, gs, m->end))
            m->failed = 1;
        if (add_code(m, m->end, s))
            m->failed = 1;
    } else if (s > m->end && !is_blank_range(base, m->end, s)) {
        /* the markup between two pieces; whitespace at its ends stays text */
        size_t gs = m->end, ge = s;
        while (gs < ge && (base[gs] == ' ' || base[gs] == '\t' || base[gs] == '\n' || base[gs] == '\r'))
            gs++;
        while (ge > gs && (base[ge - 1] == ' ' || base[ge - 1] == '\t' || base[ge - 1] == '\n' || base[ge - 1] == '\r'))
            ge--;
        if (add_code(m, gs, ge))
            m->failed = 1;
    }
    m->hard_break = 0;
    int is_code = m->in_code_span || type == MD_TEXT_CODE || type == MD_TEXT_HTML || type == MD_TEXT_ENTITY ||
                  type == MD_TEXT_LATEXMATH;
    size_t vs[MAX_ATTRS], ve[MAX_ATTRS];
    int no_translate = 0, n_attr = 0;
    if (type == MD_TEXT_HTML && !m->in_code_span && size > 2 && base[s] == '<' && base[e - 1] == '>')
        n_attr = html_text_attrs(base, s, e, vs, ve, &no_translate);
    if (n_attr && !no_translate) {
        /* an inline HTML tag with text attributes (<img alt="...">): codes around their values */
        int rc = add_code(m, s, vs[0]);
        for (int a = 1; a < n_attr && !rc; a++)
            rc = add_code(m, ve[a - 1], vs[a]);
        if (rc || add_code(m, ve[n_attr - 1], e))
            m->failed = 1;
        m->has_text = m->has_title = 1;
    } else if (is_code) {
        if (add_code(m, s, e))
            m->failed = 1;
    } else {
        m->has_text = 1;
    }
    m->end = e;
    return m->failed;
}

/* The end of a line starting at I (after its line break). */
static size_t line_end(const char *p, size_t n, size_t i)
{
    const char *nl = memchr(p + i, '\n', n - i);
    return nl ? (size_t)(nl - p) + 1 : n;
}

/* Whether line [S, E) is FENCE alone (trailing blanks and a CR allowed). */
static int is_fence(const char *p, size_t s, size_t e, const char *fence)
{
    if (e - s < 3 || memcmp(p + s, fence, 3))
        return 0;
    for (s += 3; s < e; s++)
        if (p[s] != ' ' && p[s] != '\t' && p[s] != '\r' && p[s] != '\n')
            return 0;
    return 1;
}

/* Whether line [S, E) opens YAML or TOML content: "key:", "key =", "[table]" or a "#" comment (so a
 * file that starts with a rule and a blank line is not taken for front matter). */
static int looks_like_key(const char *p, size_t s, size_t e)
{
    if (s < e && (p[s] == '#' || p[s] == '['))
        return 1;
    size_t k = s;
    while (k < e && (p[k] == '_' || p[k] == '-' || p[k] == '.' || (p[k] >= 'a' && p[k] <= 'z') ||
                     (p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= '0' && p[k] <= '9') || p[k] == '"' || p[k] == '\''))
        k++;
    while (k < e && p[k] == ' ')
        k++;
    return k > s && k < e && (p[k] == ':' || p[k] == '=');
}

/* Where the Markdown starts: after front matter ("---" ... "---" or "...", "+++" ... "+++") on the
 * first line (after a byte order mark) whose first line is a key, else after the mark. The front
 * matter's lines between the fences are [*IN_S, *IN_E) (empty when there is none); *TOML: "+++". */
static size_t front_matter_end(const char *p, size_t n, size_t *in_s, size_t *in_e, int *toml)
{
    size_t i = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0, start = i;
    size_t e = line_end(p, n, i);
    *in_s = *in_e = start;
    const char *fence = is_fence(p, i, e, "---") ? "---" : is_fence(p, i, e, "+++") ? "+++" : NULL;
    if (!fence || e == n || !looks_like_key(p, e, line_end(p, n, e)))
        return start;
    *toml = fence[0] == '+';
    size_t first = e;
    for (i = e; i < n; i = e) {
        e = line_end(p, n, i);
        if (is_fence(p, i, e, fence) || (fence[0] == '-' && is_fence(p, i, e, "..."))) {
            *in_s = first;
            *in_e = i;
            return e;
        }
    }
    return start; /* no closing line: a rule, not front matter */
}

/* Each translated segment replaces its bytes; a front matter value is written back as the scalar
 * it was (md_front.h), and left as it is when its text did not change (an escape kept as written). */
static int md_render(fmt_doc *d, tolk_error *err)
{
    (void)err;
    for (size_t i = 0; i < d->n_segs; i++) {
        const fmt_seg *s = &d->segs[i];
        if (s->status != SEG_TRANSLATED)
            continue;
        if (!s->front_matter) {
            if (doc_add_edit_ref(d, s->start, s->end, s->out, s->out_len))
                return -1;
            continue;
        }
        if (s->out_len == s->src_len && !memcmp(s->out, s->src, s->src_len))
            continue;
        fmt_buf b = {0};
        int rc = md_front_encode(s->front_matter, s->out, s->out_len, &b) ||
                 doc_add_edit(d, s->start, s->end, b.p ? b.p : "", b.n);
        fbuf_free(&b);
        if (rc)
            return -1;
    }
    return TOLK_OK;
}

static int md_parse_doc(fmt_doc *d, tolk_error *err)
{
    md_state m = {.d = d, .err = err};
    MD_PARSER parser = {0};
    parser.flags = MD_DIALECT_GITHUB;
    parser.enter_block = enter_block;
    parser.leave_block = leave_block;
    parser.enter_span = enter_span;
    parser.leave_span = leave_span;
    parser.text = on_text;
    if (d->len > 0xffffffffu)
        return error_set(err, TOLK_E_UNSUPPORTED, "a Markdown file over 4 GiB");
    size_t fm_s, fm_e;
    int toml = 0;
    size_t body = front_matter_end(d->data, d->len, &fm_s, &fm_e, &toml);
    if (fm_e > fm_s && md_front_matter(d, fm_s, fm_e, toml))
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    m.seen = body;
    int rc = md_parse(d->data + body, (MD_SIZE)(d->len - body), &parser, &m);
    flush(&m);
    free(m.cs);
    free(m.ce);
    if (m.window_rc)
        return m.window_rc;
    if (m.failed)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    if (rc)
        return error_set(err, TOLK_E_FORMAT, "md4c could not parse the file (%d)", rc);
    return TOLK_OK;
}
#else
static int md_parse_doc(fmt_doc *d, tolk_error *err)
{
    (void)d;
    return error_set(err, TOLK_E_UNSUPPORTED, "tolk was built without md4c (Markdown needs it; install md4c and "
                     "rebuild)");
}
#endif

const fmt_ops fmt_md_ops = {.name = "md", .extensions = "md markdown",
                           .escape = ESC_NONE, .sentences = 1, .parse = md_parse_doc
#ifdef HAVE_MD4C
                           , .render = md_render, .stream = doc_stream_by_parse
#endif
};
