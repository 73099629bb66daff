/* Tests for runtime/base/threads.c: default thread count is sane, --cpu-mask parsing accepts hex masks
 * and rejects garbage or masks with no usable CPU, NUMA policies parse, placing a thread pins it and
 * unplacing gives its affinity back; and two sessions with different thread counts and CPUs, used
 * in turns, each run their own settings without changing anything process-wide. */
#include <check.h>
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"
#include "suite_run.h"
#include "test_isa.h"
#include "threads.h"

START_TEST(default_count_is_physical_cores)
{
    int n = threads_default_count();
    ck_assert_int_ge(n, 1);
    ck_assert_int_le(n, (int)sysconf(_SC_NPROCESSORS_ONLN));
}
END_TEST

START_TEST(cpu_mask_parses)
{
    threads_plan p;
    tolk_error err = {0};
    ck_assert_int_eq(threads_plan_make(&p, 0, "0x1", THREADS_NUMA_NONE, &err), 0);
    ck_assert_int_eq(p.n_cpus, 1);
    ck_assert_int_eq(p.cpus[0], 0);
    ck_assert_int_eq(p.n_threads, 1);
    ck_assert_int_eq(threads_plan_make(&p, 3, "1", THREADS_NUMA_NONE, &err), 0);
    ck_assert_int_eq(p.n_threads, 3);
    ck_assert_int_ne(threads_plan_make(&p, 0, "0xZZ", THREADS_NUMA_NONE, &err), 0);
    ck_assert(strstr(err.msg, "not a hex mask") != NULL);
    ck_assert_int_ne(threads_plan_make(&p, 0, "0x0", THREADS_NUMA_NONE, &err), 0);
    ck_assert(strstr(err.msg, "selects no CPU") != NULL);
    ck_assert_int_ne(threads_plan_make(&p, 0, "", THREADS_NUMA_NONE, &err), 0);
    ck_assert_int_ne(threads_plan_make(&p, -4, NULL, THREADS_NUMA_NONE, &err), 0);
}
END_TEST

START_TEST(numa_policies)
{
    ck_assert_int_eq(threads_numa_parse("distribute"), THREADS_NUMA_DISTRIBUTE);
    ck_assert_int_eq(threads_numa_parse("isolate"), THREADS_NUMA_ISOLATE);
    ck_assert_int_eq(threads_numa_parse("none"), THREADS_NUMA_NONE);
    ck_assert_int_eq(threads_numa_parse("numactl-ish"), -1);
    threads_plan p;
    tolk_error err = {0};
    for (int numa = THREADS_NUMA_NONE; numa <= THREADS_NUMA_ISOLATE; numa++) {
        ck_assert_int_eq(threads_plan_make(&p, 0, NULL, numa, &err), 0);
        ck_assert_int_ge(p.n_threads, 1);
        ck_assert_int_ge(p.n_cpus, 1);
        /* every core appears once */
        for (int i = 0; i < p.n_cpus; i++)
            for (int j = i + 1; j < p.n_cpus; j++)
                ck_assert_int_ne(p.cpus[i], p.cpus[j]);
    }
    ck_assert_int_ne(threads_plan_make(&p, 0, NULL, 17, &err), 0);
}
END_TEST

/* The first two CPUs this process may use; returns how many were found (0..2). */
static int usable_cpus(int cpu[2])
{
    cpu_set_t set;
    ck_assert_int_eq(sched_getaffinity(0, sizeof set, &set), 0);
    int n = 0;
    for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
        if (CPU_ISSET(c, &set))
            cpu[n++] = c;
    return n;
}

static cpu_set_t my_affinity(void)
{
    cpu_set_t set;
    ck_assert_int_eq(pthread_getaffinity_np(pthread_self(), sizeof set, &set), 0);
    return set;
}

START_TEST(place_and_unplace)
{
    int cpu[2];
    const int n = usable_cpus(cpu);
    const cpu_set_t before = my_affinity();
    threads_place(cpu, n, 1); /* thread 1 of a team: the second CPU (or the first of one) */
    cpu_set_t now = my_affinity();
    ck_assert_int_eq(CPU_COUNT(&now), 1);
    ck_assert(CPU_ISSET(cpu[1 % n], &now));
    threads_place(cpu, n, 0);
    now = my_affinity();
    ck_assert_int_eq(CPU_COUNT(&now), 1);
    ck_assert(CPU_ISSET(cpu[0], &now));
    threads_unplace();
    now = my_affinity();
    ck_assert(CPU_EQUAL(&now, &before));
    threads_place(cpu, n, 0);
    threads_place(NULL, 0, 0); /* an unpinned plan gives the thread back too */
    now = my_affinity();
    ck_assert(CPU_EQUAL(&now, &before));
    threads_unplace(); /* no-op */
}
END_TEST

/* ---- two sessions in turns ---------------------------------------------------------------------- */

/* What one session's regions must look like, and what the probe saw. */
typedef struct expect {
    int team;          /* threads per region */
    int cpu[2], n_cpu; /* thread i on cpu[i % n_cpu]; 0: not checked */
    atomic_int regions, bad_team, bad_cpu;
} expect;

static void probe(void *user, int thread, int team)
{
    expect *e = user;
    if (thread == 0)
        atomic_fetch_add(&e->regions, 1);
    if (team != e->team)
        atomic_fetch_add(&e->bad_team, 1);
    if (e->n_cpu) {
        cpu_set_t set;
        if (pthread_getaffinity_np(pthread_self(), sizeof set, &set) != 0 || CPU_COUNT(&set) != 1 ||
            !CPU_ISSET(e->cpu[thread % e->n_cpu], &set))
            atomic_fetch_add(&e->bad_cpu, 1);
    }
}

static void hex_mask(const int *cpu, int n, char *out, size_t size)
{
    /* one hex digit per 4 CPUs, most significant first */
    int top = 0;
    for (int i = 0; i < n; i++)
        top = cpu[i] > top ? cpu[i] : top;
    size_t k = 0;
    out[k++] = '0';
    out[k++] = 'x';
    for (int d = top / 4; d >= 0 && k + 1 < size; d--) {
        int v = 0;
        for (int i = 0; i < n; i++)
            if (cpu[i] / 4 == d)
                v |= 1 << (cpu[i] % 4);
        out[k++] = "0123456789abcdef"[v];
    }
    out[k] = '\0';
}

static char model_dir[256], model_path[300];

static void make_model(void)
{
    const char *b = getenv("TOLK_BUILDDIR"), *td = getenv("TOLK_TESTDATA");
    snprintf(model_dir, sizeof model_dir, "%s/tolk-threads-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(model_dir));
    snprintf(model_path, sizeof model_path, "%s/tiny.gguf", model_dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s/bench/gen_model --arch llama --preset tiny --type Q8_0 --seed 5 --vocab %s/tokenizer/llama-spm.gguf "
             "-o %s", b ? b : ".", td ? td : "../shared/testdata", model_path);
    ck_assert_int_eq(system(cmd), 0);
}

static void remove_model(void)
{
    remove(model_path);
    remove(model_dir);
}

static tolk_session *session(tolk_model *m, int n_threads, const int *cpu, int n_cpu, expect *e)
{
    tolk_params p;
    tolk_params_default(&p);
    char mask[64];
    p.n_threads = n_threads;
    p.n_ctx = 64;
    p.temp = 0.0f;
    if (n_cpu) {
        hex_mask(cpu, n_cpu, mask, sizeof mask);
        p.cpu_mask = mask;
    }
    tolk_session *s = NULL;
    tolk_error err = {0};
    ck_assert_msg(!tolk_session_new(m, &p, &s, &err), "%s", err.msg);
    e->team = n_threads;
    e->n_cpu = n_cpu;
    for (int i = 0; i < n_cpu; i++)
        e->cpu[i] = cpu[i];
    fwd_set_probe(s->gen.fwd, probe, e);
    return s;
}

static void run_and_check(tolk_session *s, expect *e, const char *name, const cpu_set_t *caller)
{
    tolk_error err = {0};
    tolk_stats st;
    atomic_store(&e->regions, 0);
    ck_assert_msg(!tolk_complete(s, "Hello world", 11, 3, NULL, NULL, &st, &err), "%s", err.msg);
    ck_assert_int_gt(atomic_load(&e->regions), 0);
    ck_assert_msg(atomic_load(&e->bad_team) == 0, "session %s: %d threads saw a team other than %d", name,
                  atomic_load(&e->bad_team), e->team);
    ck_assert_msg(atomic_load(&e->bad_cpu) == 0, "session %s: %d threads ran outside their CPU", name,
                  atomic_load(&e->bad_cpu));
    const cpu_set_t now = my_affinity();
    ck_assert_msg(CPU_EQUAL(&now, caller), "session %s left the calling thread pinned", name);
}

START_TEST(sessions_keep_their_own_threads)
{
    int cpu[2];
    const int n = usable_cpus(cpu);
    const int icv = omp_get_max_threads();
    const cpu_set_t caller = my_affinity();
    make_model();
    tolk_model *m = NULL;
    tolk_error err = {0};
    ck_assert_msg(!tolk_model_load(model_path, &m, &err), "%s", err.msg);
    /* B: two threads on both CPUs, created first; A: one thread on the second CPU, created last (a
     * process-wide setting would now be A's). With one usable CPU only the counts are checked. */
    expect ea = {0}, eb = {0};
    const int cpu_a[1] = {cpu[n - 1]};
    tolk_session *b = session(m, 2, cpu, n == 2 ? 2 : 0, &eb);
    tolk_session *a = session(m, 1, cpu_a, n == 2 ? 1 : 0, &ea);
    ck_assert_int_eq(omp_get_max_threads(), icv);
    for (int round = 0; round < 3; round++) {
        run_and_check(b, &eb, "B", &caller);
        run_and_check(a, &ea, "A", &caller);
    }
    ck_assert_int_eq(omp_get_max_threads(), icv);
    tolk_session_free(a);
    tolk_session_free(b);
    tolk_model_free(m);
    remove_model();
}
END_TEST

int main(void)
{
    test_isa_from_env();
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, default_count_is_physical_cores);
    tcase_add_test(tc, cpu_mask_parses);
    tcase_add_test(tc, numa_policies);
    tcase_add_test(tc, place_and_unplace);
    suite_add_tcase(s, tc);
    TCase *tc_s = tcase_create("sessions");
    tcase_set_timeout(tc_s, 120);
    tcase_add_test(tc_s, sessions_keep_their_own_threads);
    suite_add_tcase(s, tc_s);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
