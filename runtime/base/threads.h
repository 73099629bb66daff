/* Thread placement for the forward pass: how many OpenMP threads to run and which cores they sit
 * on. hwloc gives the topology (physical cores, performance cores first on hybrid CPUs, NUMA
 * nodes); without hwloc, Linux affinity calls and sysconf give a simpler but working answer.
 * A plan belongs to one session: its forward contexts run num_threads(n_threads) regions whose
 * threads place themselves on the plan's CPUs (threads_place), never a process-wide setting. */
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

/* Placement inside a parallel region: nothing here changes process-wide settings, so contexts
 * with different plans can take turns. Every thread of a region calls threads_place first; the
 * thread that started the region calls threads_unplace after it. */

/* Pins the calling thread, number THREAD of its team, to CPUS[THREAD % n_cpus]; n_cpus 0 gives it
 * back the affinity it had before any placement. A thread already placed there makes no system
 * call, so steady decoding costs nothing. Best effort: a container may forbid pinning, and
 * unpinned threads still compute correctly. */
void threads_place(const int *cpus, int n_cpus, int thread);

/* Gives the calling thread back the affinity it had before threads_place (no-op when unplaced).
 * OpenMP's worker threads stay placed between regions; the caller's own thread does not. */
void threads_unplace(void);

#endif
