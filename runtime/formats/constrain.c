/* Placeholder-constrained decoding (constrain.h). The state is a tiny automaton over the text
 * generated so far: outside a brace, after '{' with some digits; each candidate token's text is run
 * through a copy of it to see what it would write. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constrain.h"

static int has_mark(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '{' || p[i] == '}' || p[i] == '\n' || (p[i] >= '0' && p[i] <= '9'))
            return 1;
    return 0;
}

int ph_vocab_build(const tolk_model *m, ph_vocab *v)
{
    memset(v, 0, sizeof *v);
    v->model = m;
    int32_t n = tolk_vocab_n_tokens(m);
    v->cand = malloc((size_t)(n > 0 ? n : 1) * sizeof *v->cand);
    v->eog = malloc(64 * sizeof *v->eog);
    if (!v->cand || !v->eog) {
        ph_vocab_free(v);
        return -1;
    }
    for (int32_t id = 0; id < n; id++) {
        const char *piece;
        size_t len;
        if (tolk_token_is_eog(m, id)) {
            if (v->n_eog < 64)
                v->eog[v->n_eog++] = id;
            continue;
        }
        if (tolk_token_to_piece(m, id, 0, &piece, &len, NULL) == TOLK_OK && has_mark(piece, len))
            v->cand[v->n_cand++] = id;
    }
    return 0;
}

void ph_vocab_free(ph_vocab *v)
{
    free(v->cand);
    free(v->eog);
    memset(v, 0, sizeof *v);
}

/* Feeds C to S; *DONE gets the number a completed "{N}" names (-1: none, -2: too big to track). */
static void step(ph_state *s, char c, long *done)
{
    *done = -1;
    if (c == '{') {
        s->open = 1;
        s->n_digits = 0;
        s->digits[0] = 0;
    } else if (s->open && c >= '0' && c <= '9' && s->n_digits < 6) {
        s->digits[s->n_digits++] = c;
        s->digits[s->n_digits] = 0;
    } else if (s->open && c == '}' && s->n_digits) {
        long v = strtol(s->digits, NULL, 10);
        *done = s->n_digits <= 3 && v < PH_MAX ? v : -2;
        s->open = 0;
    } else {
        s->open = 0;
    }
}

int ph_begin(ph_constraint *c, const ph_vocab *v, const char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    c->v = v;
    ph_state s = {0};
    for (size_t i = 0; i < len; i++) {
        long done;
        step(&s, text[i], &done);
        if (done >= 0) {
            c->need[done]++;
            c->missing++;
        }
    }
    return c->missing;
}

void ph_restart(void *user)
{
    ph_constraint *c = user;
    c->missing = 0;
    for (int k = 0; k < PH_MAX; k++) {
        c->used[k] = 0;
        c->missing += c->need[k];
    }
    c->n_wanted = 0;
    memset(&c->st, 0, sizeof c->st);
}

/* Whether some placeholder still missing starts with the digits of S. */
static int prefix_wanted(const ph_constraint *c, const ph_state *s)
{
    if (!s->open || !s->n_digits)
        return 1;
    if (s->n_digits > 3)
        return 0;
    if (c->n_wanted < 0)
        return 1;
    for (int w = 0; w < c->n_wanted; w++) {
        char num[8];
        snprintf(num, sizeof num, "%d", c->wanted[w]);
        if (!strncmp(num, s->digits, (size_t)s->n_digits))
            return 1;
    }
    return 0;
}

/* Whether writing PIECE now keeps the placeholders sound. */
static int piece_ok(const ph_constraint *c, const char *piece, size_t len)
{
    ph_state s = c->st;
    long seen[8];
    int n_seen = 0;
    for (size_t i = 0; i < len; i++) {
        long done;
        if (piece[i] == '\n' && c->missing > n_seen)
            return 0; /* a one-line template would end the translation here */
        step(&s, piece[i], &done);
        if (done == -2)
            return 0;
        if (done >= 0) {
            int again = 0;
            for (int k = 0; k < n_seen; k++)
                again += seen[k] == done;
            if (c->used[done] + again >= c->need[done])
                return 0; /* invented, or one too many */
            if (n_seen < 8)
                seen[n_seen++] = done;
        }
    }
    return prefix_wanted(c, &s);
}

void ph_filter(void *user, float *logits, int64_t n_vocab, int32_t last)
{
    ph_constraint *c = user;
    const ph_vocab *v = c->v;
    const char *piece;
    size_t len;
    if (last >= 0 && tolk_token_to_piece(v->model, last, 0, &piece, &len, NULL) == TOLK_OK) {
        for (size_t i = 0; i < len; i++) {
            long done;
            step(&c->st, piece[i], &done);
            if (done >= 0 && c->used[done] < c->need[done]) {
                c->used[done]++;
                c->missing--;
            }
        }
    }
    c->n_wanted = 0;
    for (int k = 0; k < PH_MAX && c->n_wanted >= 0; k++)
        if (c->used[k] < c->need[k]) {
            if (c->n_wanted == 64)
                c->n_wanted = -1;
            else
                c->wanted[c->n_wanted++] = k;
        }
    if (c->missing > 0 || (c->st.open && c->st.n_digits))
        for (size_t i = 0; i < v->n_eog; i++)
            if (v->eog[i] < n_vocab)
                logits[v->eog[i]] = -INFINITY;
    for (size_t i = 0; i < v->n_cand; i++) {
        int32_t id = v->cand[i];
        if (id < n_vocab && tolk_token_to_piece(v->model, id, 0, &piece, &len, NULL) == TOLK_OK &&
            !piece_ok(c, piece, len))
            logits[id] = -INFINITY;
    }
}
