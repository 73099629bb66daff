/* A fixed pool of sessions on one model, handed out first come, first served: a request waits in
 * a FIFO queue (bounded) until it is at the head and a session is free. Waiting requests poll a
 * "client gone" check so a disconnected client leaves the queue. */
#ifndef TOLK_SERVE_POOL_H
#define TOLK_SERVE_POOL_H

#include "tolk.h"

typedef struct sp_pool sp_pool;

enum { SP_OK = 0, SP_FULL = 1, SP_GONE = 2, SP_CLOSED = 3 };

/* Opens N sessions with params P on M; queue_max waiting requests at most. */
int sp_pool_new(tolk_model *m, const tolk_params *p, int n, int queue_max, sp_pool **out, tolk_error *err);
void sp_pool_free(sp_pool *pool);

/* Waits for a session in FIFO order. GONE (may be NULL) is polled a few times a second; when it
 * returns non-zero the request leaves the queue (SP_GONE). SP_FULL: the queue is at its limit. */
int sp_acquire(sp_pool *pool, int (*gone)(void *), void *user, tolk_session **s);
void sp_release(sp_pool *pool, tolk_session *s);

/* No new requests (SP_CLOSED) and every running one cancelled. */
void sp_cancel_all(sp_pool *pool);

void sp_counts(sp_pool *pool, int *n_sessions, int *n_busy, int *n_queued);

#endif
