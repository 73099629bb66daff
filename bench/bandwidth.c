/* Measured memory read bandwidth: every thread streams over its share of a buffer far larger
 * than the caches, summing 64-bit words in four independent chains so the loads, not the adds,
 * set the pace. The kernel benchmark prints this number beside its GB/s. */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bandwidth.h"

static double now_s(void)
{
    return omp_get_wtime();
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_read_bandwidth(size_t bytes, int threads, int reps, uint64_t *sink, double *per_cpu)
{
    size_t words = bytes / 8;
    uint64_t *buf = malloc(words * 8);
    if (!buf)
        return 0.0;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < words; i++) /* first touch by the thread that will read it */
        buf[i] = i * 0x9E3779B97F4A7C15ull;
    double best = 0.0, best_cpu = 0.0;
    uint64_t total = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now_s(), max_cpu = 0.0;
#pragma omp parallel num_threads(threads) reduction(^ : total)
        {
            double c0 = thread_cpu_s();
            int nt = omp_get_num_threads(), id = omp_get_thread_num();
            size_t lo = words / 8 * id / nt * 8, hi = words / 8 * (id + 1) / nt * 8;
            uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (size_t i = lo; i < hi; i += 8) {
                s0 += buf[i] ^ buf[i + 4];
                s1 += buf[i + 1] ^ buf[i + 5];
                s2 += buf[i + 2] ^ buf[i + 6];
                s3 += buf[i + 3] ^ buf[i + 7];
            }
            total ^= s0 + s1 + s2 + s3;
            double c = thread_cpu_s() - c0;
#pragma omp critical
            max_cpu = c > max_cpu ? c : max_cpu;
        }
        double gbs = (double)words * 8 / (now_s() - t0) / 1e9, gbs_cpu = (double)words * 8 / max_cpu / 1e9;
        best = gbs > best ? gbs : best;
        best_cpu = gbs_cpu > best_cpu ? gbs_cpu : best_cpu;
    }
    if (per_cpu)
        *per_cpu = best_cpu;
    *sink ^= total;
    free(buf);
    return best;
}
