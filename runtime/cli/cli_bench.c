/* `tolk bench`: prompt and generation speed of a model on this machine, llama-bench style
 * (pp = one batch of -p random tokens, tg = -n tokens one at a time), with time to first token,
 * peak RSS and achieved GB/s beside the machine's measured read bandwidth. --json for scripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "cli_opts.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: tolk bench [-m MODEL] [-p 512] [-n 128] [-d 0] [-t T] [-r REPS] [--json]\n\n"
                 "  -p, --n-prompt N       prompt tokens for pp (default 512; 0 = skip)\n"
                 "  -n, --n-gen N          generated tokens for tg (default 128; 0 = skip)\n"
                 "  -d, --n-depth N        tokens already in the context before each pp and tg run\n"
                 "                         (default 0; like llama-bench -d)\n"
                 "  -r, --repetitions N    runs of each test (default 3)\n"
                 "      --json             one JSON object on stdout\n"
                 "With a speculation mode (below), bench instead decodes -n tokens after a prompt of -p\n"
                 "random tokens with and without speculation, alternating, and reports both speeds, the\n"
                 "speedup, the acceptance rate and the mean accepted length.\n%s%s",
            cli_common_help, cli_spec_help);
}

static int bench_spec(tolk_model *m, const tolk_params *p, const tolk_spec_params *sp, int n_prompt, int n_gen,
                      int reps, int json)
{
    static const char *const mode[] = {"none", "draft", "ngram", "self"};
    tolk_error err = {0};
    tolk_bench_spec_result r;
    if (tolk_bench_spec(m, p, sp, n_prompt, n_gen, reps, &r, &err))
        return cli_error("%s", err.msg);
    const int k = sp->draft_max ? sp->draft_max : 4;
    if (json) {
        printf("{\"model\": ");
        cli_json_str(stdout, tolk_model_desc(m), strlen(tolk_model_desc(m)));
        printf(", \"spec\": \"%s\", \"draft_max\": %d, \"n_prompt\": %d, \"n_gen\": %d, \"reps\": %d, "
               "\"plain_tok_s\": %.3f, \"spec_tok_s\": %.3f, \"speedup\": %.4f, \"n_drafted\": %d, "
               "\"n_accepted\": %d, \"n_steps\": %d, \"accept_rate\": %.4f, \"mean_accepted\": %.4f, "
               "\"identical\": %d}\n",
               mode[sp->mode], k, r.n_prompt, r.n_gen, r.reps, r.plain_tok_s, r.spec_tok_s, r.speedup,
               r.n_drafted, r.n_accepted, r.n_steps, r.accept_rate, r.mean_accepted, r.identical);
    } else {
        printf("| model | spec | k | plain t/s | spec t/s | speedup | accepted | mean accepted |\n"
               "|---|---|---|---|---|---|---|---|\n");
        printf("| %s | %s | %d | %.2f | %.2f | %.2fx | %.1f%% | %.2f |\n", tolk_model_desc(m), mode[sp->mode], k,
               r.plain_tok_s, r.spec_tok_s, r.speedup, 100.0 * r.accept_rate, r.mean_accepted);
        if (r.identical >= 0)
            printf("greedy output identical to plain decoding: %s\n", r.identical ? "yes" : "NO");
    }
    return 0;
}

int cli_bench_main(int argc, char **argv)
{
    tolk_params p;
    tolk_params_default(&p);
    p.seed = 1234;
    const char *model = NULL;
    int n_prompt = 512, n_gen = 128, n_depth = 0, reps = 3, json = 0;
    tolk_spec_params sp;
    tolk_spec_params_default(&sp);
    cli_opt common_opts[CLI_COMMON_N], spec_opts[CLI_SPEC_N];
    cli_common_opts(common_opts, &p, &model);
    cli_spec_opts(spec_opts, &sp);
    const cli_opt own[] = {
        CLI_OPT_INT("-p", "--n-prompt", &n_prompt, 0, 1 << 20), CLI_OPT_INT("-n", "--n-gen", &n_gen, 0, 1 << 20),
        CLI_OPT_INT("-d", "--n-depth", &n_depth, 0, 1 << 20),
        CLI_OPT_INT("-r", "--repetitions", &reps, 1, 1000), CLI_OPT_FLAG(NULL, "--json", &json, 1),
        CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {own, common_opts, spec_opts, NULL};
    int rc = cli_parse("bench", tables, 0, argc, argv, NULL);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if (cli_spec_check(&sp))
        return 1;
    char *path = NULL;
    tolk_error err = {0};
    tolk_model *m = NULL;
    if (cli_model_path(model, &path, &err) || tolk_model_load(path, &m, &err)) {
        free(path);
        return cli_error("%s", err.msg);
    }
    free(path);
    if (sp.mode != TOLK_SPEC_NONE) {
        rc = bench_spec(m, &p, &sp, n_prompt, n_gen, reps, json);
        tolk_model_free(m);
        return rc;
    }
    tolk_bench_result r;
    if (tolk_bench_depth(m, &p, n_prompt, n_gen, n_depth, reps, &r, &err)) {
        tolk_model_free(m);
        return cli_error("%s", err.msg);
    }
    double share = r.read_bw_gb_s > 0 ? 100.0 * r.gb_s / r.read_bw_gb_s : 0.0;
    if (json) {
        printf("{\"model\": ");
        cli_json_str(stdout, tolk_model_desc(m), strlen(tolk_model_desc(m)));
        printf(", \"arch\": \"%s\", \"size_bytes\": %llu, \"n_params\": %lld, "
               "\"threads\": %d, \"n_prompt\": %d, \"n_gen\": %d, \"n_depth\": %d, \"reps\": %d, "
               "\"pp_tok_s\": %.3f, \"pp_tok_s_sd\": %.3f, \"tg_tok_s\": %.3f, \"tg_tok_s_sd\": %.3f, "
               "\"ttft_ms\": %.3f, \"ttft_ms_sd\": %.3f, \"peak_rss_mib\": %.1f, \"bytes_per_token\": %.0f, "
               "\"gb_s\": %.3f, \"read_bw_gb_s\": %.3f, \"bw_share\": %.4f}\n",
               tolk_model_arch(m), (unsigned long long)tolk_model_size(m),
               (long long)tolk_model_n_params(m), r.n_threads, r.n_prompt, r.n_gen, r.n_depth, r.reps, r.pp_tok_s,
               r.pp_tok_s_sd, r.tg_tok_s, r.tg_tok_s_sd, r.ttft_ms, r.ttft_ms_sd, r.peak_rss_mib,
               r.bytes_per_token, r.gb_s, r.read_bw_gb_s, share / 100.0);
    } else {
        char depth[32] = ""; /* " @ d2048", as llama-bench labels a test at depth */
        if (r.n_depth)
            snprintf(depth, sizeof depth, " @ d%d", r.n_depth);
        printf("| model | size | threads | test | t/s |\n|---|---|---|---|---|\n");
        if (r.n_prompt)
            printf("| %s | %.1f MiB | %d | pp%d%s | %.2f ± %.2f |\n", tolk_model_desc(m),
                   tolk_model_size(m) / 1048576.0, r.n_threads, r.n_prompt, depth, r.pp_tok_s, r.pp_tok_s_sd);
        if (r.n_gen)
            printf("| %s | %.1f MiB | %d | tg%d%s | %.2f ± %.2f |\n", tolk_model_desc(m),
                   tolk_model_size(m) / 1048576.0, r.n_threads, r.n_gen, depth, r.tg_tok_s, r.tg_tok_s_sd);
        if (r.n_prompt)
            printf("\ntime to first token (pp%d): %.1f ± %.1f ms\n", r.n_prompt, r.ttft_ms, r.ttft_ms_sd);
        printf("peak RSS: %.1f MiB\n", r.peak_rss_mib);
        if (r.n_gen)
            printf("decode reads %.1f MiB/token: %.2f GB/s = %.0f%% of the measured %.2f GB/s read bandwidth\n",
                   r.bytes_per_token / 1048576.0, r.gb_s, share, r.read_bw_gb_s);
    }
    tolk_model_free(m);
    return 0;
}
