/* The generic mat x vec / mat x mat drivers behind simd.h: quantize activations with the active
 * ISA's quantizer, then run its row / tile kernel, or blocks of rows x tokens through its dot
 * product. Types with a dequantizer but no dot product run against F32 activations through a
 * block-sized buffer. */
#include <math.h>
#include <string.h>

#include "kernels.h"

static float dot_via_float(uint32_t wtype, int64_t n, const void *w, const float *x)
{
    const simd_type_traits *t = simd_traits(wtype);
    float buf[256];
    float sum = 0.0f;
    size_t bs = t->block_size, chunk = bs <= 256 ? 256 / bs * bs : bs;
    const char *src = w;
    for (int64_t i = 0; i < n; i += (int64_t)chunk) {
        int64_t m = n - i < (int64_t)chunk ? n - i : (int64_t)chunk;
        t->to_float(src, buf, m);
        for (int64_t j = 0; j < m; j++)
            sum += buf[j] * x[i + j];
        src += (size_t)m / bs * t->type_size;
    }
    return sum;
}

void simd_matvec_generic(simd_dot_fn dot, const void *w, size_t w_row_bytes, int64_t n, const void *qx,
                         float *y, int64_t r0, int64_t r1)
{
    for (int64_t r = r0; r < r1; r++)
        y[r] = dot(n, (const char *)w + (size_t)r * w_row_bytes, qx);
}

void simd_matmul_tokens_in_l2(simd_matvec_fn mv, int64_t lanes, const void *w, size_t w_row_bytes, int64_t n,
                              const void *qx, size_t qx_row_bytes, int64_t n_tok, float *y, size_t y_stride,
                              int64_t r0, int64_t r1)
{
    int64_t group = (int64_t)(((size_t)128 << 10) / (w_row_bytes ? w_row_bytes : 1)) / lanes * lanes;
    group = group < lanes ? lanes : group;
    for (int64_t r = r0; r < r1; r += group) {
        const int64_t re = r1 - r < group ? r1 : r + group;
        for (int64_t t = 0; t < n_tok; t++)
            mv(w, w_row_bytes, n, (const char *)qx + (size_t)t * qx_row_bytes, y + (size_t)t * y_stride, r, re);
    }
}

simd_to_float_fn simd_row_converter(uint32_t type)
{
    const simd_type_traits *t = simd_traits(type);
    if (!t)
        return NULL;
    const simd_kernels *k = simd_active(); /* an exact fast conversion where the path has one */
    return k->to_float[type] ? k->to_float[type] : t->to_float;
}

bool simd_dequantize_row(uint32_t type, const void *src, float *dst, int64_t n)
{
    const simd_type_traits *t = simd_traits(type);
    simd_to_float_fn f = simd_row_converter(type);
    if (!f || n % t->block_size)
        return false;
    f(src, dst, n);
    return true;
}

void simd_quantize_act(uint32_t wtype, const float *x, void *qx, int64_t n)
{
    const simd_kernels *k = simd_active();
    uint32_t at = simd_act_type(wtype);
    k->quantize_act[at](x, qx, n);
}

/* Types without a dot product: dequantize block runs and dot in float against F32 activations.
 * Types without a dequantizer either (unsupported ids) produce NaN rows so the mistake shows. */
static void matvec_fallback(uint32_t wtype, const void *w, size_t w_row_bytes, int64_t n, const float *x,
                            float *y, int64_t r0, int64_t r1)
{
    const simd_type_traits *t = simd_traits(wtype);
    for (int64_t r = r0; r < r1; r++)
        y[r] = t && t->to_float && t->block_size <= 256
                   ? dot_via_float(wtype, n, (const char *)w + (size_t)r * w_row_bytes, x)
                   : NAN;
}

void simd_matvec(uint32_t wtype, const void *w, size_t w_row_bytes, int64_t n_in, const void *qx, float *y,
                 int64_t r0, int64_t r1)
{
    const simd_kernels *k = simd_active();
    if (wtype >= TOLK_TYPE_COUNT || !k->dot[wtype]) {
        matvec_fallback(wtype, w, w_row_bytes, n_in, qx, y, r0, r1);
        return;
    }
    if (k->matvec[wtype])
        k->matvec[wtype](w, w_row_bytes, n_in, qx, y, r0, r1);
    else
        simd_matvec_generic(k->dot[wtype], w, w_row_bytes, n_in, qx, y, r0, r1);
}

int64_t simd_matmul_exact_tokens(uint32_t wtype)
{
    const simd_kernels *k = simd_active();
    if (wtype >= TOLK_TYPE_COUNT || !k->matmul[wtype])
        return INT64_MAX;
    return k->matmul_exact[wtype];
}

void simd_matmul_exact(uint32_t wtype, const void *w, size_t w_row_bytes, int64_t n_in, const void *qx,
                       size_t qx_row_bytes, int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    const simd_kernels *k = simd_active();
    if (n_tok > 1 && wtype < TOLK_TYPE_COUNT && k->matmul_one_order[wtype])
        k->matmul_one_order[wtype](w, w_row_bytes, n_in, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
    else if (n_tok > 1 && n_tok <= simd_matmul_exact_tokens(wtype))
        simd_matmul(wtype, w, w_row_bytes, n_in, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
    else /* one token after another over rows that stay in cache */
        for (int64_t t = 0; t < n_tok; t++)
            simd_matvec(wtype, w, w_row_bytes, n_in, (const char *)qx + (size_t)t * qx_row_bytes,
                        y + (size_t)t * y_stride, r0, r1);
}

/* WTYPE's prepared-activation entry on table K, if it still belongs to K's matmul. */
static const simd_act_prep *act_prep(const simd_kernels *k, uint32_t wtype)
{
    if (wtype >= TOLK_TYPE_COUNT || !k->act_prep[wtype])
        return NULL;
    return k->act_prep[wtype]->plain == k->matmul[wtype] ? k->act_prep[wtype] : NULL;
}

size_t simd_act_prep_bytes(uint32_t wtype, int64_t n_in, int64_t n_tok)
{
    const simd_act_prep *p = act_prep(simd_active(), wtype);
    return p && n_tok >= p->min_tok ? p->row_bytes(n_in) : 0;
}

void simd_prepare_act(uint32_t wtype, const void *qx, void *prep, int64_t n_in)
{
    const simd_act_prep *p = act_prep(simd_active(), wtype);
    if (p)
        p->prepare(qx, prep, n_in);
}

void simd_matmul_prep(uint32_t wtype, const void *w, size_t w_row_bytes, int64_t n_in, const void *qx,
                      size_t qx_row_bytes, const void *prep, size_t prep_row_bytes, int64_t n_tok, float *y,
                      size_t y_stride, int64_t r0, int64_t r1)
{
    const simd_act_prep *p = act_prep(simd_active(), wtype);
    if (prep && p && n_tok >= p->min_tok)
        p->matmul(w, w_row_bytes, n_in, qx, qx_row_bytes, prep, prep_row_bytes, n_tok, y, y_stride, r0, r1);
    else
        simd_matmul(wtype, w, w_row_bytes, n_in, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
}

void simd_matmul(uint32_t wtype, const void *w, size_t w_row_bytes, int64_t n_in, const void *qx,
                 size_t qx_row_bytes, int64_t n_tok, float *y, size_t y_stride, int64_t r0, int64_t r1)
{
    const simd_kernels *k = simd_active();
    if (wtype < TOLK_TYPE_COUNT && k->matmul[wtype]) {
        k->matmul[wtype](w, w_row_bytes, n_in, qx, qx_row_bytes, n_tok, y, y_stride, r0, r1);
        return;
    }
    if (wtype >= TOLK_TYPE_COUNT || !k->dot[wtype]) {
        for (int64_t t = 0; t < n_tok; t++)
            matvec_fallback(wtype, w, w_row_bytes, n_in, (const float *)((const char *)qx + (size_t)t * qx_row_bytes),
                            y + (size_t)t * y_stride, r0, r1);
        return;
    }
    /* 16 x 16 blocks of rows x tokens: each weight row is reused from L1/L2 by 16 tokens */
    simd_dot_fn dot = k->dot[wtype];
    for (int64_t rb = r0; rb < r1; rb += 16)
        for (int64_t tb = 0; tb < n_tok; tb += 16)
            for (int64_t r = rb; r < r1 && r < rb + 16; r++)
                for (int64_t t = tb; t < n_tok && t < tb + 16; t++)
                    y[(size_t)t * y_stride + (size_t)r] =
                        dot(n_in, (const char *)w + (size_t)r * w_row_bytes, (const char *)qx + (size_t)t * qx_row_bytes);
}
