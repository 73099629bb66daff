/* The translation memory database (tm.h, docs/TM.md): opening with the schema migrated to
 * TM_SCHEMA_VERSION (PRAGMA user_version), WAL journal, synchronous=FULL so a killed process loses
 * nothing committed, one writer at a time (an flock'ed PATH-writer.lock; a second writer is refused
 * at once, and SQLite's busy timeout covers readers meeting a checkpoint), adding units, and
 * walking them for statistics and export. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "tm_db_internal.h"

#define TM_BUSY_MS 5000

int tm_sql_error(tm_db *db, const char *what, tolk_error *err)
{
    return error_set(err, TOLK_E_IO, "translation memory %s: %s: %s", db->path, what, sqlite3_errmsg(db->db));
}

static int exec(tm_db *db, const char *sql, tolk_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return TOLK_OK;
    int rc = error_set(err, TOLK_E_IO, "translation memory %s: %s", db->path, msg ? msg : "SQL error");
    sqlite3_free(msg);
    return rc;
}

/* Schema steps: step[v] takes a database at version v to v + 1. */
static const char *const migrations[TM_SCHEMA_VERSION] = {
    /* 0 -> 1: the units */
    "CREATE TABLE unit(id INTEGER PRIMARY KEY, src_lang TEXT NOT NULL, tgt_lang TEXT NOT NULL,"
    " src_pri TEXT NOT NULL, tgt_pri TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
    " source_key TEXT NOT NULL, created INTEGER NOT NULL, UNIQUE(src_lang, tgt_lang, source, target));"
    "CREATE INDEX unit_by_key ON unit(tgt_pri, source_key);"
    "PRAGMA user_version = 1;",
    /* 1 -> 2: the trigram index behind fuzzy lookup, kept in step by triggers */
    "CREATE VIRTUAL TABLE unit_fts USING fts5(source_key, content='unit', content_rowid='id',"
    " tokenize='trigram');"
    "CREATE TRIGGER unit_fts_ins AFTER INSERT ON unit BEGIN"
    " INSERT INTO unit_fts(rowid, source_key) VALUES (new.id, new.source_key); END;"
    "CREATE TRIGGER unit_fts_del AFTER DELETE ON unit BEGIN"
    " INSERT INTO unit_fts(unit_fts, rowid, source_key) VALUES ('delete', old.id, old.source_key); END;"
    "INSERT INTO unit_fts(unit_fts) VALUES ('rebuild');"
    "PRAGMA user_version = 2;",
};

static int user_version(tm_db *db, int *v, tolk_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return tm_sql_error(db, "reading the schema version", err);
    *v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return TOLK_OK;
}

static int take_writer_lock(tm_db *db, tolk_error *err)
{
    size_t n = strlen(db->path) + 16;
    char *lp = malloc(n);
    if (!lp)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    snprintf(lp, n, "%s-writer.lock", db->path);
    db->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int e = errno;
    free(lp);
    if (db->lock_fd < 0)
        return error_set(err, TOLK_E_IO, "translation memory %s: cannot create its writer lock: %s", db->path,
                         strerror(e));
    if (flock(db->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return error_set(err, TOLK_E_STATE, "translation memory %s is being written by another process "
                         "(one writer at a time); try again when it has finished", db->path);
    return TOLK_OK;
}

/* Brings the schema to TM_SCHEMA_VERSION, one transaction per step. */
static int migrate(tm_db *db, tolk_error *err)
{
    int v = 0, rc = user_version(db, &v, err);
    if (rc)
        return rc;
    if (v > TM_SCHEMA_VERSION)
        return error_set(err, TOLK_E_UNSUPPORTED, "translation memory %s has schema version %d; this tolk "
                         "knows versions up to %d (a newer tolk wrote it)", db->path, v, TM_SCHEMA_VERSION);
    if (v < TM_SCHEMA_VERSION && db->lock_fd < 0)
        return error_set(err, TOLK_E_STATE, "translation memory %s has the old schema version %d: bring it up "
                         "to date with `tolk tm migrate` (or any write to it)", db->path, v);
    for (; v < TM_SCHEMA_VERSION; v++) {
        if ((rc = exec(db, "BEGIN IMMEDIATE", err)))
            return rc;
        if ((rc = exec(db, migrations[v], err))) {
            exec(db, "ROLLBACK", NULL);
            return rc;
        }
        if ((rc = exec(db, "COMMIT", err)))
            return rc;
    }
    return TOLK_OK;
}

int tm_open(const char *path, int mode, tm_db **out, tolk_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return error_set(err, TOLK_E_ARG, "no translation memory path given");
    tm_db *db = calloc(1, sizeof *db);
    if (!db || !(db->path = strdup(path))) {
        free(db);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    db->lock_fd = -1;
    int rc = TOLK_OK;
    if (mode == TM_WRITE)
        rc = take_writer_lock(db, err);
    else if (access(path, F_OK) != 0)
        rc = error_set(err, TOLK_E_IO, "no translation memory at %s (create one with `tolk tm import FILE.tmx "
                       "--tm %s`): %s", path, path, strerror(errno));
    if (!rc) {
        int flags = mode == TM_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READWRITE;
        if (sqlite3_open_v2(path, &db->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
            rc = error_set(err, TOLK_E_IO, "cannot open translation memory %s: %s", path,
                           db->db ? sqlite3_errmsg(db->db) : "out of memory");
    }
    if (!rc) {
        sqlite3_busy_timeout(db->db, TM_BUSY_MS);
        sqlite3_extended_result_codes(db->db, 1);
        rc = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", err);
        if (rc && strstr(err->msg, "not a database"))
            rc = error_set(err, TOLK_E_FORMAT, "%s is not a translation memory (not an SQLite database)", path);
    }
    if (!rc)
        rc = migrate(db, err);
    if (!rc && mode == TM_READ) {
        /* a reader also checks that this is a tolk TM, not some other SQLite file */
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db->db, "SELECT count(*) FROM unit_fts WHERE 0", -1, &st, NULL) != SQLITE_OK)
            rc = error_set(err, TOLK_E_FORMAT, "%s is not a tolk translation memory (%s)", path,
                           sqlite3_errmsg(db->db));
        sqlite3_finalize(st);
    }
    if (rc) {
        tm_close(db);
        return rc;
    }
    *out = db;
    return TOLK_OK;
}

void tm_close(tm_db *db)
{
    if (!db)
        return;
    if (db->in_tx)
        tm_rollback(db);
    sqlite3_finalize(db->insert);
    sqlite3_close(db->db);
    if (db->lock_fd >= 0)
        close(db->lock_fd); /* releases the flock */
    free(db->path);
    free(db);
}

int tm_begin(tm_db *db, tolk_error *err)
{
    int rc = exec(db, "BEGIN IMMEDIATE", err);
    db->in_tx = !rc;
    return rc;
}

int tm_commit(tm_db *db, tolk_error *err)
{
    int rc = exec(db, "COMMIT", err);
    if (!rc)
        db->in_tx = 0;
    return rc;
}

void tm_rollback(tm_db *db)
{
    exec(db, "ROLLBACK", NULL);
    db->in_tx = 0;
}

int tm_add_xml(tm_db *db, const char *src_lang, const char *tgt_lang, const char *src_xml, const char *tgt_xml,
               int *added, tolk_error *err)
{
    char sp[16], tp[16];
    if (added)
        *added = 0;
    if (db->lock_fd < 0)
        return error_set(err, TOLK_E_STATE, "translation memory %s was opened for reading only", db->path);
    if (tm_lang_primary(src_lang, sp, sizeof sp) || tm_lang_primary(tgt_lang, tp, sizeof tp))
        return error_set(err, TOLK_E_ARG, "bad language code '%s' or '%s' (expected codes like en, de-DE)",
                         src_lang ? src_lang : "", tgt_lang ? tgt_lang : "");
    tm_buf plain = {0}, key = {0};
    if (tm_xml_to_plain(src_xml, strlen(src_xml), &plain) || tm_key(plain.p, plain.n, &key)) {
        tm_buf_free(&plain);
        tm_buf_free(&key);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    int rc = TOLK_OK;
    if (!db->insert && sqlite3_prepare_v3(db->db, "INSERT OR IGNORE INTO unit(src_lang, tgt_lang, src_pri, "
                                          "tgt_pri, source, target, source_key, created) VALUES (?,?,?,?,?,?,?,?)",
                                          -1, SQLITE_PREPARE_PERSISTENT, &db->insert, NULL) != SQLITE_OK)
        rc = tm_sql_error(db, "preparing an insert", err);
    if (!rc) {
        sqlite3_stmt *st = db->insert;
        sqlite3_bind_text(st, 1, src_lang, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, tgt_lang, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, sp, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, tp, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, src_xml, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, tgt_xml, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, key.p, (int)key.n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)time(NULL));
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = tm_sql_error(db, "adding a unit", err);
        else if (added)
            *added = sqlite3_changes(db->db) > 0;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    tm_buf_free(&plain);
    tm_buf_free(&key);
    return rc;
}

int tm_pairs(tm_db *db, tm_pair_fn fn, void *user, tolk_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, "SELECT src_lang, tgt_lang, count(*) FROM unit GROUP BY src_lang, tgt_lang "
                           "ORDER BY src_lang, tgt_lang", -1, &st, NULL) != SQLITE_OK)
        return tm_sql_error(db, "counting units", err);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if (fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
               sqlite3_column_int64(st, 2), user))
            break;
    int rc = r == SQLITE_ROW || r == SQLITE_DONE ? TOLK_OK : tm_sql_error(db, "counting units", err);
    sqlite3_finalize(st);
    return rc;
}

int tm_each(tm_db *db, const char *from, const char *to, tm_unit_fn fn, void *user, tolk_error *err)
{
    char fp[16], tp[16];
    if ((from && tm_lang_primary(from, fp, sizeof fp)) || (to && tm_lang_primary(to, tp, sizeof tp)))
        return error_set(err, TOLK_E_ARG, "bad language code '%s' (expected codes like en, de-DE)",
                         from && tm_lang_primary(from, fp, sizeof fp) ? from : to);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, "SELECT src_lang, tgt_lang, source, target FROM unit WHERE (?1 IS NULL OR "
                           "src_pri = ?1) AND (?2 IS NULL OR tgt_pri = ?2) ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return tm_sql_error(db, "reading units", err);
    if (from)
        sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
    if (to)
        sqlite3_bind_text(st, 2, tp, -1, SQLITE_STATIC);
    int r, rc = TOLK_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3), user)) {
            rc = err->code ? err->code : TOLK_E_IO;
            break;
        }
    }
    if (!rc && r != SQLITE_DONE)
        rc = tm_sql_error(db, "reading units", err);
    sqlite3_finalize(st);
    return rc;
}

int tm_add_plain(tm_db *db, const char *src_lang, const char *tgt_lang, const char *src, size_t slen,
                 const char *tgt, size_t tlen, int *added, tolk_error *err)
{
    if (memchr(src, 0, slen) || memchr(tgt, 0, tlen))
        return error_set(err, TOLK_E_ARG, "a translation memory segment may not contain a NUL byte");
    tm_buf s = {0}, t = {0};
    int rc;
    if (tm_plain_to_xml(src, slen, &s) || tm_plain_to_xml(tgt, tlen, &t))
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    else
        rc = tm_add_xml(db, src_lang, tgt_lang, s.p, t.p, added, err);
    tm_buf_free(&s);
    tm_buf_free(&t);
    return rc;
}
