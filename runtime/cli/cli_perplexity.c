/* `tolk perplexity`: the llama-perplexity measurement. The file is tokenized with BOS, cut into
 * chunks of -c tokens; each chunk starts from an empty cache with its first token replaced by BOS,
 * and only the second half of each chunk is scored (every scored token then sees at least c/2
 * tokens of context), so the number is comparable with llama.cpp's on the same text.
 * `--kl-divergence-base FILE` also writes every scored position's log-probabilities in
 * llama-perplexity's file format; with `--kl-divergence` the tokens and log-probabilities are read
 * from such a file (tolk's or llama.cpp's) instead and compared with this model's (cli_kld.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_kld.h"
#include "cli_opts.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: tolk perplexity [-m MODEL] -f FILE [-c 512] [-b N] [-t N] [--chunks N] [--kl-divergence-base OUT]\n"
                 "       tolk perplexity [-m MODEL] --kl-divergence-base FILE --kl-divergence [-b N] [-t N] [--chunks N]\n\n"
                 "Perplexity of the model over FILE, computed like llama-perplexity; with --kl-divergence, the\n"
                 "KL divergence from the logits saved in FILE (by tolk or by llama-perplexity).\n\n"
                 "  -m, --model FILE   GGUF model (default: the default model)\n"
                 "  -f, --file FILE    text to score\n"
                 "  -c, --ctx-size N   tokens per chunk (default 512)\n"
                 "  -b, --batch N      tokens per forward chunk (default 512, at most -c)\n"
                 "  -t, --threads N    threads (default: all cores)\n"
                 "      --chunks N     score at most N chunks (default: all)\n"
                 "      --kl-divergence-base FILE\n"
                 "                     write the scored log-probabilities to FILE (llama.cpp's format);\n"
                 "                     with --kl-divergence, read them and compare\n"
                 "      --kl-divergence\n"
                 "                     compare with FILE: mean KLD, same top-1, delta-p, perplexity ratio\n");
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

/* One chunk of N_CTX tokens TOKS from an empty cache (first token BOS when the model wants one);
 * the logits of positions n_ctx/2 .. n_ctx-1 are then in ctx's rows 0 .. */
static int eval_chunk(tolk_context *ctx, const tolk_model *m, int add_bos, const int32_t *toks, int32_t *chunk,
                      int n_ctx, tolk_error *err)
{
    memcpy(chunk, toks, sizeof *chunk * (size_t)n_ctx);
    if (add_bos)
        chunk[0] = tolk_token_bos(m);
    int rc = tolk_context_rollback(ctx, 0, err);
    return rc ? rc : tolk_decode(ctx, chunk, n_ctx, n_ctx / 2, err);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* --kl-divergence: the chunks of the base file, scored against its log-probabilities. */
static int run_kld(tolk_model *m, const char *base_path, int n_ctx_arg, int n_batch, int n_threads, int max_chunks,
                   tolk_error *err)
{
    kld_base b;
    kld_stats st = {0};
    tolk_context *ctx = NULL;
    int32_t *chunk = NULL;
    int rc = kld_base_open(base_path, tolk_vocab_n_tokens(m), &b, err);
    if (rc)
        return rc;
    const int n_ctx = b.n_ctx, first = n_ctx / 2;
    if (n_ctx_arg && n_ctx_arg != n_ctx) {
        rc = cli_fail(err, TOLK_E_ARG, "%s was written with a context of %d, not %d (leave -c out)", base_path, n_ctx,
                      n_ctx_arg);
        goto done;
    }
    const long n_chunks = max_chunks > 0 && max_chunks < b.n_chunk ? max_chunks : b.n_chunk;
    const tolk_context_params cp = {.n_ctx = n_ctx, .n_batch = n_batch < n_ctx ? n_batch : n_ctx,
                                    .n_logits = n_ctx - first, .n_threads = n_threads};
    if ((rc = tolk_context_new(m, &cp, &ctx, err)))
        goto done;
    if (tolk_context_n_vocab(ctx) != b.n_vocab) {
        rc = cli_fail(err, TOLK_E_UNSUPPORTED, "this model has %d logits per position, %s holds %d",
                      tolk_context_n_vocab(ctx), base_path, b.n_vocab);
        goto done;
    }
    if (!(chunk = malloc(sizeof *chunk * (size_t)n_ctx))) {
        rc = cli_fail(err, TOLK_E_NOMEM, "out of memory");
        goto done;
    }
    const int add_bos = tolk_vocab_wants_bos(m) && tolk_token_bos(m) >= 0;
    const int64_t words = kld_row_words(b.n_vocab);
    fprintf(stderr, "kl-divergence: %ld chunks of %d from %s\n", n_chunks, n_ctx, base_path);
    printf("chunk             PPL               ln(PPL(Q)/PPL(base))          KL Divergence              Δp RMS            Same top p\n");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long ci = 0; ci < n_chunks; ci++) {
        const int32_t *toks = b.tokens + ci * n_ctx;
        if ((rc = kld_base_read_chunk(&b, base_path, err)) ||
            (rc = eval_chunk(ctx, m, add_bos, toks, chunk, n_ctx, err)))
            goto done;
        for (int j = first; j < n_ctx - 1; j++)
            if ((rc = kld_stats_add(&st, tolk_get_logits(ctx, j - first), b.n_vocab, b.row + (j - first) * words,
                                    toks[j + 1], err)))
                goto done;
        kld_print_chunk(stdout, &st, ci + 1);
        fflush(stdout);
    }
    printf("\n");
    kld_print_summary(stdout, &st);
    fprintf(stderr, "kl-divergence: %.2f s\n", seconds_since(&t0));
done:
    free(chunk);
    tolk_context_free(ctx);
    kld_stats_free(&st);
    kld_base_close(&b);
    return rc;
}

int cli_perplexity_main(int argc, char **argv)
{
    const char *model = NULL, *file = NULL, *kld_path = NULL;
    int n_ctx = 0, n_batch = 512, n_threads = 0, max_chunks = -1, kld_compare = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("-m", "--model", &model), CLI_OPT_STR("-f", "--file", &file),
        CLI_OPT_INT("-c", "--ctx-size", &n_ctx, 4, 1 << 24), CLI_OPT_INT("-b", "--batch", &n_batch, 1, 1 << 24),
        CLI_OPT_INT("-t", "--threads", &n_threads, 1, 1 << 24), CLI_OPT_INT(NULL, "--chunks", &max_chunks, 1, 1 << 24),
        CLI_OPT_STR(NULL, "--kl-divergence-base", &kld_path), CLI_OPT_FLAG(NULL, "--kl-divergence", &kld_compare, 1),
        CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {opts, NULL};
    int rc = cli_parse("perplexity", tables, 0, argc, argv, NULL);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if (kld_compare && !kld_path)
        return cli_error("--kl-divergence needs --kl-divergence-base FILE (the logits to compare with)");
    if (!kld_compare && !file)
        return cli_error("no text: pass -f FILE (see tolk perplexity --help)");

    tolk_error err = {0};
    char *path = NULL, *text = NULL;
    tolk_model *m = NULL;
    tolk_context *ctx = NULL;
    int32_t *toks = NULL, *chunk = NULL;
    uint16_t *row = NULL;
    FILE *out = NULL;
    size_t n_toks = 0, text_len = 0;
    if ((rc = cli_model_path(model, &path, &err)) || (rc = tolk_model_load(path, &m, &err)))
        goto done;
    if (kld_compare) {
        rc = run_kld(m, kld_path, n_ctx, n_batch, n_threads, max_chunks, &err);
        goto done;
    }
    if (!n_ctx)
        n_ctx = 512;
    if ((rc = read_file(file, &text, &text_len, &err)))
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
    const int n_vocab = tolk_context_n_vocab(ctx);
    if (!(chunk = malloc(sizeof *chunk * (size_t)n_ctx)) ||
        (kld_path && !(row = malloc(sizeof *row * (size_t)kld_row_words(n_vocab))))) {
        rc = cli_fail(&err, TOLK_E_NOMEM, "out of memory");
        goto done;
    }
    if (kld_path) {
        if (!(out = fopen(kld_path, "wb"))) {
            rc = cli_fail(&err, TOLK_E_IO, "%s: %s", kld_path, strerror(errno));
            goto done;
        }
        if ((rc = kld_write_header(out, kld_path, n_ctx, n_vocab, (int)n_chunks, toks, &err)))
            goto done;
    }
    fprintf(stderr, "perplexity: %zu tokens, %ld chunks of %d, scoring the last %d of each\n", n_toks, n_chunks,
            n_ctx, n_ctx - first - 1);
    double nll = 0.0, nll2 = 0.0;
    long count = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long ci = 0; ci < n_chunks; ci++) {
        if ((rc = eval_chunk(ctx, m, add_bos, toks + ci * n_ctx, chunk, n_ctx, &err)))
            goto done;
        for (int j = first; j < n_ctx - 1; j++) {
            const float *l = tolk_get_logits(ctx, j - first);
            const int32_t next = toks[ci * n_ctx + j + 1];
            const double v = out ? kld_write_row(out, l, n_vocab, next, row) : nll_of(l, n_vocab, next);
            if (isnan(v)) {
                rc = cli_fail(&err, TOLK_E_IO, "%s: %s", kld_path, strerror(errno));
                goto done;
            }
            nll += v;
            nll2 += v * v;
            count++;
        }
        printf("[%ld]%.4f,", ci + 1, exp(nll / (double)count));
        fflush(stdout);
    }
    if (out) {
        const int bad = fclose(out);
        out = NULL;
        if (bad) {
            rc = cli_fail(&err, TOLK_E_IO, "%s: %s", kld_path, strerror(errno));
            goto done;
        }
    }
    const double secs = seconds_since(&t0);
    const double mean = nll / (double)count, var = nll2 / (double)count - mean * mean;
    const double ppl = exp(mean);
    const double ppl_err = count > 1 && var > 0 ? ppl * sqrt(var / (double)(count - 1)) : 0.0;
    printf("\nFinal estimate: PPL = %.4f +/- %.5f\n", ppl, ppl_err);
    fprintf(stderr, "perplexity: %.2f s (%.1f tokens/s)\n", secs, (double)(n_chunks * n_ctx) / secs);
done:
    if (rc)
        cli_error("%s", err.msg);
    if (out) {
        fclose(out);
        remove(kld_path); /* a half-written base file would only mislead */
    }
    free(row);
    free(chunk);
    free(toks);
    free(text);
    free(path);
    tolk_context_free(ctx);
    tolk_model_free(m);
    return rc ? 1 : 0;
}
