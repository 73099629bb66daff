/* tolk_error helpers: format one message line into the caller's error struct. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int error_set(tolk_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void error_prefix(tolk_error *err, const char *prefix)
{
    if (!err || !prefix)
        return;
    char tmp[sizeof err->msg];
    size_t np = strlen(prefix), nm = strlen(err->msg);
    if (np > sizeof tmp - 3)
        np = sizeof tmp - 3;
    if (nm > sizeof tmp - 3 - np)
        nm = sizeof tmp - 3 - np; /* keep the prefix, truncate the message */
    memcpy(tmp, prefix, np);
    memcpy(tmp + np, ": ", 2);
    memcpy(tmp + np + 2, err->msg, nm);
    tmp[np + 2 + nm] = '\0';
    memcpy(err->msg, tmp, sizeof tmp);
}
