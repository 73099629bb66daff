/* Forcing a missed glossary term (term_force.h). The answer is re-tokenized, fed after the prompt
 * in chunks with every row's logits kept (one batched pass, as for speculative verification), and
 * at each word start the log-probability of the term's first token is read; the best position
 * wins (the earliest among equals). Then the prompt, the answer up to there and the term's tokens
 * go in as fixed input and decoding continues as usual (the placeholder filter, when one is set,
 * restarts and is shown the fixed tokens first). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "prompt.h"
#include "term_force.h"

enum { SCORE_ROWS = 16 }; /* logit rows per scoring chunk when the session keeps fewer */

int capture_emit(const char *text, size_t len, void *user)
{
    capture *c = user;
    if (c->n + len + 1 > c->cap) {
        size_t cap = (c->n + len + 1) * 2 + 64;
        char *p = realloc(c->p, cap);
        if (!p) {
            c->failed = 1;
            return 1;
        }
        c->p = p;
        c->cap = cap;
    }
    memcpy(c->p + c->n, text, len);
    c->n += len;
    c->p[c->n] = 0;
    return c->emit ? c->emit(text, len, c->user) : 0;
}

static double log_prob(const float *logits, int64_t n_vocab, int32_t tok)
{
    float mx = -INFINITY;
    for (int64_t i = 0; i < n_vocab; i++)
        if (logits[i] > mx)
            mx = logits[i];
    double sum = 0;
    for (int64_t i = 0; i < n_vocab; i++)
        sum += exp((double)(logits[i] - mx));
    return (double)(logits[tok] - mx) - log(sum);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The answer's tokens with their byte offsets in the answer text and where words start. */
typedef struct answer {
    tok_ids ids;
    size_t *off;          /* off[i]: byte of the answer where token i starts (n + 1 entries) */
    unsigned char *spacy; /* token i starts with whitespace */
    unsigned char *after; /* token i follows whitespace (or starts the answer) */
    unsigned char *cand;  /* a term may start before token i (i == n: at the end) */
} answer;

static void answer_free(answer *a)
{
    tok_ids_free(&a->ids);
    free(a->off);
    free(a->spacy);
    free(a->after);
    free(a->cand);
}

static int answer_build(const tok_vocab *v, const char *text, size_t len, size_t locked, answer *a,
                        tolk_error *err)
{
    memset(a, 0, sizeof *a);
    int rc = tok_encode(v, text, len, 0, &a->ids, err);
    if (rc)
        return rc;
    size_t n = a->ids.n;
    a->off = malloc((n + 1) * sizeof *a->off);
    a->spacy = calloc(n + 1, 1);
    a->after = calloc(n + 1, 1);
    a->cand = calloc(n + 1, 1);
    if (!a->off || !a->spacy || !a->after || !a->cand)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    size_t total = 0;
    int prev_space_end = 1, words = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        const char *p = tok_piece(v, a->ids.ids[i], 0, &k);
        a->off[i] = total;
        a->spacy[i] = k && is_space(p[0]);
        a->after[i] = (unsigned char)prev_space_end;
        a->cand[i] = a->spacy[i] || prev_space_end;
        words += a->cand[i];
        if (k)
            prev_space_end = is_space(p[k - 1]);
        total += k;
    }
    a->off[n] = total;
    a->after[n] = (unsigned char)prev_space_end;
    /* a space the tokenizer put in front (SentencePiece's add_space_prefix) is not in TEXT */
    size_t shift = total > len ? total - len : 0;
    for (size_t i = 0; i <= n; i++)
        a->off[i] = a->off[i] > shift ? a->off[i] - shift : 0;
    for (size_t i = 0; i < n; i++) {
        if (words <= 1 && n > 1)
            a->cand[i] = 1; /* no spaces (Chinese, Japanese, Thai): any token boundary */
        if (a->off[i] < locked)
            a->cand[i] = 0;
    }
    a->cand[n] = 1; /* at the end: there is always somewhere to put the term */
    return TOLK_OK;
}

/* Whether the term goes in with a space before it at position I: where the answer's own word
 * there had one, or where it would stick to the word before in a script written with spaces. */
static int variant(const answer *a, size_t i, int spaced)
{
    return (i < a->ids.n && a->spacy[i]) || (!a->after[i] && spaced);
}

/* Whether TERM is written in a script that separates words with spaces: not Thai, Lao, Myanmar,
 * Khmer, nor Chinese and Japanese (CJK blocks, full-width forms); Korean Hangul is spaced. */
static int spaced_script(const char *term)
{
    const unsigned char *p = (const unsigned char *)term;
    unsigned cp = p[0];
    if (p[0] >= 0xE0 && p[0] < 0xF0 && p[1] && p[2])
        cp = (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    else if (p[0] >= 0xF0)
        return 0; /* beyond the Basic Multilingual Plane: CJK extensions */
    if ((cp >= 0x0E00 && cp < 0x0F00) || (cp >= 0x1000 && cp < 0x10A0) || (cp >= 0x1780 && cp < 0x1800))
        return 0;
    return !(cp >= 0x2E80 && cp < 0xA000) && !(cp >= 0xF900 && cp < 0xFB00) && !(cp >= 0xFF00 && cp < 0xFFF0);
}

/* Scores every candidate position of A under PROMPT; *BEST the winner (-1: none). */
static int score_positions(gen_ctx *g, const tok_ids *prompt, const answer *a, const tok_ids *t_sp,
                           const tok_ids *t_ns, int spaced, size_t *best, int *found, tolk_error *err)
{
    size_t n = a->ids.n, last = 0;
    *found = 0;
    for (size_t i = 0; i <= n; i++)
        if (a->cand[i])
            last = i;
    if (!a->cand[last])
        return TOLK_OK;
    if ((int64_t)(prompt->n + last + 1) >= fwd_n_ctx(g->fwd))
        return TOLK_OK; /* no room to score and continue: leave it missed */
    int rc = g->fp.n_logits < 4 ? gen_reserve_logits(g, SCORE_ROWS, err) : TOLK_OK;
    if (!rc)
        rc = fwd_rollback(g->fwd, 0, err);
    if (!rc)
        rc = fwd_eval(g->fwd, prompt->ids, (int64_t)prompt->n, (int64_t)prompt->n - 1, err);
    const int64_t n_vocab = fwd_n_vocab(g->fwd), rows = g->fp.n_logits;
    double best_lp = -INFINITY;
    for (size_t c = 0; !rc;) {
        /* rows 0.. of the last evaluation are the distributions at positions c.. */
        size_t k = c == 0 ? 1 : (size_t)rows;
        for (size_t j = 0; j < k && c + j <= last; j++) {
            size_t i = c + j;
            if (!a->cand[i])
                continue;
            const tok_ids *t = variant(a, i, spaced) ? t_sp : t_ns;
            if (!t->n || t->ids[0] < 0 || t->ids[0] >= n_vocab)
                continue;
            double lp = log_prob(fwd_logits(g->fwd, (int64_t)j), n_vocab, t->ids[0]);
            if (lp > best_lp) {
                best_lp = lp;
                *best = i;
                *found = 1;
            }
        }
        if (c + k > last)
            break;
        /* feed tokens c+k-1 .. so that the rows are positions c+k .. */
        size_t from = c + k - 1, m = last - from;
        if (m > (size_t)rows)
            m = (size_t)rows;
        rc = fwd_eval(g->fwd, a->ids.ids + from, (int64_t)m, 0, err);
        c += k;
    }
    return rc;
}

/* Whether PIECE would glue letters onto the word before it. */
static int glues(const char *piece, size_t len)
{
    if (!len)
        return 0;
    unsigned char c = (unsigned char)piece[0];
    if (c < 0x80)
        return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    unsigned cp = c;
    if (c >= 0xC0 && c < 0xE0 && len >= 2)
        cp = (unsigned)(c & 0x1F) << 6 | ((unsigned char)piece[1] & 0x3F);
    else if (c >= 0xE0 && c < 0xF0 && len >= 3)
        cp = (unsigned)(c & 0x0F) << 12 | ((unsigned)(unsigned char)piece[1] & 0x3F) << 6 |
             ((unsigned char)piece[2] & 0x3F);
    /* punctuation and symbols: Latin-1's, general punctuation, CJK punctuation */
    return !((cp >= 0xA0 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp < 0x2070) ||
             (cp >= 0x3000 && cp < 0x3040));
}

/* The logit filter while the answer continues after a forced term in a spaced script: its first
 * token may not stick letters onto the term; then the session's own filter (if any) decides. */
typedef struct term_guard {
    gen_ctx *g;
    void (*inner)(void *user, float *logits, int64_t n_vocab, int32_t last);
    void *inner_user;
    int first;
} term_guard;

static void guard_filter(void *user, float *logits, int64_t n_vocab, int32_t last)
{
    term_guard *t = user;
    if (t->first) {
        const tok_vocab *v = t->g->model->vocab;
        for (int64_t id = 0; id < n_vocab; id++) {
            size_t k;
            const char *p = tok_piece(v, (int32_t)id, 0, &k);
            if (glues(p, k))
                logits[id] = -INFINITY;
        }
        t->first = 0;
    }
    if (t->inner)
        t->inner(t->inner_user, logits, n_vocab, last);
}

/* Shows the fixed tokens to the constraint filter as if they had been sampled. */
static int prime_filter(gen_ctx *g, const int32_t *ids, size_t n, tolk_error *err)
{
    if (!g->logit_filter)
        return TOLK_OK;
    const int64_t n_vocab = fwd_n_vocab(g->fwd);
    float *scratch = calloc((size_t)n_vocab, sizeof *scratch);
    if (!scratch)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    g->filter_restart(g->filter_user);
    int32_t last = -1;
    for (size_t i = 0; i < n; i++) {
        g->logit_filter(g->filter_user, scratch, n_vocab, last);
        last = ids[i];
    }
    /* the last fixed token is taken in by the filter's first call in gen_plain as "last" -1, so
     * hand it over now */
    g->logit_filter(g->filter_user, scratch, n_vocab, last);
    free(scratch);
    return TOLK_OK;
}

int term_force(const force_req *r, const char *out, size_t out_len, size_t locked, const char *term,
               char **new_out, size_t *new_len, size_t *term_end, int *ran_out, tolk_error *err)
{
    tolk_session *s = r->s;
    gen_ctx *g = &s->gen;
    const tok_vocab *v = g->model->vocab;
    *new_out = NULL;
    *new_len = *term_end = 0;
    *ran_out = 0;
    if (g->logit_filter && !g->filter_restart)
        return TOLK_OK;
    /* the answer as the model wrote it: after "Label:" with a space in the few-shot form */
    size_t pre = r->few_shot ? 1 : 0, tlen = strlen(term);
    char *text = malloc(out_len + tlen + 2);
    if (!text)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    text[0] = ' ';
    memcpy(text + pre, out, out_len);
    answer a;
    tok_ids t_sp = {0}, t_ns = {0}, fixed = {0};
    capture buf = {0};
    int rc = answer_build(v, text, out_len + pre, locked + pre, &a, err);
    /* the term after a space and at a word start without one (a tokenizer that adds a space
     * prefix writes the space itself) */
    text[0] = ' ';
    memcpy(text + 1, term, tlen);
    if (!rc)
        rc = tok_encode(v, tok_add_space_prefix(v) ? text + 1 : text, tok_add_space_prefix(v) ? tlen : tlen + 1, 0,
                        &t_sp, err);
    if (!rc)
        rc = tok_encode(v, text + 1, tlen, 0, &t_ns, err);
    size_t best = 0;
    int have = 0, spaced = spaced_script(term);
    if (!rc && t_sp.n && t_ns.n)
        rc = score_positions(g, r->prompt, &a, &t_sp, &t_ns, spaced, &best, &have, err);
    const tok_ids *t = !rc && have && variant(&a, best, spaced) ? &t_sp : &t_ns;
    for (size_t i = 0; !rc && have && i < r->prompt->n; i++)
        rc = tok_ids_push(&fixed, r->prompt->ids[i], err);
    for (size_t i = 0; !rc && have && i < best; i++)
        rc = tok_ids_push(&fixed, a.ids.ids[i], err);
    for (size_t i = 0; !rc && have && i < t->n; i++)
        rc = tok_ids_push(&fixed, t->ids[i], err);
    if (!rc && have && (int64_t)fixed.n + 1 >= fwd_n_ctx(g->fwd))
        have = 0;
    if (!rc && have)
        rc = prime_filter(g, fixed.ids + r->prompt->n, fixed.n - r->prompt->n, err);
    if (!rc && have) {
        trim_state trim = {.emit = capture_emit, .user = &buf, .single_line = r->single_line};
        /* the fixed part of the answer through the same trimming as the model's words */
        for (size_t i = r->prompt->n; i < fixed.n && !trim.failed && !buf.failed; i++) {
            size_t k;
            const char *p = tok_piece(v, fixed.ids[i], 0, &k);
            if (k)
                translate_trim_emit(p, k, &trim);
        }
        *term_end = buf.n;
        int n_fixed = (int)(best + t->n);
        int n_predict = r->n_predict < 0 ? -1 : r->n_predict > n_fixed ? r->n_predict - n_fixed : 1;
        tolk_stats st = {0};
        term_guard guard = {.g = g, .inner = g->logit_filter, .inner_user = g->filter_user, .first = 1};
        spec_state *spec = s->spec;
        if (spaced) { /* decoded plainly, as every filtered decoding is */
            g->logit_filter = guard_filter;
            g->filter_user = &guard;
            s->spec = NULL;
        }
        rc = session_generate(s, &fixed, n_predict, r->stop_tok, translate_trim_emit, &trim, &st, err);
        g->logit_filter = guard.inner;
        g->filter_user = guard.inner_user;
        s->spec = spec;
        if (!rc && (trim.failed || buf.failed))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        *ran_out = n_predict >= 0 && st.n_gen >= n_predict;
        free(trim.held);
        if (!rc && !st.cancelled && buf.p) {
            *new_out = buf.p;
            *new_len = buf.n;
            buf.p = NULL;
        }
    }
    free(buf.p);
    free(text);
    answer_free(&a);
    tok_ids_free(&t_sp);
    tok_ids_free(&t_ns);
    tok_ids_free(&fixed);
    return rc;
}
