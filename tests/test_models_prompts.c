/* The prompts of known translation models (runtime/translate/chat.c): recognised from general.name /
 * general.basename (Hunyuan-MT also from its architecture), rendered as their model cards give them
 * (Hunyuan-MT's English and Chinese instructions, TranslateGemma's language-code prompt with and
 * without a source language, Tower+, Seed-X), falling back to the usual detection when a name only
 * looks like one or the vocabulary lacks the markers. The vocabulary is a small SentencePiece one
 * built in memory with each family's marker tokens as control tokens. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "gguf.h"
#include "gguf_image.h"
#include "suite_run.h"
#include "tokenizer.h"

static const char *const markers[] = {"<start_of_turn>", "<end_of_turn>", "<｜hy_User｜>", "<｜hy_Assistant｜>",
                                      "<|startoftext|>", "<|extra_0|>"};

/* A vocabulary: <unk> <s> </s>, the markers WITH (bit i of mask: marker i) as control tokens, then
 * a few plain pieces (byte fallback covers the rest of any text). */
static tok_vocab *vocab(unsigned mask, image *img)
{
    const char *toks[300];
    int types[300], n = 0;
    toks[n] = "<unk>", types[n++] = 2;
    toks[n] = "<s>", types[n++] = 3;
    toks[n] = "</s>", types[n++] = 3;
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        if (mask & 1u << i)
            toks[n] = markers[i], types[n++] = 3;
    static char bytes[256][8];
    for (int b = 0; b < 256; b++) {
        snprintf(bytes[b], sizeof bytes[b], "<0x%02X>", b);
        toks[n] = bytes[b], types[n++] = 6;
    }
    *img = (image){0};
    img_header(img, 3, 0, 4);
    img_key(img, "tokenizer.ggml.model", GGUF_TYPE_STRING);
    img_str(img, "llama");
    img_key(img, "tokenizer.ggml.tokens", GGUF_TYPE_ARRAY);
    img_u32(img, GGUF_TYPE_STRING);
    img_u64(img, (uint64_t)n);
    for (int i = 0; i < n; i++)
        img_str(img, toks[i]);
    img_key(img, "tokenizer.ggml.scores", GGUF_TYPE_ARRAY);
    img_u32(img, GGUF_TYPE_F32);
    img_u64(img, (uint64_t)n);
    for (int i = 0; i < n; i++)
        img_f32(img, -(float)i);
    img_key(img, "tokenizer.ggml.token_type", GGUF_TYPE_ARRAY);
    img_u32(img, GGUF_TYPE_I32);
    img_u64(img, (uint64_t)n);
    for (int i = 0; i < n; i++)
        img_u32(img, (uint32_t)types[i]);
    tolk_error err = {0};
    gguf_file *f = gguf_open_memory(img->b, img->n, "vocab", &err);
    ck_assert_msg(f != NULL, "%s", err.msg);
    tok_vocab *v = NULL;
    ck_assert_msg(tok_vocab_load(f, &v, &err) == TOLK_OK, "%s", err.msg);
    gguf_close(f);
    return v;
}

/* Renders with the template detected for (arch, name) and compares with EXPECT (BOS excluded: the
 * vocabulary decides it). */
static void check(unsigned mask, const char *arch, const char *name, const char *family, const char *why,
                  const char *src, const char *tgt, const char *text, const char *expect)
{
    image img;
    tok_vocab *v = vocab(mask, &img);
    chat_template *t = NULL;
    const char *w = NULL;
    tolk_error err = {0};
    ck_assert_msg(chat_template_detect_model(v, arch, name, &t, &w, &err) == TOLK_OK, "%s", err.msg);
    ck_assert_str_eq(chat_family_name(chat_template_family(t)), family);
    ck_assert_str_eq(w, why);
    chat_prompt p;
    ck_assert_msg(chat_render(t, v, src, tgt, text, strlen(text), &p, &err) == TOLK_OK, "%s", err.msg);
    const char *got = p.text;
    if (!strncmp(got, "<s>", 3))
        got += 3;
    ck_assert_msg(!strcmp(got, expect), "%s:\n got '%s'\nwant '%s'", name, got, expect);
    chat_prompt_free(&p);
    chat_template_free(t);
    tok_vocab_free(v);
    free(img.b);
}

START_TEST(hunyuan_mt)
{
    /* English instruction between other languages, Chinese instruction and name when either side
     * is Chinese (model card); from the architecture alone too. */
    check(0xC, "hunyuan-dense", "Hunyuan-MT-7B", "hunyuan-mt", "general.name", "English", "German", "It's on the house.",
          "<｜hy_User｜>Translate the following segment into German, without additional explanation.\n\n"
          "It's on the house.<｜hy_Assistant｜>");
    check(0xC, "hunyuan-dense", "", "hunyuan-mt", "general.architecture", NULL, "Chinese", "Good morning",
          "<｜hy_User｜>把下面的文本翻译成中文，不要额外解释。\n\nGood morning<｜hy_Assistant｜>");
    check(0xC, "hunyuan-dense", "Hunyuan MT Chimera", "hunyuan-mt", "general.name", "Chinese", "Japanese", "早上好",
          "<｜hy_User｜>把下面的文本翻译成日语，不要额外解释。\n\n早上好<｜hy_Assistant｜>");
    /* the older Hunyuan turn markers when those are the vocabulary's */
    check(0x30, "hunyuan-dense", "Hunyuan-MT-7B", "hunyuan-mt", "general.name", "French", "English", "Bonjour",
          "<|startoftext|>Translate the following segment into English, without additional explanation.\n\n"
          "Bonjour<|extra_0|>");
}
END_TEST

START_TEST(translategemma_tower_seedx)
{
    check(0x3, "gemma3", "TranslateGemma 4b It", "translategemma", "general.name", "English", "Brazilian Portuguese",
          "Hello",
          "<start_of_turn>user\nYou are a professional English (en) to Brazilian Portuguese (pt-BR) translator. "
          "Your goal is to accurately convey the meaning and nuances of the original English text while adhering "
          "to Brazilian Portuguese grammar, vocabulary, and cultural sensitivities.\nProduce only the Brazilian "
          "Portuguese translation, without any additional explanations or commentary. Please translate the "
          "following English text into Brazilian Portuguese:\n\n\nHello<end_of_turn>\n<start_of_turn>model\n");
    check(0x3, "gemma3", "translategemma-12b-it", "translategemma", "general.name", NULL, "German", "Hello",
          "<start_of_turn>user\nYou are a professional translator to German (de). Your goal is to accurately "
          "convey the meaning and nuances of the original text while adhering to German grammar, vocabulary, "
          "and cultural sensitivities.\nProduce only the German translation, without any additional "
          "explanations or commentary. Please translate the following text into German:\n\n\nHello"
          "<end_of_turn>\n<start_of_turn>model\n");
    check(0x3, "gemma2", "Tower-Plus-9B", "tower", "general.name", "English", "German", "Hello world!",
          "<start_of_turn>user\nTranslate the following English source text to German:\nEnglish: Hello world!\n"
          "German: <end_of_turn>\n<start_of_turn>model\n");
    check(0x0, "llama", "Seed-X-PPO-7B", "seed-x", "general.name", "English", "Chinese", "May the force be with you",
          "Translate the following English sentence into Chinese:\nMay the force be with you <zh>");
}
END_TEST

START_TEST(names_that_only_look_like_one)
{
    /* "Tower" without Gemma's turn markers, Hunyuan-MT without either marker set: the usual
     * detection decides (here: no chat template, so the base-model prompt). */
    check(0x0, "llama", "Eiffel Tower Chat", "base", "the absence of a chat template", "English", "French", "x",
          "Translate the following text from English to French.\nEnglish: x\nFrench:");
    check(0x0, "hunyuan-dense", "Hunyuan-MT-7B", "base", "the absence of a chat template", NULL, "French", "x",
          "Translate the following text to French.\nText: x\nFrench:");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("models_prompts");
    TCase *tc = tcase_create("prompts");
    tcase_add_test(tc, hunyuan_mt);
    tcase_add_test(tc, translategemma_tower_seedx);
    tcase_add_test(tc, names_that_only_look_like_one);
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return failed ? 1 : 0;
}
