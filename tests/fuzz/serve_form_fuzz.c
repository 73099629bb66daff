/* libFuzzer harness for the form / query-string decoder of `tolk serve` (serve/serve_form.c), the
 * multipart/form-data parser (serve/serve_multipart.c), the language-code mapping the decoded
 * fields go through (serve/serve_lang.c), the language identification of the texts
 * (serve/serve_detect.c) and the markup lexer (serve/serve_markup.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "serve_detect.h"
#include "serve_form.h"
#include "serve_lang.h"
#include "serve_markup.h"

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
    /* The same bytes as a multipart body; its boundary comes from the first line when there is one. */
    char ct[128] = "multipart/form-data; boundary=XyZ";
    const uint8_t *nl = memchr(data, '\n', size < 80 ? size : 80);
    if (nl && nl > data + 2 && data[0] == '-' && data[1] == '-') {
        size_t bl = (size_t)(nl - data) - 2 - (nl[-1] == '\r');
        memcpy(ct + 30, data + 2, bl);
        ct[30 + bl] = '\0';
    }
    if (sf_parse_multipart((const char *)data, size, ct, &f, err, sizeof err) == 0)
        sf_free(&f);
    sd_guess g[3];
    (void)sd_detect((const char *)data, size, g, 3);
    static const char *const ignore[] = {"x", "code"};
    sm_piece pieces[64];
    long n = sm_split((const char *)data, size, ignore, 2, size % 2, pieces, 64);
    for (long i = 0; i < n; i++)
        if (pieces[i].start + pieces[i].len > size)
            __builtin_trap();
    (void)sm_same_tags((const char *)data, size / 2, (const char *)data + size / 2, size - size / 2);
    return 0;
}
