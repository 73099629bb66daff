/* How much memory this process can still take without being killed or swapping: the smaller of the
 * kernel's MemAvailable and what the memory cgroup the process runs in (v1 or v2) leaves under its
 * limit. Used to size things that would otherwise assume a big machine: the bandwidth probe's
 * buffer, the weight prefetch of a model larger than memory, and the refusal of a KV cache that
 * cannot fit. */
#ifndef TOLK_MEMAVAIL_H
#define TOLK_MEMAVAIL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Bytes available, or -1 when nothing could be read (not Linux, no /proc). */
int64_t mem_available_bytes(void);

/* The same from explicit files, for tests: MEMINFO is a /proc/meminfo text; CG_LIMIT and CG_ANON
 * (either may be NULL) the cgroup's limit in bytes ("max" = none) and its anonymous bytes in use. */
int64_t mem_available_from(const char *meminfo, const char *cg_limit, const char *cg_anon);

/* A context's KV cache is allocated untouched and grows into memory as the text gets longer, so a
 * context larger than the available memory would start fine and be killed by the OOM killer deep
 * into a document. TOLK_OK when KV_BYTES (N_CACHES caches of N_CTX positions together) fit in the
 * available memory (or it cannot be read), else TOLK_E_NOMEM with one line naming the sizes and
 * what to lower. */
int mem_check_kv(size_t kv_bytes, int n_caches, int64_t n_ctx, tolk_error *err);

#endif
