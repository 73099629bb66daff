/* Writes random-weight models for llama, qwen2, qwen3 and gemma3: hyper-parameter metadata, the
 * tokenizer copied from a real vocabulary file, and seeded weights streamed row by row (rows are drawn
 * in parallel, each from its own seed, so the output does not depend on the thread count). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gen_model.h"
#include "gguf.h"
#include "simd.h"

const char *gen_arch_name(gen_arch a)
{
    static const char *const names[] = {"llama", "qwen2", "qwen3", "gemma3", "gemma2", "qwen3moe", "phi3", "hunyuan-dense", "qwen2moe", "gemma4"};
    return names[a];
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

gen_kind gen_kind_of(const char *name)
{
    if (ends_with(name, "norm.weight") || ends_with(name, ".scale")) /* gemma4's router and expert scales */
        return GEN_NORM;
    if (ends_with(name, ".bias"))
        return GEN_BIAS;
    return GEN_MATRIX;
}

/* ---- deterministic random numbers ------------------------------------------------------------- */

/* SplitMix64 step: a tiny, well-mixed 64-bit generator; plenty for weight noise. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1]: 53 random bits, never 0 so log() below is finite. */
static double rng_unit(uint64_t *s) { return ((rng_next(s) >> 11) + 1) * (1.0 / 9007199254740992.0); }

static uint64_t hash_name(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *name; name++)
        h = (h ^ (uint8_t)*name) * 0x100000001b3ull;
    return h;
}

void gen_fill_row(uint64_t seed, const char *name, int64_t row, gen_kind kind, float scale, float *out,
                  int64_t n)
{
    uint64_t s = seed ^ hash_name(name);
    s ^= rng_next(&s) + (uint64_t)row * 0xd1b54a32d192ed03ull;
    rng_next(&s);
    double mul, add;
    switch (kind) {
    case GEN_NORM: mul = 0.05; add = 1.0; break;
    case GEN_BIAS: mul = 0.1; add = 0.0; break;
    default: mul = scale / sqrt((double)n); add = 0.0; break;
    }
    for (int64_t i = 0; i < n; i += 2) { /* Box-Muller: two normals per pair of uniforms */
        double r = sqrt(-2.0 * log(rng_unit(&s))), th = 6.283185307179586 * rng_unit(&s);
        out[i] = (float)(add + mul * r * cos(th));
        if (i + 1 < n)
            out[i + 1] = (float)(add + mul * r * sin(th));
    }
}

int gen_write_tensor(gguf_writer *w, uint64_t seed, const char *name, uint32_t type, int64_t ne0,
                     int64_t rows, float scale, float mul, tolk_error *err)
{
    size_t rb = simd_row_bytes(type, ne0);
    if (rb == 0)
        return error_set(err, TOLK_E_ARG, "%s: type %u cannot hold rows of %lld", name, type, (long long)ne0);
    /* About 16 MiB of floats per batch: enough rows to keep every thread busy, little memory. */
    int64_t batch = (int64_t)((4u << 20) / (uint64_t)ne0);
    if (batch < 1)
        batch = 1;
    if (batch > rows)
        batch = rows;
    float *f = malloc((size_t)batch * (size_t)ne0 * sizeof *f);
    uint8_t *q = malloc((size_t)batch * rb);
    if (!f || !q) {
        free(f);
        free(q);
        return error_set(err, TOLK_E_NOMEM, "%s: out of memory for a batch of %lld rows", name, (long long)batch);
    }
    gen_kind kind = gen_kind_of(name);
    int rc = TOLK_OK;
    for (int64_t r0 = 0; r0 < rows && !rc; r0 += batch) {
        int64_t nr = rows - r0 < batch ? rows - r0 : batch;
        int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
        for (int64_t r = 0; r < nr; r++) {
            float *fr = f + r * ne0;
            gen_fill_row(seed, name, r0 + r, kind, scale, fr, ne0);
            if (mul != 1.0f)
                for (int64_t i = 0; i < ne0; i++)
                    fr[i] *= mul;
            if (qmix_from_float(type, fr, q + (size_t)r * rb, ne0, NULL) != TOLK_OK)
                bad = 1;
        }
        if (bad)
            rc = qmix_from_float(type, f, q, ne0, err); /* repeat once to get the message */
        if (!rc)
            rc = gguf_writer_write(w, q, (size_t)nr * rb, err);
    }
    if (rc)
        error_prefix(err, name);
    free(f);
    free(q);
    return rc;
}

/* ---- the tensor list ---------------------------------------------------------------------------- */

typedef struct plan_tensor {
    char name[64];
    uint32_t n_dims;
    int64_t ne[3];
    uint32_t type;
} plan_tensor;

typedef struct plan {
    plan_tensor *t;
    size_t n, cap;
} plan;

/* ne2 > 0 makes a 3-D tensor (the experts of an MoE layer, one [ne0, ne1] matrix each). */
static int plan_add3(plan *p, const char *name, int64_t ne0, int64_t ne1, int64_t ne2)
{
    if (p->n == p->cap)
        return TOLK_E_NOMEM;
    plan_tensor *t = &p->t[p->n++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ne[0] = ne0;
    t->ne[1] = ne1 > 0 ? ne1 : 1;
    t->ne[2] = ne2 > 0 ? ne2 : 1;
    t->n_dims = ne2 > 0 ? 3 : ne1 > 0 ? 2 : 1;
    return TOLK_OK;
}

static int plan_add(plan *p, const char *name, int64_t ne0, int64_t ne1)
{
    return plan_add3(p, name, ne0, ne1, 0);
}

/* The tensors of one layer, named and shaped as llama.cpp expects them (docs/MODELS.md). */
static int plan_layer(plan *p, const gen_config *c, uint32_t il)
{
    const int64_t E = c->n_embd, F = c->n_ff, Q = (int64_t)c->n_head * c->head_dim,
                  KV = (int64_t)c->n_head_kv * c->head_dim, D = c->head_dim;
    const bool qk_norm = c->arch == GEN_QWEN3 || c->arch == GEN_GEMMA3 || c->arch == GEN_QWEN3MOE ||
                         c->arch == GEN_HUNYUAN_DENSE,
               phi3 = c->arch == GEN_PHI3,
               post_norms = c->arch == GEN_GEMMA3 || c->arch == GEN_GEMMA2,
               moe = c->arch == GEN_QWEN3MOE || c->arch == GEN_QWEN2MOE, shexp = c->arch == GEN_QWEN2MOE,
               qkv_bias = c->arch == GEN_QWEN2 || c->arch == GEN_QWEN2MOE;
    const int64_t X = c->n_expert, FX = c->n_ff_exp;
    struct { const char *suffix; int64_t ne0, ne1, ne2; bool on; } parts[] = {
        {"attn_norm.weight", E, 0, 0, true},
        {"attn_qkv.weight", E, Q + 2 * KV, 0, phi3},
        {"attn_q.weight", E, Q, 0, !phi3},
        {"attn_q.bias", Q, 0, 0, qkv_bias},
        {"attn_k.weight", E, KV, 0, !phi3},
        {"attn_k.bias", KV, 0, 0, qkv_bias},
        {"attn_v.weight", E, KV, 0, !phi3},
        {"attn_v.bias", KV, 0, 0, qkv_bias},
        {"attn_q_norm.weight", D, 0, 0, qk_norm},
        {"attn_k_norm.weight", D, 0, 0, qk_norm},
        {"attn_output.weight", Q, E, 0, true},
        {"post_attention_norm.weight", E, 0, 0, post_norms},
        {"ffn_norm.weight", E, 0, 0, true},
        {"ffn_gate.weight", E, F, 0, !moe && !phi3},
        {"ffn_up.weight", E, phi3 ? 2 * F : F, 0, !moe},
        {"ffn_down.weight", F, E, 0, !moe},
        {"ffn_gate_inp.weight", E, X, 0, moe},
        {"ffn_gate_exps.weight", E, FX, X, moe},
        {"ffn_up_exps.weight", E, FX, X, moe},
        {"ffn_down_exps.weight", FX, E, X, moe},
        {"ffn_gate_inp_shexp.weight", E, 0, 0, shexp},
        {"ffn_gate_shexp.weight", E, F, 0, shexp},
        {"ffn_up_shexp.weight", E, F, 0, shexp},
        {"ffn_down_shexp.weight", F, E, 0, shexp},
        {"post_ffw_norm.weight", E, 0, 0, post_norms},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i].on)
            continue;
        char name[64];
        snprintf(name, sizeof name, "blk.%u.%s", il, parts[i].suffix);
        if (plan_add3(p, name, parts[i].ne0, parts[i].ne1, parts[i].ne2))
            return TOLK_E_NOMEM;
    }
    return TOLK_OK;
}

static bool g4_swa(const gen_config *c, uint32_t il)
{
    return (il + 1) % c->swa_period != 0;
}

static uint32_t g4_n_ff(const gen_config *c, uint32_t il)
{
    return c->ffn_double && il >= c->n_layer - c->n_kv_shared ? 2 * c->n_ff : c->n_ff;
}

/* gemma4's tensors of layer il (llama.cpp's llama_model_gemma4::load_arch_tensors). */
static int plan_layer_gemma4(plan *p, const gen_config *c, uint32_t il)
{
    const bool swa = g4_swa(c, il), own_kv = il < c->n_layer - c->n_kv_shared;
    const int64_t E = c->n_embd, D = swa ? c->head_dim : c->head_dim_global, Q = (int64_t)c->n_head * D,
                  KV = (int64_t)(swa ? c->n_head_kv : c->n_head_kv_global) * D, F = g4_n_ff(c, il),
                  P = c->n_embd_per_layer, X = c->n_expert, FX = c->n_ff_exp;
    const bool moe = X > 0;
    struct { const char *suffix; int64_t ne0, ne1; bool on; } parts[] = {
        {"attn_norm.weight", E, 0, true},
        {"attn_q.weight", E, Q, true},
        {"attn_k.weight", E, KV, own_kv},
        {"attn_v.weight", E, KV, own_kv && !(c->k_eq_v && !swa)},
        {"attn_q_norm.weight", D, 0, true},
        {"attn_k_norm.weight", D, 0, own_kv},
        {"attn_output.weight", Q, E, true},
        {"post_attention_norm.weight", E, 0, true},
        {"ffn_norm.weight", E, 0, true},
        {"ffn_gate.weight", E, F, true},
        {"ffn_up.weight", E, F, true},
        {"ffn_down.weight", F, E, true},
        {"post_ffw_norm.weight", E, 0, true},
        {"inp_gate.weight", E, P, P > 0},
        {"proj.weight", P, E, P > 0},
        {"post_norm.weight", E, 0, P > 0},
        {"layer_output_scale.weight", 1, 0, true},
        /* The 26B-A4B's experts, as its converter writes them (gate and up fused). */
        {"ffn_gate_inp.weight", E, X, moe},
        {"ffn_gate_inp.scale", E, 0, moe},
        {"pre_ffw_norm_2.weight", E, 0, moe},
        {"post_ffw_norm_1.weight", E, 0, moe},
        {"post_ffw_norm_2.weight", E, 0, moe},
        {"ffn_gate_up_exps.weight", E, 2 * FX, moe},
        {"ffn_down_exps.weight", FX, E, moe},
        {"ffn_down_exps.scale", X, 0, moe},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i].on)
            continue;
        char name[64];
        snprintf(name, sizeof name, "blk.%u.%s", il, parts[i].suffix);
        if (plan_add3(p, name, parts[i].ne0, parts[i].ne1, strstr(parts[i].suffix, "_exps.w") ? X : 0))
            return TOLK_E_NOMEM;
    }
    return TOLK_OK;
}

static int plan_build(plan *p, const gen_config *c, int64_t n_vocab, tolk_error *err)
{
    p->cap = 8 + (size_t)c->n_layer * 32;
    p->t = calloc(p->cap, sizeof *p->t);
    if (!p->t)
        return error_set(err, TOLK_E_NOMEM, "out of memory for the tensor list");
    int rc = plan_add(p, "token_embd.weight", c->n_embd, n_vocab);
    if (!rc && c->arch == GEN_GEMMA4 && c->n_embd_per_layer) {
        const int64_t lp = (int64_t)c->n_embd_per_layer * c->n_layer;
        rc = plan_add(p, "per_layer_token_embd.weight", lp, n_vocab);
        if (!rc) rc = plan_add(p, "per_layer_model_proj.weight", c->n_embd, lp);
        if (!rc) rc = plan_add(p, "per_layer_proj_norm.weight", c->n_embd_per_layer, 0);
    }
    bool any_global = false; /* llama.cpp loads rope_freqs only for global layers and refuses extras */
    for (uint32_t il = 0; c->arch == GEN_GEMMA4 && il < c->n_layer; il++)
        any_global |= !g4_swa(c, il);
    if (!rc && c->arch == GEN_GEMMA4 && any_global)
        rc = plan_add(p, "rope_freqs.weight", c->head_dim_global / 2, 0);
    for (uint32_t il = 0; il < c->n_layer && !rc; il++)
        rc = c->arch == GEN_GEMMA4 ? plan_layer_gemma4(p, c, il) : plan_layer(p, c, il);
    if (!rc)
        rc = plan_add(p, "output_norm.weight", c->n_embd, 0);
    if (!rc && !c->tied)
        rc = plan_add(p, "output.weight", c->n_embd, n_vocab);
    if (rc)
        return error_set(err, TOLK_E_NOMEM, "tensor list overflow");
    for (size_t i = 0; i < p->n; i++)
        /* llama-quantize leaves the MoE router in F32. */
        p->t[i].type = strstr(p->t[i].name, "ffn_gate_inp") || (c->arch == GEN_GEMMA4 && p->t[i].n_dims == 1)
                       ? TOLK_TYPE_F32
                       : qmix_choose(c->ftype, p->t[i].name, p->t[i].n_dims, p->t[i].ne[0], TOLK_TYPE_F32,
                                     !c->tied, c->n_layer);
    return TOLK_OK;
}

/* ---- metadata ----------------------------------------------------------------------------------- */

static int add_arch_u32(gguf_writer *w, const gen_config *c, const char *suffix, uint32_t v, tolk_error *err)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", gen_arch_name(c->arch), suffix);
    return gguf_writer_add_u32(w, key, v, err);
}

static int add_arch_f32(gguf_writer *w, const gen_config *c, const char *suffix, float v, tolk_error *err)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", gen_arch_name(c->arch), suffix);
    return gguf_writer_add_f32(w, key, v, err);
}

static int add_arch_arr(gguf_writer *w, const gen_config *c, const char *suffix, uint32_t type, const void *v,
                        tolk_error *err)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", gen_arch_name(c->arch), suffix);
    return gguf_writer_add_arr(w, key, type, v, c->n_layer, err);
}

/* gemma4's keys as its converter writes them: per-layer arrays for the sliding pattern, the FFN
 * width and the KV head count; separate head sizes, rotary widths and bases for sliding layers. */
static int add_gemma4_hparams(gguf_writer *w, const gen_config *c, tolk_error *err)
{
    uint8_t swa[512];
    uint32_t ff[512], kv[512];
    for (uint32_t il = 0; il < c->n_layer; il++) {
        swa[il] = g4_swa(c, il);
        ff[il] = g4_n_ff(c, il);
        kv[il] = swa[il] ? c->n_head_kv : c->n_head_kv_global;
    }
    int rc = add_arch_arr(w, c, "feed_forward_length", GGUF_TYPE_U32, ff, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.head_count", c->n_head, err);
    if (!rc) rc = add_arch_arr(w, c, "attention.head_count_kv", GGUF_TYPE_U32, kv, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.key_length", c->head_dim_global, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.value_length", c->head_dim_global, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.key_length_swa", c->head_dim, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.value_length_swa", c->head_dim, err);
    if (!rc) rc = add_arch_f32(w, c, "attention.layer_norm_rms_epsilon", c->eps, err);
    if (!rc) rc = add_arch_u32(w, c, "rope.dimension_count", c->head_dim_global, err);
    if (!rc) rc = add_arch_u32(w, c, "rope.dimension_count_swa", c->n_rot ? c->n_rot : c->head_dim, err);
    if (!rc) rc = add_arch_f32(w, c, "rope.freq_base", c->rope_base, err);
    if (!rc) rc = add_arch_f32(w, c, "rope.freq_base_swa", 10000.0f, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.sliding_window", c->n_swa, err);
    if (!rc) rc = add_arch_arr(w, c, "attention.sliding_window_pattern", GGUF_TYPE_BOOL, swa, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.shared_kv_layers", c->n_kv_shared, err);
    if (!rc) rc = add_arch_u32(w, c, "embedding_length_per_layer_input", c->n_embd_per_layer, err);
    if (!rc) rc = add_arch_f32(w, c, "final_logit_softcapping", 30.0f, err);
    if (!rc && c->n_expert) {
        rc = add_arch_u32(w, c, "expert_count", c->n_expert, err);
        if (!rc) rc = add_arch_u32(w, c, "expert_used_count", c->n_expert_used, err);
        if (!rc) rc = add_arch_u32(w, c, "expert_feed_forward_length", c->n_ff_exp, err);
    }
    return rc;
}

static int add_hparams(gguf_writer *w, const gen_config *c, uint32_t n_vocab, tolk_error *err)
{
    char name[160];
    if (c->name)
        snprintf(name, sizeof name, "%s", c->name);
    else
        /* "phi 3": llama.cpp gives models named "phi3" token attributes that need <|endoftext|>,
         * which the SentencePiece test vocabulary lacks. */
        snprintf(name, sizeof name, "random %s %uL-%u %s seed %llu",
                 c->arch == GEN_PHI3 ? "phi 3" : gen_arch_name(c->arch), c->n_layer, c->n_embd, c->ftype->name,
                 (unsigned long long)c->seed);
    int rc = gguf_writer_add_str(w, "general.architecture", gen_arch_name(c->arch), err);
    if (!rc) rc = gguf_writer_add_str(w, "general.name", name, err);
    if (!rc) rc = add_arch_u32(w, c, "context_length", c->n_ctx, err);
    if (!rc) rc = add_arch_u32(w, c, "embedding_length", c->n_embd, err);
    if (!rc) rc = add_arch_u32(w, c, "block_count", c->n_layer, err);
    if (c->arch == GEN_GEMMA4)
        return rc ? rc : add_gemma4_hparams(w, c, err);
    if (!rc) rc = add_arch_u32(w, c, "feed_forward_length", c->n_ff, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.head_count", c->n_head, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.head_count_kv", c->n_head_kv, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.key_length", c->head_dim, err);
    if (!rc) rc = add_arch_u32(w, c, "attention.value_length", c->head_dim, err);
    if (!rc) rc = add_arch_f32(w, c, "attention.layer_norm_rms_epsilon", c->eps, err);
    if (!rc) rc = add_arch_u32(w, c, "rope.dimension_count", c->n_rot ? c->n_rot : c->head_dim, err);
    if (!rc) rc = add_arch_f32(w, c, "rope.freq_base", c->rope_base, err);
    if (!rc) rc = add_arch_u32(w, c, "vocab_size", n_vocab, err);
    if (!rc && (c->arch == GEN_GEMMA3 || c->arch == GEN_GEMMA2))
        rc = add_arch_u32(w, c, "attention.sliding_window", c->n_swa, err);
    if (!rc && c->arch == GEN_GEMMA2)
        rc = add_arch_f32(w, c, "attn_logit_softcapping", 50.0f, err);
    if (!rc && c->arch == GEN_GEMMA2)
        rc = add_arch_f32(w, c, "final_logit_softcapping", 30.0f, err);
    if (!rc && c->arch == GEN_QWEN2MOE)
        rc = add_arch_u32(w, c, "expert_shared_feed_forward_length", c->n_ff, err);
    if (!rc && (c->arch == GEN_QWEN3MOE || c->arch == GEN_QWEN2MOE)) {
        rc = add_arch_u32(w, c, "expert_count", c->n_expert, err);
        if (!rc) rc = add_arch_u32(w, c, "expert_used_count", c->n_expert_used, err);
        if (!rc) rc = add_arch_u32(w, c, "expert_feed_forward_length", c->n_ff_exp, err);
    }
    return rc;
}

/* A minimal SentencePiece vocabulary of N tokens (<unk>, <s>, </s>, <0x0A>, <|endoftext|>, then
 * "tN"), enough for llama.cpp to load the model (it looks <|endoftext|> up in models named phi3);
 * tiny test models use it so their logit fixtures stay small. */
static int synth_tokenizer(gguf_writer *w, uint32_t n, gen_arch arch, tolk_error *err)
{
    char (*text)[16] = malloc(sizeof *text * n);
    const char **strs = malloc(sizeof *strs * n);
    float *scores = malloc(sizeof *scores * n);
    int32_t *types = malloc(sizeof *types * n);
    int rc = TOLK_OK;
    if (!text || !strs || !scores || !types)
        rc = error_set(err, TOLK_E_NOMEM, "out of memory for a vocabulary");
    static const char *const special[5] = {"<unk>", "<s>", "</s>", "<0x0A>", "<|endoftext|>"};
    /* gemma4: its turn markers (control) and thought-channel markers (user-defined, as its converter
     * marks them) at ids 5..8, so chat-template detection and rendering see a Gemma 4 vocabulary. */
    static const char *const g4[4] = {"<|turn>", "<turn|>", "<|channel>", "<channel|>"};
    for (uint32_t i = 0; i < n && !rc; i++) {
        snprintf(text[i], sizeof text[i], "%s", i < 5 ? special[i] : "");
        if (i >= 5)
            snprintf(text[i], sizeof text[i], "t%u", i);
        types[i] = i == 0 ? 2 : i < 3 || i == 4 ? 3 : i == 3 ? 6 : 1;
        if (arch == GEN_GEMMA4 && i >= 5 && i < 9) {
            snprintf(text[i], sizeof text[i], "%s", g4[i - 5]);
            types[i] = i < 7 ? 3 : 4;
        }
        strs[i] = text[i];
        scores[i] = -(float)i;
    }
    if (!rc) rc = gguf_writer_add_str(w, "tokenizer.ggml.model", "llama", err);
    if (!rc) rc = gguf_writer_add_str_arr(w, "tokenizer.ggml.tokens", strs, NULL, n, err);
    if (!rc) rc = gguf_writer_add_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_F32, scores, n, err);
    if (!rc) rc = gguf_writer_add_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_I32, types, n, err);
    free(text);
    free(strs);
    free(scores);
    free(types);
    return rc;
}

/* Copies every tokenizer.* key (tokens, scores, token types, merges, special ids, template, pre). */
static int copy_tokenizer(gguf_writer *w, const gguf_file *vocab, tolk_error *err)
{
    for (uint64_t i = 0; i < gguf_kv_count(vocab); i++) {
        const gguf_kv *kv = gguf_kv_at(vocab, i);
        char key[256];
        if (kv->key.len >= sizeof key || kv->key.len < 10 || memcmp(kv->key.ptr, "tokenizer.", 10))
            continue;
        memcpy(key, kv->key.ptr, kv->key.len);
        key[kv->key.len] = '\0';
        int rc = gguf_writer_add_value(w, key, &kv->value, err);
        if (rc)
            return rc;
    }
    return TOLK_OK;
}

/* tokenizer.chat_template from a file (after the copied tokenizer keys, replacing none: the caller
 * passes --chat-template only with vocabularies that have no template of their own). */
static int add_chat_template(gguf_writer *w, const char *path, tolk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set(err, TOLK_E_IO, "cannot open %s", path);
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    const bool too_long = buf && !feof(f);
    fclose(f);
    if (!buf || too_long) {
        free(buf);
        return error_set(err, buf ? TOLK_E_ARG : TOLK_E_NOMEM, "%s: a chat template of at most 1 MiB", path);
    }
    buf[n] = '\0';
    int rc = gguf_writer_add_str(w, "tokenizer.chat_template", buf, err);
    free(buf);
    return rc;
}

static int check_config(const gen_config *c, tolk_error *err)
{
    if (!c->n_layer || !c->n_embd || !c->n_ff || !c->n_head || !c->n_head_kv || !c->head_dim || !c->n_ctx)
        return error_set(err, TOLK_E_ARG, "every shape parameter must be positive");
    if (c->n_head % c->n_head_kv)
        return error_set(err, TOLK_E_ARG, "n_head %u is not a multiple of n_head_kv %u", c->n_head,
                         c->n_head_kv);
    if (c->head_dim % 2)
        return error_set(err, TOLK_E_ARG, "head_dim %u must be even for RoPE", c->head_dim);
    if (c->n_rot % 2 || c->n_rot > c->head_dim)
        return error_set(err, TOLK_E_ARG, "--n-rot %u must be even and at most head_dim %u", c->n_rot, c->head_dim);
    if ((c->arch == GEN_LLAMA || c->arch == GEN_QWEN2 || c->arch == GEN_QWEN2MOE) && c->head_dim * c->n_head != c->n_embd)
        return error_set(err, TOLK_E_ARG, "%s needs head_dim x n_head == n_embd (%u x %u != %u)",
                         gen_arch_name(c->arch), c->head_dim, c->n_head, c->n_embd);
    if (c->n_layer > 512)
        return error_set(err, TOLK_E_ARG, "at most 512 layers (llama.cpp's limit)");
    if (c->arch == GEN_GEMMA4) {
        const uint32_t kv_from = c->n_layer - c->n_kv_shared;
        if (c->swa_period < 2 || !c->head_dim_global || c->head_dim_global % 2 || !c->n_head_kv_global ||
            c->n_head % c->n_head_kv_global || c->n_kv_shared >= c->n_layer ||
            (c->n_kv_shared && (kv_from < 2 || g4_swa(c, kv_from - 1) || !g4_swa(c, kv_from - 2))))
            return error_set(err, TOLK_E_ARG, "gemma4: inconsistent layer pattern, head sizes or shared-KV "
                             "layer count");
    }
    if ((c->arch == GEN_GEMMA3 || c->arch == GEN_GEMMA2 || c->arch == GEN_GEMMA4) && !c->n_swa)
        return error_set(err, TOLK_E_ARG, "%s needs a sliding window (--swa)", gen_arch_name(c->arch));
    if ((c->arch == GEN_QWEN3MOE || c->arch == GEN_QWEN2MOE || (c->arch == GEN_GEMMA4 && c->n_expert)) &&
        (!c->n_expert || !c->n_ff_exp || !c->n_expert_used || c->n_expert_used > c->n_expert))
        return error_set(err, TOLK_E_ARG, "MoE models need --n-expert, --n-ff-exp and 1 <= --n-expert-used "
                         "<= --n-expert");
    return TOLK_OK;
}

/* Tensors of gemma4 with set values: rope_freqs as the converter writes it for "proportional" RoPE
 * with partial_rotary_factor 0.25 (divisor 1 for the first quarter of the pairs, 1e30 for the others,
 * which stay unrotated), and each layer's output scale (0.5 .. 1, by layer). */
static int write_gemma4_values(gguf_writer *w, const gen_config *c, const plan_tensor *t, tolk_error *err)
{
    float v[4096];
    const int64_t n = t->ne[0];
    if (n > 4096)
        return error_set(err, TOLK_E_ARG, "%s is too long", t->name);
    unsigned il = 0;
    sscanf(t->name, "blk.%u.", &il);
    for (int64_t i = 0; i < n; i++)
        v[i] = strstr(t->name, "layer_output_scale") ? 0.5f + 0.5f * (float)(il + 1) / (float)c->n_layer
               : i < (int64_t)c->head_dim_global / 8 ? 1.0f : 1e30f;
    return gguf_writer_write(w, v, sizeof(float) * (size_t)n, err);
}

int gen_model_write(const gen_config *c, tolk_error *err)
{
    int rc = check_config(c, err);
    if (rc)
        return rc;
    gguf_file *vocab = NULL;
    int64_t n_vocab = c->n_vocab_synth;
    if (c->n_vocab_synth && c->n_vocab_synth < 5)
        return error_set(err, TOLK_E_ARG, "a synthetic vocabulary needs at least 5 tokens");
    if (!c->n_vocab_synth) {
        if (!(vocab = gguf_open(c->vocab_path, err)))
            return err ? err->code : TOLK_E_IO;
        const gguf_array *tokens = gguf_get_arr(vocab, "tokenizer.ggml.tokens");
        if (!tokens || tokens->type != GGUF_TYPE_STRING || tokens->n == 0 || tokens->n > INT32_MAX) {
            gguf_close(vocab);
            return error_set(err, TOLK_E_FORMAT, "%s: no tokenizer.ggml.tokens string array", c->vocab_path);
        }
        n_vocab = (int64_t)tokens->n;
    }
    plan p = {0};
    gguf_writer *w = NULL;
    rc = plan_build(&p, c, n_vocab, err);
    if (!rc && !(w = gguf_writer_open(c->out_path, err)))
        rc = err ? err->code : TOLK_E_IO;
    if (!rc)
        rc = add_hparams(w, c, (uint32_t)n_vocab, err);
    if (!rc)
        rc = vocab ? copy_tokenizer(w, vocab, err) : synth_tokenizer(w, c->n_vocab_synth, c->arch, err);
    if (!rc && c->chat_template_path)
        rc = add_chat_template(w, c->chat_template_path, err);
    /* Last, as llama-quantize leaves them, so quantizing an F32 model with tolk or llama.cpp gives the
     * same bytes as generating the quantized model directly. */
    if (!rc)
        rc = gguf_writer_add_u32(w, "general.quantization_version", 2, err);
    if (!rc)
        rc = gguf_writer_add_u32(w, "general.file_type", c->ftype->ftype, err);
    for (size_t i = 0; i < p.n && !rc; i++)
        rc = gguf_writer_add_tensor(w, p.t[i].name, p.t[i].type, p.t[i].n_dims, p.t[i].ne, err);
    if (!rc)
        rc = gguf_writer_begin_data(w, err);
    for (size_t i = 0; i < p.n && !rc; i++) {
        if (c->arch == GEN_GEMMA4 && (!strcmp(p.t[i].name, "rope_freqs.weight") ||
                                      strstr(p.t[i].name, "layer_output_scale"))) {
            rc = write_gemma4_values(w, c, &p.t[i], err);
            continue;
        }
        rc = gen_write_tensor(w, c->seed, p.t[i].name, p.t[i].type, p.t[i].ne[0], p.t[i].ne[1] * p.t[i].ne[2],
                              c->scale, 1.0f, err);
    }
    if (!rc)
        rc = gguf_writer_finish(w, err);
    gguf_writer_close(w);
    free(p.t);
    gguf_close(vocab);
    return rc;
}
