/* `tolk perplexity`: the llama-perplexity measurement. The file is tokenized with BOS, cut into
 * chunks of -c tokens; each chunk starts from an empty cache with its first token replaced by BOS,
 * and only the second half of each chunk is scored (every scored token then sees at least c/2
 * tokens of context), so the number is comparable with llama.cpp's on the same text. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_opts.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: tolk perplexity [-m MODEL] -f FILE [-c 512] [-b N] [-t N] [--chunks N]\n\n"
                 "Perplexity of the model over FILE, computed like llama-perplexity.\n\n"
                 "  -m, --model FILE   GGUF model (default: the default model)\n"
                 "  -f, --file FILE    text to score\n"
                 "  -c, --ctx-size N   tokens per chunk (default 512)\n"
                 "  -b, --batch N      tokens per forward chunk (default 512, at most -c)\n"
                 "  -t, --threads N    threads (default: all cores)\n"
                 "      --chunks N     score at most N chunks (default: all)\n");
}

static int read_file(const char *path, char **out, size_t *len, tolk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_fail(err, TOLK_E_IO, "%s: %s", path, strerror(errno));
    int rc = cli_read_all(f, path, out, len, err);
    fclose(f);
    return rc;
}

/* -log p(tok) under softmax(logits), with the normaliser in double as llama-perplexity does. */
static double nll_of(const float *logits, int64_t n_vocab, int32_t tok)
{
    float max = logits[0];
    for (int64_t i = 1; i < n_vocab; i++)
        if (logits[i] > max)
            max = logits[i];
    double sum = 0.0;
    for (int64_t i = 0; i < n_vocab; i++)
        sum += (double)expf(logits[i] - max);
    return log(sum) - (double)(logits[tok] - max);
}

int cli_perplexity_main(int argc, char **argv)
{
    const char *model = NULL, *file = NULL;
    int n_ctx = 512, n_batch = 512, n_threads = 0, max_chunks = -1;
    const cli_opt opts[] = {
        CLI_OPT_STR("-m", "--model", &model), CLI_OPT_STR("-f", "--file", &file),
        CLI_OPT_INT("-c", "--ctx-size", &n_ctx, 4, 1 << 24), CLI_OPT_INT("-b", "--batch", &n_batch, 1, 1 << 24),
        CLI_OPT_INT("-t", "--threads", &n_threads, 1, 1 << 24), CLI_OPT_INT(NULL, "--chunks", &max_chunks, 1, 1 << 24),
        CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {opts, NULL};
    int rc = cli_parse("perplexity", tables, 0, argc, argv, NULL);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if (!file)
        return cli_error("no text: pass -f FILE (see tolk perplexity --help)");

    tolk_error err = {0};
    char *path = NULL, *text = NULL;
    tolk_model *m = NULL;
    tolk_context *ctx = NULL;
    int32_t *toks = NULL, *chunk = NULL;
    size_t n_toks = 0, text_len = 0;
    if ((rc = cli_model_path(model, &path, &err)) || (rc = tolk_model_load(path, &m, &err)) ||
        (rc = read_file(file, &text, &text_len, &err)))
        goto done;
    const int add_bos = tolk_vocab_wants_bos(m) && tolk_token_bos(m) >= 0;
    if ((rc = tolk_tokenize(m, text, text_len, add_bos ? TOLK_TOKENIZE_ADD_BOS : 0, &toks, &n_toks, &err)))
        goto done;
    if ((long)n_toks < 2L * n_ctx) {
        rc = cli_fail(&err, TOLK_E_ARG, "%s has %zu tokens; at least %ld are needed for a context of %d", file,
                      n_toks, 2L * n_ctx, n_ctx);
        goto done;
    }
    long n_chunks = (long)n_toks / n_ctx;
    if (max_chunks > 0 && max_chunks < n_chunks)
        n_chunks = max_chunks;
    const int first = n_ctx / 2;
    const tolk_context_params cp = {.n_ctx = n_ctx, .n_batch = n_batch < n_ctx ? n_batch : n_ctx,
                                    .n_logits = n_ctx - first, .n_threads = n_threads};
    if ((rc = tolk_context_new(m, &cp, &ctx, &err)))
        goto done;
    if (!(chunk = malloc(sizeof *chunk * (size_t)n_ctx))) {
        rc = cli_fail(&err, TOLK_E_NOMEM, "out of memory");
        goto done;
    }
    const int n_vocab = tolk_context_n_vocab(ctx);
    fprintf(stderr, "perplexity: %zu tokens, %ld chunks of %d, scoring the last %d of each\n", n_toks, n_chunks,
            n_ctx, n_ctx - first - 1);
    double nll = 0.0, nll2 = 0.0;
    long count = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long ci = 0; ci < n_chunks; ci++) {
        memcpy(chunk, toks + ci * n_ctx, sizeof *chunk * (size_t)n_ctx);
        if (add_bos)
            chunk[0] = tolk_token_bos(m);
        if ((rc = tolk_context_rollback(ctx, 0, &err)) || (rc = tolk_decode(ctx, chunk, n_ctx, first, &err)))
            goto done;
        for (int j = first; j < n_ctx - 1; j++) {
            const double v = nll_of(tolk_get_logits(ctx, j - first), n_vocab, chunk[j + 1]);
            nll += v;
            nll2 += v * v;
            count++;
        }
        printf("[%ld]%.4f,", ci + 1, exp(nll / (double)count));
        fflush(stdout);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double mean = nll / (double)count, var = nll2 / (double)count - mean * mean;
    const double ppl = exp(mean);
    const double ppl_err = count > 1 && var > 0 ? ppl * sqrt(var / (double)(count - 1)) : 0.0;
    printf("\nFinal estimate: PPL = %.4f +/- %.5f\n", ppl, ppl_err);
    const double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    fprintf(stderr, "perplexity: %.2f s (%.1f tokens/s)\n", secs, (double)(n_chunks * n_ctx) / secs);
done:
    if (rc)
        cli_error("%s", err.msg);
    free(chunk);
    free(toks);
    free(text);
    free(path);
    tolk_context_free(ctx);
    tolk_model_free(m);
    return rc ? 1 : 0;
}
