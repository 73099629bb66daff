/* Strict recursive-descent JSON parser for request bodies (serve_json.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_buf.h"
#include "serve_json.h"

typedef struct parser {
    const unsigned char *s;
    size_t n, i;
    char *err;
    size_t errsz;
    int failed;
} parser;

static int fail(parser *p, const char *what)
{
    if (!p->failed)
        snprintf(p->err, p->errsz, "invalid JSON at byte %zu: %s", p->i, what);
    p->failed = 1;
    return -1;
}

static void skip_ws(parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static void val_clear(sj_val *v)
{
    if (v->type == SJ_STR) {
        free(v->str);
    } else if (v->type == SJ_ARR || v->type == SJ_OBJ) {
        for (size_t i = 0; i < v->n; i++) {
            val_clear(&v->items[i]);
            if (v->keys)
                free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
        free(v->key_lens);
    }
    memset(v, 0, sizeof *v);
}

static int hex4(parser *p, unsigned *out)
{
    if (p->n - p->i < 4)
        return fail(p, "short \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = p->s[p->i++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return fail(p, "bad hex digit in \\u escape");
    }
    *out = v;
    return 0;
}

static void put_utf8(sb_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
    }
    sb_add(b, u, n);
}

/* p->i is just past the opening quote. */
static int parse_string(parser *p, char **out, size_t *len)
{
    sb_buf b = {0};
    sb_add(&b, "", 0);
    for (;;) {
        if (p->i >= p->n) {
            sb_free(&b);
            return fail(p, "unterminated string");
        }
        unsigned char c = p->s[p->i];
        if (c == '"') {
            p->i++;
            break;
        }
        if (c < 0x20) {
            sb_free(&b);
            return fail(p, "control character in string");
        }
        if (c == '\\') {
            if (++p->i >= p->n) {
                sb_free(&b);
                return fail(p, "unterminated escape");
            }
            unsigned char e = p->s[p->i++];
            const char *map = "\"\"\\\\//b\bf\fn\nr\rt\t";
            const char *m = NULL;
            for (const char *q = map; *q; q += 2)
                if ((unsigned char)*q == e)
                    m = q + 1;
            if (m) {
                sb_add(&b, m, 1);
                continue;
            }
            if (e != 'u') {
                sb_free(&b);
                return fail(p, "unknown escape");
            }
            unsigned cp;
            if (hex4(p, &cp)) {
                sb_free(&b);
                return -1;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                sb_free(&b);
                return fail(p, "lone low surrogate");
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u') {
                    sb_free(&b);
                    return fail(p, "lone high surrogate");
                }
                p->i += 2;
                if (hex4(p, &lo)) {
                    sb_free(&b);
                    return -1;
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                    sb_free(&b);
                    return fail(p, "high surrogate without low surrogate");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            put_utf8(&b, cp);
            continue;
        }
        size_t k = sb_utf8_seq(p->s + p->i, p->n - p->i);
        if (!k) {
            sb_free(&b);
            return fail(p, "invalid UTF-8 in string");
        }
        sb_add(&b, (const char *)p->s + p->i, k);
        p->i += k;
    }
    if (b.oom) {
        sb_free(&b);
        return fail(p, "out of memory");
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

static int parse_number(parser *p, sj_val *v)
{
    size_t start = p->i;
    const unsigned char *s = p->s;
    if (p->i < p->n && s[p->i] == '-')
        p->i++;
    if (p->i >= p->n)
        return fail(p, "truncated number");
    if (s[p->i] == '0') {
        p->i++;
    } else if (s[p->i] >= '1' && s[p->i] <= '9') {
        while (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            p->i++;
    } else {
        return fail(p, "bad number");
    }
    if (p->i < p->n && s[p->i] == '.') {
        p->i++;
        if (p->i >= p->n || s[p->i] < '0' || s[p->i] > '9')
            return fail(p, "digit expected after '.'");
        while (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            p->i++;
    }
    if (p->i < p->n && (s[p->i] == 'e' || s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (s[p->i] == '+' || s[p->i] == '-'))
            p->i++;
        if (p->i >= p->n || s[p->i] < '0' || s[p->i] > '9')
            return fail(p, "digit expected in exponent");
        while (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            p->i++;
    }
    size_t len = p->i - start;
    char tmp[64];
    if (len >= sizeof tmp)
        return fail(p, "number too long");
    memcpy(tmp, s + start, len);
    tmp[len] = '\0';
    double d = strtod(tmp, NULL);
    if (!isfinite(d))
        return fail(p, "number out of range");
    v->type = SJ_NUM;
    v->num = d;
    return 0;
}

static int parse_value(parser *p, sj_val *v, int depth);

static int push(parser *p, sj_val *v, size_t *cap, int with_keys)
{
    if (v->n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 4;
    sj_val *it = realloc(v->items, nc * sizeof *it);
    if (!it)
        return fail(p, "out of memory");
    v->items = it;
    if (with_keys) {
        char **k = realloc(v->keys, nc * sizeof *k);
        if (!k)
            return fail(p, "out of memory");
        v->keys = k;
        size_t *kl = realloc(v->key_lens, nc * sizeof *kl);
        if (!kl)
            return fail(p, "out of memory");
        v->key_lens = kl;
    }
    *cap = nc;
    return 0;
}

static int parse_array(parser *p, sj_val *v, int depth)
{
    v->type = SJ_ARR;
    size_t cap = 0;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        return 0;
    }
    for (;;) {
        if (push(p, v, &cap, 0))
            return -1;
        sj_val *it = &v->items[v->n];
        memset(it, 0, sizeof *it);
        v->n++;
        if (parse_value(p, it, depth + 1))
            return -1;
        skip_ws(p);
        if (p->i >= p->n)
            return fail(p, "unterminated array");
        if (p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->s[p->i] == ']') {
            p->i++;
            return 0;
        }
        return fail(p, "',' or ']' expected");
    }
}

static int parse_object(parser *p, sj_val *v, int depth)
{
    v->type = SJ_OBJ;
    size_t cap = 0;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        if (p->i >= p->n || p->s[p->i] != '"')
            return fail(p, "string key expected");
        p->i++;
        if (push(p, v, &cap, 1))
            return -1;
        char *key;
        size_t klen;
        if (parse_string(p, &key, &klen))
            return -1;
        for (size_t k = 0; k < v->n; k++)
            if (v->key_lens[k] == klen && !memcmp(v->keys[k], key, klen)) {
                free(key);
                return fail(p, "duplicate key");
            }
        sj_val *it = &v->items[v->n];
        memset(it, 0, sizeof *it);
        v->keys[v->n] = key;
        v->key_lens[v->n] = klen;
        v->n++;
        skip_ws(p);
        if (p->i >= p->n || p->s[p->i] != ':')
            return fail(p, "':' expected");
        p->i++;
        if (parse_value(p, it, depth + 1))
            return -1;
        skip_ws(p);
        if (p->i >= p->n)
            return fail(p, "unterminated object");
        if (p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->s[p->i] == '}') {
            p->i++;
            return 0;
        }
        return fail(p, "',' or '}' expected");
    }
}

static int literal(parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->n - p->i < n || memcmp(p->s + p->i, word, n))
        return fail(p, "unexpected character");
    p->i += n;
    return 0;
}

static int parse_value(parser *p, sj_val *v, int depth)
{
    if (depth > SJ_MAX_DEPTH)
        return fail(p, "nested too deeply");
    skip_ws(p);
    if (p->i >= p->n)
        return fail(p, "value expected");
    unsigned char c = p->s[p->i];
    switch (c) {
    case '{':
        p->i++;
        return parse_object(p, v, depth);
    case '[':
        p->i++;
        return parse_array(p, v, depth);
    case '"':
        p->i++;
        v->type = SJ_STR;
        return parse_string(p, &v->str, &v->len);
    case 't':
        v->type = SJ_BOOL;
        v->b = 1;
        return literal(p, "true");
    case 'f':
        v->type = SJ_BOOL;
        return literal(p, "false");
    case 'n':
        v->type = SJ_NULL;
        return literal(p, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return parse_number(p, v);
        return fail(p, "unexpected character");
    }
}

int sj_parse(const char *s, size_t n, sj_val **out, char *err, size_t errsz)
{
    *out = NULL;
    parser p = {(const unsigned char *)s, n, 0, err, errsz, 0};
    sj_val *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    int rc = parse_value(&p, v, 0);
    if (!rc) {
        skip_ws(&p);
        if (p.i != p.n)
            rc = fail(&p, "trailing characters after the value");
    }
    if (rc) {
        sj_free(v);
        return -1;
    }
    *out = v;
    return 0;
}

void sj_free(sj_val *v)
{
    if (!v)
        return;
    val_clear(v);
    free(v);
}

const sj_val *sj_get(const sj_val *obj, const char *key)
{
    if (!obj || obj->type != SJ_OBJ)
        return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < obj->n; i++)
        if (obj->key_lens[i] == kl && !memcmp(obj->keys[i], key, kl))
            return &obj->items[i];
    return NULL;
}

int sj_int(const sj_val *v, long long lo, long long hi, long long *out)
{
    if (!v || v->type != SJ_NUM || v->num != floor(v->num) || v->num < (double)lo || v->num > (double)hi)
        return -1;
    *out = (long long)v->num;
    return 0;
}

const char *sj_type_name(sj_type t)
{
    static const char *names[] = {"null", "boolean", "number", "string", "array", "object"};
    return (unsigned)t < 6 ? names[t] : "?";
}
