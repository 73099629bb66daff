/* Error reporting shared by every runtime module: functions return a status code and fill a
 * tolk_error with one human-readable line (what, where, why). Front ends print it once as
 * "tolk: error: MESSAGE" and exit non-zero; nothing in the runtime aborts on user input. */
#ifndef TOLK_ERROR_H
#define TOLK_ERROR_H

#include "tolk.h"

/* Fills err (when non-NULL) with a printf-style message and returns code, so callers can write
 * `return error_set(err, TOLK_E_FORMAT, "...")`. */
int error_set(tolk_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prepends "PREFIX: " to an existing message (e.g. the file name), keeping its code. */
void error_prefix(tolk_error *err, const char *prefix);

#endif
