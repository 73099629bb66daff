/* `tolk serve`'s translation memory and glossary (serve_tm.h): one TM-aware session behind a mutex,
 * and a small cache of glossaries read per language pair. Translations look the TM and glossary up
 * on the session, run the model through the batching scheduler, then settle the glossary terms on
 * the session (sv_tm_generate); one-line templates translate on the session alone. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_ctx.h"
#include "serve_tm.h"

#define SV_TM_PAIRS 32 /* language pairs whose glossary is kept loaded */

typedef struct gloss_pair {
    char from[16], to[16];
    tolk_glossary *g; /* NULL: the file has no entries for this pair (or could not be read for it) */
} gloss_pair;

struct sv_tm {
    pthread_mutex_t lock;
    tolk_session *s;
    tolk_tm *tm;
    const char *glossary_path;
    gloss_pair pairs[SV_TM_PAIRS];
    int n_pairs;
    int by_line;      /* the template is a one-line one: texts are translated line by line */
};

int sv_tm_open(const sv_config *cfg, tolk_model *m, sv_tm **out, tolk_error *err)
{
    *out = NULL;
    if (!cfg->tm_path && !cfg->glossary_path)
        return TOLK_OK;
    sv_tm *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return err->code = TOLK_E_NOMEM;
    }
    pthread_mutex_init(&t->lock, NULL);
    t->glossary_path = cfg->glossary_path;
    int rc = tolk_session_new(m, &cfg->params, &t->s, err);
    if (!rc && cfg->tm_path)
        rc = tolk_tm_open(cfg->tm_path, TOLK_TM_READ, &t->tm, err);
    if (!rc && t->tm)
        rc = tolk_session_set_tm(t->s, t->tm, cfg->fuzzy, TOLK_TM_DEFAULT, err);
    if (!rc && (t->by_line = tolk_session_translates_by_line(t->s, err)) < 0)
        rc = -t->by_line;
    if (!rc && cfg->glossary_path) {
        /* read it once now so that a missing or broken file stops the server at start */
        tolk_glossary *g = NULL;
        rc = tolk_glossary_load(cfg->glossary_path, "en", "de", &g, err);
        tolk_glossary_free(g);
    }
    if (rc) {
        sv_tm_close(t);
        return rc;
    }
    *out = t;
    return TOLK_OK;
}

void sv_tm_close(sv_tm *t)
{
    if (!t)
        return;
    tolk_session_free(t->s);
    tolk_tm_close(t->tm);
    for (int i = 0; i < t->n_pairs; i++)
        tolk_glossary_free(t->pairs[i].g);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* The glossary for FROM -> TO (loaded on first use; the oldest pair makes room when the cache is
 * full). Called with the lock held. */
static int glossary_for(sv_tm *t, const char *from, const char *to, tolk_glossary **g, tolk_error *err)
{
    *g = NULL;
    if (!t->glossary_path)
        return TOLK_OK;
    for (int i = 0; i < t->n_pairs; i++)
        if (!strcmp(t->pairs[i].from, from) && !strcmp(t->pairs[i].to, to)) {
            *g = t->pairs[i].g;
            return TOLK_OK;
        }
    if (strlen(from) >= sizeof t->pairs[0].from || strlen(to) >= sizeof t->pairs[0].to)
        return TOLK_OK; /* not a language code tolk names: no glossary */
    int rc = tolk_glossary_load(t->glossary_path, from, to, g, err);
    if (rc)
        return rc;
    if (t->n_pairs == SV_TM_PAIRS) {
        tolk_glossary_free(t->pairs[0].g);
        memmove(&t->pairs[0], &t->pairs[1], sizeof t->pairs[0] * (SV_TM_PAIRS - 1));
        t->n_pairs--;
    }
    gloss_pair *p = &t->pairs[t->n_pairs++];
    snprintf(p->from, sizeof p->from, "%s", from);
    snprintf(p->to, sizeof p->to, "%s", to);
    p->g = *g;
    return TOLK_OK;
}

/* Under the lock: the session's glossary for FROM -> TO. */
static int use_pair(sv_tm *t, const char *from, const char *to, tolk_error *err)
{
    tolk_glossary *g = NULL;
    int rc = glossary_for(t, from, to, &g, err);
    return rc ? rc : tolk_session_set_glossary(t->s, g, err);
}

static int tm_fail(sv_reply *r, sv_api api, int rc, const tolk_error *err)
{
    sv_error(r, api, rc == TOLK_E_ARG ? 400 : 500, "%s", err->msg);
    return -1;
}

/* One prompt's text (a line, with a one-line template) into G->out: an exact match, or the model
 * on the scheduler and the glossary terms settled. */
static int tm_one(sv_server *srv, sv_gen *g, sv_reply *r, sv_api api, const char *text, size_t len)
{
    sv_tm *t = srv->tm;
    tolk_error err = {0};
    tolk_tm_plan plan;
    pthread_mutex_lock(&t->lock);
    int rc = use_pair(t, g->from, g->to, &err);
    if (!rc)
        rc = tolk_translate_prepare(t->s, g->from, g->to, text, len, &plan, &err);
    pthread_mutex_unlock(&t->lock);
    if (rc)
        return tm_fail(r, api, rc, &err);
    if (plan.answer) { /* an exact match: no model */
        sb_add(&g->out, plan.answer, plan.answer_len);
        tolk_tm_plan_free(&plan);
        if (g->out.oom) {
            sv_error(r, api, 500, "out of memory");
            return -1;
        }
        return 0;
    }
    g->text = plan.text; /* the notes ahead of the text, as tolk_translate's prompt has them */
    g->len = plan.text_len;
    g->noted = 1;
    int failed = sv_generate(srv, g, r, api);
    if (!failed && plan.n_terms && !g->st.cancelled) {
        char *out = NULL;
        size_t out_len = 0;
        int n_forced = 0;
        pthread_mutex_lock(&t->lock);
        rc = use_pair(t, g->from, g->to, &err);
        if (!rc)
            rc = tolk_translate_settle(t->s, g->from, g->to, text, len, &plan, g->n_predict, g->st.n_gen,
                                       g->out.p ? g->out.p : "", g->out.len, &out, &out_len, &n_forced, &err);
        pthread_mutex_unlock(&t->lock);
        if (rc) {
            failed = tm_fail(r, api, rc, &err);
        } else {
            g->out.len = 0;
            sb_add(&g->out, out, out_len);
            g->st.n_terms_forced = n_forced;
            free(out);
            if (g->out.oom) {
                sv_error(r, api, 500, "out of memory");
                failed = -1;
            }
        }
    }
    tolk_tm_plan_free(&plan);
    return failed;
}

int sv_tm_generate(sv_server *srv, sv_gen *g, sv_reply *r, sv_api api)
{
    const char *text = g->text;
    const size_t len = g->len;
    if (!srv->tm->by_line) {
        int failed = tm_one(srv, g, r, api, text, len);
        g->text = text;
        g->len = len;
        return failed;
    }
    /* line by line as tolk_translate: blank lines kept as they are, each other line on its own */
    sb_buf all = {0};
    int failed = 0;
    for (size_t i = 0; i <= len && !failed;) {
        const char *nl = memchr(text + i, '\n', len - i);
        const size_t end = nl ? (size_t)(nl - text) : len;
        size_t k = i;
        while (k < end && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
            k++;
        if (k < end) {
            sb_free(&g->out);
            failed = tm_one(srv, g, r, api, text + i, end - i);
            if (!failed)
                sb_add(&all, g->out.p ? g->out.p : "", g->out.len);
        }
        if (!nl || failed || g->st.cancelled)
            break;
        sb_add(&all, "\n", 1);
        i = end + 1;
    }
    g->text = text;
    g->len = len;
    sb_free(&g->out);
    g->out = all;
    if (!failed && all.oom) {
        sv_error(r, api, 500, "out of memory");
        failed = -1;
    }
    return failed;
}
