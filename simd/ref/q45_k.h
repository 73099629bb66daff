/* Q4_K and Q5_K references: one body for both, compiled per format by the thin entry points in
 * q4_k.c and q5_k.c. 256 weights per super-block, 8 sub-blocks of 32 with 6-bit scales and mins
 * against half super-scales d and dmin; y = d * sc * q - dmin * m with q in 0..15 (Q4_K) or 0..31
 * (Q5_K: the fifth bit of element 64c + l in bit 2c of qh[l], of 64c + 32 + l in bit 2c + 1). Pairs
 * with Q8_K activations. */
#ifndef TOLK_SIMD_REF_Q45_K_H
#define TOLK_SIMD_REF_Q45_K_H

#include <math.h>
#include <string.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

/* The address of a field of block i of a Q4_K (five = 0) or Q5_K row (the two share d, dmin and
 * scales and have qs; arrays come as pointers to the array). */
#define Q45K_FIELD(p, five, i, field)                                                                                 \
    ((five) ? &((const block_q5_K *)(p))[i].field : &((const block_q4_K *)(p))[i].field)
#define Q45K_FIELD_W(p, five, i, field) ((five) ? &((block_q5_K *)(p))[i].field : &((block_q4_K *)(p))[i].field)

/* Codes of block i in element order (0..15 / 0..31). */
static inline void q45k_codes(const void *row, int five, int64_t i, uint8_t q[QK_K])
{
    const uint8_t *qs = *Q45K_FIELD(row, five, i, qs);
    const uint8_t *qh = five ? ((const block_q5_K *)row)[i].qh : NULL;
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++) {
            q[64 * c + l] = (uint8_t)((qs[32 * c + l] & 15) | (qh ? ((qh[l] >> (2 * c)) & 1) << 4 : 0));
            q[64 * c + 32 + l] = (uint8_t)((qs[32 * c + l] >> 4) | (qh ? ((qh[l] >> (2 * c + 1)) & 1) << 4 : 0));
        }
}

static inline void q45k_dequant(const void *src, float *dst, int64_t n, int five)
{
    uint8_t q[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        float d = half_load(Q45K_FIELD(src, five, i, d)), dmin = half_load(Q45K_FIELD(src, five, i, dmin));
        q45k_codes(src, five, i, q);
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            kq_scale_min(j, *Q45K_FIELD(src, five, i, scales), &sc, &m);
            float ds = d * (float)sc, dm = dmin * (float)m;
            for (int l = 0; l < 32; l++)
                dst[32 * j + l] = ds * (float)q[32 * j + l] - dm;
        }
    }
}

/* ggml's reference quantizer: Q4_K searches with nmax 15, rmin -1, 20 steps; Q5_K with 31, -0.5, 15. */
static inline void q45k_quant(const float *src, void *dst, int64_t n, int five)
{
    const int nmax = five ? 31 : 15, nstep = five ? 15 : 20;
    const float rmin = five ? -0.5f : -1.0f;
    uint8_t L[QK_K], Laux[32];
    float weights[32], mins[8], scales[8];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        uint8_t *bsc = *Q45K_FIELD_W(dst, five, i, scales), *qs = *Q45K_FIELD_W(dst, five, i, qs);
        simd_half *bd = Q45K_FIELD_W(dst, five, i, d), *bdmin = Q45K_FIELD_W(dst, five, i, dmin);
        float max_scale = 0.0f, max_min = 0.0f;
        for (int j = 0; j < 8; j++) {
            const float *x = src + 32 * j;
            float sum_x2 = 0.0f;
            for (int l = 0; l < 32; l++)
                sum_x2 += x[l] * x[l];
            float av_x = sqrtf(sum_x2 / 32.0f);
            for (int l = 0; l < 32; l++)
                weights[l] = av_x + fabsf(x[l]);
            scales[j] = kq_make_qkx2_quants(32, nmax, x, weights, L + 32 * j, &mins[j], Laux, rmin, 0.1f, nstep, 0);
            if (scales[j] > max_scale)
                max_scale = scales[j];
            if (mins[j] > max_min)
                max_min = mins[j];
        }
        float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
        float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
        memset(bsc, 0, K_SCALE_SIZE);
        for (int j = 0; j < 8; j++) {
            int ls = kq_nearest_int(inv_scale * scales[j]), lm = kq_nearest_int(inv_min * mins[j]);
            ls = ls > 63 ? 63 : ls;
            lm = lm > 63 ? 63 : lm;
            if (j < 4) {
                bsc[j] = (uint8_t)ls;
                bsc[j + 4] = (uint8_t)lm;
            } else {
                bsc[j + 4] = (uint8_t)((ls & 0xF) | ((lm & 0xF) << 4));
                bsc[j - 4] |= (uint8_t)((ls >> 4) << 6);
                bsc[j] |= (uint8_t)((lm >> 4) << 6);
            }
        }
        *bd = half_from_f32(max_scale / 63.0f);
        *bdmin = half_from_f32(max_min / 63.0f);
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            kq_scale_min(j, bsc, &sc, &m);
            float d = half_to_f32(*bd) * (float)sc;
            if (d == 0.0f)
                continue;
            float dm = half_to_f32(*bdmin) * (float)m;
            for (int l = 0; l < 32; l++) {
                int v = kq_nearest_int((src[32 * j + l] + dm) / d);
                L[32 * j + l] = (uint8_t)(v < 0 ? 0 : v > nmax ? nmax : v);
            }
        }
        uint8_t *qh = five ? ((block_q5_K *)dst)[i].qh : NULL;
        if (qh)
            memset(qh, 0, QK_K / 8);
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++) {
                uint8_t lo = L[64 * c + l], hi = L[64 * c + 32 + l];
                if (qh)
                    qh[l] |= (uint8_t)(((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
                qs[32 * c + l] = (uint8_t)((lo & 15) | ((hi & 15) << 4));
            }
    }
}

static inline float q45k_dot(int64_t n, const void *w, const void *x, int five)
{
    const block_q8_K *a = x;
    uint8_t q[QK_K];
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        q45k_codes(w, five, i, q);
        int isum = 0, msum = 0;
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            kq_scale_min(j, *Q45K_FIELD(w, five, i, scales), &sc, &m);
            int s = 0;
            for (int l = 0; l < 32; l++)
                s += q[32 * j + l] * a[i].qs[32 * j + l];
            isum += sc * s;
            msum += m * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
        }
        sum += half_load(Q45K_FIELD(w, five, i, d)) * a[i].d * (float)isum -
               half_load(Q45K_FIELD(w, five, i, dmin)) * a[i].d * (float)msum;
    }
    return sum;
}

#endif
