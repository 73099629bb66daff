/* Minimal JSON output helpers for --json modes: string escaping that stays valid JSON even for
 * hostile bytes (invalid UTF-8 becomes U+FFFD). */
#ifndef TOLK_JSON_H
#define TOLK_JSON_H

#include <stddef.h>
#include <stdio.h>

void json_write_str(FILE *out, const char *s, size_t len);

#endif
