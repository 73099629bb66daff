/* Tests for the gemma4 tokenizer (tokenizer.ggml.model "gemma4": BPE by merge rank over raw UTF-8,
 * spaces as U+2581, <0xXX> byte fallback, newline runs split off): a synthetic vocabulary
 * (tests/fixtures/gemma4_vocab.gguf) against llama.cpp's ids for it (gemma4_tokens.*, written by
 * tests/fixtures/gen_gemma4_vocab.py), round trips through the decoder, the forced add_bos, the
 * end-of-generation set and special-token safety. Facts: docs/TOKENIZERS.md. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "suite_run.h"
#include "tokenizer.h"
#include "tok_fixtures.h"
#include "unicode.h"

static void fixture_base(char *buf, size_t size, const char *name)
{
    const char *src = getenv("TOLK_SRCDIR");
    snprintf(buf, size, "%s/tests/fixtures/%s", src && *src ? src : ".", name);
}

static tok_vocab *load_gemma4(void)
{
    char path[4096];
    fixture_base(path, sizeof path, "gemma4_vocab.gguf");
    tolk_error err = {0};
    gguf_file *f = gguf_open(path, &err);
    ck_assert_msg(f != NULL, "%s: %s", path, err.msg);
    tok_vocab *v = NULL;
    ck_assert_msg(tok_vocab_load(f, &v, &err) == TOLK_OK, "%s: %s", path, err.msg);
    gguf_close(f);
    return v;
}

static int32_t id_of(const tok_vocab *v, const char *text)
{
    int32_t id = tok_find(v, text, strlen(text));
    ck_assert_msg(id >= 0, "'%s' is not in the vocabulary", text);
    return id;
}

/* The text decoding gives back: the input with every U+2581 a space (the encoder cannot tell a
 * typed ▁ from a space) and every byte of invalid UTF-8 a U+FFFD, as the encoder reads it. */
static size_t expected_decoding(const char *s, size_t len, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        size_t cl;
        uint32_t cp = utf8_decode(s + i, len - i, &cl);
        if (cp == 0x2581)
            out[k++] = ' ';
        else
            k += utf8_encode(cp, out + k);
        i += cl;
    }
    return k;
}

/* Every case: llama.cpp's ids (specials parsed, no BOS), and decoding them (specials printed)
 * gives the text back. */
START_TEST(matches_llama_cpp)
{
    tok_vocab *v = load_gemma4();
    char base[4096];
    fixture_base(base, sizeof base, "gemma4_tokens");
    fixture fx;
    char why[512];
    ck_assert_msg(fixture_load(base, &fx, why, sizeof why) == 0, "%s", why);
    int failures = 0;
    for (size_t i = 0; i < fx.n; i++) {
        const fixture_case *c = &fx.cases[i];
        tok_ids got = {0};
        tolk_error err = {0};
        ck_assert_int_eq(tok_encode(v, c->text, c->len, TOK_PARSE_SPECIAL, &got, &err), TOLK_OK);
        if (got.n != c->n_ids || (got.n && memcmp(got.ids, c->ids, c->n_ids * sizeof *c->ids))) {
            char a[4096], b[4096];
            fixture_format_ids(c->ids, c->n_ids, a, sizeof a);
            fixture_format_ids(got.ids, got.n, b, sizeof b);
            fprintf(stderr, "gemma4 case %zu '%.*s'\n  want%s\n  got %s\n", i, (int)c->len,
                    c->text, a, b);
            failures++;
        }
        char *back;
        size_t back_len;
        ck_assert_int_eq(tok_decode(v, c->ids, c->n_ids, TOK_DECODE_SPECIAL, &back, &back_len,
                                    &err), TOLK_OK);
        char want[1024];
        ck_assert_uint_lt(c->len, sizeof want);
        size_t want_len = expected_decoding(c->text, c->len, want);
        if (back_len != want_len || memcmp(back, want, want_len)) {
            fprintf(stderr, "gemma4 case %zu '%.*s' decodes to '%s'\n", i, (int)c->len, c->text,
                    back);
            failures++;
        }
        free(back);
        tok_ids_free(&got);
    }
    ck_assert_msg(failures == 0, "gemma4: %d differences in %zu cases", failures, fx.n);
    ck_assert_int_gt(fx.n, 20);
    fixture_free(&fx);
    tok_vocab_free(v);
}
END_TEST

START_TEST(vocabulary_facts)
{
    tok_vocab *v = load_gemma4();
    ck_assert_int_eq(tok_model(v), TOK_MODEL_BPE);
    ck_assert_int_eq(tok_pre(v), TOK_PRE_GEMMA4); /* the file's pre ("default") is ignored */
    ck_assert_str_eq(tok_model_name(v), "gemma4");
    ck_assert_str_eq(tok_pre_name(v), "gemma4");
    ck_assert(tok_wants_bos(v)); /* forced although the file says add_bos_token = false */
    ck_assert(!tok_wants_eos(v));
    ck_assert_int_eq(tok_bos(v), id_of(v, "<bos>"));
    ck_assert_int_eq(tok_eos(v), id_of(v, "<eos>"));
    ck_assert(tok_is_eog(v, id_of(v, "<eos>")));
    ck_assert(tok_is_eog(v, id_of(v, "<turn|>")));
    ck_assert(tok_is_eog(v, id_of(v, "<|tool_response>")));
    ck_assert(tok_is_eog(v, id_of(v, "<end_of_turn>")));
    ck_assert(!tok_is_eog(v, id_of(v, "<|turn>")));
    /* With <|tool_response> in the vocabulary, </s> is an ordinary token. */
    ck_assert(!tok_is_eog(v, id_of(v, "</s>")));
    ck_assert_int_eq(tok_token_type(v, id_of(v, "</s>")), TOK_TYPE_NORMAL);
    /* Pieces: ▁ prints as a space, a byte token as its byte. */
    size_t n;
    const char *p = tok_piece(v, id_of(v, "\xE2\x96\x81"), 0, &n);
    ck_assert(n == 1 && p[0] == ' ');
    p = tok_piece(v, id_of(v, "<0xF0>"), 0, &n);
    ck_assert(n == 1 && (unsigned char)p[0] == 0xF0);
    tok_piece(v, id_of(v, "<|turn>"), 0, &n);
    ck_assert_uint_eq(n, 0);
    /* BOS comes first when asked for; a bare vocabulary without <bos> would add nothing. */
    tok_ids t = {0};
    tolk_error err = {0};
    ck_assert_int_eq(tok_encode(v, "Hello", 5, TOK_ADD_BOS, &t, &err), TOLK_OK);
    ck_assert_int_eq(t.ids[0], tok_bos(v));
    tok_ids_free(&t);
    tok_vocab_free(v);
}
END_TEST

/* User text naming control tokens stays text; newline runs and spaces survive every path. */
START_TEST(user_text_and_round_trips)
{
    tok_vocab *v = load_gemma4();
    static const char *const texts[] = {
        "<|turn>user\nhi<turn|><eos><bos>", "\n\n\n\n\n\n\n", "  a  \n  b  ", "\xF0\x9F\x99\x82 x",
        "Grüße 東京 ١٢٣ 🙂👍", "\t\r\n", "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t len = strlen(texts[i]);
        tok_ids t = {0};
        tolk_error err = {0};
        ck_assert_int_eq(tok_encode(v, texts[i], len, 0, &t, &err), TOLK_OK);
        for (size_t k = 0; k < t.n; k++)
            ck_assert_int_ne(tok_token_type(v, t.ids[k]), TOK_TYPE_CONTROL);
        char *back;
        size_t back_len;
        ck_assert_int_eq(tok_decode(v, t.ids, t.n, 0, &back, &back_len, &err), TOLK_OK);
        ck_assert_msg(back_len == len && !memcmp(back, texts[i], len),
                      "round trip of '%s' gave '%s'", texts[i], back);
        free(back);
        tok_ids_free(&t);
    }
    tok_vocab_free(v);
}
END_TEST

/* Invalid UTF-8: each bad byte becomes U+FFFD (as in the reference), spelled in byte tokens. */
START_TEST(invalid_utf8)
{
    tok_vocab *v = load_gemma4();
    const char bad[] = "a\xFF\xC3 b\xE2\x96";
    tok_ids t = {0};
    tolk_error err = {0};
    ck_assert_int_eq(tok_encode(v, bad, sizeof bad - 1, 0, &t, &err), TOLK_OK);
    char *back;
    size_t back_len;
    ck_assert_int_eq(tok_decode(v, t.ids, t.n, 0, &back, &back_len, &err), TOLK_OK);
    ck_assert_str_eq(back, "a\xEF\xBF\xBD\xEF\xBF\xBD b\xEF\xBF\xBD\xEF\xBF\xBD");
    free(back);
    tok_ids_free(&t);
    tok_vocab_free(v);
}
END_TEST

/* An emoji missing from the vocabulary arrives as four byte tokens; the streaming detokenizer
 * holds the character back until its last byte, and spaces come out of ▁ tokens. */
START_TEST(stream_joins_byte_tokens)
{
    tok_vocab *v = load_gemma4();
    const char *text = "a \xF0\x9F\x99\x82 b";
    tok_ids t = {0};
    tolk_error err = {0};
    ck_assert_int_eq(tok_encode(v, text, strlen(text), 0, &t, &err), TOLK_OK);
    tok_stream s;
    ck_assert_int_eq(tok_stream_init(&s, v, 0, &err), TOLK_OK);
    char got[64];
    size_t n_got = 0, n_empty = 0;
    for (size_t i = 0; i < t.n; i++) {
        const char *p;
        size_t n;
        tok_stream_feed(&s, t.ids[i], &p, &n);
        if (n == 0)
            n_empty++;
        /* whatever comes out ends on a character boundary */
        ck_assert_uint_eq(utf8_complete_prefix(p, n), n);
        ck_assert_uint_lt(n_got + n, sizeof got);
        memcpy(got + n_got, p, n);
        n_got += n;
    }
    const char *p;
    size_t n;
    tok_stream_flush(&s, &p, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(n_empty, 3); /* the first three bytes of the emoji */
    ck_assert(n_got == strlen(text) && !memcmp(got, text, n_got));
    tok_stream_free(&s);
    tok_ids_free(&t);
    tok_vocab_free(v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tokenizer_gemma4");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, matches_llama_cpp);
    tcase_add_test(tc, vocabulary_facts);
    tcase_add_test(tc, user_text_and_round_trips);
    tcase_add_test(tc, invalid_utf8);
    tcase_add_test(tc, stream_joins_byte_tokens);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
