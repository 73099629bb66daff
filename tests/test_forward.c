/* Tests for the forward pass (runtime/forward/forward.c, model.c, attention.c, models/ARCH.c).
 * 1. Tiny random F32 models of every architecture, built in memory: one batched call, chunked
 *    prefill, token-by-token decoding, several threads and roll back all give the same logits;
 *    broken files fail with errors that name the tensor or architecture.
 * 2. The default model (a SKIP saying so when absent, tests/skip.h): greedy ids for the translation prompts
 *    in tests/fixtures/gemma3_translate.txt must equal llama.cpp's (bench/ref_llamacpp.py). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "forward.h"
#include "gguf.h"
#include "gguf_image.h"
#include "model.h"
#include "simd.h"
#include "skip.h"
#include "suite_run.h"
#include "test_isa.h"

/* ---- tiny models ------------------------------------------------------------------------------ */

enum { E = 64, NH = 4, NKV = 2, FF = 96, NV = 100 };

typedef struct tiny_spec {
    const char *arch;
    int n_layer, head_dim;
    const char *drop;   /* tensor left out */
    const char *skew;   /* tensor written with a wrong outer dimension */
    int ff;             /* FFN width (0: FF) */
} tiny_spec;

typedef struct tensor_def {
    char name[64];
    uint64_t ne0, ne1; /* ne1 = 0: 1-D */
    int kind;          /* 0 matrix, 1 norm, 2 bias */
} tensor_def;

static int add(tensor_def *t, int n, const char *name, uint64_t ne0, uint64_t ne1, int kind)
{
    snprintf(t[n].name, sizeof t[n].name, "%s", name);
    t[n].ne0 = ne0;
    t[n].ne1 = ne1;
    t[n].kind = kind;
    return n + 1;
}

static uint32_t rng_state;
static float frand(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / 16777216.0f * 2.0f - 1.0f;
}

static image tiny_model(const tiny_spec *s)
{
    const int hd = s->head_dim, g3 = !strcmp(s->arch, "gemma3"), q2 = !strcmp(s->arch, "qwen2"),
              qk = g3 || !strcmp(s->arch, "qwen3"), ff = s->ff ? s->ff : FF;
    tensor_def t[256];
    int n = 0;
    char nm[64];
    n = add(t, n, "token_embd.weight", E, NV, 0);
    n = add(t, n, "output_norm.weight", E, 0, 1);
    if (!g3)
        n = add(t, n, "output.weight", E, NV, 0);
    for (int il = 0; il < s->n_layer; il++) {
#define L(suffix, a, b, k) (snprintf(nm, sizeof nm, "blk.%d." suffix, il), n = add(t, n, nm, a, b, k))
        L("attn_norm.weight", E, 0, 1);
        L("attn_q.weight", E, NH * hd, 0);
        L("attn_k.weight", E, NKV * hd, 0);
        L("attn_v.weight", E, NKV * hd, 0);
        L("attn_output.weight", NH * hd, E, 0);
        L("ffn_norm.weight", E, 0, 1);
        L("ffn_gate.weight", E, ff, 0);
        L("ffn_up.weight", E, ff, 0);
        L("ffn_down.weight", ff, E, 0);
        if (q2) {
            L("attn_q.bias", NH * hd, 0, 2);
            L("attn_k.bias", NKV * hd, 0, 2);
            L("attn_v.bias", NKV * hd, 0, 2);
        }
        if (qk) {
            L("attn_q_norm.weight", hd, 0, 1);
            L("attn_k_norm.weight", hd, 0, 1);
        }
        if (g3) {
            L("post_attention_norm.weight", E, 0, 1);
            L("post_ffw_norm.weight", E, 0, 1);
        }
#undef L
    }
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (!s->drop || strcmp(t[i].name, s->drop))
            t[kept++] = t[i];
    n = kept;
    for (int i = 0; i < n; i++)
        if (s->skew && !strcmp(t[i].name, s->skew))
            t[i].ne1 = t[i].ne1 ? t[i].ne1 + 1 : 2;

    image m = {0};
    char key[96];
    const int n_kv = 15 + (g3 ? 1 : 0);
    img_header(&m, 3, (uint64_t)n, (uint64_t)n_kv);
    img_key(&m, "general.architecture", GGUF_TYPE_STRING);
    img_str(&m, s->arch);
#define KU(suffix, v) (snprintf(key, sizeof key, "%s." suffix, s->arch), img_key(&m, key, GGUF_TYPE_U32), img_u32(&m, v))
    KU("context_length", 256);
    KU("embedding_length", E);
    KU("block_count", (uint32_t)s->n_layer);
    KU("feed_forward_length", ff);
    KU("attention.head_count", NH);
    KU("attention.head_count_kv", NKV);
    KU("attention.key_length", (uint32_t)hd);
    KU("attention.value_length", (uint32_t)hd);
    if (g3)
        KU("attention.sliding_window", 5);
#undef KU
    snprintf(key, sizeof key, "%s.attention.layer_norm_rms_epsilon", s->arch);
    img_key(&m, key, GGUF_TYPE_F32);
    img_f32(&m, 1e-6f);
    snprintf(key, sizeof key, "%s.rope.freq_base", s->arch);
    img_key(&m, key, GGUF_TYPE_F32);
    img_f32(&m, 10000.0f);

    /* A minimal SentencePiece vocabulary, only so llama.cpp loads the same file (the reference
     * logits in tests/fixtures/tiny_logits.txt come from it). */
    img_key(&m, "tokenizer.ggml.model", GGUF_TYPE_STRING);
    img_str(&m, "llama");
    img_key(&m, "tokenizer.ggml.tokens", GGUF_TYPE_ARRAY);
    img_u32(&m, GGUF_TYPE_STRING);
    img_u64(&m, NV);
    for (int i = 0; i < NV; i++) {
        char tk[16];
        static const char *const special[4] = {"<unk>", "<s>", "</s>", "<0x0A>"};
        snprintf(tk, sizeof tk, "t%d", i);
        img_str(&m, i < 4 ? special[i] : tk);
    }
    img_key(&m, "tokenizer.ggml.scores", GGUF_TYPE_ARRAY);
    img_u32(&m, GGUF_TYPE_F32);
    img_u64(&m, NV);
    for (int i = 0; i < NV; i++)
        img_f32(&m, -(float)i);
    img_key(&m, "tokenizer.ggml.token_type", GGUF_TYPE_ARRAY);
    img_u32(&m, GGUF_TYPE_I32);
    img_u64(&m, NV);
    for (int i = 0; i < NV; i++)
        img_u32(&m, i == 0 ? 2 : i < 3 ? 3 : i == 3 ? 6 : 1);

    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        uint64_t ne[2] = {t[i].ne0, t[i].ne1};
        img_tensor_info(&m, t[i].name, t[i].ne1 ? 2 : 1, ne, TOLK_TYPE_F32, off);
        off += (t[i].ne0 * (t[i].ne1 ? t[i].ne1 : 1) * 4 + 31) / 32 * 32;
    }
    img_pad(&m, 32);
    rng_state = 12345;
    for (int i = 0; i < n; i++) {
        const uint64_t cnt = t[i].ne0 * (t[i].ne1 ? t[i].ne1 : 1);
        const float scale = t[i].kind == 0 ? (strstr(t[i].name, "token_embd") ? 1.0f : 0.25f) : 0.1f;
        for (uint64_t j = 0; j < cnt; j++)
            img_f32(&m, (t[i].kind == 1 ? 1.0f : 0.0f) + scale * frand());
        img_pad(&m, 32);
    }
    return m;
}

static tolk_model *open_tiny(const tiny_spec *s, image *m, tolk_error *err, int *rc)
{
    *m = tiny_model(s);
    gguf_file *f = gguf_open_memory(m->b, m->n, s->arch, err);
    ck_assert_msg(f != NULL, "%s", err->msg);
    tolk_model *model = NULL;
    *rc = model_from_gguf(f, true, &model, err);
    return model;
}

static const int32_t toks[12] = {1, 17, 42, 99, 3, 3, 56, 0, 71, 8, 23, 64};

static fwd_ctx *make_ctx(const tolk_model *m, int64_t n_batch, int64_t n_logits, int threads, uint32_t kv)
{
    fwd_params p = {.n_ctx = 32, .n_batch = n_batch, .n_logits = n_logits, .kv_type = kv,
                    .n_threads = threads};
    fwd_ctx *c;
    tolk_error err = {0};
    ck_assert_msg(fwd_create(m, &p, &c, &err) == TOLK_OK, "%s", err.msg);
    return c;
}

static void assert_close(const float *a, const float *b, int n, float tol, const char *what, int row)
{
    for (int i = 0; i < n; i++)
        ck_assert_msg(fabsf(a[i] - b[i]) <= tol * (1.0f + fabsf(b[i])), "%s row %d logit %d: %g vs %g",
                      what, row, i, a[i], b[i]);
}

/* tests/fixtures/tiny_logits.txt: "ARCH POS v0 .. v99" rows of llama.cpp's logits for toks[] on
 * the same tiny files (bench/ref_llamacpp.py tiny-fixture). F32 weights and activations on both
 * sides, so only rounding separates them. */
static void check_against_llamacpp(const char *arch, float all[][NV], int n)
{
    char path[4096];
    const char *src = getenv("TOLK_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/fixtures/tiny_logits.txt", src ? src : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char line[8192];
    int rows = 0;
    double worst = 0.0;
    while (fgets(line, sizeof line, f)) {
        char name[32];
        int pos, used;
        if (line[0] == '#' || sscanf(line, "%31s %d%n", name, &pos, &used) != 2 || strcmp(name, arch))
            continue;
        ck_assert_int_lt(pos, n);
        const char *p = line + used;
        for (int v = 0; v < NV; v++) {
            char *end;
            const double ref = strtod(p, &end);
            ck_assert_msg(end != p, "%s: short row for %s %d", path, arch, pos);
            p = end;
            const double d = fabs(all[pos][v] - ref) / (1.0 + fabs(ref));
            worst = d > worst ? d : worst;
            ck_assert_msg(d < 2e-3, "%s position %d logit %d: tolk %g, llama.cpp %g", arch, pos, v,
                          all[pos][v], ref);
        }
        rows++;
    }
    fclose(f);
    ck_assert_msg(rows == n, "%s: %d reference rows for %s, expected %d", path, rows, arch, n);
    printf("test_forward: %s matches llama.cpp on %d positions (worst relative logit difference %.2g)\n",
           arch, rows, worst);
}

static const tiny_spec specs[] = {
    {"llama", 2, 32, NULL, NULL, 0},
    {"qwen2", 2, 16, NULL, NULL, 0},
    {"qwen3", 2, 32, NULL, NULL, 0},
    {"gemma3", 6, 32, NULL, NULL, 0},
};

START_TEST(batched_equals_sequential)
{
    const tiny_spec *s = &specs[_i];
    image img;
    tolk_error err = {0};
    int rc;
    tolk_model *m = open_tiny(s, &img, &err, &rc);
    ck_assert_msg(rc == TOLK_OK, "%s: %s", s->arch, err.msg);
    const int n = 12;
    static float all[12][NV];

    /* TOLK_WRITE_TINY=DIR saves the model for bench/ref_llamacpp.py tiny-fixture. */
    const char *dir = getenv("TOLK_WRITE_TINY");
    if (dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tiny-%s.gguf", dir, s->arch);
        FILE *out = fopen(path, "wb");
        ck_assert_msg(out && fwrite(img.b, 1, img.n, out) == img.n && fclose(out) == 0, "cannot write %s", path);
    }

    /* One call, every logit row. */
    fwd_ctx *c = make_ctx(m, 64, n, 1, TOLK_TYPE_F16);
    ck_assert_int_eq(fwd_eval(c, toks, n, 0, &err), TOLK_OK);
    for (int i = 0; i < n; i++)
        memcpy(all[i], fwd_logits(c, i), sizeof all[i]);
    for (int i = 0; i < NV; i++)
        ck_assert(isfinite(all[n - 1][i]));
    check_against_llamacpp(s->arch, all, n);
    /* Different batch shapes sum in different orders, and a last-bit change can flip the F16
     * rounding of a cached key or value, so paths agree to F16 precision (2e-3), not bit for bit;
     * a masking or position bug moves logits by far more. */

    /* Roll back to 5 and redo: the same rows again (the verification path). */
    ck_assert_int_eq(fwd_rollback(c, 5, &err), TOLK_OK);
    ck_assert_int_eq(fwd_eval(c, toks + 5, n - 5, 0, &err), TOLK_OK);
    for (int i = 5; i < n; i++)
        assert_close(fwd_logits(c, i - 5), all[i], NV, 2e-3f, "after rollback", i);
    fwd_free(c);

    /* Token by token. */
    c = make_ctx(m, 64, 1, 1, TOLK_TYPE_F16);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(fwd_eval(c, toks + i, 1, 0, &err), TOLK_OK);
        assert_close(fwd_logits(c, 0), all[i], NV, 2e-3f, "decode", i);
    }
    ck_assert_int_eq(fwd_pos(c), n);
    fwd_free(c);

    /* Chunks of 5 with two threads, logits from token 4 on. */
    c = make_ctx(m, 5, n - 4, 2, TOLK_TYPE_F16);
    ck_assert_int_eq(fwd_eval(c, toks, n, 4, &err), TOLK_OK);
    for (int i = 4; i < n; i++)
        assert_close(fwd_logits(c, i - 4), all[i], NV, 2e-3f, "chunked", i);
    fwd_free(c);

    /* A q8_0 cache (whole 32-blocks per head only) stays close. */
    if (s->head_dim % 32 == 0) {
        c = make_ctx(m, 64, 1, 1, TOLK_TYPE_Q8_0);
        ck_assert_int_eq(fwd_eval(c, toks, n, n - 1, &err), TOLK_OK);
        assert_close(fwd_logits(c, 0), all[n - 1], NV, 0.15f, "q8_0 cache", n - 1);
        fwd_free(c);
    }
    model_close(m);
    free(img.b);
}
END_TEST

/* Decodes toks[] one at a time with two threads, the FFN fused (fwd_set_decode_fuse) or not, into
 * out[12][NV]. */
static void decode_all(const tolk_model *m, int fuse, uint32_t kv, float out[][NV])
{
    tolk_error err = {0};
    fwd_ctx *c = make_ctx(m, 64, 1, 2, kv);
    fwd_set_decode_fuse(c, fuse);
    for (int i = 0; i < 12; i++) {
        ck_assert_int_eq(fwd_eval(c, toks + i, 1, 0, &err), TOLK_OK);
        memcpy(out[i], fwd_logits(c, 0), sizeof out[i]);
    }
    fwd_free(c);
}

/* The fused one-token steps (fwd_set_decode_fuse) give the batches' loops' logits bit for bit. The
 * FFN (gate/up rows, activation and quantization per row chunk): SwiGLU (llama) and GeGLU
 * (gemma3), 1100 wide (five chunks of 256, the last ragged and off SwiGLU's groups of 16), and
 * qwen2 600 wide (three chunks). The attention output quantized per KV head: llama with heads of
 * 128 (two query heads per KV head, slices of 256), F16 and Q8_0 caches. */
START_TEST(fused_decode_equals_unfused)
{
    static const tiny_spec wide[] = {
        {"llama", 2, 32, NULL, NULL, 1100},
        {"gemma3", 6, 32, NULL, NULL, 1100},
        {"qwen2", 2, 16, NULL, NULL, 600},
        {"llama", 2, 128, NULL, NULL, 0},
    };
    for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++) {
        image img;
        tolk_error err = {0};
        int rc;
        tolk_model *m = open_tiny(&wide[k], &img, &err, &rc);
        ck_assert_msg(rc == TOLK_OK, "%s: %s", wide[k].arch, err.msg);
        static float a[12][NV], b[12][NV];
        for (int q8 = 0; q8 < (wide[k].head_dim % 32 == 0 ? 2 : 1); q8++) {
            const uint32_t kv = q8 ? TOLK_TYPE_Q8_0 : TOLK_TYPE_F16;
            decode_all(m, 1, kv, a);
            decode_all(m, 0, kv, b);
            for (int i = 0; i < 12; i++)
                ck_assert_msg(!memcmp(a[i], b[i], sizeof a[i]), "%s (head dim %d, %s cache) token %d: fused logits",
                              wide[k].arch, wide[k].head_dim, q8 ? "q8_0" : "f16", i);
        }
        model_close(m);
        free(img.b);
    }
}
END_TEST

START_TEST(eval_errors_leave_state_alone)
{
    image img;
    tolk_error err = {0};
    int rc;
    tolk_model *m = open_tiny(&specs[0], &img, &err, &rc);
    ck_assert_int_eq(rc, TOLK_OK);
    fwd_ctx *c = make_ctx(m, 8, 2, 1, TOLK_TYPE_F16);
    const int32_t bad[2] = {5, NV};
    ck_assert_int_eq(fwd_eval(c, bad, 2, 1, &err), TOLK_E_ARG);
    ck_assert_msg(strstr(err.msg, "outside the vocabulary") != NULL, "%s", err.msg);
    ck_assert_int_eq(fwd_eval(c, toks, 3, 0, &err), TOLK_E_ARG); /* 3 rows > n_logits 2 */
    ck_assert_int_eq(fwd_pos(c), 0);
    int32_t many[40] = {0};
    ck_assert_int_eq(fwd_eval(c, many, 30, 30, &err), TOLK_OK);
    ck_assert_int_eq(fwd_eval(c, many, 3, 3, &err), TOLK_E_STATE);
    ck_assert_msg(strstr(err.msg, "context full") != NULL, "%s", err.msg);
    ck_assert_int_eq(fwd_pos(c), 30);
    ck_assert_int_eq(fwd_eval(c, many, 2, 1, &err), TOLK_OK);
    ck_assert_int_eq(fwd_pos(c), 32);
    fwd_free(c);
    model_close(m);
    free(img.b);
}
END_TEST

START_TEST(broken_models_name_the_problem)
{
    struct {
        tiny_spec s;
        int code;
        const char *needle;
    } cases[] = {
        {{"gpt5", 2, 16, NULL, NULL, 0}, TOLK_E_UNSUPPORTED, "unsupported architecture 'gpt5'"},
        {{"llama", 2, 16, "blk.1.ffn_up.weight", NULL, 0}, TOLK_E_FORMAT, "missing tensor blk.1.ffn_up.weight"},
        {{"qwen2", 2, 16, "blk.0.attn_k.bias", NULL, 0}, TOLK_E_FORMAT, "missing tensor blk.0.attn_k.bias"},
        {{"qwen3", 2, 32, "blk.1.attn_q_norm.weight", NULL, 0}, TOLK_E_FORMAT, "blk.1.attn_q_norm.weight"},
        {{"gemma3", 6, 32, "blk.5.post_ffw_norm.weight", NULL, 0}, TOLK_E_FORMAT, "blk.5.post_ffw_norm.weight"},
        {{"llama", 2, 16, NULL, "blk.0.attn_q.weight", 0}, TOLK_E_FORMAT, "tensor blk.0.attn_q.weight has shape"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        image img;
        tolk_error err = {0};
        int rc;
        tolk_model *m = open_tiny(&cases[i].s, &img, &err, &rc);
        ck_assert_ptr_null(m);
        ck_assert_int_eq(rc, cases[i].code);
        ck_assert_msg(strstr(err.msg, cases[i].needle) != NULL, "case %zu: '%s' lacks '%s'", i, err.msg,
                      cases[i].needle);
        free(img.b);
    }
}
END_TEST

/* ---- the default model against llama.cpp -------------------------------------------------------- */

/* The default model, or TOLK_TEST_MODEL when set (main fills it in; NULL reason when present). */
static char model_path[4096];

static const char *need_model(void)
{
    static char why[4200];
    const char *env = getenv("TOLK_TEST_MODEL");
    if (!env || !*env)
        return need_default_model(model_path, sizeof model_path);
    snprintf(model_path, sizeof model_path, "%s", env);
    if (skip_exists(model_path))
        return NULL;
    snprintf(why, sizeof why, "TOLK_TEST_MODEL=%s is absent", env);
    return why;
}

static int parse_ids(const char *line, const char *tag, int32_t *ids, int max)
{
    size_t tl = strlen(tag);
    if (strncmp(line, tag, tl) != 0)
        return -1;
    int n = 0;
    const char *p = line + tl;
    char *end;
    for (long v = strtol(p, &end, 10); end != p && n < max; v = strtol(p, &end, 10)) {
        ids[n++] = (int32_t)v;
        p = end;
    }
    return n;
}

/* Teacher-forced greedy comparison with llama.cpp's ids over the first MAX_CASES prompts of the
 * fixture (all when < 0): *n_match gets the prompts whose every id matched, the return value the
 * prompts compared, *worst_gap the largest (tolk's best logit - tolk's logit of llama.cpp's id). */
static int compare_fixture(int max_cases, int *n_match_out, double *worst_gap_out)
{
    char fix[4096];
    const char *path = model_path;
    const char *src = getenv("TOLK_SRCDIR");
    snprintf(fix, sizeof fix, "%s/tests/fixtures/gemma3_translate.txt", src ? src : ".");
    FILE *f = fopen(fix, "r");
    ck_assert_msg(f != NULL, "cannot open %s", fix);
    tolk_model *m;
    tolk_error err = {0};
    ck_assert_msg(model_open(path, &m, &err) == TOLK_OK, "%s", err.msg);
    /* The whole prompt in one batch, as llama.cpp's default 512-token micro-batch takes it: its
     * kernels sum in another order for a 1-token batch than for a larger one, and tolk's attention
     * follows that, so a 16-token chunking would end some prompts on a 1-token chunk that llama.cpp
     * never runs. (Chunked prefill is checked on the tiny models above.) */
    fwd_params p = {.n_ctx = 512, .n_batch = 512, .n_logits = 1};
    fwd_ctx *c;
    ck_assert_msg(fwd_create(m, &p, &c, &err) == TOLK_OK, "%s", err.msg);
    static char line[65536];
    int32_t prompt[4096], expect[64];
    int n_prompt = -1, n_cases = 0, n_match = 0;
    double worst_gap = 0.0; /* largest (tolk's best logit - tolk's logit of llama.cpp's token) */
    while ((max_cases < 0 || n_cases < max_cases) && fgets(line, sizeof line, f)) {
        int k;
        if ((k = parse_ids(line, "prompt ", prompt, 4096)) >= 0) {
            n_prompt = k;
            continue;
        }
        if ((k = parse_ids(line, "expect ", expect, 64)) < 0)
            continue;
        ck_assert_int_gt(n_prompt, 0);
        ck_assert_int_eq(fwd_rollback(c, 0, &err), TOLK_OK);
        ck_assert_msg(fwd_eval(c, prompt, n_prompt, n_prompt - 1, &err) == TOLK_OK, "%s", err.msg);
        /* Teacher forcing: llama.cpp's token is fed back at every step, so one early near-tie does
         * not hide the remaining steps. Until the first disagreement this is plain greedy decoding. */
        int same = -1;
        for (int i = 0; i < k; i++) {
            const float *l = fwd_logits(c, 0);
            int32_t best = 0;
            for (int32_t v = 1; v < m->hp.n_vocab; v++)
                if (l[v] > l[best])
                    best = v;
            const double gap = (double)l[best] - (double)l[expect[i]];
            worst_gap = gap > worst_gap ? gap : worst_gap;
            if (best != expect[i] && same < 0)
                same = i;
            if (i + 1 < k)
                ck_assert_msg(fwd_eval(c, &expect[i], 1, 0, &err) == TOLK_OK, "%s", err.msg);
        }
        if (same < 0)
            same = k;
        printf("test_forward: case %d: first %d of %d greedy ids match llama.cpp\n", n_cases, same, k);
        fflush(stdout);
        n_match += same == k;
        n_cases++;
        n_prompt = -1;
    }
    fclose(f);
    printf("test_forward: %d of %d prompts match llama.cpp for all generated ids; where they differ, "
           "llama.cpp's token is at most %.3f below tolk's best logit\n", n_match, n_cases, worst_gap);
    fwd_free(c);
    model_close(m);
    *n_match_out = n_match;
    *worst_gap_out = worst_gap;
    return n_cases;
}

/* The first prompt only: the same path at a fraction of the cost, for the sanitizer runs (which
 * leave out the "slow" full comparison below). */
/* The same on the default model, whose quantized matrices read Q8_0 and Q8_K activations (the
 * fused loop quantizes them chunk by chunk). */
START_TEST(default_model_fused_decode_equals_unfused)
{
    tolk_model *m;
    tolk_error err = {0};
    ck_assert_msg(model_open(model_path, &m, &err) == TOLK_OK, "%s", err.msg);
    fwd_params p = {.n_ctx = 64, .n_batch = 8, .n_logits = 1, .n_threads = 2};
    fwd_ctx *c[2];
    for (int f = 0; f < 2; f++) {
        ck_assert_msg(fwd_create(m, &p, &c[f], &err) == TOLK_OK, "%s", err.msg);
        fwd_set_decode_fuse(c[f], f == 0);
    }
    const size_t nv = (size_t)fwd_n_vocab(c[0]);
    for (int i = 0; i < 8; i++) {
        for (int f = 0; f < 2; f++)
            ck_assert_int_eq(fwd_eval(c[f], toks + i, 1, 0, &err), TOLK_OK);
        ck_assert_msg(!memcmp(fwd_logits(c[0], 0), fwd_logits(c[1], 0), nv * sizeof(float)),
                      "token %d: fused logits differ", i);
    }
    for (int f = 0; f < 2; f++)
        fwd_free(c[f]);
    model_close(m);
}
END_TEST

START_TEST(default_model_first_prompt)
{
    int n_match;
    double worst_gap;
    ck_assert_int_eq(compare_fixture(1, &n_match, &worst_gap), 1);
    ck_assert_msg(worst_gap < 1.0, "llama.cpp's token is %.3f below tolk's best logit", worst_gap);
}
END_TEST

START_TEST(default_model_matches_llamacpp)
{
    int n_match;
    double worst_gap;
    const int n_cases = compare_fixture(-1, &n_match, &worst_gap);
    ck_assert_int_ge(n_cases, 10);
    /* Every op outside the matrix products (norms, RoPE, GELU, softmax, attention sums) now
     * carries llama.cpp's bits exactly; the quantized matrix products still sum in simd/'s own
     * order, and this model's activation outliers (several hundred) make logits chaotic at the
     * 0.3 level under Q8 activation rounding: llama.cpp's own flash and non-flash paths agree on
     * only 11 of these 16 prompts. So a disagreement must be a near-tie (a wrong RoPE pairing or
     * base, measured while writing this, moves logits by 1 to 5), and at least half the prompts
     * must match for all 32 tokens (11 of 16 when this was written; 9 before the ops matched). */
    ck_assert_msg(worst_gap < 1.0, "llama.cpp's token is %.3f below tolk's best logit", worst_gap);
    ck_assert_msg(2 * n_match >= n_cases, "only %d of %d prompts match llama.cpp", n_match, n_cases);
}
END_TEST

int main(void)
{
    test_isa_from_env();
    Suite *s = suite_create("forward");
    TCase *tiny = tcase_create("tiny");
    tcase_add_loop_test(tiny, batched_equals_sequential, 0, (int)(sizeof specs / sizeof specs[0]));
    tcase_add_test(tiny, eval_errors_leave_state_alone);
    tcase_add_test(tiny, broken_models_name_the_problem);
    suite_add_tcase(s, tiny);
    TCase *fused = tcase_create("fused"); /* two threads: slow on a loaded machine */
    tcase_set_timeout(fused, 300);
    tcase_add_test(fused, fused_decode_equals_unfused);
    suite_add_tcase(s, fused);
    const char *no_model = need_model();
    TCase *first = tcase_create("default_model_first");
    tcase_set_timeout(first, 600);
    add_test_or_skip(first, default_model_first_prompt, no_model);
    add_test_or_skip(first, default_model_fused_decode_equals_unfused, no_model);
    suite_add_tcase(s, first);
    TCase *real = tcase_create("default_model");
    /* The scalar reference kernels take minutes for 12 prompts on a busy 2-core machine; .ci/run
     * leaves this case out under the sanitizers (CK_EXCLUDE_TAGS=slow). */
    tcase_set_tags(real, "slow");
    tcase_set_timeout(real, 3600);
    add_test_or_skip(real, default_model_matches_llamacpp, no_model);
    suite_add_tcase(s, real);
    int failed = suite_failures(s, true);
    return skip_exit(failed);
}
