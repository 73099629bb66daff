/* Architectures beyond the first four (models/gemma2.c, models/qwen3moe.c, ...) against llama.cpp.
 * For each, bench/gen_model writes its tiny random-weight model (synthetic 128-token vocabulary);
 * tolk's logits for a fixed token sequence are compared with llama.cpp's on the same file, stored
 * in tests/fixtures/models/ARCH.txt by bench/ref_llamacpp.py models-fixture (llama.cpp is not
 * needed here). The measures are docs/NUMERICS.md's: mean KL divergence, same top-1, plus the
 * worst relative logit difference (F32 weights: only rounding separates the two). Batched,
 * token-by-token, chunked and threaded evaluation must agree; broken files (a missing tensor, an
 * expert count out of range) fail with one message naming the problem. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward.h"
#include "gguf.h"
#include "model.h"
#include "scratch_dir.h"
#include "skip.h"
#include "suite_run.h"
#include "test_isa.h"

#define NV 128 /* gen_model --vocab-size */
#define NT 16  /* tokens in a fixture */

typedef struct arch_case {
    const char *arch;
    const char *gen_args; /* extra gen_model arguments */
    double max_rel, max_kld; /* 0: the defaults below */
    const char *fixture;  /* tests/fixtures/models/FIXTURE.txt; NULL: ARCH */
} arch_case;

static const arch_case cases[] = {
    {"gemma2", "", 0, 0, NULL},
    {"qwen3moe", "", 0, 0, NULL},
    {"phi3", "", 0, 0, NULL},
    {"hunyuan-dense", "", 0, 0, NULL},
    {"qwen2moe", "", 0, 0, NULL},
    /* gemma4 attends with scale 1 over RMS-normalised queries and keys, so scores spread over
     * +-sqrt(head_dim) and the softmax is nearly one-hot. Measured layer by layer against llama.cpp's
     * tensors: inputs agree bit for bit, one F32 product (Wq . x) differs in the last bit, that flips
     * one query value's F16 rounding before q.k, and the sharp softmax carries the 2e-3 score change
     * on (worst logit 1.5e-2 relative, KLD 2.8e-6). A missing step (value norm, per-layer input,
     * output scale, shared cache) moves logits by far more. */
    {"gemma4", "", 3e-2, 1e-5, NULL},
    /* Gemma 4's mixture of experts (26B-A4B's pieces: dense FFN beside 8 experts of which 2 are
     * routed, fused gate-up stacks, router scale, per-expert scales, the three extra norms). */
    {"gemma4", "--preset tiny-moe", 3e-2, 1e-5, "gemma4-moe"},
};

static char tmpdir[4096];

static const char *builddir(void)
{
    const char *b = getenv("TOLK_BUILDDIR");
    return b && *b ? b : ".";
}

static const char *srcdir(void)
{
    const char *s = getenv("TOLK_SRCDIR");
    return s && *s ? s : ".";
}

/* Writes the tiny model of ARCH with gen_model (EXTRA: more arguments) to PATH. */
static void gen_tiny(const char *arch, const char *extra, const char *path)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/bench/gen_model' --arch %s --preset tiny --vocab-size %d %s -o '%s'",
             builddir(), arch, NV, extra, path);
    ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

/* The fixture: the token ids, then NT rows of NV logits. */
static int read_fixture(const char *arch, int32_t *toks, float ref[][NV])
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/models/%s.txt", srcdir(), arch);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char line[16384];
    int n_tok = 0, rows = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line, *end;
        if (line[0] == '#')
            continue;
        if (!strncmp(line, "tokens", 6)) {
            p += 6;
            for (long v = strtol(p, &end, 10); end != p && n_tok < NT; v = strtol(p, &end, 10)) {
                toks[n_tok++] = (int32_t)v;
                p = end;
            }
            continue;
        }
        long pos = strtol(p, &end, 10);
        ck_assert_msg(end != p && pos == rows && rows < NT, "%s: bad row %d", path, rows);
        p = end;
        for (int v = 0; v < NV; v++) {
            ref[rows][v] = strtof(p, &end);
            ck_assert_msg(end != p, "%s: short row %d", path, rows);
            p = end;
        }
        rows++;
    }
    fclose(f);
    ck_assert_int_eq(n_tok, NT);
    ck_assert_int_eq(rows, NT);
    return rows;
}

static void log_softmax(const float *l, double *out)
{
    double m = l[0], s = 0.0;
    for (int v = 1; v < NV; v++)
        m = l[v] > m ? l[v] : m;
    for (int v = 0; v < NV; v++)
        s += exp(l[v] - m);
    for (int v = 0; v < NV; v++)
        out[v] = l[v] - m - log(s);
}

static int argmax(const float *l)
{
    int b = 0;
    for (int v = 1; v < NV; v++)
        if (l[v] > l[b])
            b = v;
    return b;
}

static fwd_ctx *make_ctx(const tolk_model *m, int64_t n_batch, int64_t n_logits, int threads)
{
    fwd_params p = {.n_ctx = 64, .n_batch = n_batch, .n_logits = n_logits, .kv_type = TOLK_TYPE_F16,
                    .n_threads = threads};
    fwd_ctx *c;
    tolk_error err = {0};
    ck_assert_msg(fwd_create(m, &p, &c, &err) == TOLK_OK, "%s", err.msg);
    return c;
}

/* TOL: relative; one-token and batched products sum in different orders, which gemma4's sharp
 * attention amplifies as it does the difference to llama.cpp (see cases[]). */
static void assert_close(const float *a, const float *b, const char *what, int row, double tol)
{
    for (int i = 0; i < NV; i++)
        ck_assert_msg(fabsf(a[i] - b[i]) <= (float)tol * (1.0f + fabsf(b[i])), "%s row %d logit %d: %g vs %g", what,
                      row, i, a[i], b[i]);
}

START_TEST(matches_llamacpp)
{
    const arch_case *ac = &cases[_i];
    char path[8192];
    const char *fx = ac->fixture ? ac->fixture : ac->arch;
    snprintf(path, sizeof path, "%s/%s.gguf", tmpdir, fx);
    gen_tiny(ac->arch, ac->gen_args, path);
    int32_t toks[NT];
    static float ref[NT][NV], all[NT][NV];
    read_fixture(fx, toks, ref);

    tolk_model *m;
    tolk_error err = {0};
    ck_assert_msg(model_open(path, &m, &err) == TOLK_OK, "%s", err.msg);
    ck_assert_int_eq(m->hp.n_vocab, NV);
    fwd_ctx *c = make_ctx(m, 64, NT, 1);
    ck_assert_msg(fwd_eval(c, toks, NT, 0, &err) == TOLK_OK, "%s", err.msg);
    double kld = 0.0, worst = 0.0;
    int same_top = 0;
    for (int t = 0; t < NT; t++) {
        memcpy(all[t], fwd_logits(c, t), sizeof all[t]);
        double lp[NV], lq[NV];
        log_softmax(ref[t], lp);
        log_softmax(all[t], lq);
        for (int v = 0; v < NV; v++) {
            kld += exp(lp[v]) * (lp[v] - lq[v]);
            const double d = fabs(all[t][v] - ref[t][v]) / (1.0 + fabs(ref[t][v]));
            worst = d > worst ? d : worst;
        }
        same_top += argmax(all[t]) == argmax(ref[t]);
    }
    kld /= NT;
    printf("test_models: %s vs llama.cpp on %d positions: mean KLD %.3g, same top-1 %d/%d, worst relative "
           "logit difference %.2g\n", fx, NT, kld, same_top, NT, worst);
    /* F32 weights on both sides: a wrong step (mask, cap, routing, RoPE) moves logits by far more. */
    const double max_rel = ac->max_rel > 0 ? ac->max_rel : 2e-3, max_kld = ac->max_kld > 0 ? ac->max_kld : 1e-6;
    ck_assert_msg(worst < max_rel, "%s: worst relative logit difference %g", ac->arch, worst);
    ck_assert_msg(kld < max_kld, "%s: mean KLD %g", ac->arch, kld);
    ck_assert_int_eq(same_top, NT);
    fwd_free(c);

    /* Token by token, chunks of 5 on two threads, and a rollback all agree with the batch. */
    static float dec[NT][NV];
    c = make_ctx(m, 64, 1, 1);
    for (int t = 0; t < NT; t++) {
        ck_assert_int_eq(fwd_eval(c, toks + t, 1, 0, &err), TOLK_OK);
        assert_close(fwd_logits(c, 0), all[t], "decode", t, max_rel);
        memcpy(dec[t], fwd_logits(c, 0), sizeof dec[t]);
    }
    ck_assert_int_eq(fwd_rollback(c, 7, &err), TOLK_OK);
    ck_assert_int_eq(fwd_eval(c, toks + 7, 1, 0, &err), TOLK_OK);
    assert_close(fwd_logits(c, 0), all[7], "after rollback", 7, max_rel);
    fwd_free(c);
    /* A speculative verification batch (fwd_set_rowwise) equals one-token decoding bit for bit,
     * the mixture of experts and the soft-capped attention included. */
    fwd_ctx *v = make_ctx(m, 64, 6, 2);
    fwd_set_rowwise(v, 8);
    ck_assert_int_eq(fwd_eval(v, toks, 4, 4, &err), TOLK_OK);
    ck_assert_int_eq(fwd_eval(v, toks + 4, 6, 0, &err), TOLK_OK);
    for (int t = 4; t < 10; t++)
        ck_assert_msg(!memcmp(fwd_logits(v, t - 4), dec[t], sizeof dec[t]), "%s: verification row %d differs "
                      "from one-token decoding", ac->arch, t);
    fwd_free(v);
    c = make_ctx(m, 5, NT - 3, 2);
    ck_assert_int_eq(fwd_eval(c, toks, NT, 3, &err), TOLK_OK);
    for (int t = 3; t < NT; t++)
        assert_close(fwd_logits(c, t - 3), all[t], "chunked", t, max_rel);
    fwd_free(c);
    model_close(m);
    unlink(path);
}
END_TEST

/* Replaces the first occurrence of FIND in the file at PATH with REPL (same length, so offsets stay
 * valid): renamed tensors and keys, hostile variants without a second generator. */
static void patch_file(const char *path, const char *find, const char *repl, size_t len_check)
{
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n);
    ck_assert(fread(b, 1, (size_t)n, f) == (size_t)n);
    const size_t fl = strlen(find);
    ck_assert_int_eq(fl, len_check);
    char *hit = NULL;
    for (long j = 0; j + (long)fl <= n && !hit; j++)
        if (!memcmp(b + j, find, fl))
            hit = b + j;
    ck_assert_msg(hit != NULL, "%s not in %s", find, path);
    memcpy(hit, repl, strlen(repl));
    fseek(f, 0, SEEK_SET);
    ck_assert(fwrite(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    free(b);
}

START_TEST(broken_files_name_the_problem)
{
    struct {
        const char *arch, *extra, *find, *repl, *needle;
        int code;
    } bad[] = {
        /* a renamed tensor is a missing one */
        {"gemma2", "", "blk.3.post_ffw_norm.weight", "blk.3.post_ffw_norX.weight",
         "missing tensor blk.3.post_ffw_norm.weight", TOLK_E_FORMAT},
        {"qwen3moe", "", "blk.1.ffn_down_exps.weight", "blk.1.ffn_down_expX.weight",
         "missing tensor blk.1.ffn_down_exps.weight", TOLK_E_FORMAT},
        {"qwen3moe", "", "blk.0.ffn_gate_inp.weight", "blk.0.ffn_gate_inX.weight",
         "missing tensor blk.0.ffn_gate_inp.weight", TOLK_E_FORMAT},
        {"phi3", "", "blk.1.attn_qkv.weight", "blk.1.attn_qkX.weight", "missing tensor blk.1.attn_qkv.weight",
         TOLK_E_FORMAT},
        {"hunyuan-dense", "", "blk.0.attn_k_norm.weight", "blk.0.attn_k_norX.weight",
         "missing tensor blk.0.attn_k_norm.weight", TOLK_E_FORMAT},
        {"gemma4", "", "per_layer_model_proj.weight", "per_layer_model_proX.weight",
         "missing tensor per_layer_model_proj.weight", TOLK_E_FORMAT},
        {"gemma4", "", "blk.4.inp_gate.weight", "blk.4.inp_gatX.weight", "missing tensor blk.4.inp_gate.weight",
         TOLK_E_FORMAT},
        {"gemma4", "", "rope_freqs.weight", "rope_freqX.weight", "missing tensor rope_freqs.weight", TOLK_E_FORMAT},
        {"gemma4", "", "gemma4.attention.sliding_window_pattern", "gemma4.attention.sliding_window_patterX",
         "missing metadata key gemma4.attention.sliding_window_pattern", TOLK_E_FORMAT},
        /* an own-cache layer needs attn_k (the shared layers 3..5 have none in the generated file) */
        {"gemma4", "", "blk.2.attn_k.weight", "blk.2.attn_k.weighX", "missing tensor blk.2.attn_k.weight",
         TOLK_E_FORMAT},
        /* gemma4's experts: without the fused stack the separate ones are looked for; the router's
         * scale and the extra norms are required; experts need the expert count */
        {"gemma4", "--preset tiny-moe", "blk.2.ffn_gate_up_exps.weight", "blk.2.ffn_gate_up_expX.weight",
         "missing tensor blk.2.ffn_gate_exps.weight", TOLK_E_FORMAT},
        {"gemma4", "--preset tiny-moe", "blk.0.ffn_gate_inp.scale", "blk.0.ffn_gate_inp.scalX",
         "missing tensor blk.0.ffn_gate_inp.scale", TOLK_E_FORMAT},
        {"gemma4", "--preset tiny-moe", "blk.1.pre_ffw_norm_2.weight", "blk.1.pre_ffw_norm_X.weight",
         "missing tensor blk.1.pre_ffw_norm_2.weight", TOLK_E_FORMAT},
        {"gemma4", "--preset tiny-moe", "gemma4.expert_count", "gemma4.expert_counX",
         "tensor blk.0.ffn_gate_inp.weight needs the metadata key gemma4.expert_count", TOLK_E_FORMAT},
        /* valid variants (needle NULL): every expert routed; soft-capping key absent (llama.cpp's
         * default 50 applies) */
        {"qwen3moe", "--n-expert-used 8", NULL, NULL, NULL, 0},
        {"gemma2", "", "gemma2.attn_logit_softcapping", "gemma2.attn_logit_softcappinX", NULL, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/bad%zu.gguf", tmpdir, i);
        gen_tiny(bad[i].arch, bad[i].extra, path);
        if (bad[i].find)
            patch_file(path, bad[i].find, bad[i].repl, strlen(bad[i].repl));
        tolk_model *m = NULL;
        tolk_error err = {0};
        const int rc = model_open(path, &m, &err);
        if (!bad[i].needle) { /* still valid: used as the base of the next checks */
            ck_assert_msg(rc == TOLK_OK, "case %zu: %s", i, err.msg);
            model_close(m);
        } else {
            ck_assert_ptr_null(m);
            ck_assert_int_eq(rc, bad[i].code);
            ck_assert_msg(strstr(err.msg, bad[i].needle) && !strchr(err.msg, '\n'), "case %zu: '%s' lacks '%s'",
                          i, err.msg, bad[i].needle);
        }
        unlink(path);
    }
    /* expert_used_count above expert_count, and zero experts: the key's value is patched in place
     * (u32 3 -> 9 and 8 -> 0 right after the key names). */
    static const struct { const char *arch, *extra, *key; uint32_t value; const char *needle; } moe_bad[] = {
        {"qwen3moe", "", "qwen3moe.expert_used_count", 9, "qwen3moe.expert_used_count = 9 is outside 1..8"},
        {"qwen3moe", "", "qwen3moe.expert_count", 0, "qwen3moe.expert_count = 0 is outside 1..512"},
        {"qwen3moe", "", "qwen3moe.expert_count", 100000, "qwen3moe.expert_count = 100000 is outside 1..512"},
        {"gemma4", "", "gemma4.attention.shared_kv_layers", 6,
         "gemma4.attention.shared_kv_layers = 6 leaves fewer than 2 of 6 layers"},
        {"gemma4", "", "gemma4.embedding_length_per_layer_input", 100000,
         "gemma4.embedding_length_per_layer_input = 100000 is out of range"},
        {"gemma4", "", "gemma4.attention.key_length_swa", 48, "gemma4 needs equal key and value head sizes"},
        {"gemma4", "--preset tiny-moe", "gemma4.expert_used_count", 9, "gemma4.expert_used_count = 9 is outside 1..8"},
        {"gemma4", "--preset tiny-moe", "gemma4.expert_count", 1000, "gemma4.expert_count = 1000 is outside 1..512"},
    };
    for (size_t i = 0; i < sizeof moe_bad / sizeof moe_bad[0]; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/moebad%zu.gguf", tmpdir, i);
        gen_tiny(moe_bad[i].arch, moe_bad[i].extra, path);
        FILE *f = fopen(path, "r+b");
        ck_assert_ptr_nonnull(f);
        static char b[1 << 16];
        const size_t n = fread(b, 1, sizeof b, f);
        const size_t kl = strlen(moe_bad[i].key);
        char *hit = NULL;
        for (size_t j = 0; j + kl + 8 <= n && !hit; j++) /* the key, then its u32 type id */
            if (!memcmp(b + j, moe_bad[i].key, kl) && b[j + kl] == 4 && !b[j + kl + 1])
                hit = b + j + kl + 4;
        ck_assert_msg(hit != NULL, "key %s not found", moe_bad[i].key);
        memcpy(hit, &moe_bad[i].value, 4);
        fseek(f, 0, SEEK_SET);
        ck_assert(fwrite(b, 1, n, f) == n);
        fclose(f);
        tolk_model *m = NULL;
        tolk_error err = {0};
        ck_assert_int_eq(model_open(path, &m, &err), TOLK_E_FORMAT);
        ck_assert_msg(strstr(err.msg, moe_bad[i].needle) != NULL, "'%s' lacks '%s'", err.msg, moe_bad[i].needle);
        unlink(path);
    }
}
END_TEST

/* A 3-D expert stack with one expert too few (its ne[2] patched in the tensor info): refused with
 * the tensor's name, its shape and the expected one. */
START_TEST(misshaped_expert_stack)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/skew.gguf", tmpdir);
    gen_tiny("qwen3moe", "", path);
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    static char b[1 << 16];
    const size_t n = fread(b, 1, sizeof b, f);
    const char *name = "blk.0.ffn_up_exps.weight";
    const size_t nl = strlen(name);
    char *hit = NULL;
    for (size_t j = 0; j + nl + 32 <= n && !hit; j++)
        if (!memcmp(b + j, name, nl))
            hit = b + j + nl;
    ck_assert_ptr_nonnull(hit);
    uint32_t dims;
    uint64_t ne2;
    memcpy(&dims, hit, 4);
    ck_assert_int_eq(dims, 3);
    memcpy(&ne2, hit + 4 + 16, 8);
    ck_assert_int_eq(ne2, 8);
    ne2 = 7;
    memcpy(hit + 4 + 16, &ne2, 8);
    fseek(f, 0, SEEK_SET);
    ck_assert(fwrite(b, 1, n, f) == n);
    fclose(f);
    tolk_model *m = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(model_open(path, &m, &err), TOLK_E_FORMAT);
    ck_assert_msg(strstr(err.msg, "tensor blk.0.ffn_up_exps.weight has shape [128, 64, 7, 1], expected [128, 64, 8]"),
                  "%s", err.msg);
    unlink(path);
}
END_TEST

/* gemma4: a per-layer embedding norm one value short (its ne[0] patched) and a global layer whose
 * q_norm has the sliding layers' head size are refused with the tensor, its shape and the expected one. */
START_TEST(misshaped_gemma4_tensor)
{
    static const struct { const char *name; uint64_t from, to; const char *needle; } cases4[] = {
        {"per_layer_proj_norm.weight", 16, 15, "tensor per_layer_proj_norm.weight has shape [15, 1, 1, 1], expected [16]"},
        {"blk.2.attn_q_norm.weight", 64, 32, "tensor blk.2.attn_q_norm.weight has shape [32, 1, 1, 1], expected [64]"},
    };
    for (size_t i = 0; i < sizeof cases4 / sizeof cases4[0]; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/skew4.gguf", tmpdir);
        gen_tiny("gemma4", "", path);
        FILE *f = fopen(path, "r+b");
        ck_assert_ptr_nonnull(f);
        static char b[1 << 16];
        const size_t n = fread(b, 1, sizeof b, f);
        const size_t nl = strlen(cases4[i].name);
        char *hit = NULL;
        for (size_t j = 8; j + nl + 16 <= n && !hit; j++) /* the name after its u64 length */
            if (!memcmp(b + j, cases4[i].name, nl) && (uint8_t)b[j - 8] == nl)
                hit = b + j + nl;
        ck_assert_ptr_nonnull(hit);
        uint32_t dims;
        uint64_t ne0;
        memcpy(&dims, hit, 4);
        memcpy(&ne0, hit + 4, 8);
        ck_assert_int_eq(dims, 1);
        ck_assert_int_eq(ne0, cases4[i].from);
        memcpy(hit + 4, &cases4[i].to, 8);
        fseek(f, 0, SEEK_SET);
        ck_assert(fwrite(b, 1, n, f) == n);
        fclose(f);
        tolk_model *m = NULL;
        tolk_error err = {0};
        ck_assert_int_eq(model_open(path, &m, &err), TOLK_E_FORMAT);
        ck_assert_msg(strstr(err.msg, cases4[i].needle), "%s", err.msg);
        unlink(path);
    }
}
END_TEST

/* gemma4 E2B's and E4B's layer kinds, heads and sharing (narrow embeddings and FFN, which the cache
 * does not depend on): each own-cache layer's F16 rows are exactly its n_head_kv x head_dim keys and
 * values, far less than every layer at the widest layer's width. */
START_TEST(gemma4_kv_rows_per_layer)
{
    static const char *const presets[2] = {"e2b", "e4b"};
    for (int i = 0; i < 2; i++) {
        char path[8192], extra[128];
        snprintf(path, sizeof path, "%s/kv_%s.gguf", tmpdir, presets[i]);
        snprintf(extra, sizeof extra, "--preset %s --n-embd 64 --n-ff 64", presets[i]);
        gen_tiny("gemma4", extra, path);
        tolk_model *m;
        tolk_error err = {0};
        ck_assert_msg(model_open(path, &m, &err) == TOLK_OK, "%s", err.msg);
        const int64_t n_ctx = 4096;
        /* full-length caches (kv_keep < 0): the sliding layers' rings are tests/test_kv_ring's */
        const fwd_params fp = {.n_ctx = n_ctx, .n_batch = 1, .n_logits = 1, .kv_type = TOLK_TYPE_F16, .n_threads = 1,
                               .kv_keep = -1};
        fwd_ctx *c;
        ck_assert_msg(fwd_create(m, &fp, &c, &err) == TOLK_OK, "%s", err.msg);
        size_t want = 0, widest = 0;
        int own = 0;
        for (int il = 0; il < m->hp.n_layer; il++) {
            if (m->hp.layer[il].kv_shared)
                continue;
            const layer_dims d = arch_layer_dims(&m->hp, il);
            const size_t row = 2 * (size_t)d.n_head_kv * (size_t)(d.hd + d.hdv); /* F16 keys + values */
            want += (size_t)n_ctx * row;
            widest = row > widest ? row : widest;
            own++;
        }
        const size_t uniform = (size_t)own * (size_t)n_ctx * widest;
        printf("test_models: gemma4 %s shape, %d layers with their own cache, F16, %lld positions: KV %.1f MiB "
               "(every layer at the widest width: %.1f MiB)\n", presets[i], own, (long long)n_ctx,
               (double)fwd_kv_bytes(c) / 1048576.0, (double)uniform / 1048576.0);
        ck_assert_uint_eq(fwd_kv_bytes(c), want);
        ck_assert(want * 4 < uniform * 3); /* E2B 72 of 120 MiB, E4B 224 of 384 */
        fwd_free(c);
        model_close(m);
        unlink(path);
    }
}
END_TEST

/* gemma4: layers 1 and 2 hold the keys and values the shared layers 3..5 read, so a layer-skip mask
 * (self-speculative drafting) cannot skip them: asking to skip layer 1 changes nothing, skipping
 * layer 0 does. */
START_TEST(gemma4_kv_sources_are_never_skipped)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/g4skip.gguf", tmpdir);
    gen_tiny("gemma4", "", path);
    tolk_model *m;
    tolk_error err = {0};
    ck_assert_msg(model_open(path, &m, &err) == TOLK_OK, "%s", err.msg);
    ck_assert(m->hp.layer[3].kv_shared && m->hp.layer[3].kv_src == 1 && m->hp.layer[5].kv_src == 2);
    static const int32_t toks[6] = {1, 17, 42, 99, 3, 56};
    static float base[NV];
    const unsigned char masks[3][6] = {{0}, {0, 1, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 0}};
    for (int k = 0; k < 3; k++) {
        fwd_ctx *c = make_ctx(m, 64, 1, 1);
        ck_assert_int_eq(fwd_set_skip(c, masks[k], &err), TOLK_OK);
        ck_assert_int_eq(fwd_eval(c, toks, 6, 5, &err), TOLK_OK);
        if (k == 0)
            memcpy(base, fwd_logits(c, 0), sizeof base);
        else if (k == 1)
            ck_assert_msg(!memcmp(base, fwd_logits(c, 0), sizeof base), "skipping a KV source layer changed the logits");
        else
            ck_assert_msg(memcmp(base, fwd_logits(c, 0), sizeof base) != 0, "skipping layer 0 had no effect");
        fwd_free(c);
    }
    model_close(m);
    unlink(path);
}
END_TEST

START_TEST(unknown_architecture_lists_the_supported)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/unknown.gguf", tmpdir);
    gen_tiny("gemma2", "", path);
    patch_file(path, "gemma2", "gemma9", 6); /* general.architecture's value comes first */
    tolk_model *m = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(model_open(path, &m, &err), TOLK_E_UNSUPPORTED);
    ck_assert_msg(strstr(err.msg, "unsupported architecture 'gemma9'") && strstr(err.msg, "qwen3moe") &&
                      strstr(err.msg, "gemma2"), "%s", err.msg);
    unlink(path);
}
END_TEST

int main(void)
{
    test_isa_from_env();
    if (scratch_dir(tmpdir, sizeof tmpdir, "test_models"))
        return 1;
    Suite *s = suite_create("models");
    TCase *tc = tcase_create("tiny");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, matches_llamacpp, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, broken_files_name_the_problem);
    tcase_add_test(tc, misshaped_expert_stack);
    tcase_add_test(tc, misshaped_gemma4_tensor);
    tcase_add_test(tc, gemma4_kv_sources_are_never_skipped);
    tcase_add_test(tc, gemma4_kv_rows_per_layer);
    tcase_add_test(tc, unknown_architecture_lists_the_supported);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, false);
    rmdir(tmpdir);
    return skip_exit(failed);
}
