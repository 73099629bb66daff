/* Shared option parsing for the model-running subcommands (see cli_opts.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "threads.h"

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
    "      --seed S           random seed (default: from the clock)\n";

int cli_parse_int(const char *s, const char *opt, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return cli_error("%s expects an integer in %lld..%lld, got '%s'", opt, lo, hi, s);
    *out = v;
    return 0;
}

int cli_parse_float(const char *s, const char *opt, double lo, double hi, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= lo && v <= hi))
        return cli_error("%s expects a number in %g..%g, got '%s'", opt, lo, hi, s);
    *out = (float)v;
    return 0;
}

static bool is(const char *a, const char *s, const char *l)
{
    return (s && !strcmp(a, s)) || (l && !strcmp(a, l));
}

/* When argv[*i] is one of the N options in NAMES (short, long), sets *v to its value and advances
 * *i: 1; not one of them: 0; value missing: -1 (error printed). */
static int take_value(int argc, char **argv, int *i, const char *const names[][2], size_t n, const char **v)
{
    const char *a = argv[*i];
    size_t k;
    for (k = 0; k < n && !is(a, names[k][0], names[k][1]); k++)
        ;
    if (k == n)
        return 0;
    if (*i + 1 >= argc) {
        cli_error("%s needs a value", a);
        return -1;
    }
    *v = argv[++*i];
    return 1;
}

int cli_common_option(int argc, char **argv, int *i, tolk_params *p, const char **model, bool *seed_given)
{
    static const char *const with_value[][2] = {
        {"-m", "--model"}, {"-t", "--threads"}, {NULL, "--cpu-mask"}, {NULL, "--numa"},
        {"-c", "--ctx-size"}, {NULL, "--kv-type"}, {NULL, "--temp"}, {NULL, "--top-k"}, {NULL, "--top-p"},
        {NULL, "--min-p"}, {NULL, "--repeat-penalty"}, {NULL, "--repeat-last-n"}, {NULL, "--seed"},
    };
    const char *a = argv[*i], *v;
    int found = take_value(argc, argv, i, with_value, sizeof with_value / sizeof with_value[0], &v);
    if (found <= 0)
        return found;
    long long x = 0;
    int bad = 0;
    if (is(a, "-m", "--model"))
        *model = v;
    else if (is(a, "-t", "--threads"))
        bad = cli_parse_int(v, a, 1, 1024, &x), p->n_threads = (int)x;
    else if (is(a, NULL, "--cpu-mask"))
        p->cpu_mask = v;
    else if (is(a, NULL, "--numa")) {
        if ((p->numa = threads_numa_parse(v)) < 0)
            bad = cli_error("--numa must be distribute, isolate or none, got '%s'", v);
    } else if (is(a, "-c", "--ctx-size"))
        bad = cli_parse_int(v, a, 1, 1 << 24, &x), p->n_ctx = (int)x;
    else if (is(a, NULL, "--kv-type")) {
        if (!strcmp(v, "f16"))
            p->kv_q8 = 0;
        else if (!strcmp(v, "q8_0"))
            p->kv_q8 = 1;
        else
            bad = cli_error("--kv-type must be f16 or q8_0, got '%s'", v);
    } else if (is(a, NULL, "--temp"))
        bad = cli_parse_float(v, a, 0, 100, &p->temp);
    else if (is(a, NULL, "--top-k"))
        bad = cli_parse_int(v, a, 0, 1 << 30, &x), p->top_k = (int)x;
    else if (is(a, NULL, "--top-p"))
        bad = cli_parse_float(v, a, 0, 1, &p->top_p);
    else if (is(a, NULL, "--min-p"))
        bad = cli_parse_float(v, a, 0, 1, &p->min_p);
    else if (is(a, NULL, "--repeat-penalty"))
        bad = cli_parse_float(v, a, 1e-3, 100, &p->repeat_penalty);
    else if (is(a, NULL, "--repeat-last-n"))
        bad = cli_parse_int(v, a, 0, 1 << 20, &x), p->repeat_last_n = (int)x;
    else if (is(a, NULL, "--seed")) {
        bad = cli_parse_int(v, a, 0, INT64_MAX, &x);
        p->seed = (uint64_t)x;
        if (seed_given)
            *seed_given = true;
    }
    return bad ? -1 : 1;
}

const char cli_spec_help[] =
    "speculative decoding (output unchanged; greedy output identical token for token):\n"
    "      --draft FILE       draft model with the same vocabulary (implies --spec draft)\n"
    "      --spec MODE        draft | ngram (prompt lookup) | self (target with layers skipped) | none\n"
    "      --draft-max N      most tokens drafted per step, 1..32 (default 4)\n"
    "      --draft-min N      fewest drafted tokens worth a verification (default 0)\n"
    "      --draft-p-min P    stop drafting when the draft's best probability is below P (default 0)\n"
    "  -td, --threads-draft N threads for the draft model (default: -t)\n"
    "      --spec-skip LIST   self mode: layers to skip, e.g. 4,6,9-11 (default: calibrated on the prompt)\n";

int cli_spec_option(int argc, char **argv, int *i, tolk_spec_params *sp)
{
    static const char *const with_value[][2] = {
        {NULL, "--draft"}, {NULL, "--spec"}, {NULL, "--draft-max"}, {NULL, "--draft-min"},
        {NULL, "--draft-p-min"}, {"-td", "--threads-draft"}, {NULL, "--spec-skip"},
    };
    const char *a = argv[*i], *v;
    int found = take_value(argc, argv, i, with_value, sizeof with_value / sizeof with_value[0], &v);
    if (found <= 0)
        return found;
    long long x = 0;
    int bad = 0;
    if (is(a, NULL, "--draft")) {
        sp->draft_path = v;
        sp->mode = TOLK_SPEC_DRAFT;
    } else if (is(a, NULL, "--spec")) {
        if (!strcmp(v, "draft"))
            sp->mode = TOLK_SPEC_DRAFT;
        else if (!strcmp(v, "ngram"))
            sp->mode = TOLK_SPEC_NGRAM;
        else if (!strcmp(v, "self"))
            sp->mode = TOLK_SPEC_SELF;
        else if (!strcmp(v, "none"))
            sp->mode = TOLK_SPEC_NONE;
        else
            bad = cli_error("--spec must be draft, ngram, self or none, got '%s'", v);
    } else if (is(a, NULL, "--draft-max"))
        bad = cli_parse_int(v, a, 1, 32, &x), sp->draft_max = (int)x;
    else if (is(a, NULL, "--draft-min"))
        bad = cli_parse_int(v, a, 0, 32, &x), sp->draft_min = (int)x;
    else if (is(a, NULL, "--draft-p-min"))
        bad = cli_parse_float(v, a, 0, 1, &sp->draft_p_min);
    else if (is(a, "-td", "--threads-draft"))
        bad = cli_parse_int(v, a, 1, 1024, &x), sp->draft_threads = (int)x;
    else if (is(a, NULL, "--spec-skip"))
        sp->self_skip = v;
    return bad ? -1 : 1;
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
