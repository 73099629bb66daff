/* Tests for runtime/base/threads.c: default thread count is sane, --cpu-mask parsing accepts hex masks
 * and rejects garbage or masks with no usable CPU, NUMA policies parse, and a plan applies. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
        ck_assert_int_eq(threads_apply(&p, &err), 0);
    }
    ck_assert_int_ne(threads_plan_make(&p, 0, NULL, 17, &err), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, default_count_is_physical_cores);
    tcase_add_test(tc, cpu_mask_parses);
    tcase_add_test(tc, numa_policies);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
