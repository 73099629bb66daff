/* Words for glossary matching (glossary.h): UTF-8 text split at word boundaries, each word case-
 * folded and reduced by a light stemmer for its language, so "Buttons" matches the term "button"
 * and "Geräten" the term "Gerät". Hand-written: a few suffix rules per language (docs/TM.md lists
 * them), not a full morphological analyser; what is not covered falls back to exact
 * case-insensitive matching. CJK characters are words of their own (no spaces to split at). */
#include <stdlib.h>
#include <string.h>

#include "glossary.h"
#include "unicode.h"

static int is_cjk(unsigned long c)
{
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xF900 && c <= 0xFAFF);
}

/* Letters and digits: ASCII alphanumerics and every non-ASCII character outside the punctuation
 * and symbol blocks. */
static int is_word_char(unsigned long c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c <= 0xBF || c == 0xD7 || c == 0xF7 || c == 0xFFFD)
        return 0;
    if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) ||
        (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20))
        return 0;
    return 1;
}

static unsigned long fold(unsigned long c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c == 0x178)
        return 0xFF;
    if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
        /* Latin Extended-A pairs: the upper case is even up to U+0137 and from U+014A to U+0177, odd
         * from U+0139 to U+0148 and from U+0179 */
        int odd_upper = (c >= 0x139 && c <= 0x148) || c >= 0x179;
        if (odd_upper ? (c & 1) : !(c & 1))
            return c + 1;
        return c;
    }
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        return c + 32;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    return c;
}

/* ---- the stemmer ---- */

typedef struct suffix_rule {
    const char *suffix, *replace;
} suffix_rule;

typedef struct stem_rules {
    const char *langs; /* primary subtags, space-separated */
    const suffix_rule *rules; /* tried in order; the first that fits (stem >= 3 characters) wins */
} stem_rules;

static const suffix_rule en_rules[] = {{"'s", ""}, {"ies", "y"}, {"sses", "ss"}, {"ches", "ch"}, {"shes", "sh"},
                                       {"xes", "x"}, {"ing", ""}, {"ed", ""}, {"ss", "ss"}, {"s", ""}, {NULL, NULL}};
static const suffix_rule de_rules[] = {{"ern", ""}, {"em", ""}, {"en", ""}, {"er", ""}, {"es", ""}, {"e", ""},
                                       {"n", ""}, {"s", ""}, {NULL, NULL}};
static const suffix_rule nl_rules[] = {{"en", ""}, {"es", ""}, {"s", ""}, {"e", ""}, {NULL, NULL}};
static const suffix_rule fr_rules[] = {{"aux", "al"}, {"eaux", "eau"}, {"es", ""}, {"s", ""}, {"x", ""}, {"e", ""},
                                       {NULL, NULL}};
static const suffix_rule es_rules[] = {{"ces", "z"}, {"es", ""}, {"s", ""}, {"a", ""}, {"o", ""}, {NULL, NULL}};
static const suffix_rule pt_rules[] = {{"ões", "ão"}, {"ães", "ão"}, {"ns", "m"}, {"es", ""}, {"s", ""}, {"a", ""},
                                       {"o", ""}, {NULL, NULL}};
static const suffix_rule it_rules[] = {{"i", ""}, {"e", ""}, {"a", ""}, {"o", ""}, {NULL, NULL}};
static const suffix_rule nordic_rules[] = {{"erne", ""}, {"ene", ""}, {"ernas", ""}, {"arna", ""}, {"orna", ""},
                                           {"erna", ""}, {"en", ""}, {"et", ""}, {"er", ""}, {"ar", ""}, {"or", ""},
                                           {"na", ""}, {"e", ""}, {"s", ""}, {NULL, NULL}};
static const suffix_rule pl_rules[] = {{"ami", ""}, {"ach", ""}, {"ów", ""}, {"om", ""}, {"em", ""}, {"y", ""},
                                       {"i", ""}, {"a", ""}, {"ę", ""}, {"u", ""}, {"e", ""}, {NULL, NULL}};
static const suffix_rule ru_rules[] = {{"ами", ""}, {"ями", ""}, {"ов", ""}, {"ев", ""}, {"ах", ""}, {"ях", ""},
                                       {"ом", ""}, {"ем", ""}, {"ы", ""}, {"и", ""}, {"а", ""}, {"я", ""},
                                       {"у", ""}, {"ю", ""}, {"е", ""}, {"о", ""}, {NULL, NULL}};

static const stem_rules stemmers[] = {
    {"en", en_rules}, {"de", de_rules}, {"nl", nl_rules}, {"fr", fr_rules}, {"es ca gl", es_rules},
    {"pt", pt_rules}, {"it", it_rules}, {"sv da no nb nn", nordic_rules}, {"pl cs sk", pl_rules},
    {"ru uk be bg", ru_rules},
};

const void *gloss_stemmer_for(const char *lang)
{
    char p[16];
    size_t i = 0;
    if (!lang)
        return NULL;
    while (lang[i] && lang[i] != '-' && lang[i] != '_' && i + 1 < sizeof p) {
        p[i] = (char)(lang[i] >= 'A' && lang[i] <= 'Z' ? lang[i] + 32 : lang[i]);
        i++;
    }
    p[i] = 0;
    for (size_t k = 0; k < sizeof stemmers / sizeof stemmers[0]; k++) {
        const char *l = stemmers[k].langs;
        while (*l) {
            size_t n = strcspn(l, " ");
            if (n == i && !memcmp(l, p, n))
                return stemmers[k].rules;
            l += n;
            while (*l == ' ')
                l++;
        }
    }
    return NULL;
}

static size_t n_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* Stems W (folded, NUL-terminated, room for its own length) in place. */
static void stem(char *w, const suffix_rule *rules)
{
    size_t n = strlen(w);
    for (const suffix_rule *r = rules; r && r->suffix; r++) {
        size_t sl = strlen(r->suffix), rl = strlen(r->replace);
        if (sl >= n || memcmp(w + n - sl, r->suffix, sl))
            continue;
        if (n_chars(w, n - sl) + n_chars(r->replace, rl) < 3)
            continue;
        if (rl > sl)
            continue; /* never grows */
        memcpy(w + n - sl, r->replace, rl);
        w[n - sl + rl] = 0;
        return;
    }
}

void gloss_words_free(gloss_words *ws)
{
    for (size_t i = 0; i < ws->n; i++)
        free(ws->w[i].key);
    free(ws->w);
    memset(ws, 0, sizeof *ws);
}

int gloss_split(const char *text, size_t len, const void *stemmer, gloss_words *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i < len) {
        size_t used;
        unsigned long c = utf8_decode(text + i, len - i, &used);
        if (!is_word_char(c)) {
            i += used;
            continue;
        }
        size_t start = i, end = i + used;
        if (!is_cjk(c))
            while (end < len) {
                size_t u2;
                unsigned long c2 = utf8_decode(text + end, len - end, &u2);
                if (!is_word_char(c2) || is_cjk(c2))
                    break;
                end += u2;
            }
        /* the folded word (folding never needs more than 2 bytes per byte) */
        char *key = malloc((end - start) * 2 + 1);
        if (!key) {
            gloss_words_free(out);
            return -1;
        }
        size_t k = 0;
        for (size_t j = start; j < end;) {
            size_t u2;
            unsigned long c2 = utf8_decode(text + j, end - j, &u2);
            k += utf8_encode((uint32_t)fold(c2), key + k);
            j += u2;
        }
        key[k] = 0;
        if (stemmer && !is_cjk(c))
            stem(key, stemmer);
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 16;
            gloss_word *w = realloc(out->w, cap * sizeof *w);
            if (!w) {
                free(key);
                gloss_words_free(out);
                return -1;
            }
            out->w = w;
            out->cap = cap;
        }
        out->w[out->n++] = (gloss_word){key, start, end};
        i = end;
    }
    return 0;
}
