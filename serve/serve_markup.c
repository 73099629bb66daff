/* Tags and text runs of HTML or XML fragments (serve_markup.h). A lexer only, hand-written: the
 * texts are fragments that are often not well-formed (Weblate's <x id=".."></x> placeholders in a
 * sentence, HTML with unclosed <p>), which libxml2's parsers would reject or rewrite, and all that
 * matters is where each tag starts and ends so it can be copied back unchanged. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "serve_markup.h"

static int name_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == ':' || c == '.' || c >= 0x80;
}

/* Length of the tag starting at S[i] == '<', or 0 when no tag starts there. */
static size_t tag_len(const char *s, size_t n, size_t i)
{
    static const struct { const char *open, *close; } special[] = {
        {"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}, {"<!", ">"},
    };
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++) {
        size_t ol = strlen(special[k].open), cl = strlen(special[k].close);
        if (i + ol <= n && !memcmp(s + i, special[k].open, ol)) {
            for (size_t j = i + ol; j + cl <= n; j++)
                if (!memcmp(s + j, special[k].close, cl))
                    return j + cl - i;
            return 0;
        }
    }
    size_t j = i + 1;
    if (j < n && s[j] == '/')
        j++;
    if (j >= n || !(isalpha((unsigned char)s[j]) || (unsigned char)s[j] >= 0x80))
        return 0;
    char quote = 0;
    for (; j < n; j++) {
        char c = s[j];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return j + 1 - i;
        } else if (c == '<') {
            return 0;
        }
    }
    return 0;
}

/* The element name of tag T[0..n) ("b" for <b>, </b>, <b/>), its length in *len; closing in
 * *closing, self-closing (<x/>) in *empty. NULL for comments and the like. */
static const char *tag_name(const char *t, size_t n, size_t *len, int *closing, int *empty)
{
    size_t i = 1;
    *closing = i < n && t[i] == '/';
    i += (size_t)*closing;
    if (i >= n || !name_char((unsigned char)t[i]) || t[i] == '-')
        return NULL;
    size_t start = i;
    while (i < n && name_char((unsigned char)t[i]))
        i++;
    *len = i - start;
    *empty = n >= 2 && t[n - 2] == '/';
    return t + start;
}

static int has_letter(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalpha(c) || c >= 0x80)
            return 1;
    }
    return 0;
}

static int ignored(const char *name, size_t len, const char *const *ignore, size_t n_ignore, int html)
{
    for (size_t k = 0; k < n_ignore; k++)
        if (strlen(ignore[k]) == len && !strncasecmp(ignore[k], name, len))
            return 1;
    static const char *const html_kept[] = {"script", "style", "code", "address", "applet",
                                            "audio", "canvas", "embed", "time", "video"};
    for (size_t k = 0; html && k < sizeof html_kept / sizeof html_kept[0]; k++)
        if (strlen(html_kept[k]) == len && !strncasecmp(html_kept[k], name, len))
            return 1;
    return 0;
}

long sm_split(const char *s, size_t n, const char *const *ignore, size_t n_ignore, int html, sm_piece *out,
              size_t max)
{
    size_t count = 0, i = 0, text_start = 0, depth = 0;
#define PUSH(st, ln, tg)                                                                                     \
    do {                                                                                                     \
        if (count == max)                                                                                    \
            return -1;                                                                                       \
        out[count++] = (sm_piece){.start = (st), .len = (ln), .tag = (tg),                                   \
                                  .keep = (tg) || depth || !has_letter(s + (st), (ln)),                      \
                                  .ignored = !(tg) && depth};                                                \
    } while (0)
    while (i < n) {
        size_t tl = s[i] == '<' ? tag_len(s, n, i) : 0;
        if (!tl) {
            i++;
            continue;
        }
        if (i > text_start)
            PUSH(text_start, i - text_start, 0);
        PUSH(i, tl, 1);
        size_t len;
        int closing, empty;
        const char *name = tag_name(s + i, tl, &len, &closing, &empty);
        if (name && !empty && ignored(name, len, ignore, n_ignore, html)) {
            if (closing && depth)
                depth--;
            else if (!closing)
                depth++;
        }
        i += tl;
        text_start = i;
    }
    if (n > text_start)
        PUSH(text_start, n - text_start, 0);
#undef PUSH
    return (long)count;
}

int sm_has_tags(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '<' && tag_len(s, n, i))
            return 1;
    return 0;
}

/* The next tag of S[0..n) from *i: its start and length, 0 when there is none. */
static size_t next_tag(const char *s, size_t n, size_t *i, size_t *start)
{
    for (; *i < n; (*i)++)
        if (s[*i] == '<') {
            size_t tl = tag_len(s, n, *i);
            if (tl) {
                *start = *i;
                *i += tl;
                return tl;
            }
        }
    return 0;
}

int sm_same_tags(const char *a, size_t an, const char *b, size_t bn)
{
    size_t ia = 0, ib = 0;
    for (;;) {
        size_t sa = 0, sb = 0;
        size_t la = next_tag(a, an, &ia, &sa), lb = next_tag(b, bn, &ib, &sb);
        if (la != lb || (la && memcmp(a + sa, b + sb, la)))
            return 0;
        if (!la)
            return 1;
    }
}

int sm_ignored_kept(const char *s, const sm_piece *pieces, size_t n, const char *out, size_t on)
{
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (!pieces[i].ignored)
            continue;
        const char *p = s + pieces[i].start;
        size_t pl = pieces[i].len, k = at;
        while (k + pl <= on && memcmp(out + k, p, pl))
            k++;
        if (k + pl > on)
            return 0;
        at = k + pl;
    }
    return 1;
}
