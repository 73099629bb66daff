/* Markup in texts to translate (LibreTranslate "format": "html", DeepL "tag_handling": "xml" or
 * "html"): the text split into tags and text runs, and whether a translation kept every tag. The
 * endpoints translate the whole text first and keep the answer when its tags are the source's,
 * in the same order; otherwise each text run is translated on its own between the original tags
 * (serve_translate.c), so no tag is ever lost, added or altered. */
#ifndef TOLK_SERVE_MARKUP_H
#define TOLK_SERVE_MARKUP_H

#include <stddef.h>

typedef struct sm_piece {
    size_t start, len;
    int tag;   /* 1: a tag, comment, CDATA section or processing instruction, copied as it is */
    int keep;  /* text not to translate: inside an ignored element, or without any letter */
    int ignored; /* text inside an ignored element: a translation must hold it unchanged */
} sm_piece;

/* Splits S[0..n) into at most MAX pieces. Text inside the elements named in IGNORE (N_IGNORE
 * names, compared without case; DeepL's ignore_tags) is marked keep and ignored, and with HTML
 * also inside the elements LibreTranslate leaves untranslated (script, style, code, address,
 * applet, audio, canvas, embed, time, video). A '<' that does not open a tag (no name, or no closing '>') is text.
 * Returns the number of pieces, or -1 when there are more than MAX. */
long sm_split(const char *s, size_t n, const char *const *ignore, size_t n_ignore, int html, sm_piece *out,
              size_t max);

/* 1 when S[0..n) holds at least one tag. */
int sm_has_tags(const char *s, size_t n);

/* 1 when B has exactly A's tags, byte for byte and in the same order. */
int sm_same_tags(const char *a, size_t an, const char *b, size_t bn);

/* 1 when OUT[0..on) holds every ignored piece of S (split into PIECES) unchanged, in order. */
int sm_ignored_kept(const char *s, const sm_piece *pieces, size_t n, const char *out, size_t on);

#endif
