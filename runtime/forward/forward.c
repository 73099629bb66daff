/* The generic decoder driver (see forward.h). One OpenMP parallel region per chunk of tokens, with
 * the context's thread count and its threads placed on the context's CPUs; inside it every step is
 * a work-shared loop: per-token element-wise work, matrix products split into row chunks (several
 * matrices that read the same input share one loop, so q/k/v and gate/up cost one fork-join
 * each), and attention split by (KV head, query block). The layer recipe from models/ decides
 * which optional steps run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "attention.h"
#include "forward.h"
#include "forward_multi.h"
#include "memavail.h"
#include "moe.h"
#include "ops.h"
#include "simd.h"
#include "threads.h"

#define MAX_JOBS 3

/* Activation rows quantized once per distinct partner format of the matrices that read them; the
 * rows of slot PREP also get the copy that PREP_WTYPE's batched kernel reads (simd_prepare_act),
 * made once here for every thread and row chunk of the product. */
typedef struct act_plan {
    int n_slots;
    uint32_t wtype[MAX_JOBS]; /* a weight type representative of each slot */
    int slot[MAX_JOBS];       /* slot of each matrix */
    int prep;                 /* -1: no prepared copy */
    uint32_t prep_wtype;
    int base;                 /* slot s lives in qa[base + s] (0 but for the fused FFN, ffn_fused) */
} act_plan;

struct fwd_ctx {
    const tolk_model *m;
    kv_cache kv;
    int64_t n_batch, n_logits;
    int n_threads;
    int max_threads;        /* threads the scratch was sized for */
    int *cpus, n_cpus;      /* placement: thread i on cpus[i % n_cpus]; n_cpus 0: unpinned */
    fwd_probe_fn probe;     /* test hook (fwd_set_probe) */
    void *probe_user;
    size_t act_row_max;     /* bytes of the largest quantized activation row */
    size_t thread_scratch;  /* bytes per thread */
    float *x;      /* [n_batch][n_embd] residual stream */
    float *xn;     /* [n_batch][n_embd] normalised input of a block */
    float *q;      /* [n_batch][n_head*head_dim] */
    float *k;      /* [n_batch][n_head_kv*head_dim] */
    float *v;      /* [n_batch][n_head_kv*head_dim_v] */
    float *att;    /* [n_batch][n_head*head_dim_v] attention output */
    float *o;      /* [n_batch][n_embd] block output before the residual add */
    float *gate;   /* [n_batch][n_ff] */
    float *up;     /* [n_batch][n_ff] */
    float *ple;    /* [n_batch][n_layer*n_embd_per_layer] gemma4 per-layer inputs (else NULL) */
    float *ple_tok; /* [n_batch][n_layer*n_embd_per_layer] their token rows, then the gate of one layer */
    float *xe, *xr, *o2; /* [n_batch][n_embd] gemma4 MoE layers: expert input, router input, expert sum */
    char *qa[MAX_JOBS]; /* [n_batch][act_row_max] quantized activations */
    size_t prep_row_max; /* bytes of the largest prepared activation row (0: none on this path) */
    char *qp;           /* [n_batch][prep_row_max] one slot's prepared copy (act_plan.prep) */
    float *logits; /* [n_logits][n_vocab] */
    moe_buffers *moe; /* MoE scratch (models with experts only) */
    char *scratch; /* [n_threads][thread_scratch]: RoPE cache + attention scratch */
    /* Speculative decoding hooks (fwd_set_skip, fwd_set_rowwise). */
    unsigned char *skip;    /* [n_layer]: 1 = layer not run; NULL = none skipped */
    int64_t rowwise_max;    /* batches of up to this many tokens use the one-token kernels */
    /* Several sequences in one pass (forward_multi.c): tokens t0..t0+n-1 of segment i belong to
     * segs[i].kv at positions pos0..; logit rows come from logit_rows[]. n_segs 0: one sequence in
     * the context's own cache. */
    const fwd_seg *segs;
    int n_segs;
    const int64_t *logit_rows;
    int64_t pass_n;         /* tokens of the segmented pass */
    int seg_exact;          /* fwd_set_seg_exact: each sequence through the kernels it gets alone */
    int no_fuse;            /* fwd_set_decode_fuse(c, 0): one-token steps in the batches' loops (tests) */
};

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static int team_size(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

static bool verifying(const fwd_ctx *c, int64_t n);

/* The plan for matrices w[0..nw) over n tokens. The first matrix whose kernel reads a prepared copy
 * at n tokens gets one (simd_matmul_prep; the others of its type share it), except in the passes
 * that run other kernels: verification and segment-exact ones. */
static void plan_acts(const fwd_ctx *c, const gguf_tensor *const *w, int nw, int64_t n, act_plan *p)
{
    p->n_slots = 0;
    p->prep = -1;
    p->base = 0;
    for (int j = 0; j < nw; j++) {
        int s = 0;
        while (s < p->n_slots && simd_act_type(p->wtype[s]) != simd_act_type(w[j]->type))
            s++;
        if (s == p->n_slots)
            p->wtype[p->n_slots++] = w[j]->type;
        p->slot[j] = s;
        const size_t pb = simd_act_prep_bytes(w[j]->type, w[j]->ne[0], n);
        if (p->prep < 0 && pb && pb <= c->prep_row_max && !verifying(c, n) && !(c->seg_exact && c->n_segs)) {
            p->prep = s;
            p->prep_wtype = w[j]->type;
        }
    }
}

/* Quantizes row t of x (n_in wide) into every slot of the plan, and prepares the copy of slot
 * p->prep's row. */
static void quantize_row(fwd_ctx *c, const act_plan *p, const float *x, int64_t n_in, int64_t t)
{
    for (int s = 0; s < p->n_slots; s++) {
        char *row = c->qa[p->base + s] + (size_t)t * c->act_row_max;
        simd_quantize_act(p->wtype[s], x, row, n_in);
        if (s == p->prep)
            simd_prepare_act(p->prep_wtype, row, c->qp + (size_t)t * c->prep_row_max, n_in);
    }
}

/* Elements [e0, e1) of row 0 of x (e0 a multiple of 256, e1 too or the row's end) into every slot
 * of plan P, which prepares no copy: the same bytes as quantize_row's (the activation formats
 * quantize blocks of at most 256 independently), so threads can each quantize their slice. */
static void quantize_span(fwd_ctx *c, const act_plan *p, const float *x, int64_t e0, int64_t e1)
{
    for (int s = 0; s < p->n_slots; s++)
        simd_quantize_act(p->wtype[s], x + e0, c->qa[p->base + s] + simd_act_row_bytes(p->wtype[s], e0), e1 - e0);
}

/* Rows per work chunk: enough chunks for dynamic balancing, a multiple of 16 so kernels that
 * interleave rows never see a ragged chunk except at the end. */
static int64_t chunk_rows(int64_t rows, int n_threads)
{
    int64_t ch = rows / ((int64_t)n_threads * 4);
    ch = (ch + 15) / 16 * 16;
    if (ch < 16)
        ch = 16;
    if (ch > 1024)
        ch = 1024;
    return ch;
}

/* Whether a batch of n tokens is a speculative verification pass (fwd_set_rowwise): its logits
 * must equal one-token decoding's bit for bit. */
static bool verifying(const fwd_ctx *c, int64_t n)
{
    return n > 1 && n <= c->rowwise_max;
}

/* Y[tk][r] = W row r . activation row tk for tk < n_tok, r in [r0, r1): picks the kernel. */
static void matmul_rows(const fwd_ctx *c, const gguf_tensor *t, const char *qx, float *y, size_t y_stride,
                        int64_t n_tok, int64_t r0, int64_t r1)
{
    if (n_tok == 1)
        simd_matvec(t->type, t->data, t->row_bytes, t->ne[0], qx, y, r0, r1);
    else if (verifying(c, n_tok))
        /* Verification logits must equal plain decoding's bit for bit: the kernels that add in the
         * one-token order at any token count (the few-token row walks, which stream the weights
         * once for the whole pass), else the one-token kernel token after token. */
        simd_matmul_exact(t->type, t->data, t->row_bytes, t->ne[0], qx, c->act_row_max, n_tok, y, y_stride, r0, r1);
    else
        simd_matmul(t->type, t->data, t->row_bytes, t->ne[0], qx, c->act_row_max, n_tok, y, y_stride, r0, r1);
}

/* The end of the group of item I of a segmented pass's product over N_TOK items: the items of
 * I's sequence. Items are the pass's tokens, or, for the logits (fewer items than the pass has
 * tokens), its logit rows; with as many rows as tokens every token has a row and the two agree. */
static int64_t seg_group_end(const fwd_ctx *c, int64_t i, int64_t n_tok)
{
    const bool rows = n_tok != c->pass_n;
    const int64_t t = rows ? c->logit_rows[i] : i;
    int j = 0;
    while (j < c->n_segs - 1 && t >= c->segs[j].t0 + c->segs[j].n)
        j++;
    const int64_t t_end = c->segs[j].t0 + c->segs[j].n;
    int64_t e = i + 1;
    while (e < n_tok && (rows ? c->logit_rows[e] : e) < t_end)
        e++;
    return e;
}

/* Segment-exact product (fwd_set_seg_exact) over the row chunk [r0, r1): each sequence's items in
 * a call of their own, so each gets the kernel and the bits it gets alone, the chunk's weights
 * staying in cache from one call to the next. Neighbouring groups share a call while the call has
 * at most simd_matmul_exact_tokens items: there every item gets the one-token bits, as it does
 * alone in a group that small. */
static void matmul_segments(const fwd_ctx *c, const gguf_tensor *t, const char *qx, float *y, size_t y_stride,
                            int64_t n_tok, int64_t r0, int64_t r1)
{
    const int64_t exact = simd_matmul_exact_tokens(t->type);
    for (int64_t i = 0, e; i < n_tok; i = e) {
        e = seg_group_end(c, i, n_tok);
        while (e - i <= exact && e < n_tok) {
            const int64_t e2 = seg_group_end(c, e, n_tok);
            if (e2 - i > exact)
                break;
            e = e2;
        }
        matmul_rows(c, t, qx + (size_t)i * c->act_row_max, y + (size_t)i * y_stride, y_stride, e - i, r0, r1);
    }
}

/* y_j[t][r] = W_j row r . activation row t, for matrices w[0..nw), all reading the activations
 * quantized under plan p. Must be called by every thread of the parallel region. */
static void run_matmuls(fwd_ctx *c, const gguf_tensor *const *w, float *const *y, const size_t *y_stride,
                        int nw, const act_plan *p, int64_t n_tok)
{
    int64_t start[MAX_JOBS + 1], chunk[MAX_JOBS];
    start[0] = 0;
    for (int j = 0; j < nw; j++) {
        chunk[j] = chunk_rows(w[j]->ne[1], c->n_threads);
        start[j + 1] = start[j] + (w[j]->ne[1] + chunk[j] - 1) / chunk[j];
    }
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < start[nw]; i++) {
        int j = 0;
        while (i >= start[j + 1])
            j++;
        const int64_t r0 = (i - start[j]) * chunk[j];
        const int64_t r1 = r0 + chunk[j] < w[j]->ne[1] ? r0 + chunk[j] : w[j]->ne[1];
        if (c->seg_exact && c->n_segs)
            matmul_segments(c, w[j], c->qa[p->base + p->slot[j]], y[j], y_stride[j], n_tok, r0, r1);
        else if (p->slot[j] == p->prep && w[j]->type == p->prep_wtype)
            simd_matmul_prep(w[j]->type, w[j]->data, w[j]->row_bytes, w[j]->ne[0], c->qa[p->base + p->slot[j]],
                             c->act_row_max, c->qp, c->prep_row_max, n_tok, y[j], y_stride[j], r0, r1);
        else
            matmul_rows(c, w[j], c->qa[p->base + p->slot[j]], y[j], y_stride[j], n_tok, r0, r1);
    }
}

static void add_bias(float *x, const gguf_tensor *b, int64_t n)
{
    if (!b)
        return;
    const float *bv = b->data;
    for (int64_t i = 0; i < n; i++)
        x[i] += bv[i];
}

/* Elements [e0, e1) of bias B (if any) added to X, which points at element e0. */
static void add_bias_span(float *x, const gguf_tensor *b, int64_t e0, int64_t e1)
{
    if (!b)
        return;
    const float *bv = (const float *)b->data + e0;
    for (int64_t i = 0; i < e1 - e0; i++)
        x[i] += bv[i];
}

/* Tokens t0..t0+nt-1 (nt <= 4) of a block's output o: its BIAS (if any), its post-norm NORM (if
 * any; the rows' norms side by side), then added to the residual x. */
static void add_residual(fwd_ctx *c, const gguf_tensor *bias, const gguf_tensor *norm, int64_t t0, int64_t nt)
{
    const int64_t E = c->m->hp.n_embd;
    float *ob = c->o + t0 * E, *xb = c->x + t0 * E;
    for (int64_t t = 0; t < nt; t++)
        add_bias(ob + t * E, bias, E);
    if (norm)
        ops_rmsnorm_rows(ob, norm->data, ob, E, nt, E, c->m->hp.eps);
#pragma omp simd
    for (int64_t i = 0; i < nt * E; i++)
        xb[i] += ob[i];
}

/* The steps of one decoder block for n tokens at positions pos0.., in order. Each is called by
 * every thread of the parallel region and work-shares its loops. */

/* The q/k/v projections of a layer (only q in a layer that shares another's keys and values; q and
 * k when the values are the keys, gemma4) and the plan of their activations over n tokens. */
static int qkv_plan(const fwd_ctx *c, const layer_weights *lw, int64_t n, const gguf_tensor **qkv, act_plan *p)
{
    qkv[0] = lw->wq;
    qkv[1] = lw->wk;
    qkv[2] = lw->wv;
    const int nw = !lw->wk ? 1 : !lw->wv ? 2 : 3;
    plan_acts(c, qkv, nw, n, p);
    return nw;
}

/* Attention input of tokens t0..t0+nt-1 (nt <= 4, their norms side by side): the norm of their
 * residual rows with LW's weights, quantized under plan P. */
static void attn_input_rows(fwd_ctx *c, const layer_weights *lw, const act_plan *p, int64_t t0, int64_t nt)
{
    const int64_t E = c->m->hp.n_embd;
    ops_rmsnorm_rows(c->x + t0 * E, lw->attn_norm->data, c->xn + t0 * E, E, nt, E, c->m->hp.eps);
    for (int64_t t = t0; t < t0 + nt; t++)
        quantize_row(c, p, c->xn + t * E, E, t);
}

/* Attention input: norm (READY: already done by the loop that wrote the residual rows, see
 * ffn_out), then the q/k/v projections. */
static void qkv_project(fwd_ctx *c, int il, const layer_weights *lw, int64_t n, bool ready)
{
    const model_hparams *hp = &c->m->hp;
    const layer_dims d = arch_layer_dims(hp, il);
    const gguf_tensor *qkv[3];
    act_plan p_qkv;
    const int nw = qkv_plan(c, lw, n, qkv, &p_qkv);
    if (!ready) {
#pragma omp for
        for (int64_t t0 = 0; t0 < n; t0 += 4)
            attn_input_rows(c, lw, &p_qkv, t0, n - t0 < 4 ? n - t0 : 4);
    }
    float *const y_qkv[3] = {c->q, c->k, c->v};
    const size_t s_qkv[3] = {(size_t)(hp->n_head * d.hd), (size_t)(d.n_head_kv * d.hd),
                             (size_t)(d.n_head_kv * d.hdv)};
    run_matmuls(c, qkv, y_qkv, s_qkv, nw, &p_qkv, n);
}

/* Biases, per-head norms, RoPE (angles in the thread's scratch CS), query scale; keys and values
 * go to the cache. */
static void qkv_finish(fwd_ctx *c, int il, int64_t n, int64_t pos0, float *cs)
{
    const model_hparams *hp = &c->m->hp;
    const layer_weights *lw = &c->m->w.layers[il];
    const layer_recipe *lr = &hp->layer[il];
    const layer_dims d = arch_layer_dims(hp, il);
    const int64_t hd = d.hd, QW = hp->n_head * hd, KW = d.n_head_kv * hd, VW = d.n_head_kv * d.hdv;
    /* Per-pair divisors: rope_freqs, or phi3's short factors, or its long ones for a context
     * beyond the original (llama.cpp's get_rope_factors). */
    const gguf_tensor *ff = c->m->w.rope_long && c->kv.n_ctx > hp->layer[il].rope.n_ctx_orig ? c->m->w.rope_long
                                                                                           : c->m->w.rope_freqs;
    const float *rope_ff = ff && !lr->no_rope_freqs ? ff->data : NULL;
#pragma omp for
    for (int64_t t = 0; t < n; t++) {
        float *qt = c->q + t * QW, *kt = c->k + t * KW, *vt = c->v + t * VW;
        kv_cache *kv = &c->kv;
        int64_t pos = pos0 + t;
        if (c->n_segs)
            fwd_seg_locate(c->segs, c->n_segs, t, &kv, &pos);
        add_bias(qt, lw->bq, QW);
        add_bias(kt, lw->bk, KW);
        add_bias(vt, lw->bv, VW);
        ops_rope_cache(&lr->rope, d.n_rot, rope_ff, pos, cs);
        const bool norm_first = hp->recipe.qk_norm && !hp->recipe.qk_norm_after_rope,
                   norm_last = hp->recipe.qk_norm && hp->recipe.qk_norm_after_rope;
        /* Each step on every head at once (the heads are independent): the norms of several
         * heads run side by side. */
        if (norm_first)
            ops_rmsnorm_rows(qt, lw->q_norm->data, qt, hd, hp->n_head, hd, hp->eps);
        for (int64_t h = 0; h < hp->n_head; h++)
            ops_rope_apply(qt + h * hd, d.n_rot, hp->recipe.rope, cs);
        if (norm_last)
            ops_rmsnorm_rows(qt, lw->q_norm->data, qt, hd, hp->n_head, hd, hp->eps);
        if (hp->q_scale != 1.0f)
            for (int64_t i = 0; i < QW; i++)
                qt[i] *= hp->q_scale;
        if (!lw->wk) /* keys and values come from layer kv_src's cache */
            continue;
        if (!lw->wv) /* the values are the projected keys (gemma4's attention_k_eq_v) */
            memcpy(vt, kt, sizeof(float) * (size_t)VW);
        if (hp->recipe.v_norm)
            ops_rmsnorm_rows(vt, NULL, vt, d.hdv, d.n_head_kv, d.hdv, hp->eps);
        if (norm_first)
            ops_rmsnorm_rows(kt, lw->k_norm->data, kt, hd, d.n_head_kv, hd, hp->eps);
        for (int64_t h = 0; h < d.n_head_kv; h++)
            ops_rope_apply(kt + h * hd, d.n_rot, hp->recipe.rope, cs);
        if (norm_last)
            ops_rmsnorm_rows(kt, lw->k_norm->data, kt, hd, d.n_head_kv, hd, hp->eps);
        kv_store(kv, il, pos, kt, vt);
    }
}
/* Attention of the n queries over the cache, split into work items (attention.h); SCRATCH is the
 * thread's. Returns whether it also quantized the output rows for the output projection (with one
 * KV head and its query heads in one part an item writes whole rows, which its thread then
 * quantizes: no second loop). */
static bool attention(fwd_ctx *c, int il, int64_t n, int64_t pos0, void *scratch)
{
    const model_hparams *hp = &c->m->hp;
    const layer_recipe *lr = &hp->layer[il];
    const layer_dims d = arch_layer_dims(hp, il);
    attn_args aa = {.kv = &c->kv, .layer = lr->kv_shared ? lr->kv_src : il, .n_head = hp->n_head,
                    .n_head_kv = d.n_head_kv, .head_dim = d.hd, .head_dim_v = d.hdv, .n_tok = n, .pos0 = pos0,
                    .n_swa = lr->swa ? hp->n_swa : 0, .kq_scale = hp->kq_scale, .softcap = hp->attn_softcap,
                    .q = c->q, .out = c->att};
    if (c->n_segs) {
        /* Each sequence over its own cache; the items of all of them share one loop. Verification
         * with the Q8_0 cache: one token per item, as below. */
        const int64_t QW = hp->n_head * d.hd, OW = hp->n_head * d.hdv;
        aa.one_token_order = verifying(c, n);
        if (verifying(c, n) && c->kv.type != TOLK_TYPE_F16) {
#pragma omp for schedule(dynamic, 1)
            for (int64_t i = 0; i < n * d.n_head_kv; i++) {
                const int64_t t = i / d.n_head_kv;
                attn_args one = aa;
                kv_cache *kv = &c->kv;
                fwd_seg_locate(c->segs, c->n_segs, t, &kv, &one.pos0);
                one.kv = kv;
                one.n_tok = 1;
                one.q = c->q + t * QW;
                one.out = c->att + t * OW;
                attn_run(&one, i % d.n_head_kv, scratch);
            }
            return false;
        }
        int64_t total = 0;
        for (int j = 0; j < c->n_segs; j++) {
            attn_args sa = aa;
            sa.n_tok = c->segs[j].n;
            total += attn_items(&sa);
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t i = 0; i < total; i++) {
            int64_t first = 0;
            for (int j = 0; j < c->n_segs; j++) {
                const fwd_seg *sg = &c->segs[j];
                attn_args sa = aa;
                sa.kv = sg->kv;
                sa.n_tok = sg->n;
                sa.pos0 = sg->pos0;
                sa.q = c->q + sg->t0 * QW;
                sa.out = c->att + sg->t0 * OW;
                const int64_t items = attn_items(&sa);
                if (i < first + items) {
                    attn_run(&sa, i - first, scratch);
                    break;
                }
                first += items;
            }
        }
        return false;
    }
    if (verifying(c, n) && c->kv.type != TOLK_TYPE_F16) {
        /* One token per item, as in one-token decoding (the Q8_0 cache's scores come from
         * simd_matmul, whose batched order differs). */
        const int64_t QW = hp->n_head * d.hd, OW = hp->n_head * d.hdv;
#pragma omp for schedule(dynamic, 1)
        for (int64_t i = 0; i < n * d.n_head_kv; i++) {
            const int64_t t = i / d.n_head_kv;
            attn_args one = aa;
            one.n_tok = 1;
            one.pos0 = pos0 + t;
            one.q = c->q + t * QW;
            one.out = c->att + t * OW;
            attn_run(&one, i % d.n_head_kv, scratch);
        }
        return false;
    }
    /* Verification with the F16 cache: the batch's queries share each key and value row read,
     * summed in the one-token order (extra masked columns only add exact zeros to the softmax). */
    aa.one_token_order = verifying(c, n);
    /* One token with fewer KV heads than threads (Gemma 3 270M: one): the query heads of each KV
     * head in parts, so the other threads do not wait out the whole attention at the barrier. */
    const int64_t g = hp->n_head / d.n_head_kv, per_kv = c->n_threads / d.n_head_kv;
    if (n == 1 && c->kv.type == TOLK_TYPE_F16 && per_kv > 1)
        aa.q_parts = per_kv < g ? per_kv : g;
    /* Item kvh * n_blocks + b costs about b + 1 (its keys end at its last query): the threads take
     * the latest query blocks first, every KV head's in turn, so the small items even out the end. */
    const int64_t n_items = attn_items(&aa), n_blocks = n_items / d.n_head_kv;
    const layer_weights *lw = &c->m->w.layers[il];
    /* With one part an item writes whole rows; with parts, one token's slices of heads, which
     * its thread quantizes where they start on a block of every activation format (256). */
    const gguf_tensor *wo[1] = {lw->wo};
    act_plan p_o;
    plan_acts(c, wo, 1, n, &p_o);
    bool quantize = d.n_head_kv == 1 && (aa.q_parts <= 1 || (d.hdv % 256 == 0 && n == 1 && p_o.prep < 0));
    /* One token with several KV heads (llama 1B: 8, of 4 query heads of 64): each item writes its
     * heads' slice of the row, quantized by its thread where every slice starts on a 256 block. */
    bool spans = quantize && aa.q_parts > 1;
    if (!quantize && n == 1 && p_o.prep < 0 && !c->no_fuse) {
        quantize = spans = true;
        for (int64_t i = 0; i < n_items && quantize; i++) {
            int64_t h0, h1;
            attn_item_heads(&aa, i, &h0, &h1);
            quantize = h0 * d.hdv % 256 == 0;
        }
    }
    const int64_t OW = hp->n_head * d.hdv;
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < n_items; i++) {
        const int64_t item = (i % d.n_head_kv) * n_blocks + n_blocks - 1 - i / d.n_head_kv;
        attn_run(&aa, item, scratch);
        if (quantize && spans) {
            int64_t h0, h1;
            attn_item_heads(&aa, item, &h0, &h1);
            quantize_span(c, &p_o, c->att, h0 * d.hdv, h1 * d.hdv);
        } else if (quantize) {
            int64_t t0, t1;
            attn_item_tokens(&aa, item, &t0, &t1);
            for (int64_t t = t0; t < t1; t++)
                quantize_row(c, &p_o, c->att + t * OW, OW, t);
        }
    }
    return quantize;
}

/* Whether one-token decoding runs layer LW's dense FFN fused (ffn_gate_up_act): its gate/up rows
 * in chunks of 256, each chunk's thread then applying the activation to them and quantizing them
 * for the down projection, so that serial loop and its barrier go. Not where a prepared copy is
 * read (none at one token today), nor in segmented passes. P_D: the down projection's plan,
 * its rows in qa[MAX_JOBS - 1] (the gate/up plan has at most two slots, still being read). */
static bool ffn_fused(const fwd_ctx *c, const layer_weights *lw, int64_t n, const act_plan *p_gu, act_plan *p_d)
{
    if (n != 1 || c->no_fuse || c->n_segs || lw->ffn_gate_inp || !lw->ffn_gate || !lw->ffn_up || p_gu->prep >= 0
        || p_gu->n_slots > MAX_JOBS - 1)
        return false;
    const gguf_tensor *dn[1] = {lw->ffn_down};
    plan_acts(c, dn, 1, n, p_d);
    p_d->base = MAX_JOBS - 1;
    return p_d->prep < 0;
}

/* One token's gate and up projections, biases and activation, quantized under P_D (ffn_fused).
 * Row chunks start on multiples of 256: the activations are element-wise (ops_swiglu's groups of
 * 16 and ops_geglu's of 8 fall where they fall over the whole row) and every activation format
 * quantizes blocks of at most 256 on their own (quantize_span), so the bits are the unfused ones. */
static void ffn_gate_up_act(fwd_ctx *c, int il, const layer_weights *lw, const act_plan *p_gu, const act_plan *p_d)
{
    const model_hparams *hp = &c->m->hp;
    const int64_t F = arch_layer_dims(hp, il).n_ff, ch = (chunk_rows(F, c->n_threads) + 255) / 256 * 256;
    const gguf_tensor *wg = lw->ffn_gate, *wu = lw->ffn_up;
    const char *qg = c->qa[p_gu->base + p_gu->slot[0]], *qu = c->qa[p_gu->base + p_gu->slot[1]];
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < (F + ch - 1) / ch; i++) {
        const int64_t r0 = i * ch, r1 = r0 + ch < F ? r0 + ch : F;
        float *gt = c->gate + r0, *ut = c->up + r0;
        simd_matvec(wg->type, wg->data, wg->row_bytes, wg->ne[0], qg, c->gate, r0, r1);
        simd_matvec(wu->type, wu->data, wu->row_bytes, wu->ne[0], qu, c->up, r0, r1);
        add_bias_span(gt, lw->ffn_gate_b, r0, r1);
        add_bias_span(ut, lw->ffn_up_b, r0, r1);
        if (hp->recipe.act == FFN_GELU_TANH)
            ops_geglu(gt, ut, gt, r1 - r0);
        else
            ops_swiglu(gt, ut, gt, r1 - r0);
        quantize_span(c, p_d, c->gate, r0, r1);
    }
}

/* Output projection (its input rows QUANTIZED already: attention), post-norm, residual; then the
 * FFN's input norm and the gate/up projections. */
static bool attn_out_ffn_in(fwd_ctx *c, int il, const layer_weights *lw, int64_t n, bool quantized)
{
    const model_hparams *hp = &c->m->hp;
    const layer_dims d = arch_layer_dims(hp, il);
    const int64_t E = hp->n_embd, F = d.n_ff, OW = hp->n_head * d.hdv;
    const gguf_tensor *wo[1] = {lw->wo};
    act_plan p_o;
    plan_acts(c, wo, 1, n, &p_o);
    if (!quantized) {
#pragma omp for
        for (int64_t t = 0; t < n; t++)
            quantize_row(c, &p_o, c->att + t * OW, OW, t);
    }
    float *const y_o[1] = {c->o};
    const size_t s_e[1] = {(size_t)E};
    run_matmuls(c, wo, y_o, s_e, 1, &p_o, n);

    /* A pure MoE layer: moe_ffn takes the normalised rows from here. gemma4's layers with experts
     * also run the dense FFN, and their experts get inputs of their own (c->xe, c->xr). */
    const bool moe = lw->ffn_gate_inp && !lw->ffn_gate, hybrid = lw->ffn_gate_inp && lw->ffn_gate;
    const float inv_sqrt_e = 1.0f / sqrtf((float)E);
    const gguf_tensor *gu[2] = {moe ? lw->ffn_gate_inp : lw->ffn_gate, moe ? lw->ffn_gate_inp : lw->ffn_up};
    act_plan p_gu;
    plan_acts(c, gu, 2, n, &p_gu);
    /* Four tokens at a time, so their norms run side by side (ops_rmsnorm_rows). */
#pragma omp for
    for (int64_t t0 = 0; t0 < n; t0 += 4) {
        const int64_t nt = n - t0 < 4 ? n - t0 : 4;
        add_residual(c, lw->bo, hp->recipe.post_norms ? lw->post_attn_norm : NULL, t0, nt);
        float *xb = c->x + t0 * E;
        ops_rmsnorm_rows(xb, lw->ffn_norm->data, c->xn + t0 * E, E, nt, E, hp->eps);
        for (int64_t t = t0; t < t0 + nt; t++) {
            const float *xt = c->x + t * E;
            if (hybrid) { /* llama.cpp's gemma4: RMSNorm(x) * pre_ffw_norm_2; RMSNorm(x) / sqrt(E) * scale */
                float *xe = c->xe + t * E, *xr = c->xr + t * E;
                const float *rs = lw->ffn_gate_inp_s->data;
                ops_rmsnorm(xt, lw->ffn_pre_norm_2->data, xe, E, hp->eps);
                ops_rmsnorm(xt, NULL, xr, E, hp->eps);
                for (int64_t i = 0; i < E; i++)
                    xr[i] = (xr[i] * inv_sqrt_e) * rs[i];
            }
            if (!moe)
                quantize_row(c, &p_gu, c->xn + t * E, E, t);
        }
    }
    if (moe)
        return false;
    act_plan p_d;
    if (ffn_fused(c, lw, n, &p_gu, &p_d)) {
        ffn_gate_up_act(c, il, lw, &p_gu, &p_d);
        return true;
    }
    float *const y_gu[2] = {c->gate, c->up};
    const size_t s_gu[2] = {(size_t)F, (size_t)F};
    run_matmuls(c, gu, y_gu, s_gu, 2, &p_gu, n);
    return false;
}

/* The FFN's activation (FUSED: done, see ffn_fused), down projection (or the mixture of experts),
 * post-norm and residual; then, NEXT not NULL, that layer's attention input norm in the same loop
 * (see layer_forward). */
static void ffn_out(fwd_ctx *c, int il, const layer_weights *lw, int64_t n, const layer_weights *next, bool fused)
{
    const model_hparams *hp = &c->m->hp;
    const int64_t E = hp->n_embd, F = arch_layer_dims(hp, il).n_ff;
    if (lw->ffn_gate_inp && !lw->ffn_gate && c->seg_exact && c->n_segs) {
        /* segment-exact: each sequence's tokens routed among themselves, as alone */
        for (int j = 0; j < c->n_segs; j++)
            moe_ffn(c->moe, hp, lw, c->xn + c->segs[j].t0 * E, c->o + c->segs[j].t0 * E, c->segs[j].n, false);
    } else if (lw->ffn_gate_inp && !lw->ffn_gate) {
        moe_ffn(c->moe, hp, lw, c->xn, c->o, n, verifying(c, n));
    } else {
        const gguf_tensor *dn[1] = {lw->ffn_down};
        act_plan p_d;
        plan_acts(c, dn, 1, n, &p_d);
        if (fused) /* every thread takes the same branch: no work-shared loop, no barrier */
            p_d.base = MAX_JOBS - 1;
        else {
#pragma omp for
            for (int64_t t = 0; t < n; t++) {
                float *gt = c->gate + t * F, *ut = c->up + t * F;
                add_bias(gt, lw->ffn_gate_b, F);
                add_bias(ut, lw->ffn_up_b, F);
                if (hp->recipe.act == FFN_GELU_TANH)
                    ops_geglu(gt, ut, gt, F);
                else
                    ops_swiglu(gt, ut, gt, F);
                quantize_row(c, &p_d, gt, F, t);
            }
        }
        float *const y_o[1] = {c->o};
        const size_t s_e[1] = {(size_t)E};
        run_matmuls(c, dn, y_o, s_e, 1, &p_d, n);
    }
    if (lw->ffn_gate_inp && lw->ffn_gate) { /* gemma4: dense FFN and experts, each post-normed, added */
#pragma omp for
        for (int64_t t = 0; t < n; t++)
            ops_rmsnorm(c->o + t * E, lw->ffn_post_norm_1->data, c->o + t * E, E, hp->eps);
        if (c->seg_exact && c->n_segs) /* each sequence's tokens routed among themselves, as alone */
            for (int j = 0; j < c->n_segs; j++) {
                const int64_t o = c->segs[j].t0 * E;
                moe_ffn_routed(c->moe, hp, lw, c->xe + o, c->xr + o, c->o2 + o, c->segs[j].n, false);
            }
        else
            moe_ffn_routed(c->moe, hp, lw, c->xe, c->xr, c->o2, n, verifying(c, n));
#pragma omp for
        for (int64_t t = 0; t < n; t++) {
            float *ot = c->o + t * E, *et = c->o2 + t * E;
            ops_rmsnorm(et, lw->ffn_post_norm_2->data, et, E, hp->eps);
            for (int64_t i = 0; i < E; i++)
                ot[i] += et[i];
        }
    }

    const gguf_tensor *qkv[3];
    act_plan p_next;
    if (next)
        qkv_plan(c, next, n, qkv, &p_next);
    /* Four tokens at a time, so their post-norms run side by side (ops_rmsnorm_rows). */
#pragma omp for
    for (int64_t t0 = 0; t0 < n; t0 += 4) {
        const int64_t nt = n - t0 < 4 ? n - t0 : 4;
        add_residual(c, lw->ffn_down_b, hp->recipe.post_norms ? lw->post_ffn_norm : NULL, t0, nt);
        if (next)
            attn_input_rows(c, next, &p_next, t0, nt);
    }
}

/* The widest rotation of any layer (sizes the RoPE angle cache). */
static int64_t max_rot(const model_hparams *hp)
{
    int64_t r = hp->n_rot;
    for (int il = 0; il < hp->n_layer; il++)
        r = arch_layer_dims(hp, il).n_rot > r ? arch_layer_dims(hp, il).n_rot : r;
    return r;
}

/* gemma4's per-layer inputs of n tokens whose scaled embeddings are in x: for layer l,
 * (RMSNorm((per_layer_model_proj . x) * 1/sqrt(n_embd)) * per_layer_proj_norm
 *  + per_layer_token_embd[tok] slice l * sqrt(n_embd_per_layer)) * 1/sqrt(2), as llama.cpp's
 * build_inp_per_layer and project_per_layer_inputs compute them. */
static void per_layer_inputs(fwd_ctx *c, const int32_t *tok, int64_t n)
{
    const tolk_model *m = c->m;
    const int64_t E = m->hp.n_embd, P = m->hp.n_embd_per_layer, LP = P * m->hp.n_layer;
    const gguf_tensor *w[1] = {m->w.pl_model_proj};
    act_plan p;
    plan_acts(c, w, 1, n, &p);
#pragma omp for
    for (int64_t t = 0; t < n; t++) {
        quantize_row(c, &p, c->x + t * E, E, t);
        const gguf_tensor *te = m->w.pl_tok_embd;
        simd_dequantize_row(te->type, (const char *)te->data + (size_t)tok[t] * te->row_bytes, c->ple_tok + t * LP, LP);
    }
    float *const y[1] = {c->ple};
    const size_t st[1] = {(size_t)LP};
    run_matmuls(c, w, y, st, 1, &p, n);
    const float proj_scale = 1.0f / sqrtf((float)E), tok_scale = sqrtf((float)P), inp_scale = 1.0f / sqrtf(2.0f);
#pragma omp for
    for (int64_t t = 0; t < n; t++)
        for (int64_t l = 0; l < m->hp.n_layer; l++) {
            float *pr = c->ple + t * LP + l * P;
            const float *tr = c->ple_tok + t * LP + l * P;
            for (int64_t i = 0; i < P; i++)
                pr[i] *= proj_scale;
            ops_rmsnorm(pr, m->w.pl_proj_norm->data, pr, P, m->hp.eps);
            for (int64_t i = 0; i < P; i++)
                pr[i] = (pr[i] + tr[i] * tok_scale) * inp_scale;
        }
}

/* gemma4's per-layer embedding step after the FFN residual: x += RMSNorm(proj . (gelu(inp_gate . x)
 * * per-layer input il)) * post_norm. */
static void per_layer_embd(fwd_ctx *c, int il, const layer_weights *lw, int64_t n)
{
    const model_hparams *hp = &c->m->hp;
    const int64_t E = hp->n_embd, P = hp->n_embd_per_layer, LP = P * hp->n_layer;
    const gguf_tensor *wg[1] = {lw->pl_inp_gate}, *wp[1] = {lw->pl_proj};
    act_plan pg, pp;
    plan_acts(c, wg, 1, n, &pg);
    plan_acts(c, wp, 1, n, &pp);
#pragma omp for
    for (int64_t t = 0; t < n; t++)
        quantize_row(c, &pg, c->x + t * E, E, t);
    float *const yg[1] = {c->ple_tok};
    const size_t sg[1] = {(size_t)P};
    run_matmuls(c, wg, yg, sg, 1, &pg, n);
#pragma omp for
    for (int64_t t = 0; t < n; t++) {
        float *g = c->ple_tok + t * P;
        ops_geglu(g, c->ple + t * LP + il * P, g, P);
        quantize_row(c, &pp, g, P, t);
    }
    float *const yo[1] = {c->o};
    const size_t so[1] = {(size_t)E};
    run_matmuls(c, wp, yo, so, 1, &pp, n);
#pragma omp for
    for (int64_t t = 0; t < n; t++) {
        float *ot = c->o + t * E, *xt = c->x + t * E;
        ops_rmsnorm(ot, lw->pl_post_norm->data, ot, E, hp->eps);
        for (int64_t i = 0; i < E; i++)
            xt[i] += ot[i];
    }
}

/* The first layer this pass runs after layer IL (-1: none; fwd_set_skip may leave some out). */
static int next_layer(const fwd_ctx *c, int il)
{
    for (int j = il + 1; j < c->m->hp.n_layer; j++)
        if (!c->skip || !c->skip[j])
            return j;
    return -1;
}

/* One decoder block for n tokens at positions pos0.. (called by every thread), its attention input
 * READY or not (see qkv_project). Returns whether it prepared the next layer's: where the FFN's
 * residual loop is the block's last step, that loop also norms and quantizes the rows it has just
 * written for the next layer, saving the next layer a loop and a barrier. */
static bool layer_forward(fwd_ctx *c, int il, int64_t n, int64_t pos0, bool ready)
{
    const layer_weights *lw = &c->m->w.layers[il];
    const int nl = lw->pl_inp_gate || lw->out_scale ? -1 : next_layer(c, il);
    const layer_weights *next = nl >= 0 ? &c->m->w.layers[nl] : NULL;
    /* The thread's scratch: the RoPE angle cache, then attention's. */
    char *scratch = c->scratch + (size_t)thread_id() * c->thread_scratch;
    qkv_project(c, il, lw, n, ready);
    qkv_finish(c, il, n, pos0, (float *)scratch);
    const bool quantized = attention(c, il, n, pos0, scratch + align64(sizeof(float) * (size_t)max_rot(&c->m->hp)));
    const bool fused = attn_out_ffn_in(c, il, lw, n, quantized);
    ffn_out(c, il, lw, n, next, fused);
    if (lw->pl_inp_gate)
        per_layer_embd(c, il, lw, n);
    if (lw->out_scale) {
        const float s = *(const float *)lw->out_scale->data;
        const int64_t E = c->m->hp.n_embd;
#pragma omp for
        for (int64_t t = 0; t < n; t++)
            for (int64_t i = 0; i < E; i++)
                c->x[t * E + i] *= s;
    }
    return next != NULL;
}

/* Final logit soft-capping, as llama.cpp's three ops: scale by 1/cap, tanh, scale by cap. */
static void soft_cap_logits(float *l, int64_t n, float cap)
{
#pragma omp for
    for (int64_t i = 0; i < n; i++)
        l[i] = tanhf(l[i] * (1.0f / cap)) * cap;
}

/* n (<= n_batch) tokens at pos0..; logits for tokens lf..n-1 into logits[0..]. */
static void forward_chunk(fwd_ctx *c, const int32_t *tok, int64_t n, int64_t pos0, int64_t lf,
                          float *logits)
{
    const tolk_model *m = c->m;
    const int64_t E = m->hp.n_embd;
    const gguf_tensor *out[1] = {m->w.output};
    act_plan p_out;
    plan_acts(c, out, 1, n - lf, &p_out);
    float *const y_out[1] = {logits};
    const size_t s_out[1] = {(size_t)m->hp.n_vocab};
#pragma omp parallel num_threads(c->n_threads)
    {
        threads_place(c->cpus, c->n_cpus, thread_id());
        if (c->probe)
            c->probe(c->probe_user, thread_id(), team_size());
        /* The first layer's attention input in the embedding loop, as in ffn_out (not where gemma4's
         * per-layer inputs come between). */
        const int first = m->w.pl_tok_embd ? -1 : next_layer(c, -1);
        const gguf_tensor *qkv[3];
        act_plan p_first;
        if (first >= 0)
            qkv_plan(c, &m->w.layers[first], n, qkv, &p_first);
#pragma omp for
        for (int64_t t0 = 0; t0 < n; t0 += 4) {
            const int64_t nt = n - t0 < 4 ? n - t0 : 4;
            for (int64_t t = t0; t < t0 + nt; t++)
                model_embed(m, tok[t], c->x + t * E);
            if (first >= 0)
                attn_input_rows(c, &m->w.layers[first], &p_first, t0, nt);
        }
        if (m->w.pl_tok_embd)
            per_layer_inputs(c, tok, n);
        bool ready = first >= 0;
        for (int il = 0; il < m->hp.n_layer; il++)
            if (!c->skip || !c->skip[il])
                ready = layer_forward(c, il, n, pos0, ready);
        if (lf < n) {
            /* Four rows at a time where the rows are consecutive (ops_rmsnorm_rows). */
            const int64_t nr = n - lf, step = c->logit_rows ? 1 : 4;
#pragma omp for
            for (int64_t r0 = 0; r0 < nr; r0 += step) {
                const int64_t k = nr - r0 < step ? nr - r0 : step;
                const int64_t row = c->logit_rows ? c->logit_rows[r0] : lf + r0;
                ops_rmsnorm_rows(c->x + row * E, m->w.output_norm->data, c->xn + r0 * E, E, k, E, m->hp.eps);
                for (int64_t r = r0; r < r0 + k; r++)
                    quantize_row(c, &p_out, c->xn + r * E, E, r);
            }
            run_matmuls(c, out, y_out, s_out, 1, &p_out, n - lf);
            if (m->hp.final_softcap > 0.0f)
                soft_cap_logits(logits, (n - lf) * m->hp.n_vocab, m->hp.final_softcap);
        }
    }
    threads_unplace(); /* the caller's thread gets its own affinity back */
}

int fwd_eval(fwd_ctx *c, const int32_t *tok, int64_t n, int64_t logits_from, tolk_error *err)
{
    const int64_t n_vocab = c->m->hp.n_vocab;
    if (n < 0 || logits_from < 0 || logits_from > n)
        return error_set(err, TOLK_E_ARG, "fwd_eval: bad token count %lld / logits_from %lld",
                         (long long)n, (long long)logits_from);
    if (n - logits_from > c->n_logits)
        return error_set(err, TOLK_E_ARG, "%lld logit rows requested, the context was created for %lld",
                         (long long)(n - logits_from), (long long)c->n_logits);
    for (int64_t i = 0; i < n; i++)
        if (tok[i] < 0 || tok[i] >= n_vocab)
            return error_set(err, TOLK_E_ARG, "token id %ld at index %lld is outside the vocabulary "
                             "(0..%lld)", (long)tok[i], (long long)i, (long long)(n_vocab - 1));
    int rc = kv_check_room(&c->kv, n, err);
    if (!rc)
        rc = kv_check_pass(&c->kv, n < c->n_batch ? n : c->n_batch, err);
    if (rc)
        return rc;
    for (int64_t off = 0; off < n; off += c->n_batch) {
        const int64_t cn = n - off < c->n_batch ? n - off : c->n_batch;
        int64_t lf = logits_from - off;
        if (lf < 0)
            lf = 0;
        if (lf > cn)
            lf = cn;
        float *lg = c->logits + (size_t)(off + lf - logits_from > 0 ? off + lf - logits_from : 0) *
                                    (size_t)n_vocab;
        forward_chunk(c, tok + off, cn, c->kv.n, lf, lg);
        kv_commit(&c->kv, cn);
    }
    return TOLK_OK;
}

void fwd_run_segments(fwd_ctx *c, const int32_t *tok, int64_t n, const fwd_seg *segs, int n_segs,
                      const int64_t *logit_rows, int64_t n_rows)
{
    c->segs = segs;
    c->n_segs = n_segs;
    c->logit_rows = logit_rows;
    c->pass_n = n;
    forward_chunk(c, tok, n, 0, n - n_rows, c->logits);
    c->segs = NULL;
    c->n_segs = 0;
    c->logit_rows = NULL;
}

kv_cache *fwd_kv(fwd_ctx *c)
{
    return &c->kv;
}

int64_t fwd_batch_limits(const fwd_ctx *c, int64_t *n_logits)
{
    *n_logits = c->n_logits;
    return c->n_batch;
}

const float *fwd_logits(const fwd_ctx *c, int64_t i)
{
    return c->logits + (size_t)i * (size_t)c->m->hp.n_vocab;
}

int64_t fwd_pos(const fwd_ctx *c)
{
    return c->kv.n;
}

int64_t fwd_n_ctx(const fwd_ctx *c)
{
    return c->kv.n_ctx;
}

size_t fwd_kv_bytes(const fwd_ctx *c)
{
    return c->kv.bytes;
}

int64_t fwd_n_vocab(const fwd_ctx *c)
{
    return c->m->hp.n_vocab;
}

int fwd_rollback(fwd_ctx *c, int64_t n_keep, tolk_error *err)
{
    return kv_rollback(&c->kv, n_keep, err);
}

static int default_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void fwd_set_threads(fwd_ctx *c, int n_threads)
{
    /* Per-thread scratch was sized at creation, so that count is the ceiling. */
    if (n_threads <= 0 || n_threads > c->max_threads)
        n_threads = c->max_threads;
    c->n_threads = n_threads;
}

void fwd_set_probe(fwd_ctx *c, fwd_probe_fn fn, void *user)
{
    c->probe = fn;
    c->probe_user = user;
}

void fwd_free(fwd_ctx *c)
{
    if (!c)
        return;
    free(c->cpus);
    kv_free(&c->kv);
    free(c->x);
    free(c->xn);
    free(c->q);
    free(c->k);
    free(c->v);
    free(c->att);
    free(c->o);
    free(c->gate);
    free(c->up);
    free(c->ple);
    free(c->ple_tok);
    free(c->xe);
    free(c->xr);
    free(c->o2);
    for (int s = 0; s < MAX_JOBS; s++)
        free(c->qa[s]);
    free(c->qp);
    free(c->logits);
    moe_buffers_free(c->moe);
    free(c->scratch);
    free(c->skip);
    free(c);
}

int fwd_set_skip(fwd_ctx *c, const unsigned char *skip, tolk_error *err)
{
    if (!skip) {
        free(c->skip);
        c->skip = NULL;
        return TOLK_OK;
    }
    if (!c->skip && !(c->skip = malloc((size_t)c->m->hp.n_layer)))
        return error_set(err, TOLK_E_NOMEM, "out of memory for a layer-skip mask");
    memcpy(c->skip, skip, (size_t)c->m->hp.n_layer);
    /* A layer whose keys and values later layers read (gemma4's shared KV) always runs. */
    for (int il = 0; il < c->m->hp.n_layer; il++)
        if (c->m->hp.layer[il].kv_shared)
            c->skip[c->m->hp.layer[il].kv_src] = 0;
    return TOLK_OK;
}

void fwd_set_seg_exact(fwd_ctx *c, int on)
{
    c->seg_exact = on != 0;
    if (on)
        c->rowwise_max = 0;
}

void fwd_set_decode_fuse(fwd_ctx *c, int on)
{
    c->no_fuse = !on;
}

void fwd_set_rowwise(fwd_ctx *c, int64_t n_max)
{
    c->rowwise_max = n_max;
}

/* The bytes of the largest quantized activation row (PREP: of the largest prepared copy, for
 * batches of n_tok tokens) that any matrix of the model reads. */
static size_t act_row_bytes(const gguf_tensor *w, bool prep, int64_t n_tok)
{
    return prep ? simd_act_prep_bytes(w->type, w->ne[0], n_tok) : simd_act_row_bytes(w->type, w->ne[0]);
}

static size_t max_act_row(const tolk_model *m, bool prep, int64_t n_tok)
{
    size_t best = act_row_bytes(m->w.output, prep, n_tok);
    for (int il = 0; il < m->hp.n_layer; il++) {
        const layer_weights *lw = &m->w.layers[il];
        const gguf_tensor *w[] = {lw->wq, lw->wk, lw->wv, lw->wo, lw->ffn_gate, lw->ffn_up, lw->ffn_down,
                                  lw->ffn_gate_inp, lw->ffn_gate_exps, lw->ffn_up_exps, lw->ffn_down_exps,
                                  lw->ffn_gate_shexp, lw->ffn_up_shexp, lw->ffn_down_shexp, lw->pl_inp_gate,
                                  lw->pl_proj, il == 0 ? m->w.pl_model_proj : NULL, lw->ffn_gate_up_exps};
        for (size_t j = 0; j < sizeof w / sizeof w[0]; j++) {
            if (!w[j])
                continue;
            size_t b = act_row_bytes(w[j], prep, n_tok);
            if (b > best)
                best = b;
        }
    }
    return align64(best);
}

static float *alloc_f(int64_t rows, int64_t cols, bool *ok)
{
    float *p = malloc(sizeof(float) * (size_t)rows * (size_t)cols);
    if (!p)
        *ok = false;
    return p;
}

/* The KV cache of a context (ALLOC false: its layout and bytes only). Layers that read an earlier
 * layer's keys and values (gemma4: the last ones) get no cache; each layer's rows are as wide as its
 * own keys and values (gemma4: sliding and global layers differ); a cache whose every reader is a
 * sliding-window layer keeps only a ring (kv.h, docs/KV.md). */
static int make_kv(const tolk_model *m, const fwd_params *p, int64_t n_ctx, int64_t n_batch, uint32_t kv_type,
                     bool alloc, kv_cache *kv, tolk_error *err)
{
    const model_hparams *hp = &m->hp;
    int64_t kv_layers = hp->n_layer;
    while (kv_layers > 1 && hp->layer[kv_layers - 1].kv_shared)
        kv_layers--;
    int64_t kv_dims[3][ARCH_MAX_LAYERS], window[ARCH_MAX_LAYERS];
    for (int il = 0; il < kv_layers; il++) {
        const layer_dims d = arch_layer_dims(hp, il);
        kv_dims[0][il] = d.n_head_kv;
        kv_dims[1][il] = d.hd;
        kv_dims[2][il] = d.hdv;
        window[il] = hp->n_swa;
    }
    for (int il = 0; il < hp->n_layer; il++) {
        const int src = hp->layer[il].kv_shared ? (int)hp->layer[il].kv_src : il;
        if (!hp->layer[il].swa && src < kv_layers)
            window[src] = 0;
    }
    int64_t keep = p && p->kv_keep ? p->kv_keep : (n_batch > FWD_KV_KEEP_MIN ? n_batch : FWD_KV_KEEP_MIN);
    if (keep > 0 && keep < n_batch) /* a pass must not overwrite keys its own queries see */
        keep = n_batch;
    const int64_t *win = keep > 0 && hp->n_swa > 0 ? window : NULL;
    return alloc ? kv_init_rings(kv, kv_type, n_ctx, kv_layers, kv_dims[0], kv_dims[1], kv_dims[2], win, keep, err)
                 : kv_plan_rings(kv, kv_type, n_ctx, kv_layers, kv_dims[0], kv_dims[1], kv_dims[2], win, keep, err);
}

/* Defaults of fwd_params: the context (min(n_ctx_train, 4096)) and the batch (min(512, n_ctx)). */
static int64_t default_ctx(const model_hparams *hp, const fwd_params *p)
{
    return p && p->n_ctx > 0 ? p->n_ctx : (hp->n_ctx_train < 4096 ? hp->n_ctx_train : 4096);
}

static int64_t default_batch(const fwd_params *p, int64_t n_ctx)
{
    return p && p->n_batch > 0 ? p->n_batch : (n_ctx < 512 ? n_ctx : 512);
}

size_t fwd_kv_bytes_for(const tolk_model *m, const fwd_params *p)
{
    const int64_t n_ctx = default_ctx(&m->hp, p);
    kv_cache kv;
    if (make_kv(m, p, n_ctx, default_batch(p, n_ctx), p && p->kv_type ? p->kv_type : TOLK_TYPE_F16, false, &kv,
                  NULL))
        return 0;
    const size_t bytes = kv.bytes;
    kv_free(&kv);
    return bytes;
}

int fwd_create(const tolk_model *m, const fwd_params *p, fwd_ctx **out, tolk_error *err)
{
    const model_hparams *hp = &m->hp;
    *out = NULL;
    fwd_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return error_set(err, TOLK_E_NOMEM, "out of memory creating a context");
    c->m = m;
    int64_t n_ctx = default_ctx(hp, p);
    /* llama.cpp's micro-batch: a prompt of up to 512 tokens is one pass (the mat x mat kernels reuse
     * each weight block across all its rows, and the sums run in the order llama.cpp's do). On the
     * default model and a 1B Q4_0 this ran pp512 1.5-3x faster than 64-token chunks for +16 / +50
     * MiB of RSS. */
    c->n_batch = default_batch(p, n_ctx);
    c->n_logits = p && p->n_logits > 0 ? p->n_logits : 1;
    uint32_t kv_type = p && p->kv_type ? p->kv_type : TOLK_TYPE_F16;
    int nth = p ? p->n_threads : 0;
    if (nth <= 0)
        nth = default_threads();
    c->n_threads = c->max_threads = nth;
    if (p && p->n_cpus > 0) {
        if (!(c->cpus = malloc(sizeof *c->cpus * (size_t)p->n_cpus))) {
            free(c);
            return error_set(err, TOLK_E_NOMEM, "out of memory creating a context");
        }
        memcpy(c->cpus, p->cpus, sizeof *c->cpus * (size_t)p->n_cpus);
        c->n_cpus = p->n_cpus;
    }
    int rc = make_kv(m, p, n_ctx, c->n_batch, kv_type, true, &c->kv, err);
    if (!rc && (rc = mem_check_kv(c->kv.bytes, 1, n_ctx, err)))
        kv_free(&c->kv);
    if (rc) {
        free(c->cpus);
        free(c);
        return rc;
    }
    const int64_t nb = c->n_batch;
    bool ok = true;
    c->x = alloc_f(nb, hp->n_embd, &ok);
    c->xn = alloc_f(nb, hp->n_embd, &ok);
    c->q = alloc_f(nb, hp->n_head * hp->head_dim, &ok);
    c->k = alloc_f(nb, hp->n_head_kv * hp->head_dim, &ok);
    c->v = alloc_f(nb, hp->n_head_kv * hp->head_dim_v, &ok);
    c->att = alloc_f(nb, hp->n_head * hp->head_dim_v, &ok);
    c->o = alloc_f(nb, hp->n_embd, &ok);
    c->gate = alloc_f(nb, hp->n_ff, &ok);
    c->up = alloc_f(nb, hp->n_ff, &ok);
    c->logits = alloc_f(c->n_logits, hp->n_vocab, &ok);
    if (m->w.pl_tok_embd) {
        c->ple = alloc_f(nb, hp->n_layer * hp->n_embd_per_layer, &ok);
        c->ple_tok = alloc_f(nb, hp->n_layer * hp->n_embd_per_layer, &ok);
    }
    bool dense_and_experts = false;
    for (int il = 0; il < hp->n_layer; il++)
        dense_and_experts |= m->w.layers[il].ffn_gate_inp && m->w.layers[il].ffn_gate;
    if (dense_and_experts) {
        c->xe = alloc_f(nb, hp->n_embd, &ok);
        c->xr = alloc_f(nb, hp->n_embd, &ok);
        c->o2 = alloc_f(nb, hp->n_embd, &ok);
    }
    c->act_row_max = max_act_row(m, false, nb);
    for (int s = 0; s < MAX_JOBS && ok; s++)
        if (!(c->qa[s] = aligned_alloc(64, c->act_row_max * (size_t)nb)))
            ok = false;
    c->prep_row_max = max_act_row(m, true, nb);
    if (ok && c->prep_row_max && !(c->qp = aligned_alloc(64, c->prep_row_max * (size_t)nb)))
        ok = false;
    const attn_args probe = {.kv = &c->kv, .n_head = hp->n_head, .n_head_kv = hp->n_head_kv,
                             .head_dim = hp->head_dim, .head_dim_v = hp->head_dim_v};
    size_t attn_bytes = attn_scratch_bytes(&probe, n_ctx);
    for (int il = 0; il < hp->n_layer; il++) { /* layers with their own head shapes (gemma4) */
        const layer_dims d = arch_layer_dims(hp, il);
        const attn_args pl = {.kv = &c->kv, .n_head = hp->n_head, .n_head_kv = d.n_head_kv, .head_dim = d.hd,
                              .head_dim_v = d.hdv};
        if (attn_scratch_bytes(&pl, n_ctx) > attn_bytes)
            attn_bytes = attn_scratch_bytes(&pl, n_ctx);
    }
    c->thread_scratch = align64(sizeof(float) * (size_t)max_rot(hp)) + attn_bytes;
    if (ok && !(c->scratch = aligned_alloc(64, c->thread_scratch * (size_t)nth)))
        ok = false;
    if (ok && hp->n_expert > 0 && moe_buffers_create(hp, nb, c->act_row_max, &c->moe, err)) {
        fwd_free(c);
        return err ? err->code : TOLK_E_NOMEM;
    }
    if (!ok) {
        fwd_free(c);
        return error_set(err, TOLK_E_NOMEM, "out of memory allocating buffers for a %lld-token batch "
                         "and %lld logit rows", (long long)nb, (long long)c->n_logits);
    }
    *out = c;
    return TOLK_OK;
}
