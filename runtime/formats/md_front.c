/* Markdown front matter (YAML between "---" lines, TOML between "+++" lines): the values of the
 * top-level text keys a reader sees (title, description, summary, ...: front_text_keys) become
 * segments; every other key, nested keys, lists, numbers, dates, booleans, comments and the layout
 * stay byte for byte. Written by hand: Debian's YAML library (libyaml) reports marks but writes
 * no file back, and the subset read here is one line per value, which a line scanner reads exactly:
 *   YAML  key: plain scalar      key: "double quoted"      key: 'single quoted'   (# comment after)
 *   TOML  key = "basic string"   key = 'literal string'                         (# comment after)
 * A value is decoded for the model (YAML escapes \" \\ \/ \t \n, a doubled '' in single quotes;
 * TOML's \" \\ \t \n \r \b \f) and encoded back in its own style: a YAML plain scalar that the
 * translation would change the meaning of (a ": ", a " #", a leading indicator, a word YAML reads
 * as true/false/null) is written double-quoted; a TOML literal string that gets a "'" becomes a
 * basic string. Anything else (a block scalar | or >, a value continued on the next line, an
 * escape outside that list, an anchor, a tag, a flow list, a key inside a mapping or a TOML table)
 * is left alone, never rewritten half understood. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doc.h"
#include "md_front.h"

/* The keys whose values are translated (exact match; common static site generators' text keys),
 * unless TOLK_FRONT_MATTER_KEYS names others (separated by spaces or commas). */
static const char *const front_text_keys[] = {"title", "subtitle", "description", "summary", "excerpt",
                                              "abstract", "caption", "alt", "linkTitle", "lead", "teaser",
                                              NULL};

static int is_text_key(const char *p, size_t n)
{
    const char *env = getenv("TOLK_FRONT_MATTER_KEYS");
    if (env) {
        for (const char *w = env; *w;) {
            size_t k = strcspn(w, " ,\t");
            if (k == n && !memcmp(w, p, n))
                return 1;
            w += k;
            w += strspn(w, " ,\t");
        }
        return 0;
    }
    for (int i = 0; front_text_keys[i]; i++)
        if (strlen(front_text_keys[i]) == n && !memcmp(front_text_keys[i], p, n))
            return 1;
    return 0;
}

static int key_char(char c)
{
    return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A word YAML 1.1 or 1.2 reads as a boolean or null, or a number: a plain scalar that must stay a
 * string cannot be written as one (nor can it be translated: it is probably not text). */
static int yaml_special(const char *p, size_t n)
{
    static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", NULL};
    for (int i = 0; words[i]; i++)
        if (strlen(words[i]) == n && !strncasecmp(words[i], p, n))
            return 1;
    if (n == 0 || !((p[0] >= '0' && p[0] <= '9') || ((p[0] == '+' || p[0] == '-' || p[0] == '.') && n > 1)))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(p[i] >= '0' && p[i] <= '9') && !strchr("+-.:_ eExXoOTZtzabcdfABCDF", p[i]))
            return 0;
    return 1; /* 42, 3.14, 2024-05-01, 12:30, 0x1f, .inf */
}

/* Whether TEXT can be a YAML plain scalar on one line with the meaning of the string it is. */
static int yaml_plain_ok(const char *t, size_t n)
{
    if (n == 0 || t[0] == ' ' || t[n - 1] == ' ' || t[n - 1] == ':' || strchr("-?:,[]{}#&*!|>'\"%@`\t", t[0]))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x20 || c == 0x7f || (c == ':' && i + 1 < n && (t[i + 1] == ' ' || t[i + 1] == '\t')) ||
            (c == '#' && (t[i - 1] == ' ' || t[i - 1] == '\t')))
            return 0;
    }
    return !yaml_special(t, n);
}

/* Decodes a quoted value [S, E) (inside the quotes) of STYLE into OUT: 0, or 1 when it holds
 * something this reader leaves alone (an escape outside the short list), -1 on out-of-memory. */
static int decode(const char *p, size_t s, size_t e, char style, fmt_buf *out)
{
    for (size_t i = s; i < e; i++) {
        char c = p[i];
        if ((style == FRONT_YAML_SINGLE || style == FRONT_TOML_LITERAL) && c == '\'') {
            if (style == FRONT_TOML_LITERAL || i + 1 >= e || p[i + 1] != '\'')
                return 1;
            i++;
        } else if ((style == FRONT_YAML_DOUBLE || style == FRONT_TOML_BASIC) && c == '\\') {
            if (++i >= e)
                return 1;
            char x = p[i];
            c = x == '"' || x == '\\' ? x : x == 't' ? '\t' : x == 'n' ? '\n' : x == '/' && style == FRONT_YAML_DOUBLE ?
                '/' : (x == 'r' || x == 'b' || x == 'f') && style == FRONT_TOML_BASIC ? (x == 'r' ? '\r' : x == 'b' ?
                '\b' : '\f') : 0;
            if (!c)
                return 1;
        } else if ((style == FRONT_YAML_DOUBLE || style == FRONT_TOML_BASIC) && c == '"') {
            return 1;
        }
        if (fbuf_addc(out, c))
            return -1;
    }
    return 0;
}

/* The end of a quoted value whose opening quote is at Q on the line ending at E: the closing
 * quote's offset, or 0 when it does not close on the line or something other than blanks and a
 * comment follows it. */
static size_t quoted_end(const char *p, size_t q, size_t e, char quote, int doubled_quote, int backslash)
{
    size_t i = q + 1;
    for (; i < e; i++) {
        if (backslash && p[i] == '\\') {
            i++;
            continue;
        }
        if (p[i] == quote) {
            if (doubled_quote && i + 1 < e && p[i + 1] == quote) {
                i++;
                continue;
            }
            break;
        }
    }
    if (i >= e)
        return 0;
    size_t k = i + 1;
    while (k < e && (p[k] == ' ' || p[k] == '\t'))
        k++;
    return k == e || p[k] == '#' ? i : 0;
}

/* Adds the segment for value [S, E) of STYLE (the quotes included), its text decoded. */
static int add_value(fmt_doc *d, size_t s, size_t e, char style)
{
    fmt_buf text = {0};
    int r = 0;
    if (style == FRONT_YAML_PLAIN)
        r = fbuf_add(&text, d->data + s, e - s);
    else
        r = decode(d->data, s + 1, e - 1, style, &text);
    if (r == 0 && text.n) {
        fmt_seg *seg = doc_add_seg(d, text.p, text.n, s, e);
        if (!seg)
            r = -1;
        else
            seg->front_matter = style;
    }
    fbuf_free(&text);
    return r < 0 ? -1 : 0;
}

/* Line [S, E) (without its line end) of YAML front matter. */
static int yaml_line(fmt_doc *d, size_t s, size_t e, size_t next_s, size_t next_e)
{
    const char *p = d->data;
    size_t k = s;
    while (k < e && key_char(p[k]))
        k++;
    if (k == s || k >= e || p[k] != ':' || !is_text_key(p + s, k - s))
        return 0;
    size_t v = k + 1;
    if (v >= e || (p[v] != ' ' && p[v] != '\t'))
        return 0;
    while (v < e && (p[v] == ' ' || p[v] == '\t'))
        v++;
    if (v >= e)
        return 0; /* a mapping or a list below, or an empty value */
    /* a value continued on the next line (an indented line) is a multi-line scalar: left alone */
    if (next_s < next_e && (p[next_s] == ' ' || p[next_s] == '\t'))
        return 0;
    if (p[v] == '"' || p[v] == '\'') {
        size_t q = quoted_end(p, v, e, p[v], p[v] == '\'', p[v] == '"');
        return q ? add_value(d, v, q + 1, p[v] == '"' ? FRONT_YAML_DOUBLE : FRONT_YAML_SINGLE) : 0;
    }
    if (strchr("-?:,[]{}#&*!|>%@`", p[v]))
        return 0; /* a block scalar, a flow collection, an anchor, a tag, a list */
    size_t ve = v;
    for (size_t i = v; i < e; i++) {
        if (p[i] == '#' && (p[i - 1] == ' ' || p[i - 1] == '\t'))
            break;
        if (p[i] == ':' && (i + 1 == e || p[i + 1] == ' ' || p[i + 1] == '\t'))
            return 0; /* "a: b: c" is not a plain scalar */
        if (p[i] != ' ' && p[i] != '\t')
            ve = i + 1;
    }
    if (yaml_special(p + v, ve - v))
        return 0;
    return add_value(d, v, ve, FRONT_YAML_PLAIN);
}

/* Line [S, E) of TOML front matter at the top level. */
static int toml_line(fmt_doc *d, size_t s, size_t e)
{
    const char *p = d->data;
    size_t k = s;
    while (k < e && key_char(p[k]))
        k++;
    if (k == s || !is_text_key(p + s, k - s))
        return 0;
    size_t v = k;
    while (v < e && (p[v] == ' ' || p[v] == '\t'))
        v++;
    if (v >= e || p[v] != '=')
        return 0;
    v++;
    while (v < e && (p[v] == ' ' || p[v] == '\t'))
        v++;
    if (v >= e || (p[v] != '"' && p[v] != '\'') || (v + 2 < e && p[v + 1] == p[v] && p[v + 2] == p[v]))
        return 0; /* not a string, or a multi-line one */
    size_t q = quoted_end(p, v, e, p[v], 0, p[v] == '"');
    return q ? add_value(d, v, q + 1, p[v] == '"' ? FRONT_TOML_BASIC : FRONT_TOML_LITERAL) : 0;
}

int md_front_matter(fmt_doc *d, size_t from, size_t to, int toml)
{
    const char *p = d->data;
    size_t s = from;
    while (s < to) {
        const char *nl = memchr(p + s, '\n', to - s);
        size_t next = nl ? (size_t)(nl - p) + 1 : to, e = nl ? (size_t)(nl - p) : to;
        if (e > s && p[e - 1] == '\r')
            e--;
        if (toml && p[s] == '[')
            return 0; /* a table: its keys are not the page's */
        const char *nl2 = next < to ? memchr(p + next, '\n', to - next) : NULL;
        size_t next_e = nl2 ? (size_t)(nl2 - p) : to;
        if (toml ? toml_line(d, s, e) : yaml_line(d, s, e, next, next_e))
            return -1;
        s = next;
    }
    return 0;
}

static int add_escaped(fmt_buf *b, char c, char style)
{
    unsigned char u = (unsigned char)c;
    if (c == '"' || c == '\\')
        return fbuf_addc(b, '\\') || fbuf_addc(b, c);
    if (c == '\n')
        return fbuf_adds(b, "\\n");
    if (c == '\t')
        return fbuf_adds(b, "\\t");
    if (u < 0x20 || u == 0x7f) {
        char esc[8];
        snprintf(esc, sizeof esc, style == FRONT_TOML_BASIC ? "\\u%04x" : "\\x%02x", u);
        return fbuf_adds(b, esc);
    }
    return fbuf_addc(b, c);
}

int md_front_encode(char style, const char *t, size_t n, fmt_buf *out)
{
    if (style == FRONT_YAML_PLAIN && yaml_plain_ok(t, n))
        return fbuf_add(out, t, n);
    if (style == FRONT_TOML_LITERAL && !memchr(t, '\'', n) && !memchr(t, '\n', n) && !memchr(t, '\r', n))
        return fbuf_addc(out, '\'') || fbuf_add(out, t, n) || fbuf_addc(out, '\'');
    if (style == FRONT_YAML_SINGLE && !memchr(t, '\n', n)) {
        int rc = fbuf_addc(out, '\'');
        for (size_t i = 0; i < n && !rc; i++)
            rc = t[i] == '\'' ? fbuf_adds(out, "''") : fbuf_addc(out, t[i]);
        return rc || fbuf_addc(out, '\'');
    }
    /* double quotes: YAML's (a plain scalar that needs quoting, a single-quoted one with a line
     * break) or TOML's basic string */
    char q = style == FRONT_TOML_BASIC || style == FRONT_TOML_LITERAL ? FRONT_TOML_BASIC : FRONT_YAML_DOUBLE;
    int rc = fbuf_addc(out, '"');
    for (size_t i = 0; i < n && !rc; i++)
        rc = add_escaped(out, t[i], q);
    return rc || fbuf_addc(out, '"');
}
