/* llama.cpp's KL-divergence base file and statistics for `tolk perplexity` (cli_kld.h). Numbers are
 * computed with the same float/double split as llama-perplexity so both programs print the same
 * statistics for the same logits; docs/NUMERICS.md has the layout and the formulas. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_kld.h"

static const char magic[8] = {'_', 'l', 'o', 'g', 'i', 't', 's', '_'};

static int write_all(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

int kld_write_header(FILE *f, const char *path, int n_ctx, int n_vocab, int n_chunk, const int32_t *tokens,
                     tolk_error *err)
{
    const int32_t head[3] = {n_ctx, n_vocab, n_chunk};
    if (write_all(f, magic, sizeof magic) || write_all(f, head, sizeof head) ||
        write_all(f, tokens, sizeof *tokens * (size_t)n_ctx * (size_t)n_chunk))
        return cli_fail(err, TOLK_E_IO, "%s: %s", path, strerror(errno));
    return TOLK_OK;
}

/* log(sum exp(l - max)) over the row, summed in double as llama-perplexity does. */
static double log_sum_exp(const float *l, int n, float max)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += (double)expf(l[i] - max);
    return log(sum);
}

double kld_write_row(FILE *f, const float *logits, int n_vocab, int32_t token, uint16_t *row)
{
    float max = logits[0], min = logits[0];
    for (int i = 1; i < n_vocab; i++) {
        max = logits[i] > max ? logits[i] : max;
        min = logits[i] < min ? logits[i] : min;
    }
    /* Log-probabilities more than 16 below the best are stored as the floor. */
    min = min > max - 16 ? min : max - 16;
    const float lse = (float)log_sum_exp(logits, n_vocab, max);
    const float head[2] = {(max - min) / 65535.f, min - max - lse};
    memcpy(row, head, sizeof head);
    uint16_t *q = row + 4;
    const int64_t words = kld_row_words(n_vocab);
    memset(q, 0, sizeof *q * (size_t)(words - 4));
    if (head[0] != 0.0f) {
        const float inv = 1.0f / head[0];
        for (int i = 0; i < n_vocab; i++)
            q[i] = logits[i] > min ? (uint16_t)lrintf(inv * (logits[i] - min)) : 0;
    }
    if (write_all(f, row, sizeof *row * (size_t)words))
        return NAN;
    return (double)(max + lse - logits[token]);
}

static int read_exact(FILE *f, void *p, size_t n)
{
    return fread(p, 1, n, f) == n ? 0 : -1;
}

int kld_base_open(const char *path, int n_vocab, kld_base *b, tolk_error *err)
{
    memset(b, 0, sizeof *b);
    if (!(b->f = fopen(path, "rb")))
        return cli_fail(err, TOLK_E_IO, "%s: %s", path, strerror(errno));
    char m[8];
    int32_t head[3];
    struct stat st;
    if (fstat(fileno(b->f), &st) || read_exact(b->f, m, sizeof m) || memcmp(m, magic, sizeof m)) {
        kld_base_close(b);
        return cli_fail(err, TOLK_E_FORMAT, "%s is not a logits file (llama-perplexity --kl-divergence-base)", path);
    }
    if (read_exact(b->f, head, sizeof head)) {
        kld_base_close(b);
        return cli_fail(err, TOLK_E_FORMAT, "%s: the header is cut short", path);
    }
    b->n_ctx = head[0], b->n_vocab = head[1], b->n_chunk = head[2];
    if (b->n_ctx < 4 || b->n_ctx > (1 << 24) || b->n_chunk < 1 || b->n_chunk > (1 << 24) || b->n_vocab < 1) {
        kld_base_close(b);
        return cli_fail(err, TOLK_E_FORMAT, "%s: implausible header (context %d, vocabulary %d, %d chunks)", path,
                        head[0], head[1], head[2]);
    }
    if (b->n_vocab != n_vocab) {
        kld_base_close(b);
        return cli_fail(err, TOLK_E_ARG, "%s was written for a vocabulary of %d tokens; this model has %d", path,
                        head[1], n_vocab);
    }
    /* The exact length: a cut or padded file is refused before hours of evaluation. */
    const int64_t n_tok = (int64_t)b->n_ctx * b->n_chunk, rows = b->n_ctx - 1 - b->n_ctx / 2;
    const int64_t want = 8 + 12 + 4 * n_tok + 2 * rows * kld_row_words(n_vocab) * b->n_chunk;
    if ((int64_t)st.st_size != want) {
        kld_base_close(b);
        return cli_fail(err, TOLK_E_FORMAT, "%s has %lld bytes; its header (context %d, %d chunks) needs %lld", path,
                        (long long)st.st_size, head[0], head[2], (long long)want);
    }
    b->tokens = malloc(sizeof *b->tokens * (size_t)n_tok);
    b->row = malloc(sizeof *b->row * (size_t)(rows * kld_row_words(n_vocab)));
    if (!b->tokens || !b->row) {
        kld_base_close(b);
        return cli_fail(err, TOLK_E_NOMEM, "out of memory for %s", path);
    }
    if (read_exact(b->f, b->tokens, sizeof *b->tokens * (size_t)n_tok)) {
        kld_base_close(b);
        return cli_fail(err, TOLK_E_IO, "%s: %s", path, ferror(b->f) ? strerror(errno) : "cut short");
    }
    for (int64_t i = 0; i < n_tok; i++)
        if (b->tokens[i] < 0 || b->tokens[i] >= n_vocab) {
            const int32_t t = b->tokens[i];
            kld_base_close(b);
            return cli_fail(err, TOLK_E_FORMAT, "%s: token %lld is %d, outside the vocabulary", path, (long long)i,
                            t);
        }
    return TOLK_OK;
}

int kld_base_read_chunk(kld_base *b, const char *path, tolk_error *err)
{
    const int64_t rows = b->n_ctx - 1 - b->n_ctx / 2;
    if (read_exact(b->f, b->row, sizeof *b->row * (size_t)(rows * kld_row_words(b->n_vocab))))
        return cli_fail(err, TOLK_E_IO, "%s: %s", path, ferror(b->f) ? strerror(errno) : "cut short");
    return TOLK_OK;
}

void kld_base_close(kld_base *b)
{
    if (b->f)
        fclose(b->f);
    free(b->tokens);
    free(b->row);
    memset(b, 0, sizeof *b);
}

int kld_stats_add(kld_stats *s, const float *logits, int n_vocab, const uint16_t *base_row, int32_t token,
                  tolk_error *err)
{
    if (s->count == s->cap) {
        const long cap = s->cap ? 2 * s->cap : 4096;
        float *k = realloc(s->kld_values, sizeof *k * (size_t)cap);
        if (k)
            s->kld_values = k;
        float *d = realloc(s->p_diff_values, sizeof *d * (size_t)cap);
        if (d)
            s->p_diff_values = d;
        if (!k || !d)
            return cli_fail(err, TOLK_E_NOMEM, "out of memory");
        s->cap = cap;
    }
    float max = logits[0];
    int best = 0;
    for (int i = 1; i < n_vocab; i++)
        if (logits[i] > max) {
            max = logits[i];
            best = i;
        }
    const float lse = (float)log_sum_exp(logits, n_vocab, max);
    float head[2];
    memcpy(head, base_row, sizeof head);
    const float scale = head[0], floor_lp = head[1];
    const uint16_t *q = base_row + 4;

    const float nll = max + lse - logits[token];
    const float nll_base = -(scale * q[token] + floor_lp);
    s->sum_nll += nll;
    s->sum_nll2 += nll * nll;
    s->sum_nll_base += nll_base;
    s->sum_nll_base2 += nll_base * nll_base;
    s->sum_nll_nll_base += nll * nll_base;

    /* KL(base || this) over the tokens the base file resolves (log-probability above -16). */
    const float norm = max + lse;
    double kld = 0.0;
    int best_base = 0;
    float lp_best = 0.0f;
    for (int i = 0; i < n_vocab; i++) {
        const float lp = scale * q[i] + floor_lp;
        if (i == 0 || lp > lp_best) {
            lp_best = lp;
            best_base = i;
        }
        if (lp > -16.f)
            kld += expf(lp) * (lp - logits[i] + norm);
    }
    s->sum_kld += kld;
    s->sum_kld2 += kld * kld;
    s->n_same_top += best == best_base;
    const float p_diff = expf(-nll) - expf(-nll_base);
    const double d2 = (double)p_diff * p_diff;
    s->sum_p_diff += p_diff;
    s->sum_p_diff2 += d2;
    s->sum_p_diff4 += d2 * d2;
    s->max_p_diff = fabs(p_diff) > s->max_p_diff ? fabs(p_diff) : s->max_p_diff;
    s->kld_values[s->count] = (float)kld;
    s->p_diff_values[s->count] = p_diff;
    s->count++;
    return TOLK_OK;
}

/* Mean of SUM over N and its standard error from SUM2 (0 below 11 values, as llama-perplexity). */
static void mean_unc(double sum, double sum2, long n, double *mean, double *unc)
{
    *mean = n > 0 ? sum / (double)n : 0.0;
    const double var = n > 0 ? sum2 / (double)n - *mean * *mean : 0.0;
    *unc = var > 0 && n > 10 ? sqrt(var / (double)(n - 1)) : 0.0;
}

static double covariance(double sa, double sb, double sab, long n)
{
    return n < 10 ? 0.0 : (sab / (double)n - (sa / (double)n) * (sb / (double)n)) / (double)(n - 1);
}

void kld_print_chunk(FILE *out, const kld_stats *s, long chunk)
{
    double lp, lpu, lb, lbu, k, ku, d2, d2u;
    mean_unc(s->sum_nll, s->sum_nll2, s->count, &lp, &lpu);
    mean_unc(s->sum_nll_base, s->sum_nll_base2, s->count, &lb, &lbu);
    mean_unc(s->sum_kld, s->sum_kld2, s->count, &k, &ku);
    mean_unc(s->sum_p_diff2, s->sum_p_diff4, s->count, &d2, &d2u);
    const double cov = covariance(s->sum_nll, s->sum_nll_base, s->sum_nll_nll_base, s->count);
    const double ratio_unc = sqrt(fmax(0.0, lpu * lpu + lbu * lbu - 2.0 * cov));
    const double rms = sqrt(d2), rms_unc = rms > 0 ? 0.5 / rms * d2u : 0.0;
    const double top = s->count ? (double)s->n_same_top / (double)s->count : 0.0;
    const double top_unc = s->count > 1 ? sqrt(top * (1 - top) / (double)(s->count - 1)) : 0.0;
    fprintf(out, "%4ld    %9.4f ± %9.4f    %10.5f ± %10.5f    %10.5f ± %10.5f    %6.3f ± %6.3f %%    %6.3f ± %6.3f %%\n",
            chunk, exp(lp), exp(lp) * lpu, lp - lb, ratio_unc, k, ku, 100 * rms, 100 * rms_unc, 100 * top,
            100 * top_unc);
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The value at FRACTION of sorted V[0..n), interpolated between neighbours. */
static float percentile(const float *v, long n, float fraction)
{
    if (fraction <= 0)
        return v[0];
    if (fraction >= 1)
        return v[n - 1];
    float p = fraction * (float)(n - 1);
    const long i = (long)p;
    p -= (float)i;
    return (1 - p) * v[i] + p * v[i + 1 < n ? i + 1 : n - 1];
}

void kld_print_summary(FILE *out, kld_stats *s)
{
    if (s->count < 100) {
        fprintf(out, "(%ld positions: too few for the statistics; score more chunks)\n", s->count);
        return;
    }
    const long n = s->count;
    qsort(s->kld_values, (size_t)n, sizeof *s->kld_values, cmp_float);
    qsort(s->p_diff_values, (size_t)n, sizeof *s->p_diff_values, cmp_float);
    double lp, lpu, lb, lbu;
    mean_unc(s->sum_nll, s->sum_nll2, n, &lp, &lpu);
    mean_unc(s->sum_nll_base, s->sum_nll_base2, n, &lb, &lbu);
    const double ppl = exp(lp), ppl_unc = ppl * lpu, base = exp(lb), base_unc = base * lbu;
    const double cov = covariance(s->sum_nll, s->sum_nll_base, s->sum_nll_nll_base, n);
    const double ratio_unc = sqrt(fmax(0.0, lpu * lpu + lbu * lbu - 2.0 * cov));
    fprintf(out, "====== Perplexity statistics ======\n");
    fprintf(out, "Mean PPL(Q)                   : %10.6f ± %10.6f\n", ppl, ppl_unc);
    fprintf(out, "Mean PPL(base)                : %10.6f ± %10.6f\n", base, base_unc);
    fprintf(out, "Cor(ln(PPL(Q)), ln(PPL(base))): %6.2f%%\n", lpu > 0 && lbu > 0 ? 100.0 * cov / (lpu * lbu) : 0.0);
    fprintf(out, "Mean ln(PPL(Q)/PPL(base))     : %10.6f ± %10.6f\n", lp - lb, ratio_unc);
    fprintf(out, "Mean PPL(Q)/PPL(base)         : %10.6f ± %10.6f\n", exp(lp - lb), exp(lp - lb) * ratio_unc);
    fprintf(out, "Mean PPL(Q)-PPL(base)         : %10.6f ± %10.6f\n\n", ppl - base,
            sqrt(fmax(0.0, ppl_unc * ppl_unc + base_unc * base_unc - 2.0 * ppl * base * cov)));

    double k, ku;
    mean_unc(s->sum_kld, s->sum_kld2, n, &k, &ku);
    const float *kv = s->kld_values;
    fprintf(out, "====== KL divergence statistics ======\n");
    fprintf(out, "Mean    KLD: %10.6f ± %10.6f\n", k, ku);
    fprintf(out, "Maximum KLD: %10.6f\n", kv[n - 1]);
    static const float fr[] = {0.999f, 0.99f, 0.95f, 0.90f};
    static const char *const name[] = {"99.9%", "99.0%", "95.0%", "90.0%"};
    for (int i = 0; i < 4; i++)
        fprintf(out, "%-5s   KLD: %10.6f\n", name[i], percentile(kv, n, fr[i]));
    fprintf(out, "Median  KLD: %10.6f\n", n % 2 ? kv[n / 2] : 0.5f * (kv[n / 2] + kv[n / 2 - 1]));
    static const float lo[] = {0.10f, 0.05f, 0.01f};
    static const char *const lo_name[] = {"10.0%", " 5.0%", " 1.0%"};
    for (int i = 0; i < 3; i++)
        fprintf(out, "%-5s   KLD: %10.6f\n", lo_name[i], percentile(kv, n, lo[i]));
    fprintf(out, "Minimum KLD: %10.6f\n\n", kv[0]);

    double d, du, d2, d2u;
    mean_unc(s->sum_p_diff, s->sum_p_diff2, n, &d, &du);
    mean_unc(s->sum_p_diff2, s->sum_p_diff4, n, &d2, &d2u);
    const double top = (double)s->n_same_top / (double)n;
    fprintf(out, "====== Token probability statistics ======\n");
    fprintf(out, "Mean    Δp: %6.3f ± %5.3f %%\n", 100 * d, 100 * du);
    fprintf(out, "Maximum Δp: %6.3f%%\n", 100 * s->p_diff_values[n - 1]);
    fprintf(out, "Median  Δp: %6.3f%%\n", 100 * percentile(s->p_diff_values, n, 0.5f));
    fprintf(out, "Minimum Δp: %6.3f%%\n", 100 * s->p_diff_values[0]);
    fprintf(out, "RMS Δp    : %6.3f ± %5.3f %%\n", 100 * sqrt(d2), d2 > 0 ? 100 * 0.5 / sqrt(d2) * d2u : 0.0);
    fprintf(out, "Same top p: %6.3f ± %5.3f %%\n", 100 * top, 100 * sqrt(top * (1 - top) / (double)(n - 1)));
}

void kld_stats_free(kld_stats *s)
{
    free(s->kld_values);
    free(s->p_diff_values);
    memset(s, 0, sizeof *s);
}
