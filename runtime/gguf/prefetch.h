/* Weight prefetch: on a background thread, faults a model's tensor data into memory in the order
 * the forward pass first reads it (layer by layer, then the output matrix), so the first prompt
 * neither waits on the disk one page fault at a time nor pays for the page-table set-up. With
 * liburing the chunks go through io_uring (several in flight, served by the kernel's workers);
 * without it one thread walks them with madvise. Purely an optimisation: any failure just stops it. */
#ifndef TOLK_PREFETCH_H
#define TOLK_PREFETCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct prefetch prefetch;

typedef struct prefetch_range {
    const void *addr; /* inside a read-only file mapping */
    size_t len;
} prefetch_range;

/* Starts warming RANGES (copied; adjacent ones merged) in order. Returns NULL when there is
 * nothing to do or when no thread could be started. Whether to warm at all is the caller's choice
 * (model_load's prefetch argument; TOLK_PREFETCH=0 is read by the CLI, not here). */
prefetch *prefetch_start(const prefetch_range *ranges, size_t n);

/* Stops at the next chunk and joins the thread (call before unmapping). NULL is fine. */
void prefetch_stop(prefetch *p);

/* Bytes warmed so far and whether the walk has finished (for tests and --verbose). */
uint64_t prefetch_done_bytes(prefetch *p, int *finished);

/* "io_uring", "madvise": what prefetch_start would use on this build and kernel. */
const char *prefetch_method(void);

#endif
