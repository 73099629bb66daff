/* OpenAI chat messages -> the loaded model family's chat prompt (Gemma turns, ChatML for Qwen,
 * Llama 3 headers, ChatML for anything else), ending where the assistant's answer starts. Text
 * that looks like a control token (<|...|>, <start_of_turn>, <eos>, </s>) gets a zero-width space
 * after its '<' so a client can never close a turn or inject one. */
#include <stdlib.h>
#include <string.h>

#include "serve_ctx.h"

typedef enum { FAM_GEMMA, FAM_CHATML, FAM_QWEN3, FAM_LLAMA3 } family;

static family model_family(tolk_model *m)
{
    const char *a = tolk_model_arch(m);
    if (!strncmp(a, "gemma", 5))
        return FAM_GEMMA;
    if (!strcmp(a, "qwen3"))
        return FAM_QWEN3;
    if (!strcmp(a, "llama"))
        return FAM_LLAMA3;
    return FAM_CHATML;
}

static int control_like(const char *s, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j < n && s[j] == '/')
        j++;
    if (j < n && s[j] == '|')
        return 1;
    size_t k = j;
    int underscore = 0;
    while (k < n && k - j < 40 && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '_')) {
        underscore |= s[k] == '_';
        k++;
    }
    if (k == j || k >= n || s[k] != '>')
        return 0;
    if (underscore)
        return 1;
    static const char *words[] = {"bos", "eos", "pad", "unk", "mask", "s"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (strlen(words[w]) == k - j && !memcmp(words[w], s + j, k - j))
            return 1;
    return 0;
}

static void add_text(sb_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '<' && control_like(s, n, i)) {
            sb_add(b, s + start, i + 1 - start);
            sb_puts(b, "\xe2\x80\x8b");
            start = i + 1;
        }
    sb_add(b, s + start, n - start);
}

/* Message content: a string, or a list of {"type":"text","text":...} parts joined. */
static int add_content(sv_reply *r, sb_buf *b, const sj_val *c)
{
    if (!c || c->type == SJ_NULL)
        return 0;
    if (c->type == SJ_STR) {
        add_text(b, c->str, c->len);
        return 0;
    }
    if (c->type != SJ_ARR) {
        sv_error(r, API_OPENAI, 400, "message 'content' must be a string or a list of parts");
        return -1;
    }
    for (size_t i = 0; i < c->n; i++) {
        const sj_val *type = sj_get(&c->items[i], "type"), *text = sj_get(&c->items[i], "text");
        if (!type || type->type != SJ_STR || strcmp(type->str, "text") || !text || text->type != SJ_STR) {
            sv_error(r, API_OPENAI, 400, "only text content parts ({\"type\":\"text\",\"text\":...}) are supported");
            return -1;
        }
        if (i)
            sb_puts(b, "\n");
        add_text(b, text->str, text->len);
    }
    return 0;
}

static void open_turn(sb_buf *b, family f, const char *role)
{
    if (f == FAM_GEMMA)
        sb_printf(b, "<start_of_turn>%s\n", !strcmp(role, "assistant") ? "model" : "user");
    else if (f == FAM_LLAMA3)
        sb_printf(b, "<|start_header_id|>%s<|end_header_id|>\n\n", role);
    else
        sb_printf(b, "<|im_start|>%s\n", role);
}

static void close_turn(sb_buf *b, family f)
{
    sb_puts(b, f == FAM_GEMMA ? "<end_of_turn>\n" : f == FAM_LLAMA3 ? "<|eot_id|>" : "<|im_end|>\n");
}

int sv_chat_prompt(sv_request *rq, sv_reply *r, const sj_val *msgs, char **prompt, size_t *len)
{
    *prompt = NULL;
    if (msgs->type != SJ_ARR || msgs->n == 0) {
        sv_error(r, API_OPENAI, 400, "'messages' must be a non-empty list");
        return -1;
    }
    family f = model_family(rq->srv->model);
    sb_buf b = {0};
    sb_buf system = {0}; /* Gemma has no system turn: it goes before the first user message */
    for (size_t i = 0; i < msgs->n; i++) {
        const sj_val *m = &msgs->items[i];
        const sj_val *role = sj_get(m, "role");
        if (m->type != SJ_OBJ || !role || role->type != SJ_STR) {
            sv_error(r, API_OPENAI, 400, "messages[%zu] must be an object with a string 'role'", i);
            goto fail;
        }
        const char *ro = role->str;
        int is_system = !strcmp(ro, "system") || !strcmp(ro, "developer");
        if (!is_system && strcmp(ro, "user") && strcmp(ro, "assistant")) {
            sv_error(r, API_OPENAI, 400, "messages[%zu]: role must be system, developer, user or assistant", i);
            goto fail;
        }
        if (is_system && f == FAM_GEMMA) {
            if (add_content(r, &system, sj_get(m, "content")))
                goto fail;
            sb_puts(&system, "\n\n");
            continue;
        }
        open_turn(&b, f, is_system ? "system" : ro);
        if (f == FAM_GEMMA && !strcmp(ro, "user") && system.len) {
            sb_add(&b, system.p, system.len);
            sb_free(&system);
        }
        if (add_content(r, &b, sj_get(m, "content")))
            goto fail;
        close_turn(&b, f);
    }
    if (f == FAM_GEMMA && system.len) { /* only system messages: they become the user turn */
        open_turn(&b, f, "user");
        sb_add(&b, system.p, system.len);
        close_turn(&b, f);
    }
    open_turn(&b, f, "assistant");
    if (f == FAM_QWEN3)
        sb_puts(&b, "<think>\n\n</think>\n\n");
    sb_free(&system);
    if (b.oom) {
        sv_error(r, API_OPENAI, 500, "out of memory");
        sb_free(&b);
        return -1;
    }
    *prompt = b.p;
    *len = b.len;
    return 0;
fail:
    sb_free(&b);
    sb_free(&system);
    return -1;
}
