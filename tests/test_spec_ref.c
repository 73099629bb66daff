/* Reference drafting (runtime/speculative/spec_ref.c) on hand-made token sequences: drafts follow
 * the reference while the output does; after a word split into other tokens the output re-joins
 * the reference on text (where the old token-suffix lookup found nothing); a common word far ahead
 * or a stretch that starts inside a word is no anchor; a short anchor or a one-token substitution
 * is guessed (once) without a draft, and once the output's next token confirms it the draft is
 * long; byte-level BPE space marks count as word breaks. */
#include <check.h>
#include <string.h>

#include "spec_ref.h"
#include "suite_run.h"

/* A made-up vocabulary: token id i is PIECES[i]. */
static const char *const pieces[] = {
    "\xe2\x96\x81mit", "gel", "iefer", "ten", "\xe2\x96\x81Kabel", "\xe2\x96\x81voll", "st\xc3\xa4ndig",
    "\xe2\x96\x81" "auf", ".", "\xe2\x96\x81USB", "-", "K", "abel",                                /* 0-12 */
    "\xe2\x96\x81" "das", "\xe2\x96\x81" "Blatt", "\xe2\x96\x81vorsichtig", "\xe2\x96\x81gl", "att", /* 13-17 */
    "\xe2\x96\x81zwei", "\xe2\x96\x81Sekunden", "\xe2\x96\x81lang", ",", "\xe2\x96\x81" "drei",     /* 18-22 */
    "\xe2\x96\x81Um", "\xe2\x96\x81Ger\xc3\xa4t", "\xe2\x96\x81Ihrem", "\xe2\x96\x81Telefon",       /* 23-26 */
    "\xe2\x96\x81zu", "\xe2\x96\x81koppeln", "\xe2\x96\x81" "die", "\xe2\x96\x81" "Einstellungen",  /* 27-30 */
    "\xc4\xa0mit", "\xc4\xa0Kabel", "\xc4\xa0voll", "\xc4\xa0USB",                                 /* 31-34 */
    "\xe2\x96\x81Tast", "atur",                                                                     /* 35-36 */
};

static const char *piece(const void *user, int32_t id, size_t *len)
{
    (void)user;
    *len = strlen(pieces[id]);
    return pieces[id];
}

#define PROMPT 3 /* history tokens before the output (never looked at) */

typedef struct run {
    ref_drafter rd;
    int32_t hist[64];
    size_t n;
    int32_t d[32];
} run;

static void start(run *r, const int32_t *ref, size_t n_ref)
{
    memset(r, 0, sizeof *r);
    ck_assert_int_eq(ref_set(&r->rd, ref, n_ref), 0);
    r->n = PROMPT; /* hist[0..PROMPT) stay 0: ids of "\xe2\x96\x81mit", never compared */
    ref_restart(&r->rd, PROMPT);
}

static void out(run *r, const int32_t *toks, size_t n)
{
    memcpy(r->hist + r->n, toks, sizeof *toks * n);
    r->n += n;
}

static int propose(run *r, int kmax)
{
    return ref_propose(&r->rd, r->hist, r->n, kmax, piece, NULL, r->d);
}

static void expect(const run *r, int nd, const int32_t *want, int n_want)
{
    ck_assert_int_eq(nd, n_want);
    for (int i = 0; i < n_want; i++)
        ck_assert_int_eq(r->d[i], want[i]);
}

START_TEST(follows_the_reference)
{
    const int32_t ref[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    run r;
    start(&r, ref, 9);
    out(&r, (int32_t[]){0}, 1);
    expect(&r, propose(&r, 3), (int32_t[]){1, 2, 3}, 3);
    ck_assert(ref_holding(&r.rd));
    out(&r, (int32_t[]){1, 2, 3, 4}, 4); /* three drafts accepted and the next token */
    expect(&r, propose(&r, 16), (int32_t[]){5, 6, 7, 8}, 4);
    out(&r, (int32_t[]){5, 6, 7, 8}, 4);
    ref_walk(&r.rd, r.hist, r.n);
    ck_assert(!ref_holding(&r.rd));
    ck_assert_int_eq(propose(&r, 16), 0); /* the reference is spent */
    ref_free(&r.rd);
}
END_TEST

/* "mitgelieferten USB-Kabel": the output's "K"+"abel" re-joins the reference's "\xe2\x96\x81Kabel" (no
 * token of the output's end is in the reference). "Kabel" is a short anchor: nothing is drafted
 * until the output's next token confirms it, then the rest comes as one long draft. */
START_TEST(rejoins_across_another_split)
{
    const int32_t ref[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    run r;
    start(&r, ref, 9);
    out(&r, (int32_t[]){0, 1, 2, 3, 9}, 5); /* "USB" where "Kabel" was drafted */
    out(&r, (int32_t[]){10, 11, 12}, 3);
    ck_assert_int_eq(propose(&r, 16), 0);
    ck_assert(!ref_holding(&r.rd));
    out(&r, (int32_t[]){5}, 1); /* a plain step's "voll" confirms the anchor */
    expect(&r, propose(&r, 16), (int32_t[]){6, 7, 8}, 3);
    ck_assert(ref_holding(&r.rd));
    ref_free(&r.rd);
}
END_TEST

/* The same with byte-level BPE pieces (U+0120 marks the space). */
START_TEST(rejoins_with_byte_level_marks)
{
    const int32_t ref[] = {31, 32, 33, 7};
    run r;
    start(&r, ref, 4);
    out(&r, (int32_t[]){31, 34, 10, 11, 12}, 5);
    ck_assert_int_eq(propose(&r, 16), 0); /* a short anchor: confirmed by the next token */
    out(&r, (int32_t[]){33}, 1);
    expect(&r, propose(&r, 16), (int32_t[]){7}, 1);
    ref_free(&r.rd);
}
END_TEST

/* "glatt" shares "latt" with "Blatt" but starts inside a word: no anchor there. */
START_TEST(no_anchor_inside_a_word)
{
    const int32_t ref[] = {13, 14, 15, 8};
    run r;
    start(&r, ref, 4);
    out(&r, (int32_t[]){13, 16, 17}, 3);
    ck_assert_int_eq(propose(&r, 16), 0);
    ref_free(&r.rd);
}
END_TEST

/* "drei" for "zwei": guessed as a substitution without a draft (the plain step's token checks
 * it); once the guess holds, the draft is long. */
START_TEST(guesses_a_substitution)
{
    const int32_t ref[] = {18, 19, 20, 21, 0, 1, 2, 3, 4, 8};
    run r;
    start(&r, ref, 10);
    out(&r, (int32_t[]){22}, 1);
    ck_assert_int_eq(propose(&r, 16), 0);
    ck_assert(!ref_holding(&r.rd));
    out(&r, (int32_t[]){19}, 1); /* "Sekunden": the guess holds */
    expect(&r, propose(&r, 16), (int32_t[]){20, 21, 0, 1, 2, 3, 4, 8}, 8);
    ck_assert(ref_holding(&r.rd));
    ref_free(&r.rd);
}
END_TEST

/* A failed guess is not followed by another one, and nothing is drafted meanwhile. */
START_TEST(guesses_once)
{
    const int32_t ref[] = {18, 19, 20, 21, 8};
    run r;
    start(&r, ref, 5);
    out(&r, (int32_t[]){22}, 1);
    ck_assert_int_eq(propose(&r, 16), 0);
    out(&r, (int32_t[]){35}, 1); /* not "Sekunden" */
    ck_assert_int_eq(propose(&r, 16), 0);
    ck_assert(!r.rd.aligned);
    out(&r, (int32_t[]){36}, 1);
    ck_assert_int_eq(propose(&r, 16), 0);
    ck_assert(!r.rd.aligned);
    ref_free(&r.rd);
}
END_TEST

/* "Um die" for "Um das Gerät mit Ihrem Telefon zu koppeln, ... die Einstellungen": the one-word
 * anchor "die" lies far ahead, so it is no anchor (the old lookup drafted "Einstellungen" from
 * there); the substitution guess waits at "Gerät", and "Gerät" confirms it. */
START_TEST(no_far_weak_anchor)
{
    const int32_t ref[] = {23, 13, 24, 0, 25, 26, 27, 28, 21, 29, 30, 8};
    run r;
    start(&r, ref, 12);
    out(&r, (int32_t[]){23, 29}, 2);
    ck_assert_int_eq(propose(&r, 16), 0);
    out(&r, (int32_t[]){24}, 1);
    expect(&r, propose(&r, 4), (int32_t[]){0, 25, 26, 27}, 4);
    ref_free(&r.rd);
}
END_TEST

/* A predicted departure (ref_set_risk) ends the draft REF_RISK_SLACK tokens past it, where that
 * leaves out REF_RISK_CUT tokens or more; once the output has parted near it, later drafts are
 * long again. */
START_TEST(stops_at_a_predicted_departure)
{
    int32_t ref[20];
    for (int i = 0; i < 20; i++)
        ref[i] = i % 13;
    run r;
    start(&r, ref, 20);
    ref_set_risk(&r.rd, (const float[]){0.4f}, 1); /* reference index 8 */
    out(&r, ref, 1);
    /* drafts from index 1: kept up to index 8 + 3 = 11 (exclusive), 10 drafts of 19 */
    ck_assert_int_eq(propose(&r, 24), 8 - 1 + REF_RISK_SLACK);
    /* all accepted and one more: from index 12 the risk lies behind the draft, which is whole */
    out(&r, ref + 1, 11);
    ck_assert_int_eq(propose(&r, 24), 8);
    ref_free(&r.rd);

    /* too little left out: no cut (index 15 + 3 leaves 2 of 19 drafts) */
    start(&r, ref, 20);
    ref_set_risk(&r.rd, (const float[]){0.75f}, 1);
    out(&r, ref, 1);
    ck_assert_int_eq(propose(&r, 24), 19);
    ref_free(&r.rd);

    /* the output parts at index 6: the departure predicted at 8 came true (it lay within
     * REF_RISK_SLACK), the one at 16 still waits */
    start(&r, ref, 20);
    ref_set_risk(&r.rd, (const float[]){0.4f, 0.8f}, 2);
    out(&r, ref, 1);
    ck_assert_int_eq(propose(&r, 24), 10);
    out(&r, ref + 1, 5);
    ref_walk(&r.rd, r.hist, r.n);
    out(&r, (int32_t[]){13}, 1); /* "das" for ref[6] */
    ref_walk(&r.rd, r.hist, r.n);
    ck_assert(!ref_holding(&r.rd));
    ck_assert_int_eq(r.rd.risk_next, 1);
    ck_assert_int_eq((int)r.rd.risk[1], 16);
    ref_free(&r.rd);
}
END_TEST

START_TEST(bounds)
{
    run r;
    start(&r, NULL, 0);
    out(&r, (int32_t[]){0}, 1);
    ck_assert_int_eq(propose(&r, 16), 0);
    ck_assert(!ref_holding(&r.rd));
    const int32_t ref[] = {0, 1, 2};
    start(&r, ref, 3);
    out(&r, (int32_t[]){0}, 1);
    ck_assert_int_eq(propose(&r, 0), 0);
    expect(&r, propose(&r, 1), (int32_t[]){1}, 1);
    ref_free(&r.rd);
    ref_free(&r.rd); /* twice is harmless */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spec_ref");
    TCase *tc = tcase_create("reference drafting");
    tcase_add_test(tc, follows_the_reference);
    tcase_add_test(tc, rejoins_across_another_split);
    tcase_add_test(tc, rejoins_with_byte_level_marks);
    tcase_add_test(tc, no_anchor_inside_a_word);
    tcase_add_test(tc, guesses_a_substitution);
    tcase_add_test(tc, guesses_once);
    tcase_add_test(tc, no_far_weak_anchor);
    tcase_add_test(tc, stops_at_a_predicted_departure);
    tcase_add_test(tc, bounds);
    suite_add_tcase(s, tc);
    const int failed = suite_failures(s, true);
    return failed ? 1 : 0;
}
