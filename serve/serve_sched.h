/* The scheduler: one thread owns a tolk_multi (runtime/api/multi.c) and steps every admitted
 * request together, one forward pass per step. Requests wait in one FIFO queue (bounded) and are
 * admitted in arrival order whenever a slot is free, between any two passes; their prompts are
 * prefilled in the next pass, ahead of the decoding pass of the requests already running (up to a
 * chunk of prompt tokens per decoding step), so their first token does not wait for it. Emit
 * callbacks run on the scheduler thread. */
#ifndef TOLK_SERVE_SCHED_H
#define TOLK_SERVE_SCHED_H

#include "tolk.h"

typedef struct ss_sched ss_sched;

enum { SS_OK = 0, SS_FULL = 1, SS_GONE = 2, SS_CLOSED = 3 };

/* N_SLOTS requests decoded together, QUEUE_MAX waiting at most, P's threads, context, KV type and
 * sampling, FLAGS for tolk_multi_new (TOLK_MULTI_EXACT); starts the scheduler thread. */
int ss_new(tolk_model *m, const tolk_params *p, int n_slots, int queue_max, unsigned flags, ss_sched **out,
           tolk_error *err);
/* Stops the thread (cancelling what runs) and frees everything. */
void ss_free(ss_sched *s);

/* Runs JOB to its end and returns SS_OK with its code in *rc (err and st filled), or SS_FULL
 * (queue at its limit), SS_GONE (GONE(USER) returned non-zero while the request was queued: it
 * left the queue) or SS_CLOSED. GONE (may be NULL) is polled a few times a second by the calling
 * thread while queued, never after admission (from then on the job's emit function is the only
 * place that notices a client that left, and it runs on the scheduler thread). */
int ss_run(ss_sched *s, const tolk_job *job, int (*gone)(void *), void *user, int *rc, tolk_stats *st,
           tolk_error *err);

/* No new requests (SS_CLOSED); every queued one leaves, every running one is cancelled. */
void ss_cancel_all(ss_sched *s);

void ss_counts(ss_sched *s, int *n_slots, int *n_running, int *n_queued);

#endif
