/* Tests for runtime/base/memavail.c: MemAvailable is read in kB, a memory cgroup's limit minus its
 * anonymous memory wins when smaller, "max" and cgroup v1's huge "no limit" number mean no limit,
 * anonymous memory above the limit leaves 0, unreadable input gives -1; on this machine the live
 * figure is positive and no larger than MemTotal; a KV cache larger than it is refused in one line. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memavail.h"
#include "suite_run.h"

static const char *meminfo = "MemTotal:       24000000 kB\n"
                             "MemFree:         1000000 kB\n"
                             "MemAvailable:   20000000 kB\n"
                             "Buffers:            1000 kB\n";

START_TEST(meminfo_alone)
{
    ck_assert_int_eq(mem_available_from(meminfo, NULL, NULL), 20000000ll * 1024);
    ck_assert_int_eq(mem_available_from("MemAvailableX: 5 kB\nMemAvailable: 7 kB\n", NULL, NULL), 7 * 1024);
    ck_assert_int_eq(mem_available_from("MemTotal: 5 kB\n", NULL, NULL), -1);
    ck_assert_int_eq(mem_available_from("MemAvailable: junk\n", NULL, NULL), -1);
    ck_assert_int_eq(mem_available_from(NULL, NULL, NULL), -1);
}
END_TEST

START_TEST(cgroup_limit_counts)
{
    /* 1 GiB limit with 100 MiB anonymous in use: 924 MiB left, less than MemAvailable */
    ck_assert_int_eq(mem_available_from(meminfo, "1073741824\n", "104857600"), (1024 - 100) << 20);
    /* no anonymous figure: the whole limit */
    ck_assert_int_eq(mem_available_from(meminfo, "1073741824\n", NULL), 1ll << 30);
    /* a limit above MemAvailable changes nothing */
    ck_assert_int_eq(mem_available_from(meminfo, "107374182400\n", "0"), 20000000ll * 1024);
    /* v2's "max" and v1's page-rounded LONG_MAX are no limit */
    ck_assert_int_eq(mem_available_from(meminfo, "max\n", "5"), 20000000ll * 1024);
    ck_assert_int_eq(mem_available_from(meminfo, "9223372036854771712\n", "5"), 20000000ll * 1024);
    /* anonymous memory at or past the limit: nothing left */
    ck_assert_int_eq(mem_available_from(meminfo, "1048576", "2097152"), 0);
    /* a cgroup limit without meminfo still answers */
    ck_assert_int_eq(mem_available_from(NULL, "1048576", "0"), 1048576);
    /* garbage limit: ignored */
    ck_assert_int_eq(mem_available_from(meminfo, "lots", "0"), 20000000ll * 1024);
}
END_TEST

START_TEST(live_figure_is_plausible)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return; /* not Linux: nothing to compare with (the function answers -1 there) */
    long long total_kb = 0;
    char line[256];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %lld kB", &total_kb) == 1)
            break;
    fclose(f);
    const int64_t avail = mem_available_bytes();
    ck_assert_int_gt(avail, 0);
    ck_assert_int_le(avail, total_kb * 1024);
}
END_TEST

START_TEST(kv_cache_too_large_is_refused)
{
    tolk_error err = {0};
    ck_assert_int_eq(mem_check_kv(1 << 20, 1, 64, &err), TOLK_OK);
    /* an exabyte fits nowhere; the refusal names the positions, the sizes and what to lower */
    ck_assert_int_eq(mem_check_kv((size_t)1 << 60, 1, 4096, &err), TOLK_E_NOMEM);
    ck_assert_ptr_nonnull(strstr(err.msg, "KV cache of 4096 positions needs"));
    ck_assert_ptr_nonnull(strstr(err.msg, "-c"));
    ck_assert_ptr_nonnull(strstr(err.msg, "--kv-type q8_0"));
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    ck_assert_int_eq(mem_check_kv((size_t)1 << 60, 8, 4096, &err), TOLK_E_NOMEM);
    ck_assert_ptr_nonnull(strstr(err.msg, "8 slots of 4096 positions"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("memavail");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, meminfo_alone);
    tcase_add_test(tc, cgroup_limit_counts);
    tcase_add_test(tc, live_figure_is_plausible);
    tcase_add_test(tc, kv_cache_too_large_is_refused);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
