/* What the HTTP glue (serve_http.c) hands to the endpoint handlers: the server (model, scheduler,
 * limits, metrics), one parsed request, the reply being built, and the helpers they share
 * (error shapes per API, typed field access over JSON or form bodies, running the model). */
#ifndef TOLK_SERVE_CTX_H
#define TOLK_SERVE_CTX_H

#include <stdatomic.h>
#include <stddef.h>

#include "serve.h"
#include "serve_buf.h"
#include "serve_form.h"
#include "serve_json.h"
#include "serve_metrics.h"
#include "serve_sched.h"
#include "serve_stop.h"
#include "serve_tm.h"

/* Which service's error shape a route answers with. */
typedef enum { API_PLAIN, API_OPENAI, API_LIBRE, API_APY, API_DEEPL } sv_api;

typedef struct sv_server {
    const sv_config *cfg;
    tolk_model *model;
    ss_sched *sched;
    sv_tm *tm;               /* --tm / --glossary, or NULL */
    sm_metrics *metrics;
    char model_id[128];      /* the id /v1/models lists: the file name without .gguf */
    long long started;       /* unix time */
    atomic_int in_flight;    /* requests received, reply not yet sent */
    atomic_int workers;      /* streaming generations still running */
    atomic_ullong next_id;
    atomic_ullong deepl_chars; /* characters translated through /v2/translate (/v2/usage) */
} sv_server;

typedef struct sv_request {
    sv_server *srv;
    sv_api api;
    const char *method, *path;
    sf_form query;           /* decoded query string */
    const char *body;
    size_t body_len;
    sj_val *json;            /* parsed JSON body, or NULL */
    sf_form form;            /* parsed form body (empty unless form-encoded) */
    int has_form;
    int client_fd;           /* the connection's socket, to notice a client that left; -1: unknown */
} sv_request;

typedef struct sv_reply {
    int status;
    const char *content_type;
    sb_buf body;
    int stream_fd;           /* >= 0: the body streams from this pipe (SSE) */
    char allow[48];          /* the Allow header of a 405 or OPTIONS reply ("" none) */
    const char *param;       /* the request field an error is about (OpenAI's "param"), or NULL */
} sv_reply;

/* The error reply in API's own shape (OpenAI {"error":{...}}, LibreTranslate {"error":..},
 * APy {"status":"error",...}, DeepL {"message":..}). */
void sv_error(sv_reply *r, sv_api api, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void sv_json_reply(sv_reply *r, int status); /* body already holds JSON */

/* Field access over the JSON object body or the form/query fields. Each returns 1 when present
 * and of the right type, 0 when absent (or JSON null), -1 with an error reply already set. */
int fld_str(sv_request *rq, sv_reply *r, const char *key, const char **s, size_t *len);
/* A string or a list of strings: the values and lengths malloc'd (free both arrays); is_list
 * says which it was. */
int fld_strs(sv_request *rq, sv_reply *r, const char *key, const char ***vals, size_t **lens, size_t *n,
             int *is_list);
int fld_int(sv_request *rq, sv_reply *r, const char *key, long long lo, long long hi, long long *out);
int fld_num(sv_request *rq, sv_reply *r, const char *key, double lo, double hi, double *out);
int fld_bool(sv_request *rq, sv_reply *r, const char *key, int *out);

/* 1 when the client of RQ has closed its connection. */
int sv_client_gone(void *rq);

/* Runs one translation (to != NULL) or completion, batched with the other requests (serve_sched.h),
 * waiting in the queue. GONE is polled while queued and at every emitted piece (ends the job). Returns 0, or -1 with
 * an error reply in API's shape (503 queue full, 400 bad language / too long, 499-like cancel). */
#define SV_STOP_BYTES 256  /* longest stop sequence taken */

typedef struct sv_sampling { /* a request's own sampling (OpenAI temperature, seed, stop) */
    int own;                 /* 0: the server's flags */
    int include_usage;       /* stream_options.include_usage: a last chunk with the usage */
    int n;                   /* choices per prompt (OpenAI n) */
    float temp;
    uint64_t seed;
    int n_stop;              /* stop sequences (copies: they outlive the request body) */
    char stop[SV_STOP_MAX][SV_STOP_BYTES + 1];
    size_t stop_len[SV_STOP_MAX];
} sv_sampling;

/* A stop filter over SMP's sequences (pointing into SMP). */
void sv_stop_from(sv_stop *st, const sv_sampling *smp);

typedef struct sv_gen { /* one model run */
    const char *from, *to;   /* translation languages; to NULL: raw completion */
    const char *text;
    size_t len;
    int n_predict;
    int own_sampling;        /* 1: temp and seed from the request instead of the server's flags */
    float temp;
    uint64_t seed;
    tolk_emit_fn emit;       /* may be NULL: the output is collected in `out`; runs on the
                              * scheduler thread */
    void *user;
    int (*gone)(void *);
    void *gone_user;
    sv_stop *stop;           /* stop sequences, or NULL */
    int noted;               /* text carries TM/glossary notes, one prompt's text (never split into
                              * lines): --max-text was checked on the text alone */
    sb_buf out;
    tolk_stats st;
} sv_gen;
int sv_generate(sv_server *srv, sv_gen *g, sv_reply *r, sv_api api);

/* A translation (G's from, to, text) with --tm / --glossary (serve_tm.c), as tolk_translate on a
 * session with them (one-line templates: line by line): an exact TM match is the answer without
 * the model; otherwise the text with its notes (fuzzy example, glossary terms) is translated
 * through the batching scheduler, then the answer's glossary terms are checked and a missed one is
 * forced on the TM session (one request at a time: forcing decodes again). Returns 0 with the
 * answer in G->out, or -1 with an error reply in API's shape. */
int sv_tm_generate(sv_server *srv, sv_gen *g, sv_reply *r, sv_api api);

/* Endpoint handlers. */
void rt_health(sv_request *rq, sv_reply *r);
void rt_metrics(sv_request *rq, sv_reply *r);
void rt_models(sv_request *rq, sv_reply *r);
void rt_model(sv_request *rq, sv_reply *r); /* GET /v1/models/ID */
void rt_chat(sv_request *rq, sv_reply *r);
void rt_completions(sv_request *rq, sv_reply *r);
void rt_libre_translate(sv_request *rq, sv_reply *r);
void rt_libre_languages(sv_request *rq, sv_reply *r);
void rt_libre_detect(sv_request *rq, sv_reply *r);
void rt_libre_settings(sv_request *rq, sv_reply *r);
void rt_apy_translate(sv_request *rq, sv_reply *r);
void rt_apy_pairs(sv_request *rq, sv_reply *r);
void rt_deepl_translate(sv_request *rq, sv_reply *r);
void rt_deepl_languages(sv_request *rq, sv_reply *r);
void rt_deepl_usage(sv_request *rq, sv_reply *r);
void rt_deepl_glossary_pairs(sv_request *rq, sv_reply *r);
void rt_deepl_glossaries(sv_request *rq, sv_reply *r);

/* Renders OpenAI chat messages as the model family's chat prompt (serve_chat.c). Returns 0 and a
 * malloc'd prompt, or -1 with an OpenAI error reply set. */
int sv_chat_prompt(sv_request *rq, sv_reply *r, const sj_val *messages, char **prompt, size_t *len);

/* Streams an OpenAI completion as server-sent events from a worker thread; sets r->stream_fd. */
int sv_stream_start(sv_server *srv, sv_reply *r, int chat, char *prompt, size_t len, int n_predict,
                    const sv_sampling *smp);

#endif
