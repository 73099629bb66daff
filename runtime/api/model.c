/* The public model calls (tolk.h): loading (runnable or vocabulary only, with the weights warmed
 * in the background unless tolk_set_prefetch(0)), freeing and describing a model. Loading only the
 * metadata is in meta.c. */
#include <stdatomic.h>
#include <string.h>

#include "error.h"
#include "gguf.h"
#include "model.h"
#include "tolk.h"

/* NULL out or path: an error, not a crash. */
static int check_load_args(const char *path, tolk_model **out, tolk_error *err)
{
    if (!out)
        return error_set(err, TOLK_E_ARG, "no place for the model");
    *out = NULL;
    if (!path || !*path)
        return error_set(err, TOLK_E_ARG, "no model path given");
    return TOLK_OK;
}

static atomic_int prefetch_on = 1;

void tolk_set_prefetch(int on)
{
    atomic_store(&prefetch_on, on != 0);
}

int tolk_model_load(const char *path, tolk_model **out, tolk_error *err)
{
    int rc = check_load_args(path, out, err);
    return rc ? rc : model_load(path, atomic_load(&prefetch_on) != 0, out, err);
}

int tolk_model_load_vocab(const char *path, tolk_model **out, tolk_error *err)
{
    int rc = check_load_args(path, out, err);
    return rc ? rc : model_load_vocab(path, out, err);
}

void tolk_model_free(tolk_model *m)
{
    model_close(m);
}

const char *tolk_model_arch(const tolk_model *m)
{
    return m->arch ? m->arch->name : m->vocab ? "(vocabulary only)" : "(metadata only)";
}

const char *tolk_model_desc(const tolk_model *m)
{
    gguf_str s;
    if (gguf_get_str(m->file, "general.name", &s) && s.len && s.len < sizeof m->desc) {
        memcpy((char *)m->desc, s.ptr, s.len);
        ((char *)m->desc)[s.len] = '\0';
        return m->desc;
    }
    const char *p = strrchr(gguf_path(m->file), '/');
    return p ? p + 1 : gguf_path(m->file);
}

int64_t tolk_model_n_params(const tolk_model *m)
{
    return model_n_params(m);
}

uint64_t tolk_model_size(const tolk_model *m)
{
    return model_bytes(m);
}
