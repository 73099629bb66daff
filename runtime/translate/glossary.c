/* Glossaries (glossary.h): loading tab-separated (OmegaT) and CSV files (TBX in glossary_tbx.c),
 * and finding the entries whose source terms occur in a text, longest match first at word
 * boundaries over folded, stemmed words (glossary_words.c). Hand-written line parsers: the formats
 * are two columns of text, and each line is checked (UTF-8, two non-empty columns) so a bad file
 * gives one line naming the line number. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "glossary.h"
#include "glossary_internal.h"

#define TERM_MAX 1000        /* bytes of one term */
#define ENTRIES_MAX 1000000  /* entries of one glossary */

void glossary_free(glossary *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        free(g->e[i].source);
        free(g->e[i].target);
        gloss_words_free(&g->e[i].words);
    }
    free(g->e);
    free(g->order);
    free(g);
}

size_t glossary_size(const glossary *g)
{
    return g ? g->n : 0;
}

static int glossary_new(const char *from, const char *to, glossary **out, tolk_error *err)
{
    glossary *g = calloc(1, sizeof *g);
    if (!g)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    g->src_stem = gloss_stemmer_for(from);
    g->tgt_stem = gloss_stemmer_for(to);
    *out = g;
    return TOLK_OK;
}

static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 && c >= 0xC2 ? 2 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 && c <= 0xF4 ? 4 : 0;
        if (!k || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
        if (k == 3 && ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] >= 0xA0)))
            return 0;
        if (k == 4 && ((c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] >= 0x90)))
            return 0;
        i += k;
    }
    return 1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

int glossary_add(glossary *g, const char *src, size_t sn, const char *tgt, size_t tn, const char *name, long line,
                 tolk_error *err)
{
    trim(&src, &sn);
    trim(&tgt, &tn);
    if (!sn || !tn)
        return error_set(err, TOLK_E_FORMAT, "%s:%ld: expected a source term and a target term", name, line);
    if (sn > TERM_MAX || tn > TERM_MAX)
        return error_set(err, TOLK_E_FORMAT, "%s:%ld: a term over %d bytes", name, line, TERM_MAX);
    if (!valid_utf8(src, sn) || !valid_utf8(tgt, tn) || memchr(src, 0, sn) || memchr(tgt, 0, tn))
        return error_set(err, TOLK_E_FORMAT, "%s:%ld: not valid UTF-8 text", name, line);
    if (g->n == ENTRIES_MAX)
        return error_set(err, TOLK_E_FORMAT, "%s: more than %d entries", name, ENTRIES_MAX);
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        gloss_entry *e = realloc(g->e, cap * sizeof *e);
        if (!e)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        g->e = e;
        g->cap = cap;
    }
    gloss_entry *e = &g->e[g->n];
    memset(e, 0, sizeof *e);
    e->source = strndup(src, sn);
    e->target = strndup(tgt, tn);
    if (!e->source || !e->target || gloss_split(src, sn, g->src_stem, &e->words)) {
        free(e->source);
        free(e->target);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    if (e->words.n == 0) { /* punctuation only: nothing to match */
        free(e->source);
        free(e->target);
        gloss_words_free(&e->words);
        return TOLK_OK;
    }
    g->n++;
    return TOLK_OK;
}

static int by_first_word(const void *a, const void *b, void *arg)
{
    const glossary *g = arg;
    const gloss_entry *x = &g->e[*(const size_t *)a], *y = &g->e[*(const size_t *)b];
    int c = strcmp(x->words.w[0].key, y->words.w[0].key);
    return c ? c : (*(const size_t *)a < *(const size_t *)b ? -1 : 1);
}

static int glossary_finish(glossary *g, tolk_error *err)
{
    free(g->order);
    g->order = malloc((g->n ? g->n : 1) * sizeof *g->order);
    if (!g->order)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    for (size_t i = 0; i < g->n; i++)
        g->order[i] = i;
    qsort_r(g->order, g->n, sizeof *g->order, by_first_word, g);
    return TOLK_OK;
}

/* Tab-separated: source TAB target [TAB comment]; blank lines and lines starting with # skipped. */
static int parse_tsv(glossary *g, const char *d, size_t len, const char *name, tolk_error *err)
{
    long line = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(d + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - d) : len;
        const char *s = d + i;
        size_t n = end - i;
        line++;
        i = end + 1;
        const char *t = s;
        size_t tn = n;
        trim(&t, &tn);
        if (!tn || *s == '#')
            continue;
        const char *tab = memchr(s, '\t', n);
        if (!tab)
            return error_set(err, TOLK_E_FORMAT, "%s:%ld: expected source TAB target", name, line);
        const char *tgt = tab + 1;
        const char *tab2 = memchr(tgt, '\t', (size_t)(s + n - tgt));
        size_t tgt_n = (size_t)((tab2 ? tab2 : s + n) - tgt);
        int rc = glossary_add(g, s, (size_t)(tab - s), tgt, tgt_n, name, line, err);
        if (rc)
            return rc;
    }
    return TOLK_OK;
}

/* CSV (RFC 4180): fields separated by commas, "quoted" with "" for a quote; the first two fields
 * are source and target. A first record reading source/term,target is a header and skipped. */
static int parse_csv(glossary *g, const char *d, size_t len, const char *name, tolk_error *err)
{
    char *field[2] = {NULL, NULL};
    size_t fn[2] = {0, 0}, cap[2] = {0, 0};
    long line = 1, rec_line = 1;
    int rc = TOLK_OK, nf = 0, records = 0;
    size_t i = 0;
    while (!rc && i <= len) {
        /* one field */
        int quoted = i < len && d[i] == '"';
        size_t k = nf < 2 ? (size_t)nf : 2;
        if (k < 2)
            fn[k] = 0;
        if (quoted)
            i++;
        for (;;) {
            if (i >= len) {
                if (quoted)
                    rc = error_set(err, TOLK_E_FORMAT, "%s:%ld: a quoted field is not closed", name, rec_line);
                break;
            }
            char c = d[i];
            if (quoted && c == '"') {
                if (i + 1 < len && d[i + 1] == '"') {
                    i++;
                } else {
                    i++;
                    quoted = 0;
                    if (i < len && d[i] != ',' && d[i] != '\n' && d[i] != '\r')
                        rc = error_set(err, TOLK_E_FORMAT, "%s:%ld: text after a closing quote", name, line);
                    continue;
                }
            } else if (!quoted && (c == ',' || c == '\n')) {
                break;
            }
            if (c == '\n')
                line++;
            if (k < 2) {
                if (fn[k] + 1 >= cap[k]) {
                    size_t nc = cap[k] * 2 + 64;
                    char *p = realloc(field[k], nc);
                    if (!p) {
                        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
                        break;
                    }
                    field[k] = p;
                    cap[k] = nc;
                }
                field[k][fn[k]++] = c;
            }
            i++;
        }
        if (rc)
            break;
        nf++;
        if (i < len && d[i] == ',') {
            i++;
            continue;
        }
        /* end of a record */
        int blank = nf == 1 && fn[0] == 0;
        if (!blank) {
            records++;
            int header = records == 1 && nf >= 2 && fn[0] && fn[1] &&
                         (!strncasecmp(field[0], "source", fn[0]) || !strncasecmp(field[0], "term", fn[0])) &&
                         !strncasecmp(field[1], "target", fn[1]);
            if (nf < 2)
                rc = error_set(err, TOLK_E_FORMAT, "%s:%ld: expected source,target", name, rec_line);
            else if (!header)
                rc = glossary_add(g, field[0], fn[0], field[1], fn[1], name, rec_line, err);
        }
        nf = 0;
        if (i >= len)
            break;
        i++; /* the newline */
        line++;
        rec_line = line;
    }
    free(field[0]);
    free(field[1]);
    return rc;
}

int glossary_parse(const char *data, size_t len, int format, const char *name, const char *from, const char *to,
                   glossary **out, tolk_error *err)
{
    *out = NULL;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) { /* byte order mark */
        data += 3;
        len -= 3;
    }
    glossary *g = NULL;
    int rc = glossary_new(from, to, &g, err);
    if (rc)
        return rc;
    if (format == 'x')
        rc = glossary_parse_tbx(g, data, len, name, from, to, err);
    else if (format == 'c')
        rc = parse_csv(g, data, len, name, err);
    else
        rc = parse_tsv(g, data, len, name, err);
    if (!rc && g->n == 0)
        rc = error_set(err, TOLK_E_FORMAT, "%s: no glossary entries found%s", name,
                       format == 'x' ? " for this language pair" : "");
    if (!rc)
        rc = glossary_finish(g, err);
    if (rc) {
        glossary_free(g);
        return rc;
    }
    *out = g;
    return TOLK_OK;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

int glossary_load(const char *path, const char *from, const char *to, glossary **out, tolk_error *err)
{
    *out = NULL;
    int format = ends_with(path, ".tbx") || ends_with(path, ".xml") ? 'x' : ends_with(path, ".csv") ? 'c' : 't';
    if (format == 'x' && (!from || !to))
        return error_set(err, TOLK_E_ARG, "%s: a TBX glossary needs the language pair (--from and --to)", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set(err, TOLK_E_IO, "cannot open glossary %s: %s", path, strerror(errno));
    char *data = NULL;
    size_t n = 0, cap = 0;
    int rc = TOLK_OK;
    for (;;) {
        if (n + 65536 > cap) {
            if (cap > ((size_t)1 << 30)) {
                rc = error_set(err, TOLK_E_FORMAT, "glossary %s is over 1 GiB", path);
                break;
            }
            char *p = realloc(data, cap = cap * 2 + 65536);
            if (!p) {
                rc = error_set(err, TOLK_E_NOMEM, "out of memory reading %s", path);
                break;
            }
            data = p;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (!rc && ferror(f))
        rc = error_set(err, TOLK_E_IO, "cannot read glossary %s", path);
    fclose(f);
    if (!rc)
        rc = glossary_parse(data ? data : "", n, format, path, from, to, out, err);
    free(data);
    return rc;
}

/* ---- matching ---- */

static int words_at(const gloss_words *text, size_t at, const gloss_words *term)
{
    if (at + term->n > text->n)
        return 0;
    for (size_t k = 0; k < term->n; k++)
        if (strcmp(text->w[at + k].key, term->w[k].key))
            return 0;
    return 1;
}

int glossary_find(const glossary *g, const char *text, size_t len, gloss_hit **hits, int *n, tolk_error *err)
{
    *hits = NULL;
    *n = 0;
    gloss_words ws;
    if (gloss_split(text, len, g->src_stem, &ws))
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    unsigned char *used = calloc(g->n ? g->n : 1, 1);
    int cap = 0, rc = TOLK_OK;
    if (!used)
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < ws.n;) {
        /* the entries starting with this word: a binary search over the sorted order */
        size_t lo = 0, hi = g->n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(g->e[g->order[mid]].words.w[0].key, ws.w[i].key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        const gloss_entry *best = NULL;
        size_t best_i = 0;
        for (size_t k = lo; k < g->n && !strcmp(g->e[g->order[k]].words.w[0].key, ws.w[i].key); k++) {
            const gloss_entry *e = &g->e[g->order[k]];
            if ((!best || e->words.n > best->words.n) && words_at(&ws, i, &e->words)) {
                best = e;
                best_i = g->order[k];
            }
        }
        if (!best) {
            i++;
            continue;
        }
        if (!used[best_i]) {
            used[best_i] = 1;
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                gloss_hit *h = realloc(*hits, (size_t)cap * sizeof *h);
                if (!h) {
                    rc = error_set(err, TOLK_E_NOMEM, "out of memory");
                    break;
                }
                *hits = h;
            }
            (*hits)[(*n)++] = (gloss_hit){best->source, best->target, ws.w[i].start, ws.w[i + best->words.n - 1].end};
        }
        i += best->words.n;
    }
    free(used);
    gloss_words_free(&ws);
    if (rc) {
        free(*hits);
        *hits = NULL;
        *n = 0;
    }
    return rc;
}

int glossary_contains(const glossary *g, const char *term, const char *text, size_t len)
{
    gloss_words tw, xw;
    if (gloss_split(term, strlen(term), g->tgt_stem, &tw))
        return -1;
    if (gloss_split(text, len, g->tgt_stem, &xw)) {
        gloss_words_free(&tw);
        return -1;
    }
    int found = tw.n == 0;
    for (size_t i = 0; !found && i < xw.n; i++)
        found = words_at(&xw, i, &tw);
    gloss_words_free(&tw);
    gloss_words_free(&xw);
    return found;
}
