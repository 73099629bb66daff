/* libFuzzer entry point for the tokenizer's text side: any bytes, encoded with any flags by every
 * kind of vocabulary (gemma4's raw-UTF-8 BPE from tests/fixtures/gemma4_vocab.gguf, and the
 * SentencePiece and byte-level BPE files of $TOLK_TESTDATA/tokenizer when present), must give ids
 * inside the vocabulary that decode (whole and streamed) without a crash, leak or hang.
 * Built and run by tests/fuzz/run_tok_fuzz.sh (TOLK_FUZZ_VOCABS lists the GGUF files). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "tokenizer.h"

enum { MAX_VOCABS = 8 };
static tok_vocab *vocabs[MAX_VOCABS];
static size_t n_vocabs;
static volatile size_t sink;

static void load_vocabs(void)
{
    const char *list = getenv("TOLK_FUZZ_VOCABS");
    if (!list) {
        fprintf(stderr, "tok_fuzz: set TOLK_FUZZ_VOCABS to a ':'-separated list of GGUF files\n");
        abort();
    }
    char *copy = strdup(list);
    for (char *p = strtok(copy, ":"); p && n_vocabs < MAX_VOCABS; p = strtok(NULL, ":")) {
        tolk_error err = {0};
        gguf_file *f = gguf_open(p, &err);
        if (!f || tok_vocab_load(f, &vocabs[n_vocabs], &err)) {
            fprintf(stderr, "tok_fuzz: %s: %s\n", p, err.msg);
            abort();
        }
        gguf_close(f);
        n_vocabs++;
    }
    free(copy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The vocabularies load once before the first input (under ASan the 262k-token one takes seconds:
 * inside the first input it counted against libFuzzer's per-input timeout on a busy machine). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    load_vocabs();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* first byte: the vocabulary and the flags; second: where the template span ends */
    const tok_vocab *v = vocabs[data[0] % n_vocabs];
    unsigned flags = (data[0] >> 4) & (TOK_ADD_BOS | TOK_ADD_EOS | TOK_PARSE_SPECIAL);
    const char *text = (const char *)data + 2;
    size_t len = size - 2, cut = data[1] < len ? data[1] : len;
    tok_ids t = {0};
    tolk_error err = {0};
    if (tok_encode(v, text, len, flags, &t, &err) == TOLK_OK) {
        for (size_t i = 0; i < t.n; i++)
            if (t.ids[i] < 0 || t.ids[i] >= tok_n_tokens(v))
                abort();
        char *out;
        size_t out_len;
        if (tok_decode(v, t.ids, t.n, TOK_DECODE_SPECIAL, &out, &out_len, &err) == TOLK_OK) {
            sink += out_len;
            free(out);
        }
        tok_stream s;
        if (tok_stream_init(&s, v, 0, &err) == TOLK_OK) {
            const char *p;
            size_t n;
            for (size_t i = 0; i < t.n; i++) {
                tok_stream_feed(&s, t.ids[i], &p, &n);
                sink += n;
            }
            tok_stream_flush(&s, &p, &n);
            sink += n;
            tok_stream_free(&s);
        }
    }
    tok_ids_free(&t);
    /* the same text as a template span followed by a user span */
    tok_span spans[2] = {{text, cut, true}, {text + cut, len - cut, false}};
    if (tok_encode_spans(v, spans, 2, flags, &t, &err) == TOLK_OK)
        for (size_t i = 0; i < t.n; i++)
            if (t.ids[i] < 0 || t.ids[i] >= tok_n_tokens(v))
                abort();
    tok_ids_free(&t);
    return 0;
}
