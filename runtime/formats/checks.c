/* Segment checks (checks.h). */
#include <config.h>

#include <string.h>

#include "checks.h"

/* Whether NEEDLE (n bytes) repeated REPS times occurs in HAY. */
static int has_run(const char *hay, size_t hay_len, const char *needle, size_t n, int reps)
{
    size_t run = n * (size_t)reps;
    if (run > hay_len)
        return 0;
    for (size_t i = 0; i + run <= hay_len; i++) {
        int ok = 1;
        for (int r = 0; r < reps && ok; r++)
            ok = !memcmp(hay + i + (size_t)r * n, needle, n);
        if (ok)
            return 1;
    }
    return 0;
}

int seg_repeating(const char *text, size_t len, const char *source, size_t source_len)
{
    for (size_t p = 2; p <= 128 && p * 3 <= len; p++) {
        int reps = p >= 16 ? 3 : 4;
        if (p * (size_t)reps < 24 || p * (size_t)reps > len)
            continue;
        const char *block = text + len - p;
        int ok = 1;
        for (int r = 1; r < reps && ok; r++)
            ok = !memcmp(text + len - p * (size_t)(r + 1), block, p);
        if (ok && !has_run(source, source_len, block, p, reps))
            return 1;
    }
    return 0;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

int seg_untranslated(const char *source, size_t source_len, const char *out, size_t out_len)
{
    size_t i = 0, k = 0, letters = 0;
    for (;;) {
        while (i < source_len && is_space((unsigned char)source[i]))
            i++;
        while (k < out_len && is_space((unsigned char)out[k]))
            k++;
        if (i == source_len || k == out_len)
            return i == source_len && k == out_len && letters >= 4;
        unsigned char a = lower((unsigned char)source[i]), b = lower((unsigned char)out[k]);
        if (a != b)
            return 0;
        letters += (a >= 'a' && a <= 'z') || a >= 0x80;
        i++;
        k++;
    }
}

int seg_too_short(size_t source_len, size_t out_len)
{
    return source_len >= 20 && out_len * 4 < source_len;
}

size_t seg_count_in(const char *hay, size_t n, const char *needle, size_t k)
{
    size_t c = 0;
    for (const char *p = hay; k && n >= k && (p = memmem(p, n - (size_t)(p - hay), needle, k)); p += k)
        c++;
    return c;
}
