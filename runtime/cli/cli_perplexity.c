/* `tolk perplexity`: the llama-perplexity measurement. The file is tokenized with BOS, cut into
 * chunks of -c tokens; each chunk starts from an empty cache with its first token replaced by BOS,
 * and only the second half of each chunk is scored (every scored token then sees at least c/2
 * tokens of context), so the number is comparable with llama.cpp's on the same text. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "error.h"
#include "forward.h"
#include "model.h"
#include "tokenizer.h"

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
        return error_set(err, TOLK_E_IO, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return error_set(err, TOLK_E_NOMEM, "%s: out of memory reading the file", path);
    if (bad) {
        free(buf);
        return error_set(err, TOLK_E_IO, "%s: read error", path);
    }
    *out = buf;
    *len = n;
    return TOLK_OK;
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

static int parse_int(const char *s, const char *opt, long lo, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > (1L << 24))
        return cli_error("%s expects an integer >= %ld, got '%s'", opt, lo, s);
    *out = v;
    return 0;
}

int cli_perplexity_main(int argc, char **argv)
{
    const char *model = NULL, *file = NULL;
    long n_ctx = 512, n_batch = 512, n_threads = 0, max_chunks = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc)
            return cli_error("unknown option or missing value: %s (see tolk perplexity --help)", a);
        const char *v = argv[++i];
        int rc = 0;
        if (!strcmp(a, "-m") || !strcmp(a, "--model"))
            model = v;
        else if (!strcmp(a, "-f") || !strcmp(a, "--file"))
            file = v;
        else if (!strcmp(a, "-c") || !strcmp(a, "--ctx-size"))
            rc = parse_int(v, a, 4, &n_ctx);
        else if (!strcmp(a, "-b") || !strcmp(a, "--batch"))
            rc = parse_int(v, a, 1, &n_batch);
        else if (!strcmp(a, "-t") || !strcmp(a, "--threads"))
            rc = parse_int(v, a, 1, &n_threads);
        else if (!strcmp(a, "--chunks"))
            rc = parse_int(v, a, 1, &max_chunks);
        else
            rc = cli_error("unknown option %s (see tolk perplexity --help)", a);
        if (rc)
            return 1;
    }
    if (!file)
        return cli_error("no text: pass -f FILE (see tolk perplexity --help)");

    tolk_error err = {0};
    char path[4096];
    tolk_model *m = NULL;
    tok_vocab *voc = NULL;
    fwd_ctx *fc = NULL;
    tok_ids toks = {0};
    char *text = NULL;
    size_t text_len = 0;
    int32_t *chunk = NULL;
    int rc;
    if ((rc = cli_model_path(model, path, sizeof path, &err)) || (rc = model_open(path, &m, &err)) ||
        (rc = tok_vocab_load(m->file, &voc, &err)) || (rc = read_file(file, &text, &text_len, &err)))
        goto done;
    const bool add_bos = tok_wants_bos(voc) && tok_bos(voc) >= 0;
    if ((rc = tok_encode(voc, text, text_len, add_bos ? TOK_ADD_BOS : 0, &toks, &err)))
        goto done;
    if ((long)toks.n < 2 * n_ctx) {
        rc = error_set(&err, TOLK_E_ARG, "%s has %zu tokens; at least %ld are needed for a context "
                       "of %ld", file, toks.n, 2 * n_ctx, n_ctx);
        goto done;
    }
    long n_chunks = (long)toks.n / n_ctx;
    if (max_chunks > 0 && max_chunks < n_chunks)
        n_chunks = max_chunks;
    const long first = n_ctx / 2;
    fwd_params fp = {.n_ctx = n_ctx, .n_batch = n_batch < n_ctx ? n_batch : n_ctx, .n_logits = n_ctx - first,
                     .n_threads = (int)n_threads};
    if ((rc = fwd_create(m, &fp, &fc, &err)))
        goto done;
    if (!(chunk = malloc(sizeof *chunk * (size_t)n_ctx))) {
        rc = error_set(&err, TOLK_E_NOMEM, "out of memory");
        goto done;
    }
    fprintf(stderr, "perplexity: %zu tokens, %ld chunks of %ld, scoring the last %ld of each\n",
            toks.n, n_chunks, n_ctx, n_ctx - first - 1);
    double nll = 0.0, nll2 = 0.0;
    long count = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long ci = 0; ci < n_chunks; ci++) {
        memcpy(chunk, toks.ids + ci * n_ctx, sizeof *chunk * (size_t)n_ctx);
        if (add_bos)
            chunk[0] = tok_bos(voc);
        if ((rc = fwd_rollback(fc, 0, &err)) || (rc = fwd_eval(fc, chunk, n_ctx, first, &err)))
            goto done;
        for (long j = first; j < n_ctx - 1; j++) {
            const double v = nll_of(fwd_logits(fc, j - first), m->hp.n_vocab, chunk[j + 1]);
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
    free(text);
    tok_ids_free(&toks);
    fwd_free(fc);
    tok_vocab_free(voc);
    model_close(m);
    return rc ? 1 : 0;
}
