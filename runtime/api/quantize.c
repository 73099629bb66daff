/* The public quantization call (tolk.h): the file type by name, then runtime/quantize/'s file
 * rewrite with llama-quantize's per-tensor choices. */
#include <stddef.h>

#include "error.h"
#include "quant_mix.h"
#include "tolk.h"

const char *tolk_quantize_types(void)
{
    return qmix_ftype_list();
}

int tolk_model_quantize(const char *in_path, const char *out_path, const char *type, tolk_quantize_stats *st,
                        tolk_error *err)
{
    if (st)
        *st = (tolk_quantize_stats){0};
    if (!type || !*type)
        return error_set(err, TOLK_E_ARG, "no file type given (one of %s)", qmix_ftype_list());
    const qmix_ftype *ft = qmix_ftype_find(type);
    if (!ft)
        return error_set(err, TOLK_E_ARG, "unknown type '%s' (one of %s)", type, qmix_ftype_list());
    if (!in_path || !*in_path || !out_path || !*out_path)
        return error_set(err, TOLK_E_ARG, "tolk_model_quantize: %s path missing", in_path && *in_path ? "output" : "input");
    qmix_stats qs;
    int rc = qmix_quantize_file(in_path, out_path, ft, &qs, err);
    if (!rc && st)
        *st = (tolk_quantize_stats){.type = ft->name, .n_tensors = qs.n_tensors, .n_converted = qs.n_converted,
                                    .bytes_in = qs.bytes_in, .bytes_out = qs.bytes_out};
    return rc;
}
