/* Tests for the language-code mapping of `tolk serve` (serve/serve_lang.c): DeepL's EN-US, PT-BR
 * and ZH-HANS, Apertium's eng|deu and por_BR, and malformed codes refused. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "serve_lang.h"
#include "suite_run.h"

static void norm(const char *in, const char *want)
{
    char out[32];
    ck_assert_msg(sl_normalize(in, out, sizeof out) == 0, "refused %s", in);
    ck_assert_str_eq(out, want);
}

static void apertium(const char *in, const char *want)
{
    char out[32];
    ck_assert_msg(sl_from_apertium(in, out, sizeof out) == 0, "refused %s", in);
    ck_assert_str_eq(out, want);
}

START_TEST(deepl_codes)
{
    norm("EN-US", "en-US");
    norm("EN-GB", "en-GB");
    norm("PT-BR", "pt-BR");
    norm("PT-PT", "pt-PT");
    norm("DE", "de");
    norm("ZH-HANS", "zh-Hans");
    norm("zh_hant", "zh-Hant");
    norm("es-419", "es-419");
    norm("NB", "nb");
    char out[16];
    sl_to_deepl("en-US", out, sizeof out);
    ck_assert_str_eq(out, "EN");
    sl_to_deepl("pt", out, sizeof out);
    ck_assert_str_eq(out, "PT");
}
END_TEST

START_TEST(apertium_codes)
{
    apertium("eng", "en");
    apertium("deu", "de");
    apertium("ger", "de");
    apertium("spa", "es");
    apertium("por_BR", "pt-BR");
    apertium("zho", "zh");
    apertium("en", "en");
    apertium("fr", "fr");
    char out[32];
    ck_assert_int_eq(sl_from_apertium("xyz", out, sizeof out), -1);
}
END_TEST

START_TEST(refused)
{
    char out[32];
    const char *bad[] = {"", "e", "english", "en-", "en-U", "en-USA1", "e1", "en US", "de-DE-x", "../../x",
                         "en-12"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(sl_normalize(bad[i], out, sizeof out) == -1, "accepted '%s'", bad[i]);
    char tiny[3];
    ck_assert_int_eq(sl_normalize("en-US", tiny, sizeof tiny), -1);
}
END_TEST

START_TEST(table)
{
    ck_assert_uint_gt(sl_count(), 20);
    ck_assert_ptr_null(sl_at(sl_count()));
    ck_assert_str_eq(sl_find("pt-BR")->name, "Portuguese");
    ck_assert_str_eq(sl_find("DE")->code, "de");
    ck_assert_ptr_null(sl_find("xx"));
    for (size_t i = 0; i < sl_count(); i++) {
        char out[32];
        ck_assert_int_eq(sl_from_apertium(sl_at(i)->iso3, out, sizeof out), 0);
        ck_assert_str_eq(out, sl_at(i)->code);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("serve_lang");
    TCase *tc = tcase_create("lang");
    tcase_add_test(tc, deepl_codes);
    tcase_add_test(tc, apertium_codes);
    tcase_add_test(tc, refused);
    tcase_add_test(tc, table);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
