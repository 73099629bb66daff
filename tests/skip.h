/* Test data and skips for the Check programs; the shell tests follow the same rules through
 * tests/lib.sh.
 *
 * Check (0.15) has no per-test skip, so a program decides in main, before it registers its tests,
 * what cannot be checked here, says why on stdout (the test's .log), registers and runs the rest,
 * and returns skip_exit(failures):
 *
 *   skip_data(WHAT, WHY...)  data the test needs is absent: the shared test data (TOLK_TESTDATA,
 *                            configure --with-testdata, default ../shared/testdata) or the default
 *                            model ($TOLK_MODELS or ~/.cache/tolk/models, `tolk fetch`). Prints
 *                            "SKIP: WHAT: WHY" and the program ends as SKIP (exit 77) unless
 *                            something failed: a program that could not check everything it is
 *                            for never shows as PASS. With TOLK_REQUIRE_DATA=1 (.ci/run sets it,
 *                            since CI always has both) it prints "FAIL: ..." and the program fails.
 *   skip_cpu(WHAT, WHY...)   this CPU or build has nothing of the kind to check (a kernel path it
 *                            cannot run, a promise its kernel table does not make). Prints
 *                            "SKIP (cpu): WHAT: WHY"; a test that is vacuous here is no gap, so the
 *                            program's result stands. A program that can check nothing at all
 *                            returns 77 itself after this line. .ci/run accepts a SKIP result only
 *                            from a log with such a line.
 *
 * add_test_or_skip(TC, FN, MISSING) registers FN, or reports it skipped when MISSING (a reason from
 * need_testdata / need_default_model) is non-NULL. */
#ifndef TOLK_TESTS_SKIP_H
#define TOLK_TESTS_SKIP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int skip_n_data, skip_n_required;

static inline bool skip_data_required(void)
{
    const char *r = getenv("TOLK_REQUIRE_DATA");
    return r && *r && strcmp(r, "0") != 0;
}

static inline void skip_vsay(const char *tag, const char *what, const char *fmt, va_list ap, const char *tail)
{
    printf("%s: %s: ", tag, what);
    vprintf(fmt, ap);
    printf("%s\n", tail);
    fflush(stdout);
}

static inline void skip_data(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (skip_data_required()) {
        skip_vsay("FAIL", what, fmt, ap, " (TOLK_REQUIRE_DATA is set: CI always has it)");
        skip_n_required++;
    } else {
        skip_vsay("SKIP", what, fmt, ap, "");
        skip_n_data++;
    }
    va_end(ap);
}

static inline void skip_cpu(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    skip_vsay("SKIP (cpu)", what, fmt, ap, "");
    va_end(ap);
}

/* main's exit status: 1 when a test failed or required data was missing, 77 when data was
 * missing, else 0. */
static inline int skip_exit(int n_failed)
{
    if (n_failed || skip_n_required)
        return EXIT_FAILURE;
    return skip_n_data ? 77 : EXIT_SUCCESS;
}

static inline bool skip_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The shared test data directory (tokenizer/ holds the vocab-only GGUF files and their vectors). */
static inline const char *testdata_dir(void)
{
    const char *d = getenv("TOLK_TESTDATA");
    return d && *d ? d : "../shared/testdata";
}

/* NULL when the shared test data is there, else why not. */
static inline const char *need_testdata(void)
{
    static char why[4200];
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizer/qwen2.gguf", testdata_dir());
    if (skip_exists(path))
        return NULL;
    snprintf(why, sizeof why, "the shared test data is absent (%s/tokenizer; configure --with-testdata=DIR)",
             testdata_dir());
    return why;
}

/* The default model's path into OUT ($TOLK_MODELS or ~/.cache/tolk/models); NULL when the file is
 * there, else why not. */
static inline const char *need_default_model(char *out, size_t cap)
{
    static char why[4200];
    const char *dir = getenv("TOLK_MODELS"), *home = getenv("HOME");
    if (dir && *dir)
        snprintf(out, cap, "%s/gemma-3-270m-q4_k_m.gguf", dir);
    else
        snprintf(out, cap, "%s/.cache/tolk/models/gemma-3-270m-q4_k_m.gguf", home ? home : ".");
    if (skip_exists(out))
        return NULL;
    snprintf(why, sizeof why, "the default model %s is absent (run `tolk fetch`)", out);
    return why;
}

#define add_test_or_skip(tc, fn, missing)                                                                              \
    do {                                                                                                               \
        const char *why_ = (missing);                                                                                  \
        if (why_)                                                                                                      \
            skip_data(#fn, "%s", why_);                                                                                \
        else                                                                                                           \
            tcase_add_test(tc, fn);                                                                                    \
    } while (0)

#define add_loop_test_or_skip(tc, fn, lo, hi, missing)                                                                 \
    do {                                                                                                               \
        const char *why_ = (missing);                                                                                  \
        if (why_)                                                                                                      \
            skip_data(#fn, "%s", why_);                                                                                \
        else                                                                                                           \
            tcase_add_loop_test(tc, fn, lo, hi);                                                                       \
    } while (0)

#endif
