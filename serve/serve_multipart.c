/* multipart/form-data bodies (RFC 7578) into the same fields as a URL-encoded form (serve_form.h):
 * LibreTranslate and Apertium APy take their fields this way too (curl -F, browser forms).
 * Hand-written rather than libmicrohttpd's post processor, which only runs inside a live
 * connection and hands values over in pieces, so it could not be fuzzed or unit-tested on its own.
 * Parts with a filename (file uploads) are skipped; names and values must be UTF-8. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve_buf.h"
#include "serve_form.h"

#define MAX_BOUNDARY 70 /* RFC 2046 */

/* The boundary parameter of a multipart/form-data CONTENT_TYPE into OUT; -1 when missing/bad. */
static int boundary_of(const char *ct, char *out, size_t outsz)
{
    const char *b = NULL;
    for (const char *p = ct; (p = strchr(p, ';'));) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!strncasecmp(p, "boundary=", 9)) {
            b = p + 9;
            break;
        }
    }
    if (!b)
        return -1;
    size_t n;
    if (*b == '"') {
        const char *e = strchr(++b, '"');
        if (!e)
            return -1;
        n = (size_t)(e - b);
    } else {
        n = strcspn(b, "; \t");
    }
    if (!n || n > MAX_BOUNDARY || n + 1 > outsz)
        return -1;
    memcpy(out, b, n);
    out[n] = '\0';
    return 0;
}

static const char *find(const char *s, size_t n, const char *needle, size_t nn)
{
    if (nn > n)
        return NULL;
    for (size_t i = 0; i + nn <= n; i++)
        if (s[i] == needle[0] && !memcmp(s + i, needle, nn))
            return s + i;
    return NULL;
}

/* The value of parameter NAME ("name", "filename") in a Content-Disposition header line
 * H[0..n): a malloc'd copy, or NULL when absent. */
static char *disposition_param(const char *h, size_t n, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl + 1 <= n; i++) {
        if ((h[i] != ';' && h[i] != ' ') || i + 1 + nl >= n)
            continue;
        size_t k = i + 1;
        while (k < n && h[k] == ' ')
            k++;
        if (k + nl + 1 > n || strncasecmp(h + k, name, nl) || h[k + nl] != '=')
            continue;
        const char *v = h + k + nl + 1, *end = h + n;
        size_t vl;
        if (v < end && *v == '"') {
            v++;
            const char *q = memchr(v, '"', (size_t)(end - v));
            if (!q)
                return NULL;
            vl = (size_t)(q - v);
        } else {
            vl = 0;
            while (v + vl < end && v[vl] != ';' && v[vl] != ' ')
                vl++;
        }
        char *out = malloc(vl + 1);
        if (!out)
            return NULL;
        memcpy(out, v, vl);
        out[vl] = '\0';
        *len = vl;
        return out;
    }
    return NULL;
}

static int fail(sf_form *out, char *err, size_t errsz, const char *msg)
{
    snprintf(err, errsz, "%s", msg);
    sf_free(out);
    return -1;
}

int sf_parse_multipart(const char *s, size_t n, const char *content_type, sf_form *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    char bnd[MAX_BOUNDARY + 5] = "\r\n--";
    if (boundary_of(content_type, bnd + 4, sizeof bnd - 4))
        return fail(out, err, errsz, "multipart/form-data without a boundary");
    size_t bl = strlen(bnd);
    /* The first delimiter may open the body (no CRLF before it). */
    const char *p;
    if (n >= bl - 2 && !memcmp(s, bnd + 2, bl - 2)) {
        p = s + bl - 2;
    } else {
        p = find(s, n, bnd, bl);
        if (p)
            p += bl;
    }
    size_t cap = 0;
    while (p) {
        const char *end = s + n;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0; /* the close delimiter */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            p += 2;
        else
            return fail(out, err, errsz, "malformed multipart body: no line break after a boundary");
        char *name = NULL, *file = NULL;
        size_t name_len = 0, file_len = 0;
        for (;;) { /* the part's header lines, up to an empty one */
            const char *eol = find(p, (size_t)(end - p), "\r\n", 2);
            if (!eol) {
                free(name);
                free(file);
                return fail(out, err, errsz, "malformed multipart body: unterminated part headers");
            }
            size_t hl = (size_t)(eol - p);
            if (!hl) {
                p = eol + 2;
                break;
            }
            if (hl > 20 && !strncasecmp(p, "Content-Disposition:", 20) && !name) {
                name = disposition_param(p + 20, hl - 20, "name", &name_len);
                file = disposition_param(p + 20, hl - 20, "filename", &file_len);
            }
            p = eol + 2;
        }
        const char *val_end = find(p, (size_t)(end - p), bnd, bl);
        if (!val_end) {
            free(name);
            free(file);
            return fail(out, err, errsz, "malformed multipart body: no closing boundary");
        }
        size_t vl = (size_t)(val_end - p);
        if (name && !file) {
            if (out->n >= SF_MAX_PAIRS) {
                free(name);
                return fail(out, err, errsz, "too many form fields");
            }
            if (out->n == cap) {
                size_t nc = cap ? cap * 2 : 8;
                sf_pair *np = realloc(out->pairs, nc * sizeof *np);
                if (!np) {
                    free(name);
                    return fail(out, err, errsz, "out of memory");
                }
                out->pairs = np;
                cap = nc;
            }
            char *val = malloc(vl + 1);
            if (!val) {
                free(name);
                return fail(out, err, errsz, "out of memory");
            }
            memcpy(val, p, vl);
            val[vl] = '\0';
            out->pairs[out->n++] = (sf_pair){.key = name, .val = val, .key_len = name_len, .val_len = vl};
            if (!sb_utf8_valid(name, name_len) || !sb_utf8_valid(val, vl))
                return fail(out, err, errsz, "invalid UTF-8 in the form data");
        } else {
            free(name);
            free(file);
        }
        p = val_end + bl;
    }
    return fail(out, err, errsz, "malformed multipart body: no boundary");
}
