/* The public translation memory calls (tolk.h) over runtime/tm/: opening, adding, lookup, TMX
 * import and export, statistics. Translation uses the TM in translate.c. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "session.h"
#include "tm.h"

struct tolk_tm {
    tm_db *db;
};

int tolk_tm_open(const char *path, int mode, tolk_tm **out, tolk_error *err)
{
    if (!out)
        return error_set(err, TOLK_E_ARG, "tolk_tm_open: no place for the handle");
    *out = NULL;
    if (mode != TOLK_TM_READ && mode != TOLK_TM_WRITE)
        return error_set(err, TOLK_E_ARG, "tolk_tm_open: mode must be TOLK_TM_READ or TOLK_TM_WRITE");
    tolk_tm *tm = calloc(1, sizeof *tm);
    if (!tm)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    int rc = tm_open(path, mode == TOLK_TM_WRITE ? TM_WRITE : TM_READ, &tm->db, err);
    if (rc) {
        free(tm);
        return rc;
    }
    *out = tm;
    return TOLK_OK;
}

void tolk_tm_close(tolk_tm *tm)
{
    if (!tm)
        return;
    tm_close(tm->db);
    free(tm);
}

int tolk_tm_add(tolk_tm *tm, const char *src_lang, const char *tgt_lang, const char *source, size_t slen,
                const char *target, size_t tlen, int *added, tolk_error *err)
{
    if (!tm || (!source && slen) || (!target && tlen))
        return error_set(err, TOLK_E_ARG, "tolk_tm_add: no translation memory or no text");
    return tm_add_plain(tm->db, src_lang, tgt_lang, source, slen, target, tlen, added, err);
}

void tolk_tm_match_clear(tolk_tm_match *m)
{
    if (!m)
        return;
    free(m->src_lang);
    free(m->tgt_lang);
    free(m->source);
    free(m->target);
    memset(m, 0, sizeof *m);
}

int tolk_tm_lookup(tolk_tm *tm, const char *from, const char *to, const char *text, size_t len, int min_score,
                   tolk_tm_match *out, int max, int *n, tolk_error *err)
{
    if (!tm || !n || (!text && len) || (max > 0 && !out) || max > 1000)
        return error_set(err, TOLK_E_ARG, "tolk_tm_lookup: bad arguments");
    *n = 0;
    tm_hit *hits = max > 0 ? calloc((size_t)max, sizeof *hits) : NULL;
    if (max > 0 && !hits)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    int rc = tm_lookup(tm->db, from, to, text ? text : "", len, min_score, hits, max, n, err);
    for (int i = 0; i < *n; i++)
        out[i] = (tolk_tm_match){hits[i].score, hits[i].src_lang, hits[i].tgt_lang, hits[i].source, hits[i].target};
    free(hits);
    return rc;
}

int tolk_tm_score(const char *a, size_t alen, const char *b, size_t blen)
{
    tm_buf ka = {0}, kb = {0};
    int score = -1;
    if (!tm_key(a ? a : "", a ? alen : 0, &ka) && !tm_key(b ? b : "", b ? blen : 0, &kb))
        score = tm_fuzzy_score(ka.p, ka.n, kb.p, kb.n);
    tm_buf_free(&ka);
    tm_buf_free(&kb);
    return score;
}

int tolk_tm_import_tmx(tolk_tm *tm, const char *path, tolk_tm_import_stats *st, tolk_error *err)
{
    tm_import_stats s = {0};
    if (!tm || !path)
        return error_set(err, TOLK_E_ARG, "tolk_tm_import_tmx: no translation memory or file");
    int rc = tm_import_tmx(tm->db, path, &s, err);
    if (st)
        *st = (tolk_tm_import_stats){s.units, s.added, s.skipped};
    return rc;
}

int tolk_tm_export_tmx(tolk_tm *tm, const char *path, const char *from, const char *to, int64_t *n,
                       tolk_error *err)
{
    if (!tm || !path)
        return error_set(err, TOLK_E_ARG, "tolk_tm_export_tmx: no translation memory or file");
    return tm_export_tmx(tm->db, path, from, to, n, err);
}

int tolk_tm_stats(tolk_tm *tm, tolk_tm_pair_fn fn, void *user, tolk_error *err)
{
    if (!tm || !fn)
        return error_set(err, TOLK_E_ARG, "tolk_tm_stats: no translation memory or callback");
    return tm_pairs(tm->db, fn, user, err);
}

int tolk_session_set_tm(tolk_session *s, tolk_tm *tm, int min_score, unsigned flags, tolk_error *err)
{
    if (!s || min_score < 1 || min_score > 100)
        return error_set(err, TOLK_E_ARG, "the fuzzy threshold must be 1..100 percent (got %d)", min_score);
    s->tm = tm ? tm->db : NULL;
    s->tm_min = min_score;
    s->tm_flags = flags;
    return TOLK_OK;
}
