/* Sliding-window layers keep a ring of KV rows (runtime/forward/kv.c, docs/KV.md): the ring's
 * bookkeeping (rows, bytes, the pass and rollback bounds, refusals that leave the cache as it was),
 * and on tiny random gemma3, gemma2 and gemma4 models (bench/gen_model) logits over sequences many
 * times longer than the ring equal, bit for bit, those of a context whose sliding layers keep all
 * n_ctx rows: batched, token by token, in verification mode, across rollbacks over the wrap,
 * several sequences per pass (fwd_eval_multi), with the F16 and the Q8_0 cache; and the same on
 * the default model over two wraps of its 575-row ring. Also: the size reported without
 * allocating (tolk_model_kv_bytes) is the size a context gets. Any error in the position -> row
 * mapping reads a wrong key and changes the logits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward.h"
#include "forward_multi.h"
#include "kv.h"
#include "model.h"
#include "scratch_dir.h"
#include "simd.h"
#include "skip.h"
#include "suite_run.h"
#include "test_isa.h"
#include "tolk.h"

#define N_CTX 256
#define N_BATCH 8
#define N_SEQ 200 /* tokens: the gemma3 tiny ring (16 + 8 - 1 rows) wraps 8 times */

static char tmpdir[4096];

static const char *builddir(void)
{
    const char *b = getenv("TOLK_BUILDDIR");
    return b && *b ? b : ".";
}

static void fill(float *x, int n, int seed)
{
    for (int i = 0; i < n; i++)
        x[i] = (float)((i * 7 + seed * 13) % 29) - 14.0f;
}

/* Rows and bytes: ring layers hold window + keep - 1 rows, the others n_ctx; a pass of more than
 * keep positions and a rollback past what the ring still holds are refused without change. */
START_TEST(ring_bookkeeping)
{
    const int64_t heads[3] = {1, 2, 1}, hd[3] = {32, 32, 64}, window[3] = {4, 0, 4};
    kv_cache kv, like;
    tolk_error err = {0};
    ck_assert_int_eq(kv_init_rings(&kv, TOLK_TYPE_F16, 20, 3, heads, hd, hd, window, 3, &err), TOLK_OK);
    ck_assert_int_eq(kv.layer[0].rows, 6);
    ck_assert_int_eq(kv.layer[1].rows, 20);
    ck_assert_int_eq(kv.layer[2].rows, 6);
    size_t want = 0;
    for (int il = 0; il < 3; il++)
        want += (size_t)kv.layer[il].rows * (kv_k_stride(&kv, il) + kv_v_stride(&kv, il));
    ck_assert_uint_eq(kv.bytes, want);
    ck_assert_uint_eq(kv.bytes, (6 * 32 + 20 * 64 + 6 * 64) * 2 * 2); /* values, K and V, F16 */

    ck_assert_int_eq(kv_check_pass(&kv, 3, &err), TOLK_OK);
    ck_assert_int_eq(kv_check_pass(&kv, 4, &err), TOLK_E_STATE);

    /* positions 0..11 in passes of 3; every position a window still sees reads back its own values */
    float k[64], v[64], back[64];
    for (int pos = 0; pos < 12; pos++) {
        for (int il = 0; il < 3; il++) {
            fill(k, 64, pos * 3 + il);
            fill(v, 64, 100 + pos * 3 + il);
            kv_store(&kv, il, pos, k, v);
        }
        if (pos % 3 == 2)
            kv_commit(&kv, 3);
    }
    ck_assert_int_eq(kv.lost, 6);
    for (int pos = 8; pos < 12; pos++)
        for (int il = 0; il < 3; il++) {
            fill(k, 64, pos * 3 + il);
            ck_assert(simd_dequantize_row(TOLK_TYPE_F16, kv_k_row(&kv, il, pos), back, heads[il] * hd[il]));
            ck_assert_mem_eq(back, k, sizeof(float) * (size_t)(heads[il] * hd[il]));
        }
    /* the ring rows are positions mod 6: position 11 sits in row 5, 6 in row 0 */
    ck_assert_ptr_eq(kv_k_row(&kv, 0, 11), kv_k_row(&kv, 0, 5));
    ck_assert_ptr_eq(kv_k_row(&kv, 0, 6), kv_k_row(&kv, 0, 0));
    ck_assert_ptr_ne(kv_k_row(&kv, 1, 11), kv_k_row(&kv, 1, 5));
    ck_assert_int_eq(kv_run(&kv, 0, 4, 9), 2);
    ck_assert_int_eq(kv_run(&kv, 0, 6, 9), 4);
    ck_assert_int_eq(kv_run(&kv, 1, 4, 9), 6);

    /* rolling back to 8 needs 5..7: 5 was overwritten by 11 */
    ck_assert_int_eq(kv_rollback(&kv, 8, &err), TOLK_E_STATE);
    ck_assert_ptr_nonnull(strstr(err.msg, "sliding-window"));
    ck_assert_int_eq(kv.n, 12);
    ck_assert_int_eq(kv_rollback(&kv, 9, &err), TOLK_OK); /* 6..8 still there */
    ck_assert_int_eq(kv.n, 9);
    kv_commit(&kv, 3); /* 12 again: lost stays 6 */
    ck_assert_int_eq(kv_rollback(&kv, 8, &err), TOLK_E_STATE);
    ck_assert_int_eq(kv_rollback(&kv, 0, &err), TOLK_OK); /* always allowed */
    ck_assert_int_eq(kv.lost, 0);

    /* the clone has the same rings; one shorter than a ring has full layers */
    ck_assert_int_eq(kv_init_like(&like, &kv, 20, &err), TOLK_OK);
    ck_assert_uint_eq(like.bytes, kv.bytes);
    ck_assert_int_eq(like.layer[2].rows, 6);
    kv_free(&like);
    ck_assert_int_eq(kv_init_like(&like, &kv, 5, &err), TOLK_OK);
    ck_assert_int_eq(like.layer[0].rows, 5);
    ck_assert_int_eq(like.keep, 0);
    ck_assert_int_eq(kv_check_pass(&like, 5, &err), TOLK_OK);
    kv_free(&like);
    kv_free(&kv);

    ck_assert_int_eq(kv_init_rings(&kv, TOLK_TYPE_F16, 20, 3, heads, hd, hd, window, 0, &err), TOLK_E_ARG);
}
END_TEST

static fwd_ctx *make_ctx(const tolk_model *m, uint32_t kv_type, int64_t keep, int64_t n_logits)
{
    fwd_params p = {.n_ctx = N_CTX, .n_batch = N_BATCH, .n_logits = n_logits, .kv_type = kv_type, .n_threads = 2,
                    .kv_keep = keep};
    fwd_ctx *c;
    tolk_error err = {0};
    ck_assert_msg(fwd_create(m, &p, &c, &err) == TOLK_OK, "%s", err.msg);
    return c;
}

static void eval(fwd_ctx *c, const int32_t *tok, int64_t n, int64_t from)
{
    tolk_error err = {0};
    ck_assert_msg(fwd_eval(c, tok, n, from, &err) == TOLK_OK, "%s", err.msg);
}

/* The last fwd_eval's N logit rows of RING and FULL carry the same bits. */
static void same_logits(fwd_ctx *ring, fwd_ctx *full, int64_t n, const char *what, int64_t at)
{
    const size_t nv = (size_t)fwd_n_vocab(ring);
    for (int64_t i = 0; i < n; i++)
        ck_assert_msg(!memcmp(fwd_logits(ring, i), fwd_logits(full, i), sizeof(float) * nv),
                      "%s: logit row %lld of the pass at %lld differs from the full cache", what, (long long)i,
                      (long long)at);
}

static void check_multi(const tolk_model *m, fwd_ctx *ctx[2], const char *arch);

static void check_arch(const char *arch, uint32_t kv_type)
{
    char path[8192], cmd[16384];
    snprintf(path, sizeof path, "%s/%s.gguf", tmpdir, arch);
    snprintf(cmd, sizeof cmd, "'%s/bench/gen_model' --arch %s --preset tiny --vocab-size 128 -o '%s'", builddir(),
             arch, path);
    ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
    tolk_model *m;
    tolk_error err = {0};
    ck_assert_msg(model_open(path, &m, &err) == TOLK_OK, "%s", err.msg);
    const int64_t n_swa = m->hp.n_swa;
    ck_assert_int_gt(n_swa, 0);

    fwd_ctx *ring = make_ctx(m, kv_type, N_BATCH, N_SEQ), *full = make_ctx(m, kv_type, -1, N_SEQ);
    const kv_cache *rk = fwd_kv(ring), *fk = fwd_kv(full);
    /* (a) sliding layers hold n_swa + keep - 1 rows, the others n_ctx; the full context n_ctx everywhere */
    int n_ring = 0;
    size_t want = 0;
    for (int64_t il = 0; il < rk->n_layer; il++) {
        const bool slides = rk->layer[il].window > 0;
        n_ring += slides;
        ck_assert_int_eq(rk->layer[il].rows, slides ? n_swa + N_BATCH - 1 : N_CTX);
        ck_assert_int_eq(fk->layer[il].rows, N_CTX);
        want += (size_t)rk->layer[il].rows * (rk->layer[il].k_row_bytes + rk->layer[il].v_row_bytes);
    }
    ck_assert_int_gt(n_ring, 0);
    ck_assert_int_lt(n_ring, rk->n_layer); /* the global layers keep every position */
    ck_assert_uint_eq(fwd_kv_bytes(ring), want);
    ck_assert_uint_lt(fwd_kv_bytes(ring), fwd_kv_bytes(full));

    /* the size reported without allocating (tolk info, --verbose) is the one a context gets: with
     * the default batch (512 here) the ring is n_swa + 511 rows at 1024 positions */
    ck_assert_int_eq(fwd_kv_bytes_for(m, &(fwd_params){.n_ctx = N_CTX, .n_batch = N_BATCH, .kv_type = kv_type,
                                                       .kv_keep = N_BATCH}), fwd_kv_bytes(ring));
    ck_assert_int_eq(fwd_kv_bytes_for(m, &(fwd_params){.n_ctx = N_CTX, .n_batch = N_BATCH, .kv_type = kv_type,
                                                       .kv_keep = -1}), fwd_kv_bytes(full));
    {
        fwd_params dp = {.n_ctx = 1024, .kv_type = kv_type};
        fwd_ctx *def;
        ck_assert_msg(fwd_create(m, &dp, &def, &err) == TOLK_OK, "%s", err.msg);
        ck_assert_int_eq(tolk_model_kv_bytes(m, 1024, kv_type == TOLK_TYPE_Q8_0), (int64_t)fwd_kv_bytes(def));
        size_t full_bytes = 0;
        for (int64_t il = 0; il < fwd_kv(def)->n_layer; il++) {
            const kv_layer *l = &fwd_kv(def)->layer[il];
            ck_assert_int_eq(l->rows, l->window > 0 ? n_swa + 511 : 1024);
            full_bytes += 1024 * (l->k_row_bytes + l->v_row_bytes);
        }
        ck_assert_uint_lt(fwd_kv_bytes(def), full_bytes);
        fwd_free(def);
    }

    int32_t tok[N_SEQ], alt[N_BATCH];
    srand(7);
    for (int i = 0; i < N_SEQ; i++)
        tok[i] = rand() % 128;
    for (int i = 0; i < N_BATCH; i++)
        alt[i] = (tok[i] * 5 + 3) % 128;

    /* (b) batched: the whole sequence in passes of N_BATCH, logits of every token */
    eval(ring, tok, N_SEQ, 0);
    eval(full, tok, N_SEQ, 0);
    same_logits(ring, full, N_SEQ, arch, 0);

    /* token by token over the same positions again */
    ck_assert_int_eq(fwd_rollback(ring, 0, &err), TOLK_OK);
    ck_assert_int_eq(fwd_rollback(full, 0, &err), TOLK_OK);
    for (int64_t i = 0; i < N_SEQ; i++) {
        eval(ring, tok + i, 1, 0);
        eval(full, tok + i, 1, 0);
        same_logits(ring, full, 1, arch, i);
    }

    /* (c) rollbacks across the wrap: a pass of N_BATCH undone, then other tokens in its place,
     * batched and in verification mode */
    for (int rep = 0; rep < 3; rep++) {
        const int64_t pos = fwd_pos(ring);
        eval(ring, alt, N_BATCH, 0);
        eval(full, alt, N_BATCH, 0);
        same_logits(ring, full, N_BATCH, arch, pos);
        ck_assert_int_eq(fwd_rollback(ring, pos, &err), TOLK_OK);
        ck_assert_int_eq(fwd_rollback(full, pos, &err), TOLK_OK);
        fwd_set_rowwise(ring, N_BATCH);
        fwd_set_rowwise(full, N_BATCH);
        eval(ring, tok + rep * 5, 5, 0);
        eval(full, tok + rep * 5, 5, 0);
        same_logits(ring, full, 5, arch, pos);
        fwd_set_rowwise(ring, 0);
        fwd_set_rowwise(full, 0);
    }
    /* a rollback reaches keep (= N_BATCH) positions back from the furthest position written: one
     * more is refused, the cache unchanged and still right */
    const int64_t pos = fwd_pos(ring);
    eval(ring, alt, N_BATCH, 0);
    eval(full, alt, N_BATCH, 0);
    ck_assert_int_eq(fwd_rollback(ring, pos - 1, &err), TOLK_E_STATE);
    ck_assert_int_eq(fwd_pos(ring), pos + N_BATCH);
    ck_assert_int_eq(fwd_rollback(ring, pos, &err), TOLK_OK);
    ck_assert_int_eq(fwd_rollback(full, pos, &err), TOLK_OK);
    eval(ring, alt + 2, 3, 0);
    eval(full, alt + 2, 3, 0);
    same_logits(ring, full, 3, arch, pos);

    /* a pass longer than the ring allows is refused up front (fwd_eval chunks by n_batch, so only a
     * context whose keep is below its batch could ask; fwd_create raises keep to n_batch) */
    ck_assert_int_eq(kv_check_pass(rk, N_BATCH + 1, &err), TOLK_E_STATE);

    fwd_ctx *both[2] = {ring, full};
    check_multi(m, both, arch);

    fwd_free(ring);
    fwd_free(full);
    /* no size for a bad context size or a model without its weights */
    ck_assert_int_eq(tolk_model_kv_bytes(m, -1, 0), -1);
    tolk_model *meta;
    ck_assert_int_eq(tolk_model_load_meta(path, &meta, &err), TOLK_OK);
    ck_assert_int_eq(tolk_model_kv_bytes(meta, 0, 0), -1);
    tolk_model_free(meta);
    model_close(m);
    unlink(path);
}

/* Several sequences per pass (fwd_eval_multi) over caches made by fwd_kv_like: the ring contexts'
 * logits equal the full ones' bit for bit, prompts and steps of 1..3 tokens mixed, through many
 * wraps and a rollback of one sequence. */
#define MS 3
static void check_multi(const tolk_model *m, fwd_ctx *ctx[2], const char *arch)
{
    tolk_error err = {0};
    const int64_t nv = fwd_n_vocab(ctx[0]);
    kv_cache own[2][MS];
    float *lg[2];
    for (int w = 0; w < 2; w++) {
        for (int s = 1; s < MS; s++)
            ck_assert_msg(fwd_kv_like(ctx[w], &own[w][s], &err) == TOLK_OK, "%s", err.msg);
        ck_assert_int_eq(fwd_rollback(ctx[w], 0, &err), TOLK_OK);
        ck_assert_ptr_nonnull(lg[w] = malloc(sizeof(float) * (size_t)(MS * N_BATCH * nv)));
    }
    for (int64_t il = 0; il < own[0][1].n_layer; il++)
        ck_assert_int_eq(own[0][1].layer[il].rows, own[0][1].layer[il].window > 0 ? m->hp.n_swa + N_BATCH - 1 : N_CTX);
    int32_t tok[MS][N_BATCH];
    srand(11);
    for (int step = 0; step < 70; step++) {
        fwd_seq seq[2][MS];
        int64_t n[MS];
        for (int s = 0; s < MS; s++) {
            n[s] = step == 0 ? 3 + 2 * s : 1 + (step + s) % 3;
            for (int64_t t = 0; t < n[s]; t++)
                tok[s][t] = rand() % 128;
        }
        if (step == 40) { /* sequence 1 undoes its last 4 positions (at most keep) */
            for (int w = 0; w < 2; w++) {
                kv_cache *kv = &own[w][1];
                ck_assert_int_eq(kv_rollback(kv, kv->n - 4, &err), TOLK_OK);
            }
        }
        for (int w = 0; w < 2; w++) {
            int64_t row = 0;
            for (int s = 0; s < MS; s++) {
                seq[w][s] = (fwd_seq){.kv = s ? &own[w][s] : fwd_kv(ctx[w]), .tok = tok[s], .n = n[s],
                                      .logits_from = 0, .logits = lg[w] + row * nv};
                row += n[s];
            }
            ck_assert_msg(fwd_eval_multi(ctx[w], seq[w], MS, &err) == TOLK_OK, "%s", err.msg);
        }
        int64_t rows = 0;
        for (int s = 0; s < MS; s++)
            rows += n[s];
        ck_assert_msg(!memcmp(lg[0], lg[1], sizeof(float) * (size_t)(rows * nv)),
                      "%s: fwd_eval_multi step %d differs from the full caches", arch, step);
    }
    ck_assert_int_gt(fwd_kv(ctx[0])->n, 2 * (m->hp.n_swa + N_BATCH));
    for (int w = 0; w < 2; w++) {
        for (int s = 1; s < MS; s++)
            kv_free(&own[w][s]);
        free(lg[w]);
    }
}

static const char *archs[] = {"gemma3", "gemma2", "gemma4"};

START_TEST(ring_equals_full_f16)
{
    check_arch(archs[_i], TOLK_TYPE_F16);
}
END_TEST

START_TEST(ring_equals_full_q8_0)
{
    check_arch(archs[_i], TOLK_TYPE_Q8_0);
}
END_TEST

/* The default model (gemma3 270M, Q4_K weights, window 512): 1280 positions in passes of 64 with
 * a ring of 512 + 63 rows (two wraps) against the full cache, then token by token, a rollback of
 * one pass and a verification pass; the Q8_0 cache batched. */
static char model_path[4096];

START_TEST(default_model)
{
    tolk_model *m;
    tolk_error err = {0};
    ck_assert_msg(model_open(model_path, &m, &err) == TOLK_OK, "%s", err.msg);
    enum { NB = 64, NT = 1280 };
    const int64_t nv = m->hp.n_vocab;
    int32_t *tok = malloc(sizeof *tok * NT);
    ck_assert_ptr_nonnull(tok);
    srand(3);
    for (int i = 0; i < NT; i++)
        tok[i] = 1000 + rand() % (int)(nv - 2000);
    for (int q8 = 0; q8 <= 1; q8++) {
        fwd_ctx *c[2];
        for (int w = 0; w < 2; w++) {
            fwd_params p = {.n_ctx = 2048, .n_batch = NB, .n_logits = NB, .n_threads = 2,
                            .kv_type = q8 ? TOLK_TYPE_Q8_0 : TOLK_TYPE_F16, .kv_keep = w ? -1 : NB};
            ck_assert_msg(fwd_create(m, &p, &c[w], &err) == TOLK_OK, "%s", err.msg);
        }
        ck_assert_int_eq(fwd_kv(c[0])->layer[0].rows, m->hp.n_swa + NB - 1);
        ck_assert_uint_lt(2 * fwd_kv_bytes(c[0]), fwd_kv_bytes(c[1]));
        const char *what = q8 ? "default model, q8_0" : "default model";
        for (int64_t at = 0; at < NT - NB; at += NB) {
            eval(c[0], tok + at, NB, 0);
            eval(c[1], tok + at, NB, 0);
            same_logits(c[0], c[1], NB, what, at);
        }
        if (!q8) {
            for (int64_t at = NT - NB; at < NT; at++) {
                eval(c[0], tok + at, 1, 0);
                eval(c[1], tok + at, 1, 0);
                same_logits(c[0], c[1], 1, what, at);
            }
            for (int w = 0; w < 2; w++) {
                ck_assert_int_eq(fwd_rollback(c[w], NT - NB, &err), TOLK_OK);
                fwd_set_rowwise(c[w], 8);
            }
            eval(c[0], tok, 8, 0);
            eval(c[1], tok, 8, 0);
            same_logits(c[0], c[1], 8, what, NT - NB);
        }
        fwd_free(c[0]);
        fwd_free(c[1]);
    }
    free(tok);
    model_close(m);
}
END_TEST

int main(void)
{
    test_isa_from_env();
    if (scratch_dir(tmpdir, sizeof tmpdir, "test_kv_ring"))
        return 1;
    Suite *s = suite_create("kv_ring");
    TCase *tc = tcase_create("ring");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, ring_bookkeeping);
    tcase_add_loop_test(tc, ring_equals_full_f16, 0, (int)(sizeof archs / sizeof archs[0]));
    tcase_add_loop_test(tc, ring_equals_full_q8_0, 0, (int)(sizeof archs / sizeof archs[0]));
    suite_add_tcase(s, tc);
    TCase *real = tcase_create("default_model");
    tcase_set_tags(real, "slow");
    tcase_set_timeout(real, 1800);
    add_test_or_skip(real, default_model, need_default_model(model_path, sizeof model_path));
    suite_add_tcase(s, real);
    int failed = suite_failures(s, false);
    rmdir(tmpdir);
    return skip_exit(failed);
}
