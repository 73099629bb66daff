/* Markdown through md4c (HAVE_MD4C): md4c hands over each piece of text as a pointer into the
 * document, so a leaf block's text (paragraph, heading, table cell, list item) becomes one segment
 * and the markup between its pieces (emphasis marks, link brackets and URLs, backticks, inline
 * HTML, "> " of continued quotes) becomes inline codes; inline code spans are codes content and
 * all. Code blocks and HTML blocks are left alone, and so is front matter (a YAML block between
 * "---" lines, or TOML between "+++" lines, at the top of the file, as static site generators
 * read it; md4c would take it for a rule and a heading). A hard line break (two spaces or a
 * backslash before the line end) is a code, so it stays where it was. Without md4c the format
 * answers that tolk was built without it. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "error.h"

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
    size_t *cs, *ce;    /* its codes */
    size_t n_codes, cap;
    int failed;
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
        else
            s->in_table_cell = m->cell_depth > 0;
        for (size_t c = 0; s && c < m->n_codes && !m->failed; c++)
            if (seg_add_code(s, m->cs[c] - m->start, m->ce[c] - m->start) < 0)
                m->failed = 1;
    }
    m->open = m->has_text = 0;
    m->n_codes = 0;
}

static int is_blank_range(const char *p, size_t s, size_t e)
{
    for (; s < e; s++)
        if (p[s] != ' ' && p[s] != '\t' && p[s] != '\n' && p[s] != '\r')
            return 0;
    return 1;
}

static int on_block(MD_BLOCKTYPE type, void *detail, void *user, int enter)
{
    (void)detail;
    md_state *m = user;
    flush(m);
    if (type == MD_BLOCK_CODE || type == MD_BLOCK_HTML)
        m->skip_depth += enter ? 1 : -1;
    if (type == MD_BLOCK_TH || type == MD_BLOCK_TD)
        m->cell_depth += enter ? 1 : -1;
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

static int enter_span(MD_SPANTYPE type, void *detail, void *user)
{
    (void)detail;
    md_state *m = user;
    if (type == MD_SPAN_CODE)
        m->in_code_span++;
    return 0;
}

static int leave_span(MD_SPANTYPE type, void *detail, void *user)
{
    (void)detail;
    md_state *m = user;
    if (type == MD_SPAN_CODE)
        m->in_code_span--;
    return 0;
}

static int on_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *user)
{
    md_state *m = user;
    const char *base = m->d->data;
    if (type == MD_TEXT_BR && !m->skip_depth && m->open)
        m->hard_break = 1;
    if (m->skip_depth || text < base || text + size > base + m->d->len || size == 0)
        return 0; /* code blocks, or md4c's own strings (line breaks, NUL replacements) */
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
    if (is_code) {
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
 * first line (after a byte order mark) whose first line is a key, else after the mark. */
static size_t front_matter_end(const char *p, size_t n)
{
    size_t i = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0, start = i;
    size_t e = line_end(p, n, i);
    const char *fence = is_fence(p, i, e, "---") ? "---" : is_fence(p, i, e, "+++") ? "+++" : NULL;
    if (!fence || e == n || !looks_like_key(p, e, line_end(p, n, e)))
        return start;
    for (i = e; i < n; i = e) {
        e = line_end(p, n, i);
        if (is_fence(p, i, e, fence) || (fence[0] == '-' && is_fence(p, i, e, "...")))
            return e;
    }
    return start; /* no closing line: a rule, not front matter */
}

static int md_parse_doc(fmt_doc *d, tolk_error *err)
{
    md_state m = {.d = d};
    MD_PARSER parser = {0};
    parser.flags = MD_DIALECT_GITHUB;
    parser.enter_block = enter_block;
    parser.leave_block = leave_block;
    parser.enter_span = enter_span;
    parser.leave_span = leave_span;
    parser.text = on_text;
    if (d->len > 0xffffffffu)
        return error_set(err, TOLK_E_UNSUPPORTED, "a Markdown file over 4 GiB");
    size_t body = front_matter_end(d->data, d->len);
    int rc = md_parse(d->data + body, (MD_SIZE)(d->len - body), &parser, &m);
    flush(&m);
    free(m.cs);
    free(m.ce);
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
                           .escape = ESC_NONE, .sentences = 1, .parse = md_parse_doc};
