/* Q3_K: 256 weights per super-block, 16 groups of 16 with 6-bit signed scales against one half d;
 * 3-bit codes: two low bits in qs, the third in hmask (set means no -4 offset). Pairs with Q8_K. */
#include <math.h>
#include <string.h>

#include "../blocks.h"
#include "../half.h"
#include "ref.h"

/* Signed codes (-4..3) of one block in element order 128h + 32j + 16s + l. */
static void q3k_codes(const block_q3_K *b, int8_t q[QK_K])
{
    for (int h = 0; h < 2; h++)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++) {
                int q2 = (b->qs[32 * h + l] >> (2 * j)) & 3;
                int hb = (b->hmask[l] >> (4 * h + j)) & 1;
                q[128 * h + 32 * j + l] = (int8_t)(q2 - (hb ? 0 : 4));
            }
}

/* The signed scale of group k (0..15). */
static int q3k_scale(const uint8_t *s, int k)
{
    int lo = k < 8 ? s[k] & 15 : s[k - 8] >> 4;
    int hi = (s[8 + (k & 3)] >> (2 * (k >> 2))) & 3;
    return (lo | hi << 4) - 32;
}

void ref_dequant_q3_k(const void *src, float *dst, int64_t n)
{
    const block_q3_K *b = src;
    int8_t q[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        float d = half_load(&b[i].d);
        q3k_codes(&b[i], q);
        for (int g = 0; g < 16; g++) {
            float ds = d * (float)q3k_scale(b[i].scales, g);
            for (int l = 0; l < 16; l++)
                dst[16 * g + l] = ds * (float)q[16 * g + l];
        }
    }
}

void ref_quant_q3_k(const float *src, void *dst, int64_t n)
{
    block_q3_K *b = dst;
    int8_t L[QK_K];
    float scales[16];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float max_scale = 0.0f, amax = 0.0f;
        for (int g = 0; g < 16; g++) {
            scales[g] = kq_make_q3_quants(16, 4, src + 16 * g, L + 16 * g);
            if (fabsf(scales[g]) > amax) {
                amax = fabsf(scales[g]);
                max_scale = scales[g];
            }
        }
        memset(b[i].scales, 0, sizeof(b[i].scales));
        if (max_scale != 0.0f) {
            float iscale = -32.0f / max_scale;
            for (int g = 0; g < 16; g++) {
                int l = kq_nearest_int(iscale * scales[g]);
                l = (l < -32 ? -32 : l > 31 ? 31 : l) + 32;
                if (g < 8)
                    b[i].scales[g] = (uint8_t)(l & 15);
                else
                    b[i].scales[g - 8] |= (uint8_t)((l & 15) << 4);
                b[i].scales[8 + g % 4] |= (uint8_t)((l >> 4) << (2 * (g / 4)));
            }
            b[i].d = half_from_f32(1.0f / iscale);
        } else {
            b[i].d = half_from_f32(0.0f);
        }
        for (int g = 0; g < 16; g++) {
            float d = half_to_f32(b[i].d) * (float)q3k_scale(b[i].scales, g);
            if (d == 0.0f)
                continue;
            for (int l = 0; l < 16; l++) {
                int v = kq_nearest_int(src[16 * g + l] / d);
                v = v < -4 ? -4 : v > 3 ? 3 : v;
                L[16 * g + l] = (int8_t)(v + 4);
            }
        }
        memset(b[i].hmask, 0, sizeof(b[i].hmask));
        for (int e = 0; e < QK_K; e++)
            if (L[e] > 3) {
                b[i].hmask[e % 32] |= (uint8_t)(1 << (e / 32));
                L[e] = (int8_t)(L[e] - 4);
            }
        for (int h = 0; h < 2; h++)
            for (int l = 0; l < 32; l++) {
                const int8_t *Lh = L + 128 * h;
                b[i].qs[32 * h + l] = (uint8_t)(Lh[l] | (Lh[l + 32] << 2) | (Lh[l + 64] << 4) | (Lh[l + 96] << 6));
            }
    }
}

float ref_dot_q3_k(int64_t n, const void *w, const void *x)
{
    const block_q3_K *b = w;
    const block_q8_K *a = x;
    int8_t q[QK_K];
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        q3k_codes(&b[i], q);
        int isum = 0;
        for (int g = 0; g < 16; g++) {
            int s = 0;
            for (int l = 0; l < 16; l++)
                s += q[16 * g + l] * a[i].qs[16 * g + l];
            isum += q3k_scale(b[i].scales, g) * s;
        }
        sum += half_load(&b[i].d) * a[i].d * (float)isum;
    }
    return sum;
}
