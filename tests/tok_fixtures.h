/* Reader for tokenizer fixtures in llama.cpp's test-tokenizer-0 format (BASE.inp: each case then
 * "\n__ggml_vocab_test__\n"; BASE.out: one line of space-separated ids per case), shared by
 * test_tokenizer.c and test_chat.c. Header-only because only tests use it. */
#ifndef TOLK_TOK_FIXTURES_H
#define TOLK_TOK_FIXTURES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture_case {
    const char *text;
    size_t len;
    int32_t *ids;
    size_t n_ids;
} fixture_case;

typedef struct fixture {
    char *inp, *out; /* file contents; cases point into inp */
    fixture_case *cases;
    size_t n;
} fixture;

static char *fixture_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, (cap *= 2) + 1);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* Parses one line of ids (strtol alone would run on past a line break). */
static size_t fixture_parse_ids(const char *line, const char *end, int32_t *ids)
{
    size_t n = 0;
    while (line < end) {
        if (*line == ' ') {
            line++;
            continue;
        }
        char *stop;
        long x = strtol(line, &stop, 10);
        if (stop == line)
            return n;
        ids[n++] = (int32_t)x;
        line = stop;
    }
    return n;
}

static void fixture_free(fixture *fx)
{
    for (size_t i = 0; i < fx->n; i++)
        free(fx->cases[i].ids);
    free(fx->cases);
    free(fx->inp);
    free(fx->out);
    memset(fx, 0, sizeof *fx);
}

/* Loads BASE.inp/.out; returns 0, or -1 with a reason in WHY. */
static int fixture_load(const char *base, fixture *fx, char *why, size_t why_len)
{
    static const char sep[] = "\n__ggml_vocab_test__\n";
    char path[4200];
    size_t inp_len, out_len;
    memset(fx, 0, sizeof *fx);
    snprintf(path, sizeof path, "%s.inp", base);
    fx->inp = fixture_read_file(path, &inp_len);
    snprintf(path, sizeof path, "%s.out", base);
    fx->out = fixture_read_file(path, &out_len);
    if (!fx->inp || !fx->out) {
        snprintf(why, why_len, "cannot read %.300s.inp/.out", base);
        fixture_free(fx);
        return -1;
    }
    const char *p = fx->inp, *end = fx->inp + inp_len, *o = fx->out, *oend = fx->out + out_len;
    size_t cap = 0;
    while (p < end) {
        const char *s = memmem(p, (size_t)(end - p), sep, sizeof sep - 1);
        const char *nl = memchr(o, '\n', (size_t)(oend - o));
        if (!s || !nl) {
            snprintf(why, why_len, "%.300s: case %zu has no separator or no ids line", base, fx->n);
            fixture_free(fx);
            return -1;
        }
        if (fx->n == cap) {
            cap = cap ? cap * 2 : 64;
            fixture_case *c = realloc(fx->cases, cap * sizeof *c);
            if (!c) {
                fixture_free(fx);
                return -1;
            }
            fx->cases = c;
        }
        fixture_case *c = &fx->cases[fx->n++];
        c->text = p;
        c->len = (size_t)(s - p);
        c->ids = malloc(sizeof *c->ids * ((size_t)(nl - o) / 2 + 1));
        c->n_ids = c->ids ? fixture_parse_ids(o, nl, c->ids) : 0;
        p = s + sizeof sep - 1;
        o = nl + 1;
    }
    if (o != oend) {
        snprintf(why, why_len, "%.300s.out has more lines than cases", base);
        fixture_free(fx);
        return -1;
    }
    return 0;
}

/* Prints " ID ID ..." into BUF (truncating) for failure messages. */
static void fixture_format_ids(const int32_t *ids, size_t n, char *buf, size_t cap)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && pos + 16 < cap; i++)
        pos += (size_t)snprintf(buf + pos, cap - pos, " %d", ids[i]);
}

#endif
