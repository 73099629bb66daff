/* What a tolk_session is inside (tolk.h only has the opaque handle): a generation context, the
 * caller's settings, speculative decoding when on, and the translation template. Shared by the
 * files of runtime/api/ only. */
#ifndef TOLK_API_SESSION_H
#define TOLK_API_SESSION_H

#include "chat.h"
#include "generate.h"
#include "speculative.h"
#include "threads.h"
#include "tolk.h"

struct tolk_session {
    gen_ctx gen;
    tolk_params params;
    threads_plan plan;          /* this session's threads and CPUs (gen.fp points into it) */
    spec_state *spec;           /* NULL when speculation is off */
    struct chat_template *tmpl; /* translation template, chosen on first use */
    struct tm_db *tm;           /* translation memory consulted by tolk_translate, or NULL */
    int tm_min;                 /* fuzzy threshold in percent */
    unsigned tm_flags;          /* TOLK_TM_* */
    spec_state *tm_spec;        /* the n-gram drafter used for TM drafts when speculation is off */
    struct glossary *gloss;     /* glossary used by tolk_translate, or NULL */
    tolk_term *terms;           /* the last tolk_translate's glossary terms */
    int n_terms, cap_terms;
    int no_term_forcing;        /* tolk_session_set_term_forcing(s, 0) */
    const char *para_context;   /* a document sentence's paragraph, shown in the prompt as context
                                 * (set around one tolk_translate by document.c), or NULL */
    size_t para_context_len;
};

/* Plain or speculative decoding of PROMPT, whichever the session is set up for (gen_plain's
 * contract). */
int session_generate(tolk_session *s, const tok_ids *prompt, int n_predict, int32_t stop_tok, tolk_emit_fn emit,
                     void *user, tolk_stats *st, tolk_error *err);

#endif
