/* Reference drafting (the translation memory as a speculative draft, docs/TM.md): a text expected
 * to resemble the output (a fuzzy match's target) is followed token by token while the output
 * agrees with it; where they part, the drafter re-anchors on the longest stretch of text at the
 * output's end that the reference also holds (compared as token pieces, so a word split into
 * other tokens still re-joins), or guesses a one-token substitution. It drafts only where the
 * alignment is confirmed: a long anchor, or a short anchor or guess whose first token the output
 * has just produced (until then the step is plain: a pass of n tokens costs about 0.54 + 0.41 n
 * decode steps, docs/TM.md, so drafting from an unsure place saves at most one pass's fixed half
 * step while each wrong draft wastes 0.41; a plain step's token checks it for free). Pure
 * bookkeeping over token ids and their pieces: verification keeps the output exact whatever it
 * proposes, only the speed depends on it. */
#ifndef TOLK_SPEC_REF_H
#define TOLK_SPEC_REF_H

#include <stddef.h>
#include <stdint.h>

/* The text of a token as the vocabulary stores it (SentencePiece or byte-level pieces). */
typedef const char *(*ref_piece_fn)(const void *user, int32_t id, size_t *len);

#define REF_RISK_MAX 16 /* places of departure kept (ref_set_risk) */
#define REF_RISK_SLACK 3 /* drafts kept from a predicted departure on (it may lie a little later) */
#define REF_RISK_CUT 3   /* a draft is cut only where that leaves out this many tokens or more */

typedef struct ref_drafter {
    int32_t *ref;     /* the reference's tokens */
    size_t n_ref;
    char *text;       /* their pieces end to end (built on the first proposal) */
    size_t *off;      /* [n_ref + 1]: token j's piece starts at text[off[j]] */
    size_t out0;      /* history index where the output starts */
    size_t seen;      /* history tokens already walked against the reference */
    size_t cur;       /* reference index the next output token should match ... */
    int aligned;      /* ... while 1 */
    size_t lost;      /* where the output last parted from the reference */
    size_t lost_at;   /* history index of the token that parted from it */
    int guessing;     /* the alignment is a guess not yet confirmed by a matching token */
    int no_guess;     /* the last guess failed: no substitution guess before a confirmation */
    char *tail;       /* the output's last pieces (re-anchoring) */
    size_t tail_cap;
    size_t risk[REF_RISK_MAX]; /* reference indexes where the output is expected to part from it */
    int n_risk;               /* (ref_set_risk; ascending) */
    int risk_next;            /* the first not yet explained by a departure of the output */
} ref_drafter;

/* Anchors: one of REF_STRONG_BYTES matching bytes or more is drafted from at once, a shorter one
 * only once the output's next token confirms it. */
#define REF_STRONG_BYTES 8
#define REF_NEAR 4      /* a weak anchor lies at most this many tokens past the expected place */
#define REF_MIN_BYTES 3 /* shortest anchor taken (and it covers the output's last token) */
#define REF_TAIL_BYTES 96 /* output text compared when re-anchoring */

/* Takes a copy of IDS[0..n) (n = 0: no reference). Returns 0 or -1 (out of memory). */
int ref_set(ref_drafter *rd, const int32_t *ids, size_t n);
void ref_free(ref_drafter *rd);

/* A new output starts after a prompt of N_PROMPT history tokens: its first token should be ref[0]. */
void ref_restart(ref_drafter *rd, size_t n_prompt);

/* Proposes up to KMAX tokens continuing HIST[0..n_hist) (prompt then output; ref_restart told
 * where the output starts) into DRAFTS. Returns the count, 0 when the reference offers nothing sure
 * here (the step should be plain: its token may confirm a guess), -1 when out of memory. */
int ref_propose(ref_drafter *rd, const int32_t *hist, size_t n_hist, int kmax, ref_piece_fn piece,
                const void *user, int32_t *drafts);

/* Where the output is expected to part from the reference (where the new source differs from the
 * match's, tm_edit_places): AT[0..n) in 0..1, fractions of the reference's length (kept until the
 * next ref_set; at most REF_RISK_MAX). A draft from the reference then ends REF_RISK_SLACK tokens
 * after the first such place it covers (or one that lies up to REF_RISK_SLACK before it), where
 * that leaves out REF_RISK_CUT tokens or more: past a departure every drafted token is rejected,
 * each costing about 0.4 of a decode step to verify, while a cut that was not needed costs the
 * fixed part of one more pass, about half a step (docs/TM.md). */
void ref_set_risk(ref_drafter *rd, const float *at, int n);

/* Walks the output HIST[seen..n_hist) against the reference (ref_propose does it first itself). */
void ref_walk(ref_drafter *rd, const int32_t *hist, size_t n_hist);

/* Whether the reference is holding: the output follows it, confirmed by its own tokens (or from
 * the output's start, or re-joined on a long anchor), and it has more to offer. */
int ref_holding(const ref_drafter *rd);

#endif
