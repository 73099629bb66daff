/* The speculation governor: drafting pays only where enough drafts are accepted for what proposing
 * and verifying them cost, and on text with nothing to look up it does not. The governor measures
 * the tokens per second of both kinds of step as decoding goes (an exponential average of each),
 * stops drafting while plain steps are faster and probes again later (the wait doubling up to
 * SPEC_GOV_DOUBLING_MAX steps while probes keep losing, and longer, up to SPEC_GOV_MAX_WAIT, when a
 * losing probe costs so much that it would eat more than 2% of the plain time till the next one:
 * an expensive draft model that is rarely right); while drafting it refreshes the plain rate now
 * and then. Both kinds of step produce the target's own tokens, so output never depends on it. */
#ifndef TOLK_SPEC_GOVERN_H
#define TOLK_SPEC_GOVERN_H

#define SPEC_GOV_DOUBLING_MAX 64 /* the doubling wait between two probes stops here */
#define SPEC_GOV_MAX_WAIT 512    /* most plain steps between two probes (expensive losing probes) */

typedef struct spec_governor {
    int always;                   /* 1: draft every step (no governor) */
    double rate_spec, rate_plain; /* tokens/s, exponential averages; 0: not measured yet */
    int paused;                   /* drafting stopped because plain steps were faster */
    int wait;                     /* steps between probes (paused) or plain refreshes (drafting) */
    int since;                    /* steps since the last step of the other kind */
    long n_paused_steps;          /* plain steps the governor chose (for stats and tests) */
} spec_governor;

void spec_gov_init(spec_governor *g, int always);

/* Whether this step should draft. */
int spec_gov_want_draft(const spec_governor *g);

/* A finished step: DRAFTED (whether it verified drafts), N_TOKENS it produced, SECONDS it took
 * (proposing included). */
void spec_gov_record(spec_governor *g, int drafted, int n_tokens, double seconds);

#endif
