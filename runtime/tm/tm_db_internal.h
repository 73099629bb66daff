/* What a tm_db is inside: shared by tm_db.c, tm_lookup.c and tm_tmx.c only (HAVE_SQLITE). */
#ifndef TOLK_TM_DB_INTERNAL_H
#define TOLK_TM_DB_INTERNAL_H

#include <sqlite3.h>

#include "tm.h"

struct tm_db {
    sqlite3 *db;
    char *path;
    int lock_fd;          /* PATH-writer.lock held with flock while writing; -1 for readers */
    sqlite3_stmt *insert; /* prepared on first tm_add_xml */
    int in_tx;
};

/* Sets ERR from the database's last error, prefixed with WHAT; returns TOLK_E_IO. */
int tm_sql_error(tm_db *db, const char *what, tolk_error *err);

#endif
