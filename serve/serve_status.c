/* GET /health (liveness and what is loaded) and GET /metrics (Prometheus text). */
#include "serve_ctx.h"

void rt_health(sv_request *rq, sv_reply *r)
{
    sv_server *srv = rq->srv;
    int n, busy, queued;
    ss_counts(srv->sched, &n, &busy, &queued);
    sb_puts(&r->body, "{\"status\":\"ok\",\"model\":");
    sb_json_cstr(&r->body, srv->model_id);
    sb_printf(&r->body, ",\"sessions\":%d,\"busy\":%d,\"queued\":%d}", n, busy, queued);
    sv_json_reply(r, 200);
}

void rt_metrics(sv_request *rq, sv_reply *r)
{
    sv_server *srv = rq->srv;
    int n, busy, queued;
    ss_counts(srv->sched, &n, &busy, &queued);
    sm_write(srv->metrics, &r->body, n, busy, queued, atomic_load(&srv->in_flight),
             (double)tolk_model_size(srv->model));
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
