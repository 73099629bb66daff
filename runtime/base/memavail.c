/* Available memory (see memavail.h). MemAvailable counts reclaimable page cache as available, and
 * so does this file for a cgroup: its limit minus its anonymous memory (v2 memory.stat "anon", v1
 * "total_rss"), because the page cache a cgroup holds (the mapped model among it) is given back
 * under pressure while anonymous memory is not (no swap assumed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memavail.h"

/* The value of "KEY <number>" in a text of such lines (the number times UNIT), or -1. */
static int64_t keyed_value(const char *text, const char *key, int64_t unit)
{
    const size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) != 0 || (p[kl] != ' ' && p[kl] != ':' && p[kl] != '\t'))
            continue;
        const char *v = p + kl + (p[kl] == ':');
        char *end;
        long long n = strtoll(v, &end, 10);
        if (end == v || n < 0)
            return -1;
        return (int64_t)n * unit;
    }
    return -1;
}

int64_t mem_available_from(const char *meminfo, const char *cg_limit, const char *cg_anon)
{
    int64_t avail = meminfo ? keyed_value(meminfo, "MemAvailable", 1024) : -1;
    if (cg_limit && strncmp(cg_limit, "max", 3) != 0) {
        char *end;
        long long limit = strtoll(cg_limit, &end, 10);
        /* cgroup v1 writes "no limit" as a huge page-rounded number: anything past 2^60 is none */
        if (end != cg_limit && limit > 0 && limit < (1ll << 60)) {
            long long anon = 0;
            if (cg_anon)
                anon = strtoll(cg_anon, NULL, 10);
            int64_t left = limit > anon ? (int64_t)(limit - anon) : 0;
            if (avail < 0 || left < avail)
                avail = left;
        }
    }
    return avail;
}

/* Reads a small text file into BUF (NUL-terminated); 0 on success. */
static int read_text(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n ? 0 : -1;
}

/* The cgroup folder of this process for the memory controller: v2 ("0::/path") or v1
 * ("N:memory:/path", also "N:...,memory,...:/path"). Returns the root to look under, or NULL. */
static const char *cgroup_dir(char *path, size_t cap, char *buf, size_t buf_cap)
{
    if (read_text("/proc/self/cgroup", buf, buf_cap))
        return NULL;
    const char *v1 = NULL, *v2 = NULL;
    for (char *line = buf; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2) {
            *c2 = '\0';
            const char *ctrl = c1 + 1;
            if (strcmp(line, "0") == 0 && *ctrl == '\0')
                v2 = c2 + 1;
            for (const char *s = ctrl; s && *s; s = strchr(s, ','), s = s ? s + 1 : NULL)
                if (strncmp(s, "memory", 6) == 0 && (s[6] == ',' || s[6] == '\0'))
                    v1 = c2 + 1;
        }
        line = next;
    }
    if (v1 && snprintf(path, cap, "/sys/fs/cgroup/memory%s", v1) < (int)cap)
        return "v1";
    if (v2 && snprintf(path, cap, "/sys/fs/cgroup%s", v2) < (int)cap)
        return "v2";
    return NULL;
}

int64_t mem_available_bytes(void)
{
    char meminfo[8192], groups[4096], limit[64], stat[8192], file[512];
    char dir[400];
    const char *mi = read_text("/proc/meminfo", meminfo, sizeof meminfo) ? NULL : meminfo;
    const char *lim = NULL, *anon = NULL;
    char anon_text[32];
    const char *kind = cgroup_dir(dir, sizeof dir, groups, sizeof groups);
    if (kind) {
        const int v1 = strcmp(kind, "v1") == 0;
        snprintf(file, sizeof file, "%s/%s", dir, v1 ? "memory.limit_in_bytes" : "memory.max");
        lim = read_text(file, limit, sizeof limit) ? NULL : limit;
        snprintf(file, sizeof file, "%s/memory.stat", dir);
        if (lim && !read_text(file, stat, sizeof stat)) {
            int64_t a = keyed_value(stat, v1 ? "total_rss" : "anon", 1);
            if (a >= 0) {
                snprintf(anon_text, sizeof anon_text, "%lld", (long long)a);
                anon = anon_text;
            }
        }
    }
    return mem_available_from(mi, lim, anon);
}

int mem_check_kv(size_t kv_bytes, int n_caches, int64_t n_ctx, tolk_error *err)
{
    const int64_t avail = mem_available_bytes();
    if (avail < 0 || (uint64_t)kv_bytes <= (uint64_t)avail)
        return TOLK_OK;
    const double mib = 1024.0 * 1024.0;
    if (n_caches > 1)
        return error_set(err, TOLK_E_NOMEM, "the KV caches of %d slots of %lld positions need %.0f MiB, but only "
                         "%.0f MiB of memory is available; use fewer slots, a smaller context (-c) or --kv-type q8_0",
                         n_caches, (long long)n_ctx, (double)kv_bytes / mib, (double)avail / mib);
    return error_set(err, TOLK_E_NOMEM, "the KV cache of %lld positions needs %.0f MiB, but only %.0f MiB of memory "
                     "is available; use a smaller context (-c) or --kv-type q8_0",
                     (long long)n_ctx, (double)kv_bytes / mib, (double)avail / mib);
}
