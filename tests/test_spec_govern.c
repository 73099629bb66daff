/* The speculation governor (runtime/speculative/spec_govern.c) on made-up step timings: it measures
 * both kinds of step first, keeps drafting while drafting is faster (with a plain step now and then
 * to keep the comparison fresh, rarer while drafting clearly wins), pauses when plain steps are
 * faster, probes with growing waits (doubling up to SPEC_GOV_DOUBLING_MAX, longer for probes that
 * lose a lot, never beyond SPEC_GOV_MAX_WAIT), resumes when a probe wins,
 * and with always_draft drafts every step. */
#include <check.h>

#include "spec_govern.h"
#include "suite_run.h"

/* Runs N steps where a drafting step gives SPEC_TOKENS tokens in SPEC_S seconds and a plain step
 * one token in PLAIN_S seconds; returns how many of them drafted. */
static int run(spec_governor *g, int n, int spec_tokens, double spec_s, double plain_s)
{
    int drafted = 0;
    for (int i = 0; i < n; i++) {
        const int d = spec_gov_want_draft(g);
        drafted += d;
        spec_gov_record(g, d, d ? spec_tokens : 1, d ? spec_s : plain_s);
    }
    return drafted;
}

START_TEST(measures_both_first)
{
    spec_governor g;
    spec_gov_init(&g, 0);
    ck_assert(spec_gov_want_draft(&g));
    spec_gov_record(&g, 1, 3, 0.03);
    ck_assert(!spec_gov_want_draft(&g)); /* now a plain step for the comparison */
    spec_gov_record(&g, 0, 1, 0.02);
    ck_assert(spec_gov_want_draft(&g)); /* 100 tok/s drafting against 50 plain */
}
END_TEST

START_TEST(keeps_drafting_while_it_wins)
{
    spec_governor g;
    spec_gov_init(&g, 0);
    /* 2 tokens per 24 ms step against 1 per 20 ms: a small win, plain refresh every 16 steps. */
    int d = run(&g, 1000, 2, 0.024, 0.020);
    ck_assert_int_ge(d, 1000 * 15 / 17);
    ck_assert_int_lt(d, 1000);
    ck_assert(!g.paused);
    /* A clear win (3.5x): the refresh becomes rarer. */
    spec_gov_init(&g, 0);
    d = run(&g, 1000, 4, 0.023, 0.020);
    ck_assert_int_ge(d, 1000 * 63 / 65);
}
END_TEST

START_TEST(pauses_and_backs_off_when_it_loses)
{
    spec_governor g;
    spec_gov_init(&g, 0);
    /* Every draft rejected: 1 token per 26 ms step against 1 per 20 ms. */
    const int d = run(&g, 1000, 1, 0.026, 0.020);
    ck_assert(g.paused);
    ck_assert_int_eq(g.wait, SPEC_GOV_DOUBLING_MAX);
    /* Probes only: 4 + 8 + 16 + 32 + 64 + ... steps apart, so few drafting steps in 1000 (a
     * probe that loses 30% waits by doubling: its cost, 0.3 / 0.02 = 15 steps, is below). */
    ck_assert_int_le(d, 25);
    ck_assert_int_ge(d, 1000 / SPEC_GOV_DOUBLING_MAX);
    ck_assert_int_gt(g.n_paused_steps, 900);
}
END_TEST

START_TEST(expensive_losing_probes_wait_longer)
{
    spec_governor g;
    spec_gov_init(&g, 0);
    /* A draft model dearer than the target and never right: 1 token per 66 ms step against 1 per
     * 20 ms. Each probe loses 2.3 plain steps, so probes come (3.3 - 1) / 0.02 = 115 steps apart:
     * the probes' loss stays near 2% of the plain time. */
    const int d = run(&g, 2000, 1, 0.066, 0.020);
    ck_assert(g.paused);
    ck_assert_int_ge(g.wait, 100);
    ck_assert_int_le(g.wait, SPEC_GOV_MAX_WAIT);
    ck_assert_int_le(d, 2000 / 100 + 2);
    /* and an extreme one is capped */
    spec_gov_init(&g, 0);
    run(&g, 3000, 1, 1.0, 0.010);
    ck_assert_int_eq(g.wait, SPEC_GOV_MAX_WAIT);
}
END_TEST

START_TEST(resumes_when_a_probe_wins)
{
    spec_governor g;
    spec_gov_init(&g, 0);
    run(&g, 200, 1, 0.026, 0.020);
    ck_assert(g.paused);
    /* The text turns repetitive: drafts now give 4 tokens per 26 ms. */
    const int d = run(&g, 2 * SPEC_GOV_MAX_WAIT + 200, 4, 0.026, 0.020);
    ck_assert(!g.paused);
    ck_assert_int_ge(d, 150);
}
END_TEST

START_TEST(always_drafts_when_asked)
{
    spec_governor g;
    spec_gov_init(&g, 1);
    ck_assert_int_eq(run(&g, 500, 1, 0.05, 0.020), 500);
    ck_assert(!g.paused);
}
END_TEST

START_TEST(ignores_empty_measurements)
{
    spec_governor g;
    spec_gov_init(&g, 0);
    spec_gov_record(&g, 1, 0, 0.01); /* nothing produced */
    spec_gov_record(&g, 1, 2, 0.0);  /* a clock that did not move */
    ck_assert(g.rate_spec == 0.0);
    ck_assert(spec_gov_want_draft(&g));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spec_govern");
    TCase *tc = tcase_create("governor");
    tcase_add_test(tc, measures_both_first);
    tcase_add_test(tc, keeps_drafting_while_it_wins);
    tcase_add_test(tc, pauses_and_backs_off_when_it_loses);
    tcase_add_test(tc, expensive_losing_probes_wait_longer);
    tcase_add_test(tc, resumes_when_a_probe_wins);
    tcase_add_test(tc, always_drafts_when_asked);
    tcase_add_test(tc, ignores_empty_measurements);
    suite_add_tcase(s, tc);
    const int failed = suite_failures(s, true);
    return failed ? 1 : 0;
}
