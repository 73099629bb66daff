/* Option parsing shared by the subcommands that run a model (run, translate, bench, perplexity,
 * tui): llama.cpp-style flags for model, threads, context and sampling, each checked with a clear
 * error naming the flag. */
#ifndef TOLK_CLI_OPTS_H
#define TOLK_CLI_OPTS_H

#include <stdbool.h>

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

#endif
