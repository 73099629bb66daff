/* `tolk info`: describes a GGUF file (architecture, shapes, quant mix, tokenizer, chat template) as
 * text or, with --json, as one JSON object whose keys follow the GGUF names. Works on any valid
 * GGUF, including vocab-only files and architectures tolk cannot run (tolk_model_load_meta). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "cli_opts.h"

typedef struct info_opts {
    const char *model;
    int json;
    int tensors;
} info_opts;

/* Per-architecture hyper-parameters shown by info, in display order: GGUF key suffix. */
static const char *const arch_keys[] = {
    "context_length", "embedding_length", "block_count", "feed_forward_length",
    "attention.head_count", "attention.head_count_kv", "attention.key_length",
    "attention.value_length", "attention.layer_norm_rms_epsilon", "attention.sliding_window",
    "rope.dimension_count", "rope.freq_base", "rope.scaling.type", "rope.scaling.factor",
    "vocab_size", "expert_count", "expert_used_count", "expert_feed_forward_length",
    "attn_logit_softcapping", "final_logit_softcapping",
};

static const char *const special_keys[] = {
    "bos", "eos", "unknown", "padding", "eot", "eom", "seperator",
};

/* llama_ftype names (general.file_type), from llama.h. */
static const char *file_type_name(uint64_t ft)
{
    static const char *const names[] = {
        [0] = "ALL_F32", [1] = "MOSTLY_F16", [2] = "MOSTLY_Q4_0", [3] = "MOSTLY_Q4_1",
        [7] = "MOSTLY_Q8_0", [8] = "MOSTLY_Q5_0", [9] = "MOSTLY_Q5_1", [10] = "MOSTLY_Q2_K",
        [11] = "MOSTLY_Q3_K_S", [12] = "MOSTLY_Q3_K_M", [13] = "MOSTLY_Q3_K_L", [14] = "MOSTLY_Q4_K_S",
        [15] = "MOSTLY_Q4_K_M", [16] = "MOSTLY_Q5_K_S", [17] = "MOSTLY_Q5_K_M", [18] = "MOSTLY_Q6_K",
        [19] = "MOSTLY_IQ2_XXS", [20] = "MOSTLY_IQ2_XS", [21] = "MOSTLY_Q2_K_S", [22] = "MOSTLY_IQ3_XS",
        [23] = "MOSTLY_IQ3_XXS", [24] = "MOSTLY_IQ1_S", [25] = "MOSTLY_IQ4_NL", [26] = "MOSTLY_IQ3_S",
        [27] = "MOSTLY_IQ3_M", [28] = "MOSTLY_IQ2_S", [29] = "MOSTLY_IQ2_M", [30] = "MOSTLY_IQ4_XS",
        [31] = "MOSTLY_IQ1_M", [32] = "MOSTLY_BF16", [36] = "MOSTLY_TQ1_0", [37] = "MOSTLY_TQ2_0",
    };
    return ft < sizeof names / sizeof names[0] && names[ft] ? names[ft] : "unknown";
}

typedef struct type_use {
    int type;
    uint64_t tensors, bytes;
} type_use;

static int cmp_use(const void *a, const void *b)
{
    const type_use *x = a, *y = b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : x->type - y->type;
}

/* Tensor count and bytes per type, largest first, in *USE (malloc'd); returns how many types are
 * used, or -1 when out of memory. */
static int quant_mix(const tolk_model *m, type_use **use, uint64_t *params)
{
    const int64_t nt = tolk_model_tensor_count(m);
    int n = 0;
    *params = 0;
    if (!(*use = malloc(sizeof **use * (size_t)(nt ? nt : 1))))
        return -1;
    for (int64_t i = 0; i < nt; i++) {
        tolk_tensor_info t;
        tolk_model_tensor_at(m, i, &t, NULL);
        int k = 0;
        while (k < n && (*use)[k].type != t.type)
            k++;
        if (k == n)
            (*use)[n++] = (type_use){.type = t.type};
        (*use)[k].tensors++;
        (*use)[k].bytes += t.n_bytes;
        *params += t.n_elements;
    }
    qsort(*use, (size_t)n, sizeof **use, cmp_use);
    return n;
}

/* ---- values --------------------------------------------------------------------------------------- */

static void print_scalar(FILE *out, const tolk_meta_value *v, int json)
{
    switch (v->type) {
    case TOLK_META_U8: case TOLK_META_U16: case TOLK_META_U32: case TOLK_META_U64:
        fprintf(out, "%" PRIu64, v->u);
        break;
    case TOLK_META_I8: case TOLK_META_I16: case TOLK_META_I32: case TOLK_META_I64:
        fprintf(out, "%" PRId64, v->i);
        break;
    case TOLK_META_F32: case TOLK_META_F64:
        if (v->f != v->f || v->f - v->f != 0) /* NaN or inf: not representable in JSON */
            fputs(json ? "null" : "nan", out);
        else
            fprintf(out, "%.9g", v->f);
        break;
    case TOLK_META_BOOL:
        fputs(v->u ? "true" : "false", out);
        break;
    case TOLK_META_STRING:
        if (json)
            cli_json_str(out, v->str, v->len);
        else
            fprintf(out, "%.*s", (int)(v->len > 200 ? 200 : v->len), v->str);
        break;
    case TOLK_META_ARRAY:
        if (json)
            fprintf(out, "{\"type\": \"array\", \"element_type\": \"%s\", \"length\": %" PRIu64 "}",
                    tolk_meta_type_name(v->elem_type), v->n);
        else
            fprintf(out, "[%s x %" PRIu64 "]", tolk_meta_type_name(v->elem_type), v->n);
        break;
    }
}

/* The value of KEY, or NULL when absent. */
static const tolk_meta_value *meta(const tolk_model *m, const char *key, tolk_meta_value *v)
{
    return tolk_model_meta_get(m, key, v, NULL) == TOLK_OK ? v : NULL;
}

static const tolk_meta_value *arch_kv(const tolk_model *m, const char *arch, const char *suffix, tolk_meta_value *v)
{
    char key[256];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    return meta(m, key, v);
}

/* KEY as an unsigned integer: any integer type holding a value >= 0. */
static int meta_uint(const tolk_model *m, const char *key, uint64_t *out)
{
    tolk_meta_value v;
    if (!meta(m, key, &v))
        return 0;
    switch (v.type) {
    case TOLK_META_U8: case TOLK_META_U16: case TOLK_META_U32: case TOLK_META_U64:
        *out = v.u;
        return 1;
    case TOLK_META_I8: case TOLK_META_I16: case TOLK_META_I32: case TOLK_META_I64:
        if (v.i < 0)
            return 0;
        *out = (uint64_t)v.i;
        return 1;
    default:
        return 0;
    }
}

static uint64_t vocab_size(const tolk_model *m)
{
    tolk_meta_value v;
    return meta(m, "tokenizer.ggml.tokens", &v) && v.type == TOLK_META_ARRAY ? v.n : 0;
}

/* Text of token ID in *T, or 0 when out of range. */
static int token_text(const tolk_model *m, uint64_t id, tolk_meta_value *t)
{
    tolk_meta_value v;
    if (!meta(m, "tokenizer.ggml.tokens", &v) || v.type != TOLK_META_ARRAY || v.elem_type != TOLK_META_STRING)
        return 0;
    return tolk_model_meta_array_at(m, "tokenizer.ggml.tokens", id, t, NULL) == TOLK_OK;
}

static void print_shape(const tolk_tensor_info *t)
{
    for (int d = 0; d < (t->n_dims ? t->n_dims : 1); d++)
        printf("%s%" PRId64, d ? ", " : "", t->ne[d]);
}

/* ---- text output -------------------------------------------------------------------------------- */

/* The KV cache tolk allocates at the default context and at the training context, for
 * architectures it runs (the weights are bound without being read). Sliding-window layers keep a
 * ring of their window plus one batch (docs/KV.md), so their share does not grow with the context. */
static void print_kv(const tolk_model *meta_m, const char *arch)
{
    tolk_model *m = NULL;
    tolk_set_prefetch(0);
    if (tolk_model_load(tolk_model_path(meta_m), &m, NULL))
        return;
    uint64_t n_train = 0;
    char key[160];
    snprintf(key, sizeof key, "%s.context_length", arch);
    meta_uint(meta_m, key, &n_train);
    const int n_def = n_train && n_train < 4096 ? (int)n_train : 4096;
    const int64_t q8 = tolk_model_kv_bytes(m, n_def, 1);
    printf("KV cache:      %.2f MiB f16", tolk_model_kv_bytes(m, n_def, 0) / 1048576.0);
    if (q8 > 0)
        printf(" (%.2f MiB q8_0)", q8 / 1048576.0);
    printf(" at %d positions", n_def);
    if (n_train > (uint64_t)n_def && n_train <= (1u << 30))
        printf(", %.2f MiB f16 at %" PRIu64, tolk_model_kv_bytes(m, (int)n_train, 0) / 1048576.0, n_train);
    putchar('\n');
    tolk_model_free(m);
}

static void print_text(const tolk_model *m, const info_opts *o, const type_use *use, int n_types, uint64_t params)
{
    char arch[128] = "(none)", name[256] = "", buf[256];
    if (tolk_model_meta_str(m, "general.architecture", arch, sizeof arch) < 0)
        strcpy(arch, "(none)");
    tolk_model_meta_str(m, "general.name", name, sizeof name);
    uint64_t ft;
    tolk_meta_value v;

    printf("file:          %s (GGUF v%u, %.2f MiB)\n", tolk_model_path(m), tolk_model_gguf_version(m),
           tolk_model_file_size(m) / 1048576.0);
    printf("architecture:  %s\n", arch);
    if (*name)
        printf("name:          %s\n", name);
    printf("parameters:    %" PRIu64 " (%.1fM)\n", params, params / 1e6);
    if (meta_uint(m, "general.file_type", &ft))
        printf("file type:     %s (%" PRIu64 ")\n", file_type_name(ft), ft);
    printf("tensors:       %" PRId64 "\n", tolk_model_tensor_count(m));
    if (n_types) {
        printf("quant mix:\n");
        for (int i = 0; i < n_types; i++)
            printf("  %-8s %5" PRIu64 " tensors %10.2f MiB\n", tolk_type_name(use[i].type), use[i].tensors,
                   use[i].bytes / 1048576.0);
    }
    printf("hyper-parameters:\n");
    for (size_t i = 0; i < sizeof arch_keys / sizeof arch_keys[0]; i++) {
        if (arch_kv(m, arch, arch_keys[i], &v)) {
            printf("  %-34s ", arch_keys[i]);
            print_scalar(stdout, &v, 0);
            putchar('\n');
        }
    }
    print_kv(m, arch);
    /* The tokenizer and the translation prompt tolk would use need the vocabulary, which the
     * metadata view lacks. */
    tolk_model *vm = NULL;
    tolk_error verr = {0};
    const int have_vocab = !tolk_model_load_vocab(tolk_model_path(m), &vm, &verr);
    printf("tokenizer:\n");
    printf("  model:         %s\n", tolk_model_meta_str(m, "tokenizer.ggml.model", buf, sizeof buf) >= 0 ? buf : "(none)");
    printf("  pre-tokenizer: %s", tolk_model_meta_str(m, "tokenizer.ggml.pre", buf, sizeof buf) >= 0 ? buf : "(none)");
    if (have_vocab && !strcmp(tolk_vocab_pre_tokenizer(vm), "none"))
        printf(" (SentencePiece: tolk splits nothing before the merges)");
    else if (have_vocab)
        printf(" (tolk splits by the %s rules)", tolk_vocab_pre_tokenizer(vm));
    putchar('\n');
    printf("  vocab size:    %" PRIu64 "\n", vocab_size(m));
    for (size_t i = 0; i < sizeof special_keys / sizeof special_keys[0]; i++) {
        char key[96];
        uint64_t id;
        tolk_meta_value t;
        snprintf(key, sizeof key, "tokenizer.ggml.%s_token_id", special_keys[i]);
        if (meta_uint(m, key, &id)) {
            const int ok = token_text(m, id, &t);
            printf("  %-14s %" PRIu64 " %s%.*s%s\n", special_keys[i], id, ok ? "'" : "",
                   ok ? (int)(t.len > 40 ? 40 : t.len) : 0, ok ? t.str : "", ok ? "'" : "(out of range)");
        }
    }
    printf("chat template: %s\n", meta(m, "tokenizer.chat_template", &v) && v.type == TOLK_META_STRING ? "present"
                                                                                                        : "absent");
    char which[160];
    if (have_vocab && !tolk_translate_template_name(vm, NULL, which, sizeof which, &verr))
        printf("prompt template: %s\n", which);
    else
        printf("prompt template: none (%s)\n", verr.msg);
    tolk_model_free(vm);
    /* The CUDA devices -ngl could use; the forward pass does not offload yet (docs/GPU.md). */
    const int n_gpu = tolk_gpu_count();
    printf("gpu:           %s, %d device%s%s\n", tolk_gpu_backend(), n_gpu, n_gpu == 1 ? "" : "s",
           n_gpu ? " (every layer runs on the CPU: offload is not in the forward pass yet)" : "");
    for (int i = 0; i < n_gpu; i++)
        if (tolk_gpu_describe(i, buf, sizeof buf, NULL) == TOLK_OK)
            printf("  gpu %d: %s\n", i, buf);
    if (o->tensors) {
        printf("tensors:\n");
        for (int64_t i = 0; i < tolk_model_tensor_count(m); i++) {
            tolk_tensor_info t;
            tolk_model_tensor_at(m, i, &t, NULL);
            printf("  %-40s %-7s [", t.name, tolk_type_name(t.type));
            print_shape(&t);
            printf("] %" PRIu64 " bytes at %" PRIu64 "\n", t.n_bytes, t.offset);
        }
    }
}

/* ---- JSON output -------------------------------------------------------------------------------- */

static void json_key(const char *k, int *first)
{
    printf("%s\n  \"%s\": ", *first ? "" : ",", k);
    *first = 0;
}

static void print_json(const tolk_model *m, const info_opts *o, const type_use *use, int n_types, uint64_t params)
{
    char arch[128] = "";
    tolk_model_meta_str(m, "general.architecture", arch, sizeof arch);
    uint64_t ft;
    int first = 1;
    tolk_meta_value v;

    printf("{");
    json_key("file", &first);
    cli_json_str(stdout, tolk_model_path(m), strlen(tolk_model_path(m)));
    json_key("gguf_version", &first);
    printf("%u", tolk_model_gguf_version(m));
    json_key("file_size", &first);
    printf("%" PRIu64, tolk_model_file_size(m));
    json_key("architecture", &first);
    if (meta(m, "general.architecture", &v))
        print_scalar(stdout, &v, 1);
    else
        printf("null");
    if (meta(m, "general.name", &v)) {
        json_key("name", &first);
        print_scalar(stdout, &v, 1);
    }
    json_key("parameter_count", &first);
    printf("%" PRIu64, params);
    if (meta_uint(m, "general.file_type", &ft)) {
        json_key("file_type", &first);
        printf("%" PRIu64, ft);
        json_key("file_type_name", &first);
        printf("\"%s\"", file_type_name(ft));
    }
    for (size_t i = 0; i < sizeof arch_keys / sizeof arch_keys[0]; i++) {
        if (!arch_kv(m, arch, arch_keys[i], &v) || !strcmp(arch_keys[i], "vocab_size"))
            continue;
        char key[64];
        snprintf(key, sizeof key, "%s", arch_keys[i]);
        for (char *p = key; *p; p++)
            if (*p == '.')
                *p = '_';
        /* "attention.head_count" -> "head_count", keeping the GGUF leaf names. */
        const char *leaf = strncmp(key, "attention_", 10) ? key : key + 10;
        json_key(leaf, &first);
        print_scalar(stdout, &v, 1);
    }
    json_key("vocab_size", &first);
    printf("%" PRIu64, vocab_size(m));
    json_key("tokenizer", &first);
    printf("{\"model\": ");
    if (meta(m, "tokenizer.ggml.model", &v))
        print_scalar(stdout, &v, 1);
    else
        printf("null");
    printf(", \"pre\": ");
    if (meta(m, "tokenizer.ggml.pre", &v))
        print_scalar(stdout, &v, 1);
    else
        printf("null");
    for (size_t i = 0; i < sizeof special_keys / sizeof special_keys[0]; i++) {
        char key[96];
        uint64_t id;
        snprintf(key, sizeof key, "tokenizer.ggml.%s_token_id", special_keys[i]);
        if (meta_uint(m, key, &id))
            printf(", \"%s_token_id\": %" PRIu64, special_keys[i], id);
    }
    printf("}");
    json_key("chat_template", &first);
    printf("%s", meta(m, "tokenizer.chat_template", &v) ? "true" : "false");
    json_key("quant_mix", &first);
    printf("{");
    for (int i = 0; i < n_types; i++)
        printf("%s\"%s\": {\"tensors\": %" PRIu64 ", \"bytes\": %" PRIu64 "}", i ? ", " : "",
               tolk_type_name(use[i].type), use[i].tensors, use[i].bytes);
    printf("}");
    json_key("tensor_count", &first);
    printf("%" PRId64, tolk_model_tensor_count(m));
    json_key("metadata", &first);
    printf("{");
    for (int64_t i = 0; i < tolk_model_meta_count(m); i++) {
        const char *key;
        size_t key_len;
        tolk_model_meta_at(m, i, &key, &key_len, &v, NULL);
        printf("%s\n    ", i ? "," : "");
        cli_json_str(stdout, key, key_len);
        printf(": ");
        print_scalar(stdout, &v, 1);
    }
    printf("\n  }");
    if (o->tensors) {
        json_key("tensors", &first);
        printf("[");
        for (int64_t i = 0; i < tolk_model_tensor_count(m); i++) {
            tolk_tensor_info t;
            tolk_model_tensor_at(m, i, &t, NULL);
            printf("%s\n    {\"name\": ", i ? "," : "");
            cli_json_str(stdout, t.name, strlen(t.name));
            printf(", \"type\": \"%s\", \"shape\": [", tolk_type_name(t.type));
            print_shape(&t);
            printf("], \"bytes\": %" PRIu64 ", \"offset\": %" PRIu64 "}", t.n_bytes, t.offset);
        }
        printf("\n  ]");
    }
    printf("\n}\n");
}

static void usage(FILE *out)
{
    fprintf(out, "usage: tolk info [-m] [MODEL.gguf] [--tensors] [--json]\n\n"
                 "Describe a GGUF file: architecture, parameter count, file type and quant mix,\n"
                 "context length and layer shapes, tokenizer and special tokens, chat template.\n\n"
                 "  -m, --model FILE  the model (default: the default model, see tolk --help)\n"
                 "  --tensors         list every tensor with type, shape, size and offset\n"
                 "  --json            print everything as one JSON object\n");
}

int cli_info_main(int argc, char **argv)
{
    info_opts o = {0};
    const cli_opt opts[] = {
        CLI_OPT_STR("-m", "--model", &o.model), CLI_OPT_FLAG(NULL, "--json", &o.json, 1),
        CLI_OPT_FLAG(NULL, "--tensors", &o.tensors, 1), CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {opts, NULL};
    int n_pos = 0, rc = cli_parse("info", tables, -1, argc, argv, &n_pos);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    int used = 0;
    if (n_pos > used && !o.model)
        o.model = argv[1 + used++];
    if (n_pos > used)
        return cli_error("unexpected argument '%s' (see tolk info --help)", argv[1 + used]);
    char *path = NULL;
    tolk_model *m = NULL;
    type_use *use = NULL;
    uint64_t params;
    tolk_error err = {0};
    if (cli_model_path(o.model, &path, &err) || tolk_model_load_meta(path, &m, &err)) {
        free(path);
        return cli_error("%s", err.msg);
    }
    int n_types = quant_mix(m, &use, &params);
    if (n_types < 0)
        rc = cli_error("out of memory");
    else if (o.json)
        print_json(m, &o, use, n_types, params);
    else
        print_text(m, &o, use, n_types, params);
    free(use);
    tolk_model_free(m);
    free(path);
    return rc ? 1 : 0;
}
