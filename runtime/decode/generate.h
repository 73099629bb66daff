/* The token loop. A generation context (gen_ctx) is what decoding needs from a session: the model,
 * its forward context (KV cache + scratch), the sampler and a cancel flag. One request runs as a
 * gen_run: checked prompt, prefill, then tokens pushed one by one into the text stream, the
 * caller's callback and the statistics. Plain decoding (gen_plain) and speculative decoding
 * (runtime/speculative/) share gen_run, so the prologue, the stop rules and the statistics exist
 * once. */
#ifndef TOLK_GENERATE_H
#define TOLK_GENERATE_H

#include <stdatomic.h>

#include "forward.h"
#include "model.h"
#include "sampler.h"
#include "tokenizer.h"
#include "tolk.h"

typedef struct gen_ctx {
    const tolk_model *model;
    fwd_ctx *fwd;
    fwd_params fp;          /* how fwd was created (gen_reserve_logits may recreate it wider) */
    sampler *smp;
    sampler_params sparams; /* the sampler's settings (a draft samples alike) */
    atomic_int cancel;      /* set by tolk_session_cancel; cleared when a request starts */
    /* Constrained decoding: called by gen_plain before each token is sampled, with a copy of the
     * logits it may change (banned tokens set to -INFINITY) and the token sampled last (-1 before
     * the first). NULL: none. Speculative decoding does not call it; callers that set it decode
     * plainly. */
    void (*logit_filter)(void *user, float *logits, int64_t n_vocab, int32_t last);
    void *filter_user;
    /* Puts the filter back to the start of its request (NULL: it cannot; then nothing decodes the
     * same request again, e.g. to force a glossary term). */
    void (*filter_restart)(void *user);
} gen_ctx;

/* Creates the forward context and the sampler. On error everything made so far is freed. */
int gen_init(gen_ctx *g, const tolk_model *m, const fwd_params *fp, const sampler_params *sp, tolk_error *err);
void gen_free(gen_ctx *g);

/* Makes one fwd_eval able to return N logit rows (recreating the forward context when it returns
 * fewer; the cache is empty afterwards in that case). */
int gen_reserve_logits(gen_ctx *g, int64_t n, tolk_error *err);

/* Monotonic clock in milliseconds. */
double gen_now_ms(void);

/* One request in progress. */
typedef struct gen_run {
    gen_ctx *g;
    const tok_vocab *voc;
    tok_stream ts;
    tolk_emit_fn emit;
    void *user;
    int32_t stop_tok;  /* besides the model's end-of-generation tokens; -1: none */
    int n_predict;     /* < 0: until the context is full */
    tolk_stats *st;
    tolk_stats local;  /* st when the caller passed none */
    double t0, t_first;
    int stopped;       /* the caller's callback asked to stop */
} gen_run;

/* Checks that PROMPT fits the context, clears the statistics, starts the clock and the text
 * stream. Nothing to end on failure. */
int gen_run_begin(gen_run *r, gen_ctx *g, const tok_ids *prompt, int n_predict, int32_t stop_tok,
                  tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err);

/* Evaluates PROMPT from an empty cache with a freshly seeded sampler; logits of its last token
 * are row 0 afterwards. */
int gen_run_prefill(gen_run *r, const tok_ids *prompt, tolk_error *err);

/* True (and counted as cancelled) when tolk_session_cancel asked to stop. */
int gen_run_cancelled(gen_run *r);

/* Takes the next sampled token into the output. Returns 1 when generation ends with it (an end
 * marker or the stop token, which are not output; -n reached; the callback asked to stop), else 0. */
int gen_run_push(gen_run *r, int32_t tok);

/* Fails when the cache has no room for one more position. */
int gen_run_check_room(const gen_run *r, tolk_error *err);

/* Flushes the text stream, finishes the statistics and returns RC. */
int gen_run_end(gen_run *r, int rc);

/* Plain decoding: prefill PROMPT, then sample and evaluate one token at a time. */
int gen_plain(gen_ctx *g, const tok_ids *prompt, int n_predict, int32_t stop_tok, tolk_emit_fn emit, void *user,
              tolk_stats *st, tolk_error *err);

#endif
