/* Tests for runtime/decode/sampler.c: greedy is the argmax, every filter keeps what it should, the seed
 * makes draws reproducible, the draw follows the softmax, and the repetition penalty works on
 * the recent tokens only (greedy included, which skips the candidate copy). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampler.h"
#include "suite_run.h"

#define NV 50

static void logits_ramp(float *l)
{
    for (int i = 0; i < NV; i++)
        l[i] = (float)((i * 37) % NV) * 0.1f; /* a permutation: max 4.9 at id i with 37i%50 = 49 */
}

static int argmax(const float *l)
{
    int b = 0;
    for (int i = 1; i < NV; i++)
        if (l[i] > l[b])
            b = i;
    return b;
}

static sampler *make(sampler_params p)
{
    sampler *s;
    tolk_error err = {0};
    ck_assert_int_eq(sampler_create(&p, NV, &s, &err), TOLK_OK);
    return s;
}

START_TEST(greedy_is_argmax)
{
    float l[NV];
    logits_ramp(l);
    sampler_params p;
    sampler_default_params(&p);
    p.temp = 0.0f;
    sampler *s = make(p);
    ck_assert_int_eq(sampler_sample(s, l), argmax(l));
    l[3] = l[argmax(l)]; /* tie: lowest id wins */
    ck_assert_int_eq(sampler_sample(s, l), 3);
    sampler_free(s);
}
END_TEST

START_TEST(top_k_one_is_greedy)
{
    float l[NV];
    logits_ramp(l);
    sampler_params p = {.temp = 5.0f, .top_k = 1, .top_p = 1.0f, .repeat_penalty = 1.0f, .seed = 7};
    sampler *s = make(p);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(sampler_sample(s, l), argmax(l));
    sampler_free(s);
}
END_TEST

START_TEST(filters_keep_the_right_sets)
{
    float l[NV];
    for (int i = 0; i < NV; i++)
        l[i] = -10.0f;
    l[10] = 2.0f;
    l[20] = 2.0f - logf(2.0f); /* half as likely as 10 */
    l[30] = 2.0f - logf(100.0f);
    /* top-k 2 never yields 30; min-p 0.1 never yields 30 either; top-p 0.5 only 10. */
    sampler_params pk = {.temp = 1.0f, .top_k = 2, .top_p = 1.0f, .repeat_penalty = 1.0f, .seed = 1};
    sampler_params pm = {.temp = 1.0f, .min_p = 0.1f, .top_p = 1.0f, .repeat_penalty = 1.0f, .seed = 2};
    sampler_params pp = {.temp = 1.0f, .top_p = 0.5f, .repeat_penalty = 1.0f, .seed = 3};
    sampler *sk = make(pk), *sm = make(pm), *sp = make(pp);
    int seen20 = 0;
    for (int i = 0; i < 2000; i++) {
        int a = sampler_sample(sk, l), b = sampler_sample(sm, l), c = sampler_sample(sp, l);
        ck_assert(a == 10 || a == 20);
        ck_assert(b == 10 || b == 20);
        ck_assert_int_eq(c, 10);
        seen20 += a == 20;
    }
    /* p(20 | {10, 20}) = 1/3: 2000 draws land well inside 0.28..0.39. */
    ck_assert_msg(seen20 > 560 && seen20 < 780, "token 20 drawn %d times of 2000", seen20);
    sampler_free(sk);
    sampler_free(sm);
    sampler_free(sp);
}
END_TEST

START_TEST(seed_reproduces)
{
    float l[NV];
    for (int i = 0; i < NV; i++)
        l[i] = 0.0f; /* uniform: every draw depends on the generator only */
    sampler_params p = {.temp = 1.0f, .top_p = 1.0f, .repeat_penalty = 1.0f, .seed = 42};
    sampler *a = make(p), *b = make(p);
    p.seed = 43;
    sampler *c = make(p);
    int same_c = 0;
    int first[64];
    for (int i = 0; i < 64; i++) {
        first[i] = sampler_sample(a, l);
        ck_assert_int_eq(first[i], sampler_sample(b, l));
        same_c += first[i] == sampler_sample(c, l);
    }
    ck_assert_msg(same_c < 20, "seeds 42 and 43 agree on %d of 64 draws", same_c);
    sampler_reset(a, 42);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(first[i], sampler_sample(a, l));
    sampler_free(a);
    sampler_free(b);
    sampler_free(c);
}
END_TEST

START_TEST(repeat_penalty_recent_only)
{
    float l[NV];
    for (int i = 0; i < NV; i++)
        l[i] = 0.0f;
    l[5] = 3.0f;
    l[6] = 2.0f;
    sampler_params p = {.temp = 0.0f, .top_p = 1.0f, .repeat_penalty = 2.0f, .repeat_last_n = 2};
    sampler *s = make(p);
    ck_assert_int_eq(sampler_sample(s, l), 5);
    sampler_accept(s, 5); /* 3.0 / 2 = 1.5 < 2.0 */
    ck_assert_int_eq(sampler_sample(s, l), 6);
    sampler_accept(s, 1);
    sampler_accept(s, 2); /* 5 has left the 2-token window */
    ck_assert_int_eq(sampler_sample(s, l), 5);
    ck_assert_float_eq(l[5], 3.0f); /* the caller's logits are untouched */
    sampler_free(s);
}
END_TEST

/* One random penalised case: fills l with few distinct values (many ties, negatives), feeds the
 * sampler a random history (first and last ids often among it) and writes into c the logits with
 * llama.cpp's repetition penalty applied to the last p->repeat_last_n history tokens. */
static void penalised_case(sampler *s, const sampler_params *p, float *l, float *c)
{
    for (int i = 0; i < NV; i++)
        l[i] = (float)(rand() % 9 - 4) * 0.5f; /* few values: many ties */
    int32_t hist[80];
    const int nh = rand() % 80;
    for (int i = 0; i < nh; i++) {
        const int r = rand() % 10;
        hist[i] = r == 0 ? 0 : r == 1 ? NV - 1 : rand() % NV;
        sampler_accept(s, hist[i]);
    }
    for (int i = 0; i < NV; i++)
        c[i] = l[i];
    const int from = nh > p->repeat_last_n ? nh - p->repeat_last_n : 0;
    unsigned char seen[NV] = {0};
    for (int i = p->repeat_last_n > 0 ? from : nh; i < nh; i++)
        if (!seen[hist[i]] && p->repeat_penalty != 1.0f) {
            seen[hist[i]] = 1;
            c[hist[i]] = c[hist[i]] > 0.0f ? c[hist[i]] / p->repeat_penalty : c[hist[i]] * p->repeat_penalty;
        }
}

/* Greedy with a penalty equals the argmax (lowest id on ties) of a penalised copy of the logits,
 * on random rows with ties, negative logits, repeated history tokens, the first and last ids in
 * the history, penalties above and below 1 and windows shorter and longer than the history. */
START_TEST(greedy_penalty_matches_penalised_argmax)
{
    srand(11);
    const float pens[] = {1.0f, 1.3f, 0.7f};
    const int32_t windows[] = {0, 1, 5, 64};
    for (int trial = 0; trial < 400; trial++) {
        sampler_params p = {.temp = 0.0f, .top_p = 1.0f, .repeat_penalty = pens[trial % 3],
                            .repeat_last_n = windows[(trial / 3) % 4]};
        sampler *s = make(p);
        float l[NV], c[NV];
        penalised_case(s, &p, l, c);
        ck_assert_int_eq(sampler_sample(s, l), argmax(c));
        const sampler_prob *pr;
        ck_assert_int_eq(sampler_probs(s, l, &pr), 1);
        ck_assert_int_eq(pr[0].id, argmax(c));
        sampler_free(s);
    }
}
END_TEST

/* Top-k with the penalty and many ties: sampler_probs lists exactly the k best penalised logits,
 * best first, lower id first on equal logits (as sorting the whole vocabulary would). */
START_TEST(top_k_matches_sorted_penalised)
{
    srand(12);
    const float pens[] = {1.0f, 1.3f, 0.7f};
    const int32_t windows[] = {0, 1, 5, 64};
    const int64_t ks[] = {1, 2, 7, 40, NV - 1};
    for (int trial = 0; trial < 600; trial++) {
        const int64_t k = ks[trial % 5];
        sampler_params p = {.temp = 1.0f, .top_k = (int32_t)k, .top_p = 1.0f, .repeat_penalty = pens[trial % 3],
                            .repeat_last_n = windows[(trial / 3) % 4], .seed = 3};
        sampler *s = make(p);
        float l[NV], c[NV];
        penalised_case(s, &p, l, c);
        const sampler_prob *pr;
        ck_assert_int_eq(sampler_probs(s, l, &pr), k);
        unsigned char used[NV] = {0};
        for (int64_t r = 0; r < k; r++) { /* the r-th best remaining: largest, lowest id */
            int b = -1;
            for (int i = 0; i < NV; i++)
                if (!used[i] && (b < 0 || c[i] > c[b]))
                    b = i;
            used[b] = 1;
            ck_assert_int_eq(pr[r].id, b);
        }
        sampler_free(s);
    }
}
END_TEST

/* A wide vocabulary (many 16-logit blocks the scans skip whole, a ragged tail): greedy and top-k
 * find what a brute-force scan finds, on rows that rise (every block raises the bar), fall (none
 * after the first does), are random with ties, carry the best in the tail or hold NaNs (greedy only). */
#define WV 1013
START_TEST(wide_vocab_scans_match_brute_force)
{
    srand(13);
    static float l[WV];
    for (int trial = 0; trial < 200; trial++) {
        const int shape = trial % 5;
        for (int i = 0; i < WV; i++)
            l[i] = shape == 0 ? (float)i : shape == 1 ? (float)(WV - i) : (float)(rand() % 50) * 0.25f;
        if (shape == 3)
            l[WV - 1 - rand() % 5] = 100.0f;
        if (shape == 4)
            for (int i = 0; i < 20; i++)
                l[rand() % WV] = NAN;
        const int64_t k = 1 + rand() % 60;
        sampler *s;
        tolk_error err = {0};
        sampler_params p = {.temp = 0.0f, .top_p = 1.0f, .repeat_penalty = 1.0f, .seed = 5};
        ck_assert_int_eq(sampler_create(&p, WV, &s, &err), TOLK_OK);
        int b = 0;
        for (int i = 1; i < WV; i++)
            if (l[i] > l[b])
                b = i;
        ck_assert_int_eq(sampler_sample(s, l), b);
        sampler_free(s);
        if (shape == 4) /* NaNs: greedy only (top-k's ranking of NaN is not defined) */
            continue;
        p.temp = 1.0f;
        p.top_k = (int32_t)k;
        ck_assert_int_eq(sampler_create(&p, WV, &s, &err), TOLK_OK);
        const sampler_prob *pr;
        ck_assert_int_eq(sampler_probs(s, l, &pr), k);
        static unsigned char used[WV];
        memset(used, 0, sizeof used);
        for (int64_t r = 0; r < k; r++) { /* the r-th best remaining: largest, lowest id */
            int best = -1;
            for (int i = 0; i < WV; i++)
                if (!used[i] && (best < 0 || l[i] > l[best]))
                    best = i;
            used[best] = 1;
            ck_assert_int_eq(pr[r].id, best);
        }
        sampler_free(s);
    }
}
END_TEST

START_TEST(bad_params_refused)
{
    sampler *s;
    tolk_error err = {0};
    sampler_params p;
    sampler_default_params(&p);
    p.repeat_penalty = 0.0f;
    ck_assert_int_eq(sampler_create(&p, NV, &s, &err), TOLK_E_ARG);
    sampler_default_params(&p);
    ck_assert_int_eq(sampler_create(&p, 0, &s, &err), TOLK_E_ARG);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("sampler");
    TCase *tc = tcase_create("sampler");
    tcase_add_test(tc, greedy_is_argmax);
    tcase_add_test(tc, top_k_one_is_greedy);
    tcase_add_test(tc, filters_keep_the_right_sets);
    tcase_add_test(tc, seed_reproduces);
    tcase_add_test(tc, repeat_penalty_recent_only);
    tcase_add_test(tc, greedy_penalty_matches_penalised_argmax);
    tcase_add_test(tc, top_k_matches_sorted_penalised);
    tcase_add_test(tc, wide_vocab_scans_match_brute_force);
    tcase_add_test(tc, bad_params_refused);
    suite_add_tcase(su, tc);
    int failed = suite_failures(su, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
