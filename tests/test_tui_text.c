/* Tests for the word wrap in tui/text.c, the one layout of both panes of `tolk tui`: rows break
 * after spaces and next to wide (CJK) characters, inside a word only when it is longer than the
 * row, never between a character and its combining marks; spaces at the edge hang past it;
 * punctuation stays with its word; cursor positions and their inverse agree with the rows.
 * Needs a UTF-8 locale for wcwidth (skips, 77, without one). */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite_run.h"
#include "tui.h"

/* The rows of UTF-8 text S wrapped at WIDTH, joined by '|' (what each row shows). */
static char *rows_of(const char *s, int width)
{
    size_t n, out_len = 0;
    wchar_t *w = text_from_utf8(s, strlen(s), &n);
    char *out = calloc(strlen(s) * 2 + 64, 1);
    ck_assert(w && out);
    size_t start = 0;
    for (int r = 0;; r++) {
        size_t end, next = text_row(w, n, start, width, &end);
        ck_assert_uint_ge(end, start);
        ck_assert_uint_ge(next, end);
        size_t len;
        char *row = text_to_utf8(w + start, end - start, &len);
        if (r)
            out[out_len++] = '|';
        memcpy(out + out_len, row, len);
        out_len += len;
        free(row);
        if (next >= n)
            break;
        ck_assert_uint_gt(next, start); /* always progresses */
        start = next;
    }
    free(w);
    return out;
}

#define ROWS(s, width, want)                                                                                           \
    do {                                                                                                               \
        char *got_ = rows_of(s, width);                                                                                \
        ck_assert_str_eq(got_, want);                                                                                  \
        free(got_);                                                                                                    \
    } while (0)

START_TEST(words_stay_whole)
{
    ROWS("The meeting was moved", 10, "The |meeting |was moved");
    ROWS("Le vendredi avant le vendredi", 15, "Le vendredi |avant le |vendredi");
    ROWS("short", 80, "short");
    ROWS("", 80, "");
    /* a word longer than the row breaks where it must, and only that word */
    ROWS("abcdefghij klm", 4, "abcd|efgh|ij |klm");
    /* a newline always ends its row */
    ROWS("ab\ncd ef", 10, "ab|cd ef");
    ROWS("ab\n\ncd", 10, "ab||cd");
}
END_TEST

START_TEST(spaces_hang_at_the_edge)
{
    /* the space after a word that fills the row is not carried to the next row */
    ROWS("abcd efgh", 4, "abcd|efgh");
    ROWS("abcd   efgh", 4, "abcd|efgh");
    /* nor is a newline right after it (no blank row) */
    ROWS("abcd \nefgh", 4, "abcd|efgh");
}
END_TEST

START_TEST(punctuation_stays_with_its_word)
{
    /* French puts a space before ? ! : ; and inside guillemets: none of them starts a row */
    ROWS("Nous partirons avant ?", 20, "Nous partirons |avant ?");
    ROWS("Il a dit \xc2\xab oui \xc2\xbb", 13, "Il a dit |\xc2\xab oui \xc2\xbb");
    ROWS("Il a dit oui !", 12, "Il a dit |oui !");
}
END_TEST

START_TEST(cjk_breaks_between_characters)
{
    /* 日本語のテキストです: every character two cells, a row may end between any two */
    ROWS("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88"
         "\xe3\x81\xa7\xe3\x81\x99",
         7,
         "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e|\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad|\xe3\x82\xb9\xe3\x83\x88"
         "\xe3\x81\xa7|\xe3\x81\x99");
    /* 日本語です。 at 10 cells: the full stop does not start a row, it takes its character along */
    ROWS("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82", 10,
         "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xa7|\xe3\x81\x99\xe3\x80\x82");
    /* 日本語abc: Latin after CJK may start a row; the Latin word stays whole */
    ROWS("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" "abc", 7, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e|abc");
    /* a wide character never straddles the edge: 5 cells hold two of them */
    ROWS("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, "\xe6\x97\xa5\xe6\x9c\xac|\xe8\xaa\x9e");
}
END_TEST

START_TEST(combining_marks_stay_with_their_base)
{
    /* café written as e + U+0301 is 4 cells wide */
    ROWS("cafe\xcc\x81 cafe\xcc\x81", 4, "cafe\xcc\x81|cafe\xcc\x81");
    ROWS("cafe\xcc\x81 au lait", 9, "cafe\xcc\x81 au |lait");
    /* even inside a word broken for length, a mark never starts a row */
    ROWS("e\xcc\x81" "e\xcc\x81" "e\xcc\x81", 2, "e\xcc\x81" "e\xcc\x81|e\xcc\x81");
    ROWS("ab\xcc\x81\xcc\x82" "cd", 2, "ab\xcc\x81\xcc\x82|cd");
}
END_TEST

/* Where the cursor shows: after a full row, and on a hanging space, at the start of the next row. */
START_TEST(cursor_positions)
{
    size_t n;
    wchar_t *w = text_from_utf8("abcd efgh ij", 12, &n);
    int r, c;
    text_locate(w, n, 0, 4, &r, &c);
    ck_assert(r == 0 && c == 0);
    text_locate(w, n, 3, 4, &r, &c);
    ck_assert(r == 0 && c == 3);
    text_locate(w, n, 4, 4, &r, &c); /* before the hanging space */
    ck_assert(r == 1 && c == 0);
    text_locate(w, n, 5, 4, &r, &c); /* "efgh" */
    ck_assert(r == 1 && c == 0);
    text_locate(w, n, 11, 4, &r, &c); /* "j" */
    ck_assert(r == 2 && c == 1);
    text_locate(w, n, 12, 4, &r, &c); /* the end */
    ck_assert(r == 2 && c == 2);
    ck_assert_uint_eq(text_index_at(w, n, 1, 2, 4), 7);
    ck_assert_uint_eq(text_index_at(w, n, 2, 40, 4), 12); /* past a row's end: its end */
    ck_assert_uint_eq(text_index_at(w, n, 9, 0, 4), 12);
    free(w);
    /* wide and combining: 日 e + U+0301 x */
    w = text_from_utf8("\xe6\x97\xa5" "e\xcc\x81x", 7, &n);
    ck_assert_uint_eq(n, 4);
    text_locate(w, n, 1, 80, &r, &c);
    ck_assert(r == 0 && c == 2);
    text_locate(w, n, 3, 80, &r, &c);
    ck_assert(r == 0 && c == 3);
    free(w);
    /* a newline at the end opens an empty row where the cursor goes */
    w = text_from_utf8("ab\n", 3, &n);
    text_locate(w, n, 3, 80, &r, &c);
    ck_assert(r == 1 && c == 0);
    free(w);
}
END_TEST

/* For every index of a mixed text at several widths: the position of the index found at a
 * position is that position, positions never go back, and each drawn row fits its width. */
START_TEST(locate_and_index_at_agree)
{
    const char *s = "The meeting was moved  to Friday.\n\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae"
                    "cafe\xcc\x81 averyveryveryverylongword, \xc2\xab oui \xc2\xbb ?\n\nend";
    size_t n;
    wchar_t *w = text_from_utf8(s, strlen(s), &n);
    for (int width = 1; width <= 40; width++) {
        int pr = 0, pc = 0;
        for (size_t i = 0; i <= n; i++) {
            int r, c;
            text_locate(w, n, i, width, &r, &c);
            ck_assert_msg(r > pr || (r == pr && c >= pc), "width %d: index %zu goes back", width, i);
            ck_assert_int_lt(c, width > 1 ? width : 2);
            pr = r, pc = c;
            size_t j = text_index_at(w, n, r, c, width);
            ck_assert_uint_ge(j, i);
            int r2, c2;
            text_locate(w, n, j, width, &r2, &c2);
            ck_assert_msg(r2 == r && c2 == c, "width %d: index %zu at %d,%d, found %zu at %d,%d", width, i, r, c, j,
                          r2, c2);
        }
        size_t start = 0;
        while (start < n) {
            size_t end, next = text_row(w, n, start, width, &end);
            int cells = 0;
            for (size_t i = start; i < end;) {
                int cw;
                i = text_cell(w, n, i, &cw);
                cells += cw;
            }
            ck_assert_msg(cells <= width || (width < 2 && cells <= 2), "width %d: a row of %d cells", width, cells);
            ck_assert(next >= n || !text_is_mark(w[next]));
            start = next;
        }
    }
    free(w);
}
END_TEST

/* The TM panel's word diff: the words of A outside the longest common word sequence with B. */
static void check_diff(const char *a, const char *b, int want_n, const char *want_marked)
{
    size_t n = strlen(a);
    unsigned char mark[256];
    ck_assert_int_eq(text_diff_words(a, n, b, strlen(b), mark), want_n);
    char got[256];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        got[k++] = mark[i] ? a[i] : '.';
    got[k] = 0;
    ck_assert_str_eq(got, want_marked);
}

START_TEST(word_diff_marks_what_differs)
{
    check_diff("The red car is fast.", "The green car is fast.", 1, "....red.............");
    check_diff("The red car is fast.", "The red car is fast.", 0, "....................");
    check_diff("Turn the knob to the right", "Turn the red knob to the left", 1, ".....................right");
    check_diff("a b", "", 2, "a.b");
    check_diff("Grüße aus Köln", "Grüße nach Köln", 1, "........aus......");
}
END_TEST

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8") && !setlocale(LC_ALL, "C.utf8") && !setlocale(LC_ALL, "en_US.UTF-8")) {
        printf("SKIP: no UTF-8 locale for wcwidth\n");
        return 77;
    }
    Suite *s = suite_create("tui_text");
    TCase *tc = tcase_create("wrap");
    tcase_add_test(tc, words_stay_whole);
    tcase_add_test(tc, spaces_hang_at_the_edge);
    tcase_add_test(tc, punctuation_stays_with_its_word);
    tcase_add_test(tc, cjk_breaks_between_characters);
    tcase_add_test(tc, combining_marks_stay_with_their_base);
    tcase_add_test(tc, cursor_positions);
    tcase_add_test(tc, locate_and_index_at_agree);
    tcase_add_test(tc, word_diff_marks_what_differs);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
