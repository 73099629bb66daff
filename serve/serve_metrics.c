/* Prometheus counters of the HTTP server (serve_metrics.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "serve_metrics.h"

static const int codes[] = {200, 204, 400, 401, 403, 404, 405, 413, 500, 503};
#define N_CODES (sizeof codes / sizeof codes[0])

struct sm_metrics {
    pthread_mutex_t mu;
    unsigned long long by_code[N_CODES + 1]; /* last: any other code */
    unsigned long long prompt_tokens, gen_tokens, generations, cancelled;
    double prompt_s, gen_s, last_tok_s;
};

sm_metrics *sm_new(void)
{
    sm_metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->mu, NULL);
    return m;
}

void sm_free(sm_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void sm_request(sm_metrics *m, int status)
{
    size_t i = 0;
    while (i < N_CODES && codes[i] != status)
        i++;
    pthread_mutex_lock(&m->mu);
    m->by_code[i]++;
    pthread_mutex_unlock(&m->mu);
}

void sm_generation(sm_metrics *m, const tolk_stats *st)
{
    pthread_mutex_lock(&m->mu);
    m->generations++;
    m->prompt_tokens += (unsigned long long)(st->n_prompt > 0 ? st->n_prompt : 0);
    m->gen_tokens += (unsigned long long)(st->n_gen > 0 ? st->n_gen : 0);
    m->prompt_s += st->prompt_ms / 1e3;
    m->gen_s += st->gen_ms / 1e3;
    if (st->n_gen > 1 && st->gen_tok_s > 0)
        m->last_tok_s = st->gen_tok_s;
    m->cancelled += st->cancelled != 0;
    pthread_mutex_unlock(&m->mu);
}

static double rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return (double)rss * (double)sysconf(_SC_PAGESIZE);
}

void sm_write(sm_metrics *m, sb_buf *o, int sessions, int busy, int queued, int in_flight, double model_bytes)
{
    pthread_mutex_lock(&m->mu);
    sb_puts(o, "# HELP tolk_http_requests_total HTTP requests answered, by status code.\n"
               "# TYPE tolk_http_requests_total counter\n");
    for (size_t i = 0; i < N_CODES; i++)
        sb_printf(o, "tolk_http_requests_total{code=\"%d\"} %llu\n", codes[i], m->by_code[i]);
    sb_printf(o, "tolk_http_requests_total{code=\"other\"} %llu\n", m->by_code[N_CODES]);
    sb_printf(o, "# HELP tolk_generations_total Model runs (one per text translated or completion).\n"
                 "# TYPE tolk_generations_total counter\ntolk_generations_total %llu\n", m->generations);
    sb_printf(o, "# HELP tolk_generations_cancelled_total Model runs stopped because the client left.\n"
                 "# TYPE tolk_generations_cancelled_total counter\ntolk_generations_cancelled_total %llu\n",
              m->cancelled);
    sb_printf(o, "# HELP tolk_prompt_tokens_total Prompt tokens evaluated.\n"
                 "# TYPE tolk_prompt_tokens_total counter\ntolk_prompt_tokens_total %llu\n", m->prompt_tokens);
    sb_printf(o, "# HELP tolk_generated_tokens_total Tokens generated.\n"
                 "# TYPE tolk_generated_tokens_total counter\ntolk_generated_tokens_total %llu\n", m->gen_tokens);
    sb_printf(o, "# HELP tolk_prompt_seconds_total Time spent on prompt processing.\n"
                 "# TYPE tolk_prompt_seconds_total counter\ntolk_prompt_seconds_total %.6f\n", m->prompt_s);
    sb_printf(o, "# HELP tolk_generation_seconds_total Time spent generating tokens.\n"
                 "# TYPE tolk_generation_seconds_total counter\ntolk_generation_seconds_total %.6f\n", m->gen_s);
    sb_printf(o, "# HELP tolk_generation_tokens_per_second Generation speed of the last finished request.\n"
                 "# TYPE tolk_generation_tokens_per_second gauge\ntolk_generation_tokens_per_second %.3f\n",
              m->last_tok_s);
    pthread_mutex_unlock(&m->mu);
    sb_printf(o, "# HELP tolk_sessions Requests decoded together at most (--parallel).\n"
                 "# TYPE tolk_sessions gauge\ntolk_sessions %d\n", sessions);
    sb_printf(o, "# HELP tolk_sessions_busy Requests being decoded.\n"
                 "# TYPE tolk_sessions_busy gauge\ntolk_sessions_busy %d\n", busy);
    sb_printf(o, "# HELP tolk_queue_length Requests waiting for a slot.\n"
                 "# TYPE tolk_queue_length gauge\ntolk_queue_length %d\n", queued);
    sb_printf(o, "# HELP tolk_http_requests_in_flight Requests received and not yet answered.\n"
                 "# TYPE tolk_http_requests_in_flight gauge\ntolk_http_requests_in_flight %d\n", in_flight);
    sb_printf(o, "# HELP tolk_model_bytes Bytes of tensor data of the loaded model.\n"
                 "# TYPE tolk_model_bytes gauge\ntolk_model_bytes %.0f\n", model_bytes);
    sb_printf(o, "# HELP process_resident_memory_bytes Resident memory of the server process.\n"
                 "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %.0f\n", rss_bytes());
}
