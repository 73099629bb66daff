/* GGUF block formats for the CUDA kernels, written once for device and host: under nvcc every
 * function is __host__ __device__, under a C compiler plain static inline, so make check compiles
 * this very source for the CPU and compares it with simd/ref (tests/test_gpu_blocks.c).
 *
 * Work is cut into units of 32 elements for every type (a Q4_0/Q5_0/Q8_0 block, a Q4_K sub-block,
 * two Q6_K groups, 32 floats), so a warp lane owns whole units whatever the format. A unit's dot
 * product against the activation partner of the CPU path (Q8_0 for Q4_0/Q5_0/Q8_0, Q8_K for the
 * K-quants, F16, BF16, F32: the same bytes the CPU dots) is summed in integers where the format
 * allows and scaled once. Products that must round like the CPU go through gpu_mul/gpu_sub, which
 * nvcc may not contract into FMAs. The layouts are GGUF's, field for field (see simd/blocks.h). */
#ifndef TOLK_GPU_BLOCKS_H
#define TOLK_GPU_BLOCKS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __CUDACC__
#define GPU_HD static __host__ __device__ inline
#define GPU_STATIC_ASSERT static_assert
#else
#define GPU_HD static inline
#define GPU_STATIC_ASSERT _Static_assert
#endif

/* ggml type ids (as in GGUF tensor infos) of the formats the GPU path handles. */
enum {
    GPU_T_F32 = 0,
    GPU_T_F16 = 1,
    GPU_T_Q4_0 = 2,
    GPU_T_Q5_0 = 6,
    GPU_T_Q8_0 = 8,
    GPU_T_Q4_K = 12,
    GPU_T_Q6_K = 14,
    GPU_T_Q8_K = 15,
    GPU_T_BF16 = 30
};

#define GPU_UNIT 32 /* elements per work unit, every type */
#define GPU_QK 32   /* legacy block */
#define GPU_QK_K 256

typedef struct {
    uint16_t d;
    uint8_t qs[16];
} gpu_block_q4_0;
typedef struct {
    uint16_t d;
    uint8_t qh[4];
    uint8_t qs[16];
} gpu_block_q5_0;
typedef struct {
    uint16_t d;
    int8_t qs[32];
} gpu_block_q8_0;
typedef struct {
    uint16_t d, dmin;
    uint8_t scales[12];
    uint8_t qs[128];
} gpu_block_q4_k;
typedef struct {
    uint8_t ql[128];
    uint8_t qh[64];
    int8_t scales[16];
    uint16_t d;
} gpu_block_q6_k;
typedef struct {
    float d;
    int8_t qs[256];
    int16_t bsums[16];
} gpu_block_q8_k;
GPU_STATIC_ASSERT(sizeof(gpu_block_q4_0) == 18, "q4_0");
GPU_STATIC_ASSERT(sizeof(gpu_block_q5_0) == 22, "q5_0");
GPU_STATIC_ASSERT(sizeof(gpu_block_q8_0) == 34, "q8_0");
GPU_STATIC_ASSERT(sizeof(gpu_block_q4_k) == 144, "q4_k");
GPU_STATIC_ASSERT(sizeof(gpu_block_q6_k) == 210, "q6_k");
GPU_STATIC_ASSERT(sizeof(gpu_block_q8_k) == 292, "q8_k");

/* ---- float bits and uncontracted arithmetic ------------------------------------------------- */
GPU_HD uint32_t gpu_f32_bits(float f)
{
#ifdef __CUDA_ARCH__
    return __float_as_uint(f);
#else
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
#endif
}

GPU_HD float gpu_bits_f32(uint32_t u)
{
#ifdef __CUDA_ARCH__
    return __uint_as_float(u);
#else
    float f;
    memcpy(&f, &u, 4);
    return f;
#endif
}

GPU_HD float gpu_mul(float a, float b)
{
#ifdef __CUDA_ARCH__
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}

GPU_HD float gpu_sub(float a, float b)
{
#ifdef __CUDA_ARCH__
    return __fsub_rn(a, b);
#else
    return a - b;
#endif
}

GPU_HD float gpu_add(float a, float b)
{
#ifdef __CUDA_ARCH__
    return __fadd_rn(a, b);
#else
    return a + b;
#endif
}

/* IEEE binary16 <-> float, round to nearest even (the F16C / ggml rounding). */
GPU_HD float gpu_half_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (exp == 0) /* zero or subnormal: mant * 2^-24 is exact */
        return gpu_bits_f32(gpu_f32_bits(gpu_mul((float)mant, 1.0f / 16777216.0f)) | sign);
    if (exp == 31)
        return gpu_bits_f32(sign | 0x7f800000u | (mant << 13));
    return gpu_bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

GPU_HD uint16_t gpu_f32_to_half(float f)
{
    uint32_t u = gpu_f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u)
        return (uint16_t)(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
    if (a >= 0x477ff000u)
        return (uint16_t)(sign | 0x7c00u);
    if (a < 0x38800000u) /* subnormal: adding 0.5 puts the value on a 2^-24 grid, rounded to even */
        return (uint16_t)(sign | (gpu_f32_bits(gpu_add(gpu_bits_f32(a), 0.5f)) - 0x3f000000u));
    a += 0xc8000fffu + ((a >> 13) & 1u);
    return (uint16_t)(sign | (a >> 13));
}

GPU_HD float gpu_bf16_to_f32(uint16_t h)
{
    return gpu_bits_f32((uint32_t)h << 16);
}

GPU_HD uint16_t gpu_f32_to_bf16(float f)
{
    uint32_t u = gpu_f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 64u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* Halves in GGUF blocks may sit at odd addresses in the host test's buffers: read bytewise. */
GPU_HD float gpu_load_half(const uint16_t *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return gpu_half_to_f32((uint16_t)(b[0] | b[1] << 8));
}

/* ---- element decoders: value of element j (0..block size-1) of one block -------------------- */
GPU_HD int gpu_q4_0_code(const gpu_block_q4_0 *b, int j)
{
    return (j < 16 ? (b->qs[j] & 15) : (b->qs[j - 16] >> 4)) - 8;
}

GPU_HD int gpu_q5_0_code(const gpu_block_q5_0 *b, int j)
{
    uint32_t qh = (uint32_t)b->qh[0] | (uint32_t)b->qh[1] << 8 | (uint32_t)b->qh[2] << 16 | (uint32_t)b->qh[3] << 24;
    int low = j < 16 ? (b->qs[j] & 15) : (b->qs[j - 16] >> 4);
    return (low | (int)((qh >> j) & 1u) << 4) - 16;
}

/* 6-bit scale and min of sub-block s (0..7) of a Q4_K block. */
GPU_HD void gpu_q4_k_scale_min(const uint8_t *q, int s, int *sc, int *m)
{
    if (s < 4) {
        *sc = q[s] & 63;
        *m = q[s + 4] & 63;
    } else {
        *sc = (q[s + 4] & 15) | ((q[s - 4] >> 6) << 4);
        *m = (q[s + 4] >> 4) | ((q[s] >> 6) << 4);
    }
}

/* Code 0..15 of element j (0..255): sub-block j/32, 64-element chunk c = j/64 in qs[32c..32c+31]. */
GPU_HD int gpu_q4_k_code(const gpu_block_q4_k *b, int j)
{
    int c = j >> 6, l = j & 31;
    uint8_t byte = b->qs[32 * c + l];
    return (j & 32) ? byte >> 4 : byte & 15;
}

/* Signed code -32..31 of element j (0..255). */
GPU_HD int gpu_q6_k_code(const gpu_block_q6_k *b, int j)
{
    int h = j >> 7, k = (j >> 5) & 3, l = j & 31;
    uint8_t byte = b->ql[64 * h + l + 32 * (k & 1)];
    int nib = k < 2 ? byte & 15 : byte >> 4;
    int hi = (b->qh[32 * h + l] >> (2 * k)) & 3;
    return (nib | hi << 4) - 32;
}

GPU_HD float gpu_q4_0_value(const gpu_block_q4_0 *b, int j)
{
    return gpu_mul(gpu_load_half(&b->d), (float)gpu_q4_0_code(b, j));
}

GPU_HD float gpu_q5_0_value(const gpu_block_q5_0 *b, int j)
{
    return gpu_mul(gpu_load_half(&b->d), (float)gpu_q5_0_code(b, j));
}

GPU_HD float gpu_q8_0_value(const gpu_block_q8_0 *b, int j)
{
    return gpu_mul(gpu_load_half(&b->d), (float)b->qs[j]);
}

GPU_HD float gpu_q4_k_value(const gpu_block_q4_k *b, int j)
{
    int sc, m;
    gpu_q4_k_scale_min(b->scales, j >> 5, &sc, &m);
    float ds = gpu_mul(gpu_load_half(&b->d), (float)sc), dm = gpu_mul(gpu_load_half(&b->dmin), (float)m);
    return gpu_sub(gpu_mul(ds, (float)gpu_q4_k_code(b, j)), dm);
}

GPU_HD float gpu_q6_k_value(const gpu_block_q6_k *b, int j)
{
    float ds = gpu_mul(gpu_load_half(&b->d), (float)b->scales[j >> 4]);
    return gpu_mul(ds, (float)gpu_q6_k_code(b, j));
}

/* Block size and bytes per block of a GPU type (0 for a type the GPU path does not handle). */
GPU_HD int gpu_block_elems(int type)
{
    switch (type) {
    case GPU_T_F32: case GPU_T_F16: case GPU_T_BF16: return 1;
    case GPU_T_Q4_0: case GPU_T_Q5_0: case GPU_T_Q8_0: return GPU_QK;
    case GPU_T_Q4_K: case GPU_T_Q6_K: case GPU_T_Q8_K: return GPU_QK_K;
    default: return 0;
    }
}

GPU_HD int gpu_block_bytes(int type)
{
    switch (type) {
    case GPU_T_F32: return 4;
    case GPU_T_F16: case GPU_T_BF16: return 2;
    case GPU_T_Q4_0: return (int)sizeof(gpu_block_q4_0);
    case GPU_T_Q5_0: return (int)sizeof(gpu_block_q5_0);
    case GPU_T_Q8_0: return (int)sizeof(gpu_block_q8_0);
    case GPU_T_Q4_K: return (int)sizeof(gpu_block_q4_k);
    case GPU_T_Q6_K: return (int)sizeof(gpu_block_q6_k);
    case GPU_T_Q8_K: return (int)sizeof(gpu_block_q8_k);
    default: return 0;
    }
}

/* Activation partner of a weight type (the CPU path's simd_act_type for these types). */
GPU_HD int gpu_act_type(int wtype)
{
    switch (wtype) {
    case GPU_T_Q4_0: case GPU_T_Q5_0: case GPU_T_Q8_0: return GPU_T_Q8_0;
    case GPU_T_Q4_K: case GPU_T_Q6_K: return GPU_T_Q8_K;
    case GPU_T_F16: return GPU_T_F16;
    case GPU_T_BF16: return GPU_T_BF16;
    default: return GPU_T_F32;
    }
}

/* Element i of a row of TYPE as float (row decoder for any handled type; NaN for others). */
GPU_HD float gpu_row_value(int type, const void *row, int64_t i)
{
    const uint8_t *r = (const uint8_t *)row;
    switch (type) {
    case GPU_T_F32: return gpu_bits_f32((uint32_t)r[4 * i] | (uint32_t)r[4 * i + 1] << 8 |
                                        (uint32_t)r[4 * i + 2] << 16 | (uint32_t)r[4 * i + 3] << 24);
    case GPU_T_F16: return gpu_half_to_f32((uint16_t)(r[2 * i] | r[2 * i + 1] << 8));
    case GPU_T_BF16: return gpu_bf16_to_f32((uint16_t)(r[2 * i] | r[2 * i + 1] << 8));
    case GPU_T_Q4_0: return gpu_q4_0_value((const gpu_block_q4_0 *)row + i / 32, (int)(i % 32));
    case GPU_T_Q5_0: return gpu_q5_0_value((const gpu_block_q5_0 *)row + i / 32, (int)(i % 32));
    case GPU_T_Q8_0: return gpu_q8_0_value((const gpu_block_q8_0 *)row + i / 32, (int)(i % 32));
    case GPU_T_Q4_K: return gpu_q4_k_value((const gpu_block_q4_k *)row + i / 256, (int)(i % 256));
    case GPU_T_Q6_K: return gpu_q6_k_value((const gpu_block_q6_k *)row + i / 256, (int)(i % 256));
    default: return gpu_bits_f32(0x7fc00000u);
    }
}

/* ---- activation quantization: per-element codes, so a parallel kernel rounds like the host ----
 * Q8_0 (ggml's x86 CPU rounding): d = amax / 127 as half, code = nearest-even(x * (127 / amax)). */
GPU_HD float gpu_q8_0_inv_scale(float amax)
{
    return amax != 0.0f ? 127.0f / amax : 0.0f;
}

GPU_HD int8_t gpu_q8_0_code(float x, float id)
{
    return (int8_t)nearbyintf(gpu_mul(x, id));
}

/* Q8_K (ggml's reference): max = the first element of largest magnitude, iscale = -127 / max,
 * code = min(127, round-half-even-by-magic(iscale * x)), d = 1 / iscale, bsums per 16 codes. */
GPU_HD int8_t gpu_q8_k_code(float x, float iscale)
{
    float t = gpu_add(gpu_mul(iscale, x), 12582912.0f);
    int v = (int)(gpu_f32_bits(t) & 0x007fffffu) - 0x00400000;
    return (int8_t)(v > 127 ? 127 : v);
}

GPU_HD void gpu_quant_q8_0_block(const float *x, gpu_block_q8_0 *b)
{
    float amax = 0.0f;
    for (int j = 0; j < 32; j++)
        amax = fmaxf(amax, fabsf(x[j]));
    float id = gpu_q8_0_inv_scale(amax);
    b->d = gpu_f32_to_half(amax / 127.0f);
    for (int j = 0; j < 32; j++)
        b->qs[j] = gpu_q8_0_code(x[j], id);
}

GPU_HD void gpu_quant_q8_k_block(const float *x, gpu_block_q8_k *b)
{
    float max = 0.0f, amax = 0.0f;
    for (int j = 0; j < 256; j++)
        if (fabsf(x[j]) > amax) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    memset(b, 0, sizeof(*b));
    if (amax == 0.0f)
        return;
    float iscale = -127.0f / max;
    for (int j = 0; j < 256; j++)
        b->qs[j] = gpu_q8_k_code(x[j], iscale);
    for (int g = 0; g < 16; g++) {
        int s = 0;
        for (int j = 0; j < 16; j++)
            s += b->qs[16 * g + j];
        b->bsums[g] = (int16_t)s;
    }
    b->d = 1.0f / iscale;
}

/* ---- unit dot products: unit u (32 elements) of weight row w against activation row x ------- */
GPU_HD float gpu_dot_q4_0_unit(const void *w, const void *x, int64_t u)
{
    const gpu_block_q4_0 *a = (const gpu_block_q4_0 *)w + u;
    const gpu_block_q8_0 *q = (const gpu_block_q8_0 *)x + u;
    int isum = 0;
    for (int j = 0; j < 16; j++)
        isum += ((a->qs[j] & 15) - 8) * q->qs[j] + ((a->qs[j] >> 4) - 8) * q->qs[j + 16];
    return gpu_mul((float)isum, gpu_mul(gpu_load_half(&a->d), gpu_load_half(&q->d)));
}

GPU_HD float gpu_dot_q5_0_unit(const void *w, const void *x, int64_t u)
{
    const gpu_block_q5_0 *a = (const gpu_block_q5_0 *)w + u;
    const gpu_block_q8_0 *q = (const gpu_block_q8_0 *)x + u;
    int isum = 0;
    for (int j = 0; j < 32; j++)
        isum += gpu_q5_0_code(a, j) * q->qs[j];
    return gpu_mul((float)isum, gpu_mul(gpu_load_half(&a->d), gpu_load_half(&q->d)));
}

GPU_HD float gpu_dot_q8_0_unit(const void *w, const void *x, int64_t u)
{
    const gpu_block_q8_0 *a = (const gpu_block_q8_0 *)w + u, *q = (const gpu_block_q8_0 *)x + u;
    int isum = 0;
    for (int j = 0; j < 32; j++)
        isum += a->qs[j] * q->qs[j];
    return gpu_mul((float)isum, gpu_mul(gpu_load_half(&a->d), gpu_load_half(&q->d)));
}

/* Sub-block s of a Q4_K block: d*dx*sc*sum(q*x) - dmin*dx*m*(bsums of its two groups). */
GPU_HD float gpu_dot_q4_k_unit(const void *w, const void *x, int64_t u)
{
    const gpu_block_q4_k *a = (const gpu_block_q4_k *)w + u / 8;
    const gpu_block_q8_k *q = (const gpu_block_q8_k *)x + u / 8;
    int s = (int)(u % 8), sc, m, isum = 0;
    gpu_q4_k_scale_min(a->scales, s, &sc, &m);
    const uint8_t *qs = a->qs + 32 * (s >> 1);
    const int8_t *xs = q->qs + 32 * s;
    for (int l = 0; l < 32; l++)
        isum += ((s & 1) ? qs[l] >> 4 : qs[l] & 15) * xs[l];
    int msum = m * (q->bsums[2 * s] + q->bsums[2 * s + 1]);
    return gpu_sub(gpu_mul(gpu_mul(gpu_load_half(&a->d), q->d), (float)(sc * isum)),
                   gpu_mul(gpu_mul(gpu_load_half(&a->dmin), q->d), (float)msum));
}

/* Groups 2s and 2s+1 of a Q6_K block. */
GPU_HD float gpu_dot_q6_k_unit(const void *w, const void *x, int64_t u)
{
    const gpu_block_q6_k *a = (const gpu_block_q6_k *)w + u / 8;
    const gpu_block_q8_k *q = (const gpu_block_q8_k *)x + u / 8;
    int s = (int)(u % 8), isum = 0;
    for (int g = 0; g < 2; g++) {
        int sum = 0;
        for (int l = 0; l < 16; l++) {
            int j = 32 * s + 16 * g + l;
            sum += gpu_q6_k_code(a, j) * q->qs[j];
        }
        isum += a->scales[2 * s + g] * sum;
    }
    return gpu_mul(gpu_mul(gpu_load_half(&a->d), q->d), (float)isum);
}

GPU_HD float gpu_dot_f16_unit(const void *w, const void *x, int64_t u)
{
    const uint16_t *a = (const uint16_t *)w + 32 * u, *b = (const uint16_t *)x + 32 * u;
    float s = 0.0f;
    for (int j = 0; j < 32; j++)
        s += gpu_half_to_f32(a[j]) * gpu_half_to_f32(b[j]);
    return s;
}

GPU_HD float gpu_dot_bf16_unit(const void *w, const void *x, int64_t u)
{
    const uint16_t *a = (const uint16_t *)w + 32 * u, *b = (const uint16_t *)x + 32 * u;
    float s = 0.0f;
    for (int j = 0; j < 32; j++)
        s += gpu_bf16_to_f32(a[j]) * gpu_bf16_to_f32(b[j]);
    return s;
}

GPU_HD float gpu_dot_f32_unit(const void *w, const void *x, int64_t u)
{
    const float *a = (const float *)w + 32 * u, *b = (const float *)x + 32 * u;
    float s = 0.0f;
    for (int j = 0; j < 32; j++)
        s += a[j] * b[j];
    return s;
}

/* Unit dot of any handled weight type (0 for others: callers check gpu_block_elems first). */
GPU_HD float gpu_dot_unit(int wtype, const void *w, const void *x, int64_t u)
{
    switch (wtype) {
    case GPU_T_Q4_0: return gpu_dot_q4_0_unit(w, x, u);
    case GPU_T_Q5_0: return gpu_dot_q5_0_unit(w, x, u);
    case GPU_T_Q8_0: return gpu_dot_q8_0_unit(w, x, u);
    case GPU_T_Q4_K: return gpu_dot_q4_k_unit(w, x, u);
    case GPU_T_Q6_K: return gpu_dot_q6_k_unit(w, x, u);
    case GPU_T_F16: return gpu_dot_f16_unit(w, x, u);
    case GPU_T_BF16: return gpu_dot_bf16_unit(w, x, u);
    case GPU_T_F32: return gpu_dot_f32_unit(w, x, u);
    default: return 0.0f;
    }
}

/* ---- one weight unit decoded once, then dotted with several activation columns ---------------
 * gpu_unit_dot(gpu_unit_decode(w, u), x, u) computes exactly what gpu_dot_unit(w, x, u) does, with
 * the same operations in the same order; mat×vec over several token columns decodes each weight
 * unit once instead of once per column. */
typedef struct gpu_unit {
    int8_t q[32]; /* integer codes (quantized types) */
    float w[32];  /* values (F16, BF16, F32) */
    float d, dmin;
    int sc[2], m; /* Q4_K: sc[0] and m; Q6_K: the scales of the unit's two groups */
} gpu_unit;

GPU_HD void gpu_unit_decode(int wtype, const void *w, int64_t u, gpu_unit *o)
{
    switch (wtype) {
    case GPU_T_Q4_0: {
        const gpu_block_q4_0 *a = (const gpu_block_q4_0 *)w + u;
        for (int j = 0; j < 32; j++)
            o->q[j] = (int8_t)gpu_q4_0_code(a, j);
        o->d = gpu_load_half(&a->d);
        break;
    }
    case GPU_T_Q5_0: {
        const gpu_block_q5_0 *a = (const gpu_block_q5_0 *)w + u;
        for (int j = 0; j < 32; j++)
            o->q[j] = (int8_t)gpu_q5_0_code(a, j);
        o->d = gpu_load_half(&a->d);
        break;
    }
    case GPU_T_Q8_0: {
        const gpu_block_q8_0 *a = (const gpu_block_q8_0 *)w + u;
        for (int j = 0; j < 32; j++)
            o->q[j] = a->qs[j];
        o->d = gpu_load_half(&a->d);
        break;
    }
    case GPU_T_Q4_K: {
        const gpu_block_q4_k *a = (const gpu_block_q4_k *)w + u / 8;
        const int s = (int)(u % 8);
        const uint8_t *qs = a->qs + 32 * (s >> 1);
        for (int l = 0; l < 32; l++)
            o->q[l] = (int8_t)((s & 1) ? qs[l] >> 4 : qs[l] & 15);
        gpu_q4_k_scale_min(a->scales, s, &o->sc[0], &o->m);
        o->d = gpu_load_half(&a->d);
        o->dmin = gpu_load_half(&a->dmin);
        break;
    }
    case GPU_T_Q6_K: {
        const gpu_block_q6_k *a = (const gpu_block_q6_k *)w + u / 8;
        const int s = (int)(u % 8);
        for (int l = 0; l < 32; l++)
            o->q[l] = (int8_t)gpu_q6_k_code(a, 32 * s + l);
        o->sc[0] = a->scales[2 * s];
        o->sc[1] = a->scales[2 * s + 1];
        o->d = gpu_load_half(&a->d);
        break;
    }
    case GPU_T_F16:
        for (int j = 0; j < 32; j++)
            o->w[j] = gpu_half_to_f32(((const uint16_t *)w)[32 * u + j]);
        break;
    case GPU_T_BF16:
        for (int j = 0; j < 32; j++)
            o->w[j] = gpu_bf16_to_f32(((const uint16_t *)w)[32 * u + j]);
        break;
    default:
        for (int j = 0; j < 32; j++)
            o->w[j] = ((const float *)w)[32 * u + j];
    }
}

GPU_HD float gpu_unit_dot(int wtype, const gpu_unit *a, const void *x, int64_t u)
{
    switch (wtype) {
    case GPU_T_Q4_0: case GPU_T_Q5_0: case GPU_T_Q8_0: {
        const gpu_block_q8_0 *q = (const gpu_block_q8_0 *)x + u;
        int isum = 0;
        for (int j = 0; j < 32; j++)
            isum += a->q[j] * q->qs[j];
        return gpu_mul((float)isum, gpu_mul(a->d, gpu_load_half(&q->d)));
    }
    case GPU_T_Q4_K: {
        const gpu_block_q8_k *q = (const gpu_block_q8_k *)x + u / 8;
        const int s = (int)(u % 8);
        const int8_t *xs = q->qs + 32 * s;
        int isum = 0;
        for (int l = 0; l < 32; l++)
            isum += a->q[l] * xs[l];
        int msum = a->m * (q->bsums[2 * s] + q->bsums[2 * s + 1]);
        return gpu_sub(gpu_mul(gpu_mul(a->d, q->d), (float)(a->sc[0] * isum)),
                       gpu_mul(gpu_mul(a->dmin, q->d), (float)msum));
    }
    case GPU_T_Q6_K: {
        const gpu_block_q8_k *q = (const gpu_block_q8_k *)x + u / 8;
        const int s = (int)(u % 8);
        int isum = 0;
        for (int g = 0; g < 2; g++) {
            int sum = 0;
            for (int l = 0; l < 16; l++)
                sum += a->q[16 * g + l] * q->qs[32 * s + 16 * g + l];
            isum += a->sc[g] * sum;
        }
        return gpu_mul(gpu_mul(a->d, q->d), (float)isum);
    }
    case GPU_T_F16: {
        const uint16_t *b = (const uint16_t *)x + 32 * u;
        float s = 0.0f;
        for (int j = 0; j < 32; j++)
            s += a->w[j] * gpu_half_to_f32(b[j]);
        return s;
    }
    case GPU_T_BF16: {
        const uint16_t *b = (const uint16_t *)x + 32 * u;
        float s = 0.0f;
        for (int j = 0; j < 32; j++)
            s += a->w[j] * gpu_bf16_to_f32(b[j]);
        return s;
    }
    default: {
        const float *b = (const float *)x + 32 * u;
        float s = 0.0f;
        for (int j = 0; j < 32; j++)
            s += a->w[j] * b[j];
        return s;
    }
    }
}

/* Row dot product, units summed in order (the host's view of one mat×vec output). */
GPU_HD float gpu_dot_row(int wtype, int64_t n, const void *w, const void *x)
{
    float s = 0.0f;
    for (int64_t u = 0; u < n / GPU_UNIT; u++)
        s += gpu_dot_unit(wtype, w, x, u);
    return s;
}

#endif
