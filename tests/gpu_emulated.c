/* gpu/gpu_kernels.h implemented on the host, kernel by kernel with the kernels' arithmetic (the
 * shared gpu_blocks.h code, the same rounding steps and summation shapes: lanes of 32 units
 * reduced in a tree for mat×vec, four warps with an online softmax merged at the end for
 * attention). "Device memory" is host memory. Linked with tests/gpu_kernels_check.c into
 * tests/test_gpu_check_emulated in builds without CUDA, so the GPU check's references, layouts and
 * error bounds are exercised on every CI run; it says nothing about the CUDA code itself. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_blocks.h"
#include "gpu_kernels.h"

const char *gpu_last_error(void)
{
    return "";
}

void *gpu_alloc(size_t bytes)
{
    return malloc(bytes ? bytes : 1);
}

void gpu_free(void *d_p)
{
    free(d_p);
}

int gpu_upload(void *d_dst, const void *src, size_t bytes)
{
    memcpy(d_dst, src, bytes);
    return 0;
}

int gpu_download(void *dst, const void *d_src, size_t bytes)
{
    memcpy(dst, d_src, bytes);
    return 0;
}

int gpu_sync(void)
{
    return 0;
}

size_t gpu_act_row_bytes(int wtype, int64_t n)
{
    int at = gpu_act_type(wtype);
    return (size_t)(n / gpu_block_elems(at)) * (size_t)gpu_block_bytes(at);
}

int gpu_quantize_act(int wtype, const float *x, void *qx, int64_t n, int64_t n_tok)
{
    const int at = gpu_act_type(wtype);
    const int64_t total = n * n_tok;
    if (n % gpu_block_elems(at))
        return -1;
    for (int64_t i = 0; i < total / gpu_block_elems(at); i++)
        switch (at) {
        case GPU_T_Q8_0: gpu_quant_q8_0_block(x + 32 * i, (gpu_block_q8_0 *)qx + i); break;
        case GPU_T_Q8_K: gpu_quant_q8_k_block(x + 256 * i, (gpu_block_q8_k *)qx + i); break;
        case GPU_T_F16: ((uint16_t *)qx)[i] = gpu_f32_to_half(x[i]); break;
        case GPU_T_BF16: ((uint16_t *)qx)[i] = gpu_f32_to_bf16(x[i]); break;
        default: ((float *)qx)[i] = x[i];
        }
    return 0;
}

/* A warp's sum: lane l holds the sum of units l, l + 32, ...; xor-shuffle tree over the lanes. */
static float warp_tree_sum(float lane[32])
{
    for (int o = 16; o > 0; o >>= 1) {
        float next[32];
        for (int l = 0; l < 32; l++)
            next[l] = lane[l] + lane[l ^ o];
        memcpy(lane, next, sizeof next);
    }
    return lane[0];
}

int gpu_matvec(int wtype, const void *w, size_t w_row_bytes, int64_t n_in, int64_t n_rows, const void *qx,
               int n_tok, float *y, int64_t y_stride)
{
    if (n_tok < 1 || n_tok > GPU_MAX_MATVEC_COLS || !gpu_block_elems(wtype) || n_in % GPU_UNIT ||
        n_in % gpu_block_elems(wtype))
        return -1;
    const size_t qb = gpu_act_row_bytes(wtype, n_in);
    for (int64_t r = 0; r < n_rows; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * w_row_bytes;
        float acc[GPU_MAX_MATVEC_COLS][32] = {{0}};
        for (int64_t u = 0; u < n_in / GPU_UNIT; u++) {
            gpu_unit unit;
            memset(&unit, 0, sizeof unit);
            gpu_unit_decode(wtype, row, u, &unit);
            for (int t = 0; t < n_tok; t++)
                acc[t][u % 32] += gpu_unit_dot(wtype, &unit, (const uint8_t *)qx + (size_t)t * qb, u);
        }
        for (int t = 0; t < n_tok; t++)
            y[t * y_stride + r] = warp_tree_sum(acc[t]);
    }
    return 0;
}

int gpu_dequantize_f16(int wtype, const void *w, size_t w_row_bytes, int64_t n_in, int64_t n_rows, void *dst)
{
    if (!gpu_block_elems(wtype) || n_in % gpu_block_elems(wtype))
        return -1;
    for (int64_t r = 0; r < n_rows; r++)
        for (int64_t c = 0; c < n_in; c++)
            ((uint16_t *)dst)[r * n_in + c] =
                gpu_f32_to_half(gpu_row_value(wtype, (const uint8_t *)w + (size_t)r * w_row_bytes, c));
    return 0;
}

/* cuBLAS's order of summation is its own; plain f32 accumulation of the F16 products stands in. */
int gpu_matmul(int wtype, const void *w, size_t w_row_bytes, int64_t n_in, int64_t n_rows, const float *x,
               int64_t n_tok, float *y, void *wh, void *xh)
{
    if (gpu_dequantize_f16(wtype, w, w_row_bytes, n_in, n_rows, wh))
        return -1;
    uint16_t *a = wh, *b = xh;
    for (int64_t i = 0; i < n_in * n_tok; i++)
        b[i] = gpu_f32_to_half(x[i]);
    float *af = malloc(sizeof(float) * (size_t)n_in);
    for (int64_t r = 0; r < n_rows; r++) {
        for (int64_t c = 0; c < n_in; c++)
            af[c] = gpu_half_to_f32(a[r * n_in + c]);
        for (int64_t t = 0; t < n_tok; t++) {
            float s = 0.0f;
            for (int64_t c = 0; c < n_in; c++)
                s += af[c] * gpu_half_to_f32(b[t * n_in + c]);
            y[t * n_rows + r] = s;
        }
    }
    free(af);
    return 0;
}

int gpu_rmsnorm(const float *x, const float *w, float *y, int64_t n, int64_t n_rows, float eps)
{
    for (int64_t r = 0; r < n_rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        double s = 0.0;
        for (int64_t i = 0; i < n; i++)
            s += (double)(xr[i] * xr[i]);
        const float mean = (float)(s / (double)n);
        const float scale = 1.0f / sqrtf(mean + eps);
        for (int64_t i = 0; i < n; i++)
            yr[i] = w ? (xr[i] * scale) * w[i] : xr[i] * scale;
    }
    return 0;
}

int gpu_rope(float *x, int64_t head_dim, int64_t n_heads, int64_t n_tok, int64_t n_rot, int neox, const float *cs)
{
    if (n_rot % 2 || n_rot > head_dim)
        return -1;
    const int64_t half = n_rot / 2;
    for (int64_t head = 0; head < n_tok * n_heads; head++)
        for (int64_t i = 0; i < half; i++) {
            float *h = x + head * head_dim;
            const int64_t t = head / n_heads, a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
            const float c = cs[t * n_rot + 2 * i], s = cs[t * n_rot + 2 * i + 1], x0 = h[a], x1 = h[b];
            h[a] = fmaf(x0, c, -(x1 * s));
            h[b] = fmaf(x0, s, x1 * c);
        }
    return 0;
}

int gpu_swiglu(const float *gate, const float *up, float *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
    return 0;
}

int gpu_geglu(const float *gate, const float *up, float *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i], x = gpu_half_to_f32(gpu_f32_to_half(g));
        const float inner = (0.79788456080286535587989211986876f * x) * fmaf(0.044715f * x, x, 1.0f);
        const float v = gpu_half_to_f32(gpu_f32_to_half((0.5f * x) * (1.0f + tanhf(inner))));
        out[i] = (g <= -10.0f ? 0.0f : g >= 10.0f ? g : v) * up[i];
    }
    return 0;
}

int gpu_softmax(float *x, int64_t n, int64_t n_rows)
{
    for (int64_t r = 0; r < n_rows; r++) {
        float *v = x + r * n, m = -INFINITY;
        for (int64_t i = 0; i < n; i++)
            m = fmaxf(m, v[i]);
        double s = 0.0;
        for (int64_t i = 0; i < n; i++)
            s += (double)(v[i] = expf(v[i] - m));
        const float inv = (float)(1.0 / s);
        for (int64_t i = 0; i < n; i++)
            v[i] *= inv;
    }
    return 0;
}

int gpu_argmax(const float *x, int64_t n, int64_t n_rows, int32_t *out)
{
    for (int64_t r = 0; r < n_rows; r++) {
        int64_t best = -1;
        for (int64_t i = 0; i < n; i++)
            if (x[r * n + i] == x[r * n + i] && (best < 0 || x[r * n + i] > x[r * n + best]))
                best = i;
        out[r] = best < 0 ? 0 : (int32_t)best;
    }
    return 0;
}

/* Four "warps" take every fourth key with a running max, sum and weighted value sum; merged. */
int gpu_attention(const float *q, const uint16_t *k, const uint16_t *v, float *out, int64_t n_tok, int64_t pos0,
                  int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t kv_stride, int64_t window,
                  float scale)
{
    if (head_dim % 32 || head_dim > GPU_MAX_HEAD_DIM || head_dim <= 0 || n_head_kv <= 0 || n_head % n_head_kv)
        return -1;
    const int64_t group = n_head / n_head_kv;
    for (int64_t t = 0; t < n_tok; t++)
        for (int64_t h = 0; h < n_head; h++) {
            const float *qh = q + (t * n_head + h) * head_dim;
            const int64_t pos = pos0 + t, lo = window > 0 && pos - window + 1 > 0 ? pos - window + 1 : 0;
            const int64_t g = h / group;
            float m[4], l[4], acc[4][GPU_MAX_HEAD_DIM];
            for (int w = 0; w < 4; w++) {
                m[w] = -INFINITY;
                l[w] = 0.0f;
                memset(acc[w], 0, sizeof acc[w]);
                for (int64_t j = lo + w; j <= pos; j += 4) {
                    const uint16_t *kr = k + j * kv_stride + g * head_dim, *vr = v + j * kv_stride + g * head_dim;
                    float s = 0.0f;
                    for (int64_t d = 0; d < head_dim; d++)
                        s += qh[d] * gpu_half_to_f32(kr[d]);
                    s *= scale;
                    const float m_new = fmaxf(m[w], s), corr = expf(m[w] - m_new), p = expf(s - m_new);
                    l[w] = l[w] * corr + p;
                    for (int64_t d = 0; d < head_dim; d++)
                        acc[w][d] = acc[w][d] * corr + p * gpu_half_to_f32(vr[d]);
                    m[w] = m_new;
                }
            }
            float mm = -INFINITY, ll = 0.0f, f[4];
            for (int w = 0; w < 4; w++)
                mm = fmaxf(mm, m[w]);
            for (int w = 0; w < 4; w++) {
                f[w] = l[w] > 0.0f ? expf(m[w] - mm) : 0.0f;
                ll += l[w] * f[w];
            }
            for (int64_t d = 0; d < head_dim; d++) {
                float s = 0.0f;
                for (int w = 0; w < 4; w++)
                    s += acc[w][d] * f[w];
                out[(t * n_head + h) * head_dim + d] = s / ll;
            }
        }
    return 0;
}
