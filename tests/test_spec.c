/* Speculative sampling keeps the target's distribution: over many seeds on a tiny random model, the
 * first generated tokens with --spec draft / ngram / self follow the same distribution as plain
 * sampling (two-sample chi-square homogeneity test at p = 0.001, seeds fixed so it is
 * deterministic), and the test has the power to see a wrong rule: "always accept the draft" would
 * emit the draft model's distribution, and even a sample with only a quarter of its outputs taken
 * from the draft must fail it. Plus the API's parameter checks. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "model.h"
#include "scratch_dir.h"
#include "session.h"
#include "skip.h"
#include "suite_run.h"
#include "tokenizer.h"
#include "tolk.h"
#include "test_isa.h"

#define N_RUNS 1000 /* samples per arm */
#define N_GEN 4     /* the category is the text of the first N_GEN tokens */
#define N_CTX 256   /* context of every session (ngram_prompt may need 150 tokens) */

static char dir[256], draft_path[300], target_path[300], gqa_path[300];

static void make_models(void)
{
    if (*dir)
        return;
    const char *b = getenv("TOLK_BUILDDIR"), *td = testdata_dir();
    ck_assert_int_eq(scratch_dir(dir, sizeof dir, "tolk-spec"), 0);
    snprintf(draft_path, sizeof draft_path, "%s/draft.gguf", dir);
    snprintf(target_path, sizeof target_path, "%s/target.gguf", dir);
    snprintf(gqa_path, sizeof gqa_path, "%s/gqa.gguf", dir);
    char cmd[2048];
    /* A 32k vocabulary keeps every run short; epsilon 0.3 makes the target differ enough from its
     * draft that many drafts are rejected and the residual draws are exercised. */
    snprintf(cmd, sizeof cmd,
             "%s/bench/gen_model --arch llama --preset tiny --type Q8_0 --seed 5 --vocab %s/tokenizer/llama-spm.gguf "
             "-o %s && %s/bench/gen_model --extend-from %s --extra-layers 1 --epsilon 0.3 --seed 6 -o %s",
             b ? b : ".", td, draft_path, b ? b : ".", draft_path, target_path);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "%s/bench/gen_model --arch llama --preset tiny --n-layer 3 --n-embd 512 --n-head 8 --n-head-kv 2 --head-dim 64 --type Q4_0 --seed 9 "
             "--vocab %s/tokenizer/llama-spm.gguf -o %s", b ? b : ".", td, gqa_path);
    ck_assert_int_eq(system(cmd), 0);
}

static void cleanup(void)
{
    if (!*dir)
        return;
    remove(draft_path);
    remove(target_path);
    remove(gqa_path);
    remove(dir);
}

typedef struct buf {
    char s[256];
    size_t n;
} buf;

static int collect(const char *text, size_t len, void *user)
{
    buf *b = user;
    if (b->n + len < sizeof b->s) {
        memcpy(b->s + b->n, text, len);
        b->n += len;
    }
    return 0;
}

/* Category counts for one arm, keyed by the generated text. */
typedef struct hist {
    char key[512][64];
    int count[2][512];
    int n;
} hist;

static void add(hist *h, int arm, const char *s, size_t n)
{
    char k[64];
    snprintf(k, sizeof k, "%.*s", (int)(n < 63 ? n : 63), s);
    int i = 0;
    while (i < h->n && strcmp(h->key[i], k))
        i++;
    if (i == h->n) {
        ck_assert_int_lt(h->n, 512);
        strcpy(h->key[h->n++], k);
    }
    h->count[arm][i]++;
}

/* The sampler every run uses: temperature 1 over the top N_CAND (= 3) tokens, nothing else. */
static void sampling_params(tolk_params *p)
{
    tolk_params_default(p);
    p->n_threads = 1;
    p->n_ctx = N_CTX;
    p->temp = 1.0f;
    p->top_k = 3;
    p->top_p = 1.0f;
    p->min_p = 0.0f;
    p->repeat_penalty = 1.0f; /* ngram_prompt reads the raw logits */
}

/* N_GEN tokens from session S after the text PROMPT, or the ids IDS when non-NULL, into B and ST. */
static void generate(tolk_session *s, const char *prompt, const tok_ids *ids, buf *b, tolk_stats *st)
{
    tolk_error err = {0};
    if (ids)
        ck_assert_msg(!session_generate(s, ids, N_GEN, -1, collect, b, st, &err), "%s", err.msg);
    else
        ck_assert_msg(!tolk_complete(s, prompt, strlen(prompt), N_GEN, collect, b, st, &err), "%s", err.msg);
}

/* N_RUNS samples from MODEL_PATH (with speculation SP when non-NULL) into arm ARM; when ALT_PATH
 * is given, every fourth sample comes from that model instead (plain sampling). The prompt is the
 * text PROMPT, or the token ids IDS when non-NULL. *accepted (when non-NULL) gets the accepted
 * drafts; the return value is the drafted tokens. */
static int sample_arm(const char *model_path, const tolk_spec_params *sp, const char *alt_path, const char *prompt,
                      const tok_ids *ids, hist *h, int arm, int *accepted)
{
    int drafted = 0, acc = 0;
    tolk_error err = {0};
    tolk_model *m = NULL, *alt = NULL;
    tolk_session *s = NULL;
    tolk_params p;
    sampling_params(&p);
    ck_assert_msg(!tolk_model_load(model_path, &m, &err), "%s", err.msg);
    if (alt_path)
        ck_assert_msg(!tolk_model_load(alt_path, &alt, &err), "%s", err.msg);
    for (int r = 0; r < N_RUNS; r++) {
        const int use_alt = alt && r % 4 == 0;
        /* A session per run: the seed is a session parameter. */
        p.seed = 1000003u * (uint64_t)r + (uint64_t)arm;
        ck_assert_msg(!tolk_session_new(use_alt ? alt : m, &p, &s, &err), "%s", err.msg);
        if (sp && !use_alt)
            ck_assert_msg(!tolk_session_set_spec(s, sp, &err), "%s", err.msg);
        buf b = {.n = 0};
        tolk_stats st;
        generate(s, prompt, ids, &b, &st);
        add(h, arm, b.s, b.n);
        drafted += st.n_drafted;
        acc += st.n_accepted;
        tolk_session_free(s);
        s = NULL;
    }
    tolk_model_free(m);
    tolk_model_free(alt);
    if (accepted)
        *accepted = acc;
    return drafted;
}

/* Two-sample chi-square statistic over categories pooled until each holds >= 10 samples (both
 * arms together); *df gets the degrees of freedom. */
static double chi2(const hist *h, int *df)
{
    double x = 0, a = 0, b = 0;
    int k = 0;
    for (int i = 0; i < h->n; i++) {
        a += h->count[0][i];
        b += h->count[1][i];
        if (a + b >= 10 || i == h->n - 1) {
            x += (a - b) * (a - b) / (a + b);
            a = b = 0;
            k++;
        }
    }
    *df = k - 1;
    return x;
}

/* Upper 0.001 quantile of chi-square with df degrees (Wilson-Hilferty, z = 3.090). */
static double crit(int df)
{
    const double d = df, z = 3.090;
    const double t = 1.0 - 2.0 / (9.0 * d) + z * sqrt(2.0 / (9.0 * d));
    return d * t * t * t;
}

static const char *const prompt = "one two three one two three one two";

/* The start of sampling_ngram's prompt (see ngram_prompt). */
static const char *const ngram_start = "the of and to in is it that was for on are with as his they be at one have this";

enum { N_CAND = 3, NGRAM_LOOKUP = 4 }; /* top_k; runtime/spec_draft.c's longest suffix looked up */
#define P_DRAFT 0.2 /* least probability of ngram_prompt's first drafts */

/* The N highest logits' tokens of ROW[0..nv), best first. */
static void top_n(const float *row, int64_t nv, int32_t *out, int n)
{
    for (int i = 0; i < n; i++) {
        int32_t best = -1;
        for (int32_t v = 0; v < nv; v++) {
            int taken = 0;
            for (int j = 0; j < i && !taken; j++)
                taken = out[j] == v;
            if (!taken && (best < 0 || row[v] > row[best]))
                best = v;
        }
        out[i] = best;
    }
}

/* The probability of token D under sample_arm's sampler (temperature 1, top-k N_CAND) for ROW. */
static double sample_prob(const float *row, int64_t nv, int32_t d)
{
    int32_t top[N_CAND];
    top_n(row, nv, top, N_CAND);
    double sum = 0.0, pd = 0.0;
    for (int i = 0; i < N_CAND; i++) {
        const double e = exp((double)row[top[i]] - (double)row[top[0]]);
        sum += e;
        pd += top[i] == d ? e : 0.0;
    }
    return pd / sum;
}

/* Where prompt lookup finds its first draft after H[0..n): the position after the most recent
 * earlier occurrence of the longest suffix (NGRAM_LOOKUP..1 tokens), or -1 (as spec_draft.c). */
static int64_t lookup(const int32_t *h, int64_t n)
{
    for (int64_t g = NGRAM_LOOKUP; g >= 1; g--)
        for (int64_t i = n - g - 1; g < n && i >= 0; i--)
            if (!memcmp(h + i, h + n - g, sizeof *h * (size_t)g))
                return i + g;
    return -1;
}

/* The prompt for sampling_ngram, built from the target's own predictions on this machine's kernel
 * path: its random weights sample differently on each, and a fixed text gave prompt lookup nothing
 * to draft on AVX2. Lookup drafts only when the newest token occurred before, and a draft is
 * accepted only as often as the target samples it. So every token the first step can sample (the
 * target's top_k after the prompt) must occur in the prompt, and the token lookup then drafts must
 * have a probability of at least P_DRAFT. A missing candidate is put in right after BOS, followed
 * by the target's greedy choice after it; an unlikely draft gets that choice put in before it.
 * Each change moves the predictions, so this repeats until both hold (some dozens of rounds);
 * then every run drafts in its first step, and at least P_DRAFT of those first drafts are
 * expected to be accepted. */
static void ngram_prompt(const char *path, tok_ids *out)
{
    tolk_error err = {0};
    tolk_model *m = NULL;
    ck_assert_msg(!tolk_model_load(path, &m, &err), "%s", err.msg);
    const tok_vocab *voc = m->vocab;
    ck_assert_msg(!tok_encode(voc, ngram_start, strlen(ngram_start),
                              TOK_PARSE_SPECIAL | (tok_wants_bos(voc) ? TOK_ADD_BOS : 0), out, &err), "%s", err.msg);
    const int bos = tok_wants_bos(voc) && out->n > 0 && out->ids[0] == tok_bos(voc);
    fwd_params fp = {.n_ctx = N_CTX, .n_threads = 1};
    fwd_ctx *c;
    ck_assert_msg(!fwd_create(m, &fp, &c, &err), "%s", err.msg);
    const int64_t nv = fwd_n_vocab(c);
    int32_t h[N_CTX];
    int round = 0, changed;
    do {
        ck_assert_msg(round < 400 && (int64_t)out->n + 2 * N_CAND < N_CTX - N_GEN - 8,
                      "ngram_prompt: after %d rounds (%zu tokens) the target's predictions still move", round, out->n);
        ck_assert(!fwd_rollback(c, 0, &err));
        ck_assert_msg(!fwd_eval(c, out->ids, (int64_t)out->n, (int64_t)out->n - 1, &err), "%s", err.msg);
        int32_t cand[N_CAND], add_ids[2 * N_CAND];
        top_n(fwd_logits(c, 0), nv, cand, N_CAND);
        const int64_t n0 = (int64_t)out->n;
        int n_add = 0;
        changed = 0;
        for (int i = 0; i < N_CAND && !changed; i++) {
            ck_assert_msg(cand[i] != tok_eos(voc) && cand[i] != tok_eot(voc),
                          "ngram_prompt: the target may end the text at once (token %d)", cand[i]);
            int32_t next;
            ck_assert(!fwd_eval(c, &cand[i], 1, 0, &err));
            top_n(fwd_logits(c, 0), nv, &next, 1);
            memcpy(h, out->ids, sizeof(int32_t) * (size_t)n0);
            h[n0] = cand[i];
            const int64_t at = lookup(h, n0 + 1);
            if (at < 0) { /* nothing to draft: put the candidate in */
                add_ids[n_add++] = cand[i];
                add_ids[n_add++] = next;
            } else if (sample_prob(fwd_logits(c, 0), nv, h[at]) < P_DRAFT) {
                ck_assert(!tok_ids_push(out, 0, &err)); /* put the target's choice in as the draft */
                memmove(out->ids + at + 1, out->ids + at, sizeof(int32_t) * (out->n - 1 - (size_t)at));
                out->ids[at] = next;
                changed = 1;
            }
            ck_assert(!fwd_rollback(c, n0, &err));
        }
        for (int i = 0; i < n_add; i++)
            ck_assert(!tok_ids_push(out, 0, &err));
        memmove(out->ids + bos + n_add, out->ids + bos, sizeof(int32_t) * (out->n - bos - n_add));
        memcpy(out->ids + bos, add_ids, sizeof(int32_t) * n_add);
        changed |= n_add > 0;
        round++;
    } while (changed);
    fprintf(stderr, "ngram prompt: %zu tokens after %d rounds\n", out->n, round);
    fwd_free(c);
    tolk_model_free(m);
}

/* Samples the target plainly and with SP (or with ALT mixed in) and compares the distributions.
 * The prompt is the text PROMPT, or the ids IDS when non-NULL. Returns the accepted drafts;
 * *n_drafted (when non-NULL) gets the drafted tokens. */
static int compare(const tolk_spec_params *sp, const char *alt, const char *prompt, const tok_ids *ids,
                   int min_drafted, int expect_same, const char *what, int *n_drafted)
{
    make_models();
    static hist h;
    memset(&h, 0, sizeof h);
    sample_arm(target_path, NULL, NULL, prompt, ids, &h, 0, NULL);
    int accepted;
    const int drafted = sample_arm(target_path, sp, alt, prompt, ids, &h, 1, &accepted);
    int df;
    const double x = chi2(&h, &df);
    ck_assert_int_ge(df, 3);
    fprintf(stderr, "%s: %d tokens drafted, %d accepted, chi2 = %.1f with %d df, 0.001 critical value %.1f\n", what,
            drafted, accepted, x, df, crit(df));
    /* Enough drafts that the accept/reject rule decided a share of the outputs. */
    ck_assert_int_ge(drafted, min_drafted);
    if (expect_same)
        ck_assert_msg(x < crit(df), "%s: distributions differ, chi2 %.1f > %.1f (%d df)", what, x, crit(df), df);
    else
        ck_assert_msg(x > crit(df), "%s: the test cannot tell the draft's distribution from the target's "
                      "(chi2 %.1f, %d df)", what, x, df);
    if (n_drafted)
        *n_drafted = drafted;
    return accepted;
}

START_TEST(sampling_draft)
{
    tolk_spec_params sp;
    tolk_spec_params_default(&sp);
    sp.mode = TOLK_SPEC_DRAFT;
    sp.draft_path = draft_path;
    sp.draft_max = 3;
    compare(&sp, NULL, prompt, NULL, N_RUNS, 1, "draft", NULL);
}
END_TEST

START_TEST(sampling_ngram)
{
    tolk_spec_params sp;
    tolk_spec_params_default(&sp);
    sp.mode = TOLK_SPEC_NGRAM;
    make_models();
    tok_ids ids = {0};
    ngram_prompt(target_path, &ids);
    /* Every run drafts in its first step, and each first draft is accepted with probability
     * >= P_DRAFT (ngram_prompt): both sides of the accept/reject rule decide a share of the
     * outputs (the bound is many standard deviations below the expected P_DRAFT * N_RUNS). */
    int drafted;
    const int accepted = compare(&sp, NULL, NULL, &ids, N_RUNS, 1, "ngram", &drafted);
    ck_assert_int_ge(accepted, P_DRAFT * N_RUNS / 2);
    ck_assert_int_ge(drafted - accepted, N_RUNS / 10);
    tok_ids_free(&ids);
}
END_TEST

START_TEST(sampling_self)
{
    tolk_spec_params sp;
    tolk_spec_params_default(&sp);
    sp.mode = TOLK_SPEC_SELF;
    sp.self_skip = "2"; /* the epsilon layer: a draft that is often right (it equals the draft model) */
    compare(&sp, NULL, prompt, NULL, N_RUNS, 1, "self", NULL);
}
END_TEST

/* Each speculative mode at temperature 1 over a few seeds, without the statistics: every run
 * drafts, accepts no more than it drafted, and writes at most N_GEN tokens. Cheap enough to run under
 * the sanitizers, which skip the "statistical" arms above (thousands of sessions). */
static void paths_run(const tolk_spec_params *sp, const char *text, const tok_ids *ids, const char *what)
{
    make_models();
    tolk_error err = {0};
    tolk_model *m = NULL;
    tolk_params p;
    sampling_params(&p);
    ck_assert_msg(!tolk_model_load(target_path, &m, &err), "%s", err.msg);
    int drafted = 0;
    for (int r = 0; r < 8; r++) {
        tolk_session *s = NULL;
        p.seed = 77u + (uint64_t)r;
        ck_assert_msg(!tolk_session_new(m, &p, &s, &err), "%s", err.msg);
        ck_assert_msg(!tolk_session_set_spec(s, sp, &err), "%s", err.msg);
        buf b = {.n = 0};
        tolk_stats st;
        generate(s, text, ids, &b, &st);
        ck_assert_int_le(st.n_gen, N_GEN); /* fewer only where the end marker was sampled */
        ck_assert_int_ge(st.n_accepted, 0);
        ck_assert_int_le(st.n_accepted, st.n_drafted);
        ck_assert(st.n_gen == 0 || b.n > 0);
        drafted += st.n_drafted;
        tolk_session_free(s);
    }
    ck_assert_msg(drafted > 0, "%s: nothing drafted in 8 runs", what);
    tolk_model_free(m);
}

START_TEST(sampling_paths)
{
    tolk_spec_params sp;
    tolk_spec_params_default(&sp);
    sp.mode = TOLK_SPEC_DRAFT;
    sp.draft_path = draft_path;
    sp.draft_max = 3;
    make_models();
    paths_run(&sp, prompt, NULL, "draft");
    tolk_spec_params_default(&sp);
    sp.mode = TOLK_SPEC_SELF;
    sp.self_skip = "2";
    paths_run(&sp, prompt, NULL, "self");
    tolk_spec_params_default(&sp);
    sp.mode = TOLK_SPEC_NGRAM;
    tok_ids ids = {0};
    ngram_prompt(target_path, &ids);
    paths_run(&sp, NULL, &ids, "ngram");
    tok_ids_free(&ids);
}
END_TEST

/* Power: a loop that always accepted the draft would emit the draft's distribution wherever it
 * drafted. A sample where only a quarter of the outputs come from the draft (the rest from the
 * target itself) must already fail the test. */
START_TEST(sampling_test_has_power)
{
    compare(NULL, draft_path, prompt, NULL, 0, 0, "target with 25% of samples from the draft", NULL);
}
END_TEST

/* The exactness greedy equivalence rests on: a verification batch (fwd_set_rowwise) gives the
 * logits of one-token decoding bit for bit, whatever the position and prompt chunking, while
 * prompts are prefilled with the batched kernels in both. */
START_TEST(verification_logits_exact)
{
    make_models();
    tolk_error err = {0};
    tolk_model *m = NULL;
    ck_assert_msg(!tolk_model_load(gqa_path, &m, &err), "%s", err.msg);
    fwd_params fp = {.n_ctx = 320, .n_logits = 8, .n_threads = 2};
    fwd_ctx *a, *b;
    ck_assert(!fwd_create(m, &fp, &a, &err));
    ck_assert(!fwd_create(m, &fp, &b, &err));
    int32_t toks[300];
    for (int i = 0; i < 300; i++)
        toks[i] = (int32_t)((i * 7919 + 13) % 30000 + 3);
    const int64_t nv = fwd_n_vocab(a);
    static const int prompts[] = {1, 3, 31, 64, 66, 70, 129, 130, 200};
    for (size_t pi = 0; pi < sizeof prompts / sizeof prompts[0]; pi++) {
        const int P = prompts[pi];
        ck_assert(!fwd_rollback(a, 0, &err) && !fwd_rollback(b, 0, &err));
        ck_assert(!fwd_eval(a, toks, P, P - 1, &err) && !fwd_eval(b, toks, P, P - 1, &err));
        for (int n = 2; n <= 8; n += 3) {
            /* Back to the prompt's end: the batch sizes share one prefill. */
            ck_assert(!fwd_rollback(a, P, &err) && !fwd_rollback(b, P, &err));
            fwd_set_rowwise(b, n);
            ck_assert(!fwd_eval(b, toks + P, n, 0, &err));
            fwd_set_rowwise(b, 0);
            for (int i = 0; i < n; i++) {
                ck_assert(!fwd_eval(a, toks + P + i, 1, 0, &err));
                ck_assert_msg(!memcmp(fwd_logits(a, 0), fwd_logits(b, i), sizeof(float) * (size_t)nv),
                              "prompt %d, batch %d: row %d differs from one-token decoding", P, n, i);
            }
        }
    }
    fwd_free(a);
    fwd_free(b);
    tolk_model_free(m);
}
END_TEST

START_TEST(api_rejects_bad_params)
{
    make_models();
    tolk_error err = {0};
    tolk_model *m = NULL;
    tolk_session *s = NULL;
    tolk_params p;
    tolk_params_default(&p);
    p.n_threads = 1;
    ck_assert(!tolk_model_load(target_path, &m, &err));
    ck_assert(!tolk_session_new(m, &p, &s, &err));
    tolk_spec_params sp;
    tolk_spec_params_default(&sp);
    sp.mode = TOLK_SPEC_NGRAM;
    sp.draft_max = -1;
    ck_assert_int_eq(tolk_session_set_spec(s, &sp, &err), TOLK_E_ARG);
    sp.draft_max = 33;
    ck_assert_int_eq(tolk_session_set_spec(s, &sp, &err), TOLK_E_ARG);
    ck_assert_ptr_nonnull(strstr(err.msg, "draft-max"));
    sp.draft_max = 2;
    sp.draft_min = 3;
    ck_assert_int_eq(tolk_session_set_spec(s, &sp, &err), TOLK_E_ARG);
    sp.draft_min = 0;
    sp.draft_p_min = NAN;
    ck_assert_int_eq(tolk_session_set_spec(s, &sp, &err), TOLK_E_ARG);
    sp.draft_p_min = 0;
    sp.mode = 9;
    ck_assert_int_eq(tolk_session_set_spec(s, &sp, &err), TOLK_E_ARG);
    sp.mode = TOLK_SPEC_DRAFT;
    ck_assert_int_eq(tolk_session_set_spec(s, &sp, &err), TOLK_E_ARG);
    sp.mode = TOLK_SPEC_SELF;
    sp.self_skip = "0-2"; /* the target has 3 layers */
    ck_assert_int_eq(tolk_session_set_spec(s, &sp, &err), TOLK_E_ARG);
    sp.self_skip = "2,,";
    ck_assert_int_eq(tolk_session_set_spec(s, &sp, &err), TOLK_E_ARG);
    /* A failed call leaves the session decoding as before. */
    buf b = {.n = 0};
    ck_assert(!tolk_complete(s, prompt, strlen(prompt), 2, collect, &b, NULL, &err));
    tolk_session_free(s);
    tolk_model_free(m);
}
END_TEST

int main(void)
{
    test_isa_from_env();
    const char *no_td = need_testdata(); /* every model here takes its vocabulary from there */
    if (no_td) {
        skip_data("spec", "%s", no_td);
        return skip_exit(0);
    }
    Suite *su = suite_create("spec");
    TCase *te = tcase_create("exact");
    tcase_set_timeout(te, 600);
    tcase_add_test(te, verification_logits_exact);
    tcase_add_test(te, api_rejects_bad_params);
    suite_add_tcase(su, te);
    TCase *tp = tcase_create("sampling_paths");
    tcase_set_timeout(tp, 600);
    tcase_add_test(tp, sampling_paths);
    suite_add_tcase(su, tp);
    /* Thousands of sessions: .ci/run leaves these out under the sanitizers (CK_EXCLUDE_TAGS). */
    TCase *tc = tcase_create("sampling");
    tcase_set_tags(tc, "statistical");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, sampling_test_has_power);
    tcase_add_test(tc, sampling_draft);
    tcase_add_test(tc, sampling_ngram);
    tcase_add_test(tc, sampling_self);
    suite_add_tcase(su, tc);
    int nf = suite_failures(su, false);
    cleanup();
    return nf ? 1 : 0;
}
