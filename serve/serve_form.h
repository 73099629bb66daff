/* application/x-www-form-urlencoded decoding for query strings and form bodies: '+' is a space,
 * %XX a byte; malformed escapes and invalid UTF-8 are errors. Repeated keys keep every value in
 * order (q=a&q=b, text=..&text=..). */
#ifndef TOLK_SERVE_FORM_H
#define TOLK_SERVE_FORM_H

#include <stddef.h>

typedef struct sf_pair {
    char *key, *val; /* decoded, NUL-terminated */
    size_t key_len, val_len;
} sf_pair;

typedef struct sf_form {
    sf_pair *pairs;
    size_t n;
} sf_form;

#define SF_MAX_PAIRS 1024

/* Decodes S[0..n). Returns 0, or -1 with a message in err (the form is then empty). */
int sf_parse(const char *s, size_t n, sf_form *out, char *err, size_t errsz);
void sf_free(sf_form *f);

/* A multipart/form-data body (serve_multipart.c); CONTENT_TYPE carries the boundary. Same result
 * and errors as sf_parse; file parts are skipped. */
int sf_parse_multipart(const char *s, size_t n, const char *content_type, sf_form *out, char *err, size_t errsz);

/* The IDX-th value of KEY (0-based), or NULL. */
const sf_pair *sf_get(const sf_form *f, const char *key, size_t idx);
size_t sf_count(const sf_form *f, const char *key);

#endif
