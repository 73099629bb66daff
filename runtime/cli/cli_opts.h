/* The one option parser of every `tolk` subcommand: each subcommand describes its options in a
 * table (name, kind, where the value goes, allowed range) and cli_parse walks argv over it. Values
 * are checked as they are read, and a bad one gives one error line naming the option; parsing never
 * exits, it returns a status. Also the option tables shared by the model-running subcommands
 * (model, threads, context, sampling; speculative decoding) and their help texts. */
#ifndef TOLK_CLI_OPTS_H
#define TOLK_CLI_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tolk.h"

typedef enum cli_kind {
    CLI_K_END = 0, /* ends a table */
    CLI_K_HELP,    /* -h, --help: cli_parse returns CLI_HELP */
    CLI_K_FLAG,    /* no value: *(int *)dst = ival */
    CLI_K_STR,     /* *(const char **)dst = the value (a pointer into argv) */
    CLI_K_INT,     /* *(int *)dst = an integer in lo..hi */
    CLI_K_U64,     /* *(uint64_t *)dst = an integer in lo..hi (lo >= 0) */
    CLI_K_FLOAT,   /* *(float *)dst = a number in flo..fhi */
    CLI_K_CHOICE,  /* *(int *)dst = the value of the named choice; with optional set, the value may
                    * only come as --name=VALUE and --name alone stores ival */
    CLI_K_FN       /* fn(dst, name, value) stores it; returns 0, or 1 after printing an error */
} cli_kind;

typedef struct cli_choice {
    const char *name;
    int value;
} cli_choice;

typedef struct cli_opt {
    const char *short_name; /* "-m", or NULL */
    const char *long_name;  /* "--model", or NULL; also accepted as --model=VALUE */
    cli_kind kind;
    void *dst;
    long long lo, hi;           /* CLI_K_INT, CLI_K_U64 */
    double flo, fhi;            /* CLI_K_FLOAT */
    int ival;                   /* CLI_K_FLAG, optional CLI_K_CHOICE */
    bool optional;              /* CLI_K_CHOICE */
    const cli_choice *choices;  /* CLI_K_CHOICE, ended by {NULL, 0} */
    int (*fn)(void *dst, const char *name, const char *value); /* CLI_K_FN */
} cli_opt;

/* Table entries. The `1 ? (ptr) : (T *)0` makes the compiler check PTR's type. */
#define CLI_OPT_END {.kind = CLI_K_END}
#define CLI_OPT_HELP {.short_name = "-h", .long_name = "--help", .kind = CLI_K_HELP}
#define CLI_OPT_FLAG(s, l, ptr, v) {.short_name = (s), .long_name = (l), .kind = CLI_K_FLAG, \
                                    .dst = (1 ? (ptr) : (int *)0), .ival = (v)}
#define CLI_OPT_STR(s, l, ptr) {.short_name = (s), .long_name = (l), .kind = CLI_K_STR, \
                                .dst = (1 ? (ptr) : (const char **)0)}
#define CLI_OPT_INT(s, l, ptr, min, max) {.short_name = (s), .long_name = (l), .kind = CLI_K_INT, \
                                          .dst = (1 ? (ptr) : (int *)0), .lo = (min), .hi = (max)}
#define CLI_OPT_U64(s, l, ptr, min, max) {.short_name = (s), .long_name = (l), .kind = CLI_K_U64, \
                                          .dst = (1 ? (ptr) : (uint64_t *)0), .lo = (min), .hi = (max)}
#define CLI_OPT_FLOAT(s, l, ptr, min, max) {.short_name = (s), .long_name = (l), .kind = CLI_K_FLOAT, \
                                            .dst = (1 ? (ptr) : (float *)0), .flo = (min), .fhi = (max)}
#define CLI_OPT_CHOICE(s, l, ptr, list) {.short_name = (s), .long_name = (l), .kind = CLI_K_CHOICE, \
                                         .dst = (1 ? (ptr) : (int *)0), .choices = (list)}
#define CLI_OPT_CHOICE_OPTIONAL(l, ptr, list, v) {.long_name = (l), .kind = CLI_K_CHOICE, \
                                                  .dst = (1 ? (ptr) : (int *)0), .choices = (list), \
                                                  .optional = true, .ival = (v)}
#define CLI_OPT_FN(s, l, ptr, f) {.short_name = (s), .long_name = (l), .kind = CLI_K_FN, .dst = (ptr), .fn = (f)}

/* cli_parse results; CLI_ERROR is 1 like cli_error's return value and the exit status. */
enum { CLI_OK = 0, CLI_ERROR = 1, CLI_HELP = 2 };

/* Parses argv[1..argc) of subcommand CMD ("run") against the tables in TABLES (a NULL-terminated
 * list, searched in order). An option's value is the next argument, or what follows '=' in
 * --name=VALUE; "-" and arguments not starting with '-' are positional, and so is everything after
 * "--". Positionals are moved, in order, to argv[1..*n_pos]. At most MAX_POS are allowed (< 0: any
 * number); the first one too many is reported as "unexpected argument". Returns CLI_OK, CLI_HELP
 * when -h/--help came (the caller prints its usage on stdout and exits 0), or CLI_ERROR after one
 * "tolk: error: ..." line on stderr. Nothing is printed otherwise and nothing exits. */
int cli_parse(const char *cmd, const cli_opt *const *tables, int max_pos, int argc, char **argv, int *n_pos);

/* The options of the model-running subcommands (run, translate, bench, tui), documented by
 * cli_common_help: cli_common_opts fills TABLE (CLI_COMMON_N entries, the end marker included) with
 * options that store into P and *MODEL. A subcommand lists it among the tables it gives cli_parse. */
enum { CLI_COMMON_N = 15 };
void cli_common_opts(cli_opt table[CLI_COMMON_N], tolk_params *p, const char **model);
extern const char cli_common_help[];

/* The speculative-decoding options (--draft, --spec, --draft-max, --draft-min, --draft-p-min,
 * -td/--threads-draft, --spec-skip, --draft-always), likewise: CLI_SPEC_N entries storing into SP (start it from
 * tolk_spec_params_default); --draft FILE also sets the mode to draft. */
enum { CLI_SPEC_N = 9 };
void cli_spec_opts(cli_opt table[CLI_SPEC_N], tolk_spec_params *sp);
extern const char cli_spec_help[];

/* Checks the combination after parsing (e.g. --spec draft without --draft); prints the error and
 * returns 1 when it is unusable. */
int cli_spec_check(const tolk_spec_params *sp);

/* The --verbose lines for a speculative run: drafted/accepted tokens, acceptance rate and mean
 * accepted length per verification pass; with PLAIN (a plain-decoding run of the same request,
 * or NULL) also the measured speedup. */
void cli_spec_report(FILE *out, const tolk_stats *spec, const tolk_stats *plain);

#endif
