/* The text side of the translation memory (tm.h): TMX inline markup to plain text and back, the
 * normalised matching key (whitespace and placeholders) and the fuzzy score, a Levenshtein
 * distance over word tokens as CAT tools compute it (docs/TM.md gives the formula). Hand-written
 * because it works on TMX's small inline subset inside a string the streaming reader already
 * validated as XML; nothing here reads a file. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tm.h"
#include "unicode.h"

int tm_buf_add(tm_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2 + 64;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 0;
}

void tm_buf_free(tm_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int put_utf8(tm_buf *b, unsigned long c)
{
    char u[4];
    if (c == 0 || (c >= 0xD800 && c <= 0xDFFF))
        c = 0xFFFD;
    return tm_buf_add(b, u, utf8_encode((uint32_t)c, u));
}

/* An entity or character reference at s[0] == '&': appends its text, returns the bytes used. */
static size_t put_entity(tm_buf *b, const char *s, size_t n, int *fail)
{
    static const struct {
        const char *name, *text;
    } named[] = {{"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""}, {"apos;", "'"}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t l = strlen(named[i].name);
        if (n > l && !memcmp(s + 1, named[i].name, l)) {
            *fail |= tm_buf_add(b, named[i].text, 1);
            return l + 1;
        }
    }
    if (n > 3 && s[1] == '#') {
        int hex = s[2] == 'x' || s[2] == 'X';
        size_t i = hex ? 3 : 2;
        unsigned long c = 0;
        size_t start = i;
        while (i < n && i - start < 8 && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i]))) {
            int d = isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10);
            c = c * (hex ? 16 : 10) + (unsigned long)d;
            i++;
        }
        if (i > start && i < n && s[i] == ';') {
            *fail |= put_utf8(b, c);
            return i + 1;
        }
    }
    *fail |= tm_buf_add(b, "&", 1);
    return 1;
}

int tm_xml_to_plain(const char *xml, size_t len, tm_buf *out)
{
    int fail = tm_buf_add(out, "", 0);
    size_t i = 0;
    while (i < len && !fail) {
        if (xml[i] == '&') {
            i += put_entity(out, xml + i, len - i, &fail);
            continue;
        }
        if (xml[i] != '<') {
            size_t j = i;
            while (j < len && xml[j] != '<' && xml[j] != '&')
                j++;
            fail |= tm_buf_add(out, xml + i, j - i);
            i = j;
            continue;
        }
        /* a tag (inline elements bpt, ept, ph, it, ut, hi, sub): dropped, its text content kept */
        const char *gt = memchr(xml + i, '>', len - i);
        if (!gt)
            break;
        i = (size_t)(gt - xml) + 1;
    }
    return fail ? -1 : 0;
}

int tm_plain_to_xml(const char *text, size_t len, tm_buf *out)
{
    int fail = tm_buf_add(out, "", 0);
    size_t i = 0;
    while (i < len && !fail) {
        size_t j = i;
        while (j < len && text[j] != '&' && text[j] != '<' && text[j] != '>')
            j++;
        fail |= tm_buf_add(out, text + i, j - i);
        if (j < len)
            fail |= tm_buf_add(out, text[j] == '&' ? "&amp;" : text[j] == '<' ? "&lt;" : "&gt;",
                               text[j] == '&' ? 5 : 4);
        i = j + 1;
    }
    return fail ? -1 : 0;
}

/* Length of a placeholder at s (0: none): {name}, printf conversions, markup tags. */
static size_t placeholder_len(const char *s, size_t n)
{
    size_t i = 1;
    if (s[0] == '{') {
        while (i < n && i < 64 && (isalnum((unsigned char)s[i]) || strchr("_.:-#", s[i])))
            i++;
        return i < n && s[i] == '}' ? i + 1 : 0;
    }
    if (s[0] == '%') {
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i < n && s[i] == '$' && i > 1)
            i++;
        else
            i = 1;
        while (i < n && strchr("-+ #0", s[i]))
            i++;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i < n && s[i] == '.') {
            i++;
            while (i < n && isdigit((unsigned char)s[i]))
                i++;
        }
        while (i < n && strchr("hlLqjzt", s[i]))
            i++;
        return i < n && strchr("sdiufFxXcpeEgGo@", s[i]) ? i + 1 : 0;
    }
    if (s[0] == '<') {
        if (i < n && s[i] == '/')
            i++;
        if (i >= n || !isalpha((unsigned char)s[i]))
            return 0;
        while (i < n && i < 256 && s[i] != '>' && s[i] != '<' && s[i] != '\n')
            i++;
        return i < n && s[i] == '>' ? i + 1 : 0;
    }
    return 0;
}

int tm_key(const char *text, size_t len, tm_buf *out)
{
    int fail = tm_buf_add(out, "", 0), space = 0;
    for (size_t i = 0; i < len && !fail;) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = 1;
            i++;
            continue;
        }
        /* U+00A0 no-break space counts as whitespace */
        if (c == 0xC2 && i + 1 < len && (unsigned char)text[i + 1] == 0xA0) {
            space = 1;
            i += 2;
            continue;
        }
        if (space && out->n)
            fail |= tm_buf_add(out, " ", 1);
        space = 0;
        size_t p = (c == '{' || c == '%' || c == '<') ? placeholder_len(text + i, len - i) : 0;
        if (p) {
            fail |= tm_buf_add(out, "{}", 2);
            i += p;
        } else {
            fail |= tm_buf_add(out, text + i, 1);
            i++;
        }
    }
    return fail ? -1 : 0;
}

/* The placeholders of TEXT in order (at most MAX): offsets and lengths; returns the count. */
static size_t placeholders(const char *text, size_t len, size_t *at, size_t *n, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        char c = text[i];
        size_t p = (c == '{' || c == '%' || c == '<') ? placeholder_len(text + i, len - i) : 0;
        if (p && k < max) {
            at[k] = i;
            n[k] = p;
        }
        k += p != 0;
        i += p ? p : 1;
    }
    return k;
}

#define PH_MAX 64

int tm_adapt_placeholders(const char *tm_source, const char *source, const char *tm_target, tm_buf *out)
{
    size_t a_at[PH_MAX], a_n[PH_MAX], b_at[PH_MAX], b_n[PH_MAX], t_at[PH_MAX], t_n[PH_MAX];
    size_t na = placeholders(tm_source, strlen(tm_source), a_at, a_n, PH_MAX);
    size_t nb = placeholders(source, strlen(source), b_at, b_n, PH_MAX);
    size_t tl = strlen(tm_target);
    size_t nt = placeholders(tm_target, tl, t_at, t_n, PH_MAX);
    int fail = tm_buf_add(out, "", 0);
    if (na != nb || na > PH_MAX || nt > PH_MAX) /* not the same key after all: leave it */
        return fail || tm_buf_add(out, tm_target, tl) ? -1 : 0;
    unsigned char used[PH_MAX] = {0};
    size_t i = 0;
    for (size_t k = 0; k < nt && !fail; k++) {
        fail |= tm_buf_add(out, tm_target + i, t_at[k] - i);
        /* the first unused source placeholder spelt like this one: the new text's counterpart */
        size_t j = 0;
        while (j < na && (used[j] || a_n[j] != t_n[k] || memcmp(tm_source + a_at[j], tm_target + t_at[k], t_n[k])))
            j++;
        if (j < na) {
            used[j] = 1;
            fail |= tm_buf_add(out, source + b_at[j], b_n[j]);
        } else {
            fail |= tm_buf_add(out, tm_target + t_at[k], t_n[k]);
        }
        i = t_at[k] + t_n[k];
    }
    fail |= tm_buf_add(out, tm_target + i, tl - i);
    return fail ? -1 : 0;
}

/* ---- the fuzzy score ---- */

typedef struct tok {
    const char *s;
    size_t n;
} tok;

static int is_word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80 || c == '_';
}

/* Splits a key into words and single punctuation marks ("{}" stays one token). */
static size_t tokenize_key(const char *s, size_t n, tok *t, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            i++;
            continue;
        }
        size_t j = i + 1;
        if (is_word_byte(c))
            while (j < n && is_word_byte((unsigned char)s[j]))
                j++;
        else if (c == '{' && j < n && s[j] == '}')
            j++;
        if (t && k < max)
            t[k] = (tok){s + i, j - i};
        k++;
        i = j;
    }
    return k;
}

static int tok_eq(const tok *a, const tok *b)
{
    return a->n == b->n && !memcmp(a->s, b->s, a->n);
}

/* Both keys' tokens (a->n, b->n of them; either may be 0). Returns 0 or -1 (out of memory). */
typedef struct tok_pair {
    tok *a, *b;
    size_t na, nb;
} tok_pair;

static int tok_pair_init(tok_pair *p, const char *a, size_t alen, const char *b, size_t blen)
{
    p->na = tokenize_key(a, alen, NULL, 0);
    p->nb = tokenize_key(b, blen, NULL, 0);
    p->a = malloc(sizeof *p->a * (p->na ? p->na : 1));
    p->b = malloc(sizeof *p->b * (p->nb ? p->nb : 1));
    if (!p->a || !p->b)
        return -1;
    tokenize_key(a, alen, p->a, p->na);
    tokenize_key(b, blen, p->b, p->nb);
    return 0;
}

static void tok_pair_free(tok_pair *p)
{
    free(p->a);
    free(p->b);
}

/* Levenshtein over tokens (insert, delete, substitute: cost 1): row i of the table, d[i][j] the
 * distance of a[0..i) and b[0..j), lies at D + (KEEP ? i : i % 2) * (nb + 1), so KEEP = 1 needs
 * (na + 1) x (nb + 1) cells and keeps the whole table (for tracing an edit script back), KEEP = 0
 * two rows (the distance only: the last row's cell nb). Returns the last row. */
static uint32_t *edit_table(const tok_pair *p, uint32_t *d, int keep)
{
    const size_t w = p->nb + 1;
    uint32_t *prev = d;
    for (size_t j = 0; j <= p->nb; j++)
        prev[j] = (uint32_t)j;
    for (size_t i = 1; i <= p->na; i++) {
        uint32_t *row = d + (keep ? i : i % 2) * w;
        row[0] = (uint32_t)i;
        for (size_t j = 1; j <= p->nb; j++) {
            uint32_t best = prev[j - 1] + (tok_eq(&p->a[i - 1], &p->b[j - 1]) ? 0u : 1u);
            if (prev[j] + 1u < best)
                best = prev[j] + 1u;
            if (row[j - 1] + 1u < best)
                best = row[j - 1] + 1u;
            row[j] = best;
        }
        prev = row;
    }
    return prev;
}

int tm_fuzzy_score(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen == blen && !memcmp(a, b, alen))
        return 100;
    tok_pair p;
    uint32_t *d = NULL;
    int score = 0;
    if (!tok_pair_init(&p, a, alen, b, blen)) {
        const size_t mx = p.na > p.nb ? p.na : p.nb;
        if (mx == 0)
            score = 100;
        else if (p.na && p.nb && (d = malloc(sizeof *d * 2 * (p.nb + 1)))) {
            const size_t dist = edit_table(&p, d, 0)[p.nb];
            score = (int)((100 * (mx - dist)) / mx);
            if (score >= 100)
                score = 99; /* equal tokens but different keys (spacing around punctuation) */
        }
    }
    tok_pair_free(&p);
    free(d);
    return score;
}

/* The whole edit table (edit_table), then one shortest edit script traced back (matches first,
 * then substitution, deletion, insertion). */
int tm_edit_places(const char *a, size_t alen, const char *b, size_t blen, float *at, int max)
{
    if (max <= 0)
        return 0;
    tok_pair p;
    uint32_t *d = NULL;
    int n = 0;
    if (!tok_pair_init(&p, a, alen, b, blen) && p.na && p.na <= 1024 && p.nb <= 1024 &&
        (d = malloc(sizeof *d * (p.na + 1) * (p.nb + 1)))) {
        const size_t na = p.na, nb = p.nb, w = nb + 1;
        const tok *ta = p.a, *tb = p.b;
        edit_table(&p, d, 1);
        /* From the end back (the last edit first): the last 64 found, the first ones, kept in a ring,
         * then the first MAX of them into AT in order. */
        float ring[64];
        size_t found = 0, i = na, j = nb;
        while (i > 0 || j > 0) {
            const unsigned here = d[i * w + j];
            if (i > 0 && j > 0 && tok_eq(&ta[i - 1], &tb[j - 1]) && d[(i - 1) * w + j - 1] == here) {
                i--, j--;
                continue;
            }
            size_t place;
            if (i > 0 && j > 0 && d[(i - 1) * w + j - 1] + 1u == here)
                place = --i, j--; /* substitution */
            else if (i > 0 && d[(i - 1) * w + j] + 1u == here)
                place = --i; /* deletion */
            else
                place = i, j--; /* insertion before a[i] */
            const float f = (float)place / (float)na;
            if (!found || ring[(found - 1) % 64] != f)
                ring[found++ % 64] = f;
        }
        const size_t kept = found < 64 ? found : 64;
        for (size_t k = 0; k < kept && n < max; k++)
            at[n++] = ring[(found - 1 - k) % 64];
    }
    tok_pair_free(&p);
    free(d);
    return n;
}

int tm_lang_primary(const char *code, char *out, size_t size)
{
    size_t i = 0;
    if (!code)
        return -1;
    while (code[i] && code[i] != '-' && code[i] != '_' && i + 1 < size) {
        if (!isalpha((unsigned char)code[i]))
            return -1;
        out[i] = (char)tolower((unsigned char)code[i]);
        i++;
    }
    out[i] = 0;
    /* ISO 639 codes: 2 or 3 letters (so a language name such as "German" is refused, not misread) */
    return i >= 2 && i <= 3 && (code[i] == 0 || code[i] == '-' || code[i] == '_') ? 0 : -1;
}
