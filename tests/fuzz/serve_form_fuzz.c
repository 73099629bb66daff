/* libFuzzer harness for the form / query-string decoder of `tolk serve` (serve/serve_form.c) and
 * the language-code mapping the decoded fields go through (serve/serve_lang.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "serve_form.h"
#include "serve_lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sf_form f;
    char err[256];
    if (sf_parse((const char *)data, size, &f, err, sizeof err) == 0) {
        for (size_t i = 0; i < f.n; i++) {
            char out[32];
            if (sl_normalize(f.pairs[i].val, out, sizeof out) == 0)
                sl_to_deepl(out, out, sizeof out);
            (void)sl_from_apertium(f.pairs[i].val, out, sizeof out);
            (void)sl_find(f.pairs[i].key);
        }
        (void)sf_get(&f, "q", 1);
        (void)sf_count(&f, "text");
        sf_free(&f);
    }
    return 0;
}
