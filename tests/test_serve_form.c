/* Tests for the form / query-string decoder of `tolk serve` (serve/serve_form.c): '+' and %XX
 * decode, repeated keys keep their order, empty pieces are skipped, and malformed escapes or
 * invalid UTF-8 are refused; multipart/form-data bodies (serve/serve_multipart.c) give the same
 * fields, skip file parts and refuse broken framing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "serve_form.h"
#include "suite_run.h"

static void parse_ok(const char *s, sf_form *f)
{
    char err[128] = "";
    ck_assert_msg(sf_parse(s, strlen(s), f, err, sizeof err) == 0, "%s: %s", s, err);
}

static void parse_bad(const char *s, const char *why)
{
    sf_form f;
    char err[128] = "";
    ck_assert_msg(sf_parse(s, strlen(s), &f, err, sizeof err) == -1, "accepted: %s", s);
    ck_assert_uint_eq(f.n, 0);
    ck_assert_msg(strstr(err, why) != NULL, "'%s' lacks '%s'", err, why);
}

START_TEST(decode)
{
    sf_form f;
    parse_ok("q=Hello+world%21&langpair=en%7Cde&empty=&flag&&q=%C3%A9t%C3%A9", &f);
    ck_assert_uint_eq(f.n, 5);
    ck_assert_str_eq(sf_get(&f, "q", 0)->val, "Hello world!");
    ck_assert_str_eq(sf_get(&f, "q", 1)->val, "\xc3\xa9t\xc3\xa9");
    ck_assert_ptr_null(sf_get(&f, "q", 2));
    ck_assert_uint_eq(sf_count(&f, "q"), 2);
    ck_assert_str_eq(sf_get(&f, "langpair", 0)->val, "en|de");
    ck_assert_str_eq(sf_get(&f, "empty", 0)->val, "");
    ck_assert_str_eq(sf_get(&f, "flag", 0)->val, "");
    ck_assert_ptr_null(sf_get(&f, "missing", 0));
    sf_free(&f);
    parse_ok("", &f);
    ck_assert_uint_eq(f.n, 0);
    sf_free(&f);
    parse_ok("a%3Db=c%26d", &f); /* escaped separators stay data */
    ck_assert_str_eq(sf_get(&f, "a=b", 0)->val, "c&d");
    sf_free(&f);
    parse_ok("t=a%00b", &f);
    ck_assert_uint_eq(sf_get(&f, "t", 0)->val_len, 3);
    sf_free(&f);
}
END_TEST

START_TEST(refused)
{
    parse_bad("q=%", "malformed");
    parse_bad("q=%4", "malformed");
    parse_bad("q=%zz", "malformed");
    parse_bad("%G1=x", "malformed");
    parse_bad("q=%FF", "invalid UTF-8");
    parse_bad("q=%C0%AF", "invalid UTF-8");
    parse_bad("q=%ED%A0%80", "invalid UTF-8");
    parse_bad("q=\xff", "invalid UTF-8");
    size_t n = (SF_MAX_PAIRS + 1) * 2;
    char *many = malloc(n + 1);
    for (size_t i = 0; i < n; i += 2) {
        many[i] = 'a';
        many[i + 1] = '&';
    }
    many[n] = '\0';
    parse_bad(many, "too many");
    free(many);
}
END_TEST

#define MP_CT "multipart/form-data; boundary=XyZ"

static void mp_bad(const char *body, const char *ct, const char *why)
{
    sf_form f;
    char err[128] = "";
    ck_assert_msg(sf_parse_multipart(body, strlen(body), ct, &f, err, sizeof err) == -1, "accepted: %s", body);
    ck_assert_uint_eq(f.n, 0);
    ck_assert_msg(strstr(err, why) != NULL, "'%s' lacks '%s'", err, why);
}

START_TEST(multipart)
{
    static const char body[] = "preamble\r\n--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"q\"\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                               "Good\r\nmorning + %41\r\n--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
                               "skipped\r\n--XyZ\r\n"
                               "content-disposition: form-data; name=target\r\n\r\n"
                               "de\r\n--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"q\"\r\n\r\n"
                               "\xc3\xa9\r\n--XyZ--\r\n";
    sf_form f;
    char err[128] = "";
    ck_assert_msg(sf_parse_multipart(body, strlen(body), MP_CT, &f, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(f.n, 3);
    ck_assert_str_eq(sf_get(&f, "q", 0)->val, "Good\r\nmorning + %41"); /* no URL decoding */
    ck_assert_str_eq(sf_get(&f, "q", 1)->val, "\xc3\xa9");
    ck_assert_str_eq(sf_get(&f, "target", 0)->val, "de");
    ck_assert_ptr_null(sf_get(&f, "file", 0));
    sf_free(&f);
    static const char quoted[] = "--a b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n--a b--";
    ck_assert_int_eq(sf_parse_multipart(quoted, strlen(quoted), "multipart/form-data; boundary=\"a b\"", &f, err,
                                        sizeof err),
                     0);
    ck_assert_uint_eq(f.n, 1);
    ck_assert_str_eq(sf_get(&f, "x", 0)->val, "");
    sf_free(&f);
    mp_bad("--XyZ\r\n\r\nx\r\n--XyZ--", "multipart/form-data", "boundary");
    mp_bad("--XyZ\r\n\r\nx\r\n--XyZ--", "multipart/form-data; boundary=", "boundary");
    mp_bad("no delimiter at all", MP_CT, "no boundary");
    mp_bad("--XyZ\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nunterminated", MP_CT, "closing boundary");
    mp_bad("--XyZ\r\nContent-Disposition: form-data; name=\"q\"", MP_CT, "unterminated part headers");
    mp_bad("--XyZjunk", MP_CT, "no line break");
    mp_bad("--XyZ\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n\xff\r\n--XyZ--", MP_CT, "invalid UTF-8");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("serve_form");
    TCase *tc = tcase_create("form");
    tcase_add_test(tc, decode);
    tcase_add_test(tc, refused);
    tcase_add_test(tc, multipart);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
