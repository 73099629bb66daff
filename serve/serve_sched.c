/* The batching scheduler (serve_sched.h). Waiters are stack objects of the request threads,
 * linked into the FIFO queue and then into the running list; everything they share with the
 * scheduler thread is guarded by one mutex, except the job's emit calls, which happen on the
 * scheduler thread while the request thread only waits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_sched.h"

typedef struct waiter {
    struct waiter *next, *prev; /* queue links */
    const tolk_job *job;
    int slot;                   /* >= 0 once admitted */
    int done;
    int rc;
    tolk_stats st;
    tolk_error err;
} waiter;

struct ss_sched {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* the scheduler: work arrived; waiters: a job ended */
    pthread_t thread;
    int thread_started;
    tolk_multi *multi;
    int n_slots, queue_max, n_queued, n_running, closed, quit;
    waiter *head, *tail;        /* queued, oldest first */
    waiter **running;           /* [n_slots]: the waiter in each slot, or NULL */
};

static void unlink_waiter(ss_sched *s, waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        s->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        s->tail = w->prev;
    w->next = w->prev = NULL;
    s->n_queued--;
}

/* Admits queued requests while slots are free (under the lock). */
static void admit(ss_sched *s)
{
    while (s->head && s->n_running < s->n_slots) {
        waiter *w = s->head;
        unlink_waiter(s, w);
        int slot;
        tolk_error err = {0};
        int rc = tolk_multi_start(s->multi, w->job, &slot, &err);
        if (rc) {
            w->rc = rc;
            w->err = err;
            w->done = 1;
            pthread_cond_broadcast(&s->cv);
            continue;
        }
        w->slot = slot;
        s->running[slot] = w;
        s->n_running++;
    }
}

/* Hands the results of ended jobs to their waiters (under the lock). */
static int collect(ss_sched *s)
{
    int ended = 0;
    for (int i = 0; i < s->n_slots; i++) {
        waiter *w = s->running[i];
        if (!w || !tolk_multi_done(s->multi, i, &w->rc, &w->st, &w->err))
            continue;
        tolk_multi_release(s->multi, i);
        s->running[i] = NULL;
        s->n_running--;
        w->done = 1;
        ended = 1;
    }
    return ended;
}

/* Prompt tokens prefilled ahead of the decoding pass while requests keep arriving; beyond it, the
 * running streams get their step (a long prompt goes on a chunk per step). */
#define SS_PREFILL_AHEAD 512

static void *sched_thread(void *arg)
{
    ss_sched *s = arg;
    int ahead = SS_PREFILL_AHEAD;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        /* collect first: the slots of jobs that ended are free for the queue */
        if (collect(s))
            pthread_cond_broadcast(&s->cv);
        if (!s->closed)
            admit(s);
        if (s->quit && s->n_running == 0)
            break;
        if (s->n_running == 0) {
            pthread_cond_broadcast(&s->cv);
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        pthread_mutex_unlock(&s->mu);
        /* New prompts first: a request admitted while a pass ran is prefilled (and gets its first
         * token) in the next pass, not after the decoding pass of the others. A failed pass ends
         * its jobs with the error: collected next. */
        tolk_error err = {0};
        int k = ahead > 0 ? tolk_multi_prefill(s->multi, ahead, &err) : 0;
        if (k > 0) {
            ahead -= k;
        } else if (k == 0) {
            tolk_multi_step(s->multi, &err);
            ahead = SS_PREFILL_AHEAD;
        }
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int ss_new(tolk_model *m, const tolk_params *p, int n_slots, int queue_max, unsigned flags, ss_sched **out,
           tolk_error *err)
{
    *out = NULL;
    ss_sched *s = calloc(1, sizeof *s);
    if (!s || !(s->running = calloc((size_t)n_slots, sizeof *s->running))) {
        free(s);
        err->code = TOLK_E_NOMEM;
        snprintf(err->msg, sizeof err->msg, "out of memory for the scheduler");
        return TOLK_E_NOMEM;
    }
    s->n_slots = n_slots;
    s->queue_max = queue_max;
    int rc = tolk_multi_new(m, p, n_slots, 0, flags, &s->multi, err);
    if (rc) {
        free(s->running);
        free(s);
        return rc;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    rc = pthread_create(&s->thread, NULL, sched_thread, s);
    if (rc) {
        err->code = TOLK_E_NOMEM;
        snprintf(err->msg, sizeof err->msg, "cannot start the scheduler thread: %s", strerror(rc));
        ss_free(s);
        return TOLK_E_NOMEM;
    }
    s->thread_started = 1;
    *out = s;
    return TOLK_OK;
}

void ss_free(ss_sched *s)
{
    if (!s)
        return;
    if (s->thread_started) {
        ss_cancel_all(s);
        pthread_mutex_lock(&s->mu);
        s->quit = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    tolk_multi_free(s->multi);
    free(s->running);
    free(s);
}

int ss_run(ss_sched *s, const tolk_job *job, int (*gone)(void *), void *user, int *rc, tolk_stats *st,
           tolk_error *err)
{
    pthread_mutex_lock(&s->mu);
    if (s->closed) {
        pthread_mutex_unlock(&s->mu);
        return SS_CLOSED;
    }
    if (s->n_running + s->n_queued >= s->n_slots && s->n_queued >= s->queue_max) {
        pthread_mutex_unlock(&s->mu);
        return SS_FULL;
    }
    waiter w = {.job = job, .slot = -1, .prev = s->tail};
    if (s->tail)
        s->tail->next = &w;
    else
        s->head = &w;
    s->tail = &w;
    s->n_queued++;
    pthread_cond_broadcast(&s->cv);
    int res = SS_OK;
    while (!w.done) {
        if (w.slot < 0) {
            if (s->closed) {
                res = SS_CLOSED;
                break;
            }
            if (gone && gone(user)) {
                res = SS_GONE;
                break;
            }
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += 200 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        } else {
            pthread_cond_wait(&s->cv, &s->mu);
        }
    }
    if (res != SS_OK && !w.done && w.slot < 0)
        unlink_waiter(s, &w);
    pthread_mutex_unlock(&s->mu);
    if (res == SS_OK) {
        if (rc)
            *rc = w.rc;
        if (st)
            *st = w.st;
        if (err)
            *err = w.err;
    }
    return res;
}

void ss_cancel_all(ss_sched *s)
{
    pthread_mutex_lock(&s->mu);
    s->closed = 1;
    for (int i = 0; i < s->n_slots; i++)
        if (s->running[i])
            tolk_multi_cancel(s->multi, i);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void ss_counts(ss_sched *s, int *n_slots, int *n_running, int *n_queued)
{
    pthread_mutex_lock(&s->mu);
    *n_slots = s->n_slots;
    *n_running = s->n_running;
    *n_queued = s->n_queued;
    pthread_mutex_unlock(&s->mu);
}
