/* Session pool with a fair FIFO queue (serve_pool.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "serve_pool.h"

typedef struct waiter {
    struct waiter *next;
    struct waiter *prev;
} waiter;

struct sp_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    tolk_session **sessions;
    int *busy;
    int n, n_busy, queue_max, n_queued, closed;
    waiter *head, *tail;
};

int sp_pool_new(tolk_model *m, const tolk_params *p, int n, int queue_max, sp_pool **out, tolk_error *err)
{
    *out = NULL;
    sp_pool *pool = calloc(1, sizeof *pool);
    if (!pool || !(pool->sessions = calloc((size_t)n, sizeof *pool->sessions)) ||
        !(pool->busy = calloc((size_t)n, sizeof *pool->busy))) {
        sp_pool_free(pool);
        err->code = TOLK_E_NOMEM;
        snprintf(err->msg, sizeof err->msg, "out of memory for the session pool");
        return TOLK_E_NOMEM;
    }
    pthread_mutex_init(&pool->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->cv, &ca);
    pthread_condattr_destroy(&ca);
    pool->n = n;
    pool->queue_max = queue_max;
    for (int i = 0; i < n; i++) {
        int rc = tolk_session_new(m, p, &pool->sessions[i], err);
        if (rc) {
            sp_pool_free(pool);
            return rc;
        }
    }
    *out = pool;
    return TOLK_OK;
}

void sp_pool_free(sp_pool *pool)
{
    if (!pool)
        return;
    if (pool->sessions) {
        for (int i = 0; i < pool->n; i++)
            tolk_session_free(pool->sessions[i]);
        pthread_mutex_destroy(&pool->mu);
        pthread_cond_destroy(&pool->cv);
    }
    free(pool->sessions);
    free(pool->busy);
    free(pool);
}

static void unlink_waiter(sp_pool *pool, waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        pool->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        pool->tail = w->prev;
    pool->n_queued--;
}

int sp_acquire(sp_pool *pool, int (*gone)(void *), void *user, tolk_session **s)
{
    *s = NULL;
    pthread_mutex_lock(&pool->mu);
    if (pool->closed) {
        pthread_mutex_unlock(&pool->mu);
        return SP_CLOSED;
    }
    if (pool->n_busy >= pool->n && pool->n_queued >= pool->queue_max) {
        pthread_mutex_unlock(&pool->mu);
        return SP_FULL;
    }
    waiter w = {NULL, pool->tail};
    if (pool->tail)
        pool->tail->next = &w;
    else
        pool->head = &w;
    pool->tail = &w;
    pool->n_queued++;
    int rc = SP_OK;
    for (;;) {
        if (pool->closed) {
            rc = SP_CLOSED;
            break;
        }
        if (pool->head == &w && pool->n_busy < pool->n)
            break;
        if (gone && gone(user)) {
            rc = SP_GONE;
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 200 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&pool->cv, &pool->mu, &ts);
    }
    unlink_waiter(pool, &w);
    if (rc == SP_OK) {
        for (int i = 0; i < pool->n; i++)
            if (!pool->busy[i]) {
                pool->busy[i] = 1;
                pool->n_busy++;
                *s = pool->sessions[i];
                break;
            }
    }
    pthread_cond_broadcast(&pool->cv); /* the next waiter may now be at the head */
    pthread_mutex_unlock(&pool->mu);
    return rc;
}

void sp_release(sp_pool *pool, tolk_session *s)
{
    pthread_mutex_lock(&pool->mu);
    for (int i = 0; i < pool->n; i++)
        if (pool->sessions[i] == s && pool->busy[i]) {
            pool->busy[i] = 0;
            pool->n_busy--;
        }
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
}

void sp_cancel_all(sp_pool *pool)
{
    pthread_mutex_lock(&pool->mu);
    pool->closed = 1;
    for (int i = 0; i < pool->n; i++)
        if (pool->busy[i])
            tolk_session_cancel(pool->sessions[i]);
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
}

void sp_counts(sp_pool *pool, int *n_sessions, int *n_busy, int *n_queued)
{
    pthread_mutex_lock(&pool->mu);
    *n_sessions = pool->n;
    *n_busy = pool->n_busy;
    *n_queued = pool->n_queued;
    pthread_mutex_unlock(&pool->mu);
}
