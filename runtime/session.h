/* Internal side of a tolk_session: what the token loop, translation and speculative decoding share.
 * Front ends see only the opaque handle in tolk.h. */
#ifndef TOLK_SESSION_H
#define TOLK_SESSION_H

#include <stdatomic.h>

#include "forward.h"
#include "model.h"
#include "sampler.h"
#include "tokenizer.h"
#include "tolk.h"

struct tolk_session {
    tolk_model *model;
    tolk_params params;
    fwd_ctx *fwd;
    sampler *smp;
    int n_threads; /* compute threads the plan chose */
    struct chat_template *tmpl; /* translation template, chosen on first use */
    atomic_int cancel;
};

double session_now_ms(void);

/* Evaluates PROMPT from an empty cache and generates up to n_predict tokens (< 0: until the
 * context is full) or an end-of-generation token / STOP_TOK (-1: none), streaming text to EMIT and
 * filling ST. Stops early when s->cancel is set (the
 * public entry points clear it when a request starts). */
int session_generate(tolk_session *s, const tok_ids *prompt, int n_predict, int32_t stop_tok, tolk_emit_fn emit,
                     void *user, tolk_stats *st, tolk_error *err);

#endif
