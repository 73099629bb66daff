/* TMX import and export in a build with SQLite but without libxml2 (tm.h): they say so in one line. */
#include "error.h"
#include "tm.h"

#define WITHOUT_LIBXML2 "tolk was built without libxml2 (TMX import and export need it: install libxml2-dev " \
                        "and reconfigure)"

int tm_import_tmx(tm_db *db, const char *path, tm_import_stats *st, tolk_error *err)
{
    (void)db, (void)path, (void)st;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_LIBXML2);
}

int tm_export_tmx(tm_db *db, const char *path, const char *from, const char *to, int64_t *n, tolk_error *err)
{
    (void)db, (void)path, (void)from, (void)to, (void)n;
    return error_set(err, TOLK_E_UNSUPPORTED, WITHOUT_LIBXML2);
}
