/* Kernel benchmark: per weight format and per kernel path this CPU runs, mat x vec GB/s on a
 * 4096 x 14336 matrix (copies rotated so the set is far larger than L3), mat x mat GOP/s with 512
 * activation rows (--tokens), and the machine's measured read bandwidth beside them; Q8_0 also on
 * the 262144 x 640 shape of a tied token embedding used as output head. Threads split rows the
 * way the runtime does (OpenMP, contiguous row ranges). `--json` prints one object per line. */
#include <omp.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "membw.h"
#include "kernels.h"
#include "simd.h"

enum { HOT_ROWS = 128, HOT_REPS = 200 }; /* a matrix that stays in L2: the kernel's compute ceiling */
enum { N_IN = 4096, MV_ROWS = 14336, MM_ROWS = 4096, MM_TOK = 512, SCALAR_MM_TOK = 16, HEAD_ROWS = 262144, HEAD_IN = 640 };

static const uint32_t types[] = {TOLK_TYPE_Q4_0, TOLK_TYPE_Q4_1, TOLK_TYPE_Q5_0, TOLK_TYPE_Q5_1, TOLK_TYPE_Q8_0,
                                 TOLK_TYPE_Q2_K, TOLK_TYPE_Q3_K, TOLK_TYPE_Q4_K, TOLK_TYPE_Q5_K, TOLK_TYPE_Q6_K,
                                 TOLK_TYPE_F16,  TOLK_TYPE_BF16, TOLK_TYPE_F32,
                                 TOLK_TYPE_IQ4_NL, TOLK_TYPE_IQ4_XS};

static uint64_t rng = 88172645463325252ull;
static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)(rng >> 40) / 8388608.0f - 1.0f;
}

/* A matrix of rows quantized from random floats: 64 distinct rows tiled (content does not change
 * the speed, only the bytes touched do). */
static char *make_matrix(uint32_t type, int64_t rows, size_t rb, int n_in)
{
    char *m = malloc((size_t)rows * rb);
    float *x = malloc((size_t)n_in * sizeof(float));
    if (!m || !x) {
        free(m);
        free(x);
        return NULL;
    }
    for (int64_t r = 0; r < rows; r++) {
        if (r < 64) {
            for (int i = 0; i < n_in; i++)
                x[i] = frand();
            simd_quantize_row(type, x, m + r * rb, n_in);
        } else {
            memcpy(m + r * rb, m + (r % 64) * rb, rb);
        }
    }
    free(x);
    return m;
}

/* CPU seconds of the calling thread: on a machine shared with other jobs, wall time measures the
 * share we got; the slowest thread's CPU time measures the kernel (stalls on memory included). */
static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double max_cpu;

static void run_matvec(const simd_kernels *k, uint32_t t, const char *w, size_t rb, int n_in, const void *qx, float *y,
                       int64_t rows, int threads)
{
    max_cpu = 0.0;
#pragma omp parallel num_threads(threads)
    {
        double c0 = thread_cpu_s();
        int nt = omp_get_num_threads(), id = omp_get_thread_num();
        int64_t r0 = rows * id / nt, r1 = rows * (id + 1) / nt;
        if (k->matvec[t])
            k->matvec[t](w, rb, n_in, qx, y, r0, r1);
        else
            simd_matvec_generic(k->dot[t], w, rb, n_in, qx, y, r0, r1);
        double c = thread_cpu_s() - c0;
#pragma omp critical
        max_cpu = c > max_cpu ? c : max_cpu;
    }
}

static void run_matmul(const simd_kernels *k, uint32_t t, const char *w, size_t rb, const void *qx, size_t qrb,
                       int ntok, float *y, int64_t rows, int threads)
{
    max_cpu = 0.0;
#pragma omp parallel num_threads(threads)
    {
        double c0 = thread_cpu_s();
        int nt = omp_get_num_threads(), id = omp_get_thread_num();
        int64_t r0 = rows * id / nt / 8 * 8, r1 = id == nt - 1 ? rows : rows * (id + 1) / nt / 8 * 8;
        if (k->matmul[t]) {
            k->matmul[t](w, rb, N_IN, qx, qrb, ntok, y, (size_t)rows, r0, r1);
        } else {
            for (int tok = 0; tok < ntok; tok++)
                simd_matvec_generic(k->dot[t], w, rb, N_IN, (const char *)qx + (size_t)tok * qrb,
                                    y + (size_t)tok * rows, r0, r1);
        }
        double c = thread_cpu_s() - c0;
#pragma omp critical
        max_cpu = c > max_cpu ? c : max_cpu;
    }
}

/* The tied 262144 x 640 Q8_0 token embedding as output head: 20 blocks per row, so per-row costs
 * show; two copies rotate (356 MB, far beyond L3). */
static void bench_head(const float *xf, int threads, int json, double bw, double bw_cpu, const char *only_isa)
{
    uint32_t t = TOLK_TYPE_Q8_0;
    size_t rb = simd_row_bytes(t, HEAD_IN), bytes = (size_t)HEAD_ROWS * rb;
    char *m[2] = {make_matrix(t, HEAD_ROWS, rb, HEAD_IN), make_matrix(t, HEAD_ROWS, rb, HEAD_IN)};
    float *out = malloc((size_t)HEAD_ROWS * sizeof(float));
    char *qx = malloc(simd_act_row_bytes(t, HEAD_IN));
    if (!m[0] || !m[1] || !out || !qx) {
        fprintf(stderr, "bench_kernels: out of memory for the output-head shape\n");
        goto done;
    }
    simd_quantize_act(t, xf, qx, HEAD_IN);
    if (!json)
        printf("\noutput head: Q8_0 %d x %d (mat x vec)\n%-7s %11s %8s %10s %8s\n", HEAD_ROWS, HEAD_IN, "isa",
               "GB/s", "% of bw", "GB/s*cpu", "% of bw");
    for (int isa = 0; isa < SIMD_ISA_COUNT; isa++) {
        const simd_kernels *k = simd_kernels_for((simd_isa)isa);
        if (!k || (only_isa && strcmp(only_isa, k->name)))
            continue;
        double best = 1e30, best_cpu = 1e30;
        run_matvec(k, t, m[0], rb, HEAD_IN, qx, out, HEAD_ROWS, threads);
        for (int r = 0; r < (isa == SIMD_ISA_SCALAR ? 2 : 10); r++) {
            double t0 = omp_get_wtime();
            run_matvec(k, t, m[(r + 1) % 2], rb, HEAD_IN, qx, out, HEAD_ROWS, threads);
            double dt = omp_get_wtime() - t0;
            best = dt < best ? dt : best;
            best_cpu = max_cpu < best_cpu ? max_cpu : best_cpu;
        }
        double gbs = (double)bytes / best / 1e9, gbs_cpu = (double)bytes / best_cpu / 1e9;
        if (json)
            printf("{\"bench\":\"kernel_head\",\"type\":\"Q8_0\",\"isa\":\"%s\",\"threads\":%d,\"matvec_rows\":%d,"
                   "\"n_in\":%d,\"matvec_gbs\":%.2f,\"read_bw_gbs\":%.2f,\"matvec_bw_frac\":%.3f,\"matvec_gbs_cpu\":%.2f,"
                   "\"read_bw_gbs_cpu\":%.2f}\n",
                   k->name, threads, HEAD_ROWS, HEAD_IN, gbs, bw, gbs / bw, gbs_cpu, bw_cpu);
        else
            printf("%-7s %11.2f %7.0f%% %10.2f %7.0f%%\n", k->name, gbs, 100 * gbs / bw, gbs_cpu, 100 * gbs_cpu / bw_cpu);
        fflush(stdout);
    }
done:
    free(m[0]);
    free(m[1]);
    free(out);
    free(qx);
}

int main(int argc, char **argv)
{
    int json = 0, threads = 2, mm_tok = MM_TOK, mm_only = 0;
    const char *only = NULL, *only_isa = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--matmul-only"))
            mm_only = 1;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--type") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--isa") && i + 1 < argc)
            only_isa = argv[++i];
        else if (!strcmp(argv[i], "--tokens") && i + 1 < argc && atoi(argv[i + 1]) >= 1 && atoi(argv[i + 1]) <= MM_TOK)
            mm_tok = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--json] [--matmul-only] [--threads N] [--type NAME] [--isa NAME] [--tokens 1..%d]\n", argv[0], MM_TOK);
            return 2;
        }
    }
    char err[200];
    if (simd_init(err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_kernels: %s\n", err);
        return 1;
    }
    double bw_cpu = 1.0, bw = mm_only ? 1.0 : membw_measure((size_t)1 << 30, threads, 5, &bw_cpu);
    double load[3] = {0, 0, 0};
    FILE *la = fopen("/proc/loadavg", "r"); /* a busy machine skews wall-clock numbers; say so */
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = -1;
        fclose(la);
    }
    if (json)
        printf("{\"bench\":\"read_bandwidth\",\"threads\":%d,\"gbs\":%.2f,\"gbs_cpu\":%.2f,\"loadavg\":%.2f}\n",
               threads, bw, bw_cpu, load[0]);
    else
        printf("load average %.2f; measured read bandwidth, %d threads: %.2f GB/s (%.2f GB/s*cpu)\n"
               "(*cpu: per CPU-second of the slowest thread, i.e. what an unshared machine would give)\n\n"
               "%-6s %-7s %10s %8s %10s %8s %12s %10s %8s %10s\n",
               load[0], threads, bw, bw_cpu, "type", "isa", "matvec GB/s", "% of bw", "GB/s*cpu", "% of bw", "matmul GOP/s", "GOP/s*cpu",
               "tokens", "L2 GB/s*cpu");
    float *xf = malloc((size_t)MM_TOK * N_IN * sizeof(float));
    float *y = malloc((size_t)MM_TOK * MM_ROWS * sizeof(float) + MV_ROWS * sizeof(float));
    for (size_t i = 0; i < (size_t)MM_TOK * N_IN; i++)
        xf[i] = frand();
    for (size_t ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++) {
        uint32_t t = types[ti];
        if (only && strcmp(only, simd_traits(t)->name))
            continue;
        size_t rb = simd_row_bytes(t, N_IN), qrb = simd_act_row_bytes(t, N_IN);
        size_t mv_bytes = (size_t)MV_ROWS * rb;
        int copies = mm_only ? 1 : (int)(((size_t)256 << 20) / mv_bytes) + 1; /* > 8x L3 in rotation */
        char *mv[16] = {0};
        copies = copies > 16 ? 16 : copies;
        for (int c = 0; c < copies; c++)
            mv[c] = make_matrix(t, MV_ROWS, rb, N_IN);
        char *qx = malloc((size_t)MM_TOK * qrb);
        for (int i = 0; i < MM_TOK; i++)
            simd_quantize_act(t, xf + (size_t)i * N_IN, qx + (size_t)i * qrb, N_IN);
        for (int isa = 0; isa < SIMD_ISA_COUNT; isa++) {
            const simd_kernels *k = simd_kernels_for((simd_isa)isa);
            if (!k || !k->dot[t] || (only_isa && strcmp(only_isa, k->name)))
                continue;
            int reps = isa == SIMD_ISA_SCALAR ? 2 : 12;
            double best = 1e30, best_cpu = 1e30;
            if (mm_only)
                reps = 0;
            else
                run_matvec(k, t, mv[0], rb, N_IN, qx, y, MV_ROWS, threads); /* warm-up: page faults, frequency */
            for (int r = 0; r < reps; r++) {
                double t0 = omp_get_wtime();
                run_matvec(k, t, mv[(r + 1) % copies], rb, N_IN, qx, y, MV_ROWS, threads);
                double dt = omp_get_wtime() - t0;
                best = dt < best ? dt : best;
                best_cpu = max_cpu < best_cpu ? max_cpu : best_cpu;
            }
            double gbs = (double)mv_bytes / best / 1e9, gbs_cpu = (double)mv_bytes / best_cpu / 1e9;
            double hot_cpu = 0.0;
            for (int r = 0; !mm_only && r < (isa == SIMD_ISA_SCALAR ? 2 : HOT_REPS); r++) {
                run_matvec(k, t, mv[0], rb, N_IN, qx, y, HOT_ROWS * threads, threads);
                hot_cpu += max_cpu;
            }
            double hot_gbs_cpu =
                mm_only ? 0.0 : (double)HOT_ROWS * threads * rb * (isa == SIMD_ISA_SCALAR ? 2 : HOT_REPS) / hot_cpu / 1e9;
            int ntok = isa == SIMD_ISA_SCALAR && mm_tok > SCALAR_MM_TOK ? SCALAR_MM_TOK : mm_tok;
            double mm_best = 1e30, mm_cpu = 1e30;
            for (int r = 0; r < (isa == SIMD_ISA_SCALAR ? 1 : ntok < 64 ? 10 : 3); r++) {
                double t0 = omp_get_wtime();
                run_matmul(k, t, mv[0], rb, qx, qrb, ntok, y, MM_ROWS, threads);
                double dt = omp_get_wtime() - t0;
                mm_best = dt < mm_best ? dt : mm_best;
                mm_cpu = max_cpu < mm_cpu ? max_cpu : mm_cpu;
            }
            double ops = 2.0 * ntok * MM_ROWS * N_IN, gops = ops / mm_best / 1e9, gops_cpu = ops / mm_cpu / 1e9;
            if (json)
                printf("{\"bench\":\"kernel\",\"type\":\"%s\",\"isa\":\"%s\",\"threads\":%d,\"matvec_rows\":%d,"
                       "\"n_in\":%d,\"matvec_gbs\":%.2f,\"read_bw_gbs\":%.2f,\"matvec_bw_frac\":%.3f,"
                       "\"matvec_gbs_cpu\":%.2f,\"read_bw_gbs_cpu\":%.2f,\"matmul_rows\":%d,\"matmul_tokens\":%d,\"matmul_gops\":%.2f,"
                       "\"matmul_gops_cpu\":%.2f,\"matvec_hot_gbs_cpu\":%.2f}\n",
                       simd_traits(t)->name, k->name, threads, MV_ROWS, N_IN, gbs, bw, gbs / bw, gbs_cpu, bw_cpu, MM_ROWS, ntok,
                       gops, gops_cpu, hot_gbs_cpu);
            else
                printf("%-6s %-7s %11.2f %7.0f%% %10.2f %7.0f%% %12.2f %10.2f %7d %10.2f\n", simd_traits(t)->name, k->name,
                       gbs, 100 * gbs / bw, gbs_cpu, 100 * gbs_cpu / bw_cpu, gops, gops_cpu, ntok, hot_gbs_cpu);
            fflush(stdout);
        }
        for (int c = 0; c < copies; c++)
            free(mv[c]);
        free(qx);
    }
    if (!mm_only && (!only || !strcmp(only, "Q8_0")))
        bench_head(xf, threads, json, bw, bw_cpu, only_isa);
    free(xf);
    free(y);
    return 0;
}
