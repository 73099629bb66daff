/* The CUDA kernels as plain C functions on device memory, for the offload path and the GPU kernel
 * check (tests/gpu_kernels_check.c). Built only with --with-cuda. Every function returns 0, or -1
 * with the reason in gpu_last_error(); kernels run in order on one stream and gpu_download waits
 * for them. Pointers named d_* are device memory from gpu_alloc. Weight types are ggml ids
 * (GPU_T_* in gpu_blocks.h); rows are in their GGUF block formats, row r at d_w + r * w_row_bytes. */
#ifndef TOLK_GPU_KERNELS_H
#define TOLK_GPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GPU_MAX_MATVEC_COLS 8 /* gpu_matvec handles 1..8 token columns (decode, speculative checks) */
#define GPU_MAX_HEAD_DIM 256  /* gpu_attention: head_dim a multiple of 32 up to this */

const char *gpu_last_error(void); /* the reason of the last -1 ("" when none) */

void *gpu_alloc(size_t bytes); /* NULL (and gpu_last_error) when out of memory or no device */
void gpu_free(void *d_p);
int gpu_upload(void *d_dst, const void *src, size_t bytes);
int gpu_download(void *dst, const void *d_src, size_t bytes); /* waits for every queued kernel */
int gpu_sync(void);

/* Bytes of one activation row of n elements in WTYPE's partner format (Q8_0, Q8_K, F16, BF16, F32). */
size_t gpu_act_row_bytes(int wtype, int64_t n);
/* Quantizes n_tok rows of n floats (row t at d_x + t * n) to WTYPE's partner format, row t at
 * d_qx + t * gpu_act_row_bytes(wtype, n); the bytes equal the CPU path's (simd_quantize_act). */
int gpu_quantize_act(int wtype, const float *d_x, void *d_qx, int64_t n, int64_t n_tok);

/* d_y[t * y_stride + r] = dot(W row r, activation row t) for r < n_rows, t < n_tok (1..8). */
int gpu_matvec(int wtype, const void *d_w, size_t w_row_bytes, int64_t n_in, int64_t n_rows, const void *d_qx,
               int n_tok, float *d_y, int64_t y_stride);

/* Rows of W decoded to F16 (row r at d_dst + r * n_in halves). */
int gpu_dequantize_f16(int wtype, const void *d_w, size_t w_row_bytes, int64_t n_in, int64_t n_rows, void *d_dst);
/* Prompt batches: d_y[t * n_rows + r] = W row r . X row t (X f32, n_tok rows of n_in), by F16
 * dequantization into d_wh (n_rows * n_in halves) and d_xh (n_tok * n_in halves) and one cuBLAS
 * GEMM with f32 accumulation. */
int gpu_matmul(int wtype, const void *d_w, size_t w_row_bytes, int64_t n_in, int64_t n_rows, const float *d_x,
               int64_t n_tok, float *d_y, void *d_wh, void *d_xh);

/* y = x / sqrt(mean(x^2) + eps) * w per row of n (w NULL: no weight); y may alias x. */
int gpu_rmsnorm(const float *d_x, const float *d_w, float *d_y, int64_t n, int64_t n_rows, float eps);
/* Rotates the first n_rot values of each of n_heads heads (head_dim apart) of each of n_tok rows
 * (row t at d_x + t * n_heads * head_dim) with token t's cos/sin table d_cs + t * n_rot (pairs
 * cos, sin as ops_rope_cache writes them); neox: pairs (i, i + n_rot/2), else (2i, 2i+1). */
int gpu_rope(float *d_x, int64_t head_dim, int64_t n_heads, int64_t n_tok, int64_t n_rot, int neox,
             const float *d_cs);
/* out = silu(gate) * up, or gelu_tanh(gate) * up with the f16 rounding of ggml's table. */
int gpu_swiglu(const float *d_gate, const float *d_up, float *d_out, int64_t n);
int gpu_geglu(const float *d_gate, const float *d_up, float *d_out, int64_t n);
/* In-place softmax of each of n_rows rows of n (entries may be -INFINITY, one must be finite). */
int gpu_softmax(float *d_x, int64_t n, int64_t n_rows);
/* Index of the largest value of each row (the lowest index among equals) into d_out[row]. */
int gpu_argmax(const float *d_x, int64_t n, int64_t n_rows, int32_t *d_out);

/* Grouped-query attention over an F16 cache, decode (n_tok 1) and prompt alike. Query t of head h
 * (d_q + (t * n_head + h) * head_dim, f32, position pos0 + t) attends to keys j in
 * [max(0, pos - window + 1), pos] (window 0: from 0) of KV head h / (n_head / n_head_kv); key j of
 * KV head g at d_k + j * kv_stride + g * head_dim (halves), values alike in d_v. Scores are
 * scale * q.k; d_out has q's layout. */
int gpu_attention(const float *d_q, const uint16_t *d_k, const uint16_t *d_v, float *d_out, int64_t n_tok,
                  int64_t pos0, int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t kv_stride,
                  int64_t window, float scale);

#ifdef __cplusplus
}
#endif

#endif
