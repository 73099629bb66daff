/* The generation thread: one translation at a time runs on its own pthread so the UI keeps
 * drawing; streamed text lands in a mutex-protected buffer that the UI polls at 20 Hz. Cancel
 * goes through tolk_session_cancel (thread-safe) plus a flag the emit callback checks, so a
 * cancel that arrives before the model starts still counts. */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "tui.h"

struct tui_worker {
    tolk_session *s;
    pthread_t th;
    int running; /* a thread exists that has not been joined (UI thread only) */
    atomic_int cancel;
    pthread_mutex_t mu;
    /* under mu */
    char *out;
    size_t len, cap, seen;
    int finished, rc, got_first;
    tolk_stats st;
    tolk_error err;
    /* job input, owned by the thread while it runs */
    char from[16], to[16];
    char *text;
    size_t text_len;
    int n_predict;
    struct timespec t0;
};

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

int worker_new(tolk_session *s, tui_worker **out)
{
    tui_worker *w = calloc(1, sizeof *w);
    if (!w)
        return TOLK_E_NOMEM;
    if (pthread_mutex_init(&w->mu, NULL)) {
        free(w);
        return TOLK_E_NOMEM;
    }
    w->s = s;
    *out = w;
    return TOLK_OK;
}

static int on_text(const char *text, size_t len, void *user)
{
    tui_worker *w = user;
    int stop = atomic_load(&w->cancel);
    pthread_mutex_lock(&w->mu);
    if (w->len + len + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 1024;
        while (cap < w->len + len + 1)
            cap *= 2;
        char *p = realloc(w->out, cap);
        if (!p) {
            pthread_mutex_unlock(&w->mu);
            return 1; /* out of memory: stop generating rather than lose the tail silently */
        }
        w->out = p;
        w->cap = cap;
    }
    memcpy(w->out + w->len, text, len);
    w->len += len;
    w->out[w->len] = '\0';
    w->got_first = 1;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

static void *run_job(void *arg)
{
    tui_worker *w = arg;
    tolk_stats st;
    tolk_error err = {0};
    memset(&st, 0, sizeof st);
    int rc = TOLK_OK;
    if (!atomic_load(&w->cancel))
        rc = tolk_translate(w->s, w->from[0] ? w->from : NULL, w->to, w->text, w->text_len, w->n_predict, on_text, w, &st,
                            &err);
    if (atomic_load(&w->cancel))
        st.cancelled = 1;
    pthread_mutex_lock(&w->mu);
    w->st = st;
    w->err = err;
    w->rc = rc;
    w->finished = 1;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void join(tui_worker *w)
{
    if (w->running) {
        pthread_join(w->th, NULL);
        w->running = 0;
    }
    free(w->text);
    w->text = NULL;
}

int worker_set_session(tui_worker *w, tolk_session *s)
{
    if (w->running)
        return TOLK_E_STATE;
    w->s = s;
    return TOLK_OK;
}

int worker_start(tui_worker *w, const char *from, const char *to, const char *text, size_t len, int n_predict)
{
    if (w->running)
        return TOLK_E_STATE;
    w->n_predict = n_predict;
    char *copy = malloc(len + 1);
    if (!copy)
        return TOLK_E_NOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    w->text = copy;
    w->text_len = len;
    snprintf(w->from, sizeof w->from, "%s", from ? from : "");
    snprintf(w->to, sizeof w->to, "%s", to);
    pthread_mutex_lock(&w->mu);
    w->len = w->seen = 0;
    if (w->out)
        w->out[0] = '\0';
    w->finished = w->rc = w->got_first = 0;
    pthread_mutex_unlock(&w->mu);
    atomic_store(&w->cancel, 0);
    clock_gettime(CLOCK_MONOTONIC, &w->t0);
    if (pthread_create(&w->th, NULL, run_job, w)) {
        free(w->text);
        w->text = NULL;
        return TOLK_E_NOMEM;
    }
    w->running = 1;
    return TOLK_OK;
}

void worker_cancel(tui_worker *w)
{
    atomic_store(&w->cancel, 1);
    tolk_session_cancel(w->s);
}

int worker_busy(tui_worker *w)
{
    return w->running;
}

int worker_poll(tui_worker *w, char **out, size_t *len, int *done, int *rc, tolk_stats *st, tolk_error *err,
                int *got_first, double *elapsed_ms)
{
    *done = 0;
    if (!w->running)
        return 0;
    int changed = 0, finished;
    pthread_mutex_lock(&w->mu);
    if (w->len != w->seen || w->finished) {
        char *copy = malloc(w->len + 1);
        if (copy) {
            memcpy(copy, w->out ? w->out : "", w->len);
            copy[w->len] = '\0';
            free(*out);
            *out = copy;
            *len = w->len;
            w->seen = w->len;
            changed = 1;
        }
    }
    finished = w->finished;
    *got_first = w->got_first;
    if (finished) {
        *rc = w->rc;
        *st = w->st;
        *err = w->err;
    }
    pthread_mutex_unlock(&w->mu);
    *elapsed_ms = ms_since(&w->t0);
    if (finished) {
        join(w);
        *done = 1;
    }
    return changed;
}

int worker_wait(tui_worker *w, int ms)
{
    for (int waited = 0; w->running; waited += 10) {
        pthread_mutex_lock(&w->mu);
        int finished = w->finished;
        pthread_mutex_unlock(&w->mu);
        if (finished)
            return 1;
        if (waited >= ms)
            return 0;
        struct timespec ten = {0, 10 * 1000 * 1000};
        nanosleep(&ten, NULL);
    }
    return 1;
}

void worker_free(tui_worker *w)
{
    if (!w)
        return;
    if (w->running) {
        worker_cancel(w);
        join(w);
    }
    pthread_mutex_destroy(&w->mu);
    free(w->out);
    free(w);
}
