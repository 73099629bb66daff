/* Every CUDA kernel (gpu/gpu_kernels.h) against the CPU on random data, for 1..8, 9, 64 and 512
 * token columns: activation quantization (bytes equal to simd_quantize_act), mat×vec on each weight
 * type for 1..8 columns (against simd_matvec), mat×mat through F16 + cuBLAS for every column count
 * (against a double-precision product of the dequantized rows), RMSNorm, RoPE in both styles,
 * SwiGLU, GeGLU, softmax, argmax and attention over an F16 cache (decode and prompt, with and
 * without a sliding window) against runtime/forward/ops.c and a double-precision reference. Prints
 * the largest error of each case beside its bound. Built with --with-cuda; without a device it
 * reports SKIP with the reason (exit 77). Builds without CUDA link it with a host emulation of the
 * kernels instead (tests/gpu_emulated.c, GPU_CHECK_EMULATED) to exercise the checks themselves. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "gpu_blocks.h"
#include "gpu_kernels.h"
#include "ops.h"
#include "simd.h"

static int n_failed, n_checked;
static uint64_t rng = 0x2545f4914f6cdd1du;

static float uniform(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 40) & 0xffffff) / 16777216.0f;
}

/* Records one case: its largest error against its bound. */
static void report(const char *kernel, const char *type, int cols, double err, double bound)
{
    int ok = err <= bound; /* NaN fails */
    n_checked++;
    n_failed += !ok;
    printf("%-4s %-12s %-5s cols %3d  max err %.3g  (bound %.3g)\n", ok ? "ok" : "FAIL", kernel, type, cols, err,
           bound);
}

/* Stops the program when a CUDA call fails: the check cannot go on meaningfully. */
static void must(int rc, const char *what)
{
    if (rc) {
        printf("FAIL: %s: %s\n", what, gpu_last_error());
        exit(EXIT_FAILURE);
    }
}

static void *dev_copy(const void *src, size_t bytes)
{
    void *d = gpu_alloc(bytes);
    if (!d)
        must(-1, "gpu_alloc");
    must(gpu_upload(d, src, bytes), "upload");
    return d;
}

static const int w_types[] = {GPU_T_F32, GPU_T_F16, GPU_T_BF16, GPU_T_Q4_0, GPU_T_Q5_0,
                              GPU_T_Q8_0, GPU_T_Q4_K, GPU_T_Q6_K};
#ifdef GPU_CHECK_EMULATED
static const int col_counts[] = {1, 2, 8, 9, 64}; /* the host emulation is slow; fewer shapes */
#else
static const int col_counts[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 512};
#endif
#define N_IN 2048
#define N_ROWS 384

static void check_matrix_kernels(int wtype)
{
    const char *name = simd_traits((uint32_t)wtype)->name;
    const size_t wrow = simd_row_bytes((uint32_t)wtype, N_IN), arow = simd_act_row_bytes((uint32_t)wtype, N_IN);
    float *wf = malloc(sizeof(float) * N_IN * N_ROWS), *x = malloc(sizeof(float) * N_IN * 512);
    uint8_t *w = malloc(wrow * N_ROWS), *qx = malloc(arow * 512), *qx_gpu = malloc(arow * 512);
    float *y_cpu = malloc(sizeof(float) * N_ROWS * 512), *y_gpu = malloc(sizeof(float) * N_ROWS * 512);
    double *mag = malloc(sizeof(double) * N_ROWS * 512), *exact = malloc(sizeof(double) * N_ROWS * 512);
    for (int64_t i = 0; i < (int64_t)N_IN * N_ROWS; i++)
        wf[i] = uniform(-1.0f, 1.0f);
    for (int r = 0; r < N_ROWS; r++)
        simd_quantize_row((uint32_t)wtype, wf + (int64_t)r * N_IN, w + (size_t)r * wrow, N_IN);
    for (int r = 0; r < N_ROWS; r++) /* the weights as stored, for the float references */
        simd_dequantize_row((uint32_t)wtype, w + (size_t)r * wrow, wf + (int64_t)r * N_IN, N_IN);
    for (int64_t i = 0; i < (int64_t)N_IN * 512; i++)
        x[i] = uniform(-1.0f, 1.0f) * (i % 127 == 0 ? 5.0f : 1.0f);
    void *d_w = dev_copy(w, wrow * N_ROWS), *d_x = dev_copy(x, sizeof(float) * N_IN * 512);
    void *d_qx = gpu_alloc(arow * 512), *d_y = gpu_alloc(sizeof(float) * N_ROWS * 512);
    void *d_wh = gpu_alloc(2u * N_IN * N_ROWS), *d_xh = gpu_alloc(2u * N_IN * 512);
    if (!d_qx || !d_y || !d_wh || !d_xh)
        must(-1, "gpu_alloc");

    for (size_t c = 0; c < sizeof col_counts / sizeof col_counts[0]; c++) {
        const int cols = col_counts[c];
        /* activation quantization: the CPU path's bytes */
        for (int t = 0; t < cols; t++)
            simd_quantize_act((uint32_t)wtype, x + (int64_t)t * N_IN, qx + (size_t)t * arow, N_IN);
        must(gpu_quantize_act(wtype, d_x, d_qx, N_IN, cols), "quantize_act");
        must(gpu_download(qx_gpu, d_qx, arow * cols), "download");
        report("quantize_act", name, cols, memcmp(qx, qx_gpu, arow * cols) ? 1.0 : 0.0, 0.0);

        /* per output: the exact product of the stored weights and sum |w * x|, the scale of each bound */
        for (int t = 0; t < cols; t++)
            for (int r = 0; r < N_ROWS; r++) {
                double m = 0, s = 0;
                for (int i = 0; i < N_IN; i++) {
                    const double p = (double)wf[(int64_t)r * N_IN + i] * x[(int64_t)t * N_IN + i];
                    s += p;
                    m += fabs(p);
                }
                mag[(int64_t)t * N_ROWS + r] = m;
                exact[(int64_t)t * N_ROWS + r] = s;
            }
        if (cols <= GPU_MAX_MATVEC_COLS) {
            for (int t = 0; t < cols; t++)
                simd_matvec((uint32_t)wtype, w, wrow, N_IN, qx + (size_t)t * arow, y_cpu + (int64_t)t * N_ROWS, 0,
                            N_ROWS);
            must(gpu_matvec(wtype, d_w, wrow, N_IN, N_ROWS, d_qx, cols, d_y, N_ROWS), "matvec");
            must(gpu_download(y_gpu, d_y, sizeof(float) * N_ROWS * cols), "download");
            double worst = 0;
            for (int64_t k = 0; k < (int64_t)N_ROWS * cols; k++)
                worst = fmax(worst, fabs((double)y_gpu[k] - y_cpu[k]) / (mag[k] + 1e-30));
            report("matvec", name, cols, worst, 1e-5);
        }
        /* mat×mat: F16 weights and activations, f32 accumulation, against the exact product */
        must(gpu_matmul(wtype, d_w, wrow, N_IN, N_ROWS, d_x, cols, d_y, d_wh, d_xh), "matmul");
        must(gpu_download(y_gpu, d_y, sizeof(float) * N_ROWS * cols), "download");
        double worst = 0;
        for (int64_t k = 0; k < (int64_t)N_ROWS * cols; k++)
            worst = fmax(worst, fabs(y_gpu[k] - exact[k]) / (mag[k] + 1e-30));
        /* two F16 roundings of 2^-11 each, plus BF16 weights' own 2^-8 when converted */
        report("matmul", name, cols, worst, wtype == GPU_T_BF16 ? 4e-3 : 2e-3);
    }
    gpu_free(d_w), gpu_free(d_x), gpu_free(d_qx), gpu_free(d_y), gpu_free(d_wh), gpu_free(d_xh);
    free(wf), free(x), free(w), free(qx), free(qx_gpu), free(y_cpu), free(y_gpu), free(mag), free(exact);
}

/* Largest |a - b| / max(1, |b|) over n values. */
static double max_rel(const float *a, const float *b, int64_t n)
{
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]) / fmax(1.0, fabs((double)b[i]));
        worst = isnan(e) ? INFINITY : fmax(worst, e);
    }
    return worst;
}

static void check_row_kernels(int rows)
{
    const int64_t n = 2048, hd = 128, nh = 16, total = n * rows;
    float *x = malloc(sizeof(float) * total), *w = malloc(sizeof(float) * n), *u = malloc(sizeof(float) * total);
    float *cpu = malloc(sizeof(float) * total), *gpu = malloc(sizeof(float) * total);
    float *cs = malloc(sizeof(float) * hd * rows);
    for (int64_t i = 0; i < total; i++) {
        x[i] = uniform(-4.0f, 4.0f);
        u[i] = uniform(-2.0f, 2.0f);
    }
    for (int64_t i = 0; i < n; i++)
        w[i] = uniform(0.5f, 1.5f);
    float *d_x = dev_copy(x, sizeof(float) * total), *d_w = dev_copy(w, sizeof(float) * n);
    float *d_u = dev_copy(u, sizeof(float) * total), *d_y = gpu_alloc(sizeof(float) * total);

    memcpy(cpu, x, sizeof(float) * total);
    for (int r = 0; r < rows; r++)
        ops_rmsnorm(cpu + r * n, w, cpu + r * n, n, 1e-6f);
    must(gpu_rmsnorm(d_x, d_w, d_y, n, rows, 1e-6f), "rmsnorm");
    must(gpu_download(gpu, d_y, sizeof(float) * total), "download");
    report("rmsnorm", "f32", rows, max_rel(gpu, cpu, total), 1e-6);

    /* RoPE, both styles, full and partial rotation, positions 1000 + t */
    for (int style = 0; style < 2; style++)
        for (int64_t n_rot = hd; n_rot >= hd / 2; n_rot -= hd / 2) {
            rope_params rp = {.base = 10000.0f, .freq_scale = 1.0f, .attn_factor = 1.0f, .beta_fast = 32.0f,
                              .beta_slow = 1.0f, .n_ctx_orig = 4096};
            for (int t = 0; t < rows; t++)
                ops_rope_cache(&rp, n_rot, NULL, 1000 + t, cs + t * n_rot);
            memcpy(cpu, x, sizeof(float) * total);
            for (int t = 0; t < rows; t++)
                for (int64_t h = 0; h < nh; h++)
                    ops_rope_apply(cpu + (t * nh + h) * hd, n_rot, style ? ROPE_NEOX : ROPE_NORM, cs + t * n_rot);
            float *d_cs = dev_copy(cs, sizeof(float) * n_rot * rows);
            must(gpu_upload(d_y, x, sizeof(float) * total), "upload");
            must(gpu_rope(d_y, hd, nh, rows, n_rot, style, d_cs), "rope");
            must(gpu_download(gpu, d_y, sizeof(float) * total), "download");
            gpu_free(d_cs);
            report(style ? "rope neox" : "rope norm", n_rot == hd ? "full" : "half", rows, max_rel(gpu, cpu, total),
                   0.0);
        }

    ops_swiglu(x, u, cpu, total);
    must(gpu_swiglu(d_x, d_u, d_y, total), "swiglu");
    must(gpu_download(gpu, d_y, sizeof(float) * total), "download");
    report("swiglu", "f32", rows, max_rel(gpu, cpu, total), 1e-6);
    ops_geglu(x, u, cpu, total);
    must(gpu_geglu(d_x, d_u, d_y, total), "geglu");
    must(gpu_download(gpu, d_y, sizeof(float) * total), "download");
    report("geglu", "f16 table", rows, max_rel(gpu, cpu, total), 2e-3); /* one f16 ulp of the table */

    /* softmax with masked entries */
    for (int64_t i = 0; i < total; i++)
        cpu[i] = (i % 7 == 3) ? -INFINITY : x[i] * 3.0f;
    must(gpu_upload(d_y, cpu, sizeof(float) * total), "upload");
    for (int r = 0; r < rows; r++)
        ops_softmax(cpu + r * n, n);
    must(gpu_softmax(d_y, n, rows), "softmax");
    must(gpu_download(gpu, d_y, sizeof(float) * total), "download");
    report("softmax", "f32", rows, max_rel(gpu, cpu, total), 1e-6);

    /* argmax, with ties planted: the lowest index wins */
    int32_t *ids = malloc(sizeof(int32_t) * rows), *d_ids = gpu_alloc(sizeof(int32_t) * rows);
    for (int r = 0; r < rows; r++) {
        x[r * n + (r * 37) % n] = 100.0f;
        x[r * n + (r * 37 + 5) % n] = 100.0f;
    }
    must(gpu_upload(d_x, x, sizeof(float) * total), "upload");
    must(gpu_argmax(d_x, n, rows, d_ids), "argmax");
    must(gpu_download(ids, d_ids, sizeof(int32_t) * rows), "download");
    int wrong = 0;
    for (int r = 0; r < rows; r++) {
        int best = 0;
        for (int64_t i = 1; i < n; i++)
            if (x[r * n + i] > x[r * n + best])
                best = (int)i;
        wrong += ids[r] != best;
    }
    report("argmax", "f32", rows, wrong, 0);
    gpu_free(d_ids), free(ids);
    gpu_free(d_x), gpu_free(d_w), gpu_free(d_u), gpu_free(d_y);
    free(x), free(w), free(u), free(cpu), free(gpu), free(cs);
}

/* Attention of `rows` queries at positions pos0.. over an F16 cache, against double precision. */
static void check_attention(int rows, int64_t head_dim, int64_t window)
{
    const int64_t n_head = 8, n_kv = 2, pos0 = 300, n_pos = pos0 + rows, stride = n_kv * head_dim;
    const int64_t nq = rows * n_head * head_dim;
    float *q = malloc(sizeof(float) * nq), *out = malloc(sizeof(float) * nq);
    uint16_t *k = malloc(2 * n_pos * stride), *v = malloc(2 * n_pos * stride);
    double *p = malloc(sizeof(double) * n_pos);
    for (int64_t i = 0; i < nq; i++)
        q[i] = uniform(-1.0f, 1.0f);
    for (int64_t i = 0; i < n_pos * stride; i++) {
        k[i] = simd_f32_to_f16(uniform(-1.0f, 1.0f));
        v[i] = simd_f32_to_f16(uniform(-1.0f, 1.0f));
    }
    const float scale = 1.0f / sqrtf((float)head_dim);
    float *d_q = dev_copy(q, sizeof(float) * nq), *d_out = gpu_alloc(sizeof(float) * nq);
    uint16_t *d_k = dev_copy(k, 2 * n_pos * stride), *d_v = dev_copy(v, 2 * n_pos * stride);
    must(gpu_attention(d_q, d_k, d_v, d_out, rows, pos0, n_head, n_kv, head_dim, stride, window, scale), "attention");
    must(gpu_download(out, d_out, sizeof(float) * nq), "download");
    double worst = 0;
    for (int64_t t = 0; t < rows; t++)
        for (int64_t h = 0; h < n_head; h++) {
            const int64_t pos = pos0 + t, lo = window && pos - window + 1 > 0 ? pos - window + 1 : 0;
            const int64_t g = h / (n_head / n_kv);
            const float *qh = q + (t * n_head + h) * head_dim;
            double mx = -INFINITY, sum = 0;
            for (int64_t j = lo; j <= pos; j++) {
                double s = 0;
                for (int64_t d = 0; d < head_dim; d++)
                    s += (double)qh[d] * simd_f16_to_f32(k[j * stride + g * head_dim + d]);
                p[j] = s * scale;
                mx = fmax(mx, p[j]);
            }
            for (int64_t j = lo; j <= pos; j++)
                sum += p[j] = exp(p[j] - mx);
            for (int64_t d = 0; d < head_dim; d++) {
                double o = 0;
                for (int64_t j = lo; j <= pos; j++)
                    o += p[j] / sum * simd_f16_to_f32(v[j * stride + g * head_dim + d]);
                worst = fmax(worst, fabs(out[(t * n_head + h) * head_dim + d] - o));
            }
        }
    char what[32];
    snprintf(what, sizeof what, "hd%d w%d", (int)head_dim, (int)window);
    report("attention", what, rows, worst, 1e-5);
    gpu_free(d_q), gpu_free(d_out), gpu_free(d_k), gpu_free(d_v);
    free(q), free(out), free(k), free(v), free(p);
}

int main(void)
{
#ifdef GPU_CHECK_EMULATED
    printf("the kernels emulated on the host (tests/gpu_emulated.c): this checks the references, layouts "
           "and bounds of the GPU check, not the CUDA code\n");
#else
    if (gpu_device_count() == 0) {
        printf("SKIP (cpu): no CUDA device or driver here (tolk --version lists the devices)\n");
        return 77;
    }
    char desc[256];
    if (gpu_describe(0, desc, sizeof desc) == 0)
        printf("device 0: %s\n", desc);
#endif
    for (size_t t = 0; t < sizeof w_types / sizeof w_types[0]; t++)
        check_matrix_kernels(w_types[t]);
    for (size_t c = 0; c < sizeof col_counts / sizeof col_counts[0]; c++) {
        check_row_kernels(col_counts[c]);
        for (int64_t hd = 64; hd <= 256; hd *= 2)
            check_attention(col_counts[c], hd, 0);
        check_attention(col_counts[c], 128, 64);
    }
    printf("%d cases, %d failed\n", n_checked, n_failed);
    return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
