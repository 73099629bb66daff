/* Tests for the public API added for the CLI (runtime/api/system.c, meta.c, tokenize.c, eval.c,
 * quantize.c), through tolk.h only: the machine, metadata-only loading and the metadata/tensor
 * views, tokenizing and pieces, the logits context, quantizing. Bad input (NULL or empty
 * arguments, out-of-range ids and indices, missing and truncated files, a full context) must give
 * an error code and a message, never a crash: every test runs in its own process, so a crash is a
 * failure. The model-based tests use a tiny random model made by bench/gen_model with the llama3
 * vocabulary of $TOLK_TESTDATA; without them only the data-free tests run and the test reports
 * SKIP (exit 77) with the reason. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch_dir.h"
#include "suite_run.h"
#include "tolk.h"

static char tmpdir[256];
static char model_path[512]; /* tiny llama, Q8_0, llama3 vocabulary; "" when it could not be made */
static char vocab_path[512]; /* $TOLK_TESTDATA/tokenizer/qwen2.gguf (vocab only) */

static const char *tmp_file(const char *name)
{
    static char p[600];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

/* ck_assert for a call that must fail with CODE and say something. */
#define ASSERT_FAILS(call, code_, err_)                                                                   \
    do {                                                                                              \
        memset(&(err_), 0, sizeof(err_));                                                             \
        int rc_ = (call);                                                                             \
        ck_assert_msg(rc_ == (code_), "%s returned %d (%s), expected %d", #call, rc_, (err_).msg, (code_)); \
        ck_assert_int_eq((err_).code, (code_));                                                       \
        ck_assert_msg((err_).msg[0] != '\0', "%s: no message", #call);                                \
    } while (0)

static tolk_model *load(int (*fn)(const char *, tolk_model **, tolk_error *), const char *path)
{
    tolk_model *m = NULL;
    tolk_error err = {0};
    int rc = fn(path, &m, &err);
    ck_assert_msg(rc == TOLK_OK && m, "%s: %s", path, err.msg);
    return m;
}

/* ---- data-free ----------------------------------------------------------------------------------- */

START_TEST(machine)
{
    tolk_error err = {0};
    const char *k = tolk_isa();
    ck_assert_msg(tolk_set_isa(k, &err) == TOLK_OK, "%s", err.msg); /* the path in use, again */
    ck_assert_int_eq(tolk_set_isa("no-such-isa", &err), TOLK_E_ARG);
    ck_assert_str_eq(tolk_isa(), k);                                 /* a refusal keeps the path */
    ck_assert(!strcmp(k, "scalar") || !strcmp(k, "avx2") || !strcmp(k, "avx512") || !strcmp(k, "neon"));
    ck_assert_ptr_nonnull(strstr(tolk_features(), "kernels:"));
    ck_assert(*tolk_version());
    const char *gb = tolk_gpu_backend();
    ck_assert(!strcmp(gb, "none") || !strcmp(gb, "cuda"));
    const int n = tolk_gpu_count();
    ck_assert_int_ge(n, 0);
    char buf[256];
    ASSERT_FAILS(tolk_gpu_describe(-1, buf, sizeof buf, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_gpu_describe(n, buf, sizeof buf, &err), TOLK_E_ARG, err);
    ck_assert_str_eq(buf, "");
    ASSERT_FAILS(tolk_gpu_describe(0, NULL, 0, &err), TOLK_E_NOMEM, err);
    ck_assert_int_eq(tolk_gpu_describe(n, buf, sizeof buf, NULL), TOLK_E_ARG); /* NULL err is fine */
}
END_TEST

START_TEST(type_names)
{
    ck_assert_str_eq(tolk_type_name(0), "F32");
    ck_assert_str_eq(tolk_type_name(1), "F16");
    ck_assert_str_eq(tolk_type_name(8), "Q8_0");
    ck_assert_str_eq(tolk_type_name(12), "Q4_K");
    ck_assert_str_eq(tolk_type_name(-1), "unknown");
    ck_assert_str_eq(tolk_type_name(4), "unknown"); /* removed from ggml (Q4_2) */
    ck_assert_str_eq(tolk_type_name(100000), "unknown");
    ck_assert_str_eq(tolk_meta_type_name(TOLK_META_U32), "u32");
    ck_assert_str_eq(tolk_meta_type_name(TOLK_META_STRING), "string");
    ck_assert_str_eq(tolk_meta_type_name(TOLK_META_ARRAY), "array");
    ck_assert_str_eq(tolk_meta_type_name(-3), "unknown");
    ck_assert_str_eq(tolk_meta_type_name(13), "unknown");
    ck_assert_ptr_nonnull(strstr(tolk_quantize_types(), "Q4_K_M"));
}
END_TEST

START_TEST(load_errors)
{
    tolk_error err;
    tolk_model *m = (tolk_model *)1;
    int (*const loaders[])(const char *, tolk_model **, tolk_error *) = {tolk_model_load, tolk_model_load_vocab,
                                                                          tolk_model_load_meta};
    for (size_t i = 0; i < sizeof loaders / sizeof loaders[0]; i++) {
        ASSERT_FAILS(loaders[i]("/nonexistent/model.gguf", &m, &err), TOLK_E_IO, err);
        ck_assert_ptr_null(m);
        ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/model.gguf"));
        m = (tolk_model *)1;
        ASSERT_FAILS(loaders[i](NULL, &m, &err), TOLK_E_ARG, err);
        ck_assert_ptr_null(m);
        ASSERT_FAILS(loaders[i]("", &m, &err), TOLK_E_ARG, err);
        ASSERT_FAILS(loaders[i](tmp_file("x.gguf"), NULL, &err), TOLK_E_ARG, err);
        memset(&err, 0, sizeof err);
        ck_assert_int_ne(loaders[i](tmpdir, &m, &err), TOLK_OK); /* a directory */
        ck_assert(err.code != TOLK_OK && err.msg[0] && !m);
        ck_assert_int_eq(loaders[i](NULL, &m, NULL), TOLK_E_ARG); /* NULL err is fine */
    }
    /* A truncated header and a file that is not GGUF at all. */
    FILE *f = fopen(tmp_file("cut.gguf"), "wb");
    ck_assert_ptr_nonnull(f);
    fwrite("GGUF\003\000\000\000", 1, 8, f);
    fclose(f);
    ASSERT_FAILS(tolk_model_load_meta(tmp_file("cut.gguf"), &m, &err), TOLK_E_FORMAT, err);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
    f = fopen(tmp_file("text.gguf"), "wb");
    fputs("not a model at all, just some text\n", f);
    fclose(f);
    ASSERT_FAILS(tolk_model_load_vocab(tmp_file("text.gguf"), &m, &err), TOLK_E_FORMAT, err);
    tolk_model_free(NULL);
}
END_TEST

START_TEST(null_handles)
{
    /* Getters on no model or context answer "nothing" instead of crashing. */
    tolk_error err;
    tolk_meta_value v;
    tolk_tensor_info t;
    char buf[8] = "x";
    ck_assert_int_eq(tolk_model_meta_count(NULL), 0);
    ck_assert_int_eq(tolk_model_tensor_count(NULL), 0);
    ck_assert_ptr_null(tolk_model_path(NULL));
    ck_assert_int_eq(tolk_model_meta_str(NULL, "general.name", buf, sizeof buf), -1);
    ck_assert_str_eq(buf, "");
    ASSERT_FAILS(tolk_model_meta_get(NULL, "general.name", &v, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_meta_at(NULL, 0, NULL, NULL, &v, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_meta_array_at(NULL, "k", 0, &v, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_tensor_at(NULL, 0, &t, &err), TOLK_E_ARG, err);
    int32_t *ids = NULL;
    size_t n = 0;
    ASSERT_FAILS(tolk_tokenize(NULL, "a", 1, 0, &ids, &n, &err), TOLK_E_ARG, err);
    const char *piece;
    ASSERT_FAILS(tolk_token_to_piece(NULL, 0, 0, &piece, &n, &err), TOLK_E_ARG, err);
    ck_assert_int_eq(tolk_vocab_n_tokens(NULL), 0);
    ck_assert_int_eq(tolk_token_bos(NULL), -1);
    ck_assert_int_eq(tolk_token_is_eog(NULL, 0), 0);
    tolk_context *c = (tolk_context *)1;
    ASSERT_FAILS(tolk_context_new(NULL, NULL, &c, &err), TOLK_E_ARG, err);
    ck_assert_ptr_null(c);
    const int32_t tok = 1;
    ASSERT_FAILS(tolk_decode(NULL, &tok, 1, 0, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_context_rollback(NULL, 0, &err), TOLK_E_ARG, err);
    ck_assert_ptr_null(tolk_get_logits(NULL, 0));
    ck_assert_int_eq(tolk_context_n_past(NULL), 0);
    tolk_context_free(NULL);
    tolk_quantize_stats st;
    ASSERT_FAILS(tolk_model_quantize(NULL, NULL, "Q8_0", &st, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_quantize("a.gguf", "b.gguf", NULL, &st, &err), TOLK_E_ARG, err);
    char *prompt;
    ASSERT_FAILS(tolk_translate_prompt(NULL, NULL, NULL, "de", "x", 1, &prompt, NULL, NULL, &err), TOLK_E_ARG, err);
}
END_TEST

/* ---- metadata and tensors --------------------------------------------------------------------------- */

START_TEST(metadata)
{
    tolk_model *m = load(tolk_model_load_meta, model_path);
    tolk_error err;
    tolk_meta_value v;
    ck_assert_str_eq(tolk_model_path(m), model_path);
    ck_assert_uint_eq(tolk_model_gguf_version(m), 3);
    struct stat st;
    ck_assert_int_eq(stat(model_path, &st), 0);
    ck_assert_uint_eq(tolk_model_file_size(m), (uint64_t)st.st_size);
    ck_assert_str_eq(tolk_model_arch(m), "(metadata only)");

    memset(&err, 0, sizeof err);
    ck_assert_int_eq(tolk_model_meta_get(m, "general.architecture", &v, &err), TOLK_OK);
    ck_assert_int_eq(v.type, TOLK_META_STRING);
    ck_assert(v.len == 5 && !memcmp(v.str, "llama", 5));
    ck_assert_int_eq(tolk_model_meta_get(m, "llama.block_count", &v, &err), TOLK_OK);
    ck_assert(v.type == TOLK_META_U32 && v.u == 2);
    ck_assert_int_eq(tolk_model_meta_get(m, "general.name", NULL, &err), TOLK_OK); /* presence only */
    ASSERT_FAILS(tolk_model_meta_get(m, "no.such.key", &v, &err), TOLK_E_NOTFOUND, err);
    ck_assert_ptr_nonnull(strstr(err.msg, "no.such.key"));
    ASSERT_FAILS(tolk_model_meta_get(m, NULL, &v, &err), TOLK_E_ARG, err);

    /* Every pair by index; the keys found again by name. */
    const int64_t n = tolk_model_meta_count(m);
    ck_assert_int_gt(n, 10);
    for (int64_t i = 0; i < n; i++) {
        const char *key;
        size_t key_len;
        ck_assert_int_eq(tolk_model_meta_at(m, i, &key, &key_len, &v, &err), TOLK_OK);
        char name[256];
        ck_assert_uint_lt(key_len, sizeof name);
        memcpy(name, key, key_len);
        name[key_len] = '\0';
        tolk_meta_value w;
        ck_assert_int_eq(tolk_model_meta_get(m, name, &w, &err), TOLK_OK);
        ck_assert_int_eq(w.type, v.type);
    }
    ASSERT_FAILS(tolk_model_meta_at(m, n, NULL, NULL, &v, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_meta_at(m, -1, NULL, NULL, &v, &err), TOLK_E_ARG, err);

    /* Arrays: the vocabulary's strings and token types. */
    ck_assert_int_eq(tolk_model_meta_get(m, "tokenizer.ggml.tokens", &v, &err), TOLK_OK);
    ck_assert(v.type == TOLK_META_ARRAY && v.elem_type == TOLK_META_STRING && v.n == 128256);
    tolk_meta_value e;
    ck_assert_int_eq(tolk_model_meta_array_at(m, "tokenizer.ggml.tokens", 9906, &e, &err), TOLK_OK);
    ck_assert(e.type == TOLK_META_STRING && e.len == 5 && !memcmp(e.str, "Hello", 5));
    ck_assert_int_eq(tolk_model_meta_array_at(m, "tokenizer.ggml.token_type", 128000, &e, &err), TOLK_OK);
    ck_assert(e.type == TOLK_META_I32 && e.i == 3); /* <|begin_of_text|> is a control token */
    ASSERT_FAILS(tolk_model_meta_array_at(m, "tokenizer.ggml.tokens", v.n, &e, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_meta_array_at(m, "tokenizer.ggml.tokens", UINT64_MAX, &e, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_meta_array_at(m, "general.architecture", 0, &e, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_meta_array_at(m, "no.such.array", 0, &e, &err), TOLK_E_NOTFOUND, err);

    /* The llama_model_meta_val_str-like copy: full length back, truncated text, -1 when absent. */
    char buf[4];
    ck_assert_int_eq(tolk_model_meta_str(m, "general.architecture", buf, sizeof buf), 5);
    ck_assert_str_eq(buf, "lla");
    ck_assert_int_eq(tolk_model_meta_str(m, "general.architecture", NULL, 0), 5);
    ck_assert_int_eq(tolk_model_meta_str(m, "llama.block_count", buf, sizeof buf), -1); /* not a string */
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(tolk_model_meta_str(m, "no.such.key", buf, sizeof buf), -1);
    tolk_model_free(m);
}
END_TEST

START_TEST(tensors)
{
    tolk_model *m = load(tolk_model_load_meta, model_path);
    tolk_error err;
    tolk_tensor_info t;
    const int64_t n = tolk_model_tensor_count(m);
    ck_assert_int_eq(n, 3 + 2 * 9); /* token_embd, output_norm, output + 9 per layer */
    uint64_t bytes = 0, elements = 0, prev_end = 0;
    for (int64_t i = 0; i < n; i++) {
        ck_assert_int_eq(tolk_model_tensor_at(m, i, &t, &err), TOLK_OK);
        ck_assert(t.name && *t.name);
        ck_assert_str_ne(tolk_type_name(t.type), "unknown");
        ck_assert(t.n_dims >= 1 && t.n_dims <= 4);
        uint64_t ne = 1;
        for (int d = 0; d < 4; d++)
            ne *= (uint64_t)t.ne[d];
        ck_assert_uint_eq(ne, t.n_elements);
        ck_assert_uint_ge(t.offset, prev_end); /* in file order, not overlapping */
        prev_end = t.offset + t.n_bytes;
        bytes += t.n_bytes;
        elements += t.n_elements;
        if (!strcmp(t.name, "token_embd.weight")) {
            ck_assert_int_eq(t.type, 8); /* Q8_0 */
            ck_assert(t.ne[0] == 128 && t.ne[1] == 128256);
        }
    }
    ck_assert_uint_le(prev_end, tolk_model_file_size(m));
    ck_assert_uint_eq(bytes, tolk_model_size(m));
    ck_assert_int_eq((int64_t)elements, tolk_model_n_params(m));
    ASSERT_FAILS(tolk_model_tensor_at(m, n, &t, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_tensor_at(m, -1, &t, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_tensor_at(m, 0, NULL, &err), TOLK_E_ARG, err);
    tolk_model_free(m);
}
END_TEST

/* ---- tokenizer -------------------------------------------------------------------------------------- */

START_TEST(tokenize)
{
    tolk_model *m = load(tolk_model_load_vocab, vocab_path);
    tolk_error err = {0};
    int32_t *ids = NULL;
    size_t n = 0;
    /* The shared test vectors (see tests/test_cli_tokenize.sh): qwen2 "Hello world" = 9707 1879. */
    ck_assert_int_eq(tolk_tokenize(m, "Hello world", 11, 0, &ids, &n, &err), TOLK_OK);
    ck_assert(n == 2 && ids[0] == 9707 && ids[1] == 1879);
    char *text = NULL;
    size_t len = 0;
    ck_assert_int_eq(tolk_detokenize(m, ids, n, 0, &text, &len, &err), TOLK_OK);
    ck_assert(len == 11 && !strcmp(text, "Hello world"));
    free(text);
    const char *piece;
    ck_assert_int_eq(tolk_token_to_piece(m, ids[1], 0, &piece, &len, &err), TOLK_OK);
    ck_assert(len == 6 && !memcmp(piece, " world", 6));
    free(ids);

    /* Control-token text stays text unless asked for. */
    ck_assert_int_eq(tolk_tokenize(m, "<|im_end|>", 10, 0, &ids, &n, &err), TOLK_OK);
    ck_assert(n > 1);
    free(ids);
    ck_assert_int_eq(tolk_tokenize(m, "<|im_end|>", 10, TOLK_TOKENIZE_SPECIAL, &ids, &n, &err), TOLK_OK);
    ck_assert(n == 1 && ids[0] == 151645);
    ck_assert(tolk_token_is_eog(m, 151645));
    ck_assert(!tolk_token_is_eog(m, 9707));
    ck_assert(!tolk_token_is_eog(m, -1) && !tolk_token_is_eog(m, 1 << 30));
    ck_assert_int_eq(tolk_token_to_piece(m, 151645, 0, &piece, &len, &err), TOLK_OK);
    ck_assert_uint_eq(len, 0); /* a control token has no text ... */
    ck_assert_int_eq(tolk_token_to_piece(m, 151645, TOLK_PIECE_SPECIAL, &piece, &len, &err), TOLK_OK);
    ck_assert(len == 10 && !memcmp(piece, "<|im_end|>", 10)); /* ... unless asked for */
    free(ids);

    /* Empty text: no tokens, no error; NULL text is only fine when empty. */
    ids = (int32_t *)1;
    ck_assert_int_eq(tolk_tokenize(m, "", 0, 0, &ids, &n, &err), TOLK_OK);
    ck_assert(n == 0 && ids == NULL);
    ck_assert_int_eq(tolk_tokenize(m, NULL, 0, 0, &ids, &n, &err), TOLK_OK);
    ck_assert(n == 0 && ids == NULL);
    ASSERT_FAILS(tolk_tokenize(m, NULL, 5, 0, &ids, &n, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_tokenize(m, "a", 1, 1u << 7, &ids, &n, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_tokenize(m, "a", 1, 0, NULL, &n, &err), TOLK_E_ARG, err);
    /* Invalid UTF-8 is tokenized, not refused. */
    ck_assert_int_eq(tolk_tokenize(m, "\xff\xfe ok", 5, 0, &ids, &n, &err), TOLK_OK);
    ck_assert_uint_gt(n, 0);
    free(ids);

    /* Ids outside the vocabulary. */
    const int32_t nv = tolk_vocab_n_tokens(m);
    ck_assert_int_eq(nv, 151669);
    ASSERT_FAILS(tolk_token_to_piece(m, nv, 0, &piece, &len, &err), TOLK_E_ARG, err);
    ck_assert_ptr_nonnull(strstr(err.msg, "outside the vocabulary"));
    ck_assert(len == 0 && piece && !*piece);
    ASSERT_FAILS(tolk_token_to_piece(m, -1, 0, &piece, &len, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_token_to_piece(m, 0, 0, NULL, &len, &err), TOLK_E_ARG, err);
    const int32_t bad[] = {9707, -5, 1879};
    ASSERT_FAILS(tolk_detokenize(m, bad, 3, 0, &text, &len, &err), TOLK_E_ARG, err);
    ck_assert_ptr_null(text);
    ASSERT_FAILS(tolk_detokenize(m, NULL, 2, 0, &text, &len, &err), TOLK_E_ARG, err);
    ck_assert_int_eq(tolk_detokenize(m, NULL, 0, 0, &text, &len, &err), TOLK_OK);
    ck_assert(len == 0 && text && !*text);
    free(text);
    tolk_model_free(m);
}
END_TEST

START_TEST(tokenize_needs_a_tokenizer)
{
    /* A metadata-only model describes itself but cannot tokenize: an error, not a crash. */
    tolk_model *m = load(tolk_model_load_meta, vocab_path);
    tolk_error err;
    int32_t *ids = NULL;
    size_t n = 0;
    const char *piece;
    char *text;
    ASSERT_FAILS(tolk_tokenize(m, "Hello", 5, 0, &ids, &n, &err), TOLK_E_STATE, err);
    ASSERT_FAILS(tolk_token_to_piece(m, 0, 0, &piece, &n, &err), TOLK_E_STATE, err);
    ASSERT_FAILS(tolk_detokenize(m, NULL, 0, 0, &text, &n, &err), TOLK_E_STATE, err);
    ck_assert_int_eq(tolk_vocab_n_tokens(m), 0);
    ck_assert_int_eq(tolk_token_bos(m), -1);
    ck_assert_int_eq(tolk_vocab_wants_bos(m), 0);
    ASSERT_FAILS(tolk_translate_prompt(m, NULL, NULL, "de", "x", 1, &text, NULL, NULL, &err), TOLK_E_STATE, err);
    tolk_context *c = NULL;
    ASSERT_FAILS(tolk_context_new(m, NULL, &c, &err), TOLK_E_ARG, err);
    tolk_model_free(m);
    /* Neither can a vocab-only one run. */
    m = load(tolk_model_load_vocab, vocab_path);
    ASSERT_FAILS(tolk_context_new(m, NULL, &c, &err), TOLK_E_ARG, err);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(tolk_token_eos(m), 151645);
    tolk_model_free(m);
}
END_TEST

/* ---- the logits context ----------------------------------------------------------------------------- */

START_TEST(context)
{
    tolk_model *m = load(tolk_model_load, model_path);
    tolk_error err = {0};
    tolk_context *c = NULL;
    tolk_context_params p;
    tolk_context_params_default(&p);
    p.n_ctx = 16;
    p.n_logits = 4;
    p.n_threads = 2;
    p.n_batch = -1;
    ASSERT_FAILS(tolk_context_new(m, &p, &c, &err), TOLK_E_ARG, err);
    p.n_batch = 3; /* chunks of 3 inside one tolk_decode */
    ASSERT_FAILS(tolk_context_new(m, &p, NULL, &err), TOLK_E_ARG, err);
    ck_assert_msg(tolk_context_new(m, &p, &c, &err) == TOLK_OK, "%s", err.msg);
    ck_assert_int_eq(tolk_context_n_ctx(c), 16);
    ck_assert_int_eq(tolk_context_n_vocab(c), 128256);
    ck_assert_int_eq(tolk_context_n_past(c), 0);

    const int32_t toks[] = {128000, 9906, 1917, 11, 1268, 527, 499, 30};
    /* Refusals leave the cache as it was. */
    ASSERT_FAILS(tolk_decode(c, NULL, 3, 2, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_decode(c, toks, 0, 0, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_decode(c, toks, 3, 4, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_decode(c, toks, 3, -1, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_decode(c, toks, 8, 0, &err), TOLK_E_ARG, err); /* 8 rows > n_logits 4 */
    const int32_t bad[] = {9906, 128256};
    ASSERT_FAILS(tolk_decode(c, bad, 2, 1, &err), TOLK_E_ARG, err);
    ck_assert_ptr_nonnull(strstr(err.msg, "outside the vocabulary"));
    ck_assert_int_eq(tolk_context_n_past(c), 0);
    ck_assert_ptr_null(tolk_get_logits(c, 0));

    /* All 8 tokens in one call (3 chunks), logits for the last 4. */
    ck_assert_msg(tolk_decode(c, toks, 8, 4, &err) == TOLK_OK, "%s", err.msg);
    ck_assert_int_eq(tolk_context_n_past(c), 8);
    float last[4][8];
    for (int r = 0; r < 4; r++) {
        const float *lg = tolk_get_logits(c, r);
        ck_assert_ptr_nonnull(lg);
        for (int i = 0; i < tolk_context_n_vocab(c); i++)
            ck_assert_msg(isfinite(lg[i]), "row %d logit %d is %g", r, i, lg[i]);
        memcpy(last[r], lg, sizeof last[r]);
    }
    ck_assert_ptr_null(tolk_get_logits(c, 4));
    ck_assert_ptr_null(tolk_get_logits(c, -1));

    /* The same tokens one at a time after emptying the cache: the same logits (within rounding:
     * batched and one-token kernels may sum in another order). */
    ck_assert_int_eq(tolk_context_rollback(c, 0, &err), TOLK_OK);
    ck_assert_int_eq(tolk_context_n_past(c), 0);
    ck_assert_ptr_null(tolk_get_logits(c, 0));
    for (int t = 0; t < 8; t++) {
        ck_assert_msg(tolk_decode(c, toks + t, 1, 0, &err) == TOLK_OK, "%s", err.msg);
        if (t >= 4)
            for (int i = 0; i < 8; i++)
                ck_assert_msg(fabsf(tolk_get_logits(c, 0)[i] - last[t - 4][i]) <= 1e-2f + 1e-2f * fabsf(last[t - 4][i]),
                              "token %d logit %d: %g one at a time, %g batched", t, i, tolk_get_logits(c, 0)[i],
                              last[t - 4][i]);
    }

    /* Rolling back part of the cache and decoding again reproduces the logits. */
    ck_assert_int_eq(tolk_context_rollback(c, 7, &err), TOLK_OK);
    ck_assert_int_eq(tolk_decode(c, toks + 7, 1, 0, &err), TOLK_OK);
    for (int i = 0; i < 8; i++)
        ck_assert(fabsf(tolk_get_logits(c, 0)[i] - last[3][i]) <= 1e-2f + 1e-2f * fabsf(last[3][i]));
    ASSERT_FAILS(tolk_context_rollback(c, 9, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_context_rollback(c, -1, &err), TOLK_E_ARG, err);
    ck_assert_int_eq(tolk_context_n_past(c), 8);

    /* A full context refuses more and keeps what it has. */
    ck_assert_int_eq(tolk_decode(c, toks, 8, 8, &err), TOLK_OK); /* no logits asked: fine */
    ck_assert_int_eq(tolk_context_n_past(c), 16);
    ASSERT_FAILS(tolk_decode(c, toks, 1, 0, &err), TOLK_E_STATE, err);
    ck_assert_ptr_nonnull(strstr(err.msg, "context full"));
    ck_assert_int_eq(tolk_context_n_past(c), 16);
    tolk_context_free(c);

    /* Defaults: a context of min(training context, 4096) with one logits row. */
    ck_assert_int_eq(tolk_context_new(m, NULL, &c, &err), TOLK_OK);
    ck_assert_int_eq(tolk_context_n_ctx(c), 256);
    ASSERT_FAILS(tolk_decode(c, toks, 2, 0, &err), TOLK_E_ARG, err);
    ck_assert_int_eq(tolk_decode(c, toks, 2, 1, &err), TOLK_OK);
    tolk_context_free(c);
    tolk_model_free(m);
}
END_TEST

/* ---- quantization ----------------------------------------------------------------------------------- */

START_TEST(quantize)
{
    tolk_error err;
    tolk_quantize_stats st;
    char out[600];
    snprintf(out, sizeof out, "%s", tmp_file("q4_0.gguf")); /* tmp_file's buffer is reused below */
    ASSERT_FAILS(tolk_model_quantize(model_path, out, "Q3_K", &st, &err), TOLK_E_ARG, err);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown type 'Q3_K'"));
    ck_assert_ptr_nonnull(strstr(err.msg, "Q4_K_M"));
    ASSERT_FAILS(tolk_model_quantize(model_path, out, "", &st, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_quantize(model_path, "", "Q8_0", &st, &err), TOLK_E_ARG, err);
    ASSERT_FAILS(tolk_model_quantize(tmp_file("missing.gguf"), out, "Q8_0", &st, &err), TOLK_E_IO, err);
    ck_assert_int_ne(access(out, F_OK), 0); /* nothing left behind */

    memset(&err, 0, sizeof err);
    ck_assert_msg(tolk_model_quantize(model_path, out, "q4_0", &st, &err) == TOLK_OK, "%s", err.msg);
    ck_assert_str_eq(st.type, "Q4_0"); /* llama-quantize's spelling */
    ck_assert_int_eq(st.n_tensors, 3 + 2 * 9);
    ck_assert_uint_gt(st.n_converted, 0);
    ck_assert_uint_lt(st.bytes_out, st.bytes_in);
    ck_assert_int_eq(tolk_model_quantize(model_path, tmp_file("q8.gguf"), "Q8_0", NULL, &err), TOLK_OK);

    tolk_model *m = load(tolk_model_load_meta, out);
    tolk_meta_value v;
    ck_assert_int_eq(tolk_model_meta_get(m, "general.file_type", &v, &err), TOLK_OK);
    ck_assert_uint_eq(v.u, 2); /* MOSTLY_Q4_0 */
    ck_assert_uint_eq(tolk_model_size(m), st.bytes_out);
    tolk_model_free(m);
}
END_TEST

/* Makes the tiny model with bench/gen_model; "" in model_path (and a reason) when it cannot. */
static const char *make_fixtures(void)
{
    const char *data = getenv("TOLK_TESTDATA");
    const char *build = getenv("TOLK_BUILDDIR");
    static char why[4096];
    if (!data || !*data)
        return "TOLK_TESTDATA is not set (configure --with-testdata=DIR)";
    snprintf(vocab_path, sizeof vocab_path, "%s/tokenizer/qwen2.gguf", data);
    char llama3[512];
    snprintf(llama3, sizeof llama3, "%s/tokenizer/llama3.gguf", data);
    if (access(vocab_path, R_OK) || access(llama3, R_OK)) {
        snprintf(why, sizeof why, "%s or %s is missing", vocab_path, llama3);
        return why;
    }
    char gen[512], cmd[2048];
    snprintf(gen, sizeof gen, "%s/bench/gen_model", build && *build ? build : ".");
    if (access(gen, X_OK)) {
        snprintf(why, sizeof why, "%s is missing (run make first)", gen);
        return why;
    }
    snprintf(model_path, sizeof model_path, "%s/tiny.gguf", tmpdir);
    snprintf(cmd, sizeof cmd, "'%s' --arch llama --preset tiny --type Q8_0 --ctx 256 --seed 5 --name tiny --vocab '%s' -o '%s'",
             gen, llama3, model_path);
    if (system(cmd) != 0) {
        snprintf(why, sizeof why, "%s failed", cmd);
        model_path[0] = '\0';
        return why;
    }
    return NULL;
}

int main(void)
{
    if (scratch_dir(tmpdir, sizeof tmpdir, "tolk-test-api"))
        return EXIT_FAILURE;
    const char *skip = make_fixtures();
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("no data");
    tcase_add_test(tc, machine);
    tcase_add_test(tc, type_names);
    tcase_add_test(tc, load_errors);
    tcase_add_test(tc, null_handles);
    suite_add_tcase(s, tc);
    if (!skip) {
        TCase *tm = tcase_create("model");
        tcase_set_timeout(tm, 120);
        tcase_add_test(tm, metadata);
        tcase_add_test(tm, tensors);
        tcase_add_test(tm, tokenize);
        tcase_add_test(tm, tokenize_needs_a_tokenizer);
        tcase_add_test(tm, context);
        tcase_add_test(tm, quantize);
        suite_add_tcase(s, tm);
    }
    int failed = suite_failures(s, true);
    char rm[400];
    snprintf(rm, sizeof rm, "rm -rf '%s'", tmpdir);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    if (failed)
        return EXIT_FAILURE;
    if (skip) {
        printf("SKIP: the model-based API tests did not run: %s\n", skip);
        return 77;
    }
    return EXIT_SUCCESS;
}
