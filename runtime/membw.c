/* Measures the machine's sustained memory read bandwidth: every thread streams over its own slice
 * of a buffer far larger than the last-level cache, best of several passes. Decoding is
 * memory-bound, so this is the yardstick `tolk bench` compares achieved GB/s against. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "tolk.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sums 64-bit words with independent accumulators so the loop is load-bound, not add-bound. */
static uint64_t sum_words(const uint64_t *p, size_t n)
{
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        a0 += p[i]; a1 += p[i + 1]; a2 += p[i + 2]; a3 += p[i + 3];
        a4 += p[i + 4]; a5 += p[i + 5]; a6 += p[i + 6]; a7 += p[i + 7];
    }
    for (; i < n; i++)
        a0 += p[i];
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}

double tolk_measure_read_bandwidth(int n_threads, size_t bytes)
{
    if (bytes == 0)
        bytes = (size_t)1 << 30;
    size_t n = bytes / sizeof(uint64_t);
    uint64_t *buf = malloc(n * sizeof *buf);
    if (!buf)
        return 0.0;
    if (n_threads <= 0)
        n_threads = 1;
    volatile uint64_t sink = 0;
    double best = 0.0;
#ifdef _OPENMP
#pragma omp parallel num_threads(n_threads)
#endif
    {
#ifdef _OPENMP
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
        int t = 0, nt = 1;
#endif
        size_t lo = n * (size_t)t / (size_t)nt, hi = n * (size_t)(t + 1) / (size_t)nt;
        memset(buf + lo, t + 1, (hi - lo) * sizeof *buf); /* first touch by the reading thread */
    }
    for (int pass = 0; pass < 5; pass++) {
        double t0 = now_s();
        uint64_t total = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(n_threads) reduction(+ : total)
#endif
        {
#ifdef _OPENMP
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
            int t = 0, nt = 1;
#endif
            size_t lo = n * (size_t)t / (size_t)nt, hi = n * (size_t)(t + 1) / (size_t)nt;
            total += sum_words(buf + lo, hi - lo);
        }
        double dt = now_s() - t0;
        sink += total;
        double gbs = (double)(n * sizeof *buf) / dt / 1e9;
        if (gbs > best)
            best = gbs;
    }
    (void)sink;
    free(buf);
    return best;
}
