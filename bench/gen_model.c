/* bench/gen_model: makes random-weight GGUF models of llama / qwen2 / qwen3 / gemma3 shapes with a
 * real vocabulary, for tests and benchmarks that must not depend on downloads (tolk vs llama.cpp on
 * the same file, speed at 1B..8B sizes, draft/target pairs for speculative decoding). Seeded and
 * deterministic: the same command line always writes the same bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_model.h"

#ifndef GEN_DEFAULT_TESTDATA
#define GEN_DEFAULT_TESTDATA "../shared/testdata"
#endif

/* Shapes modelled on published models (Llama 3.2 1B/3B, Llama 3.1 8B; Qwen2.5 1.5B/3B/7B;
 * Qwen3 1.7B/4B/8B; Gemma 3 270M/1B/4B/12B). "tiny" shapes are for tests: small but with the
 * arch's peculiarities (qwen3/gemma3 head_dim x n_head != n_embd; gemma3 with one global layer). */
typedef struct preset {
    gen_arch arch;
    const char *name;
    uint32_t n_layer, n_embd, n_ff, n_head, n_head_kv, head_dim, n_ctx, n_swa;
    float rope_base;
    bool tied;
    uint32_t n_expert, n_expert_used, n_ff_exp; /* MoE only */
} preset;

static const preset presets[] = {
    {GEN_LLAMA, "tiny", 2, 128, 512, 4, 2, 32, 4096, 0, 500000.0f, false, 0, 0, 0},
    {GEN_LLAMA, "1b", 16, 2048, 8192, 32, 8, 64, 131072, 0, 500000.0f, true, 0, 0, 0},
    {GEN_LLAMA, "3b", 28, 3072, 8192, 24, 8, 128, 131072, 0, 500000.0f, true, 0, 0, 0},
    {GEN_LLAMA, "8b", 32, 4096, 14336, 32, 8, 128, 131072, 0, 500000.0f, false, 0, 0, 0},
    {GEN_QWEN2, "tiny", 2, 128, 512, 4, 2, 32, 4096, 0, 1000000.0f, true, 0, 0, 0},
    {GEN_QWEN2, "1b", 28, 1536, 8960, 12, 2, 128, 32768, 0, 1000000.0f, true, 0, 0, 0},
    {GEN_QWEN2, "3b", 36, 2048, 11008, 16, 2, 128, 32768, 0, 1000000.0f, true, 0, 0, 0},
    {GEN_QWEN2, "8b", 28, 3584, 18944, 28, 4, 128, 32768, 0, 1000000.0f, false, 0, 0, 0},
    {GEN_QWEN3, "tiny", 2, 128, 512, 4, 2, 64, 4096, 0, 1000000.0f, true, 0, 0, 0},
    {GEN_QWEN3, "1b", 28, 2048, 6144, 16, 8, 128, 40960, 0, 1000000.0f, true, 0, 0, 0},
    {GEN_QWEN3, "3b", 36, 2560, 9728, 32, 8, 128, 40960, 0, 1000000.0f, true, 0, 0, 0},
    {GEN_QWEN3, "8b", 36, 4096, 12288, 32, 8, 128, 40960, 0, 1000000.0f, false, 0, 0, 0},
    {GEN_GEMMA3, "tiny", 6, 128, 512, 4, 1, 64, 4096, 16, 1000000.0f, true, 0, 0, 0},
    {GEN_GEMMA3, "270m", 18, 640, 2048, 4, 1, 256, 32768, 512, 1000000.0f, true, 0, 0, 0},
    {GEN_GEMMA3, "1b", 26, 1152, 6912, 4, 1, 256, 32768, 512, 1000000.0f, true, 0, 0, 0},
    {GEN_GEMMA3, "3b", 34, 2560, 10240, 8, 4, 256, 131072, 1024, 1000000.0f, true, 0, 0, 0},
    {GEN_GEMMA3, "8b", 48, 3840, 15360, 16, 8, 256, 131072, 1024, 1000000.0f, true, 0, 0, 0},
    /* Gemma 2 2B / 9B (Tower+ 2B / 9B share the shapes). */
    {GEN_GEMMA2, "tiny", 4, 128, 512, 4, 2, 32, 4096, 6, 10000.0f, true, 0, 0, 0},
    {GEN_GEMMA2, "2b", 26, 2304, 9216, 8, 4, 256, 8192, 4096, 10000.0f, true, 0, 0, 0},
    {GEN_GEMMA2, "9b", 42, 3584, 14336, 16, 8, 256, 8192, 4096, 10000.0f, true, 0, 0, 0},
    /* Qwen3-30B-A3B: 128 experts of width 768, 8 routed (cut --n-layer to fit memory). */
    {GEN_QWEN3MOE, "tiny", 2, 128, 512, 4, 2, 32, 4096, 0, 1000000.0f, false, 8, 3, 64},
    {GEN_QWEN3MOE, "30b-a3b", 48, 2048, 6144, 32, 4, 128, 40960, 0, 1000000.0f, false, 128, 8, 768},
    /* Phi-4-mini (GQA 24/8, 96 of 128 head values rotated: --n-rot 96) and Phi-3.5-mini. */
    {GEN_PHI3, "tiny", 2, 128, 256, 4, 2, 32, 4096, 0, 10000.0f, false, 0, 0, 0},
    {GEN_PHI3, "4-mini", 32, 3072, 8192, 24, 8, 128, 131072, 0, 10000.0f, true, 0, 0, 0},
    {GEN_PHI3, "3.5-mini", 32, 3072, 8192, 32, 32, 96, 131072, 0, 10000.0f, false, 0, 0, 0},
    /* Hunyuan-MT-7B (its converter bakes the NTK alpha into the base). */
    {GEN_HUNYUAN_DENSE, "tiny", 2, 128, 512, 4, 2, 32, 4096, 0, 10000.0f, false, 0, 0, 0},
    /* Qwen1.5-MoE-A2.7B: 60 experts of 1408, 4 routed, a shared expert of 5632. */
    {GEN_QWEN2MOE, "tiny", 2, 128, 96, 4, 2, 32, 4096, 0, 1000000.0f, false, 8, 2, 64},
    {GEN_QWEN2MOE, "a2.7b", 24, 2048, 5632, 16, 16, 128, 8192, 0, 1000000.0f, false, 60, 4, 1408},
    /* Gemma 4: head_dim is the sliding layers' (global layers: twice it); E2B and E4B widths. */
    {GEN_GEMMA4, "tiny", 6, 128, 128, 4, 2, 32, 4096, 6, 1000000.0f, true, 0, 0, 0},
    {GEN_GEMMA4, "e2b", 35, 1536, 6144, 8, 1, 256, 131072, 512, 1000000.0f, true, 0, 0, 0},
    {GEN_GEMMA4, "e4b", 42, 2560, 10240, 8, 2, 256, 131072, 512, 1000000.0f, true, 0, 0, 0},
    /* Gemma 4 26B-A4B: 128 experts of 704, 8 routed, beside a dense FFN of 2112 in every layer
     * (cut --n-layer to fit memory); tiny-moe shows the same pieces off at test size. */
    {GEN_GEMMA4, "tiny-moe", 6, 128, 96, 4, 2, 32, 4096, 6, 1000000.0f, true, 8, 2, 64},
    {GEN_GEMMA4, "26b-a4b", 30, 2816, 2112, 16, 8, 256, 262144, 1024, 1000000.0f, true, 128, 8, 704},
    {GEN_HUNYUAN_DENSE, "7b", 32, 4096, 14336, 32, 8, 128, 262144, 0, 11158840.0f, false, 0, 0, 0},
};

static void usage(FILE *out)
{
    fprintf(out,
        "usage: gen_model [OPTIONS] -o OUT.gguf\n"
        "       gen_model --extend-from DRAFT.gguf --extra-layers N [--epsilon E] [--seed N] [--type T] -o OUT.gguf\n"
        "\nWrites a GGUF model with random weights and a real vocabulary (llama.cpp loads it).\n"
        "  --arch A          llama | qwen2 | qwen3 | gemma3 | gemma2 | qwen3moe | phi3 | hunyuan-dense |\n"
        "                    qwen2moe | gemma4 (default llama)\n"
        "  --preset P        tiny | 1b | 3b | 8b (gemma3 also 270m; gemma2: tiny | 2b | 9b;\n"
        "                    qwen3moe: tiny | 30b-a3b; phi3: tiny | 4-mini | 3.5-mini;\n"
        "                    hunyuan-dense: tiny | 7b; qwen2moe: tiny | a2.7b;\n"
        "                    gemma4: tiny | e2b | e4b | tiny-moe | 26b-a4b);\n"
        "                    default tiny\n"
        "  --type T          %s (default F32)\n"
        "  --vocab FILE      GGUF whose tokenizer.* keys to copy (default: $TOLK_TESTDATA/tokenizer/\n"
        "                    llama3.gguf for llama, qwen2.gguf for qwen2/qwen3, llama-spm.gguf for gemma3)\n"
        "  --seed N          random seed (default 1)\n"
        "  --scale S         matrix weights are normal * S / sqrt(row length) (default 1)\n"
        "  --n-layer N --n-embd N --n-ff N --n-head N --n-head-kv N --head-dim N\n"
        "  --ctx N --rope-base F --swa N --eps F      override the preset\n"
        "  --n-expert N --n-expert-used N --n-ff-exp N  MoE shape (qwen3moe, qwen2moe; qwen2moe's\n"
        "                    shared expert is --n-ff wide)\n"
        "  --n-rot N         rotated values per head (default: head_dim; phi3 tiny: 24)\n"
        "  --vocab-size N    a synthetic N-token SentencePiece vocabulary instead of --vocab (tests)\n"
        "  --tied | --untied  output matrix shared with token_embd or separate\n"
        "  --name S          general.name\n"
        "  --chat-template F tokenizer.chat_template from file F (a vocabulary without one: --vocab-size)\n"
        "  --extend-from F   append --extra-layers N random layers to model F; their residual outputs\n"
        "                    (attn_output, ffn_down; gemma3: post norms) are scaled by --epsilon (0.01)\n",
        qmix_ftype_list());
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > UINT32_MAX || *s == '-')
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_f32(const char *s, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int fail(const char *fmt, const char *arg)
{
    fputs("gen_model: error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 1;
}

int main(int argc, char **argv)
{
    const char *arch_s = "llama", *preset_s = "tiny", *type_s = NULL, *extend = NULL;
    gen_config c = {0};
    c.seed = 1;
    c.scale = 1.0f;
    uint32_t extra = 0, seed32 = 1;
    float epsilon = 0.01f;
    /* Overrides: parsed first, applied on top of the preset. */
    uint32_t o_layer = 0, o_embd = 0, o_ff = 0, o_head = 0, o_kv = 0, o_hd = 0, o_ctx = 0, o_swa = 0;
    uint32_t o_nx = 0, o_nxu = 0, o_ffx = 0, o_rot = 0;
    float o_base = 0, o_eps = 0;
    int tied = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--tied") || !strcmp(a, "--untied")) {
            tied = !strcmp(a, "--tied");
            continue;
        }
        if (!v)
            return fail("%s needs a value (see --help)", a);
        i++;
        int bad = 0;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) c.out_path = v;
        else if (!strcmp(a, "--arch")) arch_s = v;
        else if (!strcmp(a, "--preset")) preset_s = v;
        else if (!strcmp(a, "--type")) type_s = v;
        else if (!strcmp(a, "--vocab")) c.vocab_path = v;
        else if (!strcmp(a, "--name")) c.name = v;
        else if (!strcmp(a, "--chat-template")) c.chat_template_path = v;
        else if (!strcmp(a, "--extend-from")) extend = v;
        else if (!strcmp(a, "--seed")) bad = parse_u32(v, &seed32);
        else if (!strcmp(a, "--extra-layers")) bad = parse_u32(v, &extra);
        else if (!strcmp(a, "--epsilon")) bad = parse_f32(v, &epsilon);
        else if (!strcmp(a, "--scale")) bad = parse_f32(v, &c.scale);
        else if (!strcmp(a, "--n-layer")) bad = parse_u32(v, &o_layer);
        else if (!strcmp(a, "--n-embd")) bad = parse_u32(v, &o_embd);
        else if (!strcmp(a, "--n-ff")) bad = parse_u32(v, &o_ff);
        else if (!strcmp(a, "--n-head")) bad = parse_u32(v, &o_head);
        else if (!strcmp(a, "--n-head-kv")) bad = parse_u32(v, &o_kv);
        else if (!strcmp(a, "--head-dim")) bad = parse_u32(v, &o_hd);
        else if (!strcmp(a, "--ctx")) bad = parse_u32(v, &o_ctx);
        else if (!strcmp(a, "--swa")) bad = parse_u32(v, &o_swa);
        else if (!strcmp(a, "--n-expert")) bad = parse_u32(v, &o_nx);
        else if (!strcmp(a, "--n-expert-used")) bad = parse_u32(v, &o_nxu);
        else if (!strcmp(a, "--n-ff-exp")) bad = parse_u32(v, &o_ffx);
        else if (!strcmp(a, "--n-rot")) bad = parse_u32(v, &o_rot);
        else if (!strcmp(a, "--vocab-size")) bad = parse_u32(v, &c.n_vocab_synth);
        else if (!strcmp(a, "--rope-base")) bad = parse_f32(v, &o_base);
        else if (!strcmp(a, "--eps")) bad = parse_f32(v, &o_eps);
        else
            return fail("unknown option '%s' (see --help)", a);
        if (bad)
            return fail("bad value '%s'", v);
    }
    c.seed = seed32;
    if (!c.out_path)
        return fail("%s", "no output file (-o OUT.gguf)");
    if (type_s && !(c.ftype = qmix_ftype_find(type_s)))
        return fail("unknown type '%s'", type_s);
    tolk_error err = {0};

    if (extend) {
        if (gen_extend_write(extend, c.out_path, extra, epsilon, c.seed, c.ftype, &err))
            return fail("%s", err.msg);
        return 0;
    }

    if (!c.ftype)
        c.ftype = qmix_ftype_find("F32");
    const preset *p = NULL;
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (!strcmp(gen_arch_name(presets[i].arch), arch_s) && !strcmp(presets[i].name, preset_s))
            p = &presets[i];
    if (!p) {
        for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
            if (!strcmp(gen_arch_name(presets[i].arch), arch_s))
                return fail("no preset '%s' for this architecture (see --help)", preset_s);
        return fail("unknown architecture '%s' (llama, qwen2, qwen3, gemma3, gemma2, qwen3moe, phi3, hunyuan-dense, qwen2moe, gemma4)", arch_s);
    }
    c.arch = p->arch;
    c.n_layer = o_layer ? o_layer : p->n_layer;
    c.n_embd = o_embd ? o_embd : p->n_embd;
    c.n_ff = o_ff ? o_ff : p->n_ff;
    c.n_head = o_head ? o_head : p->n_head;
    c.n_head_kv = o_kv ? o_kv : p->n_head_kv;
    /* llama/qwen2 tie head_dim to n_embd / n_head unless told otherwise (the preset's shapes already do). */
    c.head_dim = o_hd ? o_hd
                 : (c.arch == GEN_LLAMA || c.arch == GEN_QWEN2) && (o_embd || o_head) ? c.n_embd / c.n_head
                                                                                      : p->head_dim;
    c.n_ctx = o_ctx ? o_ctx : p->n_ctx;
    c.n_swa = o_swa ? o_swa : p->n_swa;
    c.rope_base = o_base ? o_base : p->rope_base;
    c.eps = o_eps ? o_eps : c.arch == GEN_LLAMA ? 1e-5f : 1e-6f;
    c.tied = tied >= 0 ? tied : p->tied;
    c.n_expert = o_nx ? o_nx : p->n_expert;
    c.n_expert_used = o_nxu ? o_nxu : p->n_expert_used;
    c.n_ff_exp = o_ffx ? o_ffx : p->n_ff_exp;
    /* Partial rotary by default only where the tiny phi3 shows it off. */
    c.n_rot = o_rot ? o_rot : c.arch == GEN_PHI3 && !strcmp(p->name, "tiny") ? 24
                            : c.arch == GEN_PHI3 && !strcmp(p->name, "4-mini") ? 96 : 0;

    if (c.arch == GEN_GEMMA4) {
        /* Layer kinds and sharing as the published models: E2B 4 sliding + 1 global, 20 of 35 layers
         * sharing KV, FFN doubled there; E4B 5 + 1, 18 of 42. The tiny model shows every piece off:
         * 2 + 1, 3 of 6 shared, KV heads 2 (sliding) / 1 (global), no attn_v on global layers. */
        /* The MoE models (26B-A4B: 5 + 1, KV heads 8 / 2, no attn_v on global layers, no per-layer
         * embeddings, no shared KV) keep their experts in every layer. */
        const bool tiny = !strcmp(p->name, "tiny"), e2b = !strcmp(p->name, "e2b"), moe = p->n_expert > 0,
                   tmoe = !strcmp(p->name, "tiny-moe");
        c.swa_period = tiny || tmoe ? 3 : e2b ? 5 : 6;
        c.head_dim_global = 2 * c.head_dim;
        c.n_head_kv_global = tiny || tmoe ? 1 : moe ? 2 : c.n_head_kv;
        c.n_embd_per_layer = moe ? 0 : tiny ? 16 : 256;
        c.ffn_double = tiny || e2b;
        c.k_eq_v = tiny || moe;
        const uint32_t shared = (tiny ? 3 : e2b ? 20 : moe ? 0 : 18) * c.n_layer / p->n_layer;
        uint32_t kv_from = (c.n_layer - shared + c.swa_period - 1) / c.swa_period * c.swa_period;
        c.n_kv_shared = kv_from < c.n_layer ? c.n_layer - kv_from : 0;
        c.n_rot = o_rot;
    }
    char vocab[4096];
    if (!c.vocab_path) {
        const char *dir = getenv("TOLK_TESTDATA");
        const char *file = c.arch == GEN_LLAMA ? "llama3.gguf"
                           : c.arch == GEN_GEMMA3 || c.arch == GEN_GEMMA2 || c.arch == GEN_PHI3 || c.arch == GEN_GEMMA4 ? "llama-spm.gguf"
                                                                                                : "qwen2.gguf";
        snprintf(vocab, sizeof vocab, "%s/tokenizer/%s", dir && *dir ? dir : GEN_DEFAULT_TESTDATA, file);
        c.vocab_path = vocab;
    }
    if (gen_model_write(&c, &err))
        return fail("%s", err.msg);
    return 0;
}
