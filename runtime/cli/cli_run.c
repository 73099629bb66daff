/* `tolk run`: raw text completion through the public API. The prompt is tokenized with the model's
 * BOS rule and special-token texts honoured (like llama.cpp's completion tools), prefilled in one
 * batched pass, and the continuation is streamed to stdout until -n tokens, an end-of-generation
 * token or a full context. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: tolk run [-m MODEL] -p TEXT [options]\n\n"
                 "Continues TEXT with the model and streams the continuation to stdout.\n\n"
                 "  -p, --prompt TEXT      text to continue\n"
                 "  -n, --n-predict N      tokens to generate (default 128; -1: until the context is full)\n"
                 "      --verbose          prompt tok/s, generation tok/s and time to first token on stderr;\n"
                 "                         with speculation also acceptance and the speedup over a plain\n"
                 "                         decoding run of the same prompt (run afterwards)\n"
                 "%s%s", cli_common_help, cli_spec_help);
}

int cli_run_main(int argc, char **argv)
{
    tolk_params p;
    tolk_params_default(&p);
    const char *model = NULL, *prompt = NULL;
    int n_predict = 128, verbose = 0;
    tolk_spec_params sp;
    tolk_spec_params_default(&sp);
    cli_opt common_opts[CLI_COMMON_N], spec_opts[CLI_SPEC_N];
    cli_common_opts(common_opts, &p, &model);
    cli_spec_opts(spec_opts, &sp);
    const cli_opt own[] = {
        CLI_OPT_STR("-p", "--prompt", &prompt), CLI_OPT_INT("-n", "--n-predict", &n_predict, -1, 1 << 30),
        CLI_OPT_FLAG(NULL, "--verbose", &verbose, 1), CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {own, common_opts, spec_opts, NULL};
    int rc = cli_parse("run", tables, 0, argc, argv, NULL);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if (!prompt)
        return cli_error("no prompt: pass -p TEXT (see tolk run --help)");
    if (cli_spec_check(&sp))
        return 1;

    tolk_error err = {0};
    char *path = NULL;
    tolk_model *m = NULL;
    tolk_session *s = NULL;
    tolk_stats st = {0}, plain = {0};
    cli_text out = {.to_stdout = 1}, again = {0};
    if (!(rc = cli_model_path(model, &path, &err)) && !(rc = tolk_model_load(path, &m, &err)) &&
        !(rc = tolk_session_new(m, &p, &s, &err)) && !(rc = tolk_session_set_spec(s, &sp, &err)))
        rc = tolk_complete(s, prompt, strlen(prompt), n_predict, cli_text_add, &out, &st, &err);
    if (m && s)
        fputc('\n', stdout), fflush(stdout);
    const bool spec = sp.mode != TOLK_SPEC_NONE;
    if (!rc && verbose && spec) {
        /* The same request without speculation, for the speedup measured in this run. */
        tolk_spec_params none;
        tolk_spec_params_default(&none);
        if (!(rc = tolk_session_set_spec(s, &none, &err)))
            rc = tolk_complete(s, prompt, strlen(prompt), n_predict, cli_text_add, &again, &plain, &err);
    }
    if (verbose && st.n_prompt > 0) {
        fprintf(stderr, "prompt: %d tokens, %.1f ms, %.2f tok/s\n", st.n_prompt, st.prompt_ms, st.prompt_tok_s);
        fprintf(stderr, "generation: %d tokens, %.1f ms, %.2f tok/s\n", st.n_gen, st.gen_ms, st.gen_tok_s);
        fprintf(stderr, "time to first token: %.1f ms\n", st.ttft_ms);
        if (spec) {
            cli_spec_report(stderr, &st, plain.n_prompt ? &plain : NULL);
            if (plain.n_prompt && p.temp <= 0.0f)
                fprintf(stderr, "greedy output identical to plain decoding: %s\n",
                        out.n == again.n && (!out.n || !memcmp(out.p, again.p, out.n)) ? "yes" : "NO");
        }
    }
    free(out.p);
    free(again.p);
    free(path);
    tolk_session_free(s);
    tolk_model_free(m);
    if (rc)
        return cli_error("%s", err.msg);
    return 0;
}
