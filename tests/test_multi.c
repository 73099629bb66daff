/* Batched generation through the public API (tolk_multi_*, runtime/api/multi.c) on the default
 * model: jobs started at different times, or all at once, and stepped together give, in exact
 * mode, the very text a session gives each alone (completions and translations); in the default mode they all finish
 * with their own text; cancelling, an emit function asking to stop, every slot busy and a prompt
 * longer than the context behave as documented. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skip.h"
#include "suite_run.h"
#include "test_isa.h"
#include "tolk.h"

static char model_path[4096];
static tolk_model *model;

typedef struct text {
    char buf[8192];
    size_t n;
    int stop_after; /* > 0: ask to stop after this many pieces */
    int pieces;
} text;

static int collect(const char *s, size_t len, void *user)
{
    text *t = user;
    ck_assert(t->n + len < sizeof t->buf);
    memcpy(t->buf + t->n, s, len);
    t->n += len;
    t->buf[t->n] = '\0';
    t->pieces++;
    return t->stop_after > 0 && t->pieces >= t->stop_after;
}

static void params(tolk_params *p)
{
    tolk_params_default(p);
    p->temp = 0.0f;
    p->n_threads = 2;
    p->n_ctx = 256;
}

typedef struct job_case {
    const char *from, *to, *text;
    int n_predict;
} job_case;

static const job_case jobs[] = {
    {NULL, NULL, "The capital of France is", 24},
    {"en", "de", "The weather is nice today, so we will walk to the lake.", 40},
    {NULL, NULL, "<start_of_turn>user\nName three colours.<end_of_turn>\n<start_of_turn>model\n", 20},
    {"en", "fr", "I like apples.", 16},
};
#define NJ (int)(sizeof jobs / sizeof jobs[0])

/* What a session gives job J alone. */
static void alone(int j, text *out)
{
    tolk_params p;
    params(&p);
    tolk_session *s;
    tolk_error err = {0};
    ck_assert_msg(tolk_session_new(model, &p, &s, &err) == TOLK_OK, "%s", err.msg);
    memset(out, 0, sizeof *out);
    const job_case *c = &jobs[j];
    int rc = c->to ? tolk_translate(s, c->from, c->to, c->text, strlen(c->text), c->n_predict, collect, out, NULL, &err)
                   : tolk_complete(s, c->text, strlen(c->text), c->n_predict, collect, out, NULL, &err);
    ck_assert_msg(rc == TOLK_OK, "%s", err.msg);
    tolk_session_free(s);
}

static tolk_job make_job(int j, text *out)
{
    const job_case *c = &jobs[j];
    return (tolk_job){.from = c->from, .to = c->to, .text = c->text, .len = strlen(c->text), .n_predict = c->n_predict,
                      .emit = collect, .user = out};
}

/* Starts job 0, steps three times, starts the others (one per step; AT_ONCE: every job before a
 * prompts-only pass, tolk_multi_prefill, so their prompts share it), steps to the end. */
static void together(unsigned flags, int at_once, text *out, tolk_stats *st)
{
    tolk_params p;
    params(&p);
    tolk_multi *mu;
    tolk_error err = {0};
    ck_assert_msg(tolk_multi_new(model, &p, NJ, 0, flags, &mu, &err) == TOLK_OK, "%s", err.msg);
    int slot[NJ];
    memset(out, 0, sizeof *out * NJ);
    for (int j = 0; j < NJ; j++) {
        tolk_job job = make_job(j, &out[j]);
        ck_assert_msg(tolk_multi_start(mu, &job, &slot[j], &err) == TOLK_OK, "%s", err.msg);
        for (int k = 0; !at_once && k < (j ? 1 : 3); k++)
            ck_assert_int_ge(tolk_multi_step(mu, &err), 0);
    }
    if (at_once) {
        /* the four prompts in one prompts-only pass (they fit a chunk), then none left waiting */
        ck_assert_int_gt(tolk_multi_prefill(mu, 512, &err), 0);
        ck_assert_int_eq(tolk_multi_prefill(mu, 512, &err), 0);
    }
    int steps = 0;
    while (tolk_multi_running(mu) > 0) {
        ck_assert_int_ge(tolk_multi_step(mu, &err), 0);
        ck_assert_int_lt(++steps, 1000);
    }
    for (int j = 0; j < NJ; j++) {
        int rc = -1;
        ck_assert(tolk_multi_done(mu, slot[j], &rc, &st[j], &err));
        ck_assert_msg(rc == TOLK_OK, "job %d: %s", j, err.msg);
        tolk_multi_release(mu, slot[j]);
    }
    tolk_multi_free(mu);
}

START_TEST(exact_equals_alone)
{
    text ref[NJ], got[NJ], burst[NJ];
    tolk_stats st[NJ], st_burst[NJ];
    together(TOLK_MULTI_EXACT, 0, got, st);
    together(TOLK_MULTI_EXACT, 1, burst, st_burst); /* the four prompts prefilled in one pass */
    for (int j = 0; j < NJ; j++) {
        alone(j, &ref[j]);
        printf("test_multi: job %d: %d tokens: %s\n", j, st[j].n_gen, got[j].buf);
        ck_assert_msg(ref[j].n > 0, "job %d: no text alone", j);
        ck_assert_msg(!strcmp(ref[j].buf, got[j].buf), "job %d together: \"%s\", alone: \"%s\"", j, got[j].buf,
                      ref[j].buf);
        ck_assert_msg(!strcmp(ref[j].buf, burst[j].buf), "job %d started with the others: \"%s\", alone: \"%s\"", j,
                      burst[j].buf, ref[j].buf);
        ck_assert_int_gt(st[j].n_prompt, 0);
        ck_assert_int_eq(st_burst[j].n_prompt, st[j].n_prompt);
        ck_assert_int_le(st[j].n_gen, jobs[j].n_predict);
    }
}
END_TEST

START_TEST(default_mode_finishes_every_job)
{
    text got[NJ];
    tolk_stats st[NJ];
    together(0, 0, got, st);
    for (int j = 0; j < NJ; j++) {
        ck_assert_msg(got[j].n > 0 && st[j].n_gen > 0, "job %d: no text", j);
        ck_assert_int_le(st[j].n_gen, jobs[j].n_predict);
        ck_assert(!st[j].cancelled);
    }
    /* the completion of a plain fact is the same with the batched kernels */
    text ref;
    alone(0, &ref);
    ck_assert_msg(!strncmp(ref.buf, got[0].buf, 10), "\"%s\" vs \"%s\"", got[0].buf, ref.buf);
}
END_TEST

START_TEST(cancel_stop_full_and_too_long)
{
    tolk_params p;
    params(&p);
    p.n_ctx = 32;
    tolk_multi *mu;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_multi_new(model, &p, 2, 0, TOLK_MULTI_EXACT, &mu, &err), TOLK_OK);
    text a = {0}, b = {.stop_after = 2};
    tolk_job ja = make_job(0, &a), jb = make_job(0, &b);
    ja.n_predict = jb.n_predict = 20;
    int sa, sb, sc;
    ck_assert_int_eq(tolk_multi_start(mu, &ja, &sa, &err), TOLK_OK);
    ck_assert_int_eq(tolk_multi_start(mu, &jb, &sb, &err), TOLK_OK);
    ck_assert_int_eq(tolk_multi_start(mu, &ja, &sc, &err), TOLK_E_STATE); /* both slots busy */
    ck_assert_int_eq(sc, -1);
    ck_assert_int_ge(tolk_multi_step(mu, &err), 0);
    ck_assert_int_ge(tolk_multi_step(mu, &err), 0);
    tolk_multi_cancel(mu, sa);
    for (int k = 0; k < 40 && tolk_multi_running(mu); k++)
        ck_assert_int_ge(tolk_multi_step(mu, &err), 0);
    ck_assert_int_eq(tolk_multi_running(mu), 0);
    tolk_stats st;
    int rc;
    ck_assert(tolk_multi_done(mu, sa, &rc, &st, &err));
    ck_assert(st.cancelled && rc == TOLK_OK && st.n_gen < 20);
    ck_assert(tolk_multi_done(mu, sb, &rc, &st, &err));
    ck_assert_int_eq(b.pieces, 2); /* stopped when asked */
    ck_assert(!st.cancelled);
    tolk_multi_release(mu, sa);
    tolk_multi_release(mu, sb);
    /* a prompt the 32-position context cannot hold, and a freed slot taken again */
    static char longer[4096];
    for (size_t i = 0; i + 6 < sizeof longer; i += 6)
        memcpy(longer + i, "hello ", 6);
    tolk_job jl = {.text = longer, .len = strlen(longer), .n_predict = 4, .emit = collect, .user = &a};
    ck_assert_int_eq(tolk_multi_start(mu, &jl, &sc, &err), TOLK_E_STATE);
    ck_assert_msg(strstr(err.msg, "context holds 32"), "%s", err.msg);
    tolk_job bad = make_job(1, &a);
    bad.to = "xx-nowhere";
    ck_assert_int_ne(tolk_multi_start(mu, &bad, &sc, &err), TOLK_OK);
    ck_assert_int_eq(tolk_multi_start(mu, &ja, &sc, &err), TOLK_OK);
    tolk_multi_free(mu); /* with a job still running */
}
END_TEST

int main(void)
{
    test_isa_from_env();
    const char *missing = need_default_model(model_path, sizeof model_path);
    tolk_error err = {0};
    if (!missing && tolk_model_load(model_path, &model, &err)) {
        printf("FAIL: %s\n", err.msg);
        return 1;
    }
    Suite *s = suite_create("multi");
    TCase *tc = tcase_create("default_model");
    tcase_set_timeout(tc, 1800);
    tcase_set_tags(tc, "slow"); /* minutes on the scalar kernels: .ci/run's sanitizer runs leave it out */
    add_test_or_skip(tc, exact_equals_alone, missing);
    add_test_or_skip(tc, default_mode_finishes_every_job, missing);
    suite_add_tcase(s, tc);
    TCase *quick = tcase_create("slots"); /* a few steps: runs under the sanitizers too */
    tcase_set_timeout(quick, 900);
    add_test_or_skip(quick, cancel_stop_full_and_too_long, missing);
    suite_add_tcase(s, quick);
    int failed = suite_failures(s, false);
    tolk_model_free(model);
    return skip_exit(failed);
}
