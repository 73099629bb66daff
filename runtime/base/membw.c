/* Measures the machine's sustained memory read bandwidth: every thread streams over its own slice
 * of a buffer far larger than the caches, best of several passes. Decoding is memory-bound, so
 * `tolk bench` and bench/bench_kernels compare their achieved GB/s against this number. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memavail.h"
#include "membw.h"

static double now_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Word range [lo, hi) of thread t of nt over n words, in whole 8-word groups. */
static void slice(size_t n, int t, int nt, size_t *lo, size_t *hi)
{
    *lo = n / 8 * (size_t)t / (size_t)nt * 8;
    *hi = n / 8 * (size_t)(t + 1) / (size_t)nt * 8;
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static int thread_count(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

double membw_measure(size_t bytes, int threads, int reps, double *per_cpu)
{
    if (!bytes) { /* 1 GiB, far beyond any cache, unless that would crowd a small machine or cgroup */
        const int64_t avail = mem_available_bytes();
        bytes = (size_t)1 << 30;
        if (avail > 0 && (uint64_t)avail / 4 < bytes)
            bytes = (uint64_t)avail / 4 > ((size_t)64 << 20) ? (size_t)(avail / 4) : (size_t)64 << 20;
    }
    size_t words = bytes / 8;
    uint64_t *buf = malloc(words * 8);
    if (!buf)
        return 0.0;
    threads = threads > 0 ? threads : 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        size_t lo, hi;
        slice(words, thread_id(), thread_count(), &lo, &hi);
        for (size_t i = lo; i < hi; i++) /* first touch by the thread that will read it */
            buf[i] = i * 0x9E3779B97F4A7C15ull;
    }
    double best = 0.0, best_cpu = 0.0;
    volatile uint64_t sink = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now_s(CLOCK_MONOTONIC), max_cpu = 0.0;
        uint64_t total = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(^ : total)
#endif
        {
            double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
            size_t lo, hi;
            slice(words, thread_id(), thread_count(), &lo, &hi);
            /* Four independent chains so the loads, not the adds, set the pace. */
            uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (size_t i = lo; i < hi; i += 8) {
                s0 += buf[i] ^ buf[i + 4];
                s1 += buf[i + 1] ^ buf[i + 5];
                s2 += buf[i + 2] ^ buf[i + 6];
                s3 += buf[i + 3] ^ buf[i + 7];
            }
            total ^= s0 + s1 + s2 + s3;
            double c = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
#ifdef _OPENMP
#pragma omp critical
#endif
            max_cpu = c > max_cpu ? c : max_cpu;
        }
        sink ^= total;
        double gbs = (double)words * 8 / (now_s(CLOCK_MONOTONIC) - t0) / 1e9;
        double gbs_cpu = max_cpu > 0 ? (double)words * 8 / max_cpu / 1e9 : 0.0;
        best = gbs > best ? gbs : best;
        best_cpu = gbs_cpu > best_cpu ? gbs_cpu : best_cpu;
    }
    (void)sink;
    if (per_cpu)
        *per_cpu = best_cpu;
    free(buf);
    return best;
}

