/* The per-ISA kernel table behind simd.h. dispatch.c fills one table per ISA (scalar references
 * first, then whatever that ISA's files provide) and picks the active one once; tests walk every
 * table this CPU can run and compare it with the scalar one. */
#ifndef TOLK_SIMD_KERNELS_H
#define TOLK_SIMD_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simd.h"

/* y[r] = dot(row r, x) for r in [r0, r1). */
typedef void (*simd_matvec_fn)(const void *w, size_t w_row_bytes, int64_t n, const void *qx, float *y,
                               int64_t r0, int64_t r1);
/* Y[t * y_stride + r] = dot(row r, X row t), t < n_tok, r in [r0, r1). */
typedef void (*simd_matmul_fn)(const void *w, size_t w_row_bytes, int64_t n, const void *qx,
                               size_t qx_row_bytes, int64_t n_tok, float *y, size_t y_stride, int64_t r0,
                               int64_t r1);

/* simd_matmul_fn that also reads each token's prepared activation copy, PREP + t * prep_row_bytes. */
typedef void (*simd_matmul_prep_fn)(const void *w, size_t w_row_bytes, int64_t n, const void *qx,
                                    size_t qx_row_bytes, const void *prep, size_t prep_row_bytes, int64_t n_tok,
                                    float *y, size_t y_stride, int64_t r0, int64_t r1);

/* A batched kernel's activation copy, prepared once per matmul input (simd_prepare_act) instead of
 * per call. Used only while the table's matmul[type] is still PLAIN (a later ISA that overrides
 * matmul drops it) and for at least MIN_TOK tokens; MATMUL gives PLAIN's bits. */
typedef struct simd_act_prep {
    simd_matmul_fn plain;
    int64_t min_tok;
    size_t (*row_bytes)(int64_t n);                         /* a multiple of 64 */
    void (*prepare)(const void *qx, void *prep, int64_t n); /* PREP 64-byte aligned */
    simd_matmul_prep_fn matmul;
} simd_act_prep;

typedef enum simd_isa { SIMD_ISA_SCALAR, SIMD_ISA_AVX2, SIMD_ISA_AVX512, SIMD_ISA_NEON, SIMD_ISA_COUNT } simd_isa;

typedef struct simd_kernels {
    simd_isa isa;
    const char *name;
    simd_from_float_fn quantize_act[TOLK_TYPE_COUNT]; /* indexed by the activation type */
    simd_dot_fn dot[TOLK_TYPE_COUNT];                 /* indexed by the weight type */
    simd_to_float_fn to_float[TOLK_TYPE_COUNT];       /* bit-exact row conversions; NULL: the reference */
    simd_matvec_fn matvec[TOLK_TYPE_COUNT];           /* NULL: rows one by one through dot */
    simd_matmul_fn matmul[TOLK_TYPE_COUNT];           /* NULL: token by token through matvec */
    /* Most tokens for which matmul[type] gives every row the bits matvec[type] gives it (the
     * same summation order); INT64_MAX: any count; 0: not promised. Ignored where matmul is NULL
     * (always exact). */
    int64_t matmul_exact[TOLK_TYPE_COUNT];
    /* A batched kernel that gives every token the bits matvec[type] gives it at ANY token count
     * (speculative verification of long drafts: the few-token row walks in passes); NULL: none
     * beyond matmul_exact. */
    simd_matmul_fn matmul_one_order[TOLK_TYPE_COUNT];
    /* dot, matvec and matmul (at every token count) give the scalar reference's bits for this
     * type, because they add in its order (Q4_0: llama.cpp's, docs/NUMERICS.md); false: within
     * float rounding only. */
    bool ref_bits[TOLK_TYPE_COUNT];
    const simd_act_prep *act_prep[TOLK_TYPE_COUNT]; /* indexed by the weight type; NULL: none */
} simd_kernels;

/* Each ISA's files add their kernels to a table that already holds the scalar references. */
void simd_fill_avx2(simd_kernels *k);
void simd_fill_avx512(simd_kernels *k);
void simd_fill_avx512_gemm(simd_kernels *k); /* batched kernels, after simd_fill_avx512 */
void simd_fill_avx512_iq4(simd_kernels *k);  /* IQ4_NL / IQ4_XS batches (avx512/iq4_gemm.c), after those */
void simd_fill_neon(simd_kernels *k);

/* The table for one ISA, or NULL when this build or CPU cannot run it. */
const simd_kernels *simd_kernels_for(simd_isa isa);
/* The active table (after simd_init's choice). */
const simd_kernels *simd_active(void);
/* Whether this CPU could run isa (independent of what was compiled in). */
int simd_cpu_has(simd_isa isa);
/* Whether this x86 CPU has AVX512_BF16 (the AVX-512 BF16 kernel needs it on top of the base set). */
int simd_cpu_has_bf16(void);

/* Generic drivers over a dot product, used when an ISA has no dedicated row kernel. */
void simd_matvec_generic(simd_dot_fn dot, const void *w, size_t w_row_bytes, int64_t n, const void *qx,
                         float *y, int64_t r0, int64_t r1);
/* A batch as one-token mat x vecs (MV), token by token over groups of rows (whole LANES-row
 * groups) small enough, about 128 KiB, to stay in L2 while every token passes over them: for
 * kernels whose bits must not depend on the token count. */
void simd_matmul_tokens_in_l2(simd_matvec_fn mv, int64_t lanes, const void *w, size_t w_row_bytes, int64_t n,
                              const void *qx, size_t qx_row_bytes, int64_t n_tok, float *y, size_t y_stride,
                              int64_t r0, int64_t r1);

#endif
