/* Tests for runtime/forward/ops.c against the formulas in docs/MODELS.md: RMSNorm, RoPE in both pairings
 * with linear scaling, rope_freqs and YaRN, softmax with masked entries, SwiGLU and the f16-table
 * GELU semantics of ggml. */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "attn_blocks.h"
#include "attn_ggml.h"
#include "kv.h"
#include "ops.h"
#include "simd.h"
#include "suite_run.h"
#include "test_isa.h"

START_TEST(rmsnorm_matches_formula)
{
    float x[96], w[96], y[96];
    double ss = 0;
    for (int i = 0; i < 96; i++) {
        x[i] = (float)(i % 11) - 4.5f;
        w[i] = 1.0f + (float)i / 96.0f;
        ss += (double)x[i] * x[i];
    }
    ops_rmsnorm(x, w, y, 96, 1e-6f);
    const double scale = 1.0 / sqrt(ss / 96 + 1e-6);
    for (int i = 0; i < 96; i++)
        ck_assert_double_eq_tol(y[i], x[i] * scale * w[i], 1e-5);
    ops_rmsnorm(x, NULL, x, 96, 1e-6f); /* in place, no weight */
    for (int i = 0; i < 96; i++)
        ck_assert_double_eq_tol(x[i], y[i] / w[i], 1e-5);
}
END_TEST

/* The multi-row norm gives each row ops_rmsnorm's bits: values spread over many binades, so the
 * double sums round and any change of order would show; 1..7 rows cover the 4-, 2- and 1-row steps. */
START_TEST(rmsnorm_rows_match_single)
{
    enum { N = 203, R = 7 };
    static float x[R * N], y[R * N], w[N], ref[N];
    uint32_t st = 12345;
    for (int i = 0; i < R * N; i++) {
        st = st * 1664525u + 1013904223u;
        x[i] = ldexpf((float)(st >> 8) / 16777216.0f - 0.5f, (int)(st % 40) - 20);
    }
    for (int i = 0; i < N; i++)
        w[i] = 0.5f + (float)i / N;
    for (int nr = 1; nr <= R; nr++)
        for (int wi = 0; wi < 2; wi++) {
            ops_rmsnorm_rows(x, wi ? w : NULL, y, N, nr, N, 1e-6f);
            for (int r = 0; r < nr; r++) {
                ops_rmsnorm(x + r * N, wi ? w : NULL, ref, N, 1e-6f);
                ck_assert_mem_eq(y + r * N, ref, sizeof ref);
            }
        }
    memcpy(y, x, sizeof y); /* in place */
    ops_rmsnorm_rows(y, w, y, N, R, N, 1e-6f);
    for (int r = 0; r < R; r++) {
        ops_rmsnorm(x + r * N, w, ref, N, 1e-6f);
        ck_assert_mem_eq(y + r * N, ref, sizeof ref);
    }
}
END_TEST

static rope_params plain(float base)
{
    return (rope_params){.base = base, .freq_scale = 1.0f, .attn_factor = 1.0f, .beta_fast = 32.0f,
                         .beta_slow = 1.0f, .n_ctx_orig = 4096};
}

START_TEST(rope_angles_and_pairings)
{
    enum { D = 16 };
    float cs[D], x[D], y[D];
    rope_params rp = plain(10000.0f);
    ops_rope_cache(&rp, D, NULL, 7, cs);
    for (int i = 0; i < D / 2; i++) {
        const double theta = 7.0 * pow(10000.0, -2.0 * i / D);
        ck_assert_double_eq_tol(cs[2 * i], cos(theta), 1e-5);
        ck_assert_double_eq_tol(cs[2 * i + 1], sin(theta), 1e-5);
    }
    /* NORM rotates (2i, 2i+1), NEOX rotates (i, i + D/2): the same numbers once permuted. */
    for (int i = 0; i < D; i++)
        x[i] = (float)i * 0.25f - 1.0f;
    for (int i = 0; i < D / 2; i++) {
        y[i] = x[2 * i];
        y[i + D / 2] = x[2 * i + 1];
    }
    ops_rope_apply(x, D, ROPE_NORM, cs);
    ops_rope_apply(y, D, ROPE_NEOX, cs);
    for (int i = 0; i < D / 2; i++) {
        ck_assert_float_eq(x[2 * i], y[i]);
        ck_assert_float_eq(x[2 * i + 1], y[i + D / 2]);
    }
    /* Position 0 is the identity. */
    ops_rope_cache(&rp, D, NULL, 0, cs);
    float z[D];
    for (int i = 0; i < D; i++)
        z[i] = y[i];
    ops_rope_apply(z, D, ROPE_NEOX, cs);
    for (int i = 0; i < D; i++)
        ck_assert_float_eq(z[i], y[i]);
}
END_TEST

START_TEST(rope_scaling_and_freq_factors)
{
    enum { D = 8 };
    float a[D], b[D];
    rope_params half = plain(500.0f), full = plain(500.0f);
    half.freq_scale = 0.5f;
    ops_rope_cache(&half, D, NULL, 10, a);
    ops_rope_cache(&full, D, NULL, 5, b);
    for (int i = 0; i < D; i++)
        ck_assert_double_eq_tol(a[i], b[i], 1e-5);
    const float ff[D / 2] = {1.0f, 2.0f, 4.0f, 8.0f};
    ops_rope_cache(&full, D, ff, 3, a);
    for (int i = 0; i < D / 2; i++) {
        const double theta = 3.0 * pow(500.0, -2.0 * i / D) / ff[i];
        ck_assert_double_eq_tol(a[2 * i + 1], sin(theta), 1e-5);
    }
    /* YaRN: the fastest pairs keep the extrapolated angle, the slowest get the interpolated one,
     * and magnitudes grow by 1 + 0.1 ln(1/freq_scale). */
    enum { Y = 64 };
    float y[Y];
    rope_params yarn = plain(10000.0f);
    yarn.freq_scale = 0.25f;
    yarn.ext_factor = 1.0f;
    yarn.n_ctx_orig = 2048;
    ops_rope_cache(&yarn, Y, NULL, 100, y);
    const double m = 1.0 + 0.1 * log(4.0);
    ck_assert_double_eq_tol(hypot(y[0], y[1]), m, 1e-5);
    ck_assert_double_eq_tol(y[1], m * sin(100.0), 1e-4);
    const double slow = 100.0 * pow(10000.0, -2.0 * 31 / Y) * 0.25;
    ck_assert_double_eq_tol(y[63], m * sin(slow), 1e-4);
}
END_TEST

START_TEST(softmax_with_masked_entries)
{
    float s[5] = {1.0f, -INFINITY, 3.0f, 2.0f, -INFINITY};
    ops_softmax(s, 5);
    const double z = exp(1.0) + exp(3.0) + exp(2.0);
    ck_assert_double_eq_tol(s[0], exp(1.0) / z, 1e-6);
    ck_assert_float_eq(s[1], 0.0f);
    ck_assert_double_eq_tol(s[2], exp(3.0) / z, 1e-6);
    ck_assert_float_eq(s[4], 0.0f);
    float big[3] = {1000.0f, 999.0f, -1000.0f}; /* no overflow */
    ops_softmax(big, 3);
    ck_assert_double_eq_tol(big[0], 1.0 / (1.0 + exp(-1.0)), 1e-6);
}
END_TEST

/* ggml_v_expf with the final scaling done by ldexpf (one correctly rounded step, as
 * _mm512_scalef_ps): the reference for tolk's branch-free, vectorizable form. */
static float expf_ldexp_ref(float x)
{
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                         u, fmaf(0x1.ffffecp-1f, b, 1.0f));
    if (fabsf(n) > 192.0f)
        return n <= 0.0f ? 0.0f : INFINITY;
    return ldexpf(j, (int)n);
}

START_TEST(softmax_exp_scales_like_scalef)
{
    /* The masks, values whose n sits near the +-192 cut-off, subnormal results (below about
     * -87.3) and overflow (above 88.7). */
    float x[AG_LANES];
    int k = 0, checked = 0;
    const float edges[] = {-INFINITY, INFINITY, -1e30f, 1e30f, -133.0f, 133.1f, -133.2f, -103.9f, -87.34f, 88.72f, 0.0f, -0.0f};
    for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++) {
        float v = edges[e], got = ag_expf(v), want = expf_ldexp_ref(v);
        ck_assert_msg(memcmp(&got, &want, 4) == 0, "ag_expf(%a) = %a, want %a", (double)v, (double)got, (double)want);
    }
    /* every 16411th bit pattern (all magnitudes, both signs; NaNs left out), then every 29th float
     * of [-104, -87], where results turn subnormal */
    const float lo = -104.0f, hi = -87.0f;
    uint32_t ulo, uhi;
    memcpy(&ulo, &hi, 4); /* negative floats: the larger magnitude has the larger pattern */
    memcpy(&uhi, &lo, 4);
    for (uint64_t i = 0; i < (1ull << 32) / 16411 + (uhi - ulo) / 29; i++) {
        uint32_t u = i < (1ull << 32) / 16411 ? (uint32_t)(i * 16411) : ulo + 29 * (uint32_t)(i - (1ull << 32) / 16411);
        float v;
        memcpy(&v, &u, 4);
        if (isnan(v))
            continue;
        x[k++] = v;
        if (k < AG_LANES)
            continue;
        float g[AG_LANES];
        memcpy(g, x, sizeof g);
        ag_exp16(g, 0.5f);
        for (int l = 0; l < AG_LANES; l++) {
            float want = expf_ldexp_ref(x[l] - 0.5f), one = ag_expf(x[l] - 0.5f);
            ck_assert_msg(memcmp(&g[l], &want, 4) == 0 && memcmp(&one, &want, 4) == 0,
                          "exp(%a): group %a, one %a, ldexp form %a", (double)(x[l] - 0.5f), (double)g[l],
                          (double)one, (double)want);
        }
        checked += AG_LANES;
        k = 0;
    }
    ck_assert_int_gt(checked, 250000);
}
END_TEST

START_TEST(f16_rounding_of_rows)
{
    /* every 65521st bit pattern (NaNs left out): subnormal halves, overflow to infinity, ties */
    enum { N = 4096 + 5 }; /* a tail beyond the 8-wide steps */
    static float x[N], want[N];
    int n = 0, rows = 0;
    for (uint64_t u = 0; u < (1ull << 32); u += 65521) {
        uint32_t b = (uint32_t)u;
        float v;
        memcpy(&v, &b, 4);
        if (isnan(v))
            continue;
        x[n] = v;
        want[n] = simd_f16_to_f32(simd_f32_to_f16(v));
        if (++n < N)
            continue;
        ag_round_f16(x, N);
        ck_assert_msg(memcmp(x, want, sizeof x) == 0, "row %d differs from simd_f32_to_f16", rows);
        rows++;
        n = 0;
    }
    ck_assert_int_gt(rows, 10);
}
END_TEST

START_TEST(gated_activations)
{
    const float g[6] = {-12.0f, -1.0f, 0.0f, 0.3f, 2.5f, 11.0f}, u[6] = {2, 2, 2, 2, 2, 2};
    float o[6];
    ops_swiglu(g, u, o, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_double_eq_tol(o[i], 2.0 * g[i] / (1.0 + exp(-g[i])), 1e-5);
    ops_geglu(g, u, o, 6);
    ck_assert_float_eq(o[0], 0.0f);
    ck_assert_float_eq(o[5], 22.0f);
    for (int i = 1; i < 5; i++) {
        /* ggml: f16-round the input, GELU in float, f16-round the result. */
        const float xin = simd_f16_to_f32(simd_f32_to_f16(g[i]));
        const float want = simd_f16_to_f32(simd_f32_to_f16(ops_gelu_tanh_ref(xin))) * 2.0f;
        ck_assert_float_eq(o[i], want);
        const double exact = 0.5 * g[i] * (1 + tanh(sqrt(2 / M_PI) * (g[i] + 0.044715 * pow(g[i], 3))));
        ck_assert_double_eq_tol(o[i], 2 * exact, 2e-2);
    }
}
END_TEST


/* llama.cpp's CPU backend is compiled with FMA contraction (x86 -march=native), so its RoPE and
 * its GELU table round like the fused forms below; values taken from its eval callback on the
 * default model (layer 0, position 2, head 3, pair 74; and one FFN gate). */
START_TEST(rope_rounds_like_ggml)
{
    enum { D = 256 };
    float cs[D], x[D] = {0};
    rope_params rp = plain(10000.0f);
    ops_rope_cache(&rp, D, NULL, 2, cs);
    x[74] = 0x1.231a46p+3f;
    x[202] = 0x1.54e64cp-2f;
    ops_rope_apply(x, D, ROPE_NEOX, cs);
    ck_assert_float_eq(x[74], 0x1.22fc2ep+3f);
    ck_assert_float_eq(x[202], 0x1.af9b54p-2f);
    /* And in general: the first product of each rotated value is fused. */
    int unfused_differs = 0;
    for (int i = 0; i < D; i++)
        x[i] = sinf((float)i * 0.37f) * 40.0f;
    float y[D];
    for (int i = 0; i < D; i++)
        y[i] = x[i];
    ops_rope_apply(y, D, ROPE_NEOX, cs);
    for (int i = 0; i < D / 2; i++) {
        const float c = cs[2 * i], s = cs[2 * i + 1], x0 = x[i], x1 = x[i + D / 2];
        ck_assert_float_eq(y[i], fmaf(x0, c, -(x1 * s)));
        ck_assert_float_eq(y[i + D / 2], fmaf(x0, s, x1 * c));
        volatile float p0 = x0 * c, p1 = x1 * s;
        unfused_differs += y[i] != p0 - p1;
    }
    ck_assert_int_gt(unfused_differs, 0); /* the test can tell the two roundings apart */
}
END_TEST

/* llama.cpp's ggml_vec_swiglu_f32 (x86, AVX-512 build) takes e^-g from ggml_v_expf's polynomial in
 * its 16-wide loop and from expf only in the n % 16 tail; the two differ in the last bit for some
 * inputs, so a SwiGLU on libm's expf everywhere (or on the polynomial everywhere) fails here. */
START_TEST(swiglu_rounds_like_ggml)
{
    /* gate values where the polynomial and libm disagree about g / (1 + e^-g) */
    float g[32];
    int found = 0;
    for (int k = 0; k < 200000 && found < 32; k++) {
        const float x = -8.0f + 16.0f * (float)k / 200000.0f;
        if (x / (1.0f + ag_expf(0.0f - x)) != x / (1.0f + expf(-x)))
            g[found++] = x;
    }
    ck_assert_int_eq(found, 32);
    float u[32], o[32];
    for (int i = 0; i < 32; i++)
        u[i] = 1.0f + (float)i / 8.0f;
    /* 16 in the vector loop, then a tail of 16 - 3 = 13 */
    ops_swiglu(g, u, o, 29);
    for (int i = 0; i < 29; i++) {
        const float e = i < 16 ? ag_expf(0.0f - g[i]) : expf(-g[i]);
        ck_assert_msg(o[i] == g[i] / (1.0f + e) * u[i], "element %d of 29 (gate %.9g)", i, (double)g[i]);
    }
    /* in place, as the forward pass calls it */
    float h[32];
    memcpy(h, g, sizeof h);
    ops_swiglu(h, u, h, 32);
    for (int i = 0; i < 32; i++)
        ck_assert(h[i] == g[i] / (1.0f + ag_expf(0.0f - g[i])) * u[i]);
}
END_TEST

START_TEST(gelu_table_rounds_like_ggml)
{
    const float g = -0x1.ffc9d4p+0f, u = -0x1.07a1bcp+1f;
    float o;
    ops_geglu(&g, &u, &o, 1);
    ck_assert_float_eq(o, 0x1.7fdcbep-4f); /* llama.cpp's ffn_geglu value */
}
END_TEST

/* ops_geglu's vector path against its scalar reference, bit for bit (NaN payloads included): every
 * f16 value, the exact midpoints between neighbours (ties to even) and the floats one ulp either
 * side, a sweep over all float bit patterns, and the edges: +-0, subnormals of both widths, the
 * f16 overflow boundary, +-10 and their neighbours, infinities and NaNs of both signs with payloads;
 * each with up values that include 0, -0, infinities and NaN, at lengths and offsets that leave
 * ragged tails, and in place (out = gate). */
static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

START_TEST(geglu_vector_matches_scalar)
{
    const uint32_t edges[] = {0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u, 0x007fffffu, 0x00800000u,
                              0x33000000u, 0x33000001u, 0x337fffffu, 0x33800000u, 0x33c00000u, 0xb3c00000u,
                              0x387fc000u, 0x387fe000u, 0x38800000u, 0x477fe000u, 0x477fefffu, 0x477ff000u,
                              0xc77ff000u, 0x47800000u, 0x7f7fffffu, 0xff7fffffu, 0x41200000u, 0xc1200000u,
                              0x411fffffu, 0xc11fffffu, 0x41200001u, 0xc1200001u, 0x7f800000u, 0xff800000u,
                              0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff800001u, 0x7fa5a5a5u, 0xffdeadbeu,
                              0x7fffffffu, 0x7f802000u, 0x3f800000u, 0xbf800000u};
    enum { N_HALF = 1 << 16, N_SWEEP = 70000 };
    const int64_t n = (int64_t)(sizeof edges / sizeof edges[0]) + 4 * N_HALF + N_SWEEP;
    float *g = malloc(sizeof(float) * (size_t)n), *u = malloc(sizeof(float) * (size_t)n);
    float *o1 = malloc(sizeof(float) * (size_t)n), *o2 = malloc(sizeof(float) * (size_t)n);
    ck_assert(g && u && o1 && o2);
    int64_t k = 0;
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        g[k++] = bits_f32(edges[i]);
    for (uint32_t h = 0; h < N_HALF; h++) {
        const float v = simd_f16_to_f32((uint16_t)h), next = simd_f16_to_f32((uint16_t)(h + 1));
        uint32_t vb;
        memcpy(&vb, &v, 4);
        g[k++] = v;
        /* between h and h + 1 (same sign, finite): the exact midpoint and its neighbours */
        const bool step = (h & 0x7fff) < 0x7bff;
        const float mid = step ? v + (next - v) * 0.5f : v;
        g[k++] = mid;
        g[k++] = step ? nextafterf(mid, 0.0f) : bits_f32(vb ^ 0x00001000u);
        g[k++] = step ? nextafterf(mid, mid * 2.0f) : bits_f32(vb + 1u);
    }
    for (int64_t i = 0; i < N_SWEEP; i++)
        g[k++] = bits_f32((uint32_t)(i * 61363u + 17u)); /* 61363 * 70000 > 2^32: every range */
    ck_assert_int_eq(k, n);
    const float ups[] = {1.0f, -0.75f, 0.0f, -0.0f, INFINITY, -INFINITY, NAN, 3.0e38f, 1e-40f};
    for (int64_t i = 0; i < n; i++)
        u[i] = i % 5 ? 1.5f - (float)(i % 7) * 0.375f : ups[(i / 5) % (sizeof ups / sizeof ups[0])];
    for (int64_t off = 0; off < 9; off += 3) {
        const int64_t len = n - off - (off ? 5 : 0);
        ops_geglu_ref(g + off, u + off, o1, len);
        ops_geglu(g + off, u + off, o2, len);
        for (int64_t i = 0; i < len; i++) {
            uint32_t a, b;
            memcpy(&a, o1 + i, 4);
            memcpy(&b, o2 + i, 4);
            if (a != b)
                ck_abort_msg("geglu of %a (up %a): scalar %08x, vector %08x", (double)g[off + i], (double)u[off + i],
                             a, b);
        }
    }
    memcpy(o2, g, sizeof(float) * (size_t)n); /* in place */
    ops_geglu(o2, u, o2, n);
    ops_geglu_ref(g, u, o1, n);
    ck_assert(memcmp(o1, o2, sizeof(float) * (size_t)n) == 0);
    /* the ends: 0 at or below -10 (0 * up), the input at or above 10 */
    ck_assert(o1[22] == 10.0f * u[22] && o1[23] == 0.0f && !signbit(o1[23]));
    free(g);
    free(u);
    free(o1);
    free(o2);
}
END_TEST

/* The order llama.cpp's CPU backend (AVX-512 build, F16 cache, no flash attention) sums attention
 * in, written out independently of runtime/forward/attn_ggml.c: this is the specification. */
static float spec_tree16(const float *x)
{
    float a[8], b[4];
    for (int l = 0; l < 8; l++)
        a[l] = x[l] + x[l + 8];
    for (int l = 0; l < 4; l++)
        b[l] = a[l] + a[l + 4];
    return (b[0] + b[2]) + (b[1] + b[3]);
}

/* tinyBLAS (batch >= 2): element i goes to lane i % 16. vec_dot_f16 (one token): lane i % 64, the
 * four 16-lane registers folded (0+2, 1+3, then 0+1). n % 64 == 0 here. */
static float spec_sum(const float *x, const float *y, int n, int batched)
{
    float acc[64] = {0};
    const int lanes = batched ? 16 : 64;
    for (int i = 0; i < n; i++)
        acc[i % lanes] = fmaf(x[i], y[i], acc[i % lanes]);
    if (!batched)
        for (int l = 0; l < 16; l++)
            acc[l] = (acc[l] + acc[l + 32]) + (acc[l + 16] + acc[l + 48]);
    return spec_tree16(acc);
}

static float spec_exp(float x)
{
    const float z = fmaf(x, 0x1.715476p+0f, 0x1.8p23f), n = z - 0x1.8p23f;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x)), u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                         u, fmaf(0x1.ffffecp-1f, b, 1.0f));
    return fabsf(n) > 192.0f ? (n <= 0.0f ? 0.0f : INFINITY) : ldexpf(j, (int)n);
}

static float f16r(float x)
{
    return simd_f16_to_f32(simd_f32_to_f16(x));
}

START_TEST(attention_sums_in_ggml_order)
{
    enum { HD = 64, G = 2, NCTX = 160, NPOS = 150 };
    kv_cache kv;
    tolk_error err = {0};
    ck_assert_int_eq(kv_init(&kv, TOLK_TYPE_F16, NCTX, 1, 1, HD, HD, &err), TOLK_OK);
    static float kf[NPOS][HD], vf[NPOS][HD];
    for (int c = 0; c < NPOS; c++) {
        for (int d = 0; d < HD; d++) {
            kf[c][d] = f16r(sinf((float)(c * 7 + d) * 0.61f) * 3.0f);
            vf[c][d] = f16r(cosf((float)(c * 5 + d * 3) * 0.37f) * 2.0f);
        }
        kv_store(&kv, 0, c, kf[c], vf[c]);
    }
    /* a batch of 3 query tokens at positions NPOS-3.., then one token at NPOS-1 */
    const int cases[2][2] = {{3, NPOS - 3}, {1, NPOS - 1}};
    for (int k = 0; k < 2; k++) {
        const int nt = cases[k][0], pos0 = cases[k][1], n_swa = k == 0 ? 100 : 0;
        static float q[3 * G * HD], out[3 * G * HD];
        for (int i = 0; i < nt * G * HD; i++)
            q[i] = sinf((float)i * 0.23f + 1.0f) * 0.5f;
        attn_args a = {.kv = &kv, .layer = 0, .n_head = G, .n_head_kv = 1, .head_dim = HD, .head_dim_v = HD,
                       .n_tok = nt, .pos0 = pos0, .n_swa = n_swa, .kq_scale = 0.125f, .q = q, .out = out};
        void *scratch = aligned_alloc(64, (attn_scratch_bytes(&a, NCTX) + 63) / 64 * 64);
        for (int64_t i = 0; i < attn_items(&a); i++)
            attn_run(&a, i, scratch);
        free(scratch);
        int naive_differs = 0;
        for (int t = 0; t < nt; t++)
            for (int h = 0; h < G; h++) {
                const int pq = pos0 + t;
                float qh[HD], p[NCTX], naive[HD] = {0};
                for (int d = 0; d < HD; d++)
                    qh[d] = f16r(q[(t * G + h) * HD + d]);
                /* scores over cache positions 0.. in groups of 16 (the view starts at cell 0) */
                const int nk = (pq + 1 + 15) / 16 * 16;
                float mx = -INFINITY;
                for (int c = 0; c < nk; c++) {
                    const int vis = c <= pq && !(n_swa && pq - c >= n_swa);
                    p[c] = vis ? spec_sum(kf[c], qh, HD, nt > 1) * 0.125f : -INFINITY;
                    mx = fmaxf(mx, p[c]);
                }
                double sum = 0;
                for (int c = 0; c < nk; c += 16) {
                    for (int l = 0; l < 16; l++)
                        p[c + l] = spec_exp(p[c + l] - mx);
                    sum += spec_tree16(p + c);
                }
                const float inv = (float)(1.0 / sum);
                for (int c = 0; c < nk; c++)
                    p[c] = f16r(p[c] * inv);
                for (int d = 0; d < HD; d++) {
                    float col[NCTX + 64] = {0}, pp[NCTX + 64] = {0}; /* padded to 64 */
                    const int n64 = (nk + 63) / 64 * 64;
                    for (int c = 0; c < nk && c < NPOS; c++) {
                        col[c] = vf[c][d];
                        pp[c] = p[c];
                        naive[d] += p[c] * vf[c][d];
                    }
                    const float want = spec_sum(col, pp, n64, nt > 1);
                    const float got = out[(t * G + h) * HD + d];
                    ck_assert_msg(memcmp(&got, &want, sizeof got) == 0, "case %d t %d h %d d %d: %.9g, ggml order %.9g",
                                  k, t, h, d, (double)got, (double)want);
                    naive_differs += naive[d] != want;
                }
            }
        ck_assert_int_gt(naive_differs, 0); /* a sequential sum would be caught */
    }
    kv_free(&kv);
}
END_TEST

/* One-token attention with each KV head's query heads split into parts (q_parts 2, 3 and 4 of a
 * group of 4, uneven with 3): every output equals the unsplit run's bit for bit, every output is
 * written (the buffer starts as NaN), and the item count grows with the parts. */
START_TEST(attention_query_parts_match_whole)
{
    enum { HD = 64, G = 4, NKV = 2, NCTX = 100, NPOS = 90 };
    kv_cache kv;
    tolk_error err = {0};
    ck_assert_int_eq(kv_init(&kv, TOLK_TYPE_F16, NCTX, 1, NKV, HD, HD, &err), TOLK_OK);
    static float kf[NKV * HD], vf[NKV * HD];
    for (int c = 0; c < NPOS; c++) {
        for (int d = 0; d < NKV * HD; d++) {
            kf[d] = sinf((float)(c * 7 + d) * 0.61f) * 3.0f;
            vf[d] = cosf((float)(c * 5 + d * 3) * 0.37f) * 2.0f;
        }
        kv_store(&kv, 0, c, kf, vf);
    }
    static float q[NKV * G * HD], want[NKV * G * HD], got[NKV * G * HD];
    for (int i = 0; i < NKV * G * HD; i++)
        q[i] = sinf((float)i * 0.23f + 1.0f) * 0.5f;
    for (int swa = 0; swa < 2; swa++)
        for (int parts = 1; parts <= G; parts++) {
            attn_args a = {.kv = &kv, .layer = 0, .n_head = NKV * G, .n_head_kv = NKV, .head_dim = HD,
                           .head_dim_v = HD, .n_tok = 1, .pos0 = NPOS - 1, .n_swa = swa ? 40 : 0, .kq_scale = 0.125f,
                           .q = q, .out = parts == 1 ? want : got, .q_parts = parts};
            for (int i = 0; i < NKV * G * HD; i++)
                a.out[i] = NAN;
            ck_assert_int_eq(attn_items(&a), NKV * parts);
            void *scratch = aligned_alloc(64, (attn_scratch_bytes(&a, NCTX) + 63) / 64 * 64);
            for (int64_t i = attn_items(&a); i-- > 0;) /* any order: items share nothing */
                attn_run(&a, i, scratch);
            free(scratch);
            if (parts == 1) {
                for (int i = 0; i < NKV * G * HD; i++)
                    ck_assert(!isnan(want[i]));
                continue;
            }
            ck_assert_msg(memcmp(got, want, sizeof got) == 0, "swa %d, %d parts differ from one", swa, parts);
        }
    kv_free(&kv);
}
END_TEST

/* The vector forms of attention's chunk loops (the one this kernel path selects) against the
 * portable pair-by-pair form, bit for bit: head sizes with and without 64-wide parts and odd
 * tails, chunks starting off a lane boundary, probabilities with zeros, a continued chunk. */
START_TEST(attention_blocks_match_portable)
{
    const ag_blocks *vec = ag_blocks_get(), *ref = ag_blocks_portable();
    const int64_t widths[] = {16, 32, 48, 64, 80, 96, 128, 200, 256, 512};
    enum { NQ = 13, NK = 70, LD = 80 }; /* 13 query rows: two blocks of six and a tail */
    unsigned seed = 12345;
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        const int64_t hd = widths[wi];
        float *k = malloc(sizeof(float) * NK * (size_t)hd), *q = malloc(sizeof(float) * NQ * (size_t)hd);
        float p[NQ * LD], s1[NQ * LD], s2[NQ * LD];
        for (int64_t i = 0; i < NK * hd; i++)
            k[i] = (float)((seed = seed * 1103515245u + 12345u) >> 8) / (float)(1u << 24) - 0.5f;
        for (int64_t i = 0; i < NQ * hd; i++)
            q[i] = (float)((seed = seed * 1103515245u + 12345u) >> 8) / (float)(1u << 23) - 1.0f;
        for (int i = 0; i < NQ * LD; i++) {
            seed = seed * 1103515245u + 12345u;
            p[i] = (seed >> 28) < 4 ? 0.0f : (float)(seed >> 8) / (float)(1u << 24);
        }
        for (int o = 0; o < 2; o++) {
            if (o == AG_TILED && hd % 16)
                continue;
            for (int64_t nk = 1; nk <= NK; nk += 23) {
                memset(s1, 0, sizeof s1);
                memset(s2, 0, sizeof s2);
                ref->dots((ag_order)o, k, nk, q, NQ, hd, s1, LD);
                vec->dots((ag_order)o, k, nk, q, NQ, hd, s2, LD);
                ck_assert_msg(memcmp(s1, s2, sizeof s1) == 0, "dots order %d hd %lld nk %lld", o, (long long)hd,
                              (long long)nk);
            }
        }
        for (int64_t lanes = 16; lanes <= 64; lanes *= 4) {
            const size_t n = (size_t)(NQ * lanes * hd);
            float *a1 = malloc(sizeof(float) * n), *a2 = malloc(sizeof(float) * n);
            for (size_t i = 0; i < n; i++)
                a1[i] = a2[i] = 7.0f; /* first must overwrite */
            const int64_t c0 = 37, n1 = 29, n2 = NK - n1;
            /* each chunk's value rows in lane-major order, as attention converts them */
            float *v = malloc(sizeof(float) * NK * (size_t)hd);
            for (int64_t j = 0; j < NK; j++) {
                const int64_t c = j < n1 ? j : j - n1, nc = j < n1 ? n1 : n2;
                memcpy(v + ((j < n1 ? 0 : n1) + ag_lane_slot(c, nc, lanes)) * hd, k + j * hd, sizeof(float) * (size_t)hd);
            }
            /* every row count up to NQ, so each tail block size (1..5 after blocks of 6) runs */
            for (int64_t nq = 1; nq <= NQ; nq++) {
                const size_t m = (size_t)(nq * lanes * hd);
                for (size_t i = 0; i < m; i++)
                    a1[i] = a2[i] = 7.0f; /* first must overwrite */
                ref->pv(lanes, p, LD, nq, c0, n1, v, hd, a1, true);
                vec->pv(lanes, p, LD, nq, c0, n1, v, hd, a2, true);
                ref->pv(lanes, p + n1, LD, nq, c0 + n1, n2, v + n1 * hd, hd, a1, false);
                vec->pv(lanes, p + n1, LD, nq, c0 + n1, n2, v + n1 * hd, hd, a2, false);
                ck_assert_msg(memcmp(a1, a2, sizeof(float) * m) == 0, "pv lanes %lld hd %lld rows %lld",
                              (long long)lanes, (long long)hd, (long long)nq);
            }
            free(v);
            free(a1);
            free(a2);
        }
        free(k);
        free(q);
    }
}
END_TEST

/* ag_reduce (vector where this CPU has AVX2) against the lane trees written out per output: the
 * 64 lanes folded 0 += 2, 1 += 3, 0 += 1 (16-lane registers), then + halves, + quarters,
 * (0 + 2) + (1 + 3). Values spread over many binades, so another pairing changes bits; widths
 * with and without a multiple-of-8 part. */
static float lane_tree16(const float *x)
{
    float t8[8], t4[4];
    for (int l = 0; l < 8; l++)
        t8[l] = x[l] + x[l + 8];
    for (int l = 0; l < 4; l++)
        t4[l] = t8[l] + t8[l + 4];
    return (t4[0] + t4[2]) + (t4[1] + t4[3]);
}

START_TEST(attention_reduce_matches_lane_tree)
{
    const int64_t widths[] = {1, 7, 8, 9, 64, 100, 128, 256};
    unsigned seed = 777;
    for (int o = 0; o < 2; o++)
        for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
            const int64_t n = widths[wi], lanes = o == AG_TILED ? AG_LANES : AG_VLANES;
            float *acc = malloc(sizeof(float) * (size_t)(lanes * n)), *got = malloc(sizeof(float) * (size_t)n);
            for (int64_t i = 0; i < lanes * n; i++) {
                seed = seed * 1103515245u + 12345u;
                const float m = (float)(seed >> 8) / (float)(1u << 24) - 0.5f;
                acc[i] = ldexpf(m, (int)(seed >> 27) - 8); /* 2^-8 .. 2^23 */
            }
            float *want = malloc(sizeof(float) * (size_t)n);
            for (int64_t d = 0; d < n; d++) {
                float x[AG_VLANES];
                for (int64_t l = 0; l < lanes; l++)
                    x[l] = acc[l * n + d];
                if (o == AG_VECDOT) {
                    for (int l = 0; l < AG_LANES; l++) {
                        x[l] += x[2 * AG_LANES + l];
                        x[AG_LANES + l] += x[3 * AG_LANES + l];
                    }
                    for (int l = 0; l < AG_LANES; l++)
                        x[l] += x[AG_LANES + l];
                }
                want[d] = lane_tree16(x);
            }
            ag_reduce((ag_order)o, acc, n, got);
            ck_assert_msg(memcmp(got, want, sizeof(float) * (size_t)n) == 0, "order %d width %lld", o, (long long)n);
            free(acc);
            free(got);
            free(want);
        }
}
END_TEST

/* The vector F16 row conversion against the portable one: strided rows (a cache layer's width
 * apart), widths with and without a multiple-of-8 part, runs shorter and longer than the
 * prefetch distance; every F16 bit pattern but NaNs appears. */
START_TEST(attention_rows_match_portable)
{
    const ag_blocks *vec = ag_blocks_get(), *ref = ag_blocks_portable();
    enum { STRIDE = 1040, NR = 70 }; /* bytes between rows: not a multiple of the row */
    uint16_t *src = malloc(STRIDE * NR);
    for (size_t i = 0; i < STRIDE * NR / 2; i++) {
        uint16_t h = (uint16_t)(i * 40503u);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) /* NaN: its payload need not survive */
            h &= 0xfc00;
        src[i] = h;
    }
    const int64_t widths[] = {1, 7, 8, 64, 100, 128, 256};
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
        for (int64_t n = 1; n <= NR; n += 23)
            for (int64_t lanes = 1; lanes <= 64; lanes *= 4) {
                /* rows j0.. of a chunk of nk keys, as for the second run of a wrapped ring */
                const int64_t w = widths[wi], j0 = lanes == 1 ? 0 : 5, nk = n + j0 + 3;
                const size_t sz = sizeof(float) * (size_t)(nk * w);
                float *d1 = malloc(sz), *d2 = malloc(sz);
                memset(d1, 0, sz);
                memset(d2, 0, sz);
                ref->rows((const char *)src + 6, STRIDE, n, w, d1, j0, nk, lanes);
                vec->rows((const char *)src + 6, STRIDE, n, w, d2, j0, nk, lanes);
                ck_assert_msg(memcmp(d1, d2, sz) == 0, "rows w %lld n %lld lanes %lld", (long long)w, (long long)n,
                              (long long)lanes);
                /* the portable one puts the right value where the slot says */
                const int64_t j = n - 1, slot = ag_lane_slot(j0 + j, nk, lanes);
                ck_assert(d1[slot * w] == simd_f16_to_f32(src[(3 + (size_t)j * STRIDE / 2)]));
                free(d1);
                free(d2);
            }
    free(src);
}
END_TEST

/* ag_softmax_round equals ops_softmax then ag_round_f16 bit for bit: rows with masked (-inf)
 * runs, lengths with and without a tail of n % 16, a row that is all but one masked. */
START_TEST(attention_softmax_round_matches_steps)
{
    unsigned seed = 777;
    const int64_t lens[] = {1, 15, 16, 17, 64, 100, 1040};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (int mode = 0; mode < 3; mode++) {
            const int64_t n = lens[li];
            float *x1 = malloc(sizeof(float) * (size_t)n), *x2 = malloc(sizeof(float) * (size_t)n);
            for (int64_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                float v = (float)(seed >> 8) / (float)(1u << 20) - 8.0f;
                if ((mode == 1 && i >= n / 2) || (mode == 2 && i != n / 3))
                    v = -INFINITY;
                x1[i] = x2[i] = v;
            }
            ops_softmax(x1, n);
            ag_round_f16(x1, n);
            ag_softmax_round(x2, n);
            ck_assert_msg(memcmp(x1, x2, sizeof(float) * (size_t)n) == 0, "softmax n %lld mode %d", (long long)n,
                          mode);
            free(x1);
            free(x2);
        }
}
END_TEST

int main(void)
{
    test_isa_from_env();
    Suite *s = suite_create("ops");
    TCase *tc = tcase_create("ops");
    tcase_add_test(tc, rmsnorm_matches_formula);
    tcase_add_test(tc, rmsnorm_rows_match_single);
    tcase_add_test(tc, rope_angles_and_pairings);
    tcase_add_test(tc, rope_scaling_and_freq_factors);
    tcase_add_test(tc, softmax_with_masked_entries);
    tcase_add_test(tc, softmax_exp_scales_like_scalef);
    tcase_add_test(tc, f16_rounding_of_rows);
    tcase_add_test(tc, gated_activations);
    tcase_add_test(tc, rope_rounds_like_ggml);
    tcase_add_test(tc, gelu_table_rounds_like_ggml);
    tcase_add_test(tc, geglu_vector_matches_scalar);
    tcase_add_test(tc, swiglu_rounds_like_ggml);
    tcase_add_test(tc, attention_sums_in_ggml_order);
    tcase_add_test(tc, attention_query_parts_match_whole);
    tcase_add_test(tc, attention_blocks_match_portable);
    tcase_add_test(tc, attention_reduce_matches_lane_tree);
    tcase_add_test(tc, attention_rows_match_portable);
    tcase_add_test(tc, attention_softmax_round_matches_steps);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
