/* Replays the checked-in GGUF corpus through the parser (make check, no fuzzing engine needed):
 * files named ok-* must load; every other file must be rejected with a message. Also serves as
 * a standalone driver for crashes found by the fuzzer: gguf_replay FILE... */
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "gguf.h"

int main(int argc, char **argv)
{
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        tolk_error err = {0};
        gguf_file *f = gguf_open(argv[i], &err);
        char name[4096];
        snprintf(name, sizeof name, "%s", argv[i]);
        int want_ok = !strncmp(basename(name), "ok-", 3);
        if (f && !want_ok) {
            fprintf(stderr, "FAIL %s: accepted a malformed file\n", argv[i]);
            bad++;
        } else if (!f && want_ok) {
            fprintf(stderr, "FAIL %s: rejected a valid file: %s\n", argv[i], err.msg);
            bad++;
        } else if (!f && !err.msg[0]) {
            fprintf(stderr, "FAIL %s: rejected without a message\n", argv[i]);
            bad++;
        }
        gguf_close(f);
    }
    printf("%d passed, %d failed\n", argc - 1 - bad, bad);
    return bad ? 1 : 0;
}
