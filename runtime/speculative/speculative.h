/* Speculative decoding over a generation context (generate.h): the state the token loop
 * (speculative.c) and the draft providers (spec_draft.c: n-gram lookup, a draft model, the target
 * with layers skipped, and the calibration that picks those layers) share. The public side is
 * tolk_session_set_spec (runtime/api/). */
#ifndef TOLK_SPECULATIVE_H
#define TOLK_SPECULATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "forward.h"
#include "sampler.h"
#include "generate.h"
#include "spec_govern.h"
#include "spec_ref.h"
#include "tolk.h"

#define SPEC_K_MAX 32    /* most tokens drafted per step */
#define SPEC_K_DEFAULT 4
#define SPEC_CAL_ROWS 10 /* prompt positions the self-speculation calibration compares */

typedef struct spec_state {
    int mode;          /* TOLK_SPEC_* (never NONE) */
    int k, k_min;      /* draft_max, draft_min */
    float p_min;       /* stop drafting when the draft's best probability is below this */
    /* TOLK_SPEC_DRAFT */
    tolk_model *dmodel;
    fwd_ctx *dfwd;
    int64_t d_done;    /* tokens of hist[] in the draft's cache */
    /* TOLK_SPEC_DRAFT and TOLK_SPEC_SELF: the draft's sampler (same chain as the target's, own
     * generator and history, over the ids both vocabularies have) */
    sampler *dsmp;
    /* TOLK_SPEC_SELF */
    unsigned char *skip; /* [n_layer] layers the draft pass leaves out */
    int skip_ready;      /* 0: calibrate on the next prompt */
    int n_skip;
    /* the text so far (prompt + generated) and one step's proposals */
    int32_t *hist;
    size_t n_hist, cap_hist;
    int32_t drafts[SPEC_K_MAX];
    sampler_prob *q[SPEC_K_MAX]; /* the draft's distribution per drafted token (sampling, models) */
    int64_t nq[SPEC_K_MAX];      /* entries of q[j]; 0: the proposal was deterministic */
    int64_t q_cap;               /* entries each q[j] holds */
    float *qdense;               /* [n_vocab] zero except while forming a residual */
    sampler_prob *resid;         /* [n_vocab] residual distribution */
    int64_t n_vocab;             /* target's */
    spec_governor gov;           /* when drafting pays (spec_govern.h) */
    /* TOLK_SPEC_NGRAM with a reference (spec_set_reference): a text expected to resemble the
     * output (a translation memory match), drafted from before the history is looked up */
    ref_drafter ref;
} spec_state;

/* Defaults for every field (mode TOLK_SPEC_NONE). */
void spec_params_default(tolk_spec_params *sp);

/* Checks SP on its own (mode, bounds, fields that belong to another mode). */
int spec_check_params(const tolk_spec_params *sp, tolk_error *err);

/* Validates SP against G's model and builds the state (loading the draft model). */
int spec_create(gen_ctx *g, const tolk_spec_params *sp, spec_state **out, tolk_error *err);
void spec_free(spec_state *st);

/* Logit rows one target pass must return for this state (verification, calibration). */
int64_t spec_logit_rows(const spec_state *st);

/* gen_plain with speculation (same contract); G must return spec_logit_rows(SP) rows. */
int spec_generate(gen_ctx *g, spec_state *sp, const tok_ids *prompt, int n_predict, int32_t stop_tok,
                  tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err);

/* ---- spec_draft.c ---- */

/* "4,6,9-11" -> mask[n_layer]; refuses bad syntax, layers out of range and skipping them all. */
int spec_parse_skip(const char *list, int n_layer, unsigned char *mask, int *n_skip, tolk_error *err);

/* Drafts of the following generations start from IDS[0..n) (copied; n = 0 drops the reference):
 * while the output follows it, its continuation is proposed; where they part, what follows where
 * the output's end re-joins it (spec_ref.h), else a short n-gram lookup in the history. Only the
 * speed changes. */
int spec_set_reference(spec_state *st, const int32_t *ids, size_t n, tolk_error *err);

/* Where the output is expected to part from the reference (ref_set_risk): drafts stop a few
 * tokens past such a place (the tokens after a departure would be rejected). */
void spec_set_risk(spec_state *st, const float *at, int n);

/* Proposes up to kmax tokens continuing hist[0..n_hist) (whose last token, cur, is not in the
 * target's cache yet) into st->drafts (and st->q for sampled proposals); returns the count or a
 * negative TOLK_E_* code with err filled. */
int spec_propose(gen_ctx *g, spec_state *st, int kmax, tolk_error *err);

/* After a verification that accepted n_acc drafts: drops what the draft cache holds beyond. */
int spec_draft_sync(spec_state *st, int64_t n_hist_before, int n_acc, tolk_error *err);

/* Self-speculation: picks the layers to skip from a short calibration on PROMPT (leaves the
 * target's cache empty). */
int spec_self_calibrate(gen_ctx *g, spec_state *st, const tok_ids *prompt, tolk_error *err);

#endif
