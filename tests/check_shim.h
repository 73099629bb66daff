/* A minimal stand-in for the subset of Check that the simd tests use, for cross builds where no
 * Check library exists for the target (tests/neon_qemu.sh). Each test runs in a forked child like
 * Check's default mode; a failed assertion prints file:line and the message, then exits the child. */
#ifndef TOLK_CHECK_SHIM_H
#define TOLK_CHECK_SHIM_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK_NORMAL 0
#define START_TEST(name) static void name(int _i __attribute__((unused)))
#define END_TEST

static inline void shim_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: F: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

#define ck_assert_msg(cond, ...)                                                                                       \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            shim_fail(__FILE__, __LINE__, __VA_ARGS__);                                                                \
    } while (0)
#define ck_assert(cond) ck_assert_msg(cond, "Assertion '%s' failed", #cond)
#define ck_abort_msg(...) shim_fail(__FILE__, __LINE__, __VA_ARGS__)
#define ck_assert_int_eq(a, b) ck_assert_msg((long long)(a) == (long long)(b), "%s == %s", #a, #b)
#define ck_assert_uint_eq(a, b)                                                                                        \
    ck_assert_msg((unsigned long long)(a) == (unsigned long long)(b), "%s == %s", #a, #b)
#define ck_assert_str_eq(a, b) ck_assert_msg(strcmp((a), (b)) == 0, "\"%s\" == \"%s\"", (a), (b))

typedef struct {
    const char *name;
    void (*fn)(int);
    int lo, hi;
} shim_test;

typedef struct {
    shim_test tests[64];
    int n;
} TCase;

typedef struct {
    const char *name;
    TCase *tc[4];
    int n;
} Suite;

typedef struct {
    Suite *s;
    int failed;
} SRunner;

static inline Suite *suite_create(const char *name)
{
    Suite *s = calloc(1, sizeof(*s));
    s->name = name;
    return s;
}
static inline TCase *tcase_create(const char *name)
{
    (void)name;
    return calloc(1, sizeof(TCase));
}
static inline void tcase_set_timeout(TCase *tc, double s)
{
    (void)tc;
    (void)s;
}
#define tcase_add_loop_test(tc, fn, lo, hi) shim_add((tc), #fn, (fn), (lo), (hi))
#define tcase_add_test(tc, fn) shim_add((tc), #fn, (fn), 0, 1)
static inline void shim_add(TCase *tc, const char *name, void (*fn)(int), int lo, int hi)
{
    if (tc->n < 64)
        tc->tests[tc->n++] = (shim_test){name, fn, lo, hi};
}
static inline void suite_add_tcase(Suite *s, TCase *tc)
{
    if (s->n < 4)
        s->tc[s->n++] = tc;
}
static inline SRunner *srunner_create(Suite *s)
{
    SRunner *sr = calloc(1, sizeof(*sr));
    sr->s = s;
    return sr;
}
static inline void srunner_run_all(SRunner *sr, int mode)
{
    (void)mode;
    int total = 0;
    for (int c = 0; c < sr->s->n; c++)
        for (int t = 0; t < sr->s->tc[c]->n; t++) {
            shim_test *st = &sr->s->tc[c]->tests[t];
            for (int i = st->lo; i < st->hi; i++) {
                total++;
                fflush(NULL);
                pid_t pid = fork();
                if (pid == 0) {
                    st->fn(i);
                    exit(0);
                }
                int status = 1;
                if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                    sr->failed++;
                    fprintf(stderr, "FAIL: %s:%s:%d\n", sr->s->name, st->name, i);
                }
            }
        }
    printf("%s: %d checks, %d failures\n", sr->s->name, total, sr->failed);
}
static inline int srunner_ntests_failed(SRunner *sr)
{
    return sr->failed;
}
static inline void srunner_free(SRunner *sr)
{
    for (int c = 0; c < sr->s->n; c++)
        free(sr->s->tc[c]);
    free(sr->s);
    free(sr);
}

#endif
