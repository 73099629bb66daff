/* tolk_bench: llama-bench-style measurements through the real forward pass. pp = one batched
 * prompt of random tokens, tg = tokens generated one forward pass at a time, both after n_depth
 * tokens already in the cache (0: from an empty cache; -d of llama-bench), ttft = prompt plus the
 * first sampling. Reports GB/s from the bytes each decode step must read. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "error.h"
#include "membw.h"
#include "session.h"
#include "speculative.h"
#include "tokenizer.h"

static void mean_sd(const double *x, int n, double *mean, double *sd)
{
    double m = 0, v = 0;
    for (int i = 0; i < n; i++)
        m += x[i];
    m /= n;
    for (int i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(v / (n - 1)) : 0.0;
}

/* Bytes one decode step at position pos reads: every weight matrix once (the lookup tables
 * token_embd, unless it is the tied output matrix, and gemma4's per-layer token embeddings: one
 * row), the routed experts' share of MoE stacks, plus the keys and values the attention visits. */
static double bytes_per_step(const tolk_model *m, int64_t pos)
{
    const model_hparams *hp = &m->hp;
    double bytes = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(m->file); i++) {
        const gguf_tensor *t = gguf_tensor_at(m->file, i);
        if ((t == m->w.token_embd && m->w.output != m->w.token_embd) || t == m->w.pl_tok_embd)
            bytes += (double)t->row_bytes; /* lookup tables: one row per token */
        else if (hp->n_expert > 0 && t->ne[2] == hp->n_expert) /* MoE stacks: the routed experts only */
            bytes += (double)t->nbytes * (double)hp->n_expert_used / (double)hp->n_expert;
        else
            bytes += (double)t->nbytes;
    }
    double kv_elem = 2.0; /* F16 cache; Q8_0 is 34/32 bytes */
    for (int64_t il = 0; il < hp->n_layer; il++) {
        int64_t n_keys = pos + 1;
        if (hp->layer[il].swa && hp->n_swa > 0 && n_keys > hp->n_swa)
            n_keys = hp->n_swa;
        bytes += (double)n_keys * (double)hp->n_head_kv * (double)(hp->head_dim + hp->head_dim_v) * kv_elem;
    }
    return bytes;
}

int tolk_bench(tolk_model *m, const tolk_params *p, int n_prompt, int n_gen, int reps, tolk_bench_result *r,
               tolk_error *err)
{
    return tolk_bench_depth(m, p, n_prompt, n_gen, 0, reps, r, err);
}

/* The context depth: filled once, untimed (the same random tokens as the prompt's start). */
static int fill_depth(fwd_ctx *f, const int32_t *toks, int n_depth, tolk_error *err)
{
    int rc = TOLK_OK;
    for (int done_tok = 0; done_tok < n_depth && !rc; done_tok += 512) {
        int chunk = n_depth - done_tok < 512 ? n_depth - done_tok : 512;
        rc = fwd_eval(f, toks + done_tok, chunk, chunk - 1, err);
    }
    return rc;
}

/* Back to the depth after a measured run. A sliding-window model's ring cache (docs/KV.md) cannot
 * roll back further than one batch past it: then the depth is filled again from empty. */
static int back_to_depth(fwd_ctx *f, const int32_t *toks, int n_depth, tolk_error *err)
{
    if (fwd_rollback(f, n_depth, NULL) == TOLK_OK)
        return TOLK_OK;
    int rc = fwd_rollback(f, 0, err);
    return rc ? rc : fill_depth(f, toks, n_depth, err);
}

int tolk_bench_depth(tolk_model *m, const tolk_params *p, int n_prompt, int n_gen, int n_depth, int reps,
                     tolk_bench_result *r, tolk_error *err)
{
    memset(r, 0, sizeof *r);
    if (n_prompt < 0 || n_gen < 0 || n_depth < 0 || reps < 1 || (n_prompt == 0 && n_gen == 0))
        return error_set(err, TOLK_E_ARG, "bench needs -p or -n > 0, -d >= 0 and -r >= 1");
    const int64_t n_ctx_need = (int64_t)n_depth + n_prompt + n_gen + 1;
    if (n_ctx_need > INT_MAX)
        return error_set(err, TOLK_E_ARG, "bench: -d + -p + -n is too large");
    tolk_params sp = *p;
    if (sp.n_ctx < n_ctx_need)
        sp.n_ctx = (int)n_ctx_need;
    tolk_session *s = NULL;
    int rc = tolk_session_new(m, &sp, &s, err);
    if (rc)
        return rc;
    const int n_toks = n_prompt > n_depth ? n_prompt : n_depth;
    int32_t *toks = malloc(sizeof *toks * (size_t)(n_toks > 1 ? n_toks : 1));
    double *pp = calloc((size_t)reps, sizeof *pp), *tg = calloc((size_t)reps, sizeof *tg);
    double *ttft = calloc((size_t)reps, sizeof *ttft);
    if (!toks || !pp || !tg || !ttft) {
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        goto done;
    }
    uint64_t state = 0x2545F4914F6CDD1Dull ^ p->seed;
    int64_t n_vocab = m->hp.n_vocab;
    for (int i = 0; i < (n_toks > 1 ? n_toks : 1); i++) { /* tg starts from toks[0] even with -p 0 */
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        toks[i] = (int32_t)(state % (uint64_t)n_vocab);
    }
    /* One untimed warm-up pass pages the weights in and settles the threads. */
    if ((rc = fwd_eval(s->gen.fwd, toks, n_prompt > 0 ? 1 : 0, 0, err)) || (rc = fwd_rollback(s->gen.fwd, 0, err)))
        goto done;
    /* The context depth: filled once, untimed (the same random tokens as the prompt's start); every
     * measured run rolls back to it. */
    rc = fill_depth(s->gen.fwd, toks, n_depth, err);
    if (rc)
        goto done;
    for (int rep = 0; rep < reps && !rc; rep++) {
        if (n_prompt > 0) {
            double t0 = gen_now_ms();
            rc = fwd_eval(s->gen.fwd, toks, n_prompt, n_prompt - 1, err);
            double t1 = gen_now_ms();
            (void)sampler_sample(s->gen.smp, fwd_logits(s->gen.fwd, 0));
            double t2 = gen_now_ms();
            pp[rep] = n_prompt * 1e3 / (t1 - t0);
            ttft[rep] = t2 - t0;
            if (!rc)
                rc = back_to_depth(s->gen.fwd, toks, n_depth, err);
        }
        if (n_gen > 0 && !rc) {
            int32_t tok = toks[0] % (int32_t)n_vocab;
            double t0 = gen_now_ms();
            for (int i = 0; i < n_gen && !rc; i++) {
                rc = fwd_eval(s->gen.fwd, &tok, 1, 0, err);
                if (!rc)
                    tok = sampler_sample(s->gen.smp, fwd_logits(s->gen.fwd, 0));
            }
            tg[rep] = n_gen * 1e3 / (gen_now_ms() - t0);
            if (!rc)
                rc = back_to_depth(s->gen.fwd, toks, n_depth, err);
        }
    }
    if (rc)
        goto done;
    r->n_prompt = n_prompt;
    r->n_gen = n_gen;
    r->n_depth = n_depth;
    r->reps = reps;
    r->n_threads = s->gen.fp.n_threads;
    if (n_prompt > 0) {
        mean_sd(pp, reps, &r->pp_tok_s, &r->pp_tok_s_sd);
        mean_sd(ttft, reps, &r->ttft_ms, &r->ttft_ms_sd);
    }
    if (n_gen > 0) {
        mean_sd(tg, reps, &r->tg_tok_s, &r->tg_tok_s_sd);
        double bytes = 0;
        for (int i = 0; i < n_gen; i++)
            bytes += bytes_per_step(m, (int64_t)n_depth + i);
        r->bytes_per_token = bytes / n_gen;
        r->gb_s = r->bytes_per_token * r->tg_tok_s / 1e9;
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        r->peak_rss_mib = (double)ru.ru_maxrss / 1024.0;
    r->read_bw_gb_s = tolk_measure_read_bandwidth(r->n_threads, 0);
done:
    free(toks);
    free(pp);
    free(tg);
    free(ttft);
    tolk_session_free(s);
    return rc;
}

/* Generated token ids, for the greedy identity check of tolk_bench_spec. */
typedef struct id_sink {
    char *text;
    size_t n, cap;
} id_sink;

static int sink_text(const char *t, size_t len, void *user)
{
    id_sink *k = user;
    if (k->n + len > k->cap) {
        size_t cap = (k->n + len) * 2 + 64;
        char *p = realloc(k->text, cap);
        if (!p)
            return 1;
        k->text = p;
        k->cap = cap;
    }
    memcpy(k->text + k->n, t, len);
    k->n += len;
    return 0;
}

int tolk_bench_spec(tolk_model *m, const tolk_params *p, const tolk_spec_params *sp, int n_prompt, int n_gen,
                    int reps, tolk_bench_spec_result *r, tolk_error *err)
{
    memset(r, 0, sizeof *r);
    if (n_prompt < 0 || n_gen < 2 || reps < 1)
        return error_set(err, TOLK_E_ARG, "bench with speculation needs -n >= 2 and -r >= 1");
    if (sp->mode == TOLK_SPEC_NONE)
        return error_set(err, TOLK_E_ARG, "bench with speculation needs a speculation mode");
    if (n_prompt == 0)
        n_prompt = 16;
    tolk_params pp = *p;
    if (pp.n_ctx < n_prompt + n_gen + SPEC_K_MAX + 2)
        pp.n_ctx = n_prompt + n_gen + SPEC_K_MAX + 2;
    tolk_session *plain = NULL, *spec = NULL;
    tok_ids prompt = {0};
    id_sink a = {0}, b = {0};
    double *tp = calloc((size_t)reps, sizeof *tp), *ts = calloc((size_t)reps, sizeof *ts);
    int rc = !tp || !ts ? error_set(err, TOLK_E_NOMEM, "out of memory") : TOLK_OK;
    if (!rc)
        rc = tolk_session_new(m, &pp, &plain, err);
    if (!rc)
        rc = tolk_session_new(m, &pp, &spec, err);
    if (!rc)
        rc = tolk_session_set_spec(spec, sp, err);
    uint64_t state = 0x9E3779B97F4A7C15ull ^ p->seed;
    for (int i = 0; i < n_prompt && !rc; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        rc = tok_ids_push(&prompt, (int32_t)(state % (uint64_t)m->hp.n_vocab), err);
    }
    r->identical = p->temp <= 0.0f ? 1 : -1;
    for (int rep = 0; rep < reps && !rc; rep++) {
        tolk_stats st1, st2;
        a.n = b.n = 0;
        rc = session_generate(plain, &prompt, n_gen, -1, sink_text, &a, &st1, err);
        if (!rc)
            rc = session_generate(spec, &prompt, n_gen, -1, sink_text, &b, &st2, err);
        if (rc)
            break;
        tp[rep] = st1.gen_tok_s;
        ts[rep] = st2.gen_tok_s;
        r->n_drafted += st2.n_drafted;
        r->n_accepted += st2.n_accepted;
        r->n_steps += st2.n_spec_steps;
        r->n_gen = st2.n_gen;
        if (r->identical == 1 && (a.n != b.n || (a.n && memcmp(a.text, b.text, a.n))))
            r->identical = 0;
    }
    if (!rc) {
        double sd;
        mean_sd(tp, reps, &r->plain_tok_s, &sd);
        mean_sd(ts, reps, &r->spec_tok_s, &sd);
        r->n_prompt = n_prompt;
        r->reps = reps;
        r->speedup = r->plain_tok_s > 0 ? r->spec_tok_s / r->plain_tok_s : 0.0;
        r->accept_rate = r->n_drafted ? (double)r->n_accepted / r->n_drafted : 0.0;
        r->mean_accepted = r->n_steps ? (double)r->n_accepted / r->n_steps : 0.0;
    }
    tok_ids_free(&prompt);
    free(a.text);
    free(b.text);
    free(tp);
    free(ts);
    tolk_session_free(plain);
    tolk_session_free(spec);
    return rc;
}

double tolk_measure_read_bandwidth(int n_threads, size_t bytes)
{
    return membw_measure(bytes, n_threads, 5, NULL);
}
