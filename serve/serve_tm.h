/* The translation memory and glossary of `tolk serve` (--tm, --fuzzy, --glossary) for translation
 * requests whose source language is known: one session configured with them looks each text up
 * (exact TM matches are answered without the model; fuzzy matches and glossary terms go into the
 * prompt) and forces missed terms, as `tolk translate` does, while the model runs on the batching
 * scheduler beside every other request (sv_tm_generate, serve_ctx.h). Requests without a source
 * language, and completions, run on the scheduler without TM or glossary. */
#ifndef TOLK_SERVE_TM_H
#define TOLK_SERVE_TM_H

#include "serve.h"
#include "serve_buf.h"

typedef struct sv_tm sv_tm;

/* *out is NULL when the configuration names neither a TM nor a glossary. The TM is opened read-only
 * (the server never writes to it); the glossary is read once per language pair, on first use. */
int sv_tm_open(const sv_config *cfg, tolk_model *m, sv_tm **out, tolk_error *err);
void sv_tm_close(sv_tm *t);

#endif
