/* Q2_K: 256 weights per super-block, 16 groups of 16, each with a 4-bit scale and 4-bit min
 * against half d and dmin; y = d * sc * q - dmin * m with q in 0..3. Pairs with Q8_K. */
#include <math.h>
#include <string.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

/* Codes (0..3) of one block in element order 128h + 32j + l. */
static void q2k_codes(const block_q2_K *b, uint8_t q[QK_K])
{
    for (int h = 0; h < 2; h++)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++)
                q[128 * h + 32 * j + l] = (b->qs[32 * h + l] >> (2 * j)) & 3;
}

void ref_dequant_q2_k(const void *src, float *dst, int64_t n)
{
    const block_q2_K *b = src;
    uint8_t q[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        float d = half_load(&b[i].d), dmin = half_load(&b[i].dmin);
        q2k_codes(&b[i], q);
        for (int g = 0; g < 16; g++) {
            float ds = d * (float)(b[i].scales[g] & 15), dm = dmin * (float)(b[i].scales[g] >> 4);
            for (int l = 0; l < 16; l++)
                dst[16 * g + l] = ds * (float)q[16 * g + l] - dm;
        }
    }
}

void ref_quant_q2_k(const float *src, void *dst, int64_t n)
{
    block_q2_K *b = dst;
    uint8_t L[QK_K], Laux[16];
    float weights[16], mins[16], scales[16];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float max_scale = 0.0f, max_min = 0.0f;
        for (int g = 0; g < 16; g++) {
            for (int l = 0; l < 16; l++)
                weights[l] = fabsf(src[16 * g + l]);
            scales[g] = kq_make_qkx2_quants(16, 3, src + 16 * g, weights, L + 16 * g, &mins[g], Laux, -0.5f, 0.1f, 15, 1);
            if (scales[g] > max_scale)
                max_scale = scales[g];
            if (mins[g] > max_min)
                max_min = mins[g];
        }
        if (max_scale > 0) {
            float iscale = 15.0f / max_scale;
            for (int g = 0; g < 16; g++)
                b[i].scales[g] = (uint8_t)kq_nearest_int(iscale * scales[g]);
            b[i].d = half_from_f32(max_scale / 15.0f);
        } else {
            memset(b[i].scales, 0, sizeof(b[i].scales));
            b[i].d = half_from_f32(0.0f);
        }
        if (max_min > 0) {
            float iscale = 15.0f / max_min;
            for (int g = 0; g < 16; g++)
                b[i].scales[g] |= (uint8_t)(kq_nearest_int(iscale * mins[g]) << 4);
            b[i].dmin = half_from_f32(max_min / 15.0f);
        } else {
            b[i].dmin = half_from_f32(0.0f);
        }
        for (int g = 0; g < 16; g++) {
            float d = half_to_f32(b[i].d) * (float)(b[i].scales[g] & 15);
            if (d == 0.0f)
                continue;
            float dm = half_to_f32(b[i].dmin) * (float)(b[i].scales[g] >> 4);
            for (int l = 0; l < 16; l++) {
                int v = kq_nearest_int((src[16 * g + l] + dm) / d);
                L[16 * g + l] = (uint8_t)(v < 0 ? 0 : v > 3 ? 3 : v);
            }
        }
        for (int h = 0; h < 2; h++)
            for (int l = 0; l < 32; l++) {
                const uint8_t *Lh = L + 128 * h;
                b[i].qs[32 * h + l] = (uint8_t)(Lh[l] | (Lh[l + 32] << 2) | (Lh[l + 64] << 4) | (Lh[l + 96] << 6));
            }
    }
}

float ref_dot_q2_k(int64_t n, const void *w, const void *x)
{
    const block_q2_K *b = w;
    const block_q8_K *a = x;
    uint8_t q[QK_K];
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        q2k_codes(&b[i], q);
        int isum = 0, msum = 0;
        for (int g = 0; g < 16; g++) {
            int s = 0;
            for (int l = 0; l < 16; l++)
                s += q[16 * g + l] * a[i].qs[16 * g + l];
            isum += (b[i].scales[g] & 15) * s;
            msum += (b[i].scales[g] >> 4) * a[i].bsums[g];
        }
        sum += half_load(&b[i].d) * a[i].d * (float)isum - half_load(&b[i].dmin) * a[i].d * (float)msum;
    }
    return sum;
}
