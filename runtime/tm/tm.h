/* Translation memory (docs/TM.md): a SQLite database of approved segment pairs with exact and fuzzy
 * lookup, TMX 1.4b import and export. tm_text.c (always built) holds the text side: TMX inline
 * markup to plain text, the normalised matching key and the fuzzy score; tm_db.c, tm_lookup.c and
 * tm_tmx.c the database side (HAVE_SQLITE; tm_tmx.c also HAVE_LIBXML2); tm_none.c answers "built
 * without SQLite" otherwise. The public side is runtime/api/tm.c. */
#ifndef TOLK_TM_H
#define TOLK_TM_H

#include <stddef.h>
#include <stdint.h>

#include "tolk.h"

#define TM_SCHEMA_VERSION 2 /* PRAGMA user_version of a current database */
#define TM_FUZZY_CANDIDATES 64 /* rows the trigram prefilter hands to the edit-distance score */

typedef struct tm_db tm_db;

/* ---- tm_text.c ---- */

/* A growing byte buffer (NUL-terminated while non-empty). */
typedef struct tm_buf {
    char *p;
    size_t n, cap;
} tm_buf;
int tm_buf_add(tm_buf *b, const char *s, size_t n);
void tm_buf_free(tm_buf *b);

/* Plain text of a TMX <seg>'s inner XML: the text as it stood in the original document, so the
 * inline elements' tags go and their content (bpt, ept, ph, it, ut: the document's own markup, such
 * as <b> or {0}) stays, with entity and character references undone. 0, or -1: out of memory. */
int tm_xml_to_plain(const char *xml, size_t len, tm_buf *out);

/* Plain text as the inner XML of a <seg> (&, <, > escaped). */
int tm_plain_to_xml(const char *text, size_t len, tm_buf *out);

/* The matching key of plain text: whitespace runs become one space, ends trimmed, placeholders
 * ({0}, {name}, %s, %1$d, <tag>, </tag>) each become "{}". */
int tm_key(const char *text, size_t len, tm_buf *out);

/* An exact match's target for a text whose placeholders are spelt differently: each placeholder of
 * TM_TARGET that stands in TM_SOURCE is replaced by the placeholder at the same place in SOURCE
 * ("{0} Dateien" for "Delete %d files" from "Delete {0} files" becomes "%d Dateien"). */
int tm_adapt_placeholders(const char *tm_source, const char *source, const char *tm_target, tm_buf *out);

/* The fuzzy score of two keys in percent, like CAT tools: 100 * (1 - d / max(na, nb)) rounded
 * down, where d is the Levenshtein distance over tokens (words and single punctuation marks) and
 * na, nb the token counts; 100 only when the keys are equal. */
int tm_fuzzy_score(const char *a, size_t alen, const char *b, size_t blen);

/* Where key B departs from key A (the edits of a shortest token-level edit script, as
 * tm_fuzzy_score counts them): up to MAX places, ascending, as fractions 0..1 of A's token count
 * (the token of A substituted or deleted, or the one an insertion goes before). Returns the count
 * (0: equal tokens, or keys too long to align: more than 1024 tokens). */
int tm_edit_places(const char *a, size_t alen, const char *b, size_t blen, float *at, int max);

/* The primary language subtag, lower-cased, of CODE ("de-DE" -> "de") into OUT (size >= 16);
 * returns 0, or -1 when CODE does not start with a 2- or 3-letter ISO 639 code ("German"). */
int tm_lang_primary(const char *code, char *out, size_t size);

/* ---- tm_db.c ---- */
enum { TM_READ = 0, TM_WRITE = 1 };

/* Opens (creating when MODE is TM_WRITE) the database at PATH, migrating its schema to
 * TM_SCHEMA_VERSION. A writer holds PATH-writer.lock; a second writer is refused. */
int tm_open(const char *path, int mode, tm_db **out, tolk_error *err);
void tm_close(tm_db *db);

/* Adds one unit (segments as TMX inner XML); a unit already there is left as it is (*added 0). */
int tm_add_xml(tm_db *db, const char *src_lang, const char *tgt_lang, const char *src_xml, const char *tgt_xml,
               int *added, tolk_error *err);
/* The same for plain text (escaped into XML first). */
int tm_add_plain(tm_db *db, const char *src_lang, const char *tgt_lang, const char *src, size_t slen,
                 const char *tgt, size_t tlen, int *added, tolk_error *err);
/* Transactions around many tm_add_xml calls (tm_tmx.c commits every few thousand units). */
int tm_begin(tm_db *db, tolk_error *err);
int tm_commit(tm_db *db, tolk_error *err);
void tm_rollback(tm_db *db);

/* Units per language pair: calls FN for each pair (codes as stored). */
typedef int (*tm_pair_fn)(const char *src_lang, const char *tgt_lang, int64_t n, void *user);
int tm_pairs(tm_db *db, tm_pair_fn fn, void *user, tolk_error *err);

/* Every unit (optionally only pairs whose primary subtags are FROM and TO), in id order. */
typedef int (*tm_unit_fn)(const char *src_lang, const char *tgt_lang, const char *src_xml, const char *tgt_xml,
                          void *user);
int tm_each(tm_db *db, const char *from, const char *to, tm_unit_fn fn, void *user, tolk_error *err);

/* ---- tm_lookup.c ---- */
typedef struct tm_hit {
    int score;          /* 100: exact (same key) */
    int64_t id;
    char *src_lang, *tgt_lang;
    char *source, *target; /* plain text */
} tm_hit;

/* The best matches for TEXT (plain) from FROM (may be NULL: any) to TO, score >= MIN_SCORE, best
 * first (ties: newest first), at most MAX; *n_hits set. */
int tm_lookup(tm_db *db, const char *from, const char *to, const char *text, size_t len, int min_score,
              tm_hit *hits, int max, int *n_hits, tolk_error *err);
void tm_hit_free(tm_hit *h);

/* ---- tm_tmx.c ---- */
typedef struct tm_import_stats {
    int64_t units, added, skipped; /* <tu> read; added; without both languages or empty */
} tm_import_stats;
/* Streams the TMX file at PATH into DB (one transaction per few thousand units). */
int tm_import_tmx(tm_db *db, const char *path, tm_import_stats *st, tolk_error *err);
/* Writes the units (FROM/TO as for tm_each) as TMX 1.4b to PATH; *n units written. */
int tm_export_tmx(tm_db *db, const char *path, const char *from, const char *to, int64_t *n, tolk_error *err);

#endif
