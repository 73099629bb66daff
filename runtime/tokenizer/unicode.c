/* UTF-8 coding and code-point class lookup over the generated run tables. The lookup is a binary
 * search over about 2,200 runs, with a direct table for ASCII, which dominates real text. */
#include "unicode.h"

static unsigned lookup_runs(uint32_t cp)
{
    unsigned lo = 0, hi = uni_run_count; /* find the last run with start <= cp */
    while (hi - lo > 1) {
        unsigned mid = lo + (hi - lo) / 2;
        if (uni_run_start[mid] <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return uni_run_flags[lo];
}

unsigned uni_flags(uint32_t cp)
{
    if (cp < 128)
        return uni_ascii_flags[cp];
    if (cp > 0x10FFFF)
        return 0;
    return lookup_runs(cp);
}

size_t utf8_lead_len(unsigned char lead)
{
    if (lead < 0x80)
        return 1;
    if ((lead & 0xE0) == 0xC0)
        return 2;
    if ((lead & 0xF0) == 0xE0)
        return 3;
    if ((lead & 0xF0) == 0xF0)
        return 4; /* F8..FF are never valid, but SentencePiece-style splitting counts them as 4 */
    return 1;
}

uint32_t utf8_decode(const char *s, size_t n, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t need = utf8_lead_len(u[0]);
    *len = 1;
    if (u[0] < 0x80)
        return u[0];
    if (need == 1 || need > n || u[0] >= 0xF8)
        return UNI_REPLACEMENT;
    uint32_t cp = need == 2 ? (u[0] & 0x1Fu) : need == 3 ? (u[0] & 0x0Fu) : (u[0] & 0x07u);
    for (size_t i = 1; i < need; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return UNI_REPLACEMENT;
        cp = (cp << 6) | (u[i] & 0x3Fu);
    }
    *len = need;
    return cp;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp > 0x10FFFF)
        cp = UNI_REPLACEMENT;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t utf8_complete_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    /* Only the last 3 bytes can belong to an unfinished sequence: find the last lead byte there. */
    size_t start = n > 3 ? n - 3 : 0;
    for (size_t i = n; i > start; i--) {
        unsigned char c = u[i - 1];
        if ((c & 0xC0) == 0x80)
            continue; /* continuation byte: keep looking for its lead */
        size_t need = c >= 0xF8 ? 1 : utf8_lead_len(c);
        if (need == 1 || i - 1 + need <= n)
            return n; /* ASCII, stray byte or a finished sequence */
        for (size_t j = i; j < n; j++)
            if ((u[j] & 0xC0) != 0x80)
                return n; /* broken already: nothing more can fix it */
        return i - 1;
    }
    return n;
}
