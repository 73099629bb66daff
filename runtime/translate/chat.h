/* Translation prompts in each model family's chat format (Gemma 3, Qwen 2.5, Qwen 3 with thinking
 * off, Llama 3), or from a user's template file, and the language names they mention. Rendered
 * prompts keep template text and user text apart, so markers such as <end_of_turn> typed by the
 * user stay plain text while the template's own markers become control tokens.
 *
 * Template format (built-in templates and `--template FILE` alike): the file's bytes are the
 * prompt, taken verbatim (a final newline is part of it), with these placeholders:
 *   {text}  the text to translate (required, exactly once)
 *   {tgt}   target language name, e.g. "German"
 *   {src}   source language name, or "the source language" when none was given
 *   {from}  " from " + source language name, or nothing when none was given
 *   {label} source language name, or "Text" when none was given (for "English: ..." lines)
 *   {bos}   the vocabulary's beginning-of-sequence token. When the template has no {bos} and the
 *           vocabulary asks for one (tokenizer.ggml.add_bos_token), it is put first anyway.
 *   {{      a literal "{"
 * Special-token texts written in the template (<start_of_turn>, <|im_end|>, ...) become those
 * tokens; everything substituted for a placeholder other than {bos} is tokenized as plain text.
 * Generation stops at the vocabulary's end-of-generation tokens (tok_is_eog). */
#ifndef TOLK_CHAT_H
#define TOLK_CHAT_H

#include <stdbool.h>
#include <stddef.h>

#include "tokenizer.h"

typedef enum chat_family {
    CHAT_GEMMA3,
    CHAT_QWEN25,
    CHAT_QWEN3,
    CHAT_LLAMA3,
    CHAT_BASE, /* pre-trained (not instruction-tuned) models: a completion-style prompt */
    CHAT_CUSTOM
} chat_family;

typedef struct chat_template chat_template;

/* Chooses the built-in template from tokenizer.chat_template (substrings such as <start_of_turn>,
 * <|im_start|> with or without <think>, <|start_header_id|>). A file without a chat template is a
 * pre-trained model (instruction-tuned GGUFs carry their template): it gets CHAT_BASE. An
 * unrecognised template falls back to ARCH (general.architecture, may be NULL), then to the
 * vocabulary's marker tokens. Fails with
 * TOLK_E_UNSUPPORTED when none fits or when the markers the template needs are not control
 * tokens of the vocabulary. */
int chat_template_detect(const tok_vocab *v, const char *arch, chat_template **out,
                         tolk_error *err);

/* The built-in template of FAMILY (not CHAT_CUSTOM). */
int chat_template_builtin(chat_family family, chat_template **out, tolk_error *err);

/* A custom template from TEXT[0..len) (NAME is used in messages) or from the file at PATH. */
int chat_template_parse(const char *text, size_t len, const char *name, chat_template **out,
                        tolk_error *err);
int chat_template_load(const char *path, chat_template **out, tolk_error *err);

void chat_template_free(chat_template *t);
chat_family chat_template_family(const chat_template *t);
/* True when the translation is one line that ends at the first newline (the base-model template:
 * its continuation would be the next "Language:" line), so multi-line text goes line by line. */
bool chat_template_single_line(const chat_template *t);
/* "gemma3", "qwen2.5", "qwen3", "llama3", "base" or "custom". */
const char *chat_family_name(chat_family f);

/* A rendered prompt: TEXT is exactly what --show-prompt prints; SPANS cover TEXT in order and
 * say which parts may contain special tokens. END_MARKER is the control token the template puts
 * right after {text} (the end of a turn: <end_of_turn>, <|im_end|>, <|eot_id|>), or -1: the model
 * ends its own turn with it, so generation stops there as well as at tok_is_eog tokens. */
typedef struct chat_prompt {
    char *text;
    size_t len;
    tok_span *spans;
    size_t n_spans;
    int32_t end_marker;
} chat_prompt;

/* Renders a translation prompt. SRC may be NULL (unknown source language); SRC and TGT are
 * display names as returned by lang_resolve. */
int chat_render(const chat_template *t, const tok_vocab *v, const char *src, const char *tgt,
                const char *text, size_t text_len, chat_prompt *out, tolk_error *err);

/* Token ids of a rendered prompt (the BOS, when wanted, is already in the text). */
int chat_tokenize(const tok_vocab *v, const chat_prompt *p, tok_ids *out, tolk_error *err);

void chat_prompt_free(chat_prompt *p);

/* Language names: an ISO 639-1 code ("de", "DE"), a code with a region ("pt-BR", "zh_TW"), an
 * English name ("German", "german", "Castilian") or the native name of a common language
 * ("Deutsch", "日本語") → the English name used in prompts ("German", "Brazilian Portuguese",
 * "Traditional Chinese", "Spanish"). Unknown input fails with TOLK_E_ARG and a message saying
 * what is accepted. The returned string is static. */
int lang_resolve(const char *in, const char **name, tolk_error *err);

#endif
