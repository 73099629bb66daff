/* Non-matrix operations of the forward pass, written to reproduce ggml's CPU rounding behaviour
 * where it matters (see ops.h). Formulas: docs/MODELS.md. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "attn_ggml.h"
#include "half.h"
#include "ops.h"
#include "simd.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define OPS_X86 1
#endif

/* y = x * scale(sum) * w: the step after the sum of squares. */
static void rms_scale(const float *x, const float *w, float *y, int64_t n, float eps, double sum)
{
    const float mean = (float)(sum / (double)n);
    const float scale = 1.0f / sqrtf(mean + eps);
    /* element by element (y may be x): vector lanes give the same bits */
    if (w) {
#pragma omp simd
        for (int64_t i = 0; i < n; i++)
            y[i] = (x[i] * scale) * w[i];
    } else {
#pragma omp simd
        for (int64_t i = 0; i < n; i++)
            y[i] = x[i] * scale;
    }
}

void ops_rmsnorm(const float *x, const float *w, float *y, int64_t n, float eps)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += (double)(x[i] * x[i]);
    rms_scale(x, w, y, n, eps, sum);
}

void ops_rmsnorm_rows(const float *x, const float *w, float *y, int64_t stride, int64_t nr, int64_t n, float eps)
{
    int64_t r = 0;
    for (; r + 4 <= nr; r += 4) {
        const float *x0 = x + r * stride, *x1 = x0 + stride, *x2 = x1 + stride, *x3 = x2 + stride;
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        for (int64_t i = 0; i < n; i++) {
            s0 += (double)(x0[i] * x0[i]);
            s1 += (double)(x1[i] * x1[i]);
            s2 += (double)(x2[i] * x2[i]);
            s3 += (double)(x3[i] * x3[i]);
        }
        const double s[4] = {s0, s1, s2, s3};
        for (int k = 0; k < 4; k++)
            rms_scale(x + (r + k) * stride, w, y + (r + k) * stride, n, eps, s[k]);
    }
    if (nr - r >= 2) {
        const float *x0 = x + r * stride, *x1 = x0 + stride;
        double s0 = 0.0, s1 = 0.0;
        for (int64_t i = 0; i < n; i++) {
            s0 += (double)(x0[i] * x0[i]);
            s1 += (double)(x1[i] * x1[i]);
        }
        rms_scale(x0, w, y + r * stride, n, eps, s0);
        rms_scale(x1, w, y + (r + 1) * stride, n, eps, s1);
        r += 2;
    }
    if (r < nr)
        ops_rmsnorm(x + r * stride, w, y + r * stride, n, eps);
}

/* YaRN: the pair indices between the two correction dims blend interpolated and extrapolated
 * angles (ggml_rope_yarn_corr_dims). */
static float yarn_corr_dim(int64_t n_rot, int64_t n_ctx_orig, float n_rotations, float base)
{
    return (float)n_rot * logf((float)n_ctx_orig / (n_rotations * 2.0f * (float)M_PI)) /
           (2.0f * logf(base));
}

void ops_rope_cache(const rope_params *rp, int64_t n_rot, const float *freq_factors, int64_t pos,
                    float *cs)
{
    const float theta_scale = powf(rp->base, -2.0f / (float)n_rot);
    float lo = 0.0f, hi = 0.0f;
    if (rp->ext_factor != 0.0f) {
        lo = fmaxf(0.0f, floorf(yarn_corr_dim(n_rot, rp->n_ctx_orig, rp->beta_fast, rp->base)));
        hi = fminf((float)(n_rot - 1), ceilf(yarn_corr_dim(n_rot, rp->n_ctx_orig, rp->beta_slow, rp->base)));
    }
    /* The angle is a running float product, as in ggml, not powf per pair: the last bits of
     * theta differ and greedy decoding can notice. */
    float theta_base = (float)pos;
    for (int64_t i = 0; i < n_rot / 2; i++) {
        const float ff = freq_factors ? freq_factors[i] : 1.0f;
        const float theta_extrap = theta_base / ff;
        const float theta_interp = rp->freq_scale * theta_extrap;
        float theta = theta_interp, mscale = rp->attn_factor;
        if (rp->ext_factor != 0.0f) {
            const float y = ((float)i - lo) / fmaxf(0.001f, hi - lo);
            const float ramp = 1.0f - fminf(1.0f, fmaxf(0.0f, y));
            const float mix = ramp * rp->ext_factor;
            theta = theta_interp * (1.0f - mix) + theta_extrap * mix;
            mscale *= 1.0f + 0.1f * logf(1.0f / rp->freq_scale);
        }
        cs[2 * i] = cosf(theta) * mscale;
        cs[2 * i + 1] = sinf(theta) * mscale;
        theta_base *= theta_scale;
    }
}

void ops_rope_apply(float *x, int64_t n_rot, rope_style style, const float *cs)
{
    const int64_t half = n_rot / 2;
    for (int64_t i = 0; i < half; i++) {
        const int64_t a = style == ROPE_NEOX ? i : 2 * i;
        const int64_t b = style == ROPE_NEOX ? i + half : 2 * i + 1;
        const float c = cs[2 * i], s = cs[2 * i + 1];
        const float x0 = x[a], x1 = x[b];
        /* ggml's rotate_pairs is built with -march=native and GCC's default fp contraction, which
         * fuses the first product of each line: these fmaf calls give its bits (a plain a*b-c*d
         * differs in the last bit for ~1 value in 5). */
        x[a] = fmaf(x0, c, -(x1 * s));
        x[b] = fmaf(x0, s, x1 * c);
    }
}

void ops_softmax(float *x, int64_t n)
{
    ag_softmax(x, n); /* (attn_ggml.c: the order is attention's) */
}

/* As llama.cpp's ggml_vec_swiglu_f32 on x86 (AVX-512 build): groups of 16 from the start take
 * silu(g) = g / (1 + ggml_v_expf(0 - g)) (ag_exp16: the same polynomial), times up; the n % 16
 * tail takes libm's expf. A last-bit difference here flips the 8-bit rounding of some ffn_down
 * inputs and grows through the layers (docs/NUMERICS.md). OUT may be GATE. */
void ops_swiglu(const float *gate, const float *up, float *out, int64_t n)
{
    const int64_t nv = n - n % 16;
    float e[16];
    for (int64_t i = 0; i < nv; i += 16) {
        for (int l = 0; l < 16; l++)
            e[l] = 0.0f - gate[i + l];
        ag_exp16(e, 0.0f);
        for (int l = 0; l < 16; l++)
            out[i + l] = gate[i + l] / (1.0f + e[l]) * up[i + l];
    }
    for (int64_t i = nv; i < n; i++) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

float ops_gelu_tanh_ref(float x)
{
    const float sqrt_2_over_pi = 0.79788456080286535587989211986876f;
    /* ggml fills its table with this formula compiled with FMA contraction, which fuses
     * 1 + (0.044715 x) x; rounded to f16, the unfused form differs for a few hundred inputs. */
    return 0.5f * x * (1.0f + tanhf(sqrt_2_over_pi * x * fmaf(0.044715f * x, x, 1.0f)));
}

/* GELU of every f16 value, rounded to f16 and stored widened: built once, read-only after. */
static float gelu_table[1 << 16];
static pthread_once_t gelu_once = PTHREAD_ONCE_INIT;

static void gelu_table_init(void)
{
    for (uint32_t i = 0; i < (1u << 16); i++)
        gelu_table[i] = simd_f16_to_f32(simd_f32_to_f16(ops_gelu_tanh_ref(simd_f16_to_f32((uint16_t)i))));
}

static void geglu_scalar(const float *gate, const float *up, float *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        float a;
        if (g <= -10.0f)
            a = 0.0f;
        else if (g >= 10.0f)
            a = g;
        else
            a = gelu_table[half_from_f32(g)]; /* simd_f32_to_f16, inlined */
        out[i] = a * up[i];
    }
}

void ops_geglu_ref(const float *gate, const float *up, float *out, int64_t n)
{
    pthread_once(&gelu_once, gelu_table_init);
    geglu_scalar(gate, up, out, n);
}

#ifdef OPS_X86
/* geglu_scalar eight values at a time: F16C's conversion is half_from_f32's (nearest even, NaN
 * kept quiet with its top payload bits, beyond the range to infinity), so the gather reads the
 * same table entry; the two ends are compares that are false for NaN, as the scalar tests are. */
__attribute__((target("avx2,f16c"))) static void geglu_avx2(const float *gate, const float *up, float *out, int64_t n)
{
    const __m256 lo = _mm256_set1_ps(-10.0f), hi = _mm256_set1_ps(10.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256i h = _mm256_cvtepu16_epi32(_mm256_cvtps_ph(g, _MM_FROUND_TO_NEAREST_INT));
        __m256 a = _mm256_i32gather_ps(gelu_table, h, 4);
        a = _mm256_blendv_ps(a, g, _mm256_cmp_ps(g, hi, _CMP_GE_OQ));
        a = _mm256_andnot_ps(_mm256_cmp_ps(g, lo, _CMP_LE_OQ), a); /* +0, as the scalar 0.0f */
        _mm256_storeu_ps(out + i, _mm256_mul_ps(a, _mm256_loadu_ps(up + i)));
    }
    geglu_scalar(gate + i, up + i, out + i, n - i);
}
#endif

void ops_geglu(const float *gate, const float *up, float *out, int64_t n)
{
    pthread_once(&gelu_once, gelu_table_init);
#ifdef OPS_X86
    /* the process's kernel path (simd_set_isa: TOLK_ISA) decides, as for every kernel; both x86
     * vector paths require AVX2 and F16C (simd/dispatch.c) */
    const char *isa = simd_isa_name();
    if (!strcmp(isa, "avx2") || !strcmp(isa, "avx512")) {
        geglu_avx2(gate, up, out, n);
        return;
    }
#endif
    geglu_scalar(gate, up, out, n);
}
