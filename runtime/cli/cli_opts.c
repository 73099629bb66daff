/* The table-driven option parser and the shared option tables (see cli_opts.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"

/* ---- parsing ---------------------------------------------------------------------------------- */

static int parse_int(const char *s, const char *opt, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return cli_error("%s expects an integer in %lld..%lld, got '%s'", opt, lo, hi, s);
    *out = v;
    return 0;
}

static int parse_float(const char *s, const char *opt, double lo, double hi, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= lo && v <= hi))
        return cli_error("%s expects a number in %g..%g, got '%s'", opt, lo, hi, s);
    *out = (float)v;
    return 0;
}

/* "OPT must be a, b or c, got 'V'". */
static int bad_choice(const cli_choice *c, const char *opt, const char *v)
{
    char list[256] = "";
    size_t n = 0, len = 0;
    while (c[n].name)
        n++;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(list + len, len < sizeof list ? sizeof list - len : 0, "%s%s",
                                i == 0 ? "" : i + 1 == n ? " or " : ", ", c[i].name);
    return cli_error("%s must be %s, got '%s'", opt, list, v);
}

/* Stores VALUE (NULL: none given) of option O, called NAME on the command line. */
static int store(const cli_opt *o, const char *name, const char *value)
{
    long long x;
    switch (o->kind) {
    case CLI_K_FLAG:
        *(int *)o->dst = o->ival;
        return 0;
    case CLI_K_STR:
        *(const char **)o->dst = value;
        return 0;
    case CLI_K_INT:
        if (parse_int(value, name, o->lo, o->hi, &x))
            return 1;
        *(int *)o->dst = (int)x;
        return 0;
    case CLI_K_U64:
        if (parse_int(value, name, o->lo, o->hi, &x))
            return 1;
        *(uint64_t *)o->dst = (uint64_t)x;
        return 0;
    case CLI_K_FLOAT:
        return parse_float(value, name, o->flo, o->fhi, (float *)o->dst);
    case CLI_K_CHOICE:
        if (!value) {
            *(int *)o->dst = o->ival;
            return 0;
        }
        for (const cli_choice *c = o->choices; c->name; c++)
            if (!strcmp(value, c->name)) {
                *(int *)o->dst = c->value;
                return 0;
            }
        return bad_choice(o->choices, name, value);
    case CLI_K_FN:
        return o->fn(o->dst, name, value);
    default:
        return 0;
    }
}

/* The entry called NAME (NAME_LEN bytes, so "--model=x" finds --model), or NULL. */
static const cli_opt *find(const cli_opt *const *tables, const char *name, size_t name_len)
{
    for (size_t t = 0; tables[t]; t++)
        for (const cli_opt *o = tables[t]; o->kind != CLI_K_END; o++) {
            if (o->short_name && strlen(o->short_name) == name_len && !strncmp(o->short_name, name, name_len))
                return o;
            if (o->long_name && strlen(o->long_name) == name_len && !strncmp(o->long_name, name, name_len))
                return o;
        }
    return NULL;
}

int cli_parse(const char *cmd, const cli_opt *const *tables, int max_pos, int argc, char **argv, int *n_pos)
{
    int npos = 0;
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (max_pos >= 0 && npos >= max_pos)
                return cli_error("unexpected argument '%s' (see tolk %s --help)", a, cmd);
            argv[1 + npos++] = a; /* never ahead of i: positionals only move left */
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        /* --name=VALUE: only long names carry a value after '='. */
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        const size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
        const cli_opt *o = find(tables, a, name_len);
        if (!o)
            return cli_error("unknown option '%.*s' (see tolk %s --help)", (int)name_len, a, cmd);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)name_len, a);
        if (o->kind == CLI_K_HELP) {
            if (eq)
                return cli_error("%s takes no value", name);
            return CLI_HELP;
        }
        const bool takes_value = o->kind != CLI_K_FLAG && !(o->kind == CLI_K_CHOICE && o->optional);
        const char *value = eq ? eq + 1 : NULL;
        if (!takes_value && eq && o->kind == CLI_K_FLAG)
            return cli_error("%s takes no value", name);
        if (takes_value && !value) {
            if (i + 1 >= argc)
                return cli_error("%s needs a value", name);
            value = argv[++i];
        }
        if (store(o, name, value))
            return CLI_ERROR; /* printed */
    }
    if (n_pos)
        *n_pos = npos;
    return CLI_OK;
}

/* ---- the shared tables ------------------------------------------------------------------------ */

const char cli_common_help[] =
    "  -m, --model FILE       GGUF model (default: the default model, see tolk --help)\n"
    "  -t, --threads N        compute threads (default: one per physical core)\n"
    "      --cpu-mask HEX     only use these CPUs (e.g. 0xF0)\n"
    "      --numa MODE        distribute | isolate | none (default none)\n"
    "  -c, --ctx-size N       context positions (default min(training context, 4096))\n"
    "      --kv-type f16|q8_0 KV cache format (default f16)\n"
    "      --temp T           temperature, 0 = greedy\n"
    "      --top-k K          keep the K most likely tokens (0 = off)\n"
    "      --top-p P          nucleus sampling mass (1 = off)\n"
    "      --min-p P          drop tokens below P x the best one's probability (0 = off)\n"
    "      --repeat-penalty R penalise recently used tokens (1 = off)\n"
    "      --repeat-last-n N  how far back the penalty looks\n"
    "      --seed S           random seed (default: from the clock)\n"
    "  -ngl, --gpu-layers N   layers for a CUDA GPU, 999 = all (a --with-cuda build; see docs/GPU.md)\n";

/* tolk_params.numa: 0 none, 1 distribute, 2 isolate. */
static const cli_choice numa_modes[] = {{"distribute", 1}, {"isolate", 2}, {"none", 0}, {NULL, 0}};
static const cli_choice kv_types[] = {{"f16", 0}, {"q8_0", 1}, {NULL, 0}};

/* -ngl N / --gpu-layers N: a layer count (999: all). A build without CUDA refuses any N > 0 with
 * the way to build with it; a CUDA build without a usable device, or with one (the forward pass
 * does not offload yet), says in one line that the CPU runs every layer and goes on. */
static int parse_gpu_layers(void *dst, const char *name, const char *value)
{
    long long n;
    if (parse_int(value, name, 0, 1000000, &n))
        return 1;
    *(int *)dst = (int)n;
    if (n == 0)
        return 0;
    if (!strcmp(tolk_gpu_backend(), "none"))
        return cli_error("tolk was built without CUDA, so %s cannot offload layers (build with "
                         "./configure --with-cuda[=DIR] and make)", name);
    if (tolk_gpu_count() == 0)
        fprintf(stderr, "tolk: no CUDA device or driver found: every layer runs on the CPU\n");
    else
        fprintf(stderr, "tolk: %s: layer offload is not in the forward pass yet: every layer runs on the CPU "
                        "(docs/GPU.md)\n", name);
    return 0;
}

void cli_common_opts(cli_opt table[CLI_COMMON_N], tolk_params *p, const char **model)
{
    const cli_opt t[CLI_COMMON_N] = {
        CLI_OPT_STR("-m", "--model", model),
        CLI_OPT_INT("-t", "--threads", &p->n_threads, 1, 1024),
        CLI_OPT_STR(NULL, "--cpu-mask", &p->cpu_mask),
        CLI_OPT_CHOICE(NULL, "--numa", &p->numa, numa_modes),
        CLI_OPT_INT("-c", "--ctx-size", &p->n_ctx, 1, 1 << 24),
        CLI_OPT_CHOICE(NULL, "--kv-type", &p->kv_q8, kv_types),
        CLI_OPT_FLOAT(NULL, "--temp", &p->temp, 0, 100),
        CLI_OPT_INT(NULL, "--top-k", &p->top_k, 0, 1 << 30),
        CLI_OPT_FLOAT(NULL, "--top-p", &p->top_p, 0, 1),
        CLI_OPT_FLOAT(NULL, "--min-p", &p->min_p, 0, 1),
        CLI_OPT_FLOAT(NULL, "--repeat-penalty", &p->repeat_penalty, 1e-3, 100),
        CLI_OPT_INT(NULL, "--repeat-last-n", &p->repeat_last_n, 0, 1 << 20),
        CLI_OPT_U64(NULL, "--seed", &p->seed, 0, INT64_MAX),
        CLI_OPT_FN("-ngl", "--gpu-layers", &p->n_gpu_layers, parse_gpu_layers),
        CLI_OPT_END,
    };
    memcpy(table, t, sizeof t);
}

const char cli_spec_help[] =
    "speculative decoding (output unchanged; greedy output identical token for token):\n"
    "      --draft FILE       draft model with the same vocabulary (implies --spec draft)\n"
    "      --spec MODE        draft | ngram (prompt lookup) | self (target with layers skipped) | none\n"
    "      --draft-max N      most tokens drafted per step, 1..32 (default 4)\n"
    "      --draft-min N      fewest drafted tokens worth a verification (default 0)\n"
    "      --draft-p-min P    stop drafting when the draft's best probability is below P (default 0)\n"
    "  -td, --threads-draft N threads for the draft model (default: -t)\n"
    "      --spec-skip LIST   self mode: layers to skip, e.g. 4,6,9-11 (default: calibrated on the prompt)\n"
    "      --draft-always     draft every step (default: pause drafting while plain steps are faster)\n";

static const cli_choice spec_modes[] = {
    {"draft", TOLK_SPEC_DRAFT}, {"ngram", TOLK_SPEC_NGRAM}, {"self", TOLK_SPEC_SELF}, {"none", TOLK_SPEC_NONE},
    {NULL, 0},
};

/* --draft FILE: the draft model, and the draft mode with it. */
static int set_draft(void *dst, const char *name, const char *value)
{
    (void)name;
    tolk_spec_params *sp = dst;
    sp->draft_path = value;
    sp->mode = TOLK_SPEC_DRAFT;
    return 0;
}

void cli_spec_opts(cli_opt table[CLI_SPEC_N], tolk_spec_params *sp)
{
    const cli_opt t[CLI_SPEC_N] = {
        CLI_OPT_FN(NULL, "--draft", sp, set_draft),
        CLI_OPT_CHOICE(NULL, "--spec", &sp->mode, spec_modes),
        CLI_OPT_INT(NULL, "--draft-max", &sp->draft_max, 1, 32),
        CLI_OPT_INT(NULL, "--draft-min", &sp->draft_min, 0, 32),
        CLI_OPT_FLOAT(NULL, "--draft-p-min", &sp->draft_p_min, 0, 1),
        CLI_OPT_INT("-td", "--threads-draft", &sp->draft_threads, 1, 1024),
        CLI_OPT_STR(NULL, "--spec-skip", &sp->self_skip),
        CLI_OPT_FLAG(NULL, "--draft-always", &sp->always_draft, 1),
        CLI_OPT_END,
    };
    memcpy(table, t, sizeof t);
}

int cli_spec_check(const tolk_spec_params *sp)
{
    if (sp->mode == TOLK_SPEC_DRAFT && !sp->draft_path)
        return cli_error("--spec draft needs --draft FILE");
    if (sp->draft_path && sp->mode != TOLK_SPEC_DRAFT)
        return cli_error("--draft FILE is only used with --spec draft");
    if (sp->self_skip && sp->mode != TOLK_SPEC_SELF)
        return cli_error("--spec-skip is only used with --spec self");
    if (sp->mode != TOLK_SPEC_NONE && sp->draft_min > (sp->draft_max ? sp->draft_max : 4))
        return cli_error("--draft-min (%d) must not exceed --draft-max (%d)", sp->draft_min,
                         sp->draft_max ? sp->draft_max : 4);
    return 0;
}

void cli_spec_report(FILE *out, const tolk_stats *spec, const tolk_stats *plain)
{
    const double rate = spec->n_drafted ? 100.0 * spec->n_accepted / spec->n_drafted : 0.0;
    const double mean = spec->n_spec_steps ? (double)spec->n_accepted / spec->n_spec_steps : 0.0;
    fprintf(out, "speculation: %d drafted, %d accepted (%.1f%%), %d verification passes, "
                 "%.2f accepted + 1 per pass\n",
            spec->n_drafted, spec->n_accepted, rate, spec->n_spec_steps, mean);
    if (plain && plain->gen_tok_s > 0 && spec->gen_tok_s > 0)
        fprintf(out, "plain decoding: %.2f tok/s, speculative: %.2f tok/s, speedup %.2fx\n", plain->gen_tok_s,
                spec->gen_tok_s, spec->gen_tok_s / plain->gen_tok_s);
}
