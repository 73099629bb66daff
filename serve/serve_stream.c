/* "stream": true for the OpenAI endpoints: a worker thread runs the generation and writes
 * server-sent events ("data: {chunk}\n\n" ... "data: [DONE]\n\n") into a pipe that libmicrohttpd
 * sends on as it fills. The events are written by the scheduler thread (serve_sched.c) as the
 * tokens come. A client that leaves closes the pipe; the next write fails and the job is
 * cancelled. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve_ctx.h"

#define STALL_MS 2000

typedef struct stream_job {
    sv_server *srv;
    int chat;
    char *prompt;
    size_t len;
    int n_predict;
    sv_sampling smp;
    int fd;                 /* write end of the pipe (non-blocking) */
    int failed;             /* a write failed: the client is gone */
    struct timespec last;   /* time of the last write */
    char id[64];
    long long created;
} stream_job;

static int write_all(stream_job *j, const char *p, size_t n)
{
    while (n && !j->failed) {
        ssize_t w = write(j->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* The pipe is full: the client reads slower than the model writes. Events are written
             * on the scheduler thread, which serves every request, so a client that takes more
             * than STALL_MS to make room is dropped (its job cancelled) rather than stall them. */
            struct pollfd pf = {.fd = j->fd, .events = POLLOUT};
            if (poll(&pf, 1, STALL_MS) == 1 && !(pf.revents & (POLLERR | POLLHUP | POLLNVAL)))
                continue;
            j->failed = 1;
            break;
        }
        if (w <= 0) {
            j->failed = 1;
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    clock_gettime(CLOCK_MONOTONIC, &j->last);
    return j->failed ? -1 : 0;
}

/* The start of an event, up to the model name and the fingerprint. */
static void chunk_head(const stream_job *j, sb_buf *b)
{
    sb_printf(b, "data: {\"id\":\"%s\",\"object\":\"%s\",\"created\":%lld,\"model\":", j->id,
              j->chat ? "chat.completion.chunk" : "text_completion", j->created);
    sb_json_cstr(b, j->srv->model_id);
    sb_puts(b, ",\"system_fingerprint\":null");
}

/* One event: a chunk carrying TEXT (or the role, or the finish reason). With
 * stream_options.include_usage every chunk has "usage":null, as OpenAI's do. */
static int send_chunk(stream_job *j, const char *text, size_t len, int role, const char *finish)
{
    sb_buf b = {0};
    chunk_head(j, &b);
    if (j->chat) {
        sb_puts(&b, ",\"choices\":[{\"index\":0,\"delta\":{");
        if (role)
            sb_puts(&b, "\"role\":\"assistant\",\"content\":\"\"");
        else if (text) {
            sb_puts(&b, "\"content\":");
            sb_json_str(&b, text, len);
        }
        sb_puts(&b, "},\"logprobs\":null,\"finish_reason\":");
    } else {
        sb_puts(&b, ",\"choices\":[{\"text\":");
        sb_json_str(&b, text ? text : "", text ? len : 0);
        sb_puts(&b, ",\"index\":0,\"logprobs\":null,\"finish_reason\":");
    }
    sb_json_cstr(&b, finish);
    sb_puts(&b, j->smp.include_usage ? "}],\"usage\":null}\n\n" : "}]}\n\n");
    int rc = b.oom ? -1 : write_all(j, b.p, b.len);
    sb_free(&b);
    return rc;
}

/* stream_options.include_usage: the last event before [DONE], no choices and the token counts. */
static void send_usage(stream_job *j, const tolk_stats *st)
{
    sb_buf b = {0};
    chunk_head(j, &b);
    sb_printf(&b, ",\"choices\":[],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n",
              st->n_prompt, st->n_gen, st->n_prompt + st->n_gen);
    if (!b.oom)
        write_all(j, b.p, b.len);
    sb_free(&b);
}

static int on_text(const char *text, size_t len, void *user)
{
    return send_chunk(user, text, len, 0, NULL) ? 1 : 0;
}

/* The read end closed (client gone): poll reports an error on the write end. While the request
 * waits in the queue nothing else is written, so a keep-alive comment (": ...", which SSE clients
 * ignore) goes out every second: libmicrohttpd only notices a client that left when a send fails. */
static int job_gone(void *user)
{
    stream_job *j = user;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    static const char keepalive[] = ": waiting for a free slot\n\n";
    if (!j->failed && now.tv_sec - j->last.tv_sec >= 1)
        write_all(j, keepalive, sizeof keepalive - 1);
    struct pollfd p = {.fd = j->fd, .events = POLLOUT};
    if (!j->failed && poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
        j->failed = 1;
    return j->failed;
}

static void *worker(void *arg)
{
    stream_job *j = arg;
    if (j->chat)
        send_chunk(j, NULL, 0, 1, NULL);
    sv_stop stop;
    sv_stop_from(&stop, &j->smp);
    sv_gen g = {.text = j->prompt, .len = j->len, .n_predict = j->n_predict, .own_sampling = j->smp.own,
                .temp = j->smp.temp, .seed = j->smp.seed, .emit = on_text, .user = j, .gone = job_gone,
                .gone_user = j, .stop = &stop};
    sv_reply er = {0};
    if (!j->failed) {
        if (sv_generate(j->srv, &g, &er, API_OPENAI)) {
            const char *pre = "data: ";
            write_all(j, pre, strlen(pre));
            write_all(j, er.body.p ? er.body.p : "{}", er.body.len ? er.body.len : 2);
            write_all(j, "\n\n", 2);
        } else {
            send_chunk(j, NULL, 0, 0, !stop.hit && g.st.n_gen >= g.n_predict ? "length" : "stop");
            if (j->smp.include_usage)
                send_usage(j, &g.st);
        }
        const char *done = "data: [DONE]\n\n";
        write_all(j, done, strlen(done));
    }
    sb_free(&er.body);
    sb_free(&g.out);
    sv_stop_free(&stop);
    close(j->fd);
    sv_server *srv = j->srv;
    free(j->prompt);
    free(j);
    atomic_fetch_sub(&srv->workers, 1);
    return NULL;
}

int sv_stream_start(sv_server *srv, sv_reply *r, int chat, char *prompt, size_t len, int n_predict,
                    const sv_sampling *smp)
{
    int fds[2] = {-1, -1};
    stream_job *j = calloc(1, sizeof *j);
    if (!j || pipe2(fds, O_CLOEXEC)) {
        free(j);
        free(prompt);
        sv_error(r, API_OPENAI, 500, "cannot start the stream: %s", strerror(errno));
        return -1;
    }
    j->srv = srv;
    j->chat = chat;
    j->prompt = prompt;
    j->len = len;
    j->n_predict = n_predict;
    j->smp = *smp;
    j->fd = fds[1];
    fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) | O_NONBLOCK);
    j->created = (long long)time(NULL);
    snprintf(j->id, sizeof j->id, "%s%llx%08llx", chat ? "chatcmpl-" : "cmpl-", (unsigned long long)srv->started,
             (unsigned long long)atomic_fetch_add(&srv->next_id, 1));
    atomic_fetch_add(&srv->workers, 1);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, worker, j);
    pthread_attr_destroy(&attr);
    if (rc) {
        atomic_fetch_sub(&srv->workers, 1);
        close(fds[0]);
        close(fds[1]);
        free(prompt);
        free(j);
        sv_error(r, API_OPENAI, 500, "cannot start the stream: %s", strerror(rc));
        return -1;
    }
    r->status = 200;
    r->content_type = "text/event-stream; charset=utf-8";
    r->stream_fd = fds[0];
    return 0;
}
