/* Option parsing shared by the subcommands that run a model (run, translate, bench, perplexity,
 * tui): llama.cpp-style flags for model, threads, context and sampling, each checked with a clear
 * error naming the flag. */
#ifndef TOLK_CLI_OPTS_H
#define TOLK_CLI_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "tolk.h"

/* Integer / float value of option OPT in [lo, hi]; prints an error and returns 1 when invalid. */
int cli_parse_int(const char *s, const char *opt, long long lo, long long hi, long long *out);
int cli_parse_float(const char *s, const char *opt, double lo, double hi, float *out);

/* Tries to consume the common option at argv[*i] (and its value) into P / *model. Returns 1 when
 * it was one (advancing *i past its value), 0 when it is not a common option, -1 on a bad value
 * (error printed). */
int cli_common_option(int argc, char **argv, int *i, tolk_params *p, const char **model, bool *seed_given);

/* Help text for the common options. */
extern const char cli_common_help[];

/* Tries to consume a speculative-decoding option at argv[*i] (--draft, --spec, --draft-max,
 * --draft-min, --draft-p-min, -td/--threads-draft, --spec-skip) into SP; same return values as
 * cli_common_option. SP starts from tolk_spec_params_default; --draft FILE implies --spec draft. */
int cli_spec_option(int argc, char **argv, int *i, tolk_spec_params *sp);

/* Checks the combination after parsing (e.g. --spec draft without --draft); prints the error and
 * returns 1 when it is unusable. */
int cli_spec_check(const tolk_spec_params *sp);

/* Help text for the speculative-decoding options. */
extern const char cli_spec_help[];

/* The --verbose lines for a speculative run: drafted/accepted tokens, acceptance rate and mean
 * accepted length per verification pass; with PLAIN (a plain-decoding run of the same request,
 * or NULL) also the measured speedup. */
void cli_spec_report(FILE *out, const tolk_stats *spec, const tolk_stats *plain);

#endif
