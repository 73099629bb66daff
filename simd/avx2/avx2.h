/* Small AVX2 helpers shared by the AVX2 kernel files (compiled with -mavx2 -mfma -mf16c only),
 * and the walks: the drivers that run a format family's one tile body (q32.h, q45_k.h, q6_k.c) as
 * dot product, one-token mat x vec and mat x mat, so all three give a row the same bits. */
#ifndef TOLK_SIMD_AVX2_H
#define TOLK_SIMD_AVX2_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "../blocks.h"
#include "../kernels.h"

/* Half bits to float with the F16C instruction (exact, like the scalar reference). */
static inline float avx2_half(const simd_half *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* Every half's float value (table.c fills it in simd_fill_avx2, before any kernel runs). The
 * mat x vec bodies read weight scales through it: two loads instead of an insert and a convert
 * that share the shuffle port with the code unpacking; the values equal avx2_half's. */
extern float avx2_half_table[65536];

static inline const float *avx2_half_ref(const simd_half *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return &avx2_half_table[h];
}

static inline float avx2_hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* The sum of 8 int32 lanes (exact while it fits). */
static inline int32_t avx2_hsum_i32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

/* 16 bytes of nibbles to 32 bytes: low nibbles in the low 128 bits, high nibbles above. */
static inline __m256i avx2_nibbles(const uint8_t *qs)
{
    /* the 16 bytes in both halves (a plain load), the upper half shifted by 4: no lane insert */
    __m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)qs));
    v = _mm256_srlv_epi64(v, _mm256_set_epi64x(4, 4, 0, 0));
    return _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
}

/* The 32 bits of a Q5 qh word to 32 bytes: 0xff where the bit is set, else 0. */
static inline __m256i avx2_bits_to_bytes(const uint8_t qh[4])
{
    uint32_t bits;
    memcpy(&bits, qh, 4);
    __m256i v = _mm256_set1_epi32((int)bits);
    const __m256i spread = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    v = _mm256_shuffle_epi8(v, spread);
    const __m256i sel = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, sel), sel);
}

/* Prefetch for the one-token tiles, which stream their weights once: the block AVX2_PREFETCH bytes
 * ahead of the one in use (measured on a 4096 x 14336 mat x vec: 256, 512 and 1024 bytes give
 * Q4_0 7.7, 8.4 and 7.4 GB/s per CPU-second against 6.1 without; the hardware prefetcher alone
 * leaves the 4 row streams of a tile waiting on memory). */
enum { AVX2_PREFETCH = 512 };

static inline __attribute__((always_inline)) void avx2_prefetch_block(const char *blk, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 64)
        _mm_prefetch(blk + AVX2_PREFETCH + o, _MM_HINT_T0);
}

/* Walks: a format's tile kernel computes rows [r, r + R) x tokens [t, t + T) for any R and T its
 * family compiles (y[(t + k) * ys + r + i]; one token: qrb = ys = t = 0). Every (row, token) pair
 * has its own accumulator and meets the same operations in the same order whatever R and T are,
 * so a row's result for a token does not depend on the tile: the dot product, the one-token
 * mat x vec and every batch give the same bits, and speculative verification streams the weights
 * once for all its tokens (kernels.h: matmul_exact). */
typedef void (*avx2_tile_fn)(int R, int T, const char *w, size_t wrb, int64_t n, const char *qx, size_t qrb, float *y,
                             size_t ys, int64_t r, int64_t t);

static inline float avx2_walk_dot(avx2_tile_fn tile, int64_t n, const void *w, const void *x)
{
    float out;
    tile(1, 1, w, 0, n, x, 0, &out, 0, 0, 0);
    return out;
}

/* One token, R rows per tile; leftover rows one by one. */
static inline void avx2_walk_matvec(avx2_tile_fn tile, int R, const void *w, size_t wrb, int64_t n, const void *qx,
                                    float *y, int64_t r0, int64_t r1)
{
    int64_t r = r0;
    for (; r + R <= r1; r += R)
        tile(R, 1, w, wrb, n, qx, 0, y, 0, r, 0);
    for (; r < r1; r++)
        tile(1, 1, w, wrb, n, qx, 0, y, 0, r, 0);
}

/* Rows in groups of R (leftover rows one by one), outermost, so a group's weights stay in L1 while
 * every token meets them; tokens in even passes of at most TT (5 -> 2 + 3, 9 -> 3 + 3 + 3 with
 * TT = 4). */
static inline void avx2_walk_matmul(avx2_tile_fn tile, int R, int TT, const void *w, size_t wrb, int64_t n,
                                    const void *qx, size_t qrb, int64_t n_tok, float *y, size_t ys, int64_t r0,
                                    int64_t r1)
{
    const int64_t passes = (n_tok + TT - 1) / TT;
    for (int64_t r = r0; r < r1;) {
        int rows = r + R <= r1 ? R : 1;
        for (int64_t p = 0, t = 0; p < passes; p++) {
            int64_t k = (n_tok - t) / (passes - p);
            tile(rows, (int)k, w, wrb, n, qx, qrb, y, ys, r, t);
            t += k;
        }
        r += rows;
    }
}

/* The tile shapes the walks use: one token VEC_ROWS x 1, batches ROWS x 1..TOKS, leftover rows
 * 1 x 1..TOKS (at most 8 accumulators). */
enum { AVX2_WALK_VEC_ROWS = 4, AVX2_WALK_ROWS = 2, AVX2_WALK_TOKS = 4 };

/* A tile's accumulators, zeroed and summed into y for the R x T of the shape. */
typedef __m256 avx2_tile_acc[AVX2_WALK_VEC_ROWS][AVX2_WALK_TOKS];

static inline __attribute__((always_inline)) void avx2_tile_zero(avx2_tile_acc acc, int R, int T)
{
#pragma GCC unroll 4
    for (int i = 0; i < R; i++)
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            acc[i][k] = _mm256_setzero_ps();
}

static inline __attribute__((always_inline)) void avx2_tile_store(avx2_tile_acc acc, int R, int T, float *y, size_t ys,
                                                                  int64_t r, int64_t t)
{
#pragma GCC unroll 4
    for (int i = 0; i < R; i++)
#pragma GCC unroll 4
        for (int k = 0; k < T; k++)
            y[(size_t)(t + k) * ys + (size_t)(r + i)] = avx2_hsum(acc[i][k]);
}

/* A format's kernels from the always-inline tile body BODY(FMT, R, T, w, wrb, n, qx, qrb, y, ys, r,
 * t) of its family (FMT: the format within the family): a tile function compiled once per shape,
 * and the entry points avx2_dot_NAME, avx2_matvec_NAME and avx2_matmul_NAME. */
#define AVX2_WALK_FORMAT(NAME, BODY, FMT)                                                                           \
    static void tile_##NAME(int R, int T, const char *w, size_t wrb, int64_t n, const char *qx, size_t qrb, float *y,  \
                            size_t ys, int64_t r, int64_t t)                                                        \
    {                                                                                                               \
        switch (R * 8 + T) {                                                                                        \
        case 1 * 8 + 1: BODY(FMT, 1, 1, w, wrb, n, qx, qrb, y, ys, r, t); break;                                    \
        case 1 * 8 + 2: BODY(FMT, 1, 2, w, wrb, n, qx, qrb, y, ys, r, t); break;                                    \
        case 1 * 8 + 3: BODY(FMT, 1, 3, w, wrb, n, qx, qrb, y, ys, r, t); break;                                    \
        case 1 * 8 + 4: BODY(FMT, 1, 4, w, wrb, n, qx, qrb, y, ys, r, t); break;                                    \
        case 2 * 8 + 1: BODY(FMT, 2, 1, w, wrb, n, qx, qrb, y, ys, r, t); break;                                    \
        case 2 * 8 + 2: BODY(FMT, 2, 2, w, wrb, n, qx, qrb, y, ys, r, t); break;                                    \
        case 2 * 8 + 3: BODY(FMT, 2, 3, w, wrb, n, qx, qrb, y, ys, r, t); break;                                    \
        case 2 * 8 + 4: BODY(FMT, 2, 4, w, wrb, n, qx, qrb, y, ys, r, t); break;                                    \
        case 4 * 8 + 1: BODY(FMT, 4, 1, w, wrb, n, qx, qrb, y, ys, r, t); break;                                    \
        default: break;                                                                                             \
        }                                                                                                           \
    }                                                                                                               \
    float avx2_dot_##NAME(int64_t n, const void *w, const void *x)                                                  \
    {                                                                                                               \
        return avx2_walk_dot(tile_##NAME, n, w, x);                                                                 \
    }                                                                                                               \
    void avx2_matvec_##NAME(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0,     \
                            int64_t r1)                                                                             \
    {                                                                                                               \
        avx2_walk_matvec(tile_##NAME, AVX2_WALK_VEC_ROWS, w, w_row_bytes, n, qx, y, r0, r1);                        \
    }                                                                                                               \
    void avx2_matmul_##NAME(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,      \
                            int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)                       \
    {                                                                                                               \
        avx2_walk_matmul(tile_##NAME, AVX2_WALK_ROWS, AVX2_WALK_TOKS, w, w_row_bytes, n, qx, qx_row_bytes, n_tok,   \
                         y, y_stride, r0, r1);                                                                      \
    }

/* The parts of a matmul outside the full tiles: rows [rfull, r1) for every token, and tokens
 * [tfull, n_tok) for rows [r0, rfull), one dot product each. */
static inline void avx2_matmul_edges(simd_dot_fn dot, const void *w, size_t wrb, int64_t n, const void *qx,
                                     size_t qrb, int64_t n_tok, float *y, size_t ys, int64_t r0, int64_t r1,
                                     int64_t rfull, int64_t tfull)
{
    for (int64_t t = 0; t < n_tok; t++)
        for (int64_t r = t < tfull ? rfull : r0; r < r1; r++)
            y[(size_t)t * ys + (size_t)r] = dot(n, (const char *)w + (size_t)r * wrb, (const char *)qx + (size_t)t * qrb);
}

/* Kernel entry points of this ISA (one file per format). */
void avx2_quant_act_q8_0(const float *src, void *dst, int64_t n);
void avx2_quant_act_q8_1(const float *src, void *dst, int64_t n);
void avx2_quant_act_q8_k(const float *src, void *dst, int64_t n);
void avx2_quant_act_f16(const float *src, void *dst, int64_t n);
void avx2_quant_act_bf16(const float *src, void *dst, int64_t n);

float avx2_dot_q8_0(int64_t n, const void *w, const void *x);
void avx2_matmul_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                      int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

float avx2_dot_f32(int64_t n, const void *w, const void *x);
void avx2_matmul_f32(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_f16(int64_t n, const void *w, const void *x);
void avx2_f16_to_f32(const void *src, float *dst, int64_t n);
void avx2_matmul_f16(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_bf16(int64_t n, const void *w, const void *x);
void avx2_matmul_bf16(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q4_0(int64_t n, const void *w, const void *x);
void avx2_matmul_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q4_1(int64_t n, const void *w, const void *x);
void avx2_matmul_q4_1(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q5_0(int64_t n, const void *w, const void *x);
void avx2_matmul_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q5_1(int64_t n, const void *w, const void *x);
void avx2_matmul_q5_1(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q4_k(int64_t n, const void *w, const void *x);
float avx2_dot_q5_k(int64_t n, const void *w, const void *x);
void avx2_matmul_q5_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
float avx2_dot_q6_k(int64_t n, const void *w, const void *x);
void avx2_matmul_q6_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                     int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

float avx2_dot_q2_k(int64_t n, const void *w, const void *x);
float avx2_dot_q3_k(int64_t n, const void *w, const void *x);

void avx2_matvec_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
/* Q4_0 in llama.cpp's order (q4_0_ggml.c): one FMA per block per row, the same bits at any batch size. */
float avx2_ggml_dot_q4_0(int64_t n, const void *w, const void *x);
void avx2_ggml_matvec_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_ggml_matmul_few_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                               int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx2_ggml_matmul_q4_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                           int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx2_matvec_q5_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matvec_q8_0(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matvec_q4_1(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matvec_q5_1(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
/* Q4_K in llama.cpp's one-token order (q4_k.c): one token, and any count in that order (batches: gemm_kq.c). */
void avx2_matvec_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_one_order_q4_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, size_t qx_row_bytes,
                         int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);
void avx2_matvec_q5_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);
void avx2_matvec_q6_k(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y, int64_t r0, int64_t r1);

#endif
