/* Running the model for a request: wait for a pooled session, translate or complete, cancel when
 * the client leaves, count the tokens (serve_ctx.h). */
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
    tolk_session *s;
    int gone;
} gen_call;

static int emit(const char *text, size_t len, void *user)
{
    gen_call *c = user;
    sv_gen *g = c->g;
    if (g->gone && g->gone(g->gone_user)) {
        c->gone = 1;
        tolk_session_cancel(c->s);
        return 1;
    }
    if (g->emit)
        return g->emit(text, len, g->user);
    sb_add(&g->out, text, len);
    return g->out.oom;
}

int sv_generate(sv_server *srv, sv_gen *g, sv_reply *r, sv_api api)
{
    const sv_config *cfg = srv->cfg;
    memset(&g->st, 0, sizeof g->st);
    if (g->len > cfg->max_text) {
        sv_error(r, api, 413, "the text has %zu bytes; this server takes at most %zu (--max-text)", g->len,
                 cfg->max_text);
        return -1;
    }
    if (g->n_predict < 0 || g->n_predict > cfg->max_tokens)
        g->n_predict = cfg->max_tokens;
    tolk_session *s;
    int prc = sp_acquire(srv->pool, g->gone, g->gone_user, &s);
    if (prc == SP_FULL) {
        sv_error(r, api, 503, "server busy: every session is in use and the queue is full (--queue)");
        return -1;
    }
    if (prc == SP_CLOSED) {
        sv_error(r, api, 503, "the server is shutting down");
        return -1;
    }
    if (prc == SP_GONE) {
        sv_error(r, api, 400, "the client closed the connection");
        return -1;
    }
    gen_call c = {g, s, 0};
    tolk_error err = {0};
    int rc = g->to ? tolk_translate(s, g->from, g->to, g->text, g->len, g->n_predict, emit, &c, &g->st, &err)
                   : tolk_complete(s, g->text, g->len, g->n_predict, emit, &c, &g->st, &err);
    sp_release(srv->pool, s);
    if (c.gone)
        g->st.cancelled = 1;
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
