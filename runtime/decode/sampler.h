/* Picks the next token from a row of logits: greedy, or a llama.cpp-style chain (repetition
 * penalty -> top-k -> top-p -> min-p -> temperature -> draw). Draws come from a seeded xoshiro256**
 * generator owned by the sampler, so the same seed and logits give the same tokens. */
#ifndef TOLK_SAMPLER_H
#define TOLK_SAMPLER_H

#include <stdint.h>

#include "error.h"

typedef struct sampler_params {
    float temp;            /* <= 0: greedy (argmax, lowest id on ties) */
    int32_t top_k;         /* keep the k largest logits; <= 0: off */
    float top_p;           /* keep the smallest prefix with probability mass >= top_p; >= 1: off */
    float min_p;           /* drop tokens with p < min_p * p_max; <= 0: off */
    float repeat_penalty;  /* divide positive / multiply negative logits of recent tokens; 1: off */
    int32_t repeat_last_n; /* how many accepted tokens the penalty looks back over */
    uint64_t seed;
} sampler_params;

typedef struct sampler sampler;

/* llama.cpp's defaults: temp 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalty (64 tokens). */
void sampler_default_params(sampler_params *p);

int sampler_create(const sampler_params *p, int64_t n_vocab, sampler **out, tolk_error *err);
void sampler_free(sampler *s);

/* The next token for these logits (n_vocab floats, not modified). */
int32_t sampler_sample(sampler *s, const float *logits);

/* Records a token that became part of the text (prompt or generated), for the penalty. */
void sampler_accept(sampler *s, int32_t tok);

/* Forgets the history and re-seeds the generator. */
void sampler_reset(sampler *s, uint64_t seed);

/* ---- What speculative decoding needs ---- */

typedef struct sampler_prob {
    int32_t id;
    float p;
} sampler_prob;

/* The exact distribution sampler_sample draws from for these logits, after the penalty, top-k,
 * top-p, min-p and temperature: *out gets n entries with p > 0 summing to 1 (greedy: the argmax
 * with p = 1). The array belongs to the sampler and is valid until its next call. */
int64_t sampler_probs(sampler *s, const float *logits, const sampler_prob **out);

/* A uniform draw in [0, 1) and a draw from a distribution, from the sampler's generator. */
double sampler_uniform(sampler *s);
int32_t sampler_draw(sampler *s, const sampler_prob *p, int64_t n);

/* Replaces the penalty history with the last tokens of toks[0..n) (after a rollback). */
void sampler_set_history(sampler *s, const int32_t *toks, int64_t n);

/* True when the sampler is greedy (temperature <= 0). */
int sampler_is_greedy(const sampler *s);

#endif
