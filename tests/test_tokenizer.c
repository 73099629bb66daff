/* Tests for the tokenizer (runtime/tokenizer/tokenizer.c, tok_encode.c, tok_decode.c, pretok.c, unicode.c):
 * every vector in $TOLK_TESTDATA/tokenizer, the default model's ids against llama.cpp fixtures
 * (tests/fixtures/gemma_tokens.*; a SKIP when the model has not been fetched), special-token safety,
 * round trips, the streaming detokenizer and the Unicode tables. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "skip.h"
#include "suite_run.h"
#include "tokenizer.h"
#include "tok_fixtures.h"
#include "unicode.h"

static tok_vocab *load_vocab_path(const char *path)
{
    tolk_error err = {0};
    gguf_file *f = gguf_open(path, &err);
    ck_assert_msg(f != NULL, "%s: %s", path, err.msg);
    tok_vocab *v = NULL;
    int rc = tok_vocab_load(f, &v, &err);
    ck_assert_msg(rc == TOLK_OK, "%s: %s", path, err.msg);
    gguf_close(f); /* the tokenizer keeps copies of everything */
    return v;
}

static tok_vocab *load_vocab(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizer/%s.gguf", testdata_dir(), name);
    return load_vocab_path(path);
}

/* Runs the cases of BASE.inp through V and compares with BASE.out, case by case, reporting every
 * difference before failing. */
static void run_vectors_at(tok_vocab *v, const char *base, const char *name)
{
    fixture fx;
    char why[512];
    ck_assert_msg(fixture_load(base, &fx, why, sizeof why) == 0, "%s", why);
    int failures = 0;
    for (size_t i = 0; i < fx.n; i++) {
        const fixture_case *c = &fx.cases[i];
        tok_ids got = {0};
        tolk_error err = {0};
        ck_assert_int_eq(tok_encode(v, c->text, c->len, 0, &got, &err), TOLK_OK);
        if (got.n != c->n_ids || (got.n && memcmp(got.ids, c->ids, c->n_ids * sizeof *c->ids))) {
            char a[4096], b[4096];
            fixture_format_ids(c->ids, c->n_ids, a, sizeof a);
            fixture_format_ids(got.ids, got.n, b, sizeof b);
            fprintf(stderr, "%s case %zu '%.*s'\n  want%s\n  got %s\n", name, i, (int)c->len,
                    c->text, a, b);
            failures++;
        }
        tok_ids_free(&got);
    }
    ck_assert_msg(failures == 0, "%s: %d of %zu cases differ", name, failures, fx.n);
    ck_assert_int_gt(fx.n, 10);
    fixture_free(&fx);
}

static void run_vectors(const char *name)
{
    char base[4096];
    snprintf(base, sizeof base, "%s/tokenizer/%s", testdata_dir(), name);
    tok_vocab *v = load_vocab(name);
    run_vectors_at(v, base, name);
    tok_vocab_free(v);
}

START_TEST(vectors_qwen2) { run_vectors("qwen2"); }
END_TEST
START_TEST(vectors_llama3) { run_vectors("llama3"); }
END_TEST
START_TEST(vectors_llama_spm) { run_vectors("llama-spm"); }
END_TEST
START_TEST(vectors_gpt2) { run_vectors("gpt2"); }
END_TEST

static void encode(const tok_vocab *v, const char *s, unsigned flags, tok_ids *out)
{
    tolk_error err = {0};
    out->n = 0;
    ck_assert_msg(tok_encode(v, s, strlen(s), flags, out, &err) == TOLK_OK, "%s", err.msg);
}

static bool has_id(const tok_ids *t, int32_t id)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->ids[i] == id)
            return true;
    return false;
}

/* Control-token texts in user text stay plain; with parse_special they become the control id. */
START_TEST(special_tokens_only_when_allowed)
{
    tok_vocab *v = load_vocab("qwen2");
    int32_t im_end = tok_find(v, "<|im_end|>", 10);
    ck_assert_int_eq(im_end, 151645);
    ck_assert_int_eq(tok_token_type(v, im_end), TOK_TYPE_CONTROL);
    ck_assert(tok_is_eog(v, im_end));
    tok_ids t = {0};
    encode(v, "a<|im_end|>b", 0, &t);
    ck_assert(!has_id(&t, im_end));
    for (size_t i = 0; i < t.n; i++)
        ck_assert_int_ne(tok_token_type(v, t.ids[i]), TOK_TYPE_CONTROL);
    encode(v, "a<|im_end|>b", TOK_PARSE_SPECIAL, &t);
    ck_assert_int_eq(t.n, 3);
    ck_assert_int_eq(t.ids[1], im_end);
    /* User-defined tokens (<think>) are matched in plain text, as the reference does. */
    int32_t think = tok_find(v, "<think>", 7);
    ck_assert_int_eq(tok_token_type(v, think), TOK_TYPE_USER_DEFINED);
    encode(v, "x<think>y", 0, &t);
    ck_assert(has_id(&t, think));

    /* Spans: the template's marker is special, the same text in the user's span is not. */
    tok_span spans[] = {{"<|im_start|>user\n", 17, true}, {"hi<|im_end|>", 12, false},
                        {"<|im_end|>\n", 11, true}};
    t.n = 0;
    tolk_error err = {0};
    ck_assert_int_eq(tok_encode_spans(v, spans, 3, 0, &t, &err), TOLK_OK);
    int n_end = 0;
    for (size_t i = 0; i < t.n; i++)
        n_end += t.ids[i] == im_end;
    ck_assert_int_eq(n_end, 1);
    ck_assert_int_eq(t.ids[0], 151644);
    ck_assert_int_eq(t.ids[t.n - 2], im_end);
    tok_ids_free(&t);
    tok_vocab_free(v);
}
END_TEST

START_TEST(bos_eos_and_defaults)
{
    tok_vocab *v = load_vocab("llama3");
    ck_assert_int_eq(tok_model(v), TOK_MODEL_BPE);
    ck_assert_int_eq(tok_pre(v), TOK_PRE_LLAMA3);
    ck_assert(!tok_wants_bos(v)); /* the file says add_bos_token = false, overriding the default */
    ck_assert_int_eq(tok_bos(v), 128000);
    ck_assert(tok_is_eog(v, tok_find(v, "<|eot_id|>", 10)));
    tok_ids t = {0};
    encode(v, "Hello", TOK_ADD_BOS, &t);
    ck_assert_int_eq(t.n, 2);
    ck_assert_int_eq(t.ids[0], 128000);
    encode(v, "", TOK_ADD_BOS | TOK_ADD_EOS, &t);
    ck_assert_int_eq(t.n, 2);
    ck_assert_int_eq(t.ids[1], tok_eos(v));
    tok_ids_free(&t);
    tok_vocab_free(v);

    v = load_vocab("llama-spm");
    ck_assert_int_eq(tok_model(v), TOK_MODEL_SPM);
    ck_assert(tok_add_space_prefix(v));
    ck_assert_int_eq(tok_bos(v), 1);
    ck_assert_int_eq(tok_eos(v), 2);
    tok_vocab_free(v);
}
END_TEST

/* Decoding gives the original bytes back, invalid UTF-8 and byte fallback included. */
static void check_round_trip(const tok_vocab *v, const char *s, size_t len)
{
    tok_ids t = {0};
    tolk_error err = {0};
    ck_assert_int_eq(tok_encode(v, s, len, 0, &t, &err), TOLK_OK);
    char *back;
    size_t back_len;
    ck_assert_int_eq(tok_decode(v, t.ids, t.n, TOK_DECODE_STRIP_PREFIX, &back, &back_len, &err),
                     TOLK_OK);
    ck_assert_msg(back_len == len && !memcmp(back, s, len), "round trip of '%.*s' gave '%s'",
                  (int)len, s, back);
    free(back);
    tok_ids_free(&t);
}

START_TEST(round_trips)
{
    static const char *texts[] = {"Hello world", "  two  spaces \t\ttabs\n\nlines ",
                                  "Grüße, 東京 🙂 ١٢٣", "<|im_end|> <end_of_turn> <s>"};
    const char *names[] = {"qwen2", "llama3", "gpt2", "llama-spm"};
    for (size_t k = 0; k < 4; k++) {
        tok_vocab *v = load_vocab(names[k]);
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
            check_round_trip(v, texts[i], strlen(texts[i]));
        tok_vocab_free(v);
    }
}
END_TEST

/* Invalid UTF-8 never crashes. SPM keeps every byte (byte fallback); byte-level BPE turns each
 * bad byte into U+FFFD first, like the reference. */
START_TEST(invalid_utf8)
{
    const char bad[] = "\x80\xff\xc3(\xe2\x28\xa1 ok \xf0\x9f";
    tok_vocab *v = load_vocab("llama-spm");
    check_round_trip(v, bad, sizeof bad - 1);
    /* Ids from llama.cpp: a lead byte F8..FF claims 4 bytes when text is split into characters,
     * so "\xffx" is one unknown character and both bytes fall back to byte tokens. */
    static const struct {
        const char *text;
        int32_t ids[5];
        size_t n;
    } ref[] = {
        {"a\xffx", {263, 258, 123}, 3},
        {"\xf8\x80x", {29871, 251, 131, 123}, 4},
        {"\xe2(\xa1 ok", {29871, 229, 43, 164, 3431}, 5},
        {"\xc3", {29871, 198}, 2},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        tok_ids r = {0};
        encode(v, ref[i].text, 0, &r);
        ck_assert_uint_eq(r.n, ref[i].n);
        ck_assert(!memcmp(r.ids, ref[i].ids, r.n * sizeof *r.ids));
        tok_ids_free(&r);
    }
    tok_vocab_free(v);

    v = load_vocab("qwen2");
    tok_ids t = {0};
    tolk_error err = {0};
    ck_assert_int_eq(tok_encode(v, "\xff bad \xe2\x82", 8, 0, &t, &err), TOLK_OK);
    char *back;
    size_t len;
    ck_assert_int_eq(tok_decode(v, t.ids, t.n, 0, &back, &len, &err), TOLK_OK);
    ck_assert_str_eq(back, "\xef\xbf\xbd bad \xef\xbf\xbd\xef\xbf\xbd");
    free(back);
    tok_ids_free(&t);
    tok_vocab_free(v);
}
END_TEST

START_TEST(stream_holds_back_partial_utf8)
{
    tok_vocab *v = load_vocab("llama-spm");
    tolk_error err = {0};
    tok_stream s;
    ck_assert_int_eq(tok_stream_init(&s, v, 0, &err), TOLK_OK);
    /* "é" = C3 A9 as two byte tokens, then "!" */
    int32_t c3 = tok_find(v, "<0xC3>", 6), a9 = tok_find(v, "<0xA9>", 6);
    ck_assert_int_ge(c3, 0);
    const char *text;
    size_t len;
    tok_stream_feed(&s, c3, &text, &len);
    ck_assert_int_eq(len, 0);
    tok_stream_feed(&s, a9, &text, &len);
    ck_assert_int_eq(len, 2);
    ck_assert(!memcmp(text, "\xc3\xa9", 2));
    tok_stream_feed(&s, c3, &text, &len);
    ck_assert_int_eq(len, 0);
    tok_stream_flush(&s, &text, &len);
    ck_assert_int_eq(len, 1);
    ck_assert_int_eq((unsigned char)text[0], 0xC3);
    /* A held lead byte followed by something that cannot continue it is released as is. */
    tok_stream_feed(&s, c3, &text, &len);
    ck_assert_int_eq(len, 0);
    tok_stream_feed(&s, tok_find(v, "<0x41>", 6), &text, &len);
    ck_assert_int_eq(len, 2);
    ck_assert(!memcmp(text, "\xc3" "A", 2));
    tok_stream_free(&s);
    tok_vocab_free(v);
}
END_TEST

/* Byte-level BPE splits characters across tokens: streamed one token at a time, every chunk is
 * whole characters and the chunks add up to the text. */
START_TEST(stream_byte_level_bpe)
{
    static const char text[] = "Emoji 🙂👨‍👩‍👧 and 東京 ١٢٣ Grüße\n";
    const char *names[] = {"qwen2", "llama3", "gpt2"};
    for (size_t k = 0; k < 3; k++) {
        tok_vocab *v = load_vocab(names[k]);
        tok_ids t = {0};
        encode(v, text, 0, &t);
        tolk_error err = {0};
        tok_stream s;
        ck_assert_int_eq(tok_stream_init(&s, v, 0, &err), TOLK_OK);
        char out[256];
        size_t n = 0;
        bool split_seen = false;
        for (size_t i = 0; i < t.n; i++) {
            const char *chunk;
            size_t len;
            tok_stream_feed(&s, t.ids[i], &chunk, &len);
            ck_assert_uint_eq(utf8_complete_prefix(chunk, len), len);
            if (len) {
                size_t cl; /* a chunk never starts inside a character */
                ck_assert_uint_ne(utf8_decode(chunk, len, &cl), UNI_REPLACEMENT);
            }
            size_t pl;
            tok_piece(v, t.ids[i], 0, &pl);
            split_seen |= len != pl;
            ck_assert_uint_lt(n + len, sizeof out);
            memcpy(out + n, chunk, len);
            n += len;
        }
        const char *rest;
        size_t len;
        tok_stream_flush(&s, &rest, &len);
        ck_assert_uint_eq(len, 0);
        ck_assert(split_seen); /* some character really was cut between tokens */
        ck_assert_uint_eq(n, sizeof text - 1);
        ck_assert(!memcmp(out, text, n));
        tok_stream_free(&s);
        tok_ids_free(&t);
        tok_vocab_free(v);
    }
}
END_TEST

START_TEST(unicode_classes)
{
    ck_assert(uni_flags('a') & UNI_LETTER);
    ck_assert(uni_flags(0x00E9) & UNI_LETTER);  /* é */
    ck_assert(uni_flags(0x6771) & UNI_LETTER);  /* 東 */
    ck_assert(uni_flags(0x0663) & UNI_NUMBER);  /* Arabic-Indic 3 */
    ck_assert(uni_flags(0x2167) & UNI_NUMBER);  /* Roman numeral eight */
    ck_assert(uni_flags(0x3000) & UNI_SPACE);   /* ideographic space */
    ck_assert(uni_flags(0x00A0) & UNI_SPACE);
    ck_assert(!(uni_flags(0x200B) & UNI_SPACE)); /* zero-width space is not White_Space */
    ck_assert(uni_flags(0x3002) & UNI_PUNCT);   /* 。 */
    ck_assert(uni_flags(0x1F642) & UNI_SYMBOL); /* 🙂 */
    ck_assert(uni_flags(0x0301) & UNI_MARK);
    ck_assert_int_eq(uni_flags(0x10FFFF + 1), 0);
    size_t len;
    ck_assert_uint_eq(utf8_decode("\xe6\x9d\xb1", 3, &len), 0x6771);
    ck_assert_uint_eq(len, 3);
    ck_assert_uint_eq(utf8_decode("\xe6\x9d", 2, &len), UNI_REPLACEMENT);
    ck_assert_uint_eq(len, 1);
    ck_assert_uint_eq(utf8_complete_prefix("ab\xe6\x9d", 4), 2);
    ck_assert_uint_eq(utf8_complete_prefix("ab\xe6\x9d\xb1", 5), 5);
    ck_assert_uint_eq(utf8_complete_prefix("ab\xe6" "a", 4), 4);
}
END_TEST

/* A minimal vocab-only GGUF image in BUF: model and pre strings and a one-token vocabulary. */
static size_t tiny_vocab(unsigned char *buf, const char *model, const char *pre)
{
    size_t n = 0;
    uint32_t u32;
    uint64_t u64;
#define PUT(p, l) (memcpy(buf + n, (p), (l)), n += (l))
    PUT("GGUF", 4);
    u32 = 3; PUT(&u32, 4);
    u64 = 0; PUT(&u64, 8);
    u64 = 3; PUT(&u64, 8);
    const char *keys[] = {"tokenizer.ggml.model", "tokenizer.ggml.pre"};
    const char *vals[] = {model, pre};
    for (int i = 0; i < 2; i++) {
        u64 = strlen(keys[i]); PUT(&u64, 8); PUT(keys[i], u64);
        u32 = GGUF_TYPE_STRING; PUT(&u32, 4);
        u64 = strlen(vals[i]); PUT(&u64, 8); PUT(vals[i], u64);
    }
    const char *k = "tokenizer.ggml.tokens";
    u64 = strlen(k); PUT(&u64, 8); PUT(k, u64);
    u32 = GGUF_TYPE_ARRAY; PUT(&u32, 4);
    u32 = GGUF_TYPE_STRING; PUT(&u32, 4);
    u64 = 1; PUT(&u64, 8);
    u64 = 1; PUT(&u64, 8); PUT("a", 1);
#undef PUT
    return n;
}

/* Unknown model or pre-tokenizer names are errors that name them, never a silent fallback. */
START_TEST(unsupported_is_an_error)
{
    static const char *const cases[][3] = {
        {"gpt2", "frobnicator", "pre-tokenizer 'frobnicator'"},
        {"bert", "default", "tokenizer model 'bert'"},
    };
    for (size_t i = 0; i < 2; i++) {
        unsigned char buf[512];
        size_t n = tiny_vocab(buf, cases[i][0], cases[i][1]);
        tolk_error err = {0};
        gguf_file *f = gguf_open_memory(buf, n, "mem", &err);
        ck_assert_msg(f != NULL, "%s", err.msg);
        tok_vocab *v;
        ck_assert_int_eq(tok_vocab_load(f, &v, &err), TOLK_E_UNSUPPORTED);
        ck_assert_msg(strstr(err.msg, cases[i][2]) != NULL, "%s", err.msg);
        gguf_close(f);
    }
}
END_TEST

/* Merging ordinary characters never produces a control token, even when the vocabulary would
 * allow it: an SPM vocabulary in memory whose "ab" is a control token with the best score. */
START_TEST(merges_never_make_control_tokens)
{
    static const char *const toks[] = {"<unk>", "<s>", "</s>", "a", "b", "ab"};
    static const int32_t types[] = {2, 3, 3, 1, 1, 3};
    static const float scores[] = {0, 0, 0, -1, -1, 10};
    unsigned char buf[1024];
    size_t n = 0;
    uint32_t u32;
    uint64_t u64;
#define PUT(p, l) (memcpy(buf + n, (p), (l)), n += (l))
#define KEY(k, t) (u64 = strlen(k), PUT(&u64, 8), PUT((k), u64), u32 = (t), PUT(&u32, 4))
    PUT("GGUF", 4);
    u32 = 3; PUT(&u32, 4);
    u64 = 0; PUT(&u64, 8);
    u64 = 5; PUT(&u64, 8);
    KEY("tokenizer.ggml.model", GGUF_TYPE_STRING);
    u64 = 5; PUT(&u64, 8); PUT("llama", 5);
    KEY("tokenizer.ggml.add_space_prefix", GGUF_TYPE_BOOL);
    PUT("\0", 1);
    KEY("tokenizer.ggml.tokens", GGUF_TYPE_ARRAY);
    u32 = GGUF_TYPE_STRING; PUT(&u32, 4);
    u64 = 6; PUT(&u64, 8);
    for (int i = 0; i < 6; i++) {
        u64 = strlen(toks[i]); PUT(&u64, 8); PUT(toks[i], u64);
    }
    KEY("tokenizer.ggml.token_type", GGUF_TYPE_ARRAY);
    u32 = GGUF_TYPE_I32; PUT(&u32, 4);
    u64 = 6; PUT(&u64, 8); PUT(types, sizeof types);
    KEY("tokenizer.ggml.scores", GGUF_TYPE_ARRAY);
    u32 = GGUF_TYPE_F32; PUT(&u32, 4);
    u64 = 6; PUT(&u64, 8); PUT(scores, sizeof scores);
#undef KEY
#undef PUT
    tolk_error err = {0};
    gguf_file *f = gguf_open_memory(buf, n, "mem", &err);
    ck_assert_msg(f != NULL, "%s", err.msg);
    tok_vocab *v;
    ck_assert_msg(tok_vocab_load(f, &v, &err) == TOLK_OK, "%s", err.msg);
    tok_ids t = {0};
    encode(v, "ab", 0, &t);
    ck_assert_uint_eq(t.n, 2);
    ck_assert_int_eq(t.ids[0], 3);
    ck_assert_int_eq(t.ids[1], 4);
    encode(v, "ab", TOK_PARSE_SPECIAL, &t); /* template text may name it */
    ck_assert_uint_eq(t.n, 1);
    ck_assert_int_eq(t.ids[0], 5);
    tok_ids_free(&t);
    tok_vocab_free(v);
    gguf_close(f);
}
END_TEST

/* The `default` pre-tokenizer (four passes), which no shared vocabulary uses: the GPT-2 vocab with
 * its tokenizer.ggml.pre value rewritten to "default" in memory, against llama.cpp's ids for the
 * same edit (tests/fixtures/gen_default_pre.py). */
START_TEST(default_pre_tokenizer)
{
    char path[4096], base[4096];
    snprintf(path, sizeof path, "%s/tokenizer/gpt2.gguf", testdata_dir());
    size_t len;
    char *data = fixture_read_file(path, &len);
    ck_assert_msg(data != NULL, "cannot read %s", path);
    static const char key[] = "tokenizer.ggml.pre";
    uint64_t key_len = sizeof key - 1;
    char needle[8 + sizeof key];
    memcpy(needle, &key_len, 8);
    memcpy(needle + 8, key, key_len);
    char *at = memmem(data, len, needle, 8 + key_len);
    ck_assert_ptr_nonnull(at);
    size_t val = (size_t)(at - data) + 8 + key_len + 4; /* after the u32 value type */
    uint64_t old_len;
    memcpy(&old_len, data + val, 8);
    uint64_t new_len = 7;
    char *patched = malloc(len + 16);
    ck_assert_ptr_nonnull(patched);
    memcpy(patched, data, val);
    memcpy(patched + val, &new_len, 8);
    memcpy(patched + val + 8, "default", 7);
    size_t rest = len - val - 8 - old_len;
    memcpy(patched + val + 15, data + val + 8 + old_len, rest);
    tolk_error err = {0};
    gguf_file *f = gguf_open_memory(patched, val + 15 + rest, "gpt2-default", &err);
    ck_assert_msg(f != NULL, "%s", err.msg);
    tok_vocab *v;
    ck_assert_msg(tok_vocab_load(f, &v, &err) == TOLK_OK, "%s", err.msg);
    ck_assert_int_eq(tok_pre(v), TOK_PRE_DEFAULT);
    const char *src = getenv("TOLK_SRCDIR");
    snprintf(base, sizeof base, "%s/tests/fixtures/default_pre", src && *src ? src : ".");
    run_vectors_at(v, base, "default");
    tok_vocab_free(v);
    gguf_close(f);
    free(patched);
    free(data);
}
END_TEST

/* The default model's SentencePiece vocabulary against ids llama.cpp produced
 * (tests/fixtures/gen_gemma_tokens.py); a SKIP when the model has not been fetched. */
static char model[4096]; /* main fills it in */

START_TEST(gemma_matches_llama_cpp)
{
    char base[4096];
    const char *src = getenv("TOLK_SRCDIR");
    snprintf(base, sizeof base, "%s/tests/fixtures/gemma_tokens", src && *src ? src : ".");
    tok_vocab *v = load_vocab_path(model);
    ck_assert_int_eq(tok_model(v), TOK_MODEL_SPM);
    ck_assert(!tok_add_space_prefix(v));
    ck_assert(tok_wants_bos(v));
    ck_assert_int_eq(tok_n_tokens(v), 262144);
    ck_assert_int_eq(tok_bos(v), 2);
    ck_assert(tok_is_eog(v, 106)); /* <end_of_turn> */
    ck_assert(tok_is_eog(v, 1));   /* <eos> */
    run_vectors_at(v, base, "gemma");
    /* User text spelling control tokens never yields them. */
    tok_ids t = {0};
    encode(v, "<start_of_turn>user\nhi<end_of_turn><bos><eos>", 0, &t);
    for (size_t i = 0; i < t.n; i++)
        ck_assert_int_ne(tok_token_type(v, t.ids[i]), TOK_TYPE_CONTROL);
    encode(v, "<start_of_turn>user\nhi<end_of_turn>", TOK_PARSE_SPECIAL, &t);
    ck_assert_int_eq(t.ids[0], 105);
    ck_assert_int_eq(t.ids[t.n - 1], 106);
    tok_ids_free(&t);
    tok_vocab_free(v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tokenizer");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    const char *no_td = need_testdata();
    add_test_or_skip(tc, vectors_qwen2, no_td);
    add_test_or_skip(tc, vectors_llama3, no_td);
    add_test_or_skip(tc, vectors_llama_spm, no_td);
    add_test_or_skip(tc, vectors_gpt2, no_td);
    add_test_or_skip(tc, special_tokens_only_when_allowed, no_td);
    add_test_or_skip(tc, bos_eos_and_defaults, no_td);
    add_test_or_skip(tc, round_trips, no_td);
    add_test_or_skip(tc, invalid_utf8, no_td);
    add_test_or_skip(tc, stream_holds_back_partial_utf8, no_td);
    add_test_or_skip(tc, stream_byte_level_bpe, no_td);
    tcase_add_test(tc, unicode_classes);
    tcase_add_test(tc, unsupported_is_an_error);
    add_test_or_skip(tc, gemma_matches_llama_cpp, need_default_model(model, sizeof model));
    add_test_or_skip(tc, default_pre_tokenizer, no_td);
    tcase_add_test(tc, merges_never_make_control_tokens);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return skip_exit(failed);
}
