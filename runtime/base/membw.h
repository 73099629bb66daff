/* Memory read bandwidth measurement (membw.c), shared by `tolk bench` (through the public
 * tolk_measure_read_bandwidth in runtime/api/bench.c) and the kernel benchmark, which also wants the per-CPU figure. */
#ifndef TOLK_MEMBW_H
#define TOLK_MEMBW_H

#include <stddef.h>

/* Best of REPS passes over BYTES (0: 1 GiB, or a quarter of the available memory when that is
 * less, at least 64 MiB) with THREADS readers, in GB/s (1e9 bytes); 0 when the
 * buffer cannot be allocated. per_cpu (optional) receives the same per CPU-second of the slowest
 * reader, which stays meaningful when other processes share the cores. */
double membw_measure(size_t bytes, int threads, int reps, double *per_cpu);

#endif
