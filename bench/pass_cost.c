/* What a speculative verification pass costs against a plain decode step (docs/TM.md): after a
 * context of DEPTH random tokens, passes of 1..N_MAX tokens run as speculative.c's verify runs
 * them (fwd_set_rowwise, every position's logits, a greedy pick per row), then are rolled back.
 * The sizes take turns within each of ROUNDS rounds and every round times a one-token step right
 * before each pass, so a machine whose speed drifts shifts both; the report is, per size, the
 * median over the rounds of (pass CPU time / the neighbouring one-token step's), with the median
 * one-token step in milliseconds. Process CPU time, so run it with one thread.
 *   bench/pass_cost MODEL [N_MAX=25] [ROUNDS=7] [DEPTH=64] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forward.h"
#include "model.h"
#include "sampler.h"

#define MAXN 32

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One pass of N tokens at the cache's end, as verify() runs it; returns its CPU seconds. */
static double pass(fwd_ctx *c, sampler *smp, const int32_t *tok, int64_t n, int64_t pos0, volatile int32_t *sink,
                   tolk_error *err)
{
    const double t0 = cpu_s();
    fwd_set_rowwise(c, n);
    int rc = fwd_eval(c, tok, n, 0, err);
    fwd_set_rowwise(c, 0);
    for (int64_t i = 0; !rc && i < n; i++)
        *sink += sampler_sample(smp, fwd_logits(c, i));
    const double t = cpu_s() - t0;
    if (rc || fwd_rollback(c, pos0, err))
        return -1.0;
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [N_MAX=25] [ROUNDS=7] [DEPTH=64]\n", argv[0]);
        return 2;
    }
    const int n_max = argc > 2 ? atoi(argv[2]) : 25, rounds = argc > 3 ? atoi(argv[3]) : 7;
    const int64_t depth = argc > 4 ? atoll(argv[4]) : 64;
    if (n_max < 1 || n_max > MAXN || rounds < 1 || rounds > 99 || depth < 1 || depth > 4000) {
        fprintf(stderr, "pass_cost: need 1 <= N_MAX <= %d, 1 <= ROUNDS <= 99, 1 <= DEPTH <= 4000\n", MAXN);
        return 2;
    }
    tolk_model *m;
    fwd_ctx *c;
    sampler *smp;
    tolk_error err = {0};
    const sampler_params sp = {.temp = 0.0f, .top_p = 1.0f, .repeat_penalty = 1.0f};
    if (model_open(argv[1], &m, &err) ||
        fwd_create(m, &(fwd_params){.n_ctx = depth + MAXN + 8, .n_logits = MAXN, .n_threads = 1}, &c, &err) ||
        sampler_create(&sp, m->hp.n_vocab, &smp, &err)) {
        fprintf(stderr, "pass_cost: %s\n", err.msg);
        return 1;
    }
    int32_t *tok = malloc(sizeof *tok * (size_t)(depth + MAXN));
    if (!tok)
        return 1;
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int64_t i = 0; i < depth + MAXN; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        tok[i] = (int32_t)(s % (uint64_t)m->hp.n_vocab);
    }
    if (fwd_eval(c, tok, depth, depth - 1, &err)) {
        fprintf(stderr, "pass_cost: %s\n", err.msg);
        return 1;
    }
    static double ratio[MAXN + 1][99], one[99 * MAXN];
    int n_one = 0;
    volatile int32_t sink = 0;
    for (int n = 1; n <= n_max; n++) /* warm-up */
        if (pass(c, smp, tok + depth, n, depth, &sink, &err) < 0)
            goto fail;
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < n_max; k++) {
            /* odd rounds walk the sizes downwards */
            const int n = r % 2 ? n_max - k : k + 1;
            const double t1 = pass(c, smp, tok + depth, 1, depth, &sink, &err);
            const double tn = pass(c, smp, tok + depth, n, depth, &sink, &err);
            if (t1 <= 0.0 || tn < 0.0)
                goto fail;
            one[n_one++] = t1;
            ratio[n][r] = tn / t1;
        }
    printf("one-token step: median %.2f CPU-ms over %d (one thread, context %lld)\n", 1e3 * median(one, n_one), n_one,
           (long long)depth);
    printf("tokens  pass / one-token step (median of %d rounds)\n", rounds);
    for (int n = 1; n <= n_max; n++)
        printf("%6d  %.2f\n", n, median(ratio[n], rounds));
    free(tok);
    sampler_free(smp);
    fwd_free(c);
    model_close(m);
    return 0;
fail:
    fprintf(stderr, "pass_cost: %s\n", err.msg);
    return 1;
}
