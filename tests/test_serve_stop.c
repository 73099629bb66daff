/* The stop-sequence filter of `tolk serve` (serve/serve_stop.c): text fed in pieces of every size
 * comes out exactly up to the first stop sequence (the sequence itself and what follows dropped),
 * is never held back once it cannot start a stop sequence, and comes out whole when none occurs;
 * an emit function asking to stop is obeyed. */
#include <check.h>
#include <string.h>

#include "serve_stop.h"
#include "suite_run.h"

typedef struct out {
    char buf[1024];
    size_t n;
    int calls, stop_after;
} out;

static int collect(const char *text, size_t len, void *user)
{
    out *o = user;
    ck_assert(o->n + len < sizeof o->buf);
    memcpy(o->buf + o->n, text, len);
    o->n += len;
    o->buf[o->n] = '\0';
    return o->stop_after && ++o->calls >= o->stop_after;
}

/* Feeds TEXT in pieces of PIECE bytes through a filter for WORDS; returns whether a stop was hit
 * and the output in O. */
static int run(const char *text, size_t piece, const char *const *words, int n_words, out *o)
{
    sv_stop s = {.n = n_words};
    for (int i = 0; i < n_words; i++) {
        s.word[i] = words[i];
        s.len[i] = strlen(words[i]);
    }
    memset(o, 0, sizeof *o);
    int stopped = 0;
    for (size_t i = 0; i < strlen(text) && !stopped; i += piece) {
        size_t n = strlen(text) - i < piece ? strlen(text) - i : piece;
        stopped = sv_stop_feed(&s, text + i, n, collect, o);
    }
    if (!stopped)
        sv_stop_flush(&s, collect, o);
    int hit = s.hit;
    sv_stop_free(&s);
    return hit;
}

START_TEST(cuts_at_the_first_stop_sequence)
{
    const char *words[] = {"\n\n", "END", "Ende"};
    for (size_t piece = 1; piece <= 12; piece++) {
        out o;
        ck_assert(run("Hallo Welt.\nZweite Zeile.\n\nNicht mehr.", piece, words, 3, &o));
        ck_assert_str_eq(o.buf, "Hallo Welt.\nZweite Zeile.");
        ck_assert(run("one EN two ENDthree Ende", piece, words, 3, &o));
        ck_assert_str_eq(o.buf, "one EN two ");
        ck_assert(!run("no stop here: EN, En, \n", piece, words, 3, &o)); /* partial matches at the end */
        ck_assert_str_eq(o.buf, "no stop here: EN, En, \n");
        ck_assert(run("ENDING", piece, words, 3, &o));
        ck_assert_str_eq(o.buf, "");
    }
}
END_TEST

START_TEST(holds_back_only_what_could_start_a_sequence)
{
    const char *words[] = {"</s>"};
    sv_stop s = {.n = 1, .word = {words[0]}, .len = {4}};
    out o = {0};
    ck_assert(!sv_stop_feed(&s, "abc<", 4, collect, &o));
    ck_assert_str_eq(o.buf, "abc");
    ck_assert(!sv_stop_feed(&s, "/", 1, collect, &o));
    ck_assert_str_eq(o.buf, "abc");
    ck_assert(!sv_stop_feed(&s, "x", 1, collect, &o)); /* "</x" cannot start "</s>" any more */
    ck_assert_str_eq(o.buf, "abc</x");
    ck_assert(!sv_stop_feed(&s, "ü</s", 5, collect, &o));
    ck_assert_str_eq(o.buf, "abc</xü");
    ck_assert(sv_stop_feed(&s, ">tail", 5, collect, &o));
    ck_assert_str_eq(o.buf, "abc</xü");
    ck_assert(sv_stop_feed(&s, "more", 4, collect, &o)); /* stays stopped */
    ck_assert_str_eq(o.buf, "abc</xü");
    sv_stop_free(&s);
}
END_TEST

START_TEST(no_sequences_and_emit_stopping)
{
    out o;
    ck_assert(!run("plain text", 3, NULL, 0, &o));
    ck_assert_str_eq(o.buf, "plain text");
    sv_stop s = {.n = 1, .word = {"zz"}, .len = {2}};
    memset(&o, 0, sizeof o);
    o.stop_after = 1;
    ck_assert(sv_stop_feed(&s, "abc", 3, collect, &o)); /* the emit function asked to stop */
    sv_stop_free(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("serve_stop");
    TCase *tc = tcase_create("stop");
    tcase_add_test(tc, cuts_at_the_first_stop_sequence);
    tcase_add_test(tc, holds_back_only_what_could_start_a_sequence);
    tcase_add_test(tc, no_sequences_and_emit_stopping);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? 1 : 0;
}
