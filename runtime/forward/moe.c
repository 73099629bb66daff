/* The mixture-of-experts FFN (see moe.h), in llama.cpp's arithmetic (src/llama-graph.cpp
 * build_moe_ffn): router logits = ffn_gate_inp · x (gemma4: · its own router input); probabilities = softmax (or sigmoid) of the
 * logits; the n_expert_used largest chosen (ties: lower expert id); their probabilities are the
 * weights, divided by their sum (summed in double, clamped below at 2^-14) when the recipe says so,
 * then scaled; each chosen expert computes down(act(gate·x) ⊙ up·x) (gate and up from separate
 * stacks or one fused gate-up stack), times its per-expert scale where the layer has one; the
 * outputs, each multiplied by its weight, are added in the order of choice (most probable first), in float.
 *
 * Work: step 1 routes every token and quantizes its expert input once; step 2 (one thread) sorts
 * the batch's (token, slot) pairs by expert; steps 3-5 run gate/up, the activation and down, a
 * matrix product over all the expert's tokens at once: with 16+ active experts per thread (a
 * prompt on a few threads) one work item per expert that does all three on one thread, biggest
 * experts first (no barrier between the steps, the expert's intermediates stay in that core's
 * caches); else (decoding, small batches, many threads) over (active expert, row chunk) items so
 * every thread shares each expert; both give the same bits. Step 6 sums per token. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "moe.h"
#include "ops.h"
#include "simd.h"

struct moe_buffers {
    int64_t n_batch, n_expert, k, n_ff_exp, n_embd;
    size_t act_row;     /* bytes per quantized activation row */
    float *logits;      /* [n_batch][n_expert] router logits, then probabilities */
    char *q_router;     /* [n_batch][act_row] x quantized for the router */
    int32_t *chosen;    /* [n_batch][k] expert of each slot */
    float *weight;      /* [n_batch][k] weight of each slot */
    int64_t *count;     /* [n_expert] pairs routed to each expert */
    int64_t *first;     /* [n_expert] index of its first pair in the sorted order */
    int32_t *active;    /* [n_expert] experts with at least one pair, ascending */
    int32_t *order;     /* [n_expert] the active experts by falling pair count (order_by_count) */
    int64_t n_active;
    int32_t *pair_tok;  /* [n_batch*k] token of each sorted pair */
    int64_t *pair_of;   /* [n_batch*k] sorted position of (token t, slot s) at t*k + s */
    char *q_tok;        /* [n_batch][act_row] each token's expert input, quantized once */
    char *q_in;         /* [n_batch*k][act_row] expert inputs, quantized, in sorted order */
    char *q_mid;        /* [n_batch*k][act_row] activations for down, quantized */
    float *gate;        /* [n_batch*k][n_ff_exp] */
    float *up;          /* [n_batch*k][n_ff_exp] */
    float *down;        /* [n_batch*k][n_embd] */
    int64_t n_ff_sh;    /* shared expert width (0: none) */
    char *q_sh;         /* [n_batch][act_row] shared expert inputs, then its activations */
    float *sh_gate;     /* [n_batch][n_ff_sh] */
    float *sh_up;       /* [n_batch][n_ff_sh] */
    float *sh_down;     /* [n_batch][n_embd] */
    float *sh_scale;    /* [n_batch] sigmoid of the shared gate */
};

void moe_buffers_free(moe_buffers *b)
{
    if (!b)
        return;
    free(b->logits);
    free(b->q_router);
    free(b->chosen);
    free(b->weight);
    free(b->count);
    free(b->first);
    free(b->active);
    free(b->order);
    free(b->pair_tok);
    free(b->pair_of);
    free(b->q_tok);
    free(b->q_in);
    free(b->q_mid);
    free(b->gate);
    free(b->up);
    free(b->down);
    free(b->q_sh);
    free(b->sh_gate);
    free(b->sh_up);
    free(b->sh_down);
    free(b->sh_scale);
    free(b);
}

int moe_buffers_create(const model_hparams *hp, int64_t n_batch, size_t act_row_max, moe_buffers **out,
                       tolk_error *err)
{
    *out = NULL;
    moe_buffers *b = calloc(1, sizeof *b);
    if (!b)
        return error_set(err, TOLK_E_NOMEM, "out of memory for MoE buffers");
    b->n_batch = n_batch;
    b->n_expert = hp->n_expert;
    b->k = hp->n_expert_used;
    b->n_ff_exp = hp->n_ff_exp;
    b->n_embd = hp->n_embd;
    b->act_row = (act_row_max + 63) & ~(size_t)63;
    const size_t pairs = (size_t)n_batch * (size_t)b->k, nx = (size_t)b->n_expert;
    b->logits = malloc(sizeof(float) * (size_t)n_batch * nx);
    b->q_router = malloc(b->act_row * (size_t)n_batch);
    b->chosen = malloc(sizeof(int32_t) * pairs);
    b->weight = malloc(sizeof(float) * pairs);
    b->count = malloc(sizeof(int64_t) * nx);
    b->first = malloc(sizeof(int64_t) * nx);
    b->active = malloc(sizeof(int32_t) * nx);
    b->order = malloc(sizeof(int32_t) * nx);
    b->pair_tok = malloc(sizeof(int32_t) * pairs);
    b->pair_of = malloc(sizeof(int64_t) * pairs);
    b->q_tok = malloc(b->act_row * (size_t)n_batch);
    b->q_in = malloc(b->act_row * pairs);
    b->q_mid = malloc(b->act_row * pairs);
    b->gate = malloc(sizeof(float) * pairs * (size_t)b->n_ff_exp);
    b->up = malloc(sizeof(float) * pairs * (size_t)b->n_ff_exp);
    b->down = malloc(sizeof(float) * pairs * (size_t)b->n_embd);
    b->n_ff_sh = hp->n_ff_shexp;
    if (b->n_ff_sh > 0) {
        b->q_sh = malloc(b->act_row * (size_t)n_batch);
        b->sh_gate = malloc(sizeof(float) * (size_t)n_batch * (size_t)b->n_ff_sh);
        b->sh_up = malloc(sizeof(float) * (size_t)n_batch * (size_t)b->n_ff_sh);
        b->sh_down = malloc(sizeof(float) * (size_t)n_batch * (size_t)b->n_embd);
        b->sh_scale = malloc(sizeof(float) * (size_t)n_batch);
    }
    if ((b->n_ff_sh > 0 && (!b->q_sh || !b->sh_gate || !b->sh_up || !b->sh_down || !b->sh_scale)) ||
        !b->logits || !b->q_router || !b->chosen || !b->weight || !b->count || !b->first || !b->active ||
        !b->order || !b->pair_tok || !b->pair_of || !b->q_tok || !b->q_in || !b->q_mid || !b->gate || !b->up ||
        !b->down) {
        moe_buffers_free(b);
        return error_set(err, TOLK_E_NOMEM, "out of memory for MoE buffers (%lld tokens x %lld experts)",
                         (long long)n_batch, (long long)hp->n_expert_used);
    }
    *out = b;
    return TOLK_OK;
}

static int team_size(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* Rows per work item: a multiple of 16, about four items per thread per matrix. */
static int64_t chunk_rows(int64_t rows, int64_t n_items_min)
{
    int64_t ch = rows / (n_items_min > 0 ? n_items_min : 1);
    ch = (ch + 15) / 16 * 16;
    if (ch < 16)
        ch = 16;
    if (ch > 1024)
        ch = 1024;
    return ch;
}

/* Y[tk][r] = W row r . X row tk for the n_tok activation rows at qx, r in [r0, r1). */
static void product(const gguf_tensor *t, const char *w, const char *qx, size_t qx_row, int64_t n_tok,
                    float *y, size_t y_stride, int64_t r0, int64_t r1, bool exact)
{
    if (n_tok == 1)
        simd_matvec(t->type, w, t->row_bytes, t->ne[0], qx, y, r0, r1);
    else if (exact) /* the one-token order at any count, the weights streamed once where it can */
        simd_matmul_exact(t->type, w, t->row_bytes, t->ne[0], qx, qx_row, n_tok, y, y_stride, r0, r1);
    else
        simd_matmul(t->type, w, t->row_bytes, t->ne[0], qx, qx_row, n_tok, y, y_stride, r0, r1);
}

/* Expert e's matrix in a 3-D stack: ne[1] rows starting at row e * ne[1]; FIRST rows further in
 * (the up half of a fused gate-up stack). */
static const char *expert_rows(const gguf_tensor *t, int64_t e, int64_t first)
{
    return (const char *)t->data + ((size_t)e * (size_t)t->ne[1] + (size_t)first) * t->row_bytes;
}

/* Step 1, per token: probabilities, the chosen experts and their weights. */
static void route_token(moe_buffers *b, const model_hparams *hp, int64_t t)
{
    const int64_t nx = b->n_expert, k = b->k;
    float *p = b->logits + t * nx;
    if (hp->moe_gating == MOE_GATING_SIGMOID)
        for (int64_t e = 0; e < nx; e++)
            p[e] = 1.0f / (1.0f + expf(-p[e]));
    else
        ops_softmax(p, nx);
    int32_t *ch = b->chosen + t * k;
    float *w = b->weight + t * k;
    for (int64_t s = 0; s < k; s++) {
        int32_t best = -1;
        for (int64_t e = 0; e < nx; e++) {
            bool taken = false;
            for (int64_t j = 0; j < s && !taken; j++)
                taken = ch[j] == e;
            if (!taken && (best < 0 || p[e] > p[best]))
                best = (int32_t)e;
        }
        ch[s] = best;
        w[s] = p[best];
    }
    if (hp->moe_norm_w) {
        double sum = 0.0;
        for (int64_t s = 0; s < k; s++)
            sum += (double)w[s];
        float fs = (float)sum;
        if (fs < 6.103515625e-5f)
            fs = 6.103515625e-5f;
        for (int64_t s = 0; s < k; s++)
            w[s] = w[s] / fs;
    }
    if (hp->moe_w_scale != 0.0f && hp->moe_w_scale != 1.0f)
        for (int64_t s = 0; s < k; s++)
            w[s] *= hp->moe_w_scale;
}

/* The active experts by falling pair count (ties: lower id), so a dynamic schedule hands out the
 * big items first and the small ones fill the gaps at the end. */
static void order_by_count(moe_buffers *b)
{
    for (int64_t i = 0; i < b->n_active; i++) {
        const int32_t e = b->active[i];
        int64_t j = i;
        while (j > 0 && b->count[b->order[j - 1]] < b->count[e]) {
            b->order[j] = b->order[j - 1];
            j--;
        }
        b->order[j] = e;
    }
}

/* Step 2 (one thread): counting sort of the (token, slot) pairs by expert. */
static void group_pairs(moe_buffers *b, int64_t n)
{
    const int64_t nx = b->n_expert, k = b->k;
    memset(b->count, 0, sizeof(int64_t) * (size_t)nx);
    for (int64_t i = 0; i < n * k; i++)
        b->count[b->chosen[i]]++;
    int64_t at = 0;
    b->n_active = 0;
    for (int64_t e = 0; e < nx; e++) {
        b->first[e] = at;
        at += b->count[e];
        if (b->count[e])
            b->active[b->n_active++] = (int32_t)e;
    }
    memset(b->count, 0, sizeof(int64_t) * (size_t)nx);
    for (int64_t t = 0; t < n; t++)
        for (int64_t s = 0; s < k; s++) {
            const int32_t e = b->chosen[t * k + s];
            const int64_t pos = b->first[e] + b->count[e]++;
            b->pair_tok[pos] = (int32_t)t;
            b->pair_of[t * k + s] = pos;
        }
    order_by_count(b);
}

/* Step 4 for pair p: the activation of its gate and up rows, quantized for down. */
static void activate(moe_buffers *b, const model_hparams *hp, const gguf_tensor *wd, int64_t p)
{
    const int64_t F = b->n_ff_exp;
    float *g = b->gate + p * F, *u = b->up + p * F;
    if (hp->recipe.act == FFN_GELU_TANH)
        ops_geglu(g, u, g, F);
    else
        ops_swiglu(g, u, g, F);
    simd_quantize_act(wd->type, g, b->q_mid + (size_t)p * b->act_row, F);
}

/* The shared expert for every token: sh_down = down(silu(gate x) * up x), sh_scale = sigmoid of
 * ffn_gate_inp_shexp . x, computed as silu(g) / g like llama.cpp's graph. */
static void shared_expert(moe_buffers *b, const model_hparams *hp, const layer_weights *lw, const float *xn,
                          int64_t n, bool exact)
{
    const int64_t E = b->n_embd, F = b->n_ff_sh;
    const int nth = team_size();
    const gguf_tensor *wg = lw->ffn_gate_shexp, *wu = lw->ffn_up_shexp, *wd = lw->ffn_down_shexp;
    const float *gi = lw->ffn_gate_inp_shexp->data;
#pragma omp for
    for (int64_t t = 0; t < n; t++) {
        simd_quantize_act(wg->type, xn + t * E, b->q_sh + (size_t)t * b->act_row, E);
        float g = 0.0f;
        for (int64_t i = 0; i < E; i++)
            g += gi[i] * xn[t * E + i];
        const float one = 1.0f;
        float s;
        ops_swiglu(&g, &one, &s, 1);
        b->sh_scale[t] = s / g;
    }
    const int64_t ch_f = chunk_rows(F, 4 * (int64_t)nth), n_fc = (F + ch_f - 1) / ch_f;
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < n_fc * 2; i++) {
        const gguf_tensor *t = i % 2 ? wu : wg;
        const int64_t r0 = (i / 2) * ch_f, r1 = r0 + ch_f < F ? r0 + ch_f : F;
        product(t, t->data, b->q_sh, b->act_row, n, i % 2 ? b->sh_up : b->sh_gate, (size_t)F, r0, r1, exact);
    }
#pragma omp for
    for (int64_t t = 0; t < n; t++) {
        float *g = b->sh_gate + t * F;
        if (hp->recipe.act == FFN_GELU_TANH)
            ops_geglu(g, b->sh_up + t * F, g, F);
        else
            ops_swiglu(g, b->sh_up + t * F, g, F);
        simd_quantize_act(wd->type, g, b->q_sh + (size_t)t * b->act_row, F);
    }
    const int64_t ch_e = chunk_rows(E, 4 * (int64_t)nth), n_ec = (E + ch_e - 1) / ch_e;
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < n_ec; i++) {
        const int64_t r0 = i * ch_e, r1 = r0 + ch_e < E ? r0 + ch_e : E;
        product(wd, wd->data, b->q_sh, b->act_row, n, b->sh_down, (size_t)E, r0, r1, exact);
    }
}

/* Steps 3-5 for few experts per thread (decoding, small batches, many threads): gate and up, the
 * activation and down each over (active expert, row chunk) items, so every thread gets rows of
 * every expert. The inputs are already quantized in sorted order in q_in. */
static void expert_chunks(moe_buffers *b, const model_hparams *hp, const gguf_tensor *wg, const gguf_tensor *wu,
                          const gguf_tensor *wd, int64_t up_first, int64_t pairs, bool exact, int nth)
{
    const int64_t E = b->n_embd, F = b->n_ff_exp;
    const int64_t per_item = 4 * (int64_t)nth / (b->n_active > 0 ? b->n_active : 1);
    const int64_t ch_f = chunk_rows(F, per_item), n_fc = (F + ch_f - 1) / ch_f;
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < b->n_active * n_fc * 2; i++) {
        const int64_t e = b->active[i / (n_fc * 2)], c = (i / 2) % n_fc;
        const gguf_tensor *t = i % 2 ? wu : wg;
        float *y = (i % 2 ? b->up : b->gate) + b->first[e] * F;
        const int64_t r0 = c * ch_f, r1 = r0 + ch_f < F ? r0 + ch_f : F;
        product(t, expert_rows(t, e, i % 2 ? up_first : 0), b->q_in + (size_t)b->first[e] * b->act_row, b->act_row,
                b->count[e], y, (size_t)F, r0, r1, exact);
    }
#pragma omp for
    for (int64_t p = 0; p < pairs; p++)
        activate(b, hp, wd, p);
    const int64_t ch_e = chunk_rows(E, per_item), n_ec = (E + ch_e - 1) / ch_e;
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < b->n_active * n_ec; i++) {
        const int64_t e = b->active[i / n_ec], c = i % n_ec;
        const int64_t r0 = c * ch_e, r1 = r0 + ch_e < E ? r0 + ch_e : E;
        product(wd, expert_rows(wd, e, 0), b->q_mid + (size_t)b->first[e] * b->act_row, b->act_row, b->count[e],
                b->down + b->first[e] * E, (size_t)E, r0, r1, exact);
    }
}

/* Steps 3-5 for expert e alone on the calling thread (prompts: many active experts, one item
 * each): its tokens' quantized inputs gathered from q_tok, gate and up over all F rows, the
 * activation, down over all rows, with the expert's data staying in this core's caches and no
 * barrier between the steps. Every row's result is the same as the chunked path's: a row's sum does
 * not depend on which rows or thread share its call. */
static void expert_whole(moe_buffers *b, const model_hparams *hp, int32_t e, const gguf_tensor *wg,
                         const gguf_tensor *wu, const gguf_tensor *wd, int64_t up_first, bool exact)
{
    const int64_t E = b->n_embd, F = b->n_ff_exp, f = b->first[e], c = b->count[e];
    char *qin = b->q_in + (size_t)f * b->act_row;
    for (int64_t j = 0; j < c; j++)
        memcpy(qin + (size_t)j * b->act_row, b->q_tok + (size_t)b->pair_tok[f + j] * b->act_row, b->act_row);
    product(wg, expert_rows(wg, e, 0), qin, b->act_row, c, b->gate + f * F, (size_t)F, 0, F, exact);
    product(wu, expert_rows(wu, e, up_first), qin, b->act_row, c, b->up + f * F, (size_t)F, 0, F, exact);
    for (int64_t p = f; p < f + c; p++)
        activate(b, hp, wd, p);
    product(wd, expert_rows(wd, e, 0), b->q_mid + (size_t)f * b->act_row, b->act_row, c, b->down + f * E, (size_t)E,
            0, E, exact);
}

void moe_ffn(moe_buffers *b, const model_hparams *hp, const layer_weights *lw, const float *xn, float *out,
             int64_t n, bool exact)
{
    moe_ffn_routed(b, hp, lw, xn, NULL, out, n, exact);
}

void moe_ffn_routed(moe_buffers *b, const model_hparams *hp, const layer_weights *lw, const float *xn,
                    const float *xr, float *out, int64_t n, bool exact)
{
    const int64_t E = b->n_embd, F = b->n_ff_exp, k = b->k, nx = b->n_expert, pairs = n * k;
    const int nth = team_size();
    if (!xr)
        xr = xn;

    /* 1. Router logits, then each token's choice. */
    const gguf_tensor *gi = lw->ffn_gate_inp;
    const gguf_tensor *wg = lw->ffn_gate_exps, *wu = lw->ffn_up_exps, *wd = lw->ffn_down_exps;
    int64_t up_first = 0; /* a fused gate-up stack: expert e's up rows follow its F gate rows */
    if (lw->ffn_gate_up_exps) {
        wg = wu = lw->ffn_gate_up_exps;
        up_first = F;
    }
#pragma omp for
    for (int64_t t = 0; t < n; t++) { /* and each token's expert input, once (not once per pair) */
        simd_quantize_act(gi->type, xr + t * E, b->q_router + (size_t)t * b->act_row, E);
        simd_quantize_act(wg->type, xn + t * E, b->q_tok + (size_t)t * b->act_row, E);
    }
    const int64_t ch_r = chunk_rows(nx, 4 * (int64_t)nth), n_rc = (nx + ch_r - 1) / ch_r;
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < n_rc; i++) {
        const int64_t r0 = i * ch_r, r1 = r0 + ch_r < nx ? r0 + ch_r : nx;
        product(gi, gi->data, b->q_router, b->act_row, n, b->logits, (size_t)nx, r0, r1, exact);
    }
#pragma omp for
    for (int64_t t = 0; t < n; t++)
        route_token(b, hp, t);

    /* 2. Group by expert. */
#pragma omp single
    group_pairs(b, n);

    /* 3-5. Gate and up, the activation, down: one item per expert, the largest first, where there
     * are enough experts (16 per thread) that handing out whole experts leaves little idle time at
     * the end (prompts on a few threads); else (expert, row chunk) items (decoding, many threads). */
    if (b->n_active >= 16 * (int64_t)nth) {
#pragma omp for schedule(dynamic, 1)
        for (int64_t i = 0; i < b->n_active; i++)
            expert_whole(b, hp, b->order[i], wg, wu, wd, up_first, exact);
    } else {
#pragma omp for
        for (int64_t p = 0; p < pairs; p++)
            memcpy(b->q_in + (size_t)p * b->act_row, b->q_tok + (size_t)b->pair_tok[p] * b->act_row, b->act_row);
        expert_chunks(b, hp, wg, wu, wd, up_first, pairs, exact, nth);
    }

    if (lw->ffn_gate_shexp)
        shared_expert(b, hp, lw, xn, n, exact);

    /* 6. Weighted sum per token, in the order of choice (each output first times its expert's scale
     * where the layer has one, rounded, as llama.cpp multiplies them in two steps); then the shared
     * expert's output. */
    const float *xs = lw->ffn_down_exps_s ? lw->ffn_down_exps_s->data : NULL;
    /* The loops are element-wise (a product, then a sum, per element: C11 contracts nothing), so
     * vector lanes give the same bits; omp simd says out and the buffers do not overlap, which
     * the compiler cannot see and so left them scalar. */
#pragma omp for
    for (int64_t t = 0; t < n; t++) {
        float *o = out + t * E;
        for (int64_t s = 0; s < k; s++) {
            const float w = b->weight[t * k + s];
            const float *d = b->down + b->pair_of[t * k + s] * E;
            if (xs) {
                const float sc = xs[b->chosen[t * k + s]];
                if (s == 0) {
#pragma omp simd
                    for (int64_t i = 0; i < E; i++)
                        o[i] = (d[i] * sc) * w;
                } else {
#pragma omp simd
                    for (int64_t i = 0; i < E; i++)
                        o[i] = o[i] + (d[i] * sc) * w;
                }
            } else if (s == 0) {
#pragma omp simd
                for (int64_t i = 0; i < E; i++)
                    o[i] = d[i] * w;
            } else {
#pragma omp simd
                for (int64_t i = 0; i < E; i++)
                    o[i] += d[i] * w;
            }
        }
        if (lw->ffn_gate_shexp) {
            const float g = b->sh_scale[t], *d = b->sh_down + t * E;
#pragma omp simd
            for (int64_t i = 0; i < E; i++)
                o[i] += d[i] * g;
        }
    }
}
