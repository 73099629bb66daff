/* libtolk public API: the only header the CLI, the TUI and outside programs include.
 * Models are opened from GGUF files; every call that can fail returns a TOLK_E_* code and fills a
 * tolk_error with one line of text. Nothing here exposes internal structs. */
#ifndef TOLK_H
#define TOLK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TOLK_OK = 0,
    TOLK_E_IO = 1,       /* file missing, unreadable, mmap failed */
    TOLK_E_FORMAT = 2,   /* malformed or hostile file contents */
    TOLK_E_UNSUPPORTED = 3, /* valid but not handled (architecture, type, tokenizer) */
    TOLK_E_NOMEM = 4,    /* allocation failed or the request would not fit */
    TOLK_E_ARG = 5,      /* bad argument from the caller or the user */
    TOLK_E_STATE = 6     /* call not allowed now (context full, cancelled, ...) */
};

typedef struct tolk_error {
    int code;
    char msg[1024];
} tolk_error;

/* Library version string, e.g. "0.1.0". */
const char *tolk_version(void);

/* Space-separated list of features compiled in and detected at run time
 * ("openmp hwloc liburing ncursesw cuda"), for --version and bug reports. */
const char *tolk_features(void);

#ifdef __cplusplus
}
#endif

#endif
