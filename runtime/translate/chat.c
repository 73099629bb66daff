/* Translation prompt templates: the built-in ones per model family (docs/PROMPTS.md), custom
 * template files, family detection from the GGUF chat template / architecture / vocabulary, and
 * rendering into text plus spans that tell the tokenizer where special tokens are allowed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "error.h"

enum part_kind {
    PART_LITERAL, PART_TEXT, PART_SRC, PART_FROM, PART_TGT, PART_BOS, PART_LABEL,
    PART_SRC_CODE, PART_TGT_CODE, PART_TGT_ZH
};

typedef struct part {
    enum part_kind kind;
    size_t off, len; /* PART_LITERAL: bytes of the template */
} part;

struct chat_template {
    chat_family family;
    struct chat_template *alt; /* used instead when either language is Chinese (Hunyuan-MT) or the
                                * source is unknown (TranslateGemma) */
    char *src;       /* the template text */
    char *literal;   /* literal parts with "{{" unescaped, addressed by part.off */
    part *parts;
    size_t n_parts;
    bool has_bos;
};

static const char *const builtin_text[] = {
    [CHAT_GEMMA3] = "{bos}<start_of_turn>user\nTranslate the following text{from} to {tgt}. "
                    "Reply with the translation only.\n\n{text}<end_of_turn>\n"
                    "<start_of_turn>model\n",
    [CHAT_QWEN25] = "<|im_start|>system\nYou are a professional translator. Translate the user's "
                    "text{from} to {tgt}. Reply with the translation only.<|im_end|>\n"
                    "<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n",
    [CHAT_QWEN3] = "<|im_start|>system\nYou are a professional translator. Translate the user's "
                   "text{from} to {tgt}. Reply with the translation only.<|im_end|>\n"
                   "<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"
                   "<think>\n\n</think>\n\n",
    [CHAT_LLAMA3] = "{bos}<|start_header_id|>system<|end_header_id|>\n\nYou are a professional "
                    "translator. Translate the user's text{from} to {tgt}. Reply with the "
                    "translation only.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
                    "{text}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    /* Chosen on pre-trained Gemma 3 270M by comparing prompts with llama.cpp's greedy output:
     * the "Language: text" pairs make the model answer on one line in the target language. */
    [CHAT_BASE] = "{bos}Translate the following text{from} to {tgt}.\n{label}: {text}\n{tgt}:",
    /* Hunyuan-MT model card: this instruction between languages other than Chinese, and
     * hunyuan_zh_text (Chinese instruction, Chinese language name) when either side is Chinese.
     * Turn markers as llama.cpp's hunyuan-dense chat format; the older Hunyuan-7B format below. */
    [CHAT_HUNYUAN_MT] = "<｜hy_User｜>Translate the following segment into {tgt}, without additional "
                        "explanation.\n\n{text}<｜hy_Assistant｜>",
    [CHAT_HUNYUAN_MT_OLD] = "<|startoftext|>Translate the following segment into {tgt}, without additional "
                            "explanation.\n\n{text}<|extra_0|>",
    /* TranslateGemma model card (its chat template renders this user turn). */
    [CHAT_TRANSLATEGEMMA] = "{bos}<start_of_turn>user\nYou are a professional {src} ({src_code}) to {tgt} "
                            "({tgt_code}) translator. Your goal is to accurately convey the meaning and "
                            "nuances of the original {src} text while adhering to {tgt} grammar, "
                            "vocabulary, and cultural sensitivities.\nProduce only the {tgt} translation, "
                            "without any additional explanations or commentary. Please translate the "
                            "following {src} text into {tgt}:\n\n\n{text}<end_of_turn>\n"
                            "<start_of_turn>model\n",
    /* Tower+ model card: the source language named twice, the answer primed with the target's. */
    [CHAT_TOWER] = "{bos}<start_of_turn>user\nTranslate the following {src} source text to {tgt}:\n"
                   "{label}: {text}\n{tgt}: <end_of_turn>\n<start_of_turn>model\n",
    /* Seed-X-Instruct model card: no chat turns; the target's language tag ends the prompt. */
    [CHAT_SEEDX] = "{bos}Translate the following {src} sentence into {tgt}:\n{text} <{tgt_code}>",
    /* Gemma 4's chat template for one user turn and the generation prompt; without enable_thinking
     * it opens and closes an empty thought channel (tests/test_gemma4_template.sh renders the
     * template with jinja2 and compares). */
    [CHAT_GEMMA4] = "{bos}<|turn>user\nTranslate the following text{from} to {tgt}. "
                    "Reply with the translation only.\n\n{text}<turn|>\n"
                    "<|turn>model\n<|channel>thought\n<channel|>",
};

/* The Chinese-instruction variants (either language Chinese), and TranslateGemma without a
 * source language (the model card's other form). */
static const char *const hunyuan_zh_text = "<｜hy_User｜>把下面的文本翻译成{tgt_zh}，不要额外解释。\n\n{text}"
                                           "<｜hy_Assistant｜>";
static const char *const hunyuan_old_zh_text = "<|startoftext|>把下面的文本翻译成{tgt_zh}，不要额外解释。\n\n{text}"
                                               "<|extra_0|>";
static const char *const translategemma_nosrc_text =
    "{bos}<start_of_turn>user\nYou are a professional translator to {tgt} ({tgt_code}). Your goal is to "
    "accurately convey the meaning and nuances of the original text while adhering to {tgt} grammar, "
    "vocabulary, and cultural sensitivities.\nProduce only the {tgt} translation, without any additional "
    "explanations or commentary. Please translate the following text into {tgt}:\n\n\n{text}"
    "<end_of_turn>\n<start_of_turn>model\n";

/* Chinese names of the Hunyuan-MT model card's languages, for its Chinese instruction. */
static const char *const zh_names[][2] = {
    {"zh", "中文"}, {"en", "英语"}, {"fr", "法语"}, {"pt", "葡萄牙语"}, {"es", "西班牙语"}, {"ja", "日语"},
    {"tr", "土耳其语"}, {"ru", "俄语"}, {"ar", "阿拉伯语"}, {"ko", "韩语"}, {"th", "泰语"}, {"it", "意大利语"},
    {"de", "德语"}, {"vi", "越南语"}, {"ms", "马来语"}, {"id", "印尼语"}, {"tl", "菲律宾语"}, {"hi", "印地语"},
    {"zh-TW", "繁体中文"}, {"pl", "波兰语"}, {"cs", "捷克语"}, {"nl", "荷兰语"}, {"km", "高棉语"},
    {"my", "缅甸语"}, {"fa", "波斯语"}, {"gu", "古吉拉特语"}, {"ur", "乌尔都语"}, {"te", "泰卢固语"},
    {"mr", "马拉地语"}, {"he", "希伯来语"}, {"bn", "孟加拉语"}, {"ta", "泰米尔语"}, {"uk", "乌克兰语"},
    {"bo", "藏语"}, {"kk", "哈萨克语"}, {"mn", "蒙古语"}, {"ug", "维吾尔语"}, {"zh-CN", "中文"},
};

/* Marker tokens each built-in template relies on: they must be control tokens of the vocab. */
static const char *const builtin_markers[][3] = {
    [CHAT_GEMMA3] = {"<start_of_turn>", "<end_of_turn>", NULL},
    [CHAT_QWEN25] = {"<|im_start|>", "<|im_end|>", NULL},
    [CHAT_QWEN3] = {"<|im_start|>", "<|im_end|>", NULL},
    [CHAT_LLAMA3] = {"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"},
    [CHAT_BASE] = {NULL, NULL, NULL},
    [CHAT_HUNYUAN_MT] = {"<｜hy_User｜>", "<｜hy_Assistant｜>", NULL},
    [CHAT_HUNYUAN_MT_OLD] = {"<|startoftext|>", "<|extra_0|>", NULL},
    [CHAT_TRANSLATEGEMMA] = {"<start_of_turn>", "<end_of_turn>", NULL},
    [CHAT_TOWER] = {"<start_of_turn>", "<end_of_turn>", NULL},
    [CHAT_SEEDX] = {NULL, NULL, NULL},
    [CHAT_GEMMA4] = {"<|turn>", "<turn|>", NULL},
};

const char *chat_family_name(chat_family f)
{
    switch (f) {
    case CHAT_GEMMA3: return "gemma3";
    case CHAT_QWEN25: return "qwen2.5";
    case CHAT_QWEN3: return "qwen3";
    case CHAT_LLAMA3: return "llama3";
    case CHAT_BASE: return "base";
    case CHAT_HUNYUAN_MT: case CHAT_HUNYUAN_MT_OLD: return "hunyuan-mt";
    case CHAT_TRANSLATEGEMMA: return "translategemma";
    case CHAT_TOWER: return "tower";
    case CHAT_SEEDX: return "seed-x";
    case CHAT_GEMMA4: return "gemma4";
    default: return "custom";
    }
}

chat_family chat_template_family(const chat_template *t)
{
    return t->family;
}

bool chat_template_single_line(const chat_template *t)
{
    return t->family == CHAT_BASE;
}

void chat_template_free(chat_template *t)
{
    if (!t)
        return;
    chat_template_free(t->alt);
    free(t->src);
    free(t->literal);
    free(t->parts);
    free(t);
}

static const struct {
    const char *name;
    enum part_kind kind;
} placeholders[] = {
    {"text", PART_TEXT}, {"src", PART_SRC}, {"from", PART_FROM}, {"tgt", PART_TGT}, {"bos", PART_BOS},
    {"label", PART_LABEL}, {"src_code", PART_SRC_CODE}, {"tgt_code", PART_TGT_CODE}, {"tgt_zh", PART_TGT_ZH},
};

/* Splits the template into literal runs (with "{{" unescaped into t->literal) and placeholders. */
static int parse_parts(chat_template *t, size_t len, const char *name, tolk_error *err)
{
    const char *s = t->src;
    t->parts = malloc(sizeof *t->parts * (len + 2)); /* at most one literal per placeholder, +1 */
    t->literal = malloc(len + 1);
    if (!t->parts || !t->literal)
        return error_set(err, TOLK_E_NOMEM, "out of memory for template %s", name);
    size_t lit = 0, lit_start = 0, n_text = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] != '{' || (i + 1 < len && s[i + 1] == '{')) {
            t->literal[lit++] = s[i];
            i += s[i] == '{' ? 2 : 1;
            continue;
        }
        const char *close = memchr(s + i, '}', len - i);
        size_t k = 0, nl = close ? (size_t)(close - s) - i - 1 : 0;
        for (; close && k < sizeof placeholders / sizeof placeholders[0]; k++)
            if (strlen(placeholders[k].name) == nl && !memcmp(s + i + 1, placeholders[k].name, nl))
                break;
        if (!close || k == sizeof placeholders / sizeof placeholders[0]) {
            size_t line = 1;
            for (size_t j = 0; j < i; j++)
                line += s[j] == '\n';
            return error_set(err, TOLK_E_ARG,
                             "%s:%zu: unknown placeholder '%.*s' (known: {text} {tgt} {src} "
                             "{from} {label} {bos} {src_code} {tgt_code} {tgt_zh}; write {{ for a "
                             "literal brace)", name, line,
                             (int)(close && nl < 30 ? nl + 2 : len - i < 12 ? len - i : 12),
                             s + i);
        }
        if (lit > lit_start)
            t->parts[t->n_parts++] = (part){PART_LITERAL, lit_start, lit - lit_start};
        lit_start = lit;
        t->parts[t->n_parts++] = (part){placeholders[k].kind, 0, 0};
        n_text += placeholders[k].kind == PART_TEXT;
        t->has_bos |= placeholders[k].kind == PART_BOS;
        i += nl + 2;
    }
    if (lit > lit_start)
        t->parts[t->n_parts++] = (part){PART_LITERAL, lit_start, lit - lit_start};
    if (n_text != 1)
        return error_set(err, TOLK_E_ARG, "%s: the template must contain {text} exactly once "
                         "(found %zu)", name, n_text);
    return TOLK_OK;
}

static int make_template(chat_family family, const char *text, size_t len, const char *name,
                         chat_template **out, tolk_error *err)
{
    *out = NULL;
    chat_template *t = calloc(1, sizeof *t);
    if (!t || !(t->src = malloc(len + 1))) {
        free(t);
        return error_set(err, TOLK_E_NOMEM, "out of memory for template %s", name);
    }
    t->family = family;
    memcpy(t->src, text, len);
    t->src[len] = '\0';
    int rc = parse_parts(t, len, name, err);
    if (rc) {
        chat_template_free(t);
        return rc;
    }
    *out = t;
    return TOLK_OK;
}

int chat_template_builtin(chat_family family, chat_template **out, tolk_error *err)
{
    if (family < CHAT_GEMMA3 || family >= CHAT_CUSTOM)
        return error_set(err, TOLK_E_ARG, "no built-in template for family %d", (int)family);
    const char *s = builtin_text[family];
    int rc = make_template(family, s, strlen(s), chat_family_name(family), out, err);
    const char *alt = family == CHAT_HUNYUAN_MT       ? hunyuan_zh_text
                      : family == CHAT_HUNYUAN_MT_OLD ? hunyuan_old_zh_text
                      : family == CHAT_TRANSLATEGEMMA ? translategemma_nosrc_text
                                                      : NULL;
    if (!rc && alt && (rc = make_template(family, alt, strlen(alt), chat_family_name(family), &(*out)->alt, err))) {
        chat_template_free(*out);
        *out = NULL;
    }
    return rc;
}

int chat_template_parse(const char *text, size_t len, const char *name, chat_template **out,
                        tolk_error *err)
{
    return make_template(CHAT_CUSTOM, text, len, name, out, err);
}

int chat_template_load(const char *path, chat_template **out, tolk_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set(err, TOLK_E_IO, "%s: cannot open the template file", path);
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *b = cap < (1u << 24) ? realloc(buf, cap * 2) : NULL;
            if (!b)
                free(buf);
            buf = b;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return error_set(err, bad ? TOLK_E_IO : TOLK_E_ARG,
                         "%s: cannot read the template file (or it is over 16 MiB)", path);
    }
    int rc = make_template(CHAT_CUSTOM, buf, n, path, out, err);
    free(buf);
    return rc;
}

static bool has_control(const tok_vocab *v, const char *text)
{
    int32_t id = tok_find(v, text, strlen(text));
    return id >= 0 && tok_token_type(v, id) == TOK_TYPE_CONTROL;
}

static bool markers_ok(const tok_vocab *v, chat_family f, const char **missing)
{
    for (size_t i = 0; i < 3 && builtin_markers[f][i]; i++)
        if (!has_control(v, builtin_markers[f][i])) {
            *missing = builtin_markers[f][i];
            return false;
        }
    return true;
}

static int family_from_template(const char *t)
{
    if (strstr(t, "<|turn>") && strstr(t, "<turn|>"))
        return CHAT_GEMMA4;
    if (strstr(t, "<start_of_turn>"))
        return CHAT_GEMMA3;
    if (strstr(t, "<|im_start|>"))
        return strstr(t, "<think>") ? CHAT_QWEN3 : CHAT_QWEN25;
    if (strstr(t, "<|start_header_id|>") && strstr(t, "<|end_header_id|>"))
        return CHAT_LLAMA3;
    return -1;
}

static int family_from_arch(const char *arch)
{
    if (!arch)
        return -1;
    if (!strcmp(arch, "gemma3") || !strcmp(arch, "gemma2") || !strcmp(arch, "gemma"))
        return CHAT_GEMMA3;
    if (!strcmp(arch, "gemma4"))
        return CHAT_GEMMA4;
    if (!strcmp(arch, "qwen3"))
        return CHAT_QWEN3;
    if (!strcmp(arch, "qwen2"))
        return CHAT_QWEN25;
    return -1;
}

static int family_from_vocab(const tok_vocab *v)
{
    if (has_control(v, "<|turn>"))
        return CHAT_GEMMA4;
    if (has_control(v, "<start_of_turn>"))
        return CHAT_GEMMA3;
    if (has_control(v, "<|start_header_id|>"))
        return CHAT_LLAMA3;
    if (has_control(v, "<|im_start|>"))
        return tok_find(v, "<think>", 7) >= 0 ? CHAT_QWEN3 : CHAT_QWEN25;
    return -1;
}

static int detect(const tok_vocab *v, const char *arch, chat_template **out, const char **why_out,
                  tolk_error *err)
{
    *out = NULL;
    const char *tmpl = tok_chat_template(v);
    const char *why = "tokenizer.chat_template";
    int f = tmpl ? family_from_template(tmpl) : CHAT_BASE;
    if (!tmpl)
        why = "the absence of a chat template";
    if (f < 0) {
        why = "general.architecture";
        f = family_from_arch(arch);
    }
    if (f < 0) {
        why = "the vocabulary's marker tokens";
        f = family_from_vocab(v);
    }
    if (f < 0)
        return error_set(err, TOLK_E_UNSUPPORTED,
                         "no built-in chat template fits this model (architecture %s%s); write one "
                         "and pass it with --template FILE", arch ? arch : "unknown",
                         tmpl ? ", unrecognised tokenizer.chat_template" : ", no chat template");
    const char *missing = NULL;
    if (!markers_ok(v, (chat_family)f, &missing))
        return error_set(err, TOLK_E_UNSUPPORTED,
                         "the %s chat template (chosen from %s) needs the control token %s, which "
                         "this vocabulary lacks; pass a template with --template FILE",
                         chat_family_name((chat_family)f), why, missing);
    if (why_out)
        *why_out = why;
    return chat_template_builtin((chat_family)f, out, err);
}

int chat_template_detect(const tok_vocab *v, const char *arch, chat_template **out, tolk_error *err)
{
    return detect(v, arch, out, NULL, err);
}

/* Case-insensitive substring test (ASCII letters). */
static bool has_word(const char *s, const char *w)
{
    const size_t n = strlen(w);
    for (; s && *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && (s[i] | 0x20) == (w[i] | 0x20))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* A known translation model from its names, else (Hunyuan) its architecture; -1 when none.
 * *why gets the key that decided. */
static int family_from_model(const tok_vocab *v, const char *arch, const char *name, const char **why)
{
    const char *missing;
    *why = "general.name";
    bool hunyuan = has_word(name, "hunyuan-mt") || has_word(name, "hunyuan mt") || has_word(name, "hy-mt");
    if (!hunyuan && arch && !strcmp(arch, "hunyuan-dense")) {
        hunyuan = true;
        *why = "general.architecture";
    }
    if (hunyuan)
        return markers_ok(v, CHAT_HUNYUAN_MT_OLD, &missing) && !markers_ok(v, CHAT_HUNYUAN_MT, &missing)
                   ? CHAT_HUNYUAN_MT_OLD
                   : CHAT_HUNYUAN_MT;
    if (has_word(name, "translategemma"))
        return CHAT_TRANSLATEGEMMA;
    if (has_word(name, "tower"))
        return CHAT_TOWER;
    if (has_word(name, "seed-x") || has_word(name, "seed_x") || has_word(name, "seedx"))
        return CHAT_SEEDX;
    return -1;
}

int chat_template_detect_model(const tok_vocab *v, const char *arch, const char *name, chat_template **out,
                               const char **why, tolk_error *err)
{
    const char *w = NULL;
    const int f = family_from_model(v, arch, name, &w);
    if (f < 0)
        return detect(v, arch, out, why, err);
    const char *missing = NULL;
    if (!markers_ok(v, (chat_family)f, &missing)) /* a name that only looks like one: the usual way */
        return detect(v, arch, out, why, err);
    if (why)
        *why = w;
    return chat_template_builtin((chat_family)f, out, err);
}

/* ---- rendering ---- */

typedef struct builder {
    char *text;
    size_t len, cap;
    tok_span *spans; /* .text holds the offset until the end, when the buffer stops moving */
    size_t n_spans, spans_cap;
} builder;

static int add(builder *b, const char *s, size_t n, bool special, tolk_error *err)
{
    if (!n)
        return TOLK_OK;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t)
            return error_set(err, TOLK_E_NOMEM, "out of memory rendering the prompt");
        b->text = t;
        b->cap = cap;
    }
    if (b->n_spans && b->spans[b->n_spans - 1].parse_special == special) {
        b->spans[b->n_spans - 1].len += n; /* extend the previous span of the same kind */
    } else {
        if (b->n_spans == b->spans_cap) {
            size_t cap = b->spans_cap ? b->spans_cap * 2 : 16;
            tok_span *sp = realloc(b->spans, cap * sizeof *sp);
            if (!sp)
                return error_set(err, TOLK_E_NOMEM, "out of memory rendering the prompt");
            b->spans = sp;
            b->spans_cap = cap;
        }
        b->spans[b->n_spans++] = (tok_span){(const char *)(uintptr_t)b->len, n, special};
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
    return TOLK_OK;
}

static int add_str(builder *b, const char *s, bool special, tolk_error *err)
{
    return add(b, s, strlen(s), special, err);
}

/* The control token at the start of the literal that follows {text}, or -1. */
static int end_marker(const chat_template *t, const tok_vocab *v, int32_t *out, tolk_error *err)
{
    *out = -1;
    for (size_t i = 0; i + 1 < t->n_parts; i++) {
        if (t->parts[i].kind != PART_TEXT || t->parts[i + 1].kind != PART_LITERAL)
            continue;
        tok_ids ids = {0};
        int rc = tok_encode(v, t->literal + t->parts[i + 1].off, t->parts[i + 1].len,
                            TOK_PARSE_SPECIAL, &ids, err);
        if (!rc && ids.n && tok_token_type(v, ids.ids[0]) == TOK_TYPE_CONTROL)
            *out = ids.ids[0];
        tok_ids_free(&ids);
        return rc;
    }
    return TOLK_OK;
}

/* Chinese in any script (Hunyuan-MT then takes its Chinese instruction). */
static bool is_chinese(const char *lang)
{
    size_t n = lang ? strlen(lang) : 0;
    return n >= 7 && !strcmp(lang + n - 7, "Chinese");
}

/* The Chinese name of the language with code CODE, or its English NAME when the table lacks it. */
static const char *zh_name(const char *code, const char *name)
{
    for (size_t i = 0; code && i < sizeof zh_names / sizeof zh_names[0]; i++)
        if (!strcmp(zh_names[i][0], code))
            return zh_names[i][1];
    return name;
}

int chat_render(const chat_template *t, const tok_vocab *v, const char *src, const char *tgt,
                const char *text, size_t text_len, chat_prompt *out, tolk_error *err)
{
    memset(out, 0, sizeof *out);
    if (!tgt)
        return error_set(err, TOLK_E_ARG, "no target language given");
    if (t->alt && (t->family == CHAT_TRANSLATEGEMMA ? !src : is_chinese(src) || is_chinese(tgt)))
        t = t->alt;
    char src_code[16], tgt_code[16];
    const char *sc = lang_code(src, src_code, sizeof src_code), *tc = lang_code(tgt, tgt_code, sizeof tgt_code);
    builder b = {0};
    int rc = TOLK_OK;
    size_t bos_len = 0;
    const char *bos = tok_text(v, tok_bos(v), &bos_len);
    if (!t->has_bos && tok_wants_bos(v) && bos)
        rc = add(&b, bos, bos_len, true, err);
    for (size_t i = 0; !rc && i < t->n_parts; i++) {
        const part *p = &t->parts[i];
        switch (p->kind) {
        case PART_LITERAL: rc = add(&b, t->literal + p->off, p->len, true, err); break;
        case PART_TEXT: rc = add(&b, text, text_len, false, err); break;
        case PART_TGT: rc = add_str(&b, tgt, false, err); break;
        case PART_SRC: rc = add_str(&b, src ? src : "the source language", false, err); break;
        case PART_LABEL: rc = add_str(&b, src ? src : "Text", false, err); break;
        case PART_FROM:
            if (src && !(rc = add_str(&b, " from ", true, err)))
                rc = add_str(&b, src, false, err);
            break;
        case PART_BOS:
            if (bos)
                rc = add(&b, bos, bos_len, true, err);
            break;
        case PART_SRC_CODE: rc = add_str(&b, sc ? sc : src ? src : "auto", false, err); break;
        case PART_TGT_CODE: rc = add_str(&b, tc ? tc : tgt, false, err); break;
        case PART_TGT_ZH: rc = add_str(&b, zh_name(tc, tgt), false, err); break;
        }
    }
    int32_t marker = -1;
    if (!rc)
        rc = end_marker(t, v, &marker, err);
    if (rc) {
        free(b.text);
        free(b.spans);
        return rc;
    }
    out->end_marker = marker;
    for (size_t i = 0; i < b.n_spans; i++)
        b.spans[i].text = b.text + (uintptr_t)b.spans[i].text;
    out->text = b.text ? b.text : calloc(1, 1);
    out->len = b.len;
    out->spans = b.spans;
    out->n_spans = b.n_spans;
    if (!out->text)
        return error_set(err, TOLK_E_NOMEM, "out of memory rendering the prompt");
    return TOLK_OK;
}

int chat_tokenize(const tok_vocab *v, const chat_prompt *p, tok_ids *out, tolk_error *err)
{
    return tok_encode_spans(v, p->spans, p->n_spans, 0, out, err);
}

void chat_prompt_free(chat_prompt *p)
{
    free(p->text);
    free(p->spans);
    memset(p, 0, sizeof *p);
    p->end_marker = -1;
}
