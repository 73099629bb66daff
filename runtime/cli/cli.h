/* Shared pieces of the `tolk` command line: the subcommand table, error printing and default-model
 * resolution. Each subcommand lives in its own cli_NAME.c and uses only the public API (tolk.h)
 * and the headers of runtime/cli/ (options, JSON output). */
#ifndef TOLK_CLI_H
#define TOLK_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "tolk.h"

/* Every subcommand: argv[0] is the subcommand name; returns the process exit status. */
typedef int (*cli_main_fn)(int argc, char **argv);

int cli_info_main(int argc, char **argv);
int cli_fetch_main(int argc, char **argv);
int cli_bench_main(int argc, char **argv);
int cli_run_main(int argc, char **argv);
int cli_perplexity_main(int argc, char **argv);
int cli_tokenize_main(int argc, char **argv);
int cli_translate_main(int argc, char **argv);
int cli_quantize_main(int argc, char **argv);
int cli_tui_main(int argc, char **argv);
int cli_serve_main(int argc, char **argv);
int cli_batch_main(int argc, char **argv);
int cli_tm_main(int argc, char **argv);

/* Prints "tolk: error: MSG" to stderr and returns 1 (for `return cli_error(...)`). */
int cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Fills ERR (when non-NULL) with a printf-style message and returns CODE. */
int cli_fail(tolk_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Path of the model to use in *OUT (malloc'd; free it): ARG when given, otherwise the default
 * model in $TOLK_MODELS (or ~/.cache/tolk/models). Fails with a message that says how to fetch one. */
int cli_model_path(const char *arg, char **out, tolk_error *err);

/* Reads all of IN into *OUT (malloc'd, NUL-terminated, *LEN bytes without the NUL). */
int cli_read_all(FILE *in, const char *name, char **out, size_t *len, tolk_error *err);

/* Text a generation callback collects: echoed to stdout when TO_STDOUT, and always kept in P
 * (N bytes, CAP allocated; free P) so a --verbose rerun can be compared with what was printed. */
typedef struct cli_text {
    char *p;
    size_t n, cap;
    int to_stdout;
} cli_text;

/* The token callback of tolk_complete / tolk_translate for a cli_text USER; 1 when out of memory. */
int cli_text_add(const char *text, size_t len, void *user);

/* Opens the translation memory at PATH, or the default one (~/.local/share/tolk/tm.sqlite) when
 * PATH is NULL; WRITE opens it for writing (creating it and its folder). cli_tm.c. */
int cli_tm_open(const char *path, int write, tolk_tm **out, tolk_error *err);

/* Appends the glossary terms of S's last translation to the term report F: one line per term,
 * "SEGMENT<TAB>source term<TAB>expected target<TAB>found|missed". cli_tm.c. */
void cli_term_report(FILE *f, tolk_session *s, int segment);

#endif
