/* Tests for runtime/gguf/prefetch.c: every byte of the requested ranges of a file mapping is walked
 * and ends up resident, adjacent and nested ranges are merged, nothing to walk starts nothing, a stop
 * in the middle of a long walk returns promptly and ends the walk there, and tolk_set_prefetch(0)
 * (what the CLI does for TOLK_PREFETCH=0) makes tolk_model_load start none. */
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "prefetch.h"
#include "suite_run.h"
#include "tolk.h"

static size_t page(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* A temporary file of n bytes mapped read-only (unlinked at once; the mapping keeps it). */
static void *map_temp(size_t n)
{
    char path[] = "/tmp/tolk-prefetch-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    char buf[65536];
    memset(buf, 0x5a, sizeof buf);
    for (size_t done = 0; done < n; done += sizeof buf)
        ck_assert(write(fd, buf, n - done < sizeof buf ? n - done : sizeof buf) > 0);
    void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    ck_assert(m != MAP_FAILED);
    return m;
}

static void wait_finished(prefetch *p)
{
    int fin = 0;
    for (int i = 0; i < 20000 && !fin; i++) {
        prefetch_done_bytes(p, &fin);
        if (!fin)
            usleep(500);
    }
    ck_assert_msg(fin, "the prefetch walk did not finish within 10 s");
}

START_TEST(walks_every_range)
{
    const size_t ps = page(), n = 64 * ps;
    char *m = map_temp(n);
    /* Unaligned, adjacent and nested ranges: the walk covers the page-rounded union. */
    prefetch_range r[] = {{m + 3 * ps + 17, 5 * ps}, {m + 8 * ps + 17, ps}, {m + 4 * ps, 10},
                          {m + 40 * ps, 8 * ps}};
    prefetch *p = prefetch_start(r, 4);
    ck_assert_ptr_nonnull(p);
    wait_finished(p);
    ck_assert_uint_eq(prefetch_done_bytes(p, NULL), 7 * ps + 8 * ps);
    prefetch_stop(p);
    unsigned char vec[64];
    ck_assert_int_eq(mincore(m, n, vec), 0);
    for (int i = 3; i < 10; i++)
        ck_assert_msg(vec[i] & 1, "page %d of a prefetched range is not resident", i);
    for (int i = 40; i < 48; i++)
        ck_assert_msg(vec[i] & 1, "page %d of a prefetched range is not resident", i);
    munmap(m, n);
}
END_TEST

START_TEST(disabled_or_empty)
{
    const size_t ps = page();
    char *m = map_temp(4 * ps);
    prefetch_range r = {m, 4 * ps};
    ck_assert_ptr_null(prefetch_start(&r, 0));
    prefetch_range empty = {m, 0};
    ck_assert_ptr_null(prefetch_start(&empty, 1));
    prefetch_stop(NULL);
    int fin = 0;
    ck_assert_uint_eq(prefetch_done_bytes(NULL, &fin), 0);
    ck_assert_int_eq(fin, 1);
    ck_assert(!strcmp(prefetch_method(), "io_uring") || !strcmp(prefetch_method(), "madvise"));
    munmap(m, 4 * ps);
}
END_TEST

/* A sparse temporary file of n bytes mapped read-only (unlinked at once): nothing of it is in
 * memory until something faults it in, so mincore shows how far a walk got. */
static void *map_sparse(size_t n)
{
    char path[] = "/tmp/tolk-prefetch-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(ftruncate(fd, (off_t)n), 0);
    void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    ck_assert(m != MAP_FAILED);
    return m;
}

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* A stop that lands while the walk is under way (it has warmed a chunk and not finished) returns
 * promptly and leaves the rest of the range untouched. When the walk wins the race (it finished
 * before this thread could stop it: a long preemption), the range grows and it is tried again. */
START_TEST(stop_lands_mid_walk)
{
    const size_t ps = page();
    size_t n = (size_t)512 << 20;
    for (int attempt = 0;; attempt++) {
        ck_assert_msg(attempt < 3, "the walk finished every time before it could be stopped");
        char *m = map_sparse(n);
        prefetch_range r = {m, n};
        prefetch *p = prefetch_start(&r, 1);
        ck_assert_ptr_nonnull(p);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int fin = 0;
        uint64_t done = 0;
        while (!(done = prefetch_done_bytes(p, &fin)) && !fin) {
            ck_assert_msg(since(&t0) < 10.0, "the walk warmed nothing in 10 s");
            sched_yield();
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        prefetch_stop(p);
        const double s = since(&t0);
        if (fin) {
            munmap(m, n);
            n *= 4;
            continue;
        }
        ck_assert_msg(s < 5.0, "stopping took %.2f s", s);
        ck_assert_uint_lt(done, n);
        const size_t pages = n / ps;
        unsigned char *vec = malloc(pages);
        ck_assert_ptr_nonnull(vec);
        ck_assert_int_eq(mincore(m, n, vec), 0);
        size_t resident = 0;
        for (size_t i = 0; i < pages; i++)
            resident += vec[i] & 1;
        ck_assert_msg(resident > 0 && resident < pages,
                      "%zu of %zu pages resident after a stop %llu bytes into the walk", resident, pages,
                      (unsigned long long)done);
        free(vec);
        munmap(m, n);
        return;
    }
}
END_TEST

START_TEST(api_switch)
{
    /* A small generated model (the library reads no TOLK_PREFETCH: the program decides). */
    char dir[256], path[300], cmd[1024];
    const char *b = getenv("TOLK_BUILDDIR"), *td = getenv("TOLK_TESTDATA");
    snprintf(dir, sizeof dir, "%s/tolk-prefetch-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/tiny.gguf", dir);
    snprintf(cmd, sizeof cmd, "%s/bench/gen_model --arch llama --preset tiny --type Q8_0 --seed 5 "
             "--vocab %s/tokenizer/llama-spm.gguf -o %s", b ? b : ".", td ? td : "../shared/testdata", path);
    ck_assert_int_eq(system(cmd), 0);
    tolk_error err = {0};
    tolk_model *m = NULL;
    tolk_set_prefetch(0);
    ck_assert_msg(!tolk_model_load(path, &m, &err), "%s", err.msg);
    ck_assert(!m->prefetch_asked);
    ck_assert_ptr_null(m->prefetch);
    tolk_model_free(m);
    tolk_set_prefetch(1);
    ck_assert_msg(!tolk_model_load(path, &m, &err), "%s", err.msg);
    ck_assert(m->prefetch_asked);
    ck_assert_ptr_nonnull(m->prefetch);
    tolk_model_free(m);
    remove(path);
    remove(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prefetch");
    TCase *tc = tcase_create("prefetch");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, walks_every_range);
    tcase_add_test(tc, disabled_or_empty);
    tcase_add_test(tc, stop_lands_mid_walk);
    tcase_add_test(tc, api_switch);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
