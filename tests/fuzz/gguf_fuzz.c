/* libFuzzer entry point for the GGUF parser: any byte string must either load (and then every
 * accessor must stay inside the buffer) or be rejected with a message; never crash or hang.
 * Built and run by tests/fuzz/run_fuzz.sh with clang -fsanitize=fuzzer,address,undefined. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gguf.h"

static volatile uint64_t sink;

static void touch_value(const gguf_value *v)
{
    if (v->type == GGUF_TYPE_STRING && v->v.s.len)
        sink += (uint8_t)v->v.s.ptr[v->v.s.len - 1];
    if (v->type != GGUF_TYPE_ARRAY)
        return;
    const gguf_array *a = &v->v.a;
    for (uint64_t i = 0; i < a->n; i++) {
        if (a->type == GGUF_TYPE_STRING) {
            if (a->strs[i].len)
                sink += (uint8_t)a->strs[i].ptr[a->strs[i].len - 1];
        } else if (a->type == GGUF_TYPE_ARRAY) {
            touch_value(&a->items[i]);
        } else {
            sink += (uint64_t)gguf_arr_int(a, i);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tolk_error err;
    gguf_file *f = gguf_open_memory(data, size, "fuzz", &err);
    if (!f) {
        sink += strlen(err.msg);
        return 0;
    }
    for (uint64_t i = 0; i < gguf_kv_count(f); i++)
        touch_value(&gguf_kv_at(f, i)->value);
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        if (t->nbytes)
            sink += ((const uint8_t *)t->data)[t->nbytes - 1];
        sink += gguf_find_tensor(f, t->name) == t;
    }
    gguf_close(f);
    return 0;
}
