/* Placeholder-constrained decoding: while a segment with numbered placeholders ({1}, {2}, ...) is
 * translated, a logit filter (gen_ctx.logit_filter) bans the end of generation while a placeholder
 * is still missing, and any token that would write a placeholder the source does not have or one
 * it has already used up (or start a number no missing placeholder begins with), or a line break
 * while one is missing (one-line templates end the translation there). */
#ifndef TOLK_FORMATS_CONSTRAIN_H
#define TOLK_FORMATS_CONSTRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "tolk.h"

enum { PH_MAX = 1000 }; /* placeholders {0}..{999} are tracked; larger numbers are left free */

/* The tokens that matter, found once per model: those whose text has '{', '}', a digit or a line
 * break, and the end-of-generation tokens. */
typedef struct ph_vocab {
    const tolk_model *model;
    int32_t *cand;
    size_t n_cand;
    int32_t *eog;
    size_t n_eog;
} ph_vocab;

int ph_vocab_build(const tolk_model *m, ph_vocab *v);
void ph_vocab_free(ph_vocab *v);

typedef struct ph_state {
    int open;         /* after '{' */
    char digits[8];   /* the digits since, NUL-terminated */
    int n_digits;
} ph_state;

typedef struct ph_constraint {
    const ph_vocab *v;
    unsigned short need[PH_MAX], used[PH_MAX];
    int missing;      /* placeholders still to write */
    int wanted[64];   /* the numbers still missing (this step); n_wanted -1: too many to list */
    int n_wanted;
    ph_state st;      /* after the text generated so far */
} ph_constraint;

/* Sets C up for translating TEXT (which holds the placeholders to keep); returns how many it holds. */
int ph_begin(ph_constraint *c, const ph_vocab *v, const char *text, size_t len);

/* Forgets the text generated so far: C is as ph_begin left it (gen_ctx.filter_restart). */
void ph_restart(void *user);

/* The logit filter (gen_ctx.logit_filter signature); USER is a ph_constraint. */
void ph_filter(void *user, float *logits, int64_t n_vocab, int32_t last);

#endif
