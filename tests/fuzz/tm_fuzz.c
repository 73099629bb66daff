/* libFuzzer harness for the translation memory's and the glossaries' readers: the first byte picks
 * the reader (TMX import into an in-memory TM, then a lookup and an export; tab-separated, CSV or
 * TBX glossary, then a term search), the rest is the file. Any bytes must be read or refused with
 * a message, without a crash, leak or undefined behaviour. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "glossary.h"
#include "tm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_tmx(const uint8_t *data, size_t size)
{
    int fd = memfd_create("tmx", 0);
    if (fd < 0)
        return;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    tm_db *db = NULL;
    tolk_error err = {0};
    if (tm_open(":memory:", TM_WRITE, &db, &err) == TOLK_OK) {
        tm_import_stats st;
        if (tm_import_tmx(db, path, &st, &err) != TOLK_OK && !err.msg[0])
            abort(); /* a refusal always says why */
        tm_hit hits[2];
        int n = 0;
        if (tm_lookup(db, NULL, "de", "Press the button to begin.", 26, 50, hits, 2, &n, &err) == TOLK_OK)
            for (int i = 0; i < n; i++)
                tm_hit_free(&hits[i]);
        int64_t written = 0;
        if (tm_export_tmx(db, "/dev/null", NULL, NULL, &written, &err) == TOLK_OK && written != st.added)
            abort();
        tm_close(db);
    }
    close(fd);
}

static void fuzz_glossary(int format, const uint8_t *data, size_t size)
{
    glossary *g = NULL;
    tolk_error err = {0};
    if (glossary_parse((const char *)data, size, format, "fuzz", "en", "de", &g, &err) != TOLK_OK) {
        if (!err.msg[0] || strchr(err.msg, '\n'))
            abort(); /* one line, always */
        return;
    }
    /* search the glossary's own bytes and a fixed sentence */
    gloss_hit *hits = NULL;
    int n = 0;
    if (glossary_find(g, (const char *)data, size, &hits, &n, &err) == TOLK_OK) {
        for (int i = 0; i < n; i++)
            if (hits[i].end > size || hits[i].start >= hits[i].end ||
                glossary_contains(g, hits[i].target, (const char *)data, size) < 0)
                abort();
        free(hits);
    }
    glossary_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 4) {
    case 0:
        fuzz_tmx(data + 1, size - 1);
        break;
    case 1:
        fuzz_glossary('t', data + 1, size - 1);
        break;
    case 2:
        fuzz_glossary('c', data + 1, size - 1);
        break;
    default:
        fuzz_glossary('x', data + 1, size - 1);
        break;
    }
    return 0;
}
