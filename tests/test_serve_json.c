/* Tests for the strict JSON parser of `tolk serve` (serve/serve_json.c): values and escapes
 * decode right, and every kind of malformed or hostile input (bad UTF-8, lone surrogates, huge
 * numbers, deep nesting, duplicate keys, trailing junk) is refused with a message. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "serve_json.h"
#include "suite_run.h"

static sj_val *ok(const char *s)
{
    sj_val *v = NULL;
    char err[128] = "";
    int rc = sj_parse(s, strlen(s), &v, err, sizeof err);
    ck_assert_msg(rc == 0, "%s: %s", s, err);
    return v;
}

static void bad(const char *s, size_t n, const char *why)
{
    sj_val *v = (sj_val *)1;
    char err[128] = "";
    ck_assert_msg(sj_parse(s, n, &v, err, sizeof err) == -1, "accepted: %.*s", (int)n, s);
    ck_assert_ptr_null(v);
    ck_assert_msg(strstr(err, why) != NULL, "'%s' lacks '%s'", err, why);
}
#define BAD(s, why) bad(s, sizeof(s) - 1, why)

START_TEST(values)
{
    sj_val *v = ok(" {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"d\"}, \"e\": 0, \"f\": 2.5} ");
    ck_assert_int_eq(v->type, SJ_OBJ);
    const sj_val *a = sj_get(v, "a");
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->type, SJ_ARR);
    ck_assert_uint_eq(a->n, 5);
    ck_assert(a->items[0].num == 1.0);
    ck_assert(a->items[1].num == -2500.0);
    ck_assert_int_eq(a->items[2].b, 1);
    ck_assert_int_eq(a->items[3].type, SJ_BOOL);
    ck_assert_int_eq(a->items[4].type, SJ_NULL);
    ck_assert_str_eq(sj_get(sj_get(v, "b"), "c")->str, "d");
    ck_assert_ptr_null(sj_get(v, "zz"));
    ck_assert_ptr_null(sj_get(a, "a")); /* not an object */
    long long i;
    ck_assert_int_eq(sj_int(sj_get(v, "e"), 0, 5, &i), 0);
    ck_assert_int_eq(sj_int(sj_get(v, "f"), 0, 5, &i), -1);    /* not an integer */
    ck_assert_int_eq(sj_int(&a->items[1], -5000, 0, &i), 0);
    ck_assert_int_eq(i, -2500);
    ck_assert_int_eq(sj_int(&a->items[0], 2, 5, &i), -1);      /* out of range */
    sj_free(v);
    v = ok("\"x\"");
    ck_assert_int_eq(v->type, SJ_STR);
    sj_free(v);
    v = ok("[]");
    ck_assert_uint_eq(v->n, 0);
    sj_free(v);
}
END_TEST

START_TEST(escapes)
{
    sj_val *v = ok("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\u20ac\\ud83d\\ude00\"");
    ck_assert_str_eq(v->str, "a\"b\\c/d\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    sj_free(v);
    v = ok("\"a\\u0000b\"");
    ck_assert_uint_eq(v->len, 3);
    sj_free(v);
    v = ok("\"Gr\xc3\xbc\xc3\x9f Gott \xe4\xbd\xa0\xe5\xa5\xbd\"");
    ck_assert_uint_eq(v->len, strlen("Gr\xc3\xbc\xc3\x9f Gott \xe4\xbd\xa0\xe5\xa5\xbd"));
    sj_free(v);
}
END_TEST

START_TEST(malformed)
{
    BAD("", "value expected");
    BAD("{", "string key expected");
    BAD("{\"a\":1,}", "string key expected");
    BAD("[1,]", "unexpected");
    BAD("[1 2]", "',' or ']'");
    BAD("{\"a\" 1}", "':' expected");
    BAD("{\"a\":1} x", "trailing");
    BAD("tru", "unexpected");
    BAD("nul", "unexpected");
    BAD("'a'", "unexpected");
    BAD("\"abc", "unterminated string");
    BAD("\"a\nb\"", "control character");
    BAD("\"\\x\"", "unknown escape");
    BAD("\"\\u12zz\"", "hex digit");
    BAD("\"\\u12", "short");
    BAD("{\"a\":1,\"a\":2}", "duplicate key");
    BAD("01", "trailing");
    BAD("-", "truncated number");
    BAD("-a", "bad number");
    BAD("1.", "digit expected");
    BAD("1e", "digit expected");
    BAD("+1", "unexpected");
    BAD("NaN", "unexpected");
    bad("\"a\0b\"", 5, "control character");
    bad("[1]\0", 4, "trailing");
}
END_TEST

START_TEST(hostile)
{
    BAD("\"\xff\"", "invalid UTF-8");
    BAD("\"\xc0\xaf\"", "invalid UTF-8");         /* overlong '/' */
    BAD("\"\xed\xa0\x80\"", "invalid UTF-8");     /* encoded surrogate */
    BAD("\"\xf4\x90\x80\x80\"", "invalid UTF-8"); /* past U+10FFFF */
    BAD("\"\xe2\x82\"", "invalid UTF-8");         /* truncated */
    BAD("\"\\ud800\"", "lone high surrogate");
    BAD("\"\\udc00\"", "lone low surrogate");
    BAD("\"\\ud800\\u0041\"", "without low surrogate");
    BAD("1e999", "out of range");
    BAD("-1e400", "out of range");
    char big[200];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bad(big, strlen(big), "too long");
    /* deep nesting stops at the limit instead of exhausting the stack */
    size_t n = 100000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    bad(deep, n, "nested too deeply");
    free(deep);
    char ok_deep[2 * SJ_MAX_DEPTH + 1];
    memset(ok_deep, '[', SJ_MAX_DEPTH);
    memset(ok_deep + SJ_MAX_DEPTH, ']', SJ_MAX_DEPTH);
    ok_deep[2 * SJ_MAX_DEPTH] = '\0';
    sj_free(ok(ok_deep));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("serve_json");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, values);
    tcase_add_test(tc, escapes);
    tcase_add_test(tc, malformed);
    tcase_add_test(tc, hostile);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
