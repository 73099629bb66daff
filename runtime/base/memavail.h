/* How much memory this process can still take without being killed or swapping: the smaller of the
 * kernel's MemAvailable and what the memory cgroup the process runs in (v1 or v2) leaves under its
 * limit. Used to size things that would otherwise assume a big machine: the bandwidth probe's
 * buffer and the weight prefetch of a model larger than memory. */
#ifndef TOLK_MEMAVAIL_H
#define TOLK_MEMAVAIL_H

#include <stdint.h>

/* Bytes available, or -1 when nothing could be read (not Linux, no /proc). */
int64_t mem_available_bytes(void);

/* The same from explicit files, for tests: MEMINFO is a /proc/meminfo text; CG_LIMIT and CG_ANON
 * (either may be NULL) the cgroup's limit in bytes ("max" = none) and its anonymous bytes in use. */
int64_t mem_available_from(const char *meminfo, const char *cg_limit, const char *cg_anon);

#endif
