/* Stop-sequence filter (serve_stop.h). */
#include <string.h>

#include "serve_stop.h"

/* Longest suffix of H (n bytes) that is a proper prefix of some stop sequence. */
static size_t partial_suffix(const sv_stop *s, const char *h, size_t n)
{
    size_t best = 0;
    for (int w = 0; w < s->n; w++)
        for (size_t k = s->len[w] - 1; k > best; k--)
            if (k <= n && !memcmp(h + n - k, s->word[w], k)) {
                best = k;
                break;
            }
    return best;
}

/* Passes held[0..n) on and keeps the rest. */
static int pass_on(sv_stop *s, size_t n, tolk_emit_fn emit, void *user)
{
    int stop = n && emit && emit(s->held.p, n, user);
    memmove(s->held.p, s->held.p + n, s->held.len - n);
    s->held.len -= n;
    return stop;
}

int sv_stop_feed(sv_stop *s, const char *text, size_t len, tolk_emit_fn emit, void *user)
{
    if (s->hit)
        return 1;
    if (!s->n)
        return len && emit ? emit(text, len, user) : 0;
    sb_add(&s->held, text, len);
    if (s->held.oom)
        return 1;
    /* the earliest complete stop sequence */
    size_t at = s->held.len;
    for (int w = 0; w < s->n; w++)
        for (size_t i = 0; i + s->len[w] <= s->held.len && i < at; i++)
            if (!memcmp(s->held.p + i, s->word[w], s->len[w])) {
                at = i;
                break;
            }
    if (at < s->held.len) {
        s->hit = 1;
        pass_on(s, at, emit, user);
        s->held.len = 0;
        return 1;
    }
    return pass_on(s, s->held.len - partial_suffix(s, s->held.p, s->held.len), emit, user);
}

void sv_stop_flush(sv_stop *s, tolk_emit_fn emit, void *user)
{
    if (!s->hit && s->held.len)
        pass_on(s, s->held.len, emit, user);
}

void sv_stop_free(sv_stop *s)
{
    sb_free(&s->held);
}
