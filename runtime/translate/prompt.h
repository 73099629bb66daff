/* Translation prompts and output (prompt.c): the pieces tolk_translate (runtime/api/) puts around
 * the token loop. */
#ifndef TOLK_PROMPT_H
#define TOLK_PROMPT_H

#include <stddef.h>

#include "chat.h"
#include "model.h"
#include "tolk.h"

/* The template to use: the file PATH when given, else the one detected from the model. */
int translate_pick_template(const tolk_model *m, const char *path, chat_template **out, tolk_error *err);
/* The same; *WHY gets what decided ("--template", "general.name", "tokenizer.chat_template", ...). */
int translate_pick_template_why(const tolk_model *m, const char *path, chat_template **out, const char **why,
                                tolk_error *err);

/* Renders the translation prompt for TEXT with template T into CP and, when IDS is non-NULL,
 * tokenizes it. TO is required; FROM may be NULL. */
int translate_build_prompt(const tolk_model *m, const chat_template *t, const char *from, const char *to,
                           const char *text, size_t len, chat_prompt *cp, tok_ids *ids, tolk_error *err);

/* TEXT (one sentence of a paragraph, notes already in front) with the paragraph CONTEXT shown
 * ahead of it for the model to read, not to translate (docs/FORMATS.md, "Sentences").
 * FEW_SHOT: the completion-style form, whose template writes "{label}: TEXT\n{tgt}:": the
 * sentence keeps the "{label}:" line and the paragraph follows on the next line as a note. *OUT
 * is malloc'd. A CONTEXT of more than 4,000 bytes is cut at a space before that. */
int translate_add_context(const char *from, int few_shot, const char *context, size_t context_len,
                          const char *text, size_t len, char **out, size_t *out_len, tolk_error *err);

/* Whether template T takes a paragraph context: not the dedicated translation models' own prompts
 * (Hunyuan-MT, TranslateGemma, Tower, Seed-X), which translate whatever stands in the text. */
int translate_takes_context(const chat_template *t);

/* Trims the translation as it streams (a tolk_emit_fn over a trim_state): leading whitespace is
 * dropped, trailing whitespace is held back until more text follows, so the end of the stream
 * carries no stray newlines; single_line stops at the first newline. */
typedef struct trim_state {
    tolk_emit_fn emit;
    void *user;
    int started;
    char *held;
    size_t n_held, cap;
    int failed;      /* out of memory while holding whitespace back */
    int single_line; /* stop at the first newline after the translation started */
} trim_state;

int translate_trim_emit(const char *text, size_t len, void *user);

/* Space, tab, CR or LF. */
int translate_is_space(char c);

#endif
