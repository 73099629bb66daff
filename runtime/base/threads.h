/* Thread placement for the forward pass: how many OpenMP threads to run and which cores they sit
 * on. hwloc gives the topology (physical cores, performance cores first on hybrid CPUs, NUMA
 * nodes); without hwloc, Linux affinity calls and sysconf give a simpler but working answer. */
#ifndef TOLK_THREADS_H
#define TOLK_THREADS_H

#include <stdbool.h>

#include "tolk.h"

enum threads_numa {
    THREADS_NUMA_NONE = 0,   /* no NUMA policy: threads go on the chosen cores in order */
    THREADS_NUMA_DISTRIBUTE, /* spread threads evenly over the NUMA nodes */
    THREADS_NUMA_ISOLATE     /* keep every thread on the NUMA node the process started on */
};

typedef struct threads_plan {
    int n_threads;       /* OpenMP threads for compute */
    int n_cpus;          /* entries used in cpus[] (0: no binding) */
    int cpus[1024];      /* OS cpu index for thread i is cpus[i % n_cpus] */
    bool from_hwloc;     /* topology came from hwloc */
} threads_plan;

/* Physical cores usable by this process, performance cores counted first; at least 1. */
int threads_default_count(void);

/* Builds a plan: n_threads <= 0 means the default; cpu_mask is NULL or a hex mask such as "0xF0"
 * (llama.cpp's --cpu-mask) restricting which logical CPUs may be used. Errors: bad mask, mask
 * with no usable CPU, unknown numa policy. */
int threads_plan_make(threads_plan *plan, int n_threads, const char *cpu_mask, int numa, tolk_error *err);

/* Parses "distribute" / "isolate" / "none"; returns -1 for anything else. */
int threads_numa_parse(const char *s);

/* Applies the plan: sets the OpenMP thread count and pins each OpenMP thread to its CPU. */
int threads_apply(const threads_plan *plan, tolk_error *err);

#endif
