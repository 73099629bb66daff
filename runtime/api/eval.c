/* The public evaluation calls (tolk.h): a tolk_context is a forward context (KV cache, buffers)
 * over a model, fed token ids and read back as logits, with nothing else attached. */
#include <stdlib.h>

#include "error.h"
#include "forward.h"
#include "simd.h"
#include "tolk.h"

struct tolk_context {
    fwd_ctx *fwd;
    int n_rows; /* logits rows of the last successful tolk_decode */
};

void tolk_context_params_default(tolk_context_params *p)
{
    if (p)
        *p = (tolk_context_params){0};
}

int tolk_context_new(const tolk_model *m, const tolk_context_params *p, tolk_context **out, tolk_error *err)
{
    if (!out)
        return error_set(err, TOLK_E_ARG, "tolk_context_new: no place for the context");
    *out = NULL;
    if (!m)
        return error_set(err, TOLK_E_ARG, "tolk_context_new: no model");
    if (!m->arch)
        return error_set(err, TOLK_E_ARG, "%s was loaded without its weights (vocabulary or metadata only) and "
                         "cannot run", gguf_path(m->file));
    tolk_context_params d;
    tolk_context_params_default(&d);
    if (!p)
        p = &d;
    if (p->n_ctx < 0 || p->n_batch < 0 || p->n_logits < 0 || p->n_threads < 0 || p->kv_q8 < 0 || p->kv_q8 > 1)
        return error_set(err, TOLK_E_ARG, "tolk_context_new: negative size or thread count, or kv_q8 not 0/1");
    tolk_context *c = calloc(1, sizeof *c);
    if (!c)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    const fwd_params fp = {.n_ctx = p->n_ctx, .n_batch = p->n_batch, .n_logits = p->n_logits,
                           .kv_type = p->kv_q8 ? TOLK_TYPE_Q8_0 : TOLK_TYPE_F16, .n_threads = p->n_threads};
    int rc = fwd_create(m, &fp, &c->fwd, err);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return TOLK_OK;
}

int64_t tolk_model_kv_bytes(const tolk_model *m, int n_ctx, int kv_q8)
{
    if (!m || !m->arch || n_ctx < 0)
        return -1;
    const fwd_params fp = {.n_ctx = n_ctx, .kv_type = kv_q8 ? TOLK_TYPE_Q8_0 : TOLK_TYPE_F16};
    const size_t bytes = fwd_kv_bytes_for(m, &fp);
    return bytes ? (int64_t)bytes : -1;
}

void tolk_context_free(tolk_context *c)
{
    if (!c)
        return;
    fwd_free(c->fwd);
    free(c);
}

int tolk_decode(tolk_context *c, const int32_t *tokens, int n, int logits_from, tolk_error *err)
{
    if (!c)
        return error_set(err, TOLK_E_ARG, "tolk_decode: no context");
    if (!tokens || n < 1)
        return error_set(err, TOLK_E_ARG, "tolk_decode: no tokens");
    if (logits_from < 0 || logits_from > n)
        return error_set(err, TOLK_E_ARG, "tolk_decode: logits_from %d is outside 0..%d", logits_from, n);
    c->n_rows = 0;
    int rc = fwd_eval(c->fwd, tokens, n, logits_from, err);
    if (!rc)
        c->n_rows = n - logits_from;
    return rc;
}

const float *tolk_get_logits(const tolk_context *c, int i)
{
    return c && i >= 0 && i < c->n_rows ? fwd_logits(c->fwd, i) : NULL;
}

int tolk_context_n_past(const tolk_context *c)
{
    return c ? (int)fwd_pos(c->fwd) : 0;
}

int tolk_context_n_ctx(const tolk_context *c)
{
    return c ? (int)fwd_n_ctx(c->fwd) : 0;
}

int tolk_context_n_vocab(const tolk_context *c)
{
    return c ? (int)fwd_n_vocab(c->fwd) : 0;
}

int tolk_context_rollback(tolk_context *c, int n_keep, tolk_error *err)
{
    if (!c)
        return error_set(err, TOLK_E_ARG, "tolk_context_rollback: no context");
    if (n_keep < 0 || n_keep > fwd_pos(c->fwd))
        return error_set(err, TOLK_E_ARG, "tolk_context_rollback: %d is outside 0..%lld", n_keep,
                         (long long)fwd_pos(c->fwd));
    c->n_rows = 0;
    return fwd_rollback(c->fwd, n_keep, err);
}
