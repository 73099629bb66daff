/* How every Check program runs its suite: one runner, Check's normal report, the failure count
 * back. FORK false runs the tests in this process (suites that keep a model or a database open
 * between tests); the cross-build stand-in (check_shim.h) always forks. */
#ifndef TOLK_SUITE_RUN_H
#define TOLK_SUITE_RUN_H

#include <stdbool.h>

static inline int suite_failures(Suite *s, bool fork)
{
    SRunner *sr = srunner_create(s);
#ifndef TOLK_CHECK_SHIM_H
    if (!fork)
        srunner_set_fork_status(sr, CK_NOFORK);
#else
    (void)fork;
#endif
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}

#endif
