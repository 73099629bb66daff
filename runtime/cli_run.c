/* `tolk run`: raw text completion. Tokenizes the prompt (BOS as the vocabulary asks, special-token
 * texts matched like llama.cpp's completion tools), prefills it in one batched call, then samples
 * and streams tokens until -n, an end-of-generation token or a full context. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "error.h"
#include "forward.h"
#include "model.h"
#include "sampler.h"
#include "simd.h"
#include "tokenizer.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tolk run [-m MODEL] -p TEXT [options]\n\n"
            "Continues TEXT with the model and streams the continuation to stdout.\n\n"
            "  -m, --model FILE       GGUF model (default: the default model)\n"
            "  -p, --prompt TEXT      text to continue\n"
            "  -n, --n-predict N      tokens to generate (default 128; -1: until the context is full)\n"
            "  -c, --ctx-size N       context positions (default min(training context, 4096))\n"
            "  -t, --threads N        threads (default: all cores)\n"
            "      --temp T           temperature, 0 = greedy (default 0.8)\n"
            "      --top-k K          (default 40; 0 = off)\n"
            "      --top-p P          (default 0.95; 1 = off)\n"
            "      --min-p P          (default 0.05; 0 = off)\n"
            "      --repeat-penalty R (default 1.0 = off)\n"
            "      --repeat-last-n N  tokens the penalty looks back over (default 64)\n"
            "      --seed S           random seed (default: from the clock)\n"
            "      --kv-type f16|q8_0 KV cache format (default f16)\n"
            "      --verbose          prompt and generation speed on stderr\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_long(const char *s, const char *opt, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return cli_error("%s expects an integer in %lld..%lld, got '%s'", opt, lo, hi, s);
    *out = v;
    return 0;
}

static int parse_float(const char *s, const char *opt, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (errno || *end || end == s || v != v)
        return cli_error("%s expects a number, got '%s'", opt, s);
    *out = v;
    return 0;
}

typedef struct run_opts {
    const char *model, *prompt;
    long long n_predict, n_ctx, n_threads;
    sampler_params sp;
    bool seed_given, verbose;
    int kv_type;
} run_opts;

static int parse_args(int argc, char **argv, run_opts *o)
{
    sampler_default_params(&o->sp);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        }
        if (!strcmp(a, "--verbose")) {
            o->verbose = true;
            continue;
        }
        if (i + 1 >= argc)
            return cli_error("unknown option or missing value: %s (see tolk run --help)", a);
        const char *v = argv[++i];
        long long n = 0;
        int rc = 0;
        if (!strcmp(a, "-m") || !strcmp(a, "--model"))
            o->model = v;
        else if (!strcmp(a, "-p") || !strcmp(a, "--prompt"))
            o->prompt = v;
        else if (!strcmp(a, "-n") || !strcmp(a, "--n-predict"))
            rc = parse_long(v, a, -1, 1 << 30, &o->n_predict);
        else if (!strcmp(a, "-c") || !strcmp(a, "--ctx-size"))
            rc = parse_long(v, a, 1, 1 << 24, &o->n_ctx);
        else if (!strcmp(a, "-t") || !strcmp(a, "--threads"))
            rc = parse_long(v, a, 1, 1024, &o->n_threads);
        else if (!strcmp(a, "--temp"))
            rc = parse_float(v, a, &o->sp.temp);
        else if (!strcmp(a, "--top-k")) {
            rc = parse_long(v, a, 0, 1 << 30, &n);
            o->sp.top_k = (int32_t)n;
        } else if (!strcmp(a, "--top-p"))
            rc = parse_float(v, a, &o->sp.top_p);
        else if (!strcmp(a, "--min-p"))
            rc = parse_float(v, a, &o->sp.min_p);
        else if (!strcmp(a, "--repeat-penalty"))
            rc = parse_float(v, a, &o->sp.repeat_penalty);
        else if (!strcmp(a, "--repeat-last-n")) {
            rc = parse_long(v, a, 0, 1 << 20, &n);
            o->sp.repeat_last_n = (int32_t)n;
        } else if (!strcmp(a, "--seed")) {
            rc = parse_long(v, a, 0, INT64_MAX, &n);
            o->sp.seed = (uint64_t)n;
            o->seed_given = true;
        } else if (!strcmp(a, "--kv-type")) {
            if ((o->kv_type = kv_type_from_name(v)) < 0)
                rc = cli_error("--kv-type must be f16 or q8_0, got '%s'", v);
        } else
            rc = cli_error("unknown option %s (see tolk run --help)", a);
        if (rc)
            return rc;
    }
    if (!o->prompt)
        return cli_error("no prompt: pass -p TEXT (see tolk run --help)");
    if (o->sp.repeat_penalty <= 0.0f)
        return cli_error("--repeat-penalty must be positive");
    return 0;
}

static int generate(const run_opts *o, const tolk_model *m, const tok_vocab *voc, fwd_ctx *fc,
                    sampler *smp, const tok_ids *prompt, tolk_error *err)
{
    tok_stream ts;
    int rc = tok_stream_init(&ts, voc, 0, err);
    if (rc)
        return rc;
    (void)m;
    const double t0 = now_s();
    rc = fwd_eval(fc, prompt->ids, (int64_t)prompt->n, (int64_t)prompt->n - 1, err);
    const double t1 = now_s();
    double t_first = 0.0;
    long long n_gen = 0;
    for (size_t i = 0; i < prompt->n; i++)
        sampler_accept(smp, prompt->ids[i]);
    while (!rc && (o->n_predict < 0 || n_gen < o->n_predict)) {
        int32_t tok = sampler_sample(smp, fwd_logits(fc, 0));
        if (n_gen == 0)
            t_first = now_s();
        n_gen++;
        if (tok_is_eog(voc, tok))
            break;
        sampler_accept(smp, tok);
        const char *text;
        size_t len;
        tok_stream_feed(&ts, tok, &text, &len);
        fwrite(text, 1, len, stdout);
        fflush(stdout);
        if (o->n_predict >= 0 && n_gen >= o->n_predict)
            break;
        if (fwd_pos(fc) >= fwd_n_ctx(fc)) {
            rc = tolk_fail(err, TOLK_E_STATE, "context full after %lld positions; raise -c",
                           (long long)fwd_n_ctx(fc));
            break;
        }
        rc = fwd_eval(fc, &tok, 1, 0, err);
    }
    const char *text;
    size_t len;
    tok_stream_flush(&ts, &text, &len);
    fwrite(text, 1, len, stdout);
    fputc('\n', stdout);
    tok_stream_free(&ts);
    const double t2 = now_s();
    if (o->verbose && prompt->n > 0) {
        fprintf(stderr, "prompt: %zu tokens in %.3f s (%.2f tok/s)\n", prompt->n, t1 - t0,
                (double)prompt->n / (t1 - t0));
        if (n_gen > 1)
            fprintf(stderr, "generation: %lld tokens in %.3f s (%.2f tok/s)\n", n_gen - 1,
                    t2 - t_first, (double)(n_gen - 1) / (t2 - t_first));
        if (n_gen > 0)
            fprintf(stderr, "time to first token: %.3f s\n", t_first - t0);
        fprintf(stderr, "kernels: %s\n", simd_isa_name());
    }
    return rc;
}

int cli_run_main(int argc, char **argv)
{
    run_opts o = {.n_predict = 128, .kv_type = TOLK_TYPE_F16};
    if (parse_args(argc, argv, &o))
        return 1;
    if (!o.seed_given)
        o.sp.seed = (uint64_t)time(NULL);
    tolk_error err = {0};
    char path[4096];
    tolk_model *m = NULL;
    tok_vocab *voc = NULL;
    fwd_ctx *fc = NULL;
    sampler *smp = NULL;
    tok_ids prompt = {0};
    int rc;
    if ((rc = cli_model_path(o.model, path, sizeof path, &err)) || (rc = model_open(path, &m, &err)) ||
        (rc = tok_vocab_load(m->file, &voc, &err)))
        goto done;
    unsigned flags = TOK_PARSE_SPECIAL | (tok_wants_bos(voc) ? TOK_ADD_BOS : 0);
    if ((rc = tok_encode(voc, o.prompt, strlen(o.prompt), flags, &prompt, &err)))
        goto done;
    if (prompt.n == 0) {
        rc = tolk_fail(&err, TOLK_E_ARG, "the prompt is empty and the model adds no BOS token");
        goto done;
    }
    fwd_params fp = {.n_ctx = o.n_ctx, .n_logits = 1, .kv_type = (uint32_t)o.kv_type,
                     .n_threads = (int)o.n_threads};
    if ((rc = fwd_create(m, &fp, &fc, &err)) || (rc = sampler_create(&o.sp, m->hp.n_vocab, &smp, &err)))
        goto done;
    rc = generate(&o, m, voc, fc, smp, &prompt, &err);
done:
    if (rc)
        cli_error("%s", err.msg);
    tok_ids_free(&prompt);
    sampler_free(smp);
    fwd_free(fc);
    tok_vocab_free(voc);
    model_close(m);
    return rc ? 1 : 0;
}
