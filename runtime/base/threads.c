/* Thread count and CPU pinning. With hwloc: one thread per physical core, performance cores first
 * (cpukinds), NUMA-aware ordering. Without: Linux sysfs topology and sched affinity. Either way
 * each thread is pinned when it first runs for a plan and stays so while the same plan keeps using
 * it, so the per-token parallel regions reuse warm, placed threads. */
#include <config.h>

#include <ctype.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_HWLOC
#include <hwloc.h>
#endif

#include "error.h"
#include "threads.h"

#define MAX_CPUS 1024

typedef struct core_list {
    int n;
    int cpu[MAX_CPUS];  /* first logical CPU of each physical core, best cores first */
    int node[MAX_CPUS]; /* NUMA node of that core (0 when unknown) */
    int n_perf;         /* how many of them are performance cores (all, on non-hybrid CPUs) */
} core_list;

static bool cpu_allowed(int cpu)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return true;
    return cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set);
}

#ifdef HAVE_HWLOC
static int cores_from_hwloc(core_list *cl)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return -1;
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return -1;
    }
    int n_kinds = hwloc_cpukinds_get_nr(topo, 0);
    int n_cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    int best_eff = -1;
    int eff[MAX_CPUS];
    cl->n = 0;
    for (int i = 0; i < n_cores && cl->n < MAX_CPUS; i++) {
        hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, i);
        int pu = hwloc_bitmap_first(core->cpuset);
        if (pu < 0 || !cpu_allowed(pu))
            continue;
        int e = 0;
        if (n_kinds > 1) {
            int kind = hwloc_cpukinds_get_by_cpuset(topo, core->cpuset, 0);
            if (kind >= 0)
                hwloc_cpukinds_get_info(topo, (unsigned)kind, NULL, &e, NULL, NULL, 0);
        }
        hwloc_obj_t numa = NULL;
        hwloc_obj_t anc = core;
        while (anc && !anc->memory_arity)
            anc = anc->parent;
        if (anc && anc->memory_first_child)
            numa = anc->memory_first_child;
        cl->cpu[cl->n] = pu;
        cl->node[cl->n] = numa ? (int)numa->os_index : 0;
        eff[cl->n] = e;
        if (e > best_eff)
            best_eff = e;
        cl->n++;
    }
    hwloc_topology_destroy(topo);
    /* Stable sort by efficiency, highest (performance cores) first. */
    for (int i = 1; i < cl->n; i++)
        for (int j = i; j > 0 && eff[j] > eff[j - 1]; j--) {
            int t = eff[j]; eff[j] = eff[j - 1]; eff[j - 1] = t;
            t = cl->cpu[j]; cl->cpu[j] = cl->cpu[j - 1]; cl->cpu[j - 1] = t;
            t = cl->node[j]; cl->node[j] = cl->node[j - 1]; cl->node[j - 1] = t;
        }
    cl->n_perf = 0;
    while (cl->n_perf < cl->n && eff[cl->n_perf] == best_eff)
        cl->n_perf++;
    return cl->n > 0 ? 0 : -1;
}
#endif

static int read_sys_int(int cpu, const char *what)
{
    char path[128];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, what);
    FILE *f = fopen(path, "r");
    int v = -1;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* Without hwloc: first logical CPU of each (package, core) pair among the allowed CPUs. */
static int cores_from_sysfs(core_list *cl)
{
    int pkg[MAX_CPUS], core[MAX_CPUS];
    cl->n = 0;
    long n_cpu = sysconf(_SC_NPROCESSORS_CONF);
    for (int cpu = 0; cpu < n_cpu && cpu < MAX_CPUS && cl->n < MAX_CPUS; cpu++) {
        if (!cpu_allowed(cpu))
            continue;
        int p = read_sys_int(cpu, "physical_package_id"), c = read_sys_int(cpu, "core_id");
        bool dup = false;
        for (int k = 0; k < cl->n && c >= 0; k++)
            dup |= pkg[k] == p && core[k] == c;
        if (dup)
            continue;
        pkg[cl->n] = p;
        core[cl->n] = c;
        cl->node[cl->n] = 0;
        cl->cpu[cl->n++] = cpu;
    }
    cl->n_perf = cl->n;
    return cl->n > 0 ? 0 : -1;
}

static void get_cores(core_list *cl)
{
#ifdef HAVE_HWLOC
    if (cores_from_hwloc(cl) == 0)
        return;
#endif
    if (cores_from_sysfs(cl) != 0) {
        cl->n = cl->n_perf = 1;
        cl->cpu[0] = 0;
        cl->node[0] = 0;
    }
}

int threads_default_count(void)
{
    core_list cl;
    get_cores(&cl);
    return cl.n_perf > 0 ? cl.n_perf : 1;
}

int threads_numa_parse(const char *s)
{
    if (!strcmp(s, "none"))
        return THREADS_NUMA_NONE;
    if (!strcmp(s, "distribute"))
        return THREADS_NUMA_DISTRIBUTE;
    if (!strcmp(s, "isolate"))
        return THREADS_NUMA_ISOLATE;
    return -1;
}

/* Hex mask (optional 0x, least significant bit = CPU 0) into a list of allowed CPUs. */
static int parse_mask(const char *mask, int *cpus, int *n, tolk_error *err)
{
    const char *p = mask;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    size_t len = strlen(p);
    if (len == 0 || len > MAX_CPUS / 4)
        return error_set(err, TOLK_E_ARG, "--cpu-mask '%s' is not a hex mask of at most %d CPUs", mask, MAX_CPUS);
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[len - 1 - i];
        if (!isxdigit((unsigned char)c))
            return error_set(err, TOLK_E_ARG, "--cpu-mask '%s' is not a hex mask", mask);
        int v = isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
        for (int b = 0; b < 4; b++)
            if (v & (1 << b) && cpu_allowed((int)i * 4 + b))
                cpus[(*n)++] = (int)i * 4 + b;
    }
    if (*n == 0)
        return error_set(err, TOLK_E_ARG, "--cpu-mask '%s' selects no CPU this process may use", mask);
    return TOLK_OK;
}

int threads_plan_make(threads_plan *plan, int n_threads, const char *cpu_mask, int numa, tolk_error *err)
{
    memset(plan, 0, sizeof *plan);
    core_list cl;
    get_cores(&cl);
#ifdef HAVE_HWLOC
    plan->from_hwloc = true;
#endif
    if (n_threads < 0 || n_threads > MAX_CPUS)
        return error_set(err, TOLK_E_ARG, "thread count %d is out of range (1..%d)", n_threads, MAX_CPUS);
    if (cpu_mask) {
        int rc = parse_mask(cpu_mask, plan->cpus, &plan->n_cpus, err);
        if (rc)
            return rc;
        plan->n_threads = n_threads > 0 ? n_threads : plan->n_cpus;
        return TOLK_OK;
    }
    plan->n_threads = n_threads > 0 ? n_threads : (cl.n_perf > 0 ? cl.n_perf : 1);
    if (numa == THREADS_NUMA_ISOLATE) {
        int here = sched_getcpu(), home = 0;
        for (int i = 0; i < cl.n; i++)
            if (cl.cpu[i] == here)
                home = cl.node[i];
        for (int i = 0; i < cl.n; i++)
            if (cl.node[i] == home)
                plan->cpus[plan->n_cpus++] = cl.cpu[i];
    } else if (numa == THREADS_NUMA_DISTRIBUTE) {
        /* Round r takes the r-th core of every node, so consecutive threads alternate nodes. */
        for (int r = 0; plan->n_cpus < cl.n; r++)
            for (int i = 0; i < cl.n; i++) {
                int rank = 0;
                for (int k = 0; k < i; k++)
                    rank += cl.node[k] == cl.node[i];
                if (rank == r)
                    plan->cpus[plan->n_cpus++] = cl.cpu[i];
            }
    } else if (numa == THREADS_NUMA_NONE) {
        for (int i = 0; i < cl.n; i++)
            plan->cpus[plan->n_cpus++] = cl.cpu[i];
    } else {
        return error_set(err, TOLK_E_ARG, "unknown NUMA policy (use distribute, isolate or none)");
    }
    /* More threads than cores: leave placement to the OS rather than stacking threads on a core. */
    if (plan->n_threads > plan->n_cpus)
        plan->n_cpus = 0;
    return TOLK_OK;
}

/* What threads_place did to the calling thread: the CPU it pinned it to (-1: none) and the
 * affinity it had before. */
static _Thread_local int placed_cpu = -1;
static _Thread_local cpu_set_t placed_from;

void threads_place(const int *cpus, int n_cpus, int thread)
{
    const int want = n_cpus > 0 ? cpus[thread % n_cpus] : -1;
    if (want == placed_cpu)
        return;
    if (want < 0) {
        threads_unplace();
        return;
    }
    if (placed_cpu < 0 && pthread_getaffinity_np(pthread_self(), sizeof placed_from, &placed_from) != 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(want, &set);
    /* Best effort: a container may forbid it (then the thread stays where it was, and this is not
     * retried until the placement changes). */
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    placed_cpu = want;
}

void threads_unplace(void)
{
    if (placed_cpu < 0)
        return;
    (void)pthread_setaffinity_np(pthread_self(), sizeof placed_from, &placed_from);
    placed_cpu = -1;
}
