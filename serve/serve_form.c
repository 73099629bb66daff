/* URL-encoded form and query-string decoding (serve_form.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_buf.h"
#include "serve_form.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes S[0..n) into a new string; NULL with a message on error. */
static char *decode(const char *s, size_t n, size_t *len, char *err, size_t errsz)
{
    char *out = malloc(n + 1);
    if (!out) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            out[o++] = ' ';
        } else if (c == '%') {
            int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(out);
                snprintf(err, errsz, "malformed %%-escape at byte %zu", i);
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    if (!sb_utf8_valid(out, o)) {
        free(out);
        snprintf(err, errsz, "invalid UTF-8 in the form data");
        return NULL;
    }
    *len = o;
    return out;
}

int sf_parse(const char *s, size_t n, sf_form *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0, i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && s[end] != '&')
            end++;
        if (end > i) {
            size_t eq = i;
            while (eq < end && s[eq] != '=')
                eq++;
            if (out->n >= SF_MAX_PAIRS) {
                snprintf(err, errsz, "too many form fields (at most %d)", SF_MAX_PAIRS);
                sf_free(out);
                return -1;
            }
            if (out->n == cap) {
                size_t nc = cap ? cap * 2 : 8;
                sf_pair *p = realloc(out->pairs, nc * sizeof *p);
                if (!p) {
                    snprintf(err, errsz, "out of memory");
                    sf_free(out);
                    return -1;
                }
                out->pairs = p;
                cap = nc;
            }
            sf_pair *p = &out->pairs[out->n];
            memset(p, 0, sizeof *p);
            p->key = decode(s + i, eq - i, &p->key_len, err, errsz);
            if (p->key)
                p->val = decode(s + (eq < end ? eq + 1 : end), eq < end ? end - eq - 1 : 0, &p->val_len, err, errsz);
            out->n++;
            if (!p->key || !p->val) {
                sf_free(out);
                return -1;
            }
        }
        i = end + 1;
    }
    return 0;
}

void sf_free(sf_form *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->pairs[i].key);
        free(f->pairs[i].val);
    }
    free(f->pairs);
    f->pairs = NULL;
    f->n = 0;
}

const sf_pair *sf_get(const sf_form *f, const char *key, size_t idx)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < f->n; i++)
        if (f->pairs[i].key_len == kl && !memcmp(f->pairs[i].key, key, kl) && idx-- == 0)
            return &f->pairs[i];
    return NULL;
}

size_t sf_count(const sf_form *f, const char *key)
{
    size_t kl = strlen(key), c = 0;
    for (size_t i = 0; i < f->n; i++)
        c += f->pairs[i].key_len == kl && !memcmp(f->pairs[i].key, key, kl);
    return c;
}
