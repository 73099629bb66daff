/* `tolk serve`: parses the server flags (address, API key, CORS, pool size, limits) and hands over
 * to the HTTP server in serve/. Builds without libmicrohttpd still know the subcommand and say how
 * to get it. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#ifdef HAVE_MICROHTTPD
#include "serve.h"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tolk serve [-m MODEL] [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--cors ORIGIN]\n\n"
            "An HTTP server speaking the APIs CAT tools and clients already use: OpenAI (/v1/chat/completions,\n"
            "/v1/completions, /v1/models), LibreTranslate (POST /translate, /languages), Apertium APy\n"
            "(GET /translate?q=..&langpair=en|de), DeepL (/v2/translate), /health and /metrics.\n"
            "docs/SERVE.md describes each endpoint. SIGTERM finishes the requests in flight and exits.\n\n"
            "      --host ADDR        address to listen on (default 127.0.0.1); any other than a loopback\n"
            "                         address needs --api-key\n"
            "      --port N           TCP port (default 8080; 0 picks a free one, printed at start)\n"
            "      --api-key KEY      require KEY (Authorization: Bearer KEY, DeepL-Auth-Key KEY, or an\n"
            "                         api_key field)\n"
            "      --api-key-file F   read the key from the first line of F\n"
            "      --cors ORIGIN      send Access-Control-Allow-Origin: ORIGIN (default: no CORS)\n"
            "      --parallel N       requests decoded together, one forward pass per step (default 4)\n"
            "      --queue N          requests waiting for a slot before 503 (default 16)\n"
            "      --batch-fast       prompts share passes with the decoding tokens: shorter time to first\n"
            "                         token under load, but an answer may differ from the one the request\n"
            "                         gets alone by rounding (default: never)\n"
            "      --max-body N       bytes of a request body (default 1048576)\n"
            "      --max-text N       bytes of text or prompt per request (default 65536)\n"
            "      --max-tokens N     tokens generated per text or completion (default 1024)\n"
            "      --max-conns N      concurrent connections (default 64)\n"
            "      --timeout N        seconds an idle or slow connection is kept (default 30)\n"
            "      --tm DB            translation memory (read-only) for the translation endpoints: exact\n"
            "                         matches are answered without the model, the best fuzzy match is an\n"
            "                         example in the prompt and the speculative draft\n"
            "      --fuzzy N          lowest fuzzy match used, percent (default 75)\n"
            "      --glossary FILE    client terms (TSV, CSV or TBX) put into the prompt and checked, a\n"
            "                         missed one forced; with --tm or --glossary, translation requests that\n"
            "                         name their source language run one at a time on a TM-aware session\n"
            "%s(serve defaults to --temp 0: greedy)\n",
            cli_common_help);
}

#ifdef HAVE_MICROHTTPD
static int read_key_file(const char *path, char *out, size_t outsz)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cli_error("--api-key-file: cannot open %s", path);
    int ok = fgets(out, (int)outsz, f) != NULL;
    fclose(f);
    if (!ok)
        return cli_error("--api-key-file: %s is empty", path);
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}
#endif

int cli_serve_main(int argc, char **argv)
{
    const char *model = NULL, *host = "127.0.0.1", *api_key = NULL, *key_file = NULL, *cors = NULL;
    const char *tm_path = NULL, *glossary_path = NULL;
    int fuzzy = 75;
    int port = 8080, parallel = 4, queue = 16, batch_fast = 0, max_text = 1 << 16, max_tokens = 1024, max_conns = 64, timeout = 30;
    uint64_t max_body = 1 << 20;
    tolk_params p;
    tolk_params_default(&p);
    p.temp = 0.0f;
    cli_opt common_opts[CLI_COMMON_N];
    cli_common_opts(common_opts, &p, &model);
    const cli_opt own[] = {
        CLI_OPT_STR(NULL, "--host", &host),
        CLI_OPT_INT(NULL, "--port", &port, 0, 65535),
        CLI_OPT_STR(NULL, "--api-key", &api_key),
        CLI_OPT_STR(NULL, "--api-key-file", &key_file),
        CLI_OPT_STR(NULL, "--cors", &cors),
        CLI_OPT_INT(NULL, "--parallel", &parallel, 1, 64),
        CLI_OPT_INT(NULL, "--queue", &queue, 0, 4096),
        CLI_OPT_FLAG(NULL, "--batch-fast", &batch_fast, 1),
        CLI_OPT_U64(NULL, "--max-body", &max_body, 1024, 1LL << 30),
        CLI_OPT_INT(NULL, "--max-text", &max_text, 1, 1 << 26),
        CLI_OPT_INT(NULL, "--max-tokens", &max_tokens, 1, 1 << 20),
        CLI_OPT_INT(NULL, "--max-conns", &max_conns, 1, 4096),
        CLI_OPT_INT(NULL, "--timeout", &timeout, 1, 3600),
        CLI_OPT_STR(NULL, "--tm", &tm_path),
        CLI_OPT_INT(NULL, "--fuzzy", &fuzzy, 1, 100),
        CLI_OPT_STR(NULL, "--glossary", &glossary_path),
        CLI_OPT_HELP,
        CLI_OPT_END,
    };
    const cli_opt *const tables[] = {own, common_opts, NULL};
    int rc = cli_parse("serve", tables, 0, argc, argv, NULL);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if (api_key && !*api_key)
        return cli_error("--api-key: the key is empty");
    if (cors && (!*cors || strpbrk(cors, "\r\n")))
        return cli_error("--cors: give one origin such as https://example.org (or *)");
#ifdef HAVE_MICROHTTPD
    char key_buf[1024];
    if (key_file) {
        if (read_key_file(key_file, key_buf, sizeof key_buf))
            return 1;
        if (!*key_buf)
            return cli_error("--api-key-file: the first line of %s is empty", key_file);
        api_key = key_buf;
    }
    char *path = NULL;
    tolk_error err = {0};
    if (cli_model_path(model, &path, &err))
        return cli_error("%s", err.msg);
    sv_config cfg = {.model_path = path, .host = host, .port = (int)port, .api_key = api_key, .cors = cors,
                     .parallel = (int)parallel, .queue_max = (int)queue, .max_body = (size_t)max_body,
                     .max_text = (size_t)max_text, .max_tokens = (int)max_tokens, .max_conns = (int)max_conns,
                     .timeout_s = (int)timeout, .batch_fast = batch_fast, .params = p, .tm_path = tm_path,
                     .glossary_path = glossary_path, .fuzzy = fuzzy};
    rc = serve_main(&cfg);
    free(path);
    return rc;
#else
    (void)model;
    (void)host;
    (void)key_file;
    (void)tm_path;
    (void)glossary_path;
    return cli_error("built without libmicrohttpd: `tolk serve` is not available; install libmicrohttpd-dev "
                     "and re-run ./configure && make");
#endif
}
