/* Memory read bandwidth measurement shared by the benchmarks (bench/bandwidth.c). */
#ifndef TOLK_BENCH_BANDWIDTH_H
#define TOLK_BENCH_BANDWIDTH_H

#include <stddef.h>
#include <stdint.h>

/* Best of reps full passes over a bytes-sized buffer with threads readers, in GB/s (1e9 bytes);
 * 0 when the buffer cannot be allocated. sink receives a checksum so the reads are not elided;
 * per_cpu (optional) the same per CPU-second of the slowest reader (see bench_kernels.c). */
double bench_read_bandwidth(size_t bytes, int threads, int reps, uint64_t *sink, double *per_cpu);

#endif
