/* Language codes as the emulated services spell them, mapped to the codes tolk_translate takes:
 * DeepL's upper-case EN-US / PT-BR / ZH-HANS, Apertium's ISO 639-3 eng|deu and por_BR,
 * LibreTranslate's ISO 639-1 codes; and the list of languages the server advertises. */
#ifndef TOLK_SERVE_LANG_H
#define TOLK_SERVE_LANG_H

#include <stddef.h>

typedef struct sl_lang {
    const char *code;  /* ISO 639-1, as tolk_translate takes it */
    const char *name;  /* English name */
    const char *iso3;  /* ISO 639-3 (Apertium) */
} sl_lang;

/* Normalises a language tag: "EN-US" / "en_us" -> "en-US", "ZH-HANS" -> "zh-Hans", "DE" -> "de".
 * Returns 0, or -1 when IN is not a 2-3 letter language with an optional 2-letter region,
 * 3-digit area or 4-letter script. */
int sl_normalize(const char *in, char *out, size_t outsz);

/* Apertium code ("eng", "por_BR", "en") -> tolk code ("en", "pt-BR"); -1 when unknown. */
int sl_from_apertium(const char *in, char *out, size_t outsz);

/* tolk code -> DeepL's detected_source_language spelling ("en-US" -> "EN"). */
void sl_to_deepl(const char *code, char *out, size_t outsz);

/* The advertised languages. */
size_t sl_count(void);
const sl_lang *sl_at(size_t i);
/* Entry for CODE's language part ("pt-BR" finds pt), or NULL. */
const sl_lang *sl_find(const char *code);

#endif
