/* `tolk info`: describes a GGUF file (architecture, shapes, quant mix, tokenizer, chat template) as
 * text or, with --json, as one JSON object whose keys follow the GGUF names. Works on any valid
 * GGUF, including vocab-only files and architectures tolk cannot run. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gguf.h"
#include "json.h"
#include "simd.h"

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
    "vocab_size",
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
    uint32_t type;
    uint64_t tensors, bytes;
} type_use;

static int cmp_use(const void *a, const void *b)
{
    const type_use *x = a, *y = b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : (int)x->type - (int)y->type;
}

/* Tensor count and bytes per type, largest first; returns how many types are used. */
static int quant_mix(const gguf_file *f, type_use use[TOLK_TYPE_COUNT], uint64_t *params)
{
    memset(use, 0, TOLK_TYPE_COUNT * sizeof *use);
    *params = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        use[t->type].type = t->type;
        use[t->type].tensors++;
        use[t->type].bytes += t->nbytes;
        *params += t->n_elements;
    }
    int n = 0;
    for (int t = 0; t < TOLK_TYPE_COUNT; t++)
        if (use[t].tensors)
            use[n++] = use[t];
    qsort(use, (size_t)n, sizeof *use, cmp_use);
    return n;
}

/* ---- values --------------------------------------------------------------------------------------- */

static void print_scalar(FILE *out, const gguf_value *v, int json)
{
    switch (v->type) {
    case GGUF_TYPE_U8: case GGUF_TYPE_U16: case GGUF_TYPE_U32: case GGUF_TYPE_U64:
        fprintf(out, "%" PRIu64, v->v.u);
        break;
    case GGUF_TYPE_I8: case GGUF_TYPE_I16: case GGUF_TYPE_I32: case GGUF_TYPE_I64:
        fprintf(out, "%" PRId64, v->v.i);
        break;
    case GGUF_TYPE_F32: case GGUF_TYPE_F64:
        if (v->v.f != v->v.f || v->v.f - v->v.f != 0) /* NaN or inf: not representable in JSON */
            fputs(json ? "null" : "nan", out);
        else
            fprintf(out, "%.9g", v->v.f);
        break;
    case GGUF_TYPE_BOOL:
        fputs(v->v.u ? "true" : "false", out);
        break;
    case GGUF_TYPE_STRING:
        if (json)
            json_write_str(out, v->v.s.ptr, v->v.s.len);
        else
            fprintf(out, "%.*s", (int)(v->v.s.len > 200 ? 200 : v->v.s.len), v->v.s.ptr);
        break;
    case GGUF_TYPE_ARRAY:
        if (json)
            fprintf(out, "{\"type\": \"array\", \"element_type\": \"%s\", \"length\": %" PRIu64 "}",
                    gguf_type_name(v->v.a.type), v->v.a.n);
        else
            fprintf(out, "[%s x %" PRIu64 "]", gguf_type_name(v->v.a.type), v->v.a.n);
        break;
    }
}

static const gguf_kv *arch_kv(const gguf_file *f, const char *arch, const char *suffix)
{
    char key[256];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    return gguf_find_kv(f, key);
}

static uint64_t vocab_size(const gguf_file *f)
{
    const gguf_array *tokens = gguf_get_arr(f, "tokenizer.ggml.tokens");
    return tokens ? tokens->n : 0;
}

/* Text of token id, or NULL when out of range. */
static const gguf_str *token_text(const gguf_file *f, uint64_t id)
{
    const gguf_array *tokens = gguf_get_arr(f, "tokenizer.ggml.tokens");
    if (!tokens || tokens->type != GGUF_TYPE_STRING || id >= tokens->n)
        return NULL;
    return &tokens->strs[id];
}

/* ---- text output -------------------------------------------------------------------------------- */

static void print_text(const gguf_file *f, const info_opts *o)
{
    char arch[128] = "(none)", name[256] = "", buf[256];
    gguf_get_cstr(f, "general.architecture", arch, sizeof arch);
    gguf_get_cstr(f, "general.name", name, sizeof name);
    type_use use[TOLK_TYPE_COUNT];
    uint64_t params, ft;
    int n_types = quant_mix(f, use, &params);

    printf("file:          %s (GGUF v%u, %.2f MiB)\n", gguf_path(f), gguf_version(f),
           gguf_file_size(f) / 1048576.0);
    printf("architecture:  %s\n", arch);
    if (*name)
        printf("name:          %s\n", name);
    printf("parameters:    %" PRIu64 " (%.1fM)\n", params, params / 1e6);
    if (gguf_get_uint(f, "general.file_type", &ft))
        printf("file type:     %s (%" PRIu64 ")\n", file_type_name(ft), ft);
    printf("tensors:       %" PRIu64 "\n", gguf_tensor_count(f));
    if (n_types) {
        printf("quant mix:\n");
        for (int i = 0; i < n_types; i++)
            printf("  %-8s %5" PRIu64 " tensors %10.2f MiB\n", simd_traits(use[i].type)->name,
                   use[i].tensors, use[i].bytes / 1048576.0);
    }
    printf("hyper-parameters:\n");
    for (size_t i = 0; i < sizeof arch_keys / sizeof arch_keys[0]; i++) {
        const gguf_kv *kv = arch_kv(f, arch, arch_keys[i]);
        if (kv) {
            printf("  %-34s ", arch_keys[i]);
            print_scalar(stdout, &kv->value, 0);
            putchar('\n');
        }
    }
    printf("tokenizer:\n");
    printf("  model:         %s\n", gguf_get_cstr(f, "tokenizer.ggml.model", buf, sizeof buf) ? buf : "(none)");
    printf("  pre-tokenizer: %s\n", gguf_get_cstr(f, "tokenizer.ggml.pre", buf, sizeof buf) ? buf : "(none)");
    printf("  vocab size:    %" PRIu64 "\n", vocab_size(f));
    for (size_t i = 0; i < sizeof special_keys / sizeof special_keys[0]; i++) {
        char key[96];
        uint64_t id;
        snprintf(key, sizeof key, "tokenizer.ggml.%s_token_id", special_keys[i]);
        if (gguf_get_uint(f, key, &id)) {
            const gguf_str *t = token_text(f, id);
            printf("  %-14s %" PRIu64 " %s%.*s%s\n", special_keys[i], id, t ? "'" : "",
                   t ? (int)(t->len > 40 ? 40 : t->len) : 0, t ? t->ptr : "", t ? "'" : "(out of range)");
        }
    }
    gguf_str tmpl;
    printf("chat template: %s\n", gguf_get_str(f, "tokenizer.chat_template", &tmpl) ? "present" : "absent");
    if (o->tensors) {
        printf("tensors:\n");
        for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
            const gguf_tensor *t = gguf_tensor_at(f, i);
            printf("  %-40s %-7s [", t->name, simd_traits(t->type)->name);
            for (uint32_t d = 0; d < (t->n_dims ? t->n_dims : 1); d++)
                printf("%s%" PRId64, d ? ", " : "", t->ne[d]);
            printf("] %" PRIu64 " bytes at %" PRIu64 "\n", t->nbytes, t->file_offset);
        }
    }
}

/* ---- JSON output -------------------------------------------------------------------------------- */

static void json_key(const char *k, int *first)
{
    printf("%s\n  \"%s\": ", *first ? "" : ",", k);
    *first = 0;
}

static void print_json(const gguf_file *f, const info_opts *o)
{
    char arch[128] = "";
    gguf_get_cstr(f, "general.architecture", arch, sizeof arch);
    type_use use[TOLK_TYPE_COUNT];
    uint64_t params, ft;
    int n_types = quant_mix(f, use, &params), first = 1;
    const gguf_kv *kv;

    printf("{");
    json_key("file", &first);
    json_write_str(stdout, gguf_path(f), strlen(gguf_path(f)));
    json_key("gguf_version", &first);
    printf("%u", gguf_version(f));
    json_key("file_size", &first);
    printf("%" PRIu64, gguf_file_size(f));
    json_key("architecture", &first);
    if ((kv = gguf_find_kv(f, "general.architecture")))
        print_scalar(stdout, &kv->value, 1);
    else
        printf("null");
    if ((kv = gguf_find_kv(f, "general.name"))) {
        json_key("name", &first);
        print_scalar(stdout, &kv->value, 1);
    }
    json_key("parameter_count", &first);
    printf("%" PRIu64, params);
    if (gguf_get_uint(f, "general.file_type", &ft)) {
        json_key("file_type", &first);
        printf("%" PRIu64, ft);
        json_key("file_type_name", &first);
        printf("\"%s\"", file_type_name(ft));
    }
    for (size_t i = 0; i < sizeof arch_keys / sizeof arch_keys[0]; i++) {
        if (!(kv = arch_kv(f, arch, arch_keys[i])) || !strcmp(arch_keys[i], "vocab_size"))
            continue;
        char key[64];
        snprintf(key, sizeof key, "%s", arch_keys[i]);
        for (char *p = key; *p; p++)
            if (*p == '.')
                *p = '_';
        /* "attention.head_count" -> "head_count", keeping the GGUF leaf names. */
        const char *leaf = strncmp(key, "attention_", 10) ? key : key + 10;
        json_key(leaf, &first);
        print_scalar(stdout, &kv->value, 1);
    }
    json_key("vocab_size", &first);
    printf("%" PRIu64, vocab_size(f));
    json_key("tokenizer", &first);
    printf("{\"model\": ");
    if ((kv = gguf_find_kv(f, "tokenizer.ggml.model")))
        print_scalar(stdout, &kv->value, 1);
    else
        printf("null");
    printf(", \"pre\": ");
    if ((kv = gguf_find_kv(f, "tokenizer.ggml.pre")))
        print_scalar(stdout, &kv->value, 1);
    else
        printf("null");
    for (size_t i = 0; i < sizeof special_keys / sizeof special_keys[0]; i++) {
        char key[96];
        uint64_t id;
        snprintf(key, sizeof key, "tokenizer.ggml.%s_token_id", special_keys[i]);
        if (gguf_get_uint(f, key, &id))
            printf(", \"%s_token_id\": %" PRIu64, special_keys[i], id);
    }
    printf("}");
    json_key("chat_template", &first);
    printf("%s", gguf_find_kv(f, "tokenizer.chat_template") ? "true" : "false");
    json_key("quant_mix", &first);
    printf("{");
    for (int i = 0; i < n_types; i++)
        printf("%s\"%s\": {\"tensors\": %" PRIu64 ", \"bytes\": %" PRIu64 "}", i ? ", " : "",
               simd_traits(use[i].type)->name, use[i].tensors, use[i].bytes);
    printf("}");
    json_key("tensor_count", &first);
    printf("%" PRIu64, gguf_tensor_count(f));
    json_key("metadata", &first);
    printf("{");
    for (uint64_t i = 0; i < gguf_kv_count(f); i++) {
        kv = gguf_kv_at(f, i);
        printf("%s\n    ", i ? "," : "");
        json_write_str(stdout, kv->key.ptr, kv->key.len);
        printf(": ");
        print_scalar(stdout, &kv->value, 1);
    }
    printf("\n  }");
    if (o->tensors) {
        json_key("tensors", &first);
        printf("[");
        for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
            const gguf_tensor *t = gguf_tensor_at(f, i);
            printf("%s\n    {\"name\": ", i ? "," : "");
            json_write_str(stdout, t->name, strlen(t->name));
            printf(", \"type\": \"%s\", \"shape\": [", simd_traits(t->type)->name);
            for (uint32_t d = 0; d < (t->n_dims ? t->n_dims : 1); d++)
                printf("%s%" PRId64, d ? ", " : "", t->ne[d]);
            printf("], \"bytes\": %" PRIu64 ", \"offset\": %" PRIu64 "}", t->nbytes, t->file_offset);
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
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'}, {"json", no_argument, NULL, 'j'},
        {"tensors", no_argument, NULL, 'T'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': o.model = optarg; break;
        case 'j': o.json = 1; break;
        case 'T': o.tensors = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (optind < argc && !o.model)
        o.model = argv[optind++];
    if (optind < argc)
        return cli_error("unexpected argument '%s' (see tolk info --help)", argv[optind]);
    char path[4096];
    tolk_error err = {0};
    if (cli_model_path(o.model, path, sizeof path, &err))
        return cli_error("%s", err.msg);
    gguf_file *f = gguf_open(path, &err);
    if (!f)
        return cli_error("%s", err.msg);
    if (o.json)
        print_json(f, &o);
    else
        print_text(f, &o);
    gguf_close(f);
    return 0;
}
