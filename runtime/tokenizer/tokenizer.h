/* Tokenizer built from a GGUF vocabulary: SentencePiece-style BPE by score with byte fallback
 * (tokenizer.ggml.model "llama"), GPT-2 byte-level BPE with merge ranks and pre-tokenizers
 * ("gpt2"), and BPE by merge rank over raw UTF-8 with ▁ for spaces and <0xXX> byte tokens
 * ("gemma4"). Special tokens are matched only where the caller allows them, so text a user typed
 * can never turn into control tokens. Rules and key names: docs/TOKENIZERS.md. */
#ifndef TOLK_TOKENIZER_H
#define TOLK_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "tolk.h"

/* Token types as stored in tokenizer.ggml.token_type. */
enum tok_type {
    TOK_TYPE_UNDEFINED = 0,
    TOK_TYPE_NORMAL = 1,
    TOK_TYPE_UNKNOWN = 2,
    TOK_TYPE_CONTROL = 3,
    TOK_TYPE_USER_DEFINED = 4,
    TOK_TYPE_UNUSED = 5,
    TOK_TYPE_BYTE = 6
};

enum tok_model { TOK_MODEL_SPM, TOK_MODEL_BPE };

/* Pre-tokenizer families (each covers the tokenizer.ggml.pre aliases listed in tokenizer.c). */
enum tok_pre {
    TOK_PRE_NONE,
    TOK_PRE_DEFAULT,
    TOK_PRE_GPT2,
    TOK_PRE_LLAMA3,
    TOK_PRE_QWEN2,
    TOK_PRE_GEMMA4 /* tokenizer.ggml.model "gemma4": newline runs vs the rest, raw UTF-8 merges */
};

typedef struct tok_vocab tok_vocab;

/* Builds the tokenizer from the tokenizer.* keys of F (vocab-only files work). Everything is
 * copied, so F may be closed afterwards. Unknown models or pre-tokenizers fail with
 * TOLK_E_UNSUPPORTED naming them; inconsistent arrays fail with TOLK_E_FORMAT. */
int tok_vocab_load(const gguf_file *f, tok_vocab **out, tolk_error *err);
void tok_vocab_free(tok_vocab *v);

/* Vocabulary facts. Ids are int32_t; -1 means "none". */
int32_t tok_n_tokens(const tok_vocab *v);
enum tok_model tok_model(const tok_vocab *v);
enum tok_pre tok_pre(const tok_vocab *v);
const char *tok_model_name(const tok_vocab *v); /* "llama", "gpt2" or "gemma4" as in the file */
/* tokenizer.ggml.pre, or "" when absent; "gemma4" for every gemma4 vocabulary (its pre is ignored) */
const char *tok_pre_name(const tok_vocab *v);
/* The family of splitting rules this vocabulary is tokenized with ("qwen2", "llama-bpe", ...;
 * "none" for SentencePiece), which an alias in tokenizer.ggml.pre or its absence resolves to. */
const char *tok_pre_rules(const tok_vocab *v);
int32_t tok_bos(const tok_vocab *v);
int32_t tok_eos(const tok_vocab *v);
int32_t tok_eot(const tok_vocab *v);
bool tok_wants_bos(const tok_vocab *v); /* add_bos_token from the file or the model default */
bool tok_wants_eos(const tok_vocab *v);
bool tok_add_space_prefix(const tok_vocab *v);
enum tok_type tok_token_type(const tok_vocab *v, int32_t id); /* after forcing EOG names to control */
float tok_score(const tok_vocab *v, int32_t id);
/* End of generation: eos, eot, eom and the end-marker names (<end_of_turn>, <|im_end|>, ...). */
bool tok_is_eog(const tok_vocab *v, int32_t id);
/* The vocabulary text of a token exactly as stored (e.g. "▁Hello", "Ġworld"); NULL for bad ids. */
const char *tok_text(const tok_vocab *v, int32_t id, size_t *len);
/* Id of the token whose vocabulary text is exactly s[0..len), or -1. */
int32_t tok_find(const tok_vocab *v, const char *s, size_t len);
/* tokenizer.chat_template as a C string, or NULL when the file has none. */
const char *tok_chat_template(const tok_vocab *v);

/* A growable id list; zero-initialise it, and free it with tok_ids_free. */
typedef struct tok_ids {
    int32_t *ids;
    size_t n, cap;
} tok_ids;

int tok_ids_push(tok_ids *t, int32_t id, tolk_error *err);
void tok_ids_free(tok_ids *t);

/* Encoding flags. Without TOK_PARSE_SPECIAL only user-defined tokens are matched in the text;
 * control and unknown token texts stay plain text (what user input needs). */
enum {
    TOK_ADD_BOS = 1 << 0,      /* prepend bos when the vocabulary has one */
    TOK_ADD_EOS = 1 << 1,      /* append eos when the vocabulary has one */
    TOK_PARSE_SPECIAL = 1 << 2 /* match control and unknown token texts too */
};

/* Appends the tokens of text[0..len) to OUT (byte for byte, invalid UTF-8 allowed). */
int tok_encode(const tok_vocab *v, const char *text, size_t len, unsigned flags, tok_ids *out,
               tolk_error *err);

/* One piece of a prompt: parse_special marks template-owned text whose control-token texts become
 * control tokens; user text has parse_special = false. */
typedef struct tok_span {
    const char *text;
    size_t len;
    bool parse_special;
} tok_span;

/* Tokenizes the concatenation of SPANS as one text (so merges work across span borders exactly as
 * for the rendered string) while matching control tokens only inside parse_special spans.
 * FLAGS: TOK_ADD_BOS / TOK_ADD_EOS (TOK_PARSE_SPECIAL is ignored here). */
int tok_encode_spans(const tok_vocab *v, const tok_span *spans, size_t n_spans, unsigned flags,
                     tok_ids *out, tolk_error *err);

/* Decoding flags. */
enum {
    TOK_DECODE_SPECIAL = 1 << 0,     /* emit the text of control and unknown tokens */
    TOK_DECODE_STRIP_PREFIX = 1 << 1 /* SPM with add_space_prefix: drop the first leading space */
};

/* The bytes a token stands for (▁ → space, byte tokens → one raw byte, byte-level BPE mapping
 * undone), pointing into the vocabulary; *len = 0 for control/unknown tokens without
 * TOK_DECODE_SPECIAL and for bad ids. */
const char *tok_piece(const tok_vocab *v, int32_t id, unsigned flags, size_t *len);

/* Decodes a whole id list into a malloc'd NUL-terminated buffer (*out, *len). */
int tok_decode(const tok_vocab *v, const int32_t *ids, size_t n, unsigned flags, char **out,
               size_t *len, tolk_error *err);

/* Streaming detokenizer for generation: returns only bytes that end on a UTF-8 character boundary
 * and holds back an incomplete trailing sequence until the next token completes it (invalid bytes
 * are passed through once nothing can complete them). */
typedef struct tok_stream {
    const tok_vocab *v;
    unsigned flags;
    bool started;
    char pending[4]; /* start of a character the next token should complete */
    size_t held;     /* bytes in pending (at most 3) */
    char *buf;       /* the bytes returned by the last call */
    size_t cap;
} tok_stream;

int tok_stream_init(tok_stream *s, const tok_vocab *v, unsigned flags, tolk_error *err);
/* Feeds one token; *text and *len receive the bytes ready to print (valid until the next call). */
void tok_stream_feed(tok_stream *s, int32_t id, const char **text, size_t *len);
/* Returns whatever is still held back (an unfinished sequence at the end of generation). */
void tok_stream_flush(tok_stream *s, const char **text, size_t *len);
void tok_stream_free(tok_stream *s);

#endif
