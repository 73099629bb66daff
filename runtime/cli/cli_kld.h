/* llama.cpp's KL-divergence base file (`llama-perplexity --kl-divergence-base FILE`), written and read
 * by `tolk perplexity`, and the statistics llama-perplexity prints from it (mean KL divergence, same
 * top-1, Δp, perplexity ratio). The layout is in docs/NUMERICS.md ("The logits file"). */
#ifndef TOLK_CLI_KLD_H
#define TOLK_CLI_KLD_H

#include <stdint.h>
#include <stdio.h>

#include "tolk.h"

/* Words of one scored position in the file: two floats (scale, least log-probability) as four
 * 16-bit words, then one 16-bit log-probability per token, padded to an even count. */
static inline int64_t kld_row_words(int n_vocab)
{
    return 2 * (((int64_t)n_vocab + 1) / 2) + 4;
}

/* A base file opened for reading: the header and the evaluation tokens (n_chunk * n_ctx). */
typedef struct kld_base {
    FILE *f;
    int n_ctx, n_vocab, n_chunk;
    int32_t *tokens;
    uint16_t *row; /* one chunk's scored rows, (n_ctx - 1 - n_ctx / 2) * kld_row_words */
} kld_base;

/* Writes the header of a base file: magic, n_ctx, n_vocab, n_chunk and the chunks' tokens. */
int kld_write_header(FILE *f, const char *path, int n_ctx, int n_vocab, int n_chunk, const int32_t *tokens,
                     tolk_error *err);

/* Appends the record of one scored position: LOGITS[0..n_vocab) quantised as llama-perplexity does
 * (ROW: scratch of kld_row_words(n_vocab) words). Returns the position's negative log-likelihood of
 * TOKEN, or NAN after a write error. */
double kld_write_row(FILE *f, const float *logits, int n_vocab, int32_t token, uint16_t *row);

/* Opens PATH and checks it completely before anything is evaluated: magic, sizes, the exact file
 * length for its header, token ids inside N_VOCAB (the model's vocabulary). One-line errors. */
int kld_base_open(const char *path, int n_vocab, kld_base *b, tolk_error *err);

/* Reads the next chunk's rows into b->row. */
int kld_base_read_chunk(kld_base *b, const char *path, tolk_error *err);
void kld_base_close(kld_base *b);

/* Running sums of llama-perplexity's KL-divergence statistics, and every position's KLD and Δp
 * (for the percentiles). */
typedef struct kld_stats {
    double sum_nll, sum_nll2, sum_nll_base, sum_nll_base2, sum_nll_nll_base;
    double sum_kld, sum_kld2, sum_p_diff, sum_p_diff2, sum_p_diff4;
    double max_p_diff;
    long n_same_top, count, cap;
    float *kld_values, *p_diff_values;
} kld_stats;

/* Adds one position: this run's LOGITS against the base file's record BASE_ROW, for TOKEN. */
int kld_stats_add(kld_stats *s, const float *logits, int n_vocab, const uint16_t *base_row, int32_t token,
                  tolk_error *err);

/* One line per chunk, as llama-perplexity's table (chunk, PPL, ln ratio, KLD, Δp RMS, same top). */
void kld_print_chunk(FILE *out, const kld_stats *s, long chunk);

/* The closing statistics block (llama-perplexity's wording, so scripts read either program). */
void kld_print_summary(FILE *out, kld_stats *s);
void kld_stats_free(kld_stats *s);

#endif
