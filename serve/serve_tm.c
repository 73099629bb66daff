/* `tolk serve`'s translation memory and glossary (serve_tm.h): one TM-aware session behind a mutex,
 * and a small cache of glossaries read per language pair. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

typedef struct collect {
    sb_buf *out;
    int (*gone)(void *);
    void *gone_user;
} collect;

static int collect_piece(const char *text, size_t len, void *user)
{
    collect *c = user;
    sb_add(c->out, text, len);
    return c->gone && c->gone(c->gone_user);
}

int sv_tm_translate(sv_tm *t, const char *from, const char *to, const char *text, size_t len, int n_predict,
                    sb_buf *out, int (*gone)(void *), void *gone_user, tolk_error *err)
{
    pthread_mutex_lock(&t->lock);
    tolk_glossary *g = NULL;
    int rc = glossary_for(t, from, to, &g, err);
    if (!rc)
        rc = tolk_session_set_glossary(t->s, g, err);
    collect c = {.out = out, .gone = gone, .gone_user = gone_user};
    if (!rc)
        rc = tolk_translate(t->s, from, to, text, len, n_predict, collect_piece, &c, NULL, err);
    pthread_mutex_unlock(&t->lock);
    return rc;
}
