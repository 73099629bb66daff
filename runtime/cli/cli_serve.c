/* `tolk serve`: parses the server flags (address, API key, CORS, pool size, limits) and hands over
 * to the HTTP server in serve/. Builds without libmicrohttpd still know the subcommand and say how
 * to get it. */
#include <config.h>

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
            "      --parallel N       sessions, i.e. requests decoded at once (default 2)\n"
            "      --queue N          requests waiting for a session before 503 (default 16)\n"
            "      --max-body N       bytes of a request body (default 1048576)\n"
            "      --max-text N       bytes of text or prompt per request (default 65536)\n"
            "      --max-tokens N     tokens generated per text or completion (default 1024)\n"
            "      --max-conns N      concurrent connections (default 64)\n"
            "      --timeout N        seconds an idle or slow connection is kept (default 30)\n"
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
    long long port = 8080, parallel = 2, queue = 16, max_body = 1 << 20, max_text = 1 << 16, max_tokens = 1024,
              max_conns = 64, timeout = 30;
    tolk_params p;
    tolk_params_default(&p);
    p.temp = 0.0f;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = cli_common_option(argc, argv, &i, &p, &model, NULL);
        if (c < 0)
            return 1;
        if (c > 0)
            continue;
        struct {
            const char *name;
            long long lo, hi, *out;
        } nums[] = {{"--port", 0, 65535, &port},          {"--parallel", 1, 64, &parallel},
                    {"--queue", 0, 4096, &queue},          {"--max-body", 1024, 1LL << 30, &max_body},
                    {"--max-text", 1, 1LL << 26, &max_text}, {"--max-tokens", 1, 1 << 20, &max_tokens},
                    {"--max-conns", 1, 4096, &max_conns},  {"--timeout", 1, 3600, &timeout}};
        int done = 0;
        for (size_t k = 0; k < sizeof nums / sizeof nums[0] && !done; k++)
            if (i + 1 < argc && !strcmp(a, nums[k].name)) {
                if (cli_parse_int(argv[++i], a, nums[k].lo, nums[k].hi, nums[k].out))
                    return 1;
                done = 1;
            }
        if (done)
            continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (i + 1 < argc && !strcmp(a, "--host")) {
            host = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--api-key")) {
            api_key = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--api-key-file")) {
            key_file = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--cors")) {
            cors = argv[++i];
        } else {
            return cli_error("unknown option or missing value: %s (see tolk serve --help)", a);
        }
    }
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
    char path[4096];
    tolk_error err = {0};
    if (cli_model_path(model, path, sizeof path, &err))
        return cli_error("%s", err.msg);
    sv_config cfg = {.model_path = path, .host = host, .port = (int)port, .api_key = api_key, .cors = cors,
                     .parallel = (int)parallel, .queue_max = (int)queue, .max_body = (size_t)max_body,
                     .max_text = (size_t)max_text, .max_tokens = (int)max_tokens, .max_conns = (int)max_conns,
                     .timeout_s = (int)timeout, .params = p};
    return serve_main(&cfg);
#else
    (void)model;
    (void)host;
    (void)key_file;
    return cli_error("built without libmicrohttpd: `tolk serve` is not available; install libmicrohttpd-dev "
                     "and re-run ./configure && make");
#endif
}
