/* Placeholder protection and restoration (protect.h). The patterns are deliberately narrow: a
 * placeholder must look like one (a printf conversion needs a conversion letter and no space flag,
 * so "50% off" stays text; a number glued to letters, "MP3" or "10px", stays text). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protect.h"

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int add_code(prot_text *p, size_t start, size_t end)
{
    if (p->n_codes == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        prot_code *c = realloc(p->codes, cap * sizeof *c);
        if (!c)
            return -1;
        p->codes = c;
        p->cap = cap;
    }
    p->codes[p->n_codes++] = (prot_code){.start = start, .end = end, .pair = -1};
    char tag[32];
    snprintf(tag, sizeof tag, "{%zu}", p->n_codes);
    return fbuf_adds(&p->text, tag);
}

/* Length of an XML/HTML character or entity reference at S (0 when none). */
static size_t reference_len(const char *s, size_t n)
{
    if (n < 3 || s[0] != '&')
        return 0;
    size_t i = 1;
    if (s[i] == '#') {
        i++;
        if (i < n && (s[i] == 'x' || s[i] == 'X'))
            i++;
    }
    size_t start = i;
    while (i < n && i < 40 && (is_digit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'z') ||
                               (s[i] >= 'A' && s[i] <= 'Z')))
        i++;
    return i > start && i < n && s[i] == ';' ? i + 1 : 0;
}

/* printf conversions (%s, %1$d, %-5.2f, %lld, %%) and Python's %(name)s. */
static size_t printf_len(const char *s, size_t n)
{
    if (n < 2 || s[0] != '%')
        return 0;
    size_t i = 1;
    if (s[1] == '%')
        return 2;
    if (s[1] == '(') {
        const char *close = memchr(s + 2, ')', n - 2 < 64 ? n - 2 : 64);
        if (!close)
            return 0;
        i = (size_t)(close - s) + 1;
        for (size_t k = 2; k + 1 < i; k++)
            if (!(is_alpha((unsigned char)s[k]) || is_digit((unsigned char)s[k]) || s[k] == '_'))
                return 0;
    } else {
        size_t k = i;
        while (k < n && is_digit((unsigned char)s[k]))
            k++;
        if (k > i && k < n && s[k] == '$')
            i = k + 1;
    }
    while (i < n && strchr("-+0#'", s[i]))
        i++;
    while (i < n && (is_digit((unsigned char)s[i]) || s[i] == '*'))
        i++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && (is_digit((unsigned char)s[i]) || s[i] == '*'))
            i++;
    }
    while (i < n && strchr("hlLqjzt", s[i]))
        i++;
    if (i < n && strchr("diouxXeEfFgGaAcspn", s[i]) && s[i])
        return i + 1;
    return 0;
}

/* {name}, {0}, {count, plural, ...} is left alone (nested braces); {{x}} and ${x}. */
static size_t brace_len(const char *s, size_t n)
{
    size_t i = 0;
    if (s[0] == '$' && n > 1 && s[1] == '{')
        i = 1;
    if (i >= n || s[i] != '{')
        return 0;
    int dbl = i + 1 < n && s[i + 1] == '{';
    size_t k = i + 1 + (size_t)dbl;
    for (; k < n && k < 80; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c == '}')
            break;
        if (c == '{' || c == '\n' || (!dbl && c == ' '))
            return 0;
    }
    if (k >= n || k >= 80 || s[k] != '}')
        return 0;
    if (dbl)
        return k + 1 < n && s[k + 1] == '}' ? k + 2 : 0;
    return k + 1;
}

static size_t url_len(const char *s, size_t n)
{
    static const char *const starts[] = {"https://", "http://", "ftp://", "mailto:", "www.", NULL};
    int found = 0;
    for (int i = 0; starts[i] && !found; i++)
        found = n > strlen(starts[i]) && !strncmp(s, starts[i], strlen(starts[i]));
    if (!found)
        return 0;
    size_t i = 0;
    int parens = 0;
    while (i < n && !is_space((unsigned char)s[i]) && !strchr("<>\"'{}", s[i])) {
        parens += s[i] == '(';
        parens -= s[i] == ')';
        i++;
    }
    while (i > 0 && (strchr(".,;:!?", s[i - 1]) || (s[i - 1] == ')' && parens < 0))) {
        parens += s[i - 1] == ')';
        i--;
    }
    return i;
}

/* 42, 3.14, 1,000,000, 2024-05-01 when not glued to letters. */
static size_t number_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_digit((unsigned char)s[i])) {
        while (i < n && is_digit((unsigned char)s[i]))
            i++;
        if (i + 1 < n && strchr(".,:-/", s[i]) && is_digit((unsigned char)s[i + 1]))
            i++;
    }
    return i < n && (is_alpha((unsigned char)s[i]) || s[i] == '_') ? 0 : i;
}

int protect_segment(const fmt_seg *s, fmt_escape esc, prot_text *p)
{
    memset(p, 0, sizeof *p);
    const char *src = s->src;
    size_t n = s->src_len, lead = 0, trail = 0;
    /* codes in order, inside the text, not overlapping; pairs pointing at codes */
    for (size_t c = 0; c < s->n_codes; c++)
        if (s->codes[c].start > s->codes[c].end || s->codes[c].end > n ||
            (c && s->codes[c].start < s->codes[c - 1].end) || s->codes[c].pair >= (int)s->n_codes)
            return 1;
    while (lead < n && is_space((unsigned char)src[lead]))
        lead++;
    while (trail < n - lead && is_space((unsigned char)src[n - 1 - trail]))
        trail++;
    for (size_t c = 0; c < s->n_codes; c++) { /* never cut into a code */
        if (s->codes[c].start < lead)
            lead = s->codes[c].start;
        if (s->codes[c].end > n - trail)
            trail = n - s->codes[c].end;
    }
    p->lead = lead;
    p->trail = trail;
    size_t end = n - trail, ci = 0;
    if (esc == ESC_HTML) {
        /* bare & and < in the text (outside codes): then &amp; and &lt; stay codes, so that the
         * two spellings the source mixes come back as they were */
        for (size_t i = lead, c = 0; i < end; i++) {
            while (c < s->n_codes && s->codes[c].end <= i)
                c++;
            if (c < s->n_codes && s->codes[c].start <= i)
                continue;
            if (src[i] == '<') {
                p->bare_lt = 1;
                p->bare_lt_tag |= i + 1 < end && (is_alpha((unsigned char)src[i + 1]) || strchr("/!?", src[i + 1]));
            } else if (src[i] == '&' && !reference_len(src + i, end - i)) {
                p->bare_amp = 1;
            }
        }
    }
    int rc = fbuf_add(&p->text, "", 0);
    for (size_t i = lead; i < end && !rc;) {
        while (ci < s->n_codes && s->codes[ci].start < i)
            ci++;
        const char *at = src + i;
        size_t left = end - i, k;
        unsigned char prev = i > lead ? (unsigned char)src[i - 1] : ' ';
        if (ci < s->n_codes && s->codes[ci].start == i) {
            const fmt_code *c = &s->codes[ci];
            rc = add_code(p, c->start, c->end);
            if (!rc) {
                p->codes[p->n_codes - 1].opens = c->opens;
                /* the format's pair index becomes a placeholder index once both are numbered */
                p->codes[p->n_codes - 1].pair = c->pair >= 0 ? c->pair : -1;
            }
            i = c->end > i ? c->end : i + 1;
            ci++;
            continue;
        }
        if (esc != ESC_NONE && *at == '&') {
            if (left >= 5 && !strncmp(at, "&amp;", 5) && !p->bare_amp) {
                rc = fbuf_addc(&p->text, '&');
                i += 5;
                continue;
            }
            if (left >= 4 && !strncmp(at, "&lt;", 4) && !p->bare_lt) {
                rc = fbuf_addc(&p->text, '<');
                i += 4;
                continue;
            }
            if ((k = reference_len(at, left))) {
                rc = add_code(p, i, i + k);
                i += k;
                continue;
            }
        }
        if ((k = printf_len(at, left)) || (k = brace_len(at, left)) ||
            (!is_alpha(prev) && !is_digit(prev) && ((k = url_len(at, left)) ||
                                                   (!strchr(".,", (char)prev) && (k = number_len(at, left)))))) {
            rc = add_code(p, i, i + k);
            i += k;
            continue;
        }
        if (is_alpha((unsigned char)*at))
            p->has_words = 1;
        if (*at == '\n' || *at == '\r')
            p->multiline = 1;
        rc = fbuf_addc(&p->text, *at);
        i++;
    }
    /* pairs: map the format's code indices to placeholder indices */
    for (size_t a = 0; a < p->n_codes && !rc; a++) {
        if (p->codes[a].pair < 0)
            continue;
        int target = p->codes[a].pair, found = -1;
        for (size_t b = 0; b < p->n_codes; b++)
            if (b != a && s->codes[target].start == p->codes[b].start && s->codes[target].end == p->codes[b].end)
                found = (int)b;
        p->codes[a].pair = found;
    }
    return rc ? -1 : 0;
}

/* QUOTES bit 1: also escape '"' (the source had none raw, so it may sit in an attribute value); bit 2:
 * also escape '\'' (HTML text inside a single-quoted attribute value: alt='...'); bit 4: write '|' as
 * "\|" (a Markdown table cell); bits 8, 16, 32: write '"', '\'' or ')' with a backslash before it (the
 * text of a Markdown link title in "...", '...' or (...)); bits 64, 128: write '"' as &quot;, '\'' as
 * &#39; whatever the format's escaping (an HTML attribute value inside Markdown). */
static int add_escaped(fmt_buf *b, const char *t, size_t n, fmt_escape esc, const prot_text *p, int quotes)
{
    const int multiline = p->multiline;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        char c = t[i];
        if (!multiline && (c == '\n' || c == '\r')) {
            /* a line break the source did not have would break headings, cells and cues */
            if (b->n == 0 || b->p[b->n - 1] != ' ')
                rc = fbuf_addc(b, ' ');
            continue;
        }
        if (esc == ESC_XML && (unsigned char)c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            continue; /* a control character XML 1.0 does not allow (the file would not parse) */
        if (esc == ESC_XML && c == '>' && b->n >= 2 && b->p[b->n - 1] == ']' && b->p[b->n - 2] == ']')
            rc = fbuf_adds(b, "&gt;"); /* "]]>" may not stand in XML text */
        else if (esc != ESC_NONE && (quotes & 1) && c == '"')
            rc = fbuf_adds(b, "&quot;");
        else if (esc != ESC_NONE && (quotes & 2) && c == '\'')
            rc = fbuf_adds(b, "&#39;");
        else if (((quotes & 64) && c == '"') || ((quotes & 128) && c == '\''))
            rc = fbuf_adds(b, c == '"' ? "&quot;" : "&#39;");
        else if (((quotes & 8) && c == '"') || ((quotes & 16) && c == '\'') || ((quotes & 32) && c == ')'))
            rc = fbuf_addc(b, '\\') || fbuf_addc(b, c) ? -1 : 0;
        else if ((quotes & 4) && c == '|' && (i == 0 || t[i - 1] != '\\'))
            rc = fbuf_adds(b, "\\|");
        else if (esc == ESC_XML && c == '&')
            rc = fbuf_adds(b, "&amp;");
        else if (esc == ESC_XML && c == '<')
            rc = fbuf_adds(b, "&lt;");
        else if (esc == ESC_HTML && c == '&' && (!p->bare_amp || reference_len(t + i, n - i)))
            rc = fbuf_adds(b, "&amp;");
        else if (esc == ESC_HTML && c == '<' &&
                 (!p->bare_lt || (!p->bare_lt_tag && i + 1 < n && (is_alpha((unsigned char)t[i + 1]) ||
                                                                  strchr("/!?", t[i + 1])))))
            rc = fbuf_adds(b, "&lt;");
        else
            rc = fbuf_addc(b, c);
    }
    return rc;
}

static int quote_bits(char q)
{
    return q == '"' ? 1 : q == '\'' ? 2 : 0;
}

int restore_segment(const fmt_seg *s, const prot_text *p, fmt_escape esc, const char *out, size_t len,
                    fmt_buf *result, const char **why)
{
    *why = NULL;
    result->n = 0;
    unsigned char *used = calloc(p->n_codes + 1, 1);
    int *stack = malloc((p->n_codes + 1) * sizeof *stack);
    size_t depth = 0;
    /* XML: '"' escaped where the source has none raw. HTML: the quote of the attribute value a piece
     * of text sits in (the segment is one, or the text follows a code that opens one: alt=" ... ")
     * is escaped there, so no quote the model writes can end the value early */
    int quotes = esc == ESC_HTML ? quote_bits(s->attr_quote) : memchr(s->src, '"', s->src_len) == NULL;
    const int pipes = s->in_table_cell ? 4 : 0;
    quotes |= pipes;
    if (!used || !stack) {
        free(used);
        free(stack);
        return -1;
    }
    /* the model's own whitespace at the ends gives way to the source's */
    while (len && is_space((unsigned char)out[0])) {
        out++;
        len--;
    }
    while (len && is_space((unsigned char)out[len - 1]))
        len--;
    int rc = fbuf_add(result, s->src, p->lead) || fbuf_add(result, "", 0) ? -1 : 0;
    size_t i = 0, text_from = 0;
    while (i < len && !rc && !*why) {
        if (out[i] != '{') {
            i++;
            continue;
        }
        size_t k = i + 1, num = 0;
        while (k < len && is_digit((unsigned char)out[k]) && num < 100000)
            num = num * 10 + (size_t)(out[k++] - '0');
        if (k == i + 1 || k >= len || out[k] != '}') {
            i++;
            continue;
        }
        if (num < 1 || num > p->n_codes) {
            *why = "placeholders";
            break;
        }
        if (used[num]++) {
            *why = "placeholders";
            break;
        }
        const prot_code *c = &p->codes[num - 1];
        if (c->pair >= 0 && c->opens) {
            stack[depth++] = (int)num - 1;
        } else if (c->pair >= 0) {
            if (!depth || stack[depth - 1] != c->pair) {
                *why = "tags";
                break;
            }
            depth--;
        }
        rc = add_escaped(result, out + text_from, i - text_from, esc, p, quotes) ||
                     fbuf_add(result, s->src + c->start, c->end - c->start) ? -1 : 0;
        if (s->md_title && c->end > c->start) {
            char last = s->src[c->end - 1]; /* (url "  : the text after it is a title */
            int attr = c->end - c->start >= 2 && s->src[c->end - 2] == '='; /* <img alt=" */
            quotes = pipes | (attr ? (last == '"' ? 64 : last == '\'' ? 128 : 0)
                                   : (last == '"' ? 8 : last == '\'' ? 16 : last == '(' ? 32 : 0));
        }
        if (esc == ESC_HTML && c->end > c->start) {
            char first = s->src[c->start], last = s->src[c->end - 1];
            if (last == '"' || last == '\'')
                quotes = quote_bits(last) | pipes; /* alt=" : the text after it is the value */
            else if (first == '"' || first == '\'')
                quotes = pipes;                    /* " ...> : the value ended */
        }
        i = text_from = k + 1;
    }
    if (!rc && !*why)
        rc = add_escaped(result, out + text_from, len - text_from, esc, p, quotes) ? -1 : 0;
    for (size_t n = 1; n <= p->n_codes && !rc && !*why; n++)
        if (!used[n])
            *why = "placeholders";
    if (!rc && !*why && depth)
        *why = "tags";
    if (!rc && !*why)
        rc = fbuf_add(result, s->src + s->src_len - p->trail, p->trail) ? -1 : 0;
    free(used);
    free(stack);
    return rc ? -1 : *why ? 1 : 0;
}

void prot_free(prot_text *p)
{
    fbuf_free(&p->text);
    free(p->codes);
    memset(p, 0, sizeof *p);
}
