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
    fwd_params fp;              /* how fwd was created (speculation may recreate it wider) */
    struct spec_state *spec;    /* speculative decoding, NULL when off (speculative.h) */
};

double session_now_ms(void);

/* Sends text to the caller's callback; returns non-zero when the caller asked to stop. */
int session_emit(tolk_emit_fn emit, void *user, const char *text, size_t len);

/* Rates from the counts and times in ST (shared by plain and speculative decoding). */
void session_finish_stats(tolk_stats *st, double t_first, double t_end);

/* Evaluates PROMPT from an empty cache and generates up to n_predict tokens (< 0: until the
 * context is full) or an end-of-generation token / STOP_TOK (-1: none), streaming text to EMIT and
 * filling ST. Stops early when s->cancel is set (the
 * public entry points clear it when a request starts). */
int session_generate(tolk_session *s, const tok_ids *prompt, int n_predict, int32_t stop_tok, tolk_emit_fn emit,
                     void *user, tolk_stats *st, tolk_error *err);

#endif
