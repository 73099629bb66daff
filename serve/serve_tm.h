/* The translation memory and glossary of `tolk serve` (--tm, --fuzzy, --glossary): translation
 * requests whose source language is known go through one session configured with them, one text
 * at a time (exact TM matches are answered without the model; fuzzy matches and glossary terms go
 * into the prompt, missed terms are forced, as in `tolk translate`). Requests without a source
 * language, and completions, stay on the batching scheduler. */
#ifndef TOLK_SERVE_TM_H
#define TOLK_SERVE_TM_H

#include "serve.h"
#include "serve_buf.h"

typedef struct sv_tm sv_tm;

/* *out is NULL when the configuration names neither a TM nor a glossary. The TM is opened read-only
 * (the server never writes to it); the glossary is read once per language pair, on first use. */
int sv_tm_open(const sv_config *cfg, tolk_model *m, sv_tm **out, tolk_error *err);
void sv_tm_close(sv_tm *t);

/* Translates TEXT from FROM to TO (language codes) into OUT (appended). GONE(GONE_USER) != 0 ends
 * the generation early (the client left). Returns 0 or a TOLK_E_* code with ERR set. */
int sv_tm_translate(sv_tm *t, const char *from, const char *to, const char *text, size_t len, int n_predict,
                    sb_buf *out, int (*gone)(void *), void *gone_user, tolk_error *err);

#endif
