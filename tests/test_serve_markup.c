/* Tests for the markup lexer of `tolk serve` (serve/serve_markup.c): tags with quoted '>' and
 * attributes, comments, CDATA and processing instructions as one tag each, a '<' that opens no tag
 * staying text, text inside ignored elements (DeepL ignore_tags, HTML script/style/code) kept, runs
 * without letters kept, the piece limit, and the tag comparison a translation must pass. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "serve_markup.h"
#include "suite_run.h"

static long split(const char *s, const char *const *ign, size_t n_ign, int html, sm_piece *p, size_t max)
{
    return sm_split(s, strlen(s), ign, n_ign, html, p, max);
}

static void piece_is(const char *s, const sm_piece *p, const char *text, int tag, int keep)
{
    ck_assert_msg(p->len == strlen(text) && !memcmp(s + p->start, text, p->len), "piece '%.*s', want '%s'",
                  (int)p->len, s + p->start, text);
    ck_assert_int_eq(p->tag, tag);
    ck_assert_int_eq(p->keep, keep);
}

START_TEST(pieces)
{
    static const char s[] = "Hello <x id=\"3\"></x> world, <a title=\"a > b\" href='/?q=<'>click</a>! <br/>";
    static const char *const ign[] = {"X"};
    sm_piece p[16];
    long n = split(s, ign, 1, 0, p, 16);
    ck_assert_int_eq(n, 9);
    piece_is(s, &p[0], "Hello ", 0, 0);
    piece_is(s, &p[1], "<x id=\"3\">", 1, 1);
    piece_is(s, &p[2], "</x>", 1, 1);
    piece_is(s, &p[3], " world, ", 0, 0);
    piece_is(s, &p[4], "<a title=\"a > b\" href='/?q=<'>", 1, 1);
    piece_is(s, &p[5], "click", 0, 0);
    piece_is(s, &p[6], "</a>", 1, 1);
    piece_is(s, &p[7], "! ", 0, 1); /* no letter */
    piece_is(s, &p[8], "<br/>", 1, 1);
    ck_assert_int_eq(split(s, ign, 1, 0, p, 8), -1);
}
END_TEST

START_TEST(special_and_ignored)
{
    static const char s[] = "a <!-- <b> --> b <![CDATA[<i>]]> c <?pi x?> 1 < 2 and x<y <code>keep <b>me</b></code> go"
                            "<script>if (a < b) x();</script>";
    static const char *const ign[] = {"code"};
    sm_piece p[32];
    long n = split(s, ign, 1, 1, p, 32);
    ck_assert_int_eq(n, 17);
    piece_is(s, &p[0], "a ", 0, 0);
    piece_is(s, &p[1], "<!-- <b> -->", 1, 1);
    piece_is(s, &p[3], "<![CDATA[<i>]]>", 1, 1);
    piece_is(s, &p[5], "<?pi x?>", 1, 1);
    piece_is(s, &p[6], " 1 < 2 and x<y ", 0, 0); /* "< 2" opens no tag, nor "<y" before another '<' */
    piece_is(s, &p[8], "keep ", 0, 1);
    piece_is(s, &p[15], "if (a < b) x();", 0, 1);
    ck_assert_int_eq(sm_has_tags("1 < 2", 5), 0);
    ck_assert_int_eq(sm_has_tags("x<y", 3), 0);
    ck_assert_int_eq(sm_has_tags("<b", 2), 0);
    ck_assert_int_eq(sm_has_tags("<!-- open", 9), 0);
    ck_assert_int_eq(sm_has_tags("a <b>", 5), 1);
}
END_TEST

START_TEST(ignored_text)
{
    static const char s[] = "<code>keep <b>me</b></code> go<script>x()</script><style>p{}</style>end";
    static const char *const ign[] = {"code"};
    sm_piece p[32];
    long n = split(s, ign, 1, 1, p, 32);
    ck_assert_int_eq(n, 14);
    piece_is(s, &p[1], "keep ", 0, 1);
    piece_is(s, &p[3], "me", 0, 1);
    piece_is(s, &p[6], " go", 0, 0);
    piece_is(s, &p[8], "x()", 0, 1);
    piece_is(s, &p[11], "p{}", 0, 1);
    piece_is(s, &p[13], "end", 0, 0);
    /* Without HTML, script is an ordinary element. */
    n = split(s, ign, 1, 0, p, 32);
    piece_is(s, &p[8], "x()", 0, 0);
}
END_TEST

START_TEST(same_tags)
{
    const char *a = "Click <b>here</b> to <x id=\"1\"></x> go.";
    ck_assert(sm_same_tags(a, strlen(a), "Klicken Sie <b>hier</b>, um <x id=\"1\"></x> zu gehen.", 50));
    const char *lost = "Klicken Sie hier <x id=\"1\"></x>", *changed = "Klicken <b>hier</b> <x id=\"2\"></x>",
               *reordered = "<x id=\"1\"></x> <b>hier</b>", *added = "<b>hier</b> <x id=\"1\"></x><i></i>";
    ck_assert(!sm_same_tags(a, strlen(a), lost, strlen(lost)));
    ck_assert(!sm_same_tags(a, strlen(a), changed, strlen(changed)));
    ck_assert(!sm_same_tags(a, strlen(a), reordered, strlen(reordered)));
    ck_assert(!sm_same_tags(a, strlen(a), added, strlen(added)));
    ck_assert(sm_same_tags("no tags", 7, "keine", 5));
    static const char src[] = "Run <code>make check</code> then <code>make</code>.";
    sm_piece p[16];
    long n = sm_split(src, strlen(src), NULL, 0, 1, p, 16);
    const char *good = "Lancez <code>make check</code> puis <code>make</code>.";
    const char *bad = "<code>make</code> <code>make check</code>";
    ck_assert(sm_ignored_kept(src, p, (size_t)n, good, strlen(good)));
    ck_assert(!sm_ignored_kept(src, p, (size_t)n, bad, strlen(bad)));
    ck_assert(!sm_ignored_kept(src, p, (size_t)n, "", 0));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("serve_markup");
    TCase *tc = tcase_create("markup");
    tcase_add_test(tc, pieces);
    tcase_add_test(tc, special_and_ignored);
    tcase_add_test(tc, ignored_text);
    tcase_add_test(tc, same_tags);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
