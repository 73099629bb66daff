/* Running the model for a request: queue it for the batching scheduler (serve_sched.c), translate
 * or complete, cancel when the client leaves, count the tokens (serve_ctx.h). */
#include <poll.h>
#include <string.h>

#include "serve_ctx.h"

int sv_client_gone(void *user)
{
    const sv_request *rq = user;
    if (rq->client_fd < 0)
        return 0;
    struct pollfd p = {.fd = rq->client_fd, .events = POLLIN | POLLRDHUP};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

typedef struct gen_call {
    sv_gen *g;
    int gone;
} gen_call;

void sv_stop_from(sv_stop *st, const sv_sampling *smp)
{
    *st = (sv_stop){.n = smp->n_stop};
    for (int i = 0; i < smp->n_stop; i++) {
        st->word[i] = smp->stop[i];
        st->len[i] = smp->stop_len[i];
    }
}

/* The text for the reply: the caller's emit function or the collected output. */
static int pass(const char *text, size_t len, void *user)
{
    sv_gen *g = user;
    if (g->emit)
        return g->emit(text, len, g->user);
    sb_add(&g->out, text, len);
    return g->out.oom;
}

/* Runs on the scheduler thread: a client that left, or a stop sequence, ends the job (the emit
 * function asks to stop). */
static int emit(const char *text, size_t len, void *user)
{
    gen_call *c = user;
    sv_gen *g = c->g;
    if (g->gone && g->gone(g->gone_user)) {
        c->gone = 1;
        return 1;
    }
    return g->stop ? sv_stop_feed(g->stop, text, len, pass, g) : pass(text, len, g);
}

int sv_generate(sv_server *srv, sv_gen *g, sv_reply *r, sv_api api)
{
    const sv_config *cfg = srv->cfg;
    memset(&g->st, 0, sizeof g->st);
    if (g->len > cfg->max_text && !g->noted) {
        sv_error(r, api, 413, "the text has %zu bytes; this server takes at most %zu (--max-text)", g->len,
                 cfg->max_text);
        return -1;
    }
    if (g->n_predict < 0 || g->n_predict > cfg->max_tokens)
        g->n_predict = cfg->max_tokens;
    gen_call c = {g, 0};
    const tolk_job job = {.from = g->from, .to = g->to, .text = g->text, .len = g->len, .n_predict = g->n_predict,
                          .own_sampling = g->own_sampling, .temp = g->temp, .seed = g->seed, .emit = emit,
                          .user = &c, .one_prompt = g->noted};
    tolk_error err = {0};
    int rc = TOLK_OK;
    int src = ss_run(srv->sched, &job, g->gone, g->gone_user, &rc, &g->st, &err);
    if (src == SS_FULL) {
        sv_error(r, api, 503, "server busy: every slot is in use and the queue is full (--queue)");
        return -1;
    }
    if (src == SS_CLOSED) {
        sv_error(r, api, 503, "the server is shutting down");
        return -1;
    }
    if (src == SS_GONE) {
        sv_error(r, api, 400, "the client closed the connection");
        return -1;
    }
    if (c.gone)
        g->st.cancelled = 1;
    else if (g->stop)
        sv_stop_flush(g->stop, pass, g);
    sm_generation(srv->metrics, &g->st);
    if (g->out.oom) {
        sv_error(r, api, 500, "out of memory");
        return -1;
    }
    if (c.gone) {
        sv_error(r, api, 400, "the client closed the connection");
        return -1;
    }
    if (rc == TOLK_E_ARG || rc == TOLK_E_STATE) {
        sv_error(r, api, 400, "%s", err.msg);
        return -1;
    }
    if (rc) {
        sv_error(r, api, 500, "%s", err.msg);
        return -1;
    }
    return 0;
}
