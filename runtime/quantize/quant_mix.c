/* Per-tensor type choice following llama-quantize (src/llama-quant.cpp, summarised in docs/QUANTIZATION.md)
 * and float <-> row conversions on top of simd/. Only dense models are handled: the expert and
 * 70B-specific rules of llama-quantize do not apply to the architectures tolk runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "quant_mix.h"
#include "simd.h"

/* general.file_type numbers (llama_ftype). */
static const qmix_ftype ftypes[] = {
    {"F32", 0, TOLK_TYPE_F32},
    {"F16", 1, TOLK_TYPE_F16},
    {"BF16", 32, TOLK_TYPE_BF16},
    {"Q8_0", 7, TOLK_TYPE_Q8_0},
    {"Q4_0", 2, TOLK_TYPE_Q4_0},
    {"Q4_K_M", 15, TOLK_TYPE_Q4_K},
    {"IQ4_NL", 25, TOLK_TYPE_IQ4_NL},
    {"IQ4_XS", 30, TOLK_TYPE_IQ4_XS},
};

const qmix_ftype *qmix_ftype_find(const char *name)
{
    for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
        if (!strcasecmp(name, ftypes[i].name))
            return &ftypes[i];
    return NULL;
}

const char *qmix_ftype_list(void) { return "F32 F16 BF16 Q8_0 Q4_0 Q4_K_M IQ4_NL IQ4_XS"; }

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* Layer index from "blk.N.", or -1. */
static long layer_of(const char *name)
{
    if (strncmp(name, "blk.", 4))
        return -1;
    char *end;
    long i = strtol(name + 4, &end, 10);
    return end != name + 4 && *end == '.' ? i : -1;
}

/* llama-quantize's "use more bits" layers: the first and last eighth, and every third in between. */
static bool more_bits(long i, long n)
{
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

/* Rows that do not fill 256-element super-blocks cannot hold K-quants: llama-quantize swaps in the
 * nearest 32-block type, and F16 when even that does not fit. */
static uint32_t fallback(uint32_t t, int64_t ne0)
{
    if (ne0 % 256) {
        if (t == TOLK_TYPE_Q4_K)
            t = TOLK_TYPE_Q5_0;
        else if (t == TOLK_TYPE_Q5_K)
            t = TOLK_TYPE_Q5_1;
        else if (t == TOLK_TYPE_Q6_K)
            t = TOLK_TYPE_Q8_0;
        else if (t == TOLK_TYPE_IQ4_XS) /* the IQ mixes' fallback */
            t = TOLK_TYPE_IQ4_NL;
    }
    const simd_type_traits *tt = simd_traits(t);
    if (!tt || ne0 % tt->block_size)
        t = TOLK_TYPE_F16;
    return t;
}

uint32_t qmix_choose(const qmix_ftype *ft, const char *name, uint32_t n_dims, int64_t ne0,
                     uint32_t cur_type, bool has_output, uint32_t n_layer)
{
    /* Only 2-D (or more) "...weight" tensors that are not norms are converted. */
    if (!ends_with(name, "weight") || n_dims < 2 || strstr(name, "_norm.weight"))
        return cur_type;
    uint32_t t = ft->base;
    const simd_type_traits *base = simd_traits(t);
    if (!base || !base->quantized) /* F32/F16/BF16 files: every matrix in that type */
        return fallback(t, ne0);

    bool is_output = !strcmp(name, "output.weight") || (!has_output && !strcmp(name, "token_embd.weight"));
    if (is_output) {
        /* The output matrix keeps more precision: Q6_K, or Q8_0 when rows are not 256-multiples. */
        if (ne0 % 256)
            t = TOLK_TYPE_Q8_0;
        else if (t != TOLK_TYPE_Q8_0)
            t = TOLK_TYPE_Q6_K;
    } else if (ft->base == TOLK_TYPE_Q4_K && !strcmp(ft->name, "Q4_K_M")) {
        long il = layer_of(name);
        if (strstr(name, "attn_v.weight") || strstr(name, "ffn_down")) {
            if (il >= 0 && more_bits(il, (long)n_layer))
                t = TOLK_TYPE_Q6_K;
        } else if (strstr(name, "attn_qkv.weight")) {
            t = TOLK_TYPE_Q5_K;
        }
    }
    return fallback(t, ne0);
}

int qmix_from_float(uint32_t type, const float *src, void *dst, int64_t n, tolk_error *err)
{
    switch (type) {
    case TOLK_TYPE_F32:
        memcpy(dst, src, (size_t)n * sizeof(float));
        return TOLK_OK;
    case TOLK_TYPE_F16:
        for (int64_t i = 0; i < n; i++)
            ((uint16_t *)dst)[i] = simd_f32_to_f16(src[i]);
        return TOLK_OK;
    case TOLK_TYPE_BF16:
        for (int64_t i = 0; i < n; i++)
            ((uint16_t *)dst)[i] = simd_f32_to_bf16(src[i]);
        return TOLK_OK;
    default:
        if (simd_quantize_row(type, src, dst, n))
            return TOLK_OK;
    }
    const simd_type_traits *tt = simd_traits(type);
    return error_set(err, TOLK_E_UNSUPPORTED, "no quantizer for type %s", tt ? tt->name : "?");
}

int qmix_to_float(uint32_t type, const void *src, float *dst, int64_t n, tolk_error *err)
{
    switch (type) {
    case TOLK_TYPE_F32:
        memcpy(dst, src, (size_t)n * sizeof(float));
        return TOLK_OK;
    case TOLK_TYPE_F16:
        for (int64_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, (const uint8_t *)src + 2 * i, 2); /* rows in a mapping may be unaligned */
            dst[i] = simd_f16_to_f32(h);
        }
        return TOLK_OK;
    case TOLK_TYPE_BF16:
        for (int64_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, (const uint8_t *)src + 2 * i, 2);
            dst[i] = simd_bf16_to_f32(h);
        }
        return TOLK_OK;
    default:
        if (simd_dequantize_row(type, src, dst, n))
            return TOLK_OK;
    }
    const simd_type_traits *tt = simd_traits(type);
    return error_set(err, TOLK_E_UNSUPPORTED, "no dequantizer for type %s", tt ? tt->name : "?");
}
