/* What the document tests share (test_formats.c, test_format_stream.c): reading a fixture of
 * tests/fixtures/formats/, and stand-in translators for the model: identity (counts its calls in an
 * int when USER is set), upper-casing, and one that loops until the repetition check stops it. */
#ifndef TOLK_TESTS_FORMAT_STANDINS_H
#define TOLK_TESTS_FORMAT_STANDINS_H

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tolk.h"

static char *read_fixture(const char *name, size_t *len)
{
    const char *src = getenv("TOLK_SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/formats/%s", src ? src : "..", name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    ck_assert(p && fread(p, 1, (size_t)n, f) == (size_t)n);
    p[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return p;
}

static int identity(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                    tolk_error *err)
{
    (void)err;
    if (user)
        (*(int *)user)++;
    *hit = 0;
    *tokens = (int)len;
    emit(text, len, eu);
    return TOLK_OK;
}

/* Upper-cases letters outside placeholders (a "translation" that changes every word). */
static int upper(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                 tolk_error *err)
{
    (void)user;
    (void)err;
    char *t = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        t[i] = (char)toupper((unsigned char)text[i]);
    *hit = 0;
    *tokens = 1;
    emit(t, len, eu);
    free(t);
    return TOLK_OK;
}

/* Says the same thing again and again until told to stop (as small models do). */
static int looping(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                   tolk_error *err)
{
    (void)user;
    (void)text;
    (void)len;
    (void)err;
    *hit = 0;
    *tokens = 0;
    for (int i = 0; i < 10000; i++) {
        ++*tokens;
        if (emit("and again, ", 11, eu))
            return TOLK_OK;
    }
    return TOLK_OK;
}

#endif
