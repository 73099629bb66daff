/* libFuzzer harness for the JSON parser of `tolk serve` (serve/serve_json.c): any bytes must be
 * parsed or refused without a crash, leak or undefined behaviour; accepted values are walked. */
#include <stddef.h>
#include <stdint.h>

#include "serve_json.h"

static size_t walk(const sj_val *v)
{
    size_t n = 1;
    if (v->type == SJ_ARR || v->type == SJ_OBJ)
        for (size_t i = 0; i < v->n; i++)
            n += walk(&v->items[i]) + (v->type == SJ_OBJ ? v->key_lens[i] : 0);
    return n + (v->type == SJ_STR ? v->len : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sj_val *v = NULL;
    char err[256];
    if (sj_parse((const char *)data, size, &v, err, sizeof err) == 0) {
        (void)walk(v);
        long long i;
        (void)sj_int(sj_get(v, "max_tokens"), 0, 1 << 20, &i);
        sj_free(v);
    }
    return 0;
}
