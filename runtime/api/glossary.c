/* The public glossary calls (tolk.h) over runtime/translate/glossary*.c: loading, finding terms,
 * checking a translation, and attaching a glossary to a session (translate.c uses it). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "glossary.h"
#include "session.h"

struct tolk_glossary {
    glossary *g;
};

int tolk_glossary_load(const char *path, const char *from, const char *to, tolk_glossary **out, tolk_error *err)
{
    if (!out || !path)
        return error_set(err, TOLK_E_ARG, "tolk_glossary_load: no file or no place for the handle");
    *out = NULL;
    tolk_glossary *tg = calloc(1, sizeof *tg);
    if (!tg)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    int rc = glossary_load(path, from, to, &tg->g, err);
    if (rc) {
        free(tg);
        return rc;
    }
    *out = tg;
    return TOLK_OK;
}

void tolk_glossary_free(tolk_glossary *g)
{
    if (!g)
        return;
    glossary_free(g->g);
    free(g);
}

size_t tolk_glossary_size(const tolk_glossary *g)
{
    return g ? glossary_size(g->g) : 0;
}

int tolk_glossary_find(const tolk_glossary *g, const char *text, size_t len, tolk_term **terms, int *n,
                       tolk_error *err)
{
    if (!g || !terms || !n || (!text && len))
        return error_set(err, TOLK_E_ARG, "tolk_glossary_find: bad arguments");
    gloss_hit *h = NULL;
    int rc = glossary_find(g->g, text ? text : "", len, &h, n, err);
    *terms = NULL;
    if (!rc && *n) {
        if (!(*terms = malloc(sizeof **terms * (size_t)*n)))
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        for (int i = 0; !rc && i < *n; i++)
            (*terms)[i] = (tolk_term){h[i].source, h[i].target, h[i].start, h[i].end, 0, 0};
    }
    free(h);
    if (rc)
        *n = 0;
    return rc;
}

int tolk_glossary_contains(const tolk_glossary *g, const char *term, const char *text, size_t len)
{
    if (!g || !term || (!text && len))
        return 0;
    return glossary_contains(g->g, term, text ? text : "", len);
}

int tolk_session_set_glossary(tolk_session *s, tolk_glossary *g, tolk_error *err)
{
    if (!s)
        return error_set(err, TOLK_E_ARG, "tolk_session_set_glossary: no session");
    s->gloss = g ? g->g : NULL;
    s->n_terms = 0;
    return TOLK_OK;
}

int tolk_session_terms(const tolk_session *s, const tolk_term **terms)
{
    if (terms)
        *terms = s ? s->terms : NULL;
    return s ? s->n_terms : 0;
}

int tolk_session_set_term_forcing(tolk_session *s, int on, tolk_error *err)
{
    if (!s)
        return error_set(err, TOLK_E_ARG, "tolk_session_set_term_forcing: no session");
    s->no_term_forcing = !on;
    return TOLK_OK;
}
