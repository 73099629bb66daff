/* A fresh scratch folder for a test program's generated files: $TMPDIR/NAME.XXXXXX, /tmp when
 * TMPDIR is unset or empty. Include after the system headers (mkdtemp needs the POSIX 2008
 * declarations the including file already asks for). */
#ifndef TOLK_SCRATCH_DIR_H
#define TOLK_SCRATCH_DIR_H

#include <stdio.h>
#include <stdlib.h>

/* Fills DIR (CAP bytes) and creates the folder; 0, or -1 after a perror line. */
static inline int scratch_dir(char *dir, size_t cap, const char *name)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, cap, "%s/%s.XXXXXX", base && *base ? base : "/tmp", name);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

#endif
