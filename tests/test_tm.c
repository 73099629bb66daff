/* Tests for the translation memory (runtime/tm/, runtime/api/tm.c): the fuzzy score against
 * hand-computed values, key normalisation (whitespace, placeholders), TMX inline markup to plain
 * text, exact and fuzzy lookup ranking, language pairs, schema migration from version 1 and a
 * refused future version, one writer at a time, and TMX import/export byte-stable on fixtures. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "skip.h"
#include "suite_run.h"
#include "tm.h"
#include "tolk.h"

static char dir[256];

static int make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/tolk_test_tm_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static int score(const char *a, const char *b)
{
    return tolk_tm_score(a, strlen(a), b, strlen(b));
}

START_TEST(fuzzy_scores_hand_computed)
{
    /* 6 tokens (The green car is fast .), one substituted: 100 * 5 / 6 = 83.3 -> 83 */
    ck_assert_int_eq(score("The green car is fast.", "The red car is fast."), 83);
    /* one word inserted: 7 vs 6 tokens, distance 1: 100 * 6 / 7 = 85.7 -> 85 */
    ck_assert_int_eq(score("The red car is very fast.", "The red car is fast."), 85);
    /* two substitutions in 6 tokens: 100 * 4 / 6 = 66 */
    ck_assert_int_eq(score("The blue car is slow.", "The green car is fast."), 66);
    /* nothing in common: 0 */
    ck_assert_int_eq(score("alpha beta", "gamma delta"), 0);
    /* equal after whitespace normalisation: 100 */
    ck_assert_int_eq(score("  Open   the\tfile.\n", "Open the file."), 100);
    /* placeholders of any spelling are one and the same token: 100 */
    ck_assert_int_eq(score("Delete {0} files?", "Delete %d files?"), 100);
    ck_assert_int_eq(score("Click <b>Save</b>.", "Click <i>Save</i>."), 100);
    /* same tokens but different spacing around punctuation: not exact, 99 */
    ck_assert_int_eq(score("Hello , world", "Hello, world"), 99);
    /* case matters (a capital is a different token): 1 of 3 -> 66 */
    ck_assert_int_eq(score("Open the file", "open the file"), 66);
    /* 10 tokens, 2 edits (one deletion, one substitution): 100 * 8 / 10 = 80 */
    ck_assert_int_eq(score("Turn the red knob to the left until it clicks",
                           "Turn the knob to the right until it clicks"), 80);
    ck_assert_int_eq(score("", ""), 100);
    ck_assert_int_eq(score("word", ""), 0);
}
END_TEST

/* Where a new segment departs from a match's source (tm_edit_places): the places of a shortest
 * token-level edit script, as fractions of the match's token count, first to last. */
static int places(const char *a, const char *b, float *at, int max)
{
    return tm_edit_places(a, strlen(a), b, strlen(b), at, max);
}

START_TEST(edit_places_hand_computed)
{
    float at[8];
    /* "The red car is fast ." (6 tokens): "red" (token 1) substituted: 1/6 */
    ck_assert_int_eq(places("The red car is fast.", "The green car is fast.", at, 8), 1);
    ck_assert_float_eq_tol(at[0], 1.0f / 6.0f, 1e-6f);
    /* "very" inserted before "fast" (token 4): 4/6 */
    ck_assert_int_eq(places("The red car is fast.", "The red car is very fast.", at, 8), 1);
    ck_assert_float_eq_tol(at[0], 4.0f / 6.0f, 1e-6f);
    /* "Turn the knob to the right until it clicks" (9 tokens) against "... red knob to the left
     * ...": "red" goes in before token 2, "right" (token 5) substituted: 2/9, 5/9 */
    ck_assert_int_eq(places("Turn the knob to the right until it clicks",
                            "Turn the red knob to the left until it clicks", at, 8), 2);
    ck_assert_float_eq_tol(at[0], 2.0f / 9.0f, 1e-6f);
    ck_assert_float_eq_tol(at[1], 5.0f / 9.0f, 1e-6f);
    /* MAX keeps the first places; a deleted last word sits at its own place (4 of 5 tokens) */
    ck_assert_int_eq(places("Turn the knob to the right until it clicks",
                            "Turn the red knob to the left until it clicks", at, 1), 1);
    ck_assert_float_eq_tol(at[0], 2.0f / 9.0f, 1e-6f);
    ck_assert_int_eq(places("a b c d e", "a b c d", at, 8), 1);
    ck_assert_float_eq_tol(at[0], 4.0f / 5.0f, 1e-6f);
    /* equal tokens (spacing aside), an empty match source: nothing */
    ck_assert_int_eq(places("Hello , world", "Hello, world", at, 8), 0);
    ck_assert_int_eq(places("", "new words", at, 8), 0);
    /* everything new: the first place is the start */
    ck_assert_int_eq(places("alpha beta", "gamma delta", at, 8), 2);
    ck_assert_float_eq_tol(at[0], 0.0f, 1e-6f);
    ck_assert_float_eq_tol(at[1], 0.5f, 1e-6f);
}
END_TEST

START_TEST(key_and_plain_text)
{
    tm_buf b = {0};
    ck_assert_int_eq(tm_key(" a \t b\n\nc  ", 11, &b), 0);
    ck_assert_str_eq(b.p, "a b c");
    tm_buf_free(&b);
    const char *k = "Save %1$s to {file} as <b>%.2f</b> 100%";
    ck_assert_int_eq(tm_key(k, strlen(k), &b), 0);
    ck_assert_str_eq(b.p, "Save {} to {} as {}{}{} 100%");
    tm_buf_free(&b);
    const char *x = "Tom &amp; <ph x=\"1\">{0}</ph> &lt;b&gt; &#x263A;&#9786; &bogus; &#xZZ;";
    ck_assert_int_eq(tm_xml_to_plain(x, strlen(x), &b), 0);
    ck_assert_str_eq(b.p, "Tom & {0} <b> \xE2\x98\xBA\xE2\x98\xBA &bogus; &#xZZ;");
    tm_buf_free(&b);
    ck_assert_int_eq(tm_plain_to_xml("a<b>&c", 6, &b), 0);
    ck_assert_str_eq(b.p, "a&lt;b&gt;&amp;c");
    tm_buf_free(&b);
    /* an exact match's target with the new text's placeholders */
    ck_assert_int_eq(tm_adapt_placeholders("Delete {0} of {1} files?", "Delete %d of %s files?",
                                           "{1}: {0} Dateien löschen?", &b), 0);
    ck_assert_str_eq(b.p, "%s: %d Dateien löschen?");
    tm_buf_free(&b);
    ck_assert_int_eq(tm_adapt_placeholders("Click <b>Save</b>.", "Click <i>Save</i>.",
                                           "Klicken Sie auf <b>Speichern</b> {x}.", &b), 0);
    ck_assert_str_eq(b.p, "Klicken Sie auf <i>Speichern</i> {x}."); /* {x} is not in the source: kept */
    tm_buf_free(&b);
    char p[16];
    ck_assert_int_eq(tm_lang_primary("de-DE", p, sizeof p), 0);
    ck_assert_str_eq(p, "de");
    ck_assert_int_eq(tm_lang_primary("PT_br", p, sizeof p), 0);
    ck_assert_str_eq(p, "pt");
    ck_assert_int_eq(tm_lang_primary("d", p, sizeof p), -1);
    ck_assert_int_eq(tm_lang_primary("12", p, sizeof p), -1);
    ck_assert_int_eq(tm_lang_primary("German", p, sizeof p), -1); /* a name, not a code */
    ck_assert_int_eq(tm_lang_primary("fil-PH", p, sizeof p), 0);
}
END_TEST

static void add(tolk_tm *tm, const char *sl, const char *tl, const char *s, const char *t)
{
    tolk_error err = {0};
    ck_assert_msg(tolk_tm_add(tm, sl, tl, s, strlen(s), t, strlen(t), NULL, &err) == TOLK_OK, "%s", err.msg);
}

START_TEST(lookup_ranking)
{
    char db[512];
    path_in(db, sizeof db, "rank.sqlite");
    tolk_tm *tm = NULL;
    tolk_error err = {0};
    ck_assert_msg(tolk_tm_open(db, TOLK_TM_WRITE, &tm, &err) == TOLK_OK, "%s", err.msg);
    add(tm, "en", "de", "The red car is fast.", "Das rote Auto ist schnell.");
    add(tm, "en", "de", "The blue car is slow.", "Das blaue Auto ist langsam.");
    add(tm, "en", "de", "The red car is very fast.", "Das rote Auto ist sehr schnell.");
    add(tm, "en-GB", "de-AT", "The  red car is fast.", "Das rote Auto ist flott.");
    add(tm, "en", "fr", "The red car is fast.", "La voiture rouge est rapide.");
    add(tm, "fr", "de", "The red car is fast.", "falsche Richtung");
    int added = -1;
    ck_assert_int_eq(tolk_tm_add(tm, "en", "de", "The red car is fast.", 20, "Das rote Auto ist schnell.", 26,
                                 &added, &err), TOLK_OK);
    ck_assert_int_eq(added, 0); /* already there */
    tolk_tm_match m[8];
    int n = 0;
    const char *q = "The red car is fast.";
    ck_assert_msg(tolk_tm_lookup(tm, "en", "de", q, strlen(q), 75, m, 8, &n, &err) == TOLK_OK, "%s", err.msg);
    /* two exact (newest first: the en-GB/de-AT one), then 85 (very), the blue one (66) is below 75 */
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(m[0].score, 100);
    ck_assert_str_eq(m[0].target, "Das rote Auto ist flott.");
    ck_assert_str_eq(m[0].src_lang, "en-GB");
    ck_assert_int_eq(m[1].score, 100);
    ck_assert_str_eq(m[1].target, "Das rote Auto ist schnell.");
    ck_assert_int_eq(m[2].score, 85);
    ck_assert_str_eq(m[2].target, "Das rote Auto ist sehr schnell.");
    for (int i = 0; i < n; i++)
        tolk_tm_match_clear(&m[i]);
    const char *q2 = "The green car is fast.";
    ck_assert_int_eq(tolk_tm_lookup(tm, "en", "de", q2, strlen(q2), 60, m, 8, &n, &err), TOLK_OK);
    ck_assert_int_eq(n, 4); /* the fr->de unit is another source language */
    ck_assert_int_eq(m[0].score, 83);
    ck_assert_str_eq(m[0].target, "Das rote Auto ist flott."); /* newest of the two 83s */
    ck_assert_int_eq(m[1].score, 83);
    ck_assert_int_eq(m[2].score, 71); /* 7 tokens, 2 edits: 100 * 5 / 7 */
    ck_assert_int_eq(m[3].score, 66); /* the blue one: green->blue, fast->slow */
    ck_assert_str_eq(m[3].target, "Das blaue Auto ist langsam.");
    for (int i = 0; i < n; i++)
        tolk_tm_match_clear(&m[i]);
    /* any source language: the fr->de unit joins */
    ck_assert_int_eq(tolk_tm_lookup(tm, NULL, "de", q, strlen(q), 100, m, 8, &n, &err), TOLK_OK);
    ck_assert_int_eq(n, 3);
    for (int i = 0; i < n; i++)
        tolk_tm_match_clear(&m[i]);
    /* another pair, and nothing */
    ck_assert_int_eq(tolk_tm_lookup(tm, "en", "fr", q, strlen(q), 75, m, 8, &n, &err), TOLK_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(m[0].target, "La voiture rouge est rapide.");
    tolk_tm_match_clear(&m[0]);
    ck_assert_int_eq(tolk_tm_lookup(tm, "en", "ja", q, strlen(q), 50, m, 8, &n, &err), TOLK_OK);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(tolk_tm_lookup(tm, "en", "x", q, strlen(q), 50, m, 8, &n, &err), TOLK_E_ARG);
    tolk_tm_close(tm);
}
END_TEST

START_TEST(one_writer_at_a_time)
{
    char db[512];
    path_in(db, sizeof db, "writers.sqlite");
    tolk_tm *a = NULL, *b = NULL, *r = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_tm_open(db, TOLK_TM_WRITE, &a, &err), TOLK_OK);
    ck_assert_int_eq(tolk_tm_open(db, TOLK_TM_WRITE, &b, &err), TOLK_E_STATE);
    ck_assert_ptr_null(b);
    ck_assert_ptr_nonnull(strstr(err.msg, "being written by another process"));
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    /* readers are welcome meanwhile, and see what the writer committed */
    add(a, "en", "de", "Yes", "Ja");
    ck_assert_msg(tolk_tm_open(db, TOLK_TM_READ, &r, &err) == TOLK_OK, "%s", err.msg);
    tolk_tm_match m[1];
    int n = 0;
    ck_assert_int_eq(tolk_tm_lookup(r, "en", "de", "Yes", 3, 75, m, 1, &n, &err), TOLK_OK);
    ck_assert_int_eq(n, 1);
    tolk_tm_match_clear(&m[0]);
    ck_assert_int_eq(tolk_tm_add(r, "en", "de", "No", 2, "Nein", 4, NULL, &err), TOLK_E_STATE);
    tolk_tm_close(r);
    tolk_tm_close(a);
    ck_assert_int_eq(tolk_tm_open(db, TOLK_TM_WRITE, &b, &err), TOLK_OK);
    tolk_tm_close(b);
    /* a reader does not create a missing database */
    char missing[512];
    path_in(missing, sizeof missing, "missing.sqlite");
    ck_assert_int_eq(tolk_tm_open(missing, TOLK_TM_READ, &r, &err), TOLK_E_IO);
    ck_assert_int_ne(access(missing, F_OK), 0);
}
END_TEST

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg ? msg : "?");
}

START_TEST(schema_migration)
{
    char path[512];
    path_in(path, sizeof path, "v1.sqlite");
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    /* a version-1 database (no trigram index yet) written by an older tolk */
    exec_sql(db, "CREATE TABLE unit(id INTEGER PRIMARY KEY, src_lang TEXT NOT NULL, tgt_lang TEXT NOT NULL,"
                 " src_pri TEXT NOT NULL, tgt_pri TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
                 " source_key TEXT NOT NULL, created INTEGER NOT NULL, UNIQUE(src_lang, tgt_lang, source, target));"
                 "CREATE INDEX unit_by_key ON unit(tgt_pri, source_key);"
                 "INSERT INTO unit VALUES (1, 'en', 'de', 'en', 'de', 'Close the window now.',"
                 " 'Schliessen Sie jetzt das Fenster.', 'Close the window now.', 0);"
                 "PRAGMA user_version = 1;");
    sqlite3_close(db);
    tolk_tm *tm = NULL;
    tolk_error err = {0};
    /* a reader cannot migrate */
    ck_assert_int_eq(tolk_tm_open(path, TOLK_TM_READ, &tm, &err), TOLK_E_STATE);
    ck_assert_msg(tolk_tm_open(path, TOLK_TM_WRITE, &tm, &err) == TOLK_OK, "%s", err.msg);
    tolk_tm_match m[2];
    int n = 0;
    const char *q = "Close the door now.";
    ck_assert_int_eq(tolk_tm_lookup(tm, "en", "de", q, strlen(q), 75, m, 2, &n, &err), TOLK_OK);
    ck_assert_int_eq(n, 1); /* found through the index the migration built: 5 tokens, 1 edit = 80 */
    ck_assert_int_eq(m[0].score, 80);
    tolk_tm_match_clear(&m[0]);
    tolk_tm_close(tm);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), TM_SCHEMA_VERSION);
    sqlite3_finalize(st);
    exec_sql(db, "PRAGMA user_version = 99");
    sqlite3_close(db);
    ck_assert_int_eq(tolk_tm_open(path, TOLK_TM_WRITE, &tm, &err), TOLK_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.msg, "schema version 99"));
    /* some other SQLite file, and a file that is not SQLite at all */
    char other[512];
    path_in(other, sizeof other, "other.sqlite");
    ck_assert_int_eq(sqlite3_open(other, &db), SQLITE_OK);
    exec_sql(db, "CREATE TABLE t(x)");
    sqlite3_close(db);
    ck_assert_int_eq(tolk_tm_open(other, TOLK_TM_READ, &tm, &err), TOLK_E_STATE); /* version 0: not migrated */
    char junk[512];
    path_in(junk, sizeof junk, "junk.sqlite");
    FILE *f = fopen(junk, "w");
    fputs("this is not a database, just some text that is long enough to look like a header.....", f);
    fclose(f);
    ck_assert_int_eq(tolk_tm_open(junk, TOLK_TM_READ, &tm, &err), TOLK_E_FORMAT);
}
END_TEST

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)len + 1);
    ck_assert_int_eq(fread(p, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    p[len] = 0;
    *n = (size_t)len;
    return p;
}

/* Imports IN, exports everything, and compares with EXPECTED byte for byte. */
static void round_trip(const char *in, const char *expected, const char *name)
{
    const char *src = getenv("TOLK_SRCDIR") ? getenv("TOLK_SRCDIR") : "..";
    char inp[1024], exp[1024], db[512], out[512];
    snprintf(inp, sizeof inp, "%s/tests/fixtures/tm/%s", src, in);
    snprintf(exp, sizeof exp, "%s/tests/fixtures/tm/%s", src, expected);
    path_in(db, sizeof db, name);
    path_in(out, sizeof out, "out.tmx");
    tolk_tm *tm = NULL;
    tolk_error err = {0};
    tolk_tm_import_stats st;
    ck_assert_msg(tolk_tm_open(db, TOLK_TM_WRITE, &tm, &err) == TOLK_OK, "%s", err.msg);
    ck_assert_msg(tolk_tm_import_tmx(tm, inp, &st, &err) == TOLK_OK, "%s", err.msg);
    int64_t n = 0;
    ck_assert_msg(tolk_tm_export_tmx(tm, out, NULL, NULL, &n, &err) == TOLK_OK, "%s", err.msg);
    ck_assert_int_eq(n, st.added);
    size_t na, nb;
    char *a = slurp(out, &na), *b = slurp(exp, &nb);
    ck_assert_msg(na == nb && !memcmp(a, b, na), "%s: export differs from %s", in, expected);
    free(a);
    free(b);
    /* importing again adds nothing */
    ck_assert_int_eq(tolk_tm_import_tmx(tm, inp, &st, &err), TOLK_OK);
    ck_assert_int_eq(st.added, 0);
    tolk_tm_close(tm);
}

START_TEST(tmx_round_trip)
{
    /* a rich TMX (props, notes, three languages, TMX 1.1 lang=, CDATA, inline markup) to the
     * canonical form, and the canonical form to itself */
    round_trip("rich.tmx", "rich.expected.tmx", "rt1.sqlite");
    round_trip("rich.expected.tmx", "rich.expected.tmx", "rt2.sqlite");
    /* export of one pair only */
    char db[512], out[512];
    path_in(db, sizeof db, "rt1.sqlite");
    path_in(out, sizeof out, "fr.tmx");
    tolk_tm *tm = NULL;
    tolk_error err = {0};
    int64_t n = 0;
    ck_assert_int_eq(tolk_tm_open(db, TOLK_TM_READ, &tm, &err), TOLK_OK);
    ck_assert_int_eq(tolk_tm_export_tmx(tm, out, "en", "fr", &n, &err), TOLK_OK);
    ck_assert_int_eq(n, 1);
    tolk_tm_close(tm);
}
END_TEST

int main(void)
{
    if (make_dir()) {
        perror("mkdtemp");
        return 1;
    }
    Suite *s = suite_create("tm");
    TCase *tc = tcase_create("tm");
    tcase_add_test(tc, fuzzy_scores_hand_computed);
    tcase_add_test(tc, edit_places_hand_computed);
    tcase_add_test(tc, key_and_plain_text);
    tcase_add_test(tc, lookup_ranking);
    tcase_add_test(tc, one_writer_at_a_time);
    tcase_add_test(tc, schema_migration);
    tcase_add_test(tc, tmx_round_trip);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, false);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (!failed && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return failed ? 1 : 0;
}
