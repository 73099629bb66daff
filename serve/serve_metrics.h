/* Counters behind GET /metrics (Prometheus text format 0.0.4): requests by status code, tokens,
 * generation time, cancellations; gauges come from the pool and /proc at scrape time. */
#ifndef TOLK_SERVE_METRICS_H
#define TOLK_SERVE_METRICS_H

#include "serve_buf.h"
#include "tolk.h"

typedef struct sm_metrics sm_metrics;

sm_metrics *sm_new(void);
void sm_free(sm_metrics *m);
void sm_request(sm_metrics *m, int status);
void sm_generation(sm_metrics *m, const tolk_stats *st);

/* Appends the counters; the gauges are passed in. */
void sm_write(sm_metrics *m, sb_buf *out, int sessions, int busy, int queued, int in_flight, double model_bytes);

#endif
