/* Growable byte buffer for HTTP bodies and JSON replies, with JSON string escaping that stays
 * valid for any bytes (invalid UTF-8 becomes U+FFFD). Allocation failure sticks in `oom`. */
#ifndef TOLK_SERVE_BUF_H
#define TOLK_SERVE_BUF_H

#include <stddef.h>

typedef struct sb_buf {
    char *p;     /* NUL-terminated when len > 0 */
    size_t len, cap;
    int oom;
} sb_buf;

void sb_free(sb_buf *b);
void sb_add(sb_buf *b, const char *s, size_t n);
void sb_puts(sb_buf *b, const char *s);
void sb_printf(sb_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends S[0..n) as a quoted JSON string. */
void sb_json_str(sb_buf *b, const char *s, size_t n);
void sb_json_cstr(sb_buf *b, const char *s);

/* 1 when S[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
int sb_utf8_valid(const char *s, size_t n);
/* Length of the valid UTF-8 sequence at S (at most n bytes), 0 when invalid. */
size_t sb_utf8_seq(const unsigned char *s, size_t n);

#endif
