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
 *   {src_code} {tgt_code}  language codes ("en", "pt-BR"; "auto" for an unknown source)
 *   {tgt_zh} the target's Chinese name (Hunyuan-MT's instruction), else its English name
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
    /* Translation models with prompts of their own (docs/PROMPTS.md), recognised from general.name /
     * general.basename (or the architecture) before the chat-template families above: */
    CHAT_HUNYUAN_MT,     /* Hunyuan-MT-7B / Chimera, hunyuan-dense: <｜hy_User｜>...<｜hy_Assistant｜> */
    CHAT_HUNYUAN_MT_OLD, /* the same prompt in <|startoftext|>...<|extra_0|> turns */
    CHAT_TRANSLATEGEMMA, /* TranslateGemma (gemma3): the model card's language-code prompt */
    CHAT_TOWER,          /* Tower+ (gemma2 turns): "Translate the following SRC source text to TGT" */
    CHAT_SEEDX,          /* Seed-X (llama/mistral, no chat turns): "... sentence into TGT:\nTEXT <code>" */
    CHAT_GEMMA4,         /* Gemma 4: <|turn>user ... <turn|>, an empty thinking channel after <|turn>model */
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

/* chat_template_detect, but first the known translation models: NAME (general.name and
 * general.basename, space-separated; may be NULL) naming Hunyuan-MT, TranslateGemma, Tower or
 * Seed-X, or ARCH hunyuan-dense, picks that model's own prompt when its markers are control tokens
 * of the vocabulary. *WHY (may be NULL) gets what decided: "general.name", "tokenizer.chat_template",
 * "general.architecture", ... */
int chat_template_detect_model(const tok_vocab *v, const char *arch, const char *name, chat_template **out,
                               const char **why, tolk_error *err);

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
/* "gemma3", "qwen2.5", "qwen3", "llama3", "base", "hunyuan-mt", "translategemma", "tower", "seed-x",
 * "gemma4"
 * or "custom". */
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

/* The language code of a display name from lang_resolve ("de", "pt-BR", "zh-TW") in BUF, or NULL. */
const char *lang_code(const char *name, char *buf, size_t size);

#endif
