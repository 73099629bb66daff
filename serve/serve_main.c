/* serve_main: load the model, start the batching scheduler, start libmicrohttpd on the configured
 * address, wait for SIGTERM/SIGINT, then stop accepting, let the requests in flight finish (up to
 * a grace period, then cancel them) and exit cleanly. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve_http.h"

#define GRACE_S 60

static void model_id(const char *path, char *out, size_t outsz)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".gguf"))
        n -= 5;
    snprintf(out, outsz, "%.*s", (int)n, base);
}

/* The listening address: numeric IPv4/IPv6 or "localhost". */
static int make_addr(const char *host, int port, struct sockaddr_storage *ss, int *v6, int *loopback)
{
    memset(ss, 0, sizeof *ss);
    if (!strcmp(host, "localhost"))
        host = "127.0.0.1";
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *v6 = 0;
        *loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *v6 = 1;
        *loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
        return 0;
    }
    return -1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* Waits until no request is in flight and no stream is running, at most SECS seconds. */
static int drain(sv_server *srv, int secs)
{
    for (long waited = 0; waited < secs * 1000L; waited += 50) {
        if (atomic_load(&srv->in_flight) == 0 && atomic_load(&srv->workers) == 0)
            return 1;
        sleep_ms(50);
    }
    return 0;
}

int serve_main(const sv_config *cfg)
{
    struct sockaddr_storage ss;
    int v6, loopback;
    if (make_addr(cfg->host, cfg->port, &ss, &v6, &loopback)) {
        fprintf(stderr, "tolk: error: --host %s is not a numeric IPv4/IPv6 address or localhost\n", cfg->host);
        return 1;
    }
    if (!loopback && !cfg->api_key) {
        fprintf(stderr, "tolk: error: --host %s is reachable from other machines: give --api-key KEY "
                        "(or --api-key-file FILE) too\n", cfg->host);
        return 1;
    }
    sv_server srv = {.cfg = cfg, .started = (long long)time(NULL)};
    atomic_init(&srv.in_flight, 0);
    atomic_init(&srv.workers, 0);
    atomic_init(&srv.next_id, 1);
    atomic_store(&sh_stopping, 0);
    model_id(cfg->model_path, srv.model_id, sizeof srv.model_id);
    tolk_error err = {0};
    if (tolk_model_load(cfg->model_path, &srv.model, &err)) {
        fprintf(stderr, "tolk: error: %s\n", err.msg);
        return 1;
    }
    if (ss_new(srv.model, &cfg->params, cfg->parallel, cfg->queue_max, cfg->batch_fast ? 0 : TOLK_MULTI_EXACT,
               &srv.sched, &err)) {
        fprintf(stderr, "tolk: error: %s\n", err.msg);
        tolk_model_free(srv.model);
        return 1;
    }
    if (sv_tm_open(cfg, srv.model, &srv.tm, &err)) {
        fprintf(stderr, "tolk: error: %s\n", err.msg);
        ss_free(srv.sched);
        tolk_model_free(srv.model);
        return 1;
    }
    srv.metrics = sm_new();
    /* Signals: SIGTERM/SIGINT are taken by sigwait below, in this thread only; a client that
     * leaves a stream must not kill the process through SIGPIPE. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = srv.metrics ? MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, sh_handler, &srv,
                                                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_conns,
                                                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_s,
                                                          MHD_OPTION_URI_LOG_CALLBACK, sh_uri_log, &srv,
                                                          MHD_OPTION_NOTIFY_COMPLETED, sh_completed, &srv,
                                                          MHD_OPTION_END)
                                       : NULL;
    if (!d) {
        fprintf(stderr, "tolk: error: cannot listen on %s port %d: %s\n", cfg->host, cfg->port,
                errno ? strerror(errno) : "libmicrohttpd refused to start");
        sm_free(srv.metrics);
        sv_tm_close(srv.tm);
        ss_free(srv.sched);
        tolk_model_free(srv.model);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    int port = di ? di->port : cfg->port;
    fprintf(stderr, "tolk serve: listening on http://%s%s%s:%d/ (model %s, %d request%s decoded together, "
                    "queue %d)\n",
            v6 ? "[" : "", cfg->host, v6 ? "]" : "", port, srv.model_id, cfg->parallel,
            cfg->parallel == 1 ? "" : "s", cfg->queue_max);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "tolk serve: %s received, finishing the requests in flight\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    atomic_store(&sh_stopping, 1);
    int lfd = (int)MHD_quiesce_daemon(d);
    if (lfd >= 0)
        close(lfd);
    int clean = drain(&srv, GRACE_S);
    if (!clean) {
        fprintf(stderr, "tolk serve: requests still running after %d s; cancelling them\n", GRACE_S);
        ss_cancel_all(srv.sched);
        drain(&srv, 10);
    }
    MHD_stop_daemon(d);
    clean = drain(&srv, 10) && clean;
    if (atomic_load(&srv.workers) == 0) { /* a stuck stream worker would still use them */
        ss_free(srv.sched);
        sm_free(srv.metrics);
        sv_tm_close(srv.tm);
        tolk_model_free(srv.model);
    }
    fprintf(stderr, "tolk serve: stopped\n");
    return clean ? 0 : 1;
}
