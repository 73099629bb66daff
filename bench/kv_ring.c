/* The sliding-window KV ring (docs/KV.md) measured: one context of a model with ring or full-length
 * sliding-layer caches, filled to a depth with random tokens, then N greedy decode steps timed.
 * Prints the KV bytes, the decode speed and the process's peak RSS, so two runs (ring, full) of
 * the same binary compare memory and speed with nothing else changed.
 *   bench/kv_ring MODEL N_CTX DEPTH N_GEN ring|full [THREADS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "forward.h"
#include "model.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int32_t argmax(const float *x, int64_t n)
{
    int64_t b = 0;
    for (int64_t i = 1; i < n; i++)
        if (x[i] > x[b])
            b = i;
    return (int32_t)b;
}

int main(int argc, char **argv)
{
    if (argc < 6 || (strcmp(argv[5], "ring") && strcmp(argv[5], "full"))) {
        fprintf(stderr, "usage: %s MODEL N_CTX DEPTH N_GEN ring|full [THREADS]\n", argv[0]);
        return 2;
    }
    const int64_t n_ctx = atoll(argv[2]), depth = atoll(argv[3]), n_gen = atoll(argv[4]);
    const int threads = argc > 6 ? atoi(argv[6]) : 0;
    if (n_ctx <= 0 || depth < 1 || n_gen < 1 || depth + n_gen > n_ctx) {
        fprintf(stderr, "kv_ring: need 1 <= DEPTH, 1 <= N_GEN, DEPTH + N_GEN <= N_CTX\n");
        return 2;
    }
    tolk_model *m;
    fwd_ctx *c;
    tolk_error err = {0};
    if (model_open(argv[1], &m, &err)) {
        fprintf(stderr, "kv_ring: %s\n", err.msg);
        return 1;
    }
    const fwd_params p = {.n_ctx = n_ctx, .n_threads = threads, .kv_keep = strcmp(argv[5], "ring") ? -1 : 0};
    if (fwd_create(m, &p, &c, &err)) {
        fprintf(stderr, "kv_ring: %s\n", err.msg);
        return 1;
    }
    const int64_t nv = m->hp.n_vocab;
    int32_t *tok = malloc(sizeof *tok * (size_t)depth);
    if (!tok)
        return 1;
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int64_t i = 0; i < depth; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        tok[i] = (int32_t)(s % (uint64_t)nv);
    }
    const double t0 = now_s();
    int rc = fwd_eval(c, tok, depth, depth - 1, &err);
    const double t1 = now_s();
    int32_t next = rc ? 0 : argmax(fwd_logits(c, 0), nv);
    for (int64_t i = 0; i < n_gen && !rc; i++)
        if (!(rc = fwd_eval(c, &next, 1, 0, &err)))
            next = argmax(fwd_logits(c, 0), nv);
    const double t2 = now_s();
    if (rc) {
        fprintf(stderr, "kv_ring: %s\n", err.msg);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s n_ctx=%lld depth=%lld: KV %.2f MiB, prefill %.1f tok/s, decode %.2f tok/s, peak RSS %.1f MiB\n",
           argv[5], (long long)n_ctx, (long long)depth, fwd_kv_bytes(c) / 1048576.0, depth / (t1 - t0),
           n_gen / (t2 - t1), ru.ru_maxrss / 1024.0);
    free(tok);
    fwd_free(c);
    model_close(m);
    return 0;
}
