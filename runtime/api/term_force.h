/* Forcing a glossary term the model left out (docs/TM.md, "Forced terms"): the translation is
 * scored token by token under the same prompt (one batched pass), the position where the model
 * gives the term's first token the highest log-probability is chosen, the answer up to there and
 * the term's tokens are fed as fixed input, and the model continues freely from there. Shared by
 * the files of runtime/api/ only, with the answer collector both translate.c and forcing use. */
#ifndef TOLK_API_TERM_FORCE_H
#define TOLK_API_TERM_FORCE_H

#include <stddef.h>

#include "session.h"
#include "tokenizer.h"

/* Collects an answer's text (NUL-terminated) while passing it on to EMIT (NULL: none); a
 * tolk_emit_fn over a capture. */
typedef struct capture {
    tolk_emit_fn emit;
    void *user;
    char *p;
    size_t n, cap;
    int failed; /* out of memory */
} capture;

int capture_emit(const char *text, size_t len, void *user);

typedef struct force_req {
    tolk_session *s;
    const tok_ids *prompt; /* the translation prompt the first answer came from */
    int32_t stop_tok;      /* the template's end marker, -1: none */
    int few_shot;          /* the answer follows "Label:" and starts with a space */
    int single_line;       /* one-line template: the answer ends at its first newline */
    int n_predict;         /* the bound of the whole answer (< 0: none) */
} force_req;

/* Decodes again with TERM forced into the answer OUT[0..out_len) at the best-scored word start at
 * or after byte LOCKED of OUT. On success *NEW_OUT is the new answer (malloc'd, trimmed as
 * tolk_translate trims) and *TERM_END the byte of it where the forced term ends; *NEW_OUT stays
 * NULL when no position qualifies (or the constraint filter cannot restart). *RAN_OUT is set when
 * the new answer stopped at the length bound rather than ending by itself. */
int term_force(const force_req *r, const char *out, size_t out_len, size_t locked, const char *term,
               char **new_out, size_t *new_len, size_t *term_end, int *ran_out, tolk_error *err);

#endif
