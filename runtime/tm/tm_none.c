/* The translation memory in a build without SQLite (tm.h): every database call says so in one line;
 * the text side (tm_text.c) is still built. */
#include "error.h"
#include "tm.h"

#define WITHOUT_SQLITE "tolk was built without SQLite (the translation memory needs it: install libsqlite3-dev " \
                       "and reconfigure)"

int tm_open(const char *path, int mode, tm_db **out, tolk_error *err)
{
    (void)path;
    (void)mode;
    *out = NULL;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_SQLITE);
}

void tm_close(tm_db *db)
{
    (void)db;
}

int tm_add_xml(tm_db *db, const char *src_lang, const char *tgt_lang, const char *src_xml, const char *tgt_xml,
               int *added, tolk_error *err)
{
    (void)db, (void)src_lang, (void)tgt_lang, (void)src_xml, (void)tgt_xml, (void)added;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_SQLITE);
}

int tm_add_plain(tm_db *db, const char *src_lang, const char *tgt_lang, const char *src, size_t slen,
                 const char *tgt, size_t tlen, int *added, tolk_error *err)
{
    (void)db, (void)src_lang, (void)tgt_lang, (void)src, (void)slen, (void)tgt, (void)tlen, (void)added;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_SQLITE);
}

int tm_pairs(tm_db *db, tm_pair_fn fn, void *user, tolk_error *err)
{
    (void)db, (void)fn, (void)user;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_SQLITE);
}

int tm_lookup(tm_db *db, const char *from, const char *to, const char *text, size_t len, int min_score,
              tm_hit *hits, int max, int *n_hits, tolk_error *err)
{
    (void)db, (void)from, (void)to, (void)text, (void)len, (void)min_score, (void)hits, (void)max;
    *n_hits = 0;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_SQLITE);
}

void tm_hit_free(tm_hit *h)
{
    (void)h;
}

int tm_import_tmx(tm_db *db, const char *path, tm_import_stats *st, tolk_error *err)
{
    (void)db, (void)path, (void)st;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_SQLITE);
}

int tm_export_tmx(tm_db *db, const char *path, const char *from, const char *to, int64_t *n, tolk_error *err)
{
    (void)db, (void)path, (void)from, (void)to, (void)n;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_SQLITE);
}

int tm_begin(tm_db *db, tolk_error *err)
{
    (void)db;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_SQLITE);
}

int tm_commit(tm_db *db, tolk_error *err)
{
    (void)db;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_SQLITE);
}

void tm_rollback(tm_db *db)
{
    (void)db;
}
