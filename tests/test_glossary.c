/* Tests for glossaries (runtime/translate/glossary*.c through tolk.h): TSV, CSV and TBX 2/3 files
 * load as written (quotes, headers, comments, language pairs), hostile or malformed ones are refused
 * with one line naming the place, and terms are found case- and inflection-tolerantly in several
 * languages, longest match first, at word boundaries; translations are checked for target terms. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skip.h"
#include "suite_run.h"
#include "tolk.h"

static char fix[1024];

static tolk_glossary *load(const char *name, const char *from, const char *to)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", fix, name);
    tolk_glossary *g = NULL;
    tolk_error err = {0};
    ck_assert_msg(tolk_glossary_load(path, from, to, &g, &err) == TOLK_OK, "%s: %s", name, err.msg);
    return g;
}

/* The source terms found in TEXT, joined by "|", with their targets: "src=tgt|...". */
static void found(const tolk_glossary *g, const char *text, char *out, size_t size)
{
    tolk_term *t = NULL;
    int n = 0;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_glossary_find(g, text, strlen(text), &t, &n, &err), TOLK_OK);
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, size - l, "%s%s=%s", i ? "|" : "", t[i].source, t[i].target);
        ck_assert(t[i].end > t[i].start && t[i].end <= strlen(text));
    }
    free(t);
}

#define EXPECT_FOUND(g, text, want) do { \
    char got_[1024]; \
    found((g), (text), got_, sizeof got_); \
    ck_assert_str_eq(got_, (want)); \
} while (0)

START_TEST(tsv_english_inflections)
{
    tolk_glossary *g = load("terms.tsv", "en", "de");
    ck_assert_uint_eq(tolk_glossary_size(g), 6);
    /* longest first: "power button" wins over "button"; plural, case */
    EXPECT_FOUND(g, "Press the POWER BUTTONS twice.", "power button=Ein-/Aus-Taste");
    EXPECT_FOUND(g, "The devices' batteries and the reset button's light.",
                 "device=Gerät|battery=Akku|reset button=Reset-Taste|light=Leuchte");
    /* word boundaries: no match inside other words */
    EXPECT_FOUND(g, "A buttonhole, a lighthouse, redevice.", "");
    /* each entry once, in text order; a later lone "button" is another entry */
    EXPECT_FOUND(g, "device, then button, then devices", "device=Gerät|button=Taste");
    /* the check of a translation uses the German stemmer */
    ck_assert_int_eq(tolk_glossary_contains(g, "Gerät", "Die Geräte sind an.", 20), 1);
    ck_assert_int_eq(tolk_glossary_contains(g, "Reset-Taste", "Halten Sie die Reset-Tasten.", 29), 1);
    ck_assert_int_eq(tolk_glossary_contains(g, "Reset-Taste", "Halten Sie die Taste.", 21), 0);
    ck_assert_int_eq(tolk_glossary_contains(g, "Akku", "Der Akkumulator", 15), 0);
    tolk_glossary_free(g);
}
END_TEST

START_TEST(csv_quotes_and_header)
{
    tolk_glossary *g = load("terms.csv", "en", "de");
    ck_assert_uint_eq(tolk_glossary_size(g), 4); /* the header is skipped */
    EXPECT_FOUND(g, "Say \"hi\" to the device.", "say \"hi\"=„Hallo“ sagen|device=Gerät");
    EXPECT_FOUND(g, "two lines", "two\nlines=zwei Zeilen");
    tolk_glossary_free(g);
}
END_TEST

START_TEST(tbx_versions_and_pairs)
{
    tolk_glossary *g = load("terms.tbx", "en", "de");
    ck_assert_uint_eq(tolk_glossary_size(g), 2); /* c3 has no German */
    EXPECT_FOUND(g, "Use the battery & chargers and the power button.",
                 "battery & charger=Akku & Ladegerät|power button=Ein-/Aus-Taste");
    tolk_glossary_free(g);
    g = load("terms.tbx", "en", "fr");
    EXPECT_FOUND(g, "Power button", "power button=bouton marche/arrêt");
    tolk_glossary_free(g);
    g = load("terms.tbx", "de", "en"); /* the other way round */
    EXPECT_FOUND(g, "Den Netzschalter nicht, die Ein-/Aus-Tasten drücken", "Ein-/Aus-Taste=power button");
    tolk_glossary_free(g);
    g = load("terms3.tbx", "en", "de");
    EXPECT_FOUND(g, "The status lights blink.", "status light=Statusleuchte");
    tolk_glossary_free(g);
    /* TBX needs the pair */
    tolk_glossary *none = NULL;
    tolk_error err = {0};
    char path[1200];
    snprintf(path, sizeof path, "%s/terms.tbx", fix);
    ck_assert_int_eq(tolk_glossary_load(path, NULL, "de", &none, &err), TOLK_E_ARG);
    ck_assert_int_eq(tolk_glossary_load(path, "en", "ja", &none, &err), TOLK_E_FORMAT); /* nothing for en-ja */
}
END_TEST

/* Stemmers of several languages, through an in-memory TSV (written to a temporary file). */
static tolk_glossary *from_text(const char *tsv, const char *from, const char *to)
{
    char path[] = "/tmp/tolk_gloss_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs(tsv, f);
    fclose(f);
    tolk_glossary *g = NULL;
    tolk_error err = {0};
    int rc = tolk_glossary_load(path, from, to, &g, &err);
    remove(path);
    ck_assert_msg(rc == TOLK_OK, "%s", err.msg);
    return g;
}

START_TEST(stemmers_several_languages)
{
    tolk_glossary *g = from_text("Gerät\tdevice\nSchalter\tswitch\n", "de", "en");
    EXPECT_FOUND(g, "Mit den Geräten und dem Schaltern.", "Gerät=device|Schalter=switch");
    ck_assert_int_eq(tolk_glossary_contains(g, "switch", "two switches", 12), 1);
    tolk_glossary_free(g);
    g = from_text("journal\tZeitung\nlumière\tLicht\n", "fr", "de");
    EXPECT_FOUND(g, "Les journaux et les LUMIÈRES.", "journal=Zeitung|lumière=Licht");
    tolk_glossary_free(g);
    g = from_text("luz\tLicht\nbotón\tTaste\n", "es", "de");
    EXPECT_FOUND(g, "Las luces y los botones.", "luz=Licht");
    tolk_glossary_free(g); /* botón/botones differ in the accent: not a light stemmer's job */
    g = from_text("кнопка\tbutton\n", "ru", "en");
    EXPECT_FOUND(g, "Нажмите КНОПКИ.", "кнопка=button");
    tolk_glossary_free(g);
    g = from_text("batteria\tbattery\n", "it", "en");
    EXPECT_FOUND(g, "Le batterie sono cariche.", "batteria=battery");
    tolk_glossary_free(g);
    g = from_text("東京\tTokyo\n", "ja", "en");
    EXPECT_FOUND(g, "私は東京に住んでいます。", "東京=Tokyo");
    tolk_glossary_free(g);
    /* a language without a stemmer: case folding only */
    g = from_text("kirja\tbook\n", "fi", "en");
    EXPECT_FOUND(g, "KIRJA ja kirjat", "kirja=book");
    tolk_glossary_free(g);
}
END_TEST

START_TEST(hostile_files_one_line)
{
    const char *bad[] = {"hostile-entities.tbx", "hostile-truncated.tbx", "hostile-utf8.tsv", "hostile-notab.tsv",
                         "hostile-quote.csv", "missing.tsv"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", fix, bad[i]);
        tolk_glossary *g = NULL;
        tolk_error err = {0};
        ck_assert_msg(tolk_glossary_load(path, "en", "de", &g, &err) != TOLK_OK, "%s accepted", bad[i]);
        ck_assert_ptr_null(g);
        ck_assert_msg(err.msg[0] && !strchr(err.msg, '\n'), "%s: '%s'", bad[i], err.msg);
    }
    char path[1200];
    tolk_glossary *g = NULL;
    tolk_error err = {0};
    snprintf(path, sizeof path, "%s/hostile-utf8.tsv", fix);
    ck_assert_int_eq(tolk_glossary_load(path, "en", "de", &g, &err), TOLK_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, ":2:")); /* names the line */
}
END_TEST

int main(void)
{
    const char *src = getenv("TOLK_SRCDIR") ? getenv("TOLK_SRCDIR") : "..";
    snprintf(fix, sizeof fix, "%s/tests/fixtures/tm/glossary", src);
    Suite *s = suite_create("glossary");
    TCase *tc = tcase_create("glossary");
    tcase_add_test(tc, tsv_english_inflections);
    tcase_add_test(tc, csv_quotes_and_header);
    tcase_add_test(tc, tbx_versions_and_pairs);
    tcase_add_test(tc, stemmers_several_languages);
    tcase_add_test(tc, hostile_files_one_line);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, false);
    return failed ? 1 : 0;
}
