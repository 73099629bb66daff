/* `tolk run`: raw text completion through the public API. The prompt is tokenized with the model's
 * BOS rule and special-token texts honoured (like llama.cpp's completion tools), prefilled in one
 * batched pass, and the continuation is streamed to stdout until -n tokens, an end-of-generation
 * token or a full context. */
#include <config.h>

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
                 "      --verbose          prompt tok/s, generation tok/s and time to first token on stderr\n"
                 "%s", cli_common_help);
}

static int emit_stdout(const char *text, size_t len, void *user)
{
    (void)user;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return 0;
}

int cli_run_main(int argc, char **argv)
{
    tolk_params p;
    tolk_params_default(&p);
    const char *model = NULL, *prompt = NULL;
    long long n_predict = 128;
    bool seed_given = false, verbose = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_common_option(argc, argv, &i, &p, &model, &seed_given);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--verbose")) {
            verbose = true;
        } else if ((!strcmp(a, "-p") || !strcmp(a, "--prompt")) && i + 1 < argc) {
            prompt = argv[++i];
        } else if ((!strcmp(a, "-n") || !strcmp(a, "--n-predict")) && i + 1 < argc) {
            if (cli_parse_int(argv[++i], a, -1, 1 << 30, &n_predict))
                return 1;
        } else {
            return cli_error("unknown option or missing value: %s (see tolk run --help)", a);
        }
    }
    if (!prompt)
        return cli_error("no prompt: pass -p TEXT (see tolk run --help)");

    tolk_error err = {0};
    char path[4096];
    tolk_model *m = NULL;
    tolk_session *s = NULL;
    tolk_stats st = {0};
    int rc;
    if (!(rc = cli_model_path(model, path, sizeof path, &err)) && !(rc = tolk_model_load(path, &m, &err)) &&
        !(rc = tolk_session_new(m, &p, &s, &err)))
        rc = tolk_complete(s, prompt, strlen(prompt), (int)n_predict, emit_stdout, NULL, &st, &err);
    if (m && s)
        fputc('\n', stdout), fflush(stdout);
    if (verbose && st.n_prompt > 0) {
        fprintf(stderr, "prompt: %d tokens, %.1f ms, %.2f tok/s\n", st.n_prompt, st.prompt_ms, st.prompt_tok_s);
        fprintf(stderr, "generation: %d tokens, %.1f ms, %.2f tok/s\n", st.n_gen, st.gen_ms, st.gen_tok_s);
        fprintf(stderr, "time to first token: %.1f ms\n", st.ttft_ms);
    }
    tolk_session_free(s);
    tolk_model_free(m);
    if (rc)
        return cli_error("%s", err.msg);
    return 0;
}
