/* Q5_K: Q4_K's super-block with a fifth bit per weight in qh; y = d * sc * q - dmin * m with q in
 * 0..31. Pairs with Q8_K activations. */
#include <math.h>
#include <string.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

static void q5k_codes(const block_q5_K *b, uint8_t q[QK_K])
{
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++) {
            q[64 * c + l] = (uint8_t)((b->qs[32 * c + l] & 15) | (((b->qh[l] >> (2 * c)) & 1) << 4));
            q[64 * c + 32 + l] = (uint8_t)((b->qs[32 * c + l] >> 4) | (((b->qh[l] >> (2 * c + 1)) & 1) << 4));
        }
}

void ref_dequant_q5_k(const void *src, float *dst, int64_t n)
{
    const block_q5_K *b = src;
    uint8_t q[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        float d = half_load(&b[i].d), dmin = half_load(&b[i].dmin);
        q5k_codes(&b[i], q);
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            kq_scale_min(j, b[i].scales, &sc, &m);
            float ds = d * (float)sc, dm = dmin * (float)m;
            for (int l = 0; l < 32; l++)
                dst[32 * j + l] = ds * (float)q[32 * j + l] - dm;
        }
    }
}

void ref_quant_q5_k(const float *src, void *dst, int64_t n)
{
    block_q5_K *b = dst;
    uint8_t L[QK_K], Laux[32];
    float weights[32], mins[8], scales[8];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float max_scale = 0.0f, max_min = 0.0f;
        for (int j = 0; j < 8; j++) {
            const float *x = src + 32 * j;
            float sum_x2 = 0.0f;
            for (int l = 0; l < 32; l++)
                sum_x2 += x[l] * x[l];
            float av_x = sqrtf(sum_x2 / 32.0f);
            for (int l = 0; l < 32; l++)
                weights[l] = av_x + fabsf(x[l]);
            scales[j] = kq_make_qkx2_quants(32, 31, x, weights, L + 32 * j, &mins[j], Laux, -0.5f, 0.1f, 15, 0);
            if (scales[j] > max_scale)
                max_scale = scales[j];
            if (mins[j] > max_min)
                max_min = mins[j];
        }
        float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
        float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
        memset(b[i].scales, 0, sizeof(b[i].scales));
        for (int j = 0; j < 8; j++) {
            int ls = kq_nearest_int(inv_scale * scales[j]), lm = kq_nearest_int(inv_min * mins[j]);
            ls = ls > 63 ? 63 : ls;
            lm = lm > 63 ? 63 : lm;
            if (j < 4) {
                b[i].scales[j] = (uint8_t)ls;
                b[i].scales[j + 4] = (uint8_t)lm;
            } else {
                b[i].scales[j + 4] = (uint8_t)((ls & 0xF) | ((lm & 0xF) << 4));
                b[i].scales[j - 4] |= (uint8_t)((ls >> 4) << 6);
                b[i].scales[j] |= (uint8_t)((lm >> 4) << 6);
            }
        }
        b[i].d = half_from_f32(max_scale / 63.0f);
        b[i].dmin = half_from_f32(max_min / 63.0f);
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            kq_scale_min(j, b[i].scales, &sc, &m);
            float d = half_to_f32(b[i].d) * (float)sc;
            if (d == 0.0f)
                continue;
            float dm = half_to_f32(b[i].dmin) * (float)m;
            for (int l = 0; l < 32; l++) {
                int v = kq_nearest_int((src[32 * j + l] + dm) / d);
                L[32 * j + l] = (uint8_t)(v < 0 ? 0 : v > 31 ? 31 : v);
            }
        }
        memset(b[i].qh, 0, sizeof(b[i].qh));
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++) {
                uint8_t lo = L[64 * c + l], hi = L[64 * c + 32 + l];
                b[i].qh[l] |= (uint8_t)(((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
                b[i].qs[32 * c + l] = (uint8_t)((lo & 15) | ((hi & 15) << 4));
            }
    }
}

float ref_dot_q5_k(int64_t n, const void *w, const void *x)
{
    const block_q5_K *b = w;
    const block_q8_K *a = x;
    uint8_t q[QK_K];
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        q5k_codes(&b[i], q);
        int isum = 0, msum = 0;
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            kq_scale_min(j, b[i].scales, &sc, &m);
            int s = 0;
            for (int l = 0; l < 32; l++)
                s += q[32 * j + l] * a[i].qs[32 * j + l];
            isum += sc * s;
            msum += m * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
        }
        sum += half_load(&b[i].d) * a[i].d * (float)isum - half_load(&b[i].dmin) * a[i].d * (float)msum;
    }
    return sum;
}
