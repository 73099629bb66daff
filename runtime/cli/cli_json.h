/* JSON output for the CLI's --json modes (tolk info, tolk bench): string escaping that stays valid
 * JSON even for hostile bytes (invalid UTF-8 becomes U+FFFD). Only the CLI writes JSON. */
#ifndef TOLK_CLI_JSON_H
#define TOLK_CLI_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..len) as one quoted JSON string. */
void cli_json_str(FILE *out, const char *s, size_t len);

#endif
