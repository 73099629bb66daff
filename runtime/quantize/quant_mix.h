/* Which tensor gets which type when a model is written as F32, F16, BF16, Q8_0, Q4_0 or Q4_K_M:
 * llama-quantize's choices (docs/QUANTIZATION.md, including the fallbacks for rows that are not a
 * multiple of 256), shared by `tolk quantize` and the random-model generator, plus the row
 * conversions between float and any stored type. */
#ifndef TOLK_QUANT_MIX_H
#define TOLK_QUANT_MIX_H

#include <stdbool.h>
#include <stdint.h>

#include "tolk.h"

/* A file type: the llama_ftype number written to general.file_type and the default tensor type. */
typedef struct qmix_ftype {
    const char *name;  /* "Q4_K_M", as llama-quantize spells it */
    uint32_t ftype;    /* general.file_type */
    uint32_t base;     /* default type of quantizable weights (tolk_type) */
} qmix_ftype;

/* Looks up a name (case-insensitive: F32, F16, BF16, Q8_0, Q4_0, Q4_K_M); NULL when unknown. */
const qmix_ftype *qmix_ftype_find(const char *name);
const char *qmix_ftype_list(void); /* "F32 F16 BF16 Q8_0 Q4_0 Q4_K_M IQ4_NL IQ4_XS", for usage messages */

/* What a tensor of the model should be stored as.
 *   name     tensor name ("blk.3.ffn_down.weight", "output.weight", ...)
 *   n_dims, ne0   its dimensions and row length
 *   cur_type its type in the source (kept when the tensor is not quantizable)
 *   has_output    whether the model has a separate output.weight (otherwise token_embd is the
 *                 output matrix and gets its treatment)
 *   n_layer       block count (for the "more bits" layers of Q4_K_M)
 * F32/F16/BF16 files convert every 2-D weight except norms to that type (as the HF converter
 * does); Q8_0/Q4_0/Q4_K_M apply llama-quantize's rules. */
uint32_t qmix_choose(const qmix_ftype *ft, const char *name, uint32_t n_dims, int64_t ne0,
                     uint32_t cur_type, bool has_output, uint32_t n_layer);

/* Converts n floats to one row of TYPE (F32, F16, BF16 or any type simd_quantize_row handles). */
int qmix_from_float(uint32_t type, const float *src, void *dst, int64_t n, tolk_error *err);

/* Converts one row of TYPE to n floats. */
int qmix_to_float(uint32_t type, const void *src, float *dst, int64_t n, tolk_error *err);

/* Totals reported by qmix_quantize_file. */
typedef struct qmix_stats {
    uint64_t n_tensors, n_converted; /* tensors written; of which changed type */
    uint64_t bytes_in, bytes_out;    /* tensor data before and after */
} qmix_stats;

/* Rewrites the GGUF file IN as OUT with file type FT: metadata copied (general.file_type and
 * general.quantization_version updated), each tensor converted to qmix_choose's type through
 * float (so quantized inputs are requantized), or copied when its type does not change. */
int qmix_quantize_file(const char *in, const char *out, const qmix_ftype *ft, qmix_stats *stats,
                       tolk_error *err);

#endif
