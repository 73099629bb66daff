/* Test helper: the edge where the test programs read TOLK_ISA (the library reads no environment
 * variable). CI runs the kernel, forward and speculative tests a second time with TOLK_ISA=avx2 (and
 * scalar) on AVX-512 machines; each Check program's main calls test_isa_from_env() once, before
 * any test, as the CLI's main does with tolk_set_isa. */
#ifndef TOLK_TEST_ISA_H
#define TOLK_TEST_ISA_H

#include <stdio.h>
#include <stdlib.h>

#include "simd.h"

/* Makes the kernel path TOLK_ISA names the active one; exits with status 1 and a message when it
 * names a path this build or CPU lacks, so a forced path is never silently replaced. */
static inline void test_isa_from_env(void)
{
    const char *isa = getenv("TOLK_ISA");
    char err[256];
    if (isa && *isa && simd_set_isa(isa, err, sizeof err)) {
        fprintf(stderr, "TOLK_ISA: %s\n", err);
        exit(EXIT_FAILURE);
    }
}

#endif
