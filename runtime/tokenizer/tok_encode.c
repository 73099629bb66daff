/* Text → token ids. First the text is cut at special-token texts (longest token first, each
 * occurrence left to right, control tokens only where the caller allows them); then each plain
 * fragment goes through SentencePiece-style merging by score with byte fallback, or through a
 * pre-tokenizer and GPT-2 byte-level merging by rank. Algorithm notes: docs/TOKENIZERS.md. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pretok.h"
#include "tok_internal.h"
#include "unicode.h"

int tok_ids_push(tok_ids *t, int32_t id, tolk_error *err)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        int32_t *ids = realloc(t->ids, cap * sizeof *ids);
        if (!ids)
            return error_set(err, TOLK_E_NOMEM, "out of memory for %zu token ids", cap);
        t->ids = ids;
        t->cap = cap;
    }
    t->ids[t->n++] = id;
    return TOLK_OK;
}

void tok_ids_free(tok_ids *t)
{
    free(t->ids);
    t->ids = NULL;
    t->n = t->cap = 0;
}

/* ---- merge queue shared by both algorithms: highest key first, ties to the leftmost pair ---- */

typedef struct sym {
    int32_t prev, next; /* neighbours in the live list, -1 at the ends */
    uint32_t start, len; /* bytes in the working text; len 0 once merged into the left neighbour */
    int32_t id;          /* BPE: token of the symbol's text, -1 when the vocabulary has none */
} sym;

typedef struct bigram {
    double key; /* SPM: score of the merged token; BPE: minus the merge rank */
    int32_t left, right;
    uint32_t size; /* bytes of the pair when queued: a mismatch later means it is stale */
} bigram;

typedef struct merge_heap {
    bigram *b;
    size_t n, cap;
} merge_heap;

static bool heap_before(const bigram *x, const bigram *y)
{
    return x->key > y->key || (x->key == y->key && x->left < y->left);
}

static int heap_push(merge_heap *h, bigram g, tolk_error *err)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        bigram *b = realloc(h->b, cap * sizeof *b);
        if (!b)
            return error_set(err, TOLK_E_NOMEM, "out of memory while merging tokens");
        h->b = b;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && heap_before(&g, &h->b[(i - 1) / 2])) {
        h->b[i] = h->b[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->b[i] = g;
    return TOLK_OK;
}

static bigram heap_pop(merge_heap *h)
{
    bigram top = h->b[0], last = h->b[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && heap_before(&h->b[c + 1], &h->b[c]))
            c++;
        if (!heap_before(&h->b[c], &last))
            break;
        h->b[i] = h->b[c];
        i = c;
    }
    if (h->n)
        h->b[i] = last;
    return top;
}

/* Working memory reused across the fragments of one call. */
typedef struct encoder {
    const tok_vocab *v;
    tok_ids *out;
    tolk_error *err;
    char *work;      /* escaped (SPM) or byte-mapped (BPE) text of the current piece */
    size_t work_cap;
    sym *syms;
    size_t syms_cap;
    merge_heap heap;
    uint32_t *cpts;  /* BPE: code points of the current fragment */
    size_t cpts_cap;
} encoder;

/* Grows the array whose pointer is at PP (any element type, hence the memcpy of the pointer)
 * to hold at least NEED elements. */
static int grow(void *pp, size_t *cap, size_t need, size_t elem, tolk_error *err)
{
    if (need <= *cap)
        return TOLK_OK;
    size_t cap2 = *cap ? *cap : 256;
    while (cap2 < need)
        cap2 *= 2;
    void *p;
    memcpy(&p, pp, sizeof p);
    void *n = realloc(p, cap2 * elem);
    if (!n)
        return error_set(err, TOLK_E_NOMEM, "out of memory tokenizing %zu bytes", need);
    memcpy(pp, &n, sizeof n);
    *cap = cap2;
    return TOLK_OK;
}

/* Links work[0..n) into one symbol per character (lead-byte length, as SentencePiece splits). */
static int split_chars(encoder *e, size_t n, size_t *n_syms)
{
    int rc = grow(&e->syms, &e->syms_cap, n, sizeof *e->syms, e->err);
    if (rc)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        size_t cl = utf8_lead_len((unsigned char)e->work[i]);
        if (cl > n - i)
            cl = n - i;
        e->syms[k] = (sym){(int32_t)k - 1, (int32_t)k + 1, (uint32_t)i, (uint32_t)cl, -1};
        i += cl;
    }
    if (k)
        e->syms[k - 1].next = -1;
    *n_syms = k;
    return TOLK_OK;
}

/* Plain text may only become tokens a user can type: control and unknown tokens (and the end
 * markers forced to control) are never the result of merging ordinary characters. */
static int32_t plain_token(const tok_vocab *v, const char *s, size_t len)
{
    int32_t id = tok_find(v, s, len);
    if (id >= 0 && (v->types[id] == TOK_TYPE_CONTROL || v->types[id] == TOK_TYPE_UNKNOWN))
        return -1;
    return id;
}

/* ---- SentencePiece-style BPE by score ---- */

static int spm_try_pair(encoder *e, int32_t l, int32_t r)
{
    if (l < 0 || r < 0)
        return TOLK_OK;
    const sym *a = &e->syms[l], *b = &e->syms[r];
    int32_t id = plain_token(e->v, e->work + a->start, a->len + b->len);
    if (id < 0)
        return TOLK_OK;
    bigram g = {e->v->scores[id], l, r, a->len + b->len};
    return heap_push(&e->heap, g, e->err);
}

static int emit_bytes(encoder *e, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int32_t id = e->v->byte_token[(unsigned char)s[i]];
        if (id < 0)
            id = e->v->unk; /* no byte token for it: the unknown token, if any, stands in */
        if (id >= 0) {
            int rc = tok_ids_push(e->out, id, e->err);
            if (rc)
                return rc;
        }
    }
    return TOLK_OK;
}

static int spm_fragment(encoder *e, const char *text, size_t len, bool space_prefix)
{
    int rc = grow(&e->work, &e->work_cap, len * 3 + 3, 1, e->err);
    if (rc)
        return rc;
    size_t n = 0;
    if (space_prefix) {
        memcpy(e->work, "\xE2\x96\x81", 3);
        n = 3;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ') {
            memcpy(e->work + n, "\xE2\x96\x81", 3); /* U+2581, SentencePiece's visible space */
            n += 3;
        } else {
            e->work[n++] = text[i];
        }
    }
    size_t n_syms;
    if ((rc = split_chars(e, n, &n_syms)))
        return rc;
    e->heap.n = 0;
    for (size_t i = 1; i < n_syms; i++)
        if ((rc = spm_try_pair(e, (int32_t)i - 1, (int32_t)i)))
            return rc;
    while (e->heap.n) {
        bigram g = heap_pop(&e->heap);
        sym *a = &e->syms[g.left], *b = &e->syms[g.right];
        if (!a->len || !b->len || a->len + b->len != g.size)
            continue; /* one side changed since this pair was queued */
        a->len += b->len;
        b->len = 0;
        a->next = b->next;
        if (b->next >= 0)
            e->syms[b->next].prev = g.left;
        if ((rc = spm_try_pair(e, a->prev, g.left)) || (rc = spm_try_pair(e, g.left, a->next)))
            return rc;
    }
    for (int32_t i = n_syms ? 0 : -1; i >= 0; i = e->syms[i].next) {
        const sym *s = &e->syms[i];
        int32_t id = plain_token(e->v, e->work + s->start, s->len);
        rc = id >= 0 ? tok_ids_push(e->out, id, e->err) : emit_bytes(e, e->work + s->start, s->len);
        if (rc)
            return rc;
    }
    return TOLK_OK;
}

/* ---- GPT-2 byte-level BPE by merge rank ---- */

static int bpe_try_pair(encoder *e, int32_t l, int32_t r)
{
    if (l < 0 || r < 0)
        return TOLK_OK;
    const sym *a = &e->syms[l], *b = &e->syms[r];
    int32_t rank = tok_merge_rank(e->v, e->work + a->start, a->len, e->work + b->start, b->len);
    if (rank < 0)
        return TOLK_OK;
    bigram g = {-(double)rank, l, r, a->len + b->len};
    return heap_push(&e->heap, g, e->err);
}

/* Raw BPE (gemma4): one symbol per character, in its own UTF-8. */
static size_t raw_symbols(encoder *e, size_t start, size_t end, size_t *n_syms)
{
    size_t n = 0;
    for (size_t i = start; i < end; i++) {
        size_t cl = utf8_encode(e->cpts[i], e->work + n);
        int32_t k = (int32_t)(i - start);
        e->syms[k] = (sym){k - 1, k + 1, (uint32_t)n, (uint32_t)cl, tok_find(e->v, e->work + n, cl)};
        n += cl;
    }
    *n_syms = end - start;
    return n;
}

static bool only_newlines(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\n')
            return false;
    return true;
}

/* One pre-tokenized piece: map its bytes to characters (or take its characters as they are, for
 * raw BPE), merge, emit. */
static int bpe_piece(void *ctx, size_t start, size_t end)
{
    encoder *e = ctx;
    const tok_vocab *v = e->v;
    int rc = grow(&e->work, &e->work_cap, (end - start) * 8, 1, e->err);
    if (rc || (rc = grow(&e->syms, &e->syms_cap, (end - start) * 4, sizeof *e->syms, e->err)))
        return rc;
    size_t n = 0, n_syms = 0;
    if (v->raw_bpe)
        n = raw_symbols(e, start, end, &n_syms);
    for (size_t i = start; !v->raw_bpe && i < end; i++) {
        char raw[4];
        size_t rl = utf8_encode(e->cpts[i], raw);
        for (size_t j = 0; j < rl; j++) {
            unsigned b = (unsigned char)raw[j];
            size_t ml = utf8_encode(tok_byte_to_cp(b), e->work + n);
            e->syms[n_syms] = (sym){(int32_t)n_syms - 1, (int32_t)n_syms + 1, (uint32_t)n,
                                    (uint32_t)ml, v->byte_token[b]};
            n += ml;
            n_syms++;
        }
    }
    e->syms[n_syms - 1].next = -1;
    /* With ignore_merges any piece, and in raw BPE a run of newlines, that is a token as a whole
     * is that token. */
    if (v->ignore_merges || (v->raw_bpe && only_newlines(e->work, n))) {
        int32_t id = plain_token(v, e->work, n);
        if (id >= 0)
            return tok_ids_push(e->out, id, e->err);
    }
    e->heap.n = 0;
    for (size_t i = 1; i < n_syms; i++)
        if ((rc = bpe_try_pair(e, (int32_t)i - 1, (int32_t)i)))
            return rc;
    while (e->heap.n) {
        bigram g = heap_pop(&e->heap);
        sym *a = &e->syms[g.left], *b = &e->syms[g.right];
        if (!a->len || !b->len || a->len + b->len != g.size)
            continue; /* one side changed since this pair was queued */
        int32_t id = tok_find(v, e->work + a->start, g.size);
        if (id >= 0 && (v->types[id] == TOK_TYPE_CONTROL || v->types[id] == TOK_TYPE_UNKNOWN))
            continue;
        a->id = id;
        a->len += b->len;
        b->len = 0;
        a->next = b->next;
        if (b->next >= 0)
            e->syms[b->next].prev = g.left;
        if ((rc = bpe_try_pair(e, a->prev, g.left)) || (rc = bpe_try_pair(e, g.left, a->next)))
            return rc;
    }
    for (int32_t i = 0; i >= 0; i = e->syms[i].next) {
        const sym *s = &e->syms[i];
        int32_t id = s->id;
        if (id >= 0 && v->types[id] != TOK_TYPE_CONTROL && v->types[id] != TOK_TYPE_UNKNOWN) {
            if ((rc = tok_ids_push(e->out, id, e->err)))
                return rc;
            continue;
        }
        /* Text with no token (a merge result missing from the vocabulary, or a byte whose
         * character is absent): single-byte tokens of its text (raw BPE: the <0xXX> tokens of
         * its bytes), where they exist. */
        for (uint32_t j = 0; j < s->len; j++) {
            const char *b = e->work + s->start + j;
            id = v->raw_bpe ? v->byte_token[(unsigned char)*b] : tok_find(v, b, 1);
            if (id >= 0 && (rc = tok_ids_push(e->out, id, e->err)))
                return rc;
        }
    }
    return TOLK_OK;
}

static int bpe_fragment(encoder *e, const char *text, size_t len)
{
    int rc = grow(&e->cpts, &e->cpts_cap, len, sizeof *e->cpts, e->err);
    if (rc)
        return rc;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t cl;
        e->cpts[n] = utf8_decode(text + i, len - i, &cl); /* bad bytes become U+FFFD */
        if (e->v->raw_bpe && e->cpts[n] == ' ')
            e->cpts[n] = 0x2581; /* raw BPE spells a space as U+2581 */
        n++;
        i += cl;
    }
    return pretok_split(e->v->pre, e->cpts, n, bpe_piece, e);
}

/* ---- special-token partition ---- */

typedef struct frag {
    int32_t id; /* -1: plain text */
    size_t off, len;
} frag;

typedef struct frag_list {
    frag *f;
    size_t n, cap;
} frag_list;

static bool special_allowed(const uint8_t *allow, size_t off, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!allow[off + i])
            return false;
    return true;
}

/* Cuts plain fragments at every allowed occurrence of each special token. */
static int partition(const tok_vocab *v, const char *text, size_t n, const uint8_t *allow,
                     bool any_allowed, frag_list *fl, tolk_error *err)
{
    fl->n = 0;
    if (!n)
        return TOLK_OK;
    int rc = grow(&fl->f, &fl->cap, 8, sizeof *fl->f, err);
    if (rc)
        return rc;
    fl->f[fl->n++] = (frag){-1, 0, n};
    /* Which byte pairs occur at all: most special tokens are skipped without a search. */
    static const size_t pair_words = 65536 / 64;
    uint64_t *pairs = calloc(pair_words, sizeof *pairs);
    uint64_t firsts[4] = {0};
    if (!pairs)
        return error_set(err, TOLK_E_NOMEM, "out of memory tokenizing");
    for (size_t i = 0; i < n; i++) {
        unsigned a = (unsigned char)text[i];
        firsts[a >> 6] |= 1ull << (a & 63);
        if (i + 1 < n) {
            unsigned p = a << 8 | (unsigned char)text[i + 1];
            pairs[p >> 6] |= 1ull << (p & 63);
        }
    }
    for (int32_t k = 0; k < v->n_specials; k++) {
        int32_t id = v->specials[k];
        const char *t = v->text + v->off[id];
        size_t tl = v->len[id];
        bool needs_allow = v->types[id] != TOK_TYPE_USER_DEFINED;
        if (tl > n || (needs_allow && !any_allowed))
            continue;
        unsigned a = (unsigned char)t[0];
        if (!(firsts[a >> 6] >> (a & 63) & 1))
            continue;
        if (tl >= 2) {
            unsigned p = a << 8 | (unsigned char)t[1];
            if (!(pairs[p >> 6] >> (p & 63) & 1))
                continue;
        }
        for (size_t fi = 0; fi < fl->n; fi++) {
            frag *f = &fl->f[fi];
            if (f->id >= 0 || f->len < tl)
                continue;
            size_t from = f->off, end = f->off + f->len;
            while (end - from >= tl) {
                const char *hit = memmem(text + from, end - from, t, tl);
                if (!hit)
                    break;
                size_t at = (size_t)(hit - text);
                if (needs_allow && !special_allowed(allow, at, tl)) {
                    from = at + 1;
                    continue;
                }
                /* [f->off, at) text · token · [at + tl, end) text, the last one searched next */
                if ((rc = grow(&fl->f, &fl->cap, fl->n + 2, sizeof *fl->f, err))) {
                    free(pairs);
                    return rc;
                }
                f = &fl->f[fi];
                size_t left = at - f->off, right = end - at - tl;
                size_t add = (left ? 1 : 0) + (right ? 1 : 0);
                memmove(&fl->f[fi + 1 + add], &fl->f[fi + 1], (fl->n - fi - 1) * sizeof *fl->f);
                fl->n += add;
                size_t j = fi;
                if (left)
                    fl->f[j++] = (frag){-1, f->off, left};
                fl->f[j] = (frag){id, at, tl};
                if (!right) {
                    fi = j;
                    break;
                }
                fl->f[++j] = (frag){-1, at + tl, right};
                fi = j;
                f = &fl->f[fi];
                from = f->off;
            }
        }
    }
    free(pairs);
    return TOLK_OK;
}

static int encode_masked(const tok_vocab *v, const char *text, size_t n, const uint8_t *allow,
                         bool any_allowed, unsigned flags, tok_ids *out, tolk_error *err)
{
    encoder e = {.v = v, .out = out, .err = err};
    frag_list fl = {0};
    int rc = TOLK_OK;
    if ((flags & TOK_ADD_BOS) && v->bos >= 0)
        rc = tok_ids_push(out, v->bos, err);
    if (!rc)
        rc = partition(v, text, n, allow, any_allowed, &fl, err);
    bool prev_special = true; /* SPM's space prefix goes on the first text and after specials */
    for (size_t i = 0; !rc && i < fl.n; i++) {
        const frag *f = &fl.f[i];
        if (f->id >= 0) {
            rc = tok_ids_push(out, f->id, err);
            prev_special = true;
        } else if (v->model == TOK_MODEL_SPM) {
            rc = spm_fragment(&e, text + f->off, f->len, v->add_space_prefix && prev_special);
            prev_special = false;
        } else {
            rc = bpe_fragment(&e, text + f->off, f->len);
            prev_special = false;
        }
    }
    if (!rc && (flags & TOK_ADD_EOS) && v->eos >= 0)
        rc = tok_ids_push(out, v->eos, err);
    free(fl.f);
    free(e.work);
    free(e.syms);
    free(e.heap.b);
    free(e.cpts);
    return rc;
}

int tok_encode(const tok_vocab *v, const char *text, size_t len, unsigned flags, tok_ids *out,
               tolk_error *err)
{
    bool parse = flags & TOK_PARSE_SPECIAL;
    if (!parse || !len)
        return encode_masked(v, text, len, NULL, false, flags, out, err);
    uint8_t *allow = malloc(len);
    if (!allow)
        return error_set(err, TOLK_E_NOMEM, "out of memory tokenizing %zu bytes", len);
    memset(allow, 1, len);
    int rc = encode_masked(v, text, len, allow, true, flags, out, err);
    free(allow);
    return rc;
}

int tok_encode_spans(const tok_vocab *v, const tok_span *spans, size_t n_spans, unsigned flags,
                     tok_ids *out, tolk_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n_spans; i++)
        total += spans[i].len;
    char *text = malloc(total + 1);
    uint8_t *allow = malloc(total + 1);
    if (!text || !allow) {
        free(text);
        free(allow);
        return error_set(err, TOLK_E_NOMEM, "out of memory tokenizing %zu bytes", total);
    }
    size_t pos = 0;
    bool any = false;
    for (size_t i = 0; i < n_spans; i++) {
        if (!spans[i].len)
            continue;
        memcpy(text + pos, spans[i].text, spans[i].len);
        memset(allow + pos, spans[i].parse_special ? 1 : 0, spans[i].len);
        any |= spans[i].parse_special && spans[i].len;
        pos += spans[i].len;
    }
    int rc = encode_masked(v, text, total, allow, any, flags & ~(unsigned)TOK_PARSE_SPECIAL, out, err);
    free(text);
    free(allow);
    return rc;
}
