/* Reference drafting (spec_ref.h): walks the output against the reference, re-anchors where they
 * part, and drafts only from a confirmed alignment (an unsure one is checked by the next token). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "spec_ref.h"

int ref_set(ref_drafter *rd, const int32_t *ids, size_t n)
{
    ref_free(rd); /* (also forgets the predicted departures) */
    if (!n)
        return 0;
    if (!(rd->ref = malloc(sizeof *ids * n)))
        return -1;
    memcpy(rd->ref, ids, sizeof *ids * n);
    rd->n_ref = n;
    return 0;
}

void ref_free(ref_drafter *rd)
{
    free(rd->ref);
    free(rd->text);
    free(rd->off);
    free(rd->tail);
    memset(rd, 0, sizeof *rd);
}

void ref_restart(ref_drafter *rd, size_t n_prompt)
{
    rd->seen = rd->out0 = n_prompt;
    rd->cur = rd->lost = 0;
    rd->lost_at = n_prompt;
    rd->aligned = 1;
    rd->guessing = rd->no_guess = 0;
    rd->risk_next = 0;
}

static int build_text(ref_drafter *rd, ref_piece_fn piece, const void *user)
{
    size_t total = 0, len;
    for (size_t j = 0; j < rd->n_ref; j++) {
        piece(user, rd->ref[j], &len);
        total += len;
    }
    rd->text = malloc(total + 1);
    rd->off = malloc(sizeof *rd->off * (rd->n_ref + 1));
    if (!rd->text || !rd->off)
        return -1;
    size_t at = 0;
    for (size_t j = 0; j < rd->n_ref; j++) {
        const char *t = piece(user, rd->ref[j], &len);
        rd->off[j] = at;
        if (len)
            memcpy(rd->text + at, t, len);
        at += len;
    }
    rd->off[rd->n_ref] = at;
    return 0;
}

/* The pieces of the output's last tokens (at least REF_TAIL_BYTES of them where the output has
 * them) into rd->tail; *last_len gets the last token's piece length. Returns the length or -1. */
static long output_tail(ref_drafter *rd, const int32_t *hist, size_t n_hist, size_t out0,
                        ref_piece_fn piece, const void *user, size_t *last_len)
{
    size_t total = 0, first = n_hist, len;
    while (first > out0 && total < REF_TAIL_BYTES) {
        piece(user, hist[--first], &len);
        total += len;
        if (first == n_hist - 1)
            *last_len = len;
    }
    if (total + 1 > rd->tail_cap) {
        char *t = realloc(rd->tail, total + 1);
        if (!t)
            return -1;
        rd->tail = t;
        rd->tail_cap = total + 1;
    }
    size_t at = 0;
    for (size_t i = first; i < n_hist; i++) {
        const char *t = piece(user, hist[i], &len);
        if (len)
            memcpy(rd->tail + at, t, len);
        at += len;
    }
    return (long)at;
}

/* Length of the word-break mark that ends at s[i - 1] (0: none): an ASCII character other than a
 * letter or digit, or a tokenizer's space or newline mark (SentencePiece U+2581, byte-level BPE
 * U+0120 and U+010A). */
static size_t break_before(const char *s, size_t i)
{
    const unsigned char *u = (const unsigned char *)s;
    if (i >= 1 && u[i - 1] < 0x80 && !isalnum(u[i - 1]))
        return 1;
    if (i >= 3 && u[i - 3] == 0xe2 && u[i - 2] == 0x96 && u[i - 1] == 0x81)
        return 3;
    if (i >= 2 && u[i - 2] == 0xc4 && (u[i - 1] == 0xa0 || u[i - 1] == 0x8a))
        return 2;
    return 0;
}

/* Bytes of whole words the output's end (tail[0..g)) shares with the reference text just before
 * token j: the common stretch, cut at its first word break where it starts inside a word on either
 * side (so "glatt" never anchors on "Blatt", while "USB-Kabel" re-joins at "Kabel"). */
static size_t shared_words(const ref_drafter *rd, const char *tail, size_t g, size_t j)
{
    const size_t e = rd->off[j];
    size_t l = 0;
    while (l < g && l < e && tail[g - 1 - l] == rd->text[e - 1 - l])
        l++;
    if ((l == g || break_before(tail, g - l)) && (l == e || break_before(rd->text, e - l)))
        return l;
    /* from the first break inside the stretch: the mark itself starts the word */
    for (size_t i = g - l; i < g; i++) {
        const size_t mark = break_before(tail, i + 1);
        if (mark)
            return g - (i + 1 - mark);
    }
    return 0;
}

/* The reference position where the output's end re-joins it: the token boundary after the longest
 * stretch of whole words both end with. Forward anchors (from where the output parted on) win; a
 * weak one (under REF_STRONG_BYTES) must lie within REF_NEAR tokens of where the output's new
 * tokens would bring the reference, and a backward one must be strong. *strong says whether the
 * anchor can carry a long draft. Returns the position or -1. */
static long find_anchor(const ref_drafter *rd, const char *tail, size_t g, size_t last_len, size_t n_new,
                        int *strong)
{
    const size_t need = last_len > REF_MIN_BYTES ? last_len : REF_MIN_BYTES;
    long fwd = -1, back = -1;
    size_t lf = 0, lb = 0;
    for (size_t j = 1; j <= rd->n_ref; j++) {
        const size_t l = shared_words(rd, tail, g, j);
        if (l < need)
            continue;
        if (j >= rd->lost) {
            const int near = j <= rd->lost + n_new + REF_NEAR;
            if (l > lf && (near || l >= REF_STRONG_BYTES))
                fwd = (long)j, lf = l; /* the nearest of the longest */
        } else if (l >= lb) {
            back = (long)j, lb = l; /* the latest of the longest */
        }
    }
    if (fwd >= 0) {
        *strong = lf >= REF_STRONG_BYTES;
        return fwd;
    }
    *strong = 0;
    return lb >= REF_STRONG_BYTES ? back : -1;
}

void ref_set_risk(ref_drafter *rd, const float *at, int n)
{
    rd->n_risk = rd->risk_next = 0;
    for (int i = 0; i < n && rd->n_risk < REF_RISK_MAX; i++) {
        const float f = at[i] < 0.0f ? 0.0f : at[i] > 1.0f ? 1.0f : at[i];
        const size_t p = (size_t)(f * (float)rd->n_ref);
        if (!rd->n_risk || p > rd->risk[rd->n_risk - 1])
            rd->risk[rd->n_risk++] = p;
    }
}

/* Drafts of a proposal from reference index FROM, Nd of them, after the cut at a predicted
 * departure (ref_set_risk). */
static int cut_at_risk(const ref_drafter *rd, size_t from, int nd)
{
    for (int i = rd->risk_next; i < rd->n_risk; i++)
        if (rd->risk[i] + REF_RISK_SLACK >= from) {
            const size_t keep = (rd->risk[i] > from ? rd->risk[i] - from : 0) + REF_RISK_SLACK;
            return keep + REF_RISK_CUT <= (size_t)nd ? (int)keep : nd;
        }
    return nd;
}

static int copy_draft(const ref_drafter *rd, int k, int32_t *drafts)
{
    int nd = 0;
    for (size_t j = rd->cur; j < rd->n_ref && nd < k; j++)
        drafts[nd++] = rd->ref[j];
    return cut_at_risk(rd, rd->cur, nd);
}

void ref_walk(ref_drafter *rd, const int32_t *hist, size_t n_hist)
{
    for (; rd->seen < n_hist; rd->seen++) {
        if (rd->aligned && rd->cur < rd->n_ref && rd->ref[rd->cur] == hist[rd->seen]) {
            rd->cur++;
            if (rd->guessing)
                rd->guessing = rd->no_guess = 0; /* the guess held */
            continue;
        }
        if (rd->aligned && !rd->guessing) {
            rd->lost = rd->cur; /* where the output parted from the reference */
            rd->lost_at = rd->seen;
            /* the departures predicted up to here came true */
            while (rd->risk_next < rd->n_risk && rd->risk[rd->risk_next] <= rd->lost + REF_RISK_SLACK)
                rd->risk_next++;
        }
        if (rd->aligned) {
            rd->no_guess = rd->guessing; /* a failed guess: no other before a confirmation */
            rd->aligned = rd->guessing = 0;
        }
    }
}

int ref_holding(const ref_drafter *rd)
{
    return rd->n_ref && rd->aligned && !rd->guessing && rd->cur < rd->n_ref;
}

int ref_propose(ref_drafter *rd, const int32_t *hist, size_t n_hist, int kmax, ref_piece_fn piece,
                const void *user, int32_t *drafts)
{
    if (!rd->n_ref || kmax <= 0)
        return 0;
    if (!rd->text && build_text(rd, piece, user))
        return -1;
    ref_walk(rd, hist, n_hist);
    if (rd->aligned) /* a guess still waits for the token that confirms it */
        return rd->guessing ? 0 : copy_draft(rd, kmax, drafts);
    size_t last_len = 0;
    const long g = output_tail(rd, hist, n_hist, rd->out0, piece, user, &last_len);
    if (g < 0)
        return -1;
    int strong = 0;
    const long j = g ? find_anchor(rd, rd->tail, (size_t)g, last_len, n_hist - rd->lost_at, &strong) : -1;
    if (j >= 0) {
        rd->cur = (size_t)j;
        rd->aligned = 1;
        rd->guessing = !strong;
        return strong ? copy_draft(rd, kmax, drafts) : 0;
    }
    /* One token in place of one: the output parted with its latest token and nothing re-joins, so
     * guess that the token replaced the reference's and the reference goes on after it. */
    if (!rd->no_guess && rd->lost_at == n_hist - 1 && rd->lost + 1 < rd->n_ref) {
        rd->cur = rd->lost + 1;
        rd->aligned = rd->guessing = 1;
    }
    return 0;
}
