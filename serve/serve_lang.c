/* Language-code mapping for the emulated translation APIs (serve_lang.h). The table lists the
 * languages worth advertising to CAT tools: the ones small multilingual models translate. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "serve_lang.h"

static const sl_lang langs[] = {
    {"ar", "Arabic", "ara"},     {"bg", "Bulgarian", "bul"},  {"ca", "Catalan", "cat"},
    {"cs", "Czech", "ces"},      {"da", "Danish", "dan"},     {"de", "German", "deu"},
    {"el", "Greek", "ell"},      {"en", "English", "eng"},    {"es", "Spanish", "spa"},
    {"et", "Estonian", "est"},   {"fa", "Persian", "fas"},    {"fi", "Finnish", "fin"},
    {"fr", "French", "fra"},     {"gl", "Galician", "glg"},   {"he", "Hebrew", "heb"},
    {"hi", "Hindi", "hin"},      {"hr", "Croatian", "hrv"},   {"hu", "Hungarian", "hun"},
    {"id", "Indonesian", "ind"}, {"it", "Italian", "ita"},    {"ja", "Japanese", "jpn"},
    {"ko", "Korean", "kor"},     {"lt", "Lithuanian", "lit"}, {"lv", "Latvian", "lav"},
    {"nb", "Norwegian Bokmål", "nob"}, {"nl", "Dutch", "nld"}, {"pl", "Polish", "pol"},
    {"pt", "Portuguese", "por"}, {"ro", "Romanian", "ron"},   {"ru", "Russian", "rus"},
    {"sk", "Slovak", "slk"},     {"sl", "Slovenian", "slv"},  {"sr", "Serbian", "srp"},
    {"sv", "Swedish", "swe"},    {"th", "Thai", "tha"},       {"tr", "Turkish", "tur"},
    {"uk", "Ukrainian", "ukr"},  {"vi", "Vietnamese", "vie"}, {"zh", "Chinese", "zho"},
};

/* ISO 639-2/B codes Apertium also accepts, and older spellings. */
static const struct { const char *alias, *code; } iso3_aliases[] = {
    {"ger", "de"}, {"fre", "fr"}, {"dut", "nl"}, {"gre", "el"}, {"per", "fa"}, {"rum", "ro"},
    {"cze", "cs"}, {"slo", "sk"}, {"chi", "zh"}, {"nor", "nb"}, {"nno", "nn"}, {"baq", "eu"},
    {"eus", "eu"}, {"oci", "oc"}, {"epo", "eo"}, {"cym", "cy"}, {"gle", "ga"}, {"isl", "is"},
    {"mlt", "mt"}, {"afr", "af"}, {"msa", "ms"}, {"may", "ms"}, {"bos", "bs"}, {"mkd", "mk"},
    {"bel", "be"}, {"kaz", "kk"}, {"urd", "ur"}, {"ben", "bn"}, {"swa", "sw"}, {"arg", "an"},
};

static int all_alpha(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isalpha((unsigned char)s[i]))
            return 0;
    return 1;
}

static int all_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int sl_normalize(const char *in, char *out, size_t outsz)
{
    size_t n = strlen(in);
    if (n < 2 || n > 12 || outsz < n + 1)
        return -1;
    size_t p = 0;
    while (p < n && in[p] != '-' && in[p] != '_')
        p++;
    if (p < 2 || p > 3 || !all_alpha(in, p))
        return -1;
    for (size_t i = 0; i < p; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    if (p == n) {
        out[p] = '\0';
        return 0;
    }
    const char *sub = in + p + 1;
    size_t sn = n - p - 1;
    out[p] = '-';
    char *o = out + p + 1;
    if (sn == 2 && all_alpha(sub, 2)) {
        o[0] = (char)toupper((unsigned char)sub[0]);
        o[1] = (char)toupper((unsigned char)sub[1]);
    } else if (sn == 3 && all_digit(sub, 3)) {
        memcpy(o, sub, 3);
    } else if (sn == 4 && all_alpha(sub, 4)) {
        o[0] = (char)toupper((unsigned char)sub[0]);
        for (size_t i = 1; i < 4; i++)
            o[i] = (char)tolower((unsigned char)sub[i]);
    } else {
        return -1;
    }
    o[sn] = '\0';
    return 0;
}

int sl_from_apertium(const char *in, char *out, size_t outsz)
{
    char norm[16];
    if (sl_normalize(in, norm, sizeof norm))
        return -1;
    size_t p = strcspn(norm, "-");
    if (p == 3) {
        const char *code = NULL;
        for (size_t i = 0; !code && i < sizeof langs / sizeof langs[0]; i++)
            if (!strncmp(langs[i].iso3, norm, 3))
                code = langs[i].code;
        for (size_t i = 0; !code && i < sizeof iso3_aliases / sizeof iso3_aliases[0]; i++)
            if (!strncmp(iso3_aliases[i].alias, norm, 3))
                code = iso3_aliases[i].code;
        if (!code)
            return -1;
        int w = snprintf(out, outsz, "%s%s", code, norm + 3);
        return w < 0 || (size_t)w >= outsz ? -1 : 0;
    }
    int w = snprintf(out, outsz, "%s", norm);
    return w < 0 || (size_t)w >= outsz ? -1 : 0;
}

void sl_to_deepl(const char *code, char *out, size_t outsz)
{
    size_t i = 0;
    for (; code[i] && code[i] != '-' && i + 1 < outsz; i++)
        out[i] = (char)toupper((unsigned char)code[i]);
    if (outsz)
        out[i < outsz ? i : outsz - 1] = '\0';
}

size_t sl_count(void)
{
    return sizeof langs / sizeof langs[0];
}

const sl_lang *sl_at(size_t i)
{
    return i < sl_count() ? &langs[i] : NULL;
}

const sl_lang *sl_find(const char *code)
{
    size_t p = strcspn(code, "-_");
    for (size_t i = 0; i < sl_count(); i++)
        if (strlen(langs[i].code) == p && !strncasecmp(langs[i].code, code, p))
            return &langs[i];
    return NULL;
}
