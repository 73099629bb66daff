/* Sentence segmentation of a segment's text (SRX-style break and exception rules, abbreviation
 * lists per language), so a small model gets one sentence at a time. */
#ifndef TOLK_FORMATS_SENTENCES_H
#define TOLK_FORMATS_SENTENCES_H

#include "doc.h"

/* Where the sentences after the first start in TEXT (offsets, ascending, at most MAX); LANG is the
 * source language (ISO code or English name; NULL or unknown: every list's abbreviations).
 * CODES (sorted) are never split, nor a pair of codes. Returns the number of breaks. */
size_t sentence_breaks(const char *text, size_t len, const char *lang, const fmt_code *codes, size_t n_codes,
                       size_t *breaks, size_t max);

#endif
