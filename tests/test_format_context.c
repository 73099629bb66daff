/* Paragraph context (docs/FORMATS.md, "Sentences"): a paragraph translated sentence by sentence
 * shows the model the whole paragraph with each sentence. Checked three ways: the prompt text
 * (translate_add_context) for chat and completion-style templates; the document loop with a
 * stand-in translator (each sentence is one call that sees its paragraph without inline codes, the
 * output stays one translation per sentence, a repeated sentence is translated once); and, with
 * the default model, a session prompt with the context has exactly the tokens of the rendered
 * context prompt (so what the model gets is that text). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "doc_translate.h"
#include "prompt.h"
#include "session.h"
#include "skip.h"
#include "suite_run.h"
#include "tolk.h"

static char model_path[4096];
static tolk_model *model;

START_TEST(prompt_text_has_paragraph_and_sentence)
{
    const char *para = "The cat sat.\nThe dog ran away.", *sentence = "The dog ran away.";
    char *out = NULL;
    size_t n = 0;
    tolk_error err = {0};
    ck_assert_int_eq(translate_add_context("en", 0, para, strlen(para), sentence, strlen(sentence), &out, &n, &err),
                     TOLK_OK);
    ck_assert_uint_eq(n, strlen(out));
    ck_assert_ptr_nonnull(strstr(out, "The cat sat. The dog ran away.")); /* on one line */
    ck_assert_ptr_nonnull(strstr(out, "do not translate"));
    ck_assert_ptr_nonnull(strstr(out, "Translate only this sentence"));
    ck_assert(n > strlen(sentence) && !strcmp(out + n - strlen(sentence), sentence)); /* the sentence last */
    free(out);
    /* completion style: the sentence first (on the template's "English:" line), the paragraph as a
     * note on the next line */
    ck_assert_int_eq(translate_add_context("en", 1, para, strlen(para), sentence, strlen(sentence), &out, &n, &err),
                     TOLK_OK);
    ck_assert_uint_eq(n, strlen(out));
    ck_assert_str_eq(out, "The dog ran away.\n(This sentence is from the paragraph: The cat sat. The dog ran away.)");
    free(out);
    /* the dedicated translation models' prompts take the sentence alone */
    chat_family fams[] = {CHAT_GEMMA3, CHAT_BASE, CHAT_QWEN3, CHAT_TOWER, CHAT_TRANSLATEGEMMA, CHAT_SEEDX, CHAT_HUNYUAN_MT};
    int takes[] = {1, 1, 1, 0, 0, 0, 0};
    for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
        chat_template *t = NULL;
        ck_assert_int_eq(chat_template_builtin(fams[i], &t, &err), TOLK_OK);
        ck_assert_int_eq(translate_takes_context(t), takes[i]);
        chat_template_free(t);
    }
    /* a very long paragraph is cut at a space */
    size_t big = 20000;
    char *longp = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        longp[i] = i % 6 == 5 ? ' ' : 'a';
    longp[big] = 0;
    ck_assert_int_eq(translate_add_context(NULL, 0, longp, big, "x", 1, &out, &n, &err), TOLK_OK);
    ck_assert(n < 4300);
    free(out);
    free(longp);
}
END_TEST

/* A stand-in translator: records the paragraph context of each call and answers in upper case. */
typedef struct recorder {
    fmt_doc *d;
    char calls[8][256];
    char contexts[8][256];
    int n;
} recorder;

static int record_upper(void *user, const char *text, size_t len, tolk_emit_fn emit, void *emit_user,
                        int *hit_limit, int *tokens, tolk_error *err)
{
    (void)err;
    recorder *r = user;
    if (r->n < 8) {
        snprintf(r->calls[r->n], sizeof r->calls[0], "%.*s", (int)len, text);
        if (r->d->para_context)
            snprintf(r->contexts[r->n], sizeof r->contexts[0], "%.*s", (int)r->d->para_context_len,
                     r->d->para_context);
        else
            snprintf(r->contexts[r->n], sizeof r->contexts[0], "(none)");
    }
    r->n++;
    *hit_limit = 0;
    *tokens = 1;
    for (size_t i = 0; i < len; i++) {
        char c = text[i] >= 'a' && text[i] <= 'z' ? (char)(text[i] - 32) : text[i];
        emit(&c, 1, emit_user);
    }
    return TOLK_OK;
}

START_TEST(each_sentence_sees_its_paragraph)
{
    const char *text = "First sentence here. Second sentence follows.\n\nSingle paragraph alone.\n\n"
                       "Another start here. Second sentence follows.\n";
    fmt_doc *d = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(doc_open(fmt_find("txt"), "p.txt", text, strlen(text), 0, &d, &err), TOLK_OK);
    d->src_lang = "en";
    recorder r = {.d = d};
    ck_assert_int_eq(doc_translate(d, record_upper, &r, NULL, NULL, &err), TOLK_OK);
    /* 5 sentences, one of them twice: 4 calls */
    ck_assert_int_eq(r.n, 4);
    ck_assert_str_eq(r.calls[0], "First sentence here.");
    ck_assert_str_eq(r.contexts[0], "First sentence here. Second sentence follows.");
    ck_assert_str_eq(r.calls[1], "Second sentence follows.");
    ck_assert_str_eq(r.contexts[1], "First sentence here. Second sentence follows.");
    ck_assert_str_eq(r.calls[2], "Single paragraph alone.");
    ck_assert_str_eq(r.contexts[2], "(none)"); /* one sentence: the segment is its own context */
    ck_assert_str_eq(r.calls[3], "Another start here.");
    ck_assert_str_eq(r.contexts[3], "Another start here. Second sentence follows.");
    ck_assert_ptr_null(d->para_context);
    char *out = NULL;
    size_t n = 0;
    ck_assert_int_eq(doc_write(d, &out, &n, &err), TOLK_OK);
    /* one translation per sentence, joined as the source was; the repeated one the same */
    ck_assert_str_eq(out, "FIRST SENTENCE HERE. SECOND SENTENCE FOLLOWS.\n\nSINGLE PARAGRAPH ALONE.\n\n"
                          "ANOTHER START HERE. SECOND SENTENCE FOLLOWS.\n");
    free(out);
    doc_free(d);
}
END_TEST

START_TEST(context_leaves_inline_codes_out)
{
    const char *html = "<p>Read the <b>bold</b> part. Then &amp; only then <a href=\"x\">click</a> here.</p>\n";
    fmt_doc *d = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(doc_open(fmt_find("html"), "p.html", html, strlen(html), 0, &d, &err), TOLK_OK);
    d->src_lang = "en";
    recorder r = {.d = d};
    ck_assert_int_eq(doc_translate(d, record_upper, &r, NULL, NULL, &err), TOLK_OK);
    ck_assert_int_eq(r.n, 2);
    ck_assert_str_eq(r.contexts[0], "Read the bold part. Then & only then click here.");
    ck_assert_str_eq(r.contexts[1], r.contexts[0]);
    ck_assert_ptr_null(strstr(r.calls[0], "only then")); /* the sentence alone goes to the model */
    doc_free(d);
}
END_TEST

typedef struct sink {
    char text[4096];
    size_t n;
} sink;

static int to_sink(const char *t, size_t len, void *user)
{
    sink *s = user;
    if (s->n + len < sizeof s->text) {
        memcpy(s->text + s->n, t, len);
        s->n += len;
    }
    return 0;
}

START_TEST(session_prompt_is_the_context_prompt)
{
    tolk_params p;
    tolk_params_default(&p);
    p.n_ctx = 512;
    tolk_session *s = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_session_new(model, &p, &s, &err), TOLK_OK);
    const char *para = "The meeting starts at noon. Bring your notes and a pen.";
    const char *sentence = "Bring your notes and a pen.";
    tolk_stats plain = {0}, with = {0};
    sink a = {0}, b = {0};
    ck_assert_int_eq(tolk_translate(s, "en", "de", sentence, strlen(sentence), 4, to_sink, &a, &plain, &err), TOLK_OK);
    s->para_context = para;
    s->para_context_len = strlen(para);
    ck_assert_int_eq(tolk_translate(s, "en", "de", sentence, strlen(sentence), 4, to_sink, &b, &with, &err), TOLK_OK);
    s->para_context = NULL;
    int few_shot = chat_template_family(s->tmpl) == CHAT_BASE;
    char *composed = NULL, *prompt = NULL;
    size_t n = 0, n_ids = 0;
    int32_t *ids = NULL;
    ck_assert_int_eq(translate_add_context("en", few_shot, para, strlen(para), sentence, strlen(sentence), &composed,
                                           &n, &err), TOLK_OK);
    ck_assert_int_eq(tolk_translate_prompt(model, NULL, "en", "de", composed, n, &prompt, &ids, &n_ids, &err), TOLK_OK);
    ck_assert_ptr_nonnull(strstr(prompt, "The meeting starts at noon."));
    ck_assert_int_eq(with.n_prompt, (int)n_ids); /* the model got exactly this prompt */
    ck_assert_int_gt(with.n_prompt, plain.n_prompt + 10);
    ck_assert_int_gt(with.n_gen, 0);
    free(composed);
    free(prompt);
    free(ids);
    tolk_session_free(s);
}
END_TEST

int main(void)
{
    const char *missing = need_default_model(model_path, sizeof model_path);
    tolk_error err = {0};
    if (!missing && tolk_model_load(model_path, &model, &err)) {
        printf("FAIL: %s\n", err.msg);
        return 1;
    }
    Suite *su = suite_create("format_context");
    TCase *tc = tcase_create("context");
    tcase_add_test(tc, prompt_text_has_paragraph_and_sentence);
    tcase_add_test(tc, each_sentence_sees_its_paragraph);
    tcase_add_test(tc, context_leaves_inline_codes_out);
    suite_add_tcase(su, tc);
    TCase *tm = tcase_create("default_model");
    tcase_set_timeout(tm, 600);
    add_test_or_skip(tm, session_prompt_is_the_context_prompt, missing);
    suite_add_tcase(su, tm);
    int failed = suite_failures(su, false);
    tolk_model_free(model);
    return skip_exit(failed);
}
