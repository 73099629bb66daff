/* runtime/forward/moe.c's two work splits against each other and against a plain reference. A
 * Qwen3-MoE-like layer (F32 router, Q4_K gate and up, Q6_K down: the Q4_K_M mix) with 32 experts, 4
 * routed, is run on batches of 1..64 tokens by 1 thread (one work item per expert, the prompt path,
 * wherever 16+ experts are active) and by 16 threads (too few experts per thread: the (expert, row
 * chunk) path, as for 1-2 tokens on 1 thread); both must give the same bits, since a row's sum
 * does not depend on which rows or thread share its call. Each token is also recomputed alone,
 * expert by expert with the one-token kernels, in the order of choice; the batch results (Q4_K's
 * batch order for 4+ tokens) stay within a small relative error of it, so a wrong grouping, a lost
 * pair or a wrong weight fails. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "arch.h"
#include "moe.h"
#include "ops.h"
#include "quant_mix.h"
#include "simd.h"
#include "suite_run.h"

enum { E = 256, F = 256, NX = 32, K = 4, NMAX = 64 };

static gguf_tensor t_router, t_gate, t_up, t_down;
static void *d_router, *d_gate, *d_up, *d_down;
static model_hparams hp;
static layer_weights lw;
static float xn[NMAX * E];

static uint64_t rng = 88172645463325252ull;
static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((rng >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

/* A [ne0, ne1, ne2] tensor of TYPE quantized from uniform random values times SCALE. */
static void *make_tensor(gguf_tensor *t, uint32_t type, int64_t ne0, int64_t ne1, int64_t ne2, float scale)
{
    memset(t, 0, sizeof *t);
    t->type = type;
    t->n_dims = ne2 > 1 ? 3 : 2;
    t->ne[0] = ne0;
    t->ne[1] = ne1;
    t->ne[2] = ne2;
    t->ne[3] = 1;
    t->n_elements = (uint64_t)(ne0 * ne1 * ne2);
    t->row_bytes = simd_row_bytes(type, ne0);
    t->nbytes = t->row_bytes * (uint64_t)(ne1 * ne2);
    tolk_error err;
    void *d = malloc(t->nbytes);
    float *row = malloc(sizeof(float) * (size_t)ne0);
    ck_assert(d && row);
    for (int64_t r = 0; r < ne1 * ne2; r++) {
        for (int64_t i = 0; i < ne0; i++)
            row[i] = frand() * scale;
        if (type == TOLK_TYPE_F32)
            memcpy((char *)d + (size_t)r * t->row_bytes, row, sizeof(float) * (size_t)ne0);
        else
            ck_assert_int_eq(qmix_from_float(type, row, (char *)d + (size_t)r * t->row_bytes, ne0, &err), 0);
    }
    free(row);
    t->data = d;
    return d;
}

static void setup(void)
{
    char eb[256];
    ck_assert_int_eq(simd_init(eb, sizeof eb), 0);
    memset(&hp, 0, sizeof hp);
    hp.n_embd = E;
    hp.n_expert = NX;
    hp.n_expert_used = K;
    hp.n_ff_exp = F;
    hp.moe_gating = MOE_GATING_SOFTMAX;
    hp.moe_norm_w = true;
    hp.recipe.act = FFN_SILU;
    d_router = make_tensor(&t_router, TOLK_TYPE_F32, E, NX, 1, 1.0f);
    d_gate = make_tensor(&t_gate, TOLK_TYPE_Q4_K, E, F, NX, 0.1f);
    d_up = make_tensor(&t_up, TOLK_TYPE_Q4_K, E, F, NX, 0.1f);
    d_down = make_tensor(&t_down, TOLK_TYPE_Q6_K, F, E, NX, 0.1f);
    memset(&lw, 0, sizeof lw);
    lw.ffn_gate_inp = &t_router;
    lw.ffn_gate_exps = &t_gate;
    lw.ffn_up_exps = &t_up;
    lw.ffn_down_exps = &t_down;
    for (int i = 0; i < NMAX * E; i++)
        xn[i] = frand();
}

static void teardown(void)
{
    free(d_router);
    free(d_gate);
    free(d_up);
    free(d_down);
}

static size_t act_row_max(void)
{
    size_t a = simd_act_row_bytes(TOLK_TYPE_F32, E), b = simd_act_row_bytes(TOLK_TYPE_Q4_K, E),
           c = simd_act_row_bytes(TOLK_TYPE_Q6_K, F);
    return a > b ? (a > c ? a : c) : (b > c ? b : c);
}

/* The layer on N tokens by NTH threads. */
static void run(int64_t n, int nth, float *out)
{
    moe_buffers *b = NULL;
    tolk_error err;
    ck_assert_int_eq(moe_buffers_create(&hp, NMAX, act_row_max(), &b, &err), 0);
#pragma omp parallel num_threads(nth)
    moe_ffn(b, &hp, &lw, xn, out, n, false);
    (void)nth;
    moe_buffers_free(b);
}

/* Token t alone, one expert after another with the one-token kernels. */
static void reference(int64_t t, float *o)
{
    const float *x = xn + t * E;
    float p[NX];
    static char qr[4096];
    simd_quantize_act(TOLK_TYPE_F32, x, qr, E);
    simd_matvec(TOLK_TYPE_F32, d_router, t_router.row_bytes, E, qr, p, 0, NX);
    ops_softmax(p, NX);
    int ch[K];
    float w[K], wsum = 0.0f;
    for (int s = 0; s < K; s++) {
        int best = -1;
        for (int e = 0; e < NX; e++) {
            bool taken = false;
            for (int j = 0; j < s; j++)
                taken |= ch[j] == e;
            if (!taken && (best < 0 || p[e] > p[best]))
                best = e;
        }
        ch[s] = best;
        w[s] = p[best];
        wsum += w[s];
    }
    static char qx[4096], qm[4096];
    float g[F], u[F], d[E];
    simd_quantize_act(TOLK_TYPE_Q4_K, x, qx, E);
    memset(o, 0, sizeof(float) * E);
    for (int s = 0; s < K; s++) {
        const size_t gsz = t_gate.row_bytes * F, dsz = t_down.row_bytes * E;
        simd_matvec(TOLK_TYPE_Q4_K, (const char *)d_gate + ch[s] * gsz, t_gate.row_bytes, E, qx, g, 0, F);
        simd_matvec(TOLK_TYPE_Q4_K, (const char *)d_up + ch[s] * gsz, t_up.row_bytes, E, qx, u, 0, F);
        ops_swiglu(g, u, g, F);
        simd_quantize_act(TOLK_TYPE_Q6_K, g, qm, F);
        simd_matvec(TOLK_TYPE_Q6_K, (const char *)d_down + ch[s] * dsz, t_down.row_bytes, F, qm, d, 0, E);
        for (int i = 0; i < E; i++)
            o[i] += d[i] * (w[s] / wsum);
    }
}

START_TEST(paths_agree)
{
    static float one[NMAX * E], many[NMAX * E], ref[E];
    static const int64_t sizes[] = {1, 2, 5, 13, 31, 64};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        const int64_t n = sizes[si];
        run(n, 1, one);
        run(n, 16, many);
        ck_assert_msg(!memcmp(one, many, sizeof(float) * (size_t)(n * E)), "%lld tokens: 1 and 16 threads differ",
                      (long long)n);
        double err = 0.0, mag = 0.0;
        for (int64_t t = 0; t < n; t++) {
            reference(t, ref);
            for (int i = 0; i < E; i++) {
                err += fabs((double)one[t * E + i] - ref[i]);
                mag += fabs((double)ref[i]);
            }
        }
        ck_assert_msg(mag > 0.0 && err / mag < 2e-2, "%lld tokens: relative error %g against the reference",
                      (long long)n, mag > 0.0 ? err / mag : 0.0);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("moe_paths");
    TCase *tc = tcase_create("moe");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, paths_agree);
    suite_add_tcase(s, tc);
    return suite_failures(s, true) ? EXIT_FAILURE : EXIT_SUCCESS;
}
