/* Translation memory lookup (tm.h): exact matches by the normalised key, fuzzy ones by a trigram
 * prefilter (SQLite FTS5, the distinct words of the key as substring phrases, best bm25 first)
 * whose candidates are then scored by tm_fuzzy_score, the real edit-distance percentage. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "tm_db_internal.h"

#define QUERY_WORDS 24

void tm_hit_free(tm_hit *h)
{
    free(h->src_lang);
    free(h->tgt_lang);
    free(h->source);
    free(h->target);
    memset(h, 0, sizeof *h);
}

static char *plain_of(const unsigned char *xml)
{
    tm_buf b = {0};
    const char *x = xml ? (const char *)xml : "";
    if (tm_xml_to_plain(x, strlen(x), &b)) {
        tm_buf_free(&b);
        return NULL;
    }
    return b.p;
}

/* Keeps the best MAX hits in HITS (score desc, id desc). Returns -1 when out of memory. */
static int offer(tm_hit *hits, int max, int *n, sqlite3_stmt *st, int score)
{
    int64_t id = sqlite3_column_int64(st, 0);
    for (int i = 0; i < *n; i++)
        if (hits[i].id == id)
            return 0;
    int pos = *n;
    while (pos > 0 && (hits[pos - 1].score < score || (hits[pos - 1].score == score && hits[pos - 1].id < id)))
        pos--;
    if (pos >= max)
        return 0;
    if (*n == max)
        tm_hit_free(&hits[--*n]);
    memmove(hits + pos + 1, hits + pos, sizeof *hits * (size_t)(*n - pos));
    tm_hit h = {.score = score, .id = id};
    h.src_lang = strdup((const char *)sqlite3_column_text(st, 1));
    h.tgt_lang = strdup((const char *)sqlite3_column_text(st, 2));
    h.source = plain_of(sqlite3_column_text(st, 3));
    h.target = plain_of(sqlite3_column_text(st, 4));
    hits[pos] = h;
    ++*n;
    return h.src_lang && h.tgt_lang && h.source && h.target ? 0 : -1;
}

/* The FTS5 query for KEY: up to QUERY_WORDS distinct words of 3+ bytes as quoted phrases joined by
 * OR (longest words first: they say most). Empty when the key has no such word. */
static int fts_query(const char *key, tm_buf *q)
{
    struct w {
        const char *s;
        size_t n;
    } words[QUERY_WORDS];
    int nw = 0, fail = tm_buf_add(q, "", 0);
    for (const char *p = key; *p;) {
        while (*p == ' ')
            p++;
        const char *s = p;
        while (*p && *p != ' ')
            p++;
        size_t n = (size_t)(p - s);
        if (n < 3)
            continue;
        int dup = 0;
        for (int i = 0; i < nw && !dup; i++)
            dup = words[i].n == n && !memcmp(words[i].s, s, n);
        if (dup)
            continue;
        int at = nw < QUERY_WORDS ? nw++ : QUERY_WORDS;
        while (at > 0 && words[at - 1].n < n) {
            if (at < QUERY_WORDS)
                words[at] = words[at - 1];
            at--;
        }
        if (at < QUERY_WORDS)
            words[at] = (struct w){s, n};
    }
    for (int i = 0; i < nw && !fail; i++) {
        fail |= tm_buf_add(q, i ? " OR \"" : "\"", i ? 5 : 1);
        for (size_t j = 0; j < words[i].n && !fail; j++)
            fail |= tm_buf_add(q, words[i].s[j] == '"' ? "\"\"" : words[i].s + j, words[i].s[j] == '"' ? 2 : 1);
        fail |= tm_buf_add(q, "\"", 1);
    }
    return fail ? -1 : 0;
}

int tm_lookup(tm_db *db, const char *from, const char *to, const char *text, size_t len, int min_score,
              tm_hit *hits, int max, int *n_hits, tolk_error *err)
{
    char fp[16], tp[16];
    *n_hits = 0;
    if (max <= 0)
        return TOLK_OK;
    if (!to || tm_lang_primary(to, tp, sizeof tp))
        return error_set(err, TOLK_E_ARG, "translation memory lookup: bad target language code '%s' (expected "
                         "a code like de or pt-BR)", to ? to : "");
    if (from && tm_lang_primary(from, fp, sizeof fp))
        return error_set(err, TOLK_E_ARG, "translation memory lookup: bad source language code '%s' (expected "
                         "a code like en or en-US)", from);
    tm_buf key = {0}, q = {0};
    if (tm_key(text, len, &key))
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    int rc = TOLK_OK, r = SQLITE_DONE;
    sqlite3_stmt *st = NULL;
    /* exact: the same key */
    if (sqlite3_prepare_v2(db->db, "SELECT id, src_lang, tgt_lang, source, target FROM unit WHERE tgt_pri = ?1 "
                           "AND source_key = ?2 AND (?3 IS NULL OR src_pri = ?3) ORDER BY id DESC LIMIT ?4", -1, &st,
                           NULL) != SQLITE_OK)
        rc = tm_sql_error(db, "looking up", err);
    if (!rc) {
        sqlite3_bind_text(st, 1, tp, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key.p, (int)key.n, SQLITE_STATIC);
        if (from)
            sqlite3_bind_text(st, 3, fp, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, max);
        while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
            if (offer(hits, max, n_hits, st, 100))
                rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc && r != SQLITE_DONE)
            rc = tm_sql_error(db, "looking up", err);
    }
    sqlite3_finalize(st);
    st = NULL;
    /* fuzzy: trigram candidates, scored for real */
    if (!rc && min_score < 100 && fts_query(key.p, &q))
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    if (!rc && min_score < 100 && q.n) {
        if (sqlite3_prepare_v2(db->db, "SELECT u.id, u.src_lang, u.tgt_lang, u.source, u.target, u.source_key "
                               "FROM unit_fts JOIN unit u ON u.id = unit_fts.rowid WHERE unit_fts MATCH ?1 AND "
                               "u.tgt_pri = ?2 AND (?3 IS NULL OR u.src_pri = ?3) ORDER BY unit_fts.rank LIMIT ?4",
                               -1, &st, NULL) != SQLITE_OK)
            rc = tm_sql_error(db, "looking up fuzzy matches", err);
        if (!rc) {
            sqlite3_bind_text(st, 1, q.p, (int)q.n, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, tp, -1, SQLITE_STATIC);
            if (from)
                sqlite3_bind_text(st, 3, fp, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 4, TM_FUZZY_CANDIDATES);
            while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *k = (const char *)sqlite3_column_text(st, 5);
                int score = tm_fuzzy_score(key.p, key.n, k, (size_t)sqlite3_column_bytes(st, 5));
                if (score >= min_score && offer(hits, max, n_hits, st, score))
                    rc = error_set(err, TOLK_E_NOMEM, "out of memory");
            }
            if (!rc && r != SQLITE_DONE)
                rc = tm_sql_error(db, "looking up fuzzy matches", err);
        }
        sqlite3_finalize(st);
    }
    tm_buf_free(&key);
    tm_buf_free(&q);
    if (rc) {
        for (int i = 0; i < *n_hits; i++)
            tm_hit_free(&hits[i]);
        *n_hits = 0;
    }
    return rc;
}
