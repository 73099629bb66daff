/* Language names for translation prompts: the ISO 639-1 codes with their English names (from the
 * ISO 639-2 registry's alpha-2 entries, display names shortened to the everyday form and the other
 * registered names kept as aliases), the few regional variants that change a translation, and
 * the native names of common languages. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "chat.h"
#include "error.h"

typedef struct lang {
    const char *code;
    const char *name;
    const char *aliases; /* '|'-separated other English names, or NULL */
} lang;

static const lang langs[] = {
    {"aa", "Afar", NULL},
    {"ab", "Abkhazian", NULL},
    {"ae", "Avestan", NULL},
    {"af", "Afrikaans", NULL},
    {"ak", "Akan", NULL},
    {"am", "Amharic", NULL},
    {"an", "Aragonese", NULL},
    {"ar", "Arabic", NULL},
    {"as", "Assamese", NULL},
    {"av", "Avaric", NULL},
    {"ay", "Aymara", NULL},
    {"az", "Azerbaijani", NULL},
    {"ba", "Bashkir", NULL},
    {"be", "Belarusian", NULL},
    {"bg", "Bulgarian", NULL},
    {"bh", "Bihari", NULL},
    {"bi", "Bislama", NULL},
    {"bm", "Bambara", NULL},
    {"bn", "Bengali", NULL},
    {"bo", "Tibetan", NULL},
    {"br", "Breton", NULL},
    {"bs", "Bosnian", NULL},
    {"ca", "Catalan", "Valencian"},
    {"ce", "Chechen", NULL},
    {"ch", "Chamorro", NULL},
    {"co", "Corsican", NULL},
    {"cr", "Cree", NULL},
    {"cs", "Czech", NULL},
    {"cu", "Church Slavonic", "Old Church Slavonic"},
    {"cv", "Chuvash", NULL},
    {"cy", "Welsh", NULL},
    {"da", "Danish", NULL},
    {"de", "German", NULL},
    {"dv", "Dhivehi", "Divehi|Maldivian"},
    {"dz", "Dzongkha", NULL},
    {"ee", "Ewe", NULL},
    {"el", "Greek", "Modern Greek"},
    {"en", "English", NULL},
    {"eo", "Esperanto", NULL},
    {"es", "Spanish", "Castilian"},
    {"et", "Estonian", NULL},
    {"eu", "Basque", NULL},
    {"fa", "Persian", "Farsi"},
    {"ff", "Fula", "Fulah|Fulani"},
    {"fi", "Finnish", NULL},
    {"fj", "Fijian", NULL},
    {"fo", "Faroese", NULL},
    {"fr", "French", NULL},
    {"fy", "Western Frisian", "Frisian"},
    {"ga", "Irish", NULL},
    {"gd", "Scottish Gaelic", "Gaelic"},
    {"gl", "Galician", NULL},
    {"gn", "Guarani", NULL},
    {"gu", "Gujarati", NULL},
    {"gv", "Manx", NULL},
    {"ha", "Hausa", NULL},
    {"he", "Hebrew", NULL},
    {"hi", "Hindi", NULL},
    {"ho", "Hiri Motu", NULL},
    {"hr", "Croatian", NULL},
    {"ht", "Haitian Creole", "Haitian"},
    {"hu", "Hungarian", NULL},
    {"hy", "Armenian", NULL},
    {"hz", "Herero", NULL},
    {"ia", "Interlingua", NULL},
    {"id", "Indonesian", NULL},
    {"ie", "Interlingue", "Occidental"},
    {"ig", "Igbo", NULL},
    {"ii", "Sichuan Yi", "Nuosu"},
    {"ik", "Inupiaq", NULL},
    {"io", "Ido", NULL},
    {"is", "Icelandic", NULL},
    {"it", "Italian", NULL},
    {"iu", "Inuktitut", NULL},
    {"ja", "Japanese", NULL},
    {"jv", "Javanese", NULL},
    {"ka", "Georgian", NULL},
    {"kg", "Kongo", NULL},
    {"ki", "Kikuyu", "Gikuyu"},
    {"kj", "Kwanyama", "Kuanyama"},
    {"kk", "Kazakh", NULL},
    {"kl", "Greenlandic", "Kalaallisut"},
    {"km", "Khmer", "Central Khmer|Cambodian"},
    {"kn", "Kannada", NULL},
    {"ko", "Korean", NULL},
    {"kr", "Kanuri", NULL},
    {"ks", "Kashmiri", NULL},
    {"ku", "Kurdish", NULL},
    {"kv", "Komi", NULL},
    {"kw", "Cornish", NULL},
    {"ky", "Kyrgyz", "Kirghiz"},
    {"la", "Latin", NULL},
    {"lb", "Luxembourgish", "Letzeburgesch"},
    {"lg", "Ganda", "Luganda"},
    {"li", "Limburgish", "Limburgan|Limburger"},
    {"ln", "Lingala", NULL},
    {"lo", "Lao", NULL},
    {"lt", "Lithuanian", NULL},
    {"lu", "Luba-Katanga", NULL},
    {"lv", "Latvian", NULL},
    {"mg", "Malagasy", NULL},
    {"mh", "Marshallese", NULL},
    {"mi", "Maori", "Māori"},
    {"mk", "Macedonian", NULL},
    {"ml", "Malayalam", NULL},
    {"mn", "Mongolian", NULL},
    {"mr", "Marathi", NULL},
    {"ms", "Malay", NULL},
    {"mt", "Maltese", NULL},
    {"my", "Burmese", "Myanmar"},
    {"na", "Nauru", NULL},
    {"nb", "Norwegian Bokmål", "Bokmål|Bokmal"},
    {"nd", "North Ndebele", NULL},
    {"ne", "Nepali", NULL},
    {"ng", "Ndonga", NULL},
    {"nl", "Dutch", "Flemish"},
    {"nn", "Norwegian Nynorsk", "Nynorsk"},
    {"no", "Norwegian", NULL},
    {"nr", "South Ndebele", NULL},
    {"nv", "Navajo", "Navaho"},
    {"ny", "Chichewa", "Chewa|Nyanja"},
    {"oc", "Occitan", "Provençal"},
    {"oj", "Ojibwe", "Ojibwa"},
    {"om", "Oromo", NULL},
    {"or", "Odia", "Oriya"},
    {"os", "Ossetian", "Ossetic"},
    {"pa", "Punjabi", "Panjabi"},
    {"pi", "Pali", NULL},
    {"pl", "Polish", NULL},
    {"ps", "Pashto", "Pushto"},
    {"pt", "Portuguese", NULL},
    {"qu", "Quechua", NULL},
    {"rm", "Romansh", NULL},
    {"rn", "Kirundi", "Rundi"},
    {"ro", "Romanian", "Moldavian|Moldovan"},
    {"ru", "Russian", NULL},
    {"rw", "Kinyarwanda", NULL},
    {"sa", "Sanskrit", NULL},
    {"sc", "Sardinian", NULL},
    {"sd", "Sindhi", NULL},
    {"se", "Northern Sami", "Sami"},
    {"sg", "Sango", NULL},
    {"si", "Sinhala", "Sinhalese"},
    {"sk", "Slovak", NULL},
    {"sl", "Slovenian", "Slovene"},
    {"sm", "Samoan", NULL},
    {"sn", "Shona", NULL},
    {"so", "Somali", NULL},
    {"sq", "Albanian", NULL},
    {"sr", "Serbian", NULL},
    {"ss", "Swati", "Swazi"},
    {"st", "Southern Sotho", "Sotho|Sesotho"},
    {"su", "Sundanese", NULL},
    {"sv", "Swedish", NULL},
    {"sw", "Swahili", "Kiswahili"},
    {"ta", "Tamil", NULL},
    {"te", "Telugu", NULL},
    {"tg", "Tajik", NULL},
    {"th", "Thai", NULL},
    {"ti", "Tigrinya", NULL},
    {"tk", "Turkmen", NULL},
    {"tl", "Tagalog", "Filipino"},
    {"tn", "Tswana", "Setswana"},
    {"to", "Tongan", NULL},
    {"tr", "Turkish", NULL},
    {"ts", "Tsonga", NULL},
    {"tt", "Tatar", NULL},
    {"tw", "Twi", NULL},
    {"ty", "Tahitian", NULL},
    {"ug", "Uyghur", "Uighur"},
    {"uk", "Ukrainian", NULL},
    {"ur", "Urdu", NULL},
    {"uz", "Uzbek", NULL},
    {"ve", "Venda", NULL},
    {"vi", "Vietnamese", NULL},
    {"vo", "Volapük", "Volapuk"},
    {"wa", "Walloon", NULL},
    {"wo", "Wolof", NULL},
    {"xh", "Xhosa", NULL},
    {"yi", "Yiddish", NULL},
    {"yo", "Yoruba", NULL},
    {"za", "Zhuang", "Chuang"},
    {"zh", "Chinese", "Mandarin"},
    {"zu", "Zulu", NULL},
};

/* Names of common languages in the language itself, so users may write what they call it. */
static const struct {
    const char *names; /* '|'-separated */
    const char *code;
} endonyms[] = {
    {"Deutsch", "de"}, {"Français|Francais", "fr"}, {"Español|Espanol", "es"}, {"Italiano", "it"},
    {"Português|Portugues", "pt"}, {"Nederlands", "nl"}, {"Polski", "pl"}, {"Svenska", "sv"},
    {"Dansk", "da"}, {"Norsk", "no"}, {"Suomi", "fi"}, {"Čeština|Cestina", "cs"},
    {"Magyar", "hu"}, {"Română|Romana", "ro"}, {"Türkçe|Turkce", "tr"}, {"Ελληνικά", "el"},
    {"Русский", "ru"}, {"Українська", "uk"}, {"Български", "bg"}, {"עברית", "he"},
    {"العربية", "ar"}, {"فارسی", "fa"}, {"हिन्दी|हिंदी", "hi"}, {"বাংলা", "bn"}, {"ไทย", "th"},
    {"Tiếng Việt|Tieng Viet", "vi"}, {"Bahasa Indonesia", "id"}, {"中文|汉语|漢語", "zh"},
    {"日本語", "ja"}, {"한국어", "ko"},
};

/* Code-with-region forms and names of variants that matter for the output. */
typedef struct variant {
    const char *tags; /* '|'-separated lower-case tags */
    const char *name;
} variant;

static const variant variants[] = {
    {"zh-tw|zh-hk|zh-mo|zh-hant", "Traditional Chinese"},
    {"zh-cn|zh-sg|zh-hans", "Simplified Chinese"},
    {"pt-br", "Brazilian Portuguese"},
    {"pt-pt", "European Portuguese"},
    {"en-us", "American English"},
    {"en-gb|en-uk", "British English"},
    {"fr-ca", "Canadian French"},
    {"es-mx|es-419", "Latin American Spanish"},
};

/* Case-insensitive comparison of S[0..n) with one entry of a '|'-separated LIST. */
static int in_list(const char *list, const char *s, size_t n)
{
    while (list && *list) {
        const char *bar = strchr(list, '|');
        size_t len = bar ? (size_t)(bar - list) : strlen(list);
        if (len == n && !strncasecmp(list, s, n))
            return 1;
        list = bar ? bar + 1 : NULL;
    }
    return 0;
}

int lang_resolve(const char *in, const char **name, tolk_error *err)
{
    *name = NULL;
    if (!in)
        return error_set(err, TOLK_E_ARG, "no language given");
    while (isspace((unsigned char)*in))
        in++;
    size_t n = strlen(in);
    while (n && isspace((unsigned char)in[n - 1]))
        n--;
    char tag[32];
    if (n && n < sizeof tag) {
        for (size_t i = 0; i < n; i++)
            tag[i] = in[i] == '_' ? '-' : (char)tolower((unsigned char)in[i]);
        tag[n] = '\0';
        for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
            if (in_list(variants[i].tags, tag, n) || in_list(variants[i].name, in, n)) {
                *name = variants[i].name;
                return TOLK_OK;
            }
        /* "xx" or "xx-REGION": the region does not change the language name. */
        size_t code_len = n == 2 ? 2 : n > 3 && tag[2] == '-' ? 2 : 0;
        for (size_t i = 0; code_len && i < sizeof langs / sizeof langs[0]; i++)
            if (!strncmp(langs[i].code, tag, 2)) {
                *name = langs[i].name;
                return TOLK_OK;
            }
    }
    for (size_t i = 0; n && i < sizeof langs / sizeof langs[0]; i++)
        if (in_list(langs[i].name, in, n) || in_list(langs[i].aliases, in, n)) {
            *name = langs[i].name;
            return TOLK_OK;
        }
    for (size_t i = 0; n && i < sizeof endonyms / sizeof endonyms[0]; i++)
        if (in_list(endonyms[i].names, in, n))
            for (size_t j = 0; j < sizeof langs / sizeof langs[0]; j++)
                if (!strcmp(langs[j].code, endonyms[i].code)) {
                    *name = langs[j].name;
                    return TOLK_OK;
                }
    return error_set(err, TOLK_E_ARG,
                     "unknown language '%.*s': use an ISO 639-1 code (de, fr, zh, pt-BR) or an "
                     "English name (German, French, Chinese)", (int)(n < 64 ? n : 64), in);
}

const char *lang_code(const char *name, char *buf, size_t size)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        if (!strcmp(variants[i].name, name)) { /* the first tag, with its region upper-cased */
            size_t n = strcspn(variants[i].tags, "|");
            if (n + 1 > size)
                return NULL;
            for (size_t j = 0; j < n; j++)
                buf[j] = j > 2 && n == 5 ? (char)toupper((unsigned char)variants[i].tags[j]) : variants[i].tags[j];
            buf[n] = '\0';
            return buf;
        }
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
        if (!strcmp(langs[i].name, name) && size > 2)
            return strcpy(buf, langs[i].code);
    return NULL;
}
