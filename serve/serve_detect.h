/* Language identification for LibreTranslate's POST /detect and "source": "auto", and DeepL's
 * detected_source_language when no source_lang is sent: the writing system first (Hangul, kana,
 * Han, Thai, Devanagari, Hebrew, Greek, Arabic, Cyrillic, each with the letters that tell its
 * languages apart), then for Latin text the frequent short words and the accented letters of
 * each language. Small and deterministic; it answers for the languages of serve_lang.c. */
#ifndef TOLK_SERVE_DETECT_H
#define TOLK_SERVE_DETECT_H

#include <stddef.h>

typedef struct sd_guess {
    const char *code;   /* "en", "de", ... (static) */
    double confidence;  /* 0..100, as LibreTranslate reports it */
} sd_guess;

/* Up to MAX guesses for TEXT[0..len) (UTF-8; invalid bytes are skipped), best first; always at
 * least one: with no evidence at all (no letters, or words of no listed language) it is "en" with
 * confidence 0. Looks at the first 4 KiB only. Returns the number of guesses. */
size_t sd_detect(const char *text, size_t len, sd_guess *out, size_t max);

#endif
