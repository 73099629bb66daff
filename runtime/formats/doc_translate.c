/* Translating a document's segments through a segment translator (tolk_segment_fn): protect the
 * placeholders, translate (the same protected text once per run, so repeated segments get the same
 * translation; the memo of those answers is bounded), guard against loops while decoding, restore,
 * check, and record the result. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "doc_translate.h"
#include "error.h"
#include "protect.h"
#include "sentences.h"

typedef struct collector {
    fmt_buf text;
    const char *source;
    size_t source_len;
    int looping;
    int failed;
} collector;

static int collect(const char *text, size_t len, void *user)
{
    collector *c = user;
    if (fbuf_add(&c->text, text, len)) {
        c->failed = 1;
        return 1;
    }
    if (seg_repeating(c->text.p, c->text.n, c->source, c->source_len)) {
        c->looping = 1;
        return 1;
    }
    return 0;
}

/* A translation already made in this run, by protected text. */
typedef struct memo {
    char *key;
    char *out;
    const char *check;
} memo;

typedef struct memo_table {
    memo *slots;
    size_t cap, n;
    size_t bytes; /* what the entries take: strings, allocation overhead, slots */
} memo_table;

/* The run's memo is bounded: two generations of MEMO_GENERATION_BYTES (keys, answers, their
 * allocations and slots) each.
 * When the newer one is full the older one goes and the newer one becomes the older; a text found
 * in the older one is copied into the newer one. A repeat is answered from the memo as long as
 * fewer distinct texts than fit in a generation came between (tens of thousands of segments, many
 * hours of a model's work), so a streamed document of any length keeps the memo's memory flat. */
#define MEMO_GENERATION_BYTES ((size_t)8 << 20)

struct doc_memo {
    memo_table cur, old;
};

static size_t hash_text(const char *s)
{
    size_t h = 1469598103934665603ull & (size_t)-1;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
    return h;
}

/* The slot of KEY: the entry itself, or the empty slot where it would go. */
static memo *memo_slot(memo_table *t, const char *key)
{
    if (!t->cap)
        return NULL;
    for (size_t i = hash_text(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->slots[i].key)
            return &t->slots[i];
        if (!strcmp(t->slots[i].key, key))
            return &t->slots[i];
    }
}

static void memo_table_free(memo_table *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->slots[i].key);
        free(t->slots[i].out);
    }
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* Adds KEY -> OUT to T (KEY not in it); the new entry, or NULL on out-of-memory. */
static memo *memo_table_put(memo_table *t, const char *key, const char *out, const char *check)
{
    if ((t->n + 1) * 2 > t->cap) {
        memo_table bigger = {.cap = t->cap ? t->cap * 2 : 64, .n = t->n, .bytes = t->bytes};
        bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
        if (!bigger.slots)
            return NULL;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].key)
                *memo_slot(&bigger, t->slots[i].key) = t->slots[i];
        free(t->slots);
        *t = bigger;
    }
    memo *m = memo_slot(t, key);
    m->key = strdup(key);
    m->out = out ? strdup(out) : NULL;
    m->check = check;
    if (!m->key || (out && !m->out)) {
        free(m->key);
        free(m->out);
        m->key = m->out = NULL;
        return NULL;
    }
    t->n++;
    /* the strings, their two allocations' overhead and the slots (a table at most half full) */
    t->bytes += strlen(key) + (out ? strlen(out) : 0) + 2 + 64 + 4 * sizeof(memo);
    return m;
}

/* Adds KEY -> OUT to the newer generation (KEY in neither); the entry, or NULL on out-of-memory. */
static memo *memo_put(doc_memo *mt, const char *key, const char *out, const char *check)
{
    if (mt->cur.bytes >= MEMO_GENERATION_BYTES) {
        memo_table_free(&mt->old);
        mt->old = mt->cur;
        memset(&mt->cur, 0, sizeof mt->cur);
    }
    return memo_table_put(&mt->cur, key, out, check);
}

/* The entry for KEY (copied up to the newer generation when found in the older), or NULL; *FAILED
 * on out-of-memory. */
static memo *memo_get(doc_memo *mt, const char *key, int *failed)
{
    memo *m = memo_slot(&mt->cur, key);
    if (m && m->key)
        return m;
    m = memo_slot(&mt->old, key);
    if (!m || !m->key)
        return NULL;
    /* copies first: putting may drop the older generation */
    char *out = m->out ? strdup(m->out) : NULL;
    const char *check = m->check;
    if (m->out && !out) {
        *failed = 1;
        return NULL;
    }
    m = memo_put(mt, key, out, check);
    free(out);
    *failed = !m;
    return m;
}

static void memo_free(doc_memo *mt)
{
    memo_table_free(&mt->cur);
    memo_table_free(&mt->old);
}

/* A finished buffer of N bytes (and its NUL) without the slack growing left: documents hold a
 * translation per segment, hundreds of thousands in a big file. */
static char *fit(char *p, size_t n)
{
    char *q = realloc(p, n + 1);
    return q ? q : p;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Restores and checks MODEL (the translation of P) into segment S; what the model wrote is kept
 * for the report when a check flags it. */
static int settle(fmt_doc *d, fmt_seg *s, const prot_text *p, const char *model, const char *check)
{
    if (!check && (!model || !*model))
        check = "empty";
    if (!check && seg_too_short(p->text.n, strlen(model)))
        check = "short";
    fmt_buf out = {0};
    const char *why = NULL;
    if (!check) {
        int rc = restore_segment(s, p, seg_escape(d, s), model, strlen(model), &out, &why);
        if (rc < 0) {
            fbuf_free(&out);
            return -1;
        }
        check = why;
    }
    if (check) {
        s->status = SEG_KEPT;
        s->check = check;
        fbuf_free(&out);
        return model && !s->model_out && !(s->model_out = strdup(model)) ? -1 : 0;
    }
    s->status = SEG_TRANSLATED;
    s->out = out.p ? fit(out.p, out.n) : calloc(1, 1);
    s->out_len = out.n;
    if (seg_untranslated(p->text.p, p->text.n, model, strlen(model))) {
        s->check = "untranslated";
        if (!s->model_out && !(s->model_out = strdup(model)))
            return -1;
    }
    return s->out ? 0 : -1;
}

/* The model's answer for TEXT (from this run's memo when it was asked before, keyed by KEY): *OUT
 * points into the memo, *CHECK is "repetition" or "length" when decoding was stopped. */
static int ask_model(fmt_doc *d, doc_run *r, const char *key, const char *text, size_t len, const char **out,
                     const char **check, tolk_error *err)
{
    int failed = 0;
    memo *m = memo_get(r->memo, key, &failed);
    if (failed)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    if (!m) {
        collector c = {.source = text, .source_len = len};
        int hit_limit = 0, tokens = 0;
        int rc = r->fn(r->user, text, len, collect, &c, &hit_limit, &tokens, err);
        d->n_tokens += tokens;
        if (!rc && c.failed)
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        const char *why = c.looping ? "repetition" : hit_limit ? "length" : NULL;
        if (!rc && (fbuf_add(&c.text, "", 0) || !(m = memo_put(r->memo, key, c.text.p ? c.text.p : "", why))))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        fbuf_free(&c.text);
        if (rc)
            return rc;
    }
    *out = m->out;
    *check = m->check;
    return TOLK_OK;
}

/* A plain-text segment whose placeholders are all generic (printf, braces, URLs, numbers) goes to
 * the model as it is first: small models copy %s and URLs more faithfully than {1}. The answer
 * stands when it holds each placeholder's bytes as often as the source does; *DONE says so. */
static int try_plain(fmt_doc *d, fmt_seg *s, const prot_text *p, doc_run *r, int *done, tolk_error *err)
{
    *done = 0;
    if (p->n_codes > 256)
        return TOLK_OK; /* each placeholder is counted in the whole answer: a huge list takes the numbered form */
    const char *text = s->src + p->lead;
    size_t len = s->src_len - p->lead - p->trail;
    char *key = malloc(len + 2);
    if (!key)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    key[0] = '\x01';
    memcpy(key + 1, text, len);
    key[len + 1] = 0;
    const char *out, *check;
    int rc = ask_model(d, r, key, text, len, &out, &check, err);
    free(key);
    if (rc || check || !*out || seg_too_short(len, strlen(out)))
        return rc;
    size_t n = strlen(out);
    while (n && strchr(" \t\r\n", out[n - 1]))
        n--;
    while (n && strchr(" \t\r\n", *out)) {
        out++;
        n--;
    }
    for (size_t c = 0; c < p->n_codes; c++) {
        const char *code = s->src + p->codes[c].start;
        size_t k = p->codes[c].end - p->codes[c].start;
        if (seg_count_in(out, n, code, k) != seg_count_in(text, len, code, k))
            return TOLK_OK;
    }
    fmt_buf b = {0};
    int bad = fbuf_add(&b, s->src, p->lead);
    for (size_t i = 0; i < n && !bad; i++)
        bad = fbuf_addc(&b, !p->multiline && (out[i] == '\n' || out[i] == '\r') ? ' ' : out[i]);
    bad = bad || fbuf_add(&b, s->src + s->src_len - p->trail, p->trail) || fbuf_add(&b, "", 0);
    if (bad) {
        fbuf_free(&b);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    s->out = fit(b.p, b.n);
    s->out_len = b.n;
    s->status = SEG_TRANSLATED;
    if (seg_untranslated(text, len, out, n)) {
        s->check = "untranslated";
        if (!(s->model_out = strndup(out, n)))
            return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    *done = 1;
    return TOLK_OK;
}

/* One segment (or one sentence of it) through the model; results in S. */
static int translate_seg(fmt_doc *d, fmt_seg *s, doc_run *r, tolk_error *err)
{
    prot_text p;
    int prc = protect_segment(s, seg_escape(d, s), &p), rc = TOLK_OK;
    if (prc) {
        prot_free(&p);
        if (prc < 0)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        s->status = SEG_KEPT;
        s->check = "codes";
        return TOLK_OK;
    }
    int plain_done = 0;
    if (!p.has_words) {
        /* only codes, numbers and punctuation: the source is its own translation */
        s->status = SEG_COPIED;
        s->out = malloc(s->src_len + 1);
        if (s->out) {
            memcpy(s->out, s->src, s->src_len);
            s->out[s->src_len] = 0;
            s->out_len = s->src_len;
        } else {
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        }
    } else if (seg_escape(d, s) == ESC_NONE && s->n_codes == 0 && p.n_codes > 0 &&
               (rc = try_plain(d, s, &p, r, &plain_done, err)) == TOLK_OK && plain_done) {
        /* taken as the model wrote it */
    } else if (!rc) {
        const char *out, *check;
        rc = ask_model(d, r, p.text.p, p.text.p, p.text.n, &out, &check, err);
        if (!rc && settle(d, s, &p, out, check))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    prot_free(&p);
    return rc;
}

/* S sentence by sentence (BREAKS[0..n) start the sentences after the first); the pieces' results
 * joined into S: translated when every piece is, else kept with the first failed check. */
static int translate_sentences(fmt_doc *d, fmt_seg *s, const size_t *breaks, size_t n, doc_run *r,
                               tolk_error *err)
{
    fmt_buf out = {0}, model = {0}, context = {0}, bare = {0};
    const char *kept = NULL, *flag = NULL;
    int rc = TOLK_OK, any_translated = 0;
    size_t ci = 0;
    /* the paragraph the model sees around each sentence: the text without its inline codes */
    for (size_t c = 0, at = 0; c <= s->n_codes && !rc; c++) {
        size_t to = c < s->n_codes ? s->codes[c].start : s->src_len;
        if (to > at && fbuf_add(&bare, s->src + at, to - at))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (c < s->n_codes)
            at = s->codes[c].end;
    }
    if (!rc && doc_plain_text(d, bare.p ? bare.p : "", bare.n, &context))
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    fbuf_free(&bare);
    d->para_context = context.p;
    d->para_context_len = context.n;
    for (size_t k = 0; k <= n && !rc; k++) {
        size_t from = k ? breaks[k - 1] : 0, to = k < n ? breaks[k] : s->src_len;
        size_t c0 = ci;
        while (ci < s->n_codes && s->codes[ci].start < to)
            ci++;
        fmt_code *codes = malloc((ci - c0 + 1) * sizeof *codes);
        if (!codes) {
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
            break;
        }
        for (size_t c = c0; c < ci; c++) {
            codes[c - c0] = s->codes[c];
            codes[c - c0].start -= from;
            codes[c - c0].end -= from;
            codes[c - c0].pair = s->codes[c].pair >= (int)c0 && s->codes[c].pair < (int)ci ?
                                 s->codes[c].pair - (int)c0 : -1;
        }
        fmt_seg piece = {.src = s->src + from, .src_len = to - from, .codes = codes, .n_codes = ci - c0};
        rc = translate_seg(d, &piece, r, err);
        if (!rc) {
            if (piece.status == SEG_KEPT && !kept)
                kept = piece.check;
            if (piece.check && !flag)
                flag = piece.check;
            any_translated |= piece.status == SEG_TRANSLATED;
            if (piece.status == SEG_TRANSLATED || piece.status == SEG_COPIED) {
                if (fbuf_add(&out, piece.out, piece.out_len))
                    rc = error_set(err, TOLK_E_NOMEM, "out of memory");
            } else if (fbuf_add(&out, piece.src, piece.src_len)) {
                rc = error_set(err, TOLK_E_NOMEM, "out of memory");
            }
            if (piece.model_out && ((model.n && fbuf_addc(&model, ' ')) || fbuf_adds(&model, piece.model_out)))
                rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        }
        free(piece.out);
        free(piece.model_out);
        free(codes);
    }
    d->para_context = NULL;
    d->para_context_len = 0;
    fbuf_free(&context);
    if (rc || (out.n == 0 && fbuf_add(&out, "", 0)) || fbuf_add(&out, "", 0)) {
        fbuf_free(&out);
        fbuf_free(&model);
        return rc ? rc : error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    s->model_out = model.p;
    if (kept) {
        s->status = SEG_KEPT;
        s->check = kept;
        fbuf_free(&out);
        return TOLK_OK;
    }
    s->status = any_translated ? SEG_TRANSLATED : SEG_COPIED;
    s->check = flag;
    if (!flag) { /* only the report's entries (flagged or kept segments) show what the model wrote */
        free(s->model_out);
        s->model_out = NULL;
    }
    s->out = out.p ? fit(out.p, out.n) : calloc(1, 1);
    s->out_len = out.n;
    return s->out ? TOLK_OK : error_set(err, TOLK_E_NOMEM, "out of memory");
}

int doc_run_begin(doc_run *r, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress, void *progress_user,
                  size_t total)
{
    memset(r, 0, sizeof *r);
    r->fn = fn;
    r->user = user;
    r->progress = progress;
    r->progress_user = progress_user;
    r->total = total;
    r->memo = calloc(1, sizeof *r->memo);
    return r->memo ? 0 : -1;
}

int doc_run_segments(fmt_doc *d, doc_run *r, tolk_error *err)
{
    size_t breaks[64];
    const double t0 = now_s();
    int rc = TOLK_OK;
    for (size_t i = 0; i < d->n_segs && !rc; i++) {
        fmt_seg *s = &d->segs[i];
        if (s->status != SEG_PENDING)
            continue;
        d->cur_seg = i;
        if ((i & 255) == 0) /* a big mapped file: what is behind goes back to disk */
            doc_release_before(d, s->start);
        size_t n = d->ops->sentences ? sentence_breaks(s->src, s->src_len, d->src_lang, s->codes, s->n_codes,
                                                       breaks, sizeof breaks / sizeof breaks[0]) : 0;
        size_t *all = NULL;
        if (n == sizeof breaks / sizeof breaks[0]) {
            /* a paragraph of more sentences: every break found (a sentence takes 2 bytes or more),
             * so no piece is the rest of a huge paragraph */
            all = malloc((s->src_len / 2 + 1) * sizeof *all);
            if (!all) {
                rc = error_set(err, TOLK_E_NOMEM, "out of memory");
                break;
            }
            n = sentence_breaks(s->src, s->src_len, d->src_lang, s->codes, s->n_codes, all, s->src_len / 2 + 1);
        }
        rc = n ? translate_sentences(d, s, all ? all : breaks, n, r, err) : translate_seg(d, s, r, err);
        free(all);
        r->done++;
        if (!rc && r->progress)
            r->progress(r->progress_user, r->done, r->total, d->n_tokens);
    }
    d->seconds += now_s() - t0;
    return rc;
}

void doc_run_end(doc_run *r)
{
    if (r->memo)
        memo_free(r->memo);
    free(r->memo);
    r->memo = NULL;
}

int doc_translate(fmt_doc *d, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress, void *progress_user,
                  tolk_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < d->n_segs; i++)
        total += d->segs[i].status == SEG_PENDING;
    doc_run r;
    if (doc_run_begin(&r, fn, user, progress, progress_user, total))
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    d->released = 0; /* a new pass over the file */
    int rc = doc_run_segments(d, &r, err);
    doc_run_end(&r);
    return rc;
}

int doc_prefill(fmt_doc *d, doc_lookup_fn fn, void *user, tolk_error *err)
{
    int rc = TOLK_OK;
    for (size_t i = 0; i < d->n_segs && !rc; i++) {
        fmt_seg *s = &d->segs[i];
        if (s->status != SEG_PENDING)
            continue;
        d->cur_seg = i;
        prot_text p;
        int prc = protect_segment(s, seg_escape(d, s), &p), found = 0;
        fmt_buf out = {0};
        if (prc < 0)
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        else if (prc == 0 && p.has_words)
            rc = fn(user, p.text.p, p.text.n, &out, &found, err);
        if (!rc && found && fbuf_add(&out, "", 0))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc && found && settle(d, s, &p, out.p ? out.p : "", NULL))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc && found && s->status == SEG_TRANSLATED && !s->check) {
            d->n_tm_exact++;
            s->from_tm = 1;
        } else if (!rc && found) {
            /* the match does not fit this segment: translate it as usual */
            free(s->out);
            free(s->model_out);
            s->out = s->model_out = NULL;
            s->out_len = 0;
            s->check = NULL;
            s->status = SEG_PENDING;
        }
        fbuf_free(&out);
        prot_free(&p);
    }
    return rc;
}

void doc_stats(const fmt_doc *d, tolk_doc_stats *st)
{
    memset(st, 0, sizeof *st);
    /* a streamed document's dropped windows, then the segments held */
    st->segments = d->seg_base + d->n_segs;
    st->translated = d->n_gone[SEG_TRANSLATED];
    st->skipped = d->n_gone[SEG_SKIPPED];
    st->copied = d->n_gone[SEG_COPIED];
    st->kept = d->n_gone[SEG_KEPT];
    st->flagged = d->n_gone_flagged;
    for (size_t i = 0; i < d->n_segs; i++) {
        const fmt_seg *s = &d->segs[i];
        st->translated += s->status == SEG_TRANSLATED;
        st->skipped += s->status == SEG_SKIPPED;
        st->copied += s->status == SEG_COPIED;
        st->kept += s->status == SEG_KEPT;
        st->flagged += s->check != NULL;
    }
    st->tokens = d->n_tokens;
    st->seconds = d->seconds;
    st->tm_exact = d->n_tm_exact;
    st->terms_found = d->n_terms[0];
    st->terms_forced = d->n_terms[1];
    st->terms_missed = d->n_terms[2];
}
