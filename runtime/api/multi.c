/* The public batched-generation calls (tolk.h, "Batched generation"): slots with their own KV
 * cache, sampler and text stream over one driver forward context; each step packs the prompt
 * chunks of starting jobs and one token of every decoding job into fwd_eval_multi. By default
 * prompts are prefilled in the same passes as the decoding tokens (chunked at n_batch per step),
 * so a new request costs the running ones at most one larger step and its first token comes with
 * the next step. TOLK_MULTI_EXACT keeps a job's output independent of the other jobs: each step
 * is one segment-exact pass (fwd_set_seg_exact) with the next chunk of every waiting prompt, cut
 * where a session cuts it, then one with every decoding job's token, each sequence through the
 * kernels it gets alone; so several prompts arriving together are prefilled in one pass and get
 * their first tokens before the step's decoding pass. */
#include <config.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "error.h"
#include "forward_multi.h"
#include "generate.h"
#include "memavail.h"
#include "prompt.h"
#include "sampler.h"
#include "simd.h"
#include "threads.h"
#include "tokenizer.h"

enum { SLOT_FREE, SLOT_PREFILL, SLOT_DECODE, SLOT_DONE };

typedef struct slot {
    int state;
    atomic_int cancel;
    unsigned long long order;   /* start order: prompts are prefilled first come, first served */
    tolk_job job;
    kv_cache kv_own;            /* slot 0 uses the driver's cache instead */
    kv_cache *kv;
    float *logits;              /* [n_vocab] */
    sampler *smp;
    tok_stream ts;
    int ts_open;
    trim_state trim;            /* translations: output trimming as tolk_translate does */
    tok_ids prompt;
    size_t prompt_done;
    int32_t stop_tok;
    int32_t next;               /* the sampled token the next step evaluates */
    size_t line_pos;            /* one-line templates: where the next line starts (len + 1: none) */
    int nl_after;               /* the line being translated ended with a newline */
    int n_gen_text;             /* tokens of the current text (n_predict bounds each) */
    int stopped;                /* the job ends: the emit function asked to, or cancelled */
    int text_done;              /* the current text ends (a one-line template's newline) */
    double t0, t_first, t_prefill;
    tolk_stats st;
    int rc;
    tolk_error err;
} slot;

struct tolk_multi {
    tolk_model *m;
    fwd_ctx *drv;
    threads_plan plan;
    sampler_params sp;
    chat_template *tmpl;        /* chosen on the first translation */
    int n_slots, n_batch;       /* n_batch: tokens per pass */
    int n_chunk;                /* exact mode: where prompts are cut (a session's chunk size) */
    int exact;                  /* TOLK_MULTI_EXACT */
    unsigned long long started;
    slot *slots;
    fwd_seq *seqs;
    int *seq_slot;
};

int tolk_multi_new(tolk_model *m, const tolk_params *p, int n_slots, int n_batch, unsigned flags, tolk_multi **out,
                   tolk_error *err)
{
    *out = NULL;
    if (!m || !m->arch)
        return error_set(err, TOLK_E_ARG, "tolk_multi_new: the model was loaded for its vocabulary only");
    if (n_slots < 1 || n_slots > 1024 || n_batch < 0)
        return error_set(err, TOLK_E_ARG, "tolk_multi_new: %d slots (1..1024), batch %d", n_slots, n_batch);
    tolk_multi *mu = calloc(1, sizeof *mu);
    if (!mu)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    mu->m = m;
    mu->n_slots = n_slots;
    mu->exact = (flags & TOLK_MULTI_EXACT) != 0;
    const int64_t n_ctx = p->n_ctx > 0 ? p->n_ctx : (m->hp.n_ctx_train < 4096 ? m->hp.n_ctx_train : 4096);
    /* exact: a session's chunk size (fwd_create's default), so prompts are cut where it cuts them */
    mu->n_batch = mu->exact ? (n_ctx < 512 ? (int)n_ctx : 512) : n_batch ? n_batch : 256;
    mu->n_chunk = mu->n_batch;
    if (mu->n_batch < n_slots)
        mu->n_batch = n_slots; /* every decoding job gets its token each step */
    mu->sp = (sampler_params){.temp = p->temp, .top_k = p->top_k, .top_p = p->top_p, .min_p = p->min_p,
                              .repeat_penalty = p->repeat_penalty, .repeat_last_n = p->repeat_last_n,
                              .seed = p->seed};
    int rc = threads_plan_make(&mu->plan, p->n_threads, p->cpu_mask, p->numa, err);
    if (!rc) {
        const fwd_params fp = {.n_ctx = p->n_ctx, .n_batch = mu->n_batch, .n_logits = n_slots,
                               .kv_type = p->kv_q8 ? TOLK_TYPE_Q8_0 : TOLK_TYPE_F16,
                               .n_threads = mu->plan.n_threads, .cpus = mu->plan.cpus, .n_cpus = mu->plan.n_cpus};
        rc = fwd_create(m, &fp, &mu->drv, err);
    }
    if (!rc && n_slots > 1) /* every slot gets a cache like the driver's */
        rc = mem_check_kv(fwd_kv_bytes(mu->drv) * (size_t)n_slots, n_slots, fwd_n_ctx(mu->drv), err);
    if (!rc && mu->exact)
        fwd_set_seg_exact(mu->drv, 1);
    if (!rc && (!(mu->slots = calloc((size_t)n_slots, sizeof *mu->slots)) ||
                !(mu->seqs = calloc((size_t)n_slots, sizeof *mu->seqs)) ||
                !(mu->seq_slot = calloc((size_t)n_slots, sizeof *mu->seq_slot))))
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    for (int i = 0; !rc && i < n_slots; i++) {
        slot *s = &mu->slots[i];
        atomic_init(&s->cancel, 0);
        if (i == 0)
            s->kv = fwd_kv(mu->drv);
        else if (!(rc = fwd_kv_like(mu->drv, &s->kv_own, err)))
            s->kv = &s->kv_own;
        if (!rc && !(s->logits = malloc(sizeof(float) * (size_t)m->hp.n_vocab)))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory for %d slots", n_slots);
        if (!rc)
            rc = sampler_create(&mu->sp, m->hp.n_vocab, &s->smp, err);
    }
    if (rc) {
        tolk_multi_free(mu);
        return rc;
    }
    *out = mu;
    return TOLK_OK;
}

/* The job's emit function behind the trimming of translations: its asking to stop ends the job. */
static int job_emit(const char *text, size_t len, void *user)
{
    slot *s = user;
    if (s->job.emit && s->job.emit(text, len, s->job.user))
        s->stopped = 1;
    return s->stopped;
}

/* Emits TEXT to the job (translations through the trimming, which ends the current text at a
 * one-line template's newline). */
static void emit_text(slot *s, const char *text, size_t len)
{
    if (!len || s->stopped || s->text_done)
        return;
    if (!s->job.to)
        job_emit(text, len, s);
    else if (translate_trim_emit(text, len, &s->trim))
        s->text_done = 1;
}

/* Ends the current text's stream (flushing what it holds back). */
static void close_text(slot *s)
{
    if (!s->ts_open)
        return;
    const char *text;
    size_t len;
    tok_stream_flush(&s->ts, &text, &len);
    emit_text(s, text, len);
    tok_stream_free(&s->ts);
    s->ts_open = 0;
    free(s->trim.held);
    if (s->trim.failed && !s->rc) {
        s->rc = error_set(&s->err, TOLK_E_NOMEM, "out of memory");
        s->stopped = 1;
    }
    s->trim = (trim_state){0};
}

static void finish(tolk_multi *mu, slot *s, int rc)
{
    (void)mu;
    close_text(s);
    if (rc && !s->rc)
        s->rc = rc;
    tok_ids_free(&s->prompt);
    tolk_stats *st = &s->st;
    st->prompt_tok_s = st->prompt_ms > 0 ? st->n_prompt * 1e3 / st->prompt_ms : 0.0;
    st->gen_ms = st->n_gen > 1 ? gen_now_ms() - s->t_first : 0.0;
    st->gen_tok_s = st->gen_ms > 0 ? (st->n_gen - 1) * 1e3 / st->gen_ms : 0.0;
    s->state = SLOT_DONE;
}

/* One-line templates: the next line of the job's text that is not blank (*line, *len), emitting
 * the newlines of the blank ones passed over, as tolk_translate does. 0 when no line is left. */
static int next_line(slot *s, const char **line, size_t *len)
{
    const tolk_job *j = &s->job;
    while (s->line_pos <= j->len && !s->stopped) {
        const size_t i = s->line_pos;
        const char *nl = memchr(j->text + i, '\n', j->len - i);
        const size_t end = nl ? (size_t)(nl - j->text) : j->len;
        size_t k = i;
        while (k < end && translate_is_space(j->text[k]))
            k++;
        s->line_pos = nl ? end + 1 : j->len + 1;
        if (k < end) {
            *line = j->text + i;
            *len = end - i;
            s->nl_after = nl != NULL;
            return 1;
        }
        if (nl && j->emit && j->emit("\n", 1, j->user))
            s->stopped = 1;
    }
    return 0;
}

/* Builds the next prompt of S: the whole text (FIRST), or for one-line templates the next line
 * that is not blank. Returns 1 when a prompt is ready, 0 when the job is done, -1 on error
 * (s->rc, s->err). */
static int next_prompt(tolk_multi *mu, slot *s, int first)
{
    const tolk_job *j = &s->job;
    const tok_vocab *voc = mu->m->vocab;
    tok_ids_free(&s->prompt);
    s->prompt_done = 0;
    s->n_gen_text = 0;
    s->text_done = 0;
    int rc = TOLK_OK;
    if (!j->to) {
        if (!first)
            return 0;
        unsigned flags = TOK_PARSE_SPECIAL | (tok_wants_bos(voc) ? TOK_ADD_BOS : 0);
        rc = tok_encode(voc, j->text, j->len, flags, &s->prompt, &s->err);
        s->stop_tok = -1;
    } else {
        const char *line = j->text;
        size_t len = j->len;
        const int single = chat_template_single_line(mu->tmpl);
        if (single && !j->one_prompt) {
            if (!first && s->nl_after && j->emit && j->emit("\n", 1, j->user))
                s->stopped = 1;
            if (!next_line(s, &line, &len))
                return 0;
        } else if (!first) {
            return 0;
        }
        chat_prompt cp = {0};
        rc = translate_build_prompt(mu->m, mu->tmpl, j->from, j->to, line, len, &cp, &s->prompt, &s->err);
        s->stop_tok = cp.end_marker;
        chat_prompt_free(&cp);
        s->trim = (trim_state){.emit = job_emit, .user = s, .single_line = chat_template_single_line(mu->tmpl)};
    }
    if (!rc && s->prompt.n == 0)
        rc = error_set(&s->err, TOLK_E_ARG, "the prompt is empty and the model adds no BOS token");
    if (!rc && (int64_t)s->prompt.n >= s->kv->n_ctx)
        rc = error_set(&s->err, TOLK_E_STATE, "the prompt has %zu tokens but the context holds %lld; raise -c",
                       s->prompt.n, (long long)s->kv->n_ctx);
    if (!rc)
        rc = tok_stream_init(&s->ts, voc, 0, &s->err);
    if (rc) {
        s->rc = rc;
        return -1;
    }
    s->ts_open = 1;
    /* a fresh cache and sampler per text, as tolk_translate's per-line calls have */
    kv_rollback(s->kv, 0, NULL);
    sampler_reset(s->smp, s->job.own_sampling ? s->job.seed : mu->sp.seed);
    s->state = SLOT_PREFILL;
    return 1;
}

int tolk_multi_start(tolk_multi *mu, const tolk_job *job, int *slot_out, tolk_error *err)
{
    *slot_out = -1;
    if (!job || (!job->text && job->len))
        return error_set(err, TOLK_E_ARG, "tolk_multi_start: no job or text");
    int i = 0;
    while (i < mu->n_slots && mu->slots[i].state != SLOT_FREE)
        i++;
    if (i == mu->n_slots)
        return error_set(err, TOLK_E_STATE, "every one of the %d slots is busy", mu->n_slots);
    if (job->to && !mu->tmpl) {
        int rc = translate_pick_template(mu->m, NULL, &mu->tmpl, err);
        if (rc)
            return rc;
    }
    slot *s = &mu->slots[i];
    sampler_params sp = mu->sp;
    if (job->own_sampling) {
        sp.temp = job->temp;
        sp.seed = job->seed;
    }
    sampler *smp;
    int rc = sampler_create(&sp, mu->m->hp.n_vocab, &smp, err);
    if (rc)
        return rc;
    sampler_free(s->smp);
    s->smp = smp;
    s->job = *job;
    s->line_pos = 0;
    s->nl_after = 0;
    s->stopped = 0;
    s->rc = TOLK_OK;
    s->err = (tolk_error){0};
    s->st = (tolk_stats){0};
    s->t0 = s->t_first = gen_now_ms();
    s->t_prefill = 0;
    atomic_store(&s->cancel, 0);
    s->order = mu->started++;
    int r = next_prompt(mu, s, 1);
    if (r <= 0) {
        if (r < 0) {
            rc = s->rc;
            if (err)
                *err = s->err;
            close_text(s);
            tok_ids_free(&s->prompt);
            s->state = SLOT_FREE;
            return rc;
        }
        finish(mu, s, TOLK_OK); /* nothing to translate (blank text) */
    }
    *slot_out = i;
    return TOLK_OK;
}

/* The sampled token TOK of slot S: ends the text or job, or emits it and queues it for the next
 * step (tolk_translate's stop rules: end marker, stop token, n_predict, emit asking to stop). */
static void take_token(tolk_multi *mu, slot *s, int32_t tok)
{
    const tok_vocab *voc = mu->m->vocab;
    if (s->st.ttft_ms == 0) {
        s->t_first = gen_now_ms();
        s->st.ttft_ms = s->t_first - s->t0;
    }
    const int n_predict = s->job.n_predict;
    int end = tok_is_eog(voc, tok) || tok == s->stop_tok || (n_predict >= 0 && s->n_gen_text >= n_predict);
    if (!end) {
        s->st.n_gen++;
        s->n_gen_text++;
        sampler_accept(s->smp, tok);
        const char *text;
        size_t len;
        tok_stream_feed(&s->ts, tok, &text, &len);
        emit_text(s, text, len);
        end = s->stopped || s->text_done || (n_predict >= 0 && s->n_gen_text >= n_predict);
    }
    if (!end && s->kv->n >= s->kv->n_ctx) {
        finish(mu, s, error_set(&s->err, TOLK_E_STATE, "context full after %lld positions; raise -c",
                                (long long)s->kv->n_ctx));
        return;
    }
    if (!end) {
        s->next = tok;
        s->state = SLOT_DECODE;
        return;
    }
    close_text(s);
    if (s->stopped || s->rc || next_prompt(mu, s, 0) <= 0)
        finish(mu, s, TOLK_OK);
}

/* Runs the N_SEQ sequences listed in mu->seqs in one fwd_eval_multi and moves each slot on: prompt
 * accounting, the first or next token sampled. Returns 0 or the pass's error code (every listed
 * job then ends with it). */
static int run_pass(tolk_multi *mu, int n_seq, tolk_error *err)
{
    if (!n_seq)
        return TOLK_OK;
    int rc = fwd_eval_multi(mu->drv, mu->seqs, n_seq, err);
    for (int q = 0; q < n_seq; q++) {
        slot *s = &mu->slots[mu->seq_slot[q]];
        if (rc) {
            if (s->err.code == 0 && err)
                s->err = *err;
            finish(mu, s, rc);
            continue;
        }
        if (s->state == SLOT_PREFILL) {
            const int64_t n = mu->seqs[q].n;
            for (int64_t k = 0; k < n; k++)
                sampler_accept(s->smp, s->prompt.ids[s->prompt_done + (size_t)k]);
            s->prompt_done += (size_t)n;
            s->st.n_prompt += (int)n;
            if (s->prompt_done < s->prompt.n)
                continue;
            s->st.prompt_ms += gen_now_ms() - s->t_prefill;
            s->t_prefill = 0;
            if (s->job.n_predict == 0) {
                close_text(s);
                if (s->stopped || next_prompt(mu, s, 0) <= 0)
                    finish(mu, s, TOLK_OK);
                continue;
            }
        }
        take_token(mu, s, sampler_sample(s->smp, s->logits));
    }
    return rc;
}

/* Exact mode: the tokens of S's next prompt chunk, where fwd_eval cuts the prompt. */
static int64_t exact_chunk(const tolk_multi *mu, const slot *s)
{
    const int64_t n = mu->n_chunk - (int64_t)s->prompt_done % mu->n_chunk, left = (int64_t)(s->prompt.n - s->prompt_done);
    return n < left ? n : left;
}

/* Lists the next chunk (at most N tokens; exact mode: the chunk fwd_eval would take) of slot I's
 * prompt as sequence Q. Returns the tokens listed. */
static int64_t list_prompt(tolk_multi *mu, int i, int q, int64_t n)
{
    slot *s = &mu->slots[i];
    int64_t left = (int64_t)(s->prompt.n - s->prompt_done);
    if (mu->exact)
        n = exact_chunk(mu, s);
    if (n > left)
        n = left;
    const int last = s->prompt_done + (size_t)n == s->prompt.n;
    mu->seqs[q] = (fwd_seq){s->kv, s->prompt.ids + s->prompt_done, n, last ? n - 1 : n, s->logits};
    mu->seq_slot[q] = i;
    if (s->t_prefill == 0)
        s->t_prefill = gen_now_ms();
    return n;
}

/* The slot still prefilling that started first and is not among mu->seq_slot[0..n_seq); -1: none. */
static int oldest_prefill(const tolk_multi *mu, int n_seq)
{
    int pick = -1;
    for (int i = 0; i < mu->n_slots; i++) {
        const slot *s = &mu->slots[i];
        int listed = 0;
        for (int q = 0; q < n_seq && !listed; q++)
            listed = mu->seq_slot[q] == i;
        if (s->state == SLOT_PREFILL && !listed && (pick < 0 || s->order < mu->slots[pick].order))
            pick = i;
    }
    return pick;
}

/* Lists the next token of every decoding job as sequences 0..; returns their count. */
static int list_decoding(tolk_multi *mu)
{
    int n = 0;
    for (int i = 0; i < mu->n_slots; i++)
        if (mu->slots[i].state == SLOT_DECODE) {
            mu->seqs[n] = (fwd_seq){mu->slots[i].kv, &mu->slots[i].next, 1, 0, mu->slots[i].logits};
            mu->seq_slot[n++] = i;
        }
    return n;
}

/* Ends the jobs cancelled since the last pass. */
static void end_cancelled(tolk_multi *mu)
{
    for (int i = 0; i < mu->n_slots; i++) {
        slot *s = &mu->slots[i];
        if ((s->state == SLOT_PREFILL || s->state == SLOT_DECODE) && atomic_load(&s->cancel)) {
            s->st.cancelled = 1;
            s->stopped = 1;
            finish(mu, s, TOLK_OK);
        }
    }
}

/* One pass with the next chunk of every waiting prompt, oldest first, MAX tokens at most (the
 * oldest's chunk always); exact mode: whole chunks, cut where fwd_eval cuts them, segment-exact.
 * The jobs whose prompt ends there sample their first token. *USED: the prompt tokens run. */
static int prefill_pass(tolk_multi *mu, int64_t max, int64_t *used, tolk_error *err)
{
    int n_seq = 0;
    *used = 0;
    if (max > mu->n_batch)
        max = mu->n_batch;
    for (int i; *used < max && (i = oldest_prefill(mu, n_seq)) >= 0; n_seq++) {
        const int64_t k = mu->exact ? exact_chunk(mu, &mu->slots[i]) : max - *used;
        if (n_seq && *used + k > max)
            break;
        *used += list_prompt(mu, i, n_seq, k);
    }
    return run_pass(mu, n_seq, err);
}

int tolk_multi_prefill(tolk_multi *mu, int max_tokens, tolk_error *err)
{
    end_cancelled(mu);
    int64_t used = 0;
    int rc = prefill_pass(mu, max_tokens > 0 ? max_tokens : 1, &used, err);
    return rc ? -rc : (int)used;
}

int tolk_multi_step(tolk_multi *mu, tolk_error *err)
{
    end_cancelled(mu);
    int rc = TOLK_OK;
    if (mu->exact) {
        /* A pass with the prompts (their first tokens come before the decoding pass), then one
         * with every decoding job's token; each sequence gets the bits it gets alone. */
        int64_t used;
        rc = prefill_pass(mu, mu->n_chunk, &used, err);
        if (!rc)
            rc = run_pass(mu, list_decoding(mu), err);
    } else {
        /* Decoding tokens and prompt chunks (first come, first served) share one pass. */
        int n_seq = list_decoding(mu);
        int64_t budget = mu->n_batch - n_seq;
        for (int i; budget > 0 && (i = oldest_prefill(mu, n_seq)) >= 0; n_seq++)
            budget -= list_prompt(mu, i, n_seq, budget);
        rc = run_pass(mu, n_seq, err);
    }
    return rc ? -rc : tolk_multi_running(mu);
}

int tolk_multi_running(const tolk_multi *mu)
{
    int n = 0;
    for (int i = 0; i < mu->n_slots; i++)
        n += mu->slots[i].state == SLOT_PREFILL || mu->slots[i].state == SLOT_DECODE;
    return n;
}

int tolk_multi_done(const tolk_multi *mu, int slot_i, int *rc, tolk_stats *st, tolk_error *err)
{
    if (slot_i < 0 || slot_i >= mu->n_slots)
        return 1;
    const slot *s = &mu->slots[slot_i];
    if (s->state != SLOT_DONE)
        return 0;
    if (rc)
        *rc = s->rc;
    if (st)
        *st = s->st;
    if (err)
        *err = s->err;
    return 1;
}

void tolk_multi_cancel(tolk_multi *mu, int slot_i)
{
    if (slot_i >= 0 && slot_i < mu->n_slots)
        atomic_store(&mu->slots[slot_i].cancel, 1);
}

void tolk_multi_release(tolk_multi *mu, int slot_i)
{
    if (slot_i < 0 || slot_i >= mu->n_slots)
        return;
    slot *s = &mu->slots[slot_i];
    if (s->state == SLOT_PREFILL || s->state == SLOT_DECODE) {
        s->st.cancelled = 1;
        s->stopped = 1;
        finish(mu, s, TOLK_OK);
    }
    s->state = SLOT_FREE;
}

void tolk_multi_free(tolk_multi *mu)
{
    if (!mu)
        return;
    for (int i = 0; mu->slots && i < mu->n_slots; i++) {
        slot *s = &mu->slots[i];
        if (s->ts_open)
            tok_stream_free(&s->ts);
        free(s->trim.held);
        tok_ids_free(&s->prompt);
        if (s->kv == &s->kv_own)
            kv_free(&s->kv_own);
        free(s->logits);
        sampler_free(s->smp);
    }
    free(mu->slots);
    free(mu->seqs);
    free(mu->seq_slot);
    fwd_free(mu->drv);
    chat_template_free(mu->tmpl);
    free(mu);
}
