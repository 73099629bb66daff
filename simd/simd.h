/* simd/: the narrow interface to tolk's number crunching. It knows block formats, type traits and
 * kernels, nothing about models or files. One traits table indexed by ggml type id drives the
 * loader's validation, `tolk info`, the kernels and the tests. */
#ifndef TOLK_SIMD_H
#define TOLK_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ggml type ids, exactly as stored in GGUF tensor infos (append-only upstream). */
typedef enum tolk_type {
    TOLK_TYPE_F32 = 0,
    TOLK_TYPE_F16 = 1,
    TOLK_TYPE_Q4_0 = 2,
    TOLK_TYPE_Q4_1 = 3,
    TOLK_TYPE_Q5_0 = 6,
    TOLK_TYPE_Q5_1 = 7,
    TOLK_TYPE_Q8_0 = 8,
    TOLK_TYPE_Q8_1 = 9,
    TOLK_TYPE_Q2_K = 10,
    TOLK_TYPE_Q3_K = 11,
    TOLK_TYPE_Q4_K = 12,
    TOLK_TYPE_Q5_K = 13,
    TOLK_TYPE_Q6_K = 14,
    TOLK_TYPE_Q8_K = 15,
    TOLK_TYPE_IQ2_XXS = 16,
    TOLK_TYPE_IQ2_XS = 17,
    TOLK_TYPE_IQ3_XXS = 18,
    TOLK_TYPE_IQ1_S = 19,
    TOLK_TYPE_IQ4_NL = 20,
    TOLK_TYPE_IQ3_S = 21,
    TOLK_TYPE_IQ2_S = 22,
    TOLK_TYPE_IQ4_XS = 23,
    TOLK_TYPE_I8 = 24,
    TOLK_TYPE_I16 = 25,
    TOLK_TYPE_I32 = 26,
    TOLK_TYPE_I64 = 27,
    TOLK_TYPE_F64 = 28,
    TOLK_TYPE_IQ1_M = 29,
    TOLK_TYPE_BF16 = 30,
    TOLK_TYPE_TQ1_0 = 34,
    TOLK_TYPE_TQ2_0 = 35,
    TOLK_TYPE_MXFP4 = 39,
    TOLK_TYPE_COUNT = 40
} tolk_type;

/* Kernel shapes shared by the traits table and the per-ISA tables (n: elements, a multiple of the
 * block size). A dot product returns sum_i w[i] * x[i] with x in the weight type's partner format. */
typedef void (*simd_to_float_fn)(const void *src, float *dst, int64_t n);
typedef void (*simd_from_float_fn)(const float *src, void *dst, int64_t n);
typedef float (*simd_dot_fn)(int64_t n, const void *w, const void *x);

/* Per-type facts. block_size == 0 marks an id that is unused or was removed upstream. The function
 * pointers are the scalar references (NULL where tolk has none); fast paths live in the dispatch. */
typedef struct simd_type_traits {
    const char *name;    /* "Q4_K", as llama.cpp prints it */
    uint32_t block_size; /* elements per block */
    uint32_t type_size;  /* bytes per block */
    bool quantized;
    uint32_t act_type;              /* partner activation format of dot (meaningful where dot != NULL) */
    simd_to_float_fn to_float;      /* dequantize a row */
    simd_from_float_fn from_float;  /* reference quantize a row (the rounding llama.cpp writes) */
    simd_dot_fn dot;                /* reference dot product against act_type */
} simd_type_traits;

/* Traits of a type id, or NULL when the id is unknown or removed. */
const simd_type_traits *simd_traits(uint32_t type);

/* Bytes of one row of n elements of type t (n must be a multiple of the block size). */
size_t simd_row_bytes(uint32_t type, int64_t n);

/* ---- Kernel API (implemented in simd/; scalar reference always available) -------------------
 * Weights are rows of n_in elements of type wtype, row r at (const char *)w + r * w_row_bytes.
 * Activations are first quantized to the weight type's partner format (simd_act_type: Q8_0 for
 * Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants, F16 for F16, BF16 for BF16, F32 for
 * F32), then dotted with weight rows. Entry points take row ranges [r0, r1) so the threading layer
 * can split work without shared state. */

/* Builds the kernel tables and picks the best path this CPU runs (cpuid / HWCAP), once. Safe to
 * call repeatedly; the other functions call it lazily. Returns 0 (errbuf is unused: only
 * simd_set_isa's choice can fail). */
int simd_init(char *errbuf, size_t errsize);
/* Makes NAME ("scalar", "avx2", "avx512", "neon"; NULL or "": the best) the active path for the
 * whole process. Returns 0, or -1 with a message in errbuf when the name is unknown or this CPU or
 * build lacks that path (the active path is then unchanged). Call it before any computation: the
 * library reads no environment variable, programs pass TOLK_ISA here (tolk_set_isa). */
int simd_set_isa(const char *name, char *errbuf, size_t errsize);
const char *simd_isa_name(void); /* "scalar", "avx2", "avx512", "neon" */

uint32_t simd_act_type(uint32_t wtype);
size_t simd_act_row_bytes(uint32_t wtype, int64_t n); /* bytes of one quantized activation row */
/* Quantizes one activation row to simd_act_type(wtype). The bytes equal those of llama.cpp's CPU
 * backend on x86 (Q8_0/Q8_1: x * 127 / amax rounded to nearest even; Q8_K: its reference) on
 * every ISA, so logits can match llama.cpp exactly. */
void simd_quantize_act(uint32_t wtype, const float *x, void *qx, int64_t n);

/* Row conversions (reference rounding for quantize, so files tolk writes load in llama.cpp).
 * Return false when the type has no such routine. n must be a multiple of the block size. */
bool simd_dequantize_row(uint32_t type, const void *src, float *dst, int64_t n);
bool simd_quantize_row(uint32_t type, const float *src, void *dst, int64_t n);
/* The row conversion simd_dequantize_row uses for TYPE on the active path (NULL: unknown type), for
 * loops that convert many rows (attention over the KV cache) and should look it up once. */
simd_to_float_fn simd_row_converter(uint32_t type);

/* y[r] = dot(W row r, x) for r in [r0, r1); qx from simd_quantize_act. */
void simd_matvec(uint32_t wtype, const void *w, size_t w_row_bytes, int64_t n_in, const void *qx,
                 float *y, int64_t r0, int64_t r1);

/* Most tokens for which simd_matmul equals simd_matvec token by token, bit for bit, on the active
 * path (speculative verification relies on it to reproduce plain decoding exactly): INT64_MAX
 * when every batch does (the path has no batched kernel for WTYPE, or one that adds in the
 * one-token order at any size, like the AVX2 walks). */
int64_t simd_matmul_exact_tokens(uint32_t wtype);

/* simd_matmul with every token's results equal to simd_matvec's for that token alone, bit for bit,
 * at any n_tok (speculative verification): the path's one-order batched kernel where it has one,
 * else simd_matmul where simd_matmul_exact_tokens covers n_tok, else simd_matvec token by token. */
void simd_matmul_exact(uint32_t wtype, const void *w, size_t w_row_bytes, int64_t n_in, const void *qx,
                       size_t qx_row_bytes, int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

/* Y[t * y_stride + r] = dot(W row r, X row t) for t < n_tok, r in [r0, r1); activation row t at
 * (const char *)qx + t * qx_row_bytes. Each weight block is reused across several tokens. */
void simd_matmul(uint32_t wtype, const void *w, size_t w_row_bytes, int64_t n_in, const void *qx,
                 size_t qx_row_bytes, int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1);

/* Prepared activations: a path's batched kernel may read, besides the quantized rows, a copy of
 * them prepared once per matmul input rather than in every call (AVX2 Q8_0: the bytes widened to
 * int16). simd_act_prep_bytes: bytes of that copy for one n_in-wide row, a multiple of 64, where
 * the active path's product over n_tok tokens reads one (else 0). simd_prepare_act: quantized row
 * QX (simd_quantize_act) to its copy at PREP (64-byte aligned). simd_matmul_prep: simd_matmul, with
 * token t's copy at PREP + t * prep_row_bytes (PREP NULL: none; the bits are the same either way). */
size_t simd_act_prep_bytes(uint32_t wtype, int64_t n_in, int64_t n_tok);
void simd_prepare_act(uint32_t wtype, const void *qx, void *prep, int64_t n_in);
void simd_matmul_prep(uint32_t wtype, const void *w, size_t w_row_bytes, int64_t n_in, const void *qx,
                      size_t qx_row_bytes, const void *prep, size_t prep_row_bytes, int64_t n_tok, float *y,
                      size_t y_stride, int64_t r0, int64_t r1);

/* IEEE half and bfloat16 conversions (scalar, exact). */
float simd_f16_to_f32(uint16_t h);
uint16_t simd_f32_to_f16(float f);
float simd_bf16_to_f32(uint16_t h);
uint16_t simd_f32_to_bf16(float f);

#endif
