/* `tolk serve`: the HTTP server's configuration and entry point (runtime/cli/cli_serve.c parses
 * the flags into an sv_config and calls serve_main). */
#ifndef TOLK_SERVE_H
#define TOLK_SERVE_H

#include <stddef.h>

#include "tolk.h"

typedef struct sv_config {
    const char *model_path;
    const char *host;      /* numeric address or "localhost"; loopback unless api_key is set */
    int port;
    const char *api_key;   /* NULL: no key (loopback only) */
    const char *cors;      /* Access-Control-Allow-Origin value, NULL: no CORS headers */
    int parallel;          /* requests decoded together (slots of the batching scheduler) */
    int queue_max;         /* requests waiting for a slot before 503 */
    int batch_fast;        /* prompts share passes with decoding (not TOLK_MULTI_EXACT) */
    size_t max_body;       /* bytes of one request body */
    size_t max_text;       /* bytes of text to translate / prompt per request */
    int max_tokens;        /* tokens generated per request (and per text of a list) */
    int max_conns;         /* concurrent connections */
    int timeout_s;         /* idle connection timeout (slow clients, headers) */
    const char *tm_path;       /* --tm: translation memory (read-only), or NULL */
    const char *glossary_path; /* --glossary: TSV/CSV/TBX glossary, or NULL */
    int fuzzy;                 /* --fuzzy: lowest fuzzy match used, percent */
    tolk_params params;    /* sampling and threads of every session */
} sv_config;

/* Loads the model, serves until SIGTERM/SIGINT, finishes the requests in flight; 0 on a clean
 * exit, else 1 with the error printed. */
int serve_main(const sv_config *cfg);

#endif
