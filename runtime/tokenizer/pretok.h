/* Pre-tokenizers of byte-level BPE vocabularies: hand-written matchers equivalent to the regex
 * lists llama.cpp uses for each tokenizer.ggml.pre family (docs/TOKENIZERS.md), over code points
 * classified by the generated Unicode tables. */
#ifndef TOLK_PRETOK_H
#define TOLK_PRETOK_H

#include <stddef.h>
#include <stdint.h>

#include "tokenizer.h"

/* Receives one piece cpts[start, end); a non-zero return stops the split and is passed back. */
typedef int (*pretok_emit_fn)(void *ctx, size_t start, size_t end);

/* Splits cpts[0..n) into pieces for PRE (TOK_PRE_DEFAULT, _GPT2, _LLAMA3, _QWEN2 or _GEMMA4), in order,
 * covering every code point exactly once. */
int pretok_split(enum tok_pre pre, const uint32_t *cpts, size_t n, pretok_emit_fn emit, void *ctx);

#endif
