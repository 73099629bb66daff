/* A small strict JSON parser (RFC 8259) for request bodies: a tree of values, UTF-8 checked,
 * escapes decoded, duplicate keys, lone surrogates, over-deep nesting and numbers that do not fit
 * a double rejected with a message that names the byte offset. */
#ifndef TOLK_SERVE_JSON_H
#define TOLK_SERVE_JSON_H

#include <stddef.h>

typedef enum { SJ_NULL, SJ_BOOL, SJ_NUM, SJ_STR, SJ_ARR, SJ_OBJ } sj_type;

typedef struct sj_val sj_val;
struct sj_val {
    sj_type type;
    int b;           /* SJ_BOOL */
    double num;      /* SJ_NUM */
    char *str;       /* SJ_STR: decoded, NUL-terminated (may hold U+0000; use len) */
    size_t len;
    size_t n;        /* SJ_ARR / SJ_OBJ: number of items */
    sj_val *items;   /* the items (array elements or object values) */
    char **keys;     /* SJ_OBJ: the keys, NUL-terminated */
    size_t *key_lens;
};

#define SJ_MAX_DEPTH 64

/* Parses S[0..n) (the whole input must be one value with optional white space around it).
 * Returns 0 and *out (free with sj_free), or -1 with a message in err. */
int sj_parse(const char *s, size_t n, sj_val **out, char *err, size_t errsz);
void sj_free(sj_val *v);

/* Member KEY of object OBJ, or NULL (also when OBJ is not an object). */
const sj_val *sj_get(const sj_val *obj, const char *key);

/* SJ_NUM holding an integer in [lo, hi]: 0 and *out, else -1. */
int sj_int(const sj_val *v, long long lo, long long hi, long long *out);

const char *sj_type_name(sj_type t);

#endif
