/* The weight prefetcher (see prefetch.h). Each range is cut into page-aligned chunks; each chunk is
 * populated with MADV_POPULATE_READ (read from disk if needed and mapped, so later accesses take
 * no fault at all), or MADV_WILLNEED on kernels before 5.14. With io_uring several chunks are in
 * flight at once, which keeps a cold disk busy; the walk thread runs at low priority so it never
 * competes with the compute threads for long. */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "prefetch.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

enum { CHUNK = 2 << 20, DEPTH = 8 };

struct prefetch {
    pthread_t thread;
    prefetch_range *ranges;
    size_t n;
    atomic_int stop;
    atomic_int finished;
    _Atomic uint64_t done;
};

static uintptr_t page_mask(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return (uintptr_t)(ps > 0 ? ps : 4096) - 1;
}

/* One chunk through plain madvise; falls back to WILLNEED once POPULATE_READ is refused. */
static void advise_chunk(void *addr, size_t len, int *advice)
{
    if (madvise(addr, len, *advice) != 0 && *advice == MADV_POPULATE_READ && errno == EINVAL) {
        *advice = MADV_WILLNEED;
        madvise(addr, len, *advice);
    }
}

static void walk_madvise(prefetch *p, size_t ri, uintptr_t off)
{
    int advice = MADV_POPULATE_READ;
    for (; ri < p->n && !atomic_load(&p->stop); ri++, off = 0) {
        const uintptr_t end = (uintptr_t)p->ranges[ri].addr + p->ranges[ri].len;
        for (uintptr_t a = (uintptr_t)p->ranges[ri].addr + off; a < end && !atomic_load(&p->stop); a += CHUNK) {
            const size_t len = end - a < CHUNK ? end - a : CHUNK;
            advise_chunk((void *)a, len, &advice);
            atomic_fetch_add(&p->done, len);
        }
    }
}

#ifdef HAVE_LIBURING
/* Returns 0 when the whole walk went through io_uring; otherwise how far it got is left in
 * *ri / *off so the madvise walk can take over. */
static int walk_uring(prefetch *p, size_t *ri, uintptr_t *off)
{
    struct io_uring ring;
    if (io_uring_queue_init(DEPTH, &ring, 0) != 0)
        return -1;
    int advice = MADV_POPULATE_READ, inflight = 0, failed = 0;
    size_t r = 0;
    uintptr_t a = p->n ? (uintptr_t)p->ranges[0].addr : 0;
    while (!failed) {
        while (inflight < DEPTH && r < p->n && !atomic_load(&p->stop)) {
            const uintptr_t end = (uintptr_t)p->ranges[r].addr + p->ranges[r].len;
            struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
            if (!sqe)
                break;
            const size_t len = end - a < CHUNK ? end - a : CHUNK;
            io_uring_prep_madvise(sqe, (void *)a, len, advice);
            io_uring_sqe_set_data64(sqe, len);
            inflight++;
            a += len;
            if (a >= end && ++r < p->n)
                a = (uintptr_t)p->ranges[r].addr;
        }
        if (!inflight)
            break;
        if (io_uring_submit_and_wait(&ring, 1) < 0) {
            failed = 1;
            break;
        }
        struct io_uring_cqe *cqe;
        while (inflight && io_uring_peek_cqe(&ring, &cqe) == 0) {
            if (cqe->res == -EINVAL && advice == MADV_POPULATE_READ)
                advice = MADV_WILLNEED; /* old kernel: later chunks only start readahead */
            else if (cqe->res < 0 && cqe->res != -EINVAL)
                failed = 1;
            atomic_fetch_add(&p->done, io_uring_cqe_get_data64(cqe));
            io_uring_cqe_seen(&ring, cqe);
            inflight--;
        }
    }
    while (inflight > 0) { /* drain before the ring goes away */
        struct io_uring_cqe *cqe;
        if (io_uring_wait_cqe(&ring, &cqe) != 0)
            break;
        io_uring_cqe_seen(&ring, cqe);
        inflight--;
    }
    io_uring_queue_exit(&ring);
    *ri = r;
    *off = r < p->n ? a - (uintptr_t)p->ranges[r].addr : 0;
    return failed ? -1 : 0;
}
#endif

static void *walk(void *arg)
{
    prefetch *p = arg;
    /* Linux nice values are per thread: this one yields to the compute threads. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    size_t ri = 0;
    uintptr_t off = 0;
#ifdef HAVE_LIBURING
    if (walk_uring(p, &ri, &off) == 0) {
        atomic_store(&p->finished, 1);
        return NULL;
    }
#endif
    walk_madvise(p, ri, off);
    atomic_store(&p->finished, 1);
    return NULL;
}

prefetch *prefetch_start(const prefetch_range *ranges, size_t n)
{
    if (n == 0)
        return NULL;
    prefetch *p = calloc(1, sizeof *p);
    if (!p || !(p->ranges = malloc(sizeof *p->ranges * n))) {
        free(p);
        return NULL;
    }
    /* Page-align every range and merge it into the previous one when they touch or overlap. */
    const uintptr_t pm = page_mask();
    for (size_t i = 0; i < n; i++) {
        if (!ranges[i].len)
            continue;
        const uintptr_t lo = (uintptr_t)ranges[i].addr & ~pm;
        const uintptr_t hi = ((uintptr_t)ranges[i].addr + ranges[i].len + pm) & ~pm;
        prefetch_range *last = p->n ? &p->ranges[p->n - 1] : NULL;
        const uintptr_t last_lo = last ? (uintptr_t)last->addr : 0, last_hi = last_lo + (last ? last->len : 0);
        if (last && lo >= last_lo && lo <= last_hi)
            last->len = (hi > last_hi ? hi : last_hi) - last_lo;
        else
            p->ranges[p->n++] = (prefetch_range){(const void *)lo, hi - lo};
    }
    if (!p->n || pthread_create(&p->thread, NULL, walk, p) != 0) {
        free(p->ranges);
        free(p);
        return NULL;
    }
    return p;
}

void prefetch_stop(prefetch *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, 1);
    pthread_join(p->thread, NULL);
    free(p->ranges);
    free(p);
}

uint64_t prefetch_done_bytes(prefetch *p, int *finished)
{
    if (finished)
        *finished = p ? atomic_load(&p->finished) : 1;
    return p ? atomic_load(&p->done) : 0;
}

const char *prefetch_method(void)
{
#ifdef HAVE_LIBURING
    struct io_uring ring;
    if (io_uring_queue_init(1, &ring, 0) == 0) {
        io_uring_queue_exit(&ring);
        return "io_uring";
    }
#endif
    return "madvise";
}
