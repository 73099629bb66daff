/* Cheap checks on a segment's translation, while and after decoding: a repetition guard on the
 * text so far (small models loop), and "the output is the source" (left untranslated). The
 * length bound and the placeholder balance are checked by the caller and restore_segment. */
#ifndef TOLK_FORMATS_CHECKS_H
#define TOLK_FORMATS_CHECKS_H

#include <stddef.h>

/* True when TEXT ends in a loop: one block of 2..128 bytes repeated back to back, at least 4 times
 * (3 for blocks of 16 bytes or more) and over at least 24 bytes, that SOURCE does not have itself. */
int seg_repeating(const char *text, size_t len, const char *source, size_t source_len);

/* True when OUT equals SOURCE apart from whitespace and case, and SOURCE has words in it. */
int seg_untranslated(const char *source, size_t source_len, const char *out, size_t out_len);

/* True when OUT is too short to be a translation of SOURCE: under a quarter of its bytes, for a
 * source of 20 bytes or more (small models answer "1." or "Text:"). Bytes, not characters, so
 * scripts with denser writing (CJK: 3 bytes a character) are not flagged for being shorter. */
int seg_too_short(size_t source_len, size_t out_len);

/* How often NEEDLE (K bytes, K > 0) occurs in HAY[0..n), without overlaps. */
size_t seg_count_in(const char *hay, size_t n, const char *needle, size_t k);

#endif
