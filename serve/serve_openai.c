/* OpenAI endpoints: GET /v1/models, POST /v1/chat/completions and POST /v1/completions, replies
 * shaped like api.openai.com's (chat.completion / text_completion objects, usage counts); with
 * "stream": true the answer streams as server-sent events (serve_stream.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_ctx.h"

#define MAX_CHOICES 16 /* prompts times n in one request */

static void model_object(sb_buf *b, const sv_server *srv)
{
    sb_puts(b, "{\"id\":");
    sb_json_cstr(b, srv->model_id);
    sb_printf(b, ",\"object\":\"model\",\"created\":%lld,\"owned_by\":\"tolk\"}", srv->started);
}

void rt_models(sv_request *rq, sv_reply *r)
{
    sb_puts(&r->body, "{\"object\":\"list\",\"data\":[");
    model_object(&r->body, rq->srv);
    sb_puts(&r->body, "]}");
    sv_json_reply(r, 200);
}

/* GET /v1/models/ID (client.models.retrieve): the model object, or OpenAI's 404 model_not_found. */
void rt_model(sv_request *rq, sv_reply *r)
{
    const char *id = rq->path + strlen("/v1/models/");
    if (strcmp(id, rq->srv->model_id)) {
        r->param = "model";
        sv_error(r, API_OPENAI, 404, "The model '%.200s' does not exist", id);
        return;
    }
    model_object(&r->body, rq->srv);
    sv_json_reply(r, 200);
}

/* The request fields every OpenAI generation takes: model (any string: one model is loaded),
 * max_tokens / max_completion_tokens, stream, n (choices per prompt), temperature and seed (this request's
 * sampling; the rest of the chain, top-k, top-p, min-p, is the server's, set by its flags), and the
 * other sampling fields (checked only). */
static int common_fields(sv_request *rq, sv_reply *r, long long *max_tokens, int *stream, long long dflt,
                         sv_sampling *smp)
{
    const char *s;
    size_t len;
    double d, temp = 0;
    long long n = 1, seed = 0; /* n: choices per prompt */
    int has_temp, has_seed;
    if (fld_str(rq, r, "model", &s, &len) < 0 || fld_bool(rq, r, "stream", stream) < 0 ||
        fld_int(rq, r, "n", 1, MAX_CHOICES, &n) < 0 || (has_temp = fld_num(rq, r, "temperature", 0, 2, &temp)) < 0 ||
        (has_seed = fld_int(rq, r, "seed", -9007199254740991LL, 9007199254740991LL, &seed)) < 0 ||
        fld_num(rq, r, "top_p", 0, 1, &d) < 0 || fld_num(rq, r, "presence_penalty", -2, 2, &d) < 0 ||
        fld_num(rq, r, "frequency_penalty", -2, 2, &d) < 0)
        return -1;
    smp->include_usage = 0;
    const sj_val *so = rq->json ? sj_get(rq->json, "stream_options") : NULL;
    if (so && so->type != SJ_NULL) {
        const sj_val *iu = sj_get(so, "include_usage");
        r->param = "stream_options";
        if (so->type != SJ_OBJ || (iu && iu->type != SJ_BOOL && iu->type != SJ_NULL)) {
            sv_error(r, API_OPENAI, 400, "'stream_options' must be an object with a boolean 'include_usage'");
            return -1;
        }
        if (!*stream) {
            sv_error(r, API_OPENAI, 400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
            return -1;
        }
        r->param = NULL;
        smp->include_usage = iu && iu->type == SJ_BOOL && iu->b;
    }
    const tolk_params *p = &rq->srv->cfg->params;
    smp->own = has_temp || has_seed;
    smp->n = (int)n;
    smp->temp = has_temp ? (float)temp : p->temp;
    smp->seed = has_seed ? (uint64_t)seed : p->seed;
    smp->n_stop = 0;
    const char **vals;
    size_t *lens, n_stop;
    int is_list, has_stop = fld_strs(rq, r, "stop", &vals, &lens, &n_stop, &is_list);
    if (has_stop < 0)
        return -1;
    const char *bad = has_stop && n_stop > SV_STOP_MAX ? "'stop' takes at most 4 sequences" : NULL;
    for (size_t i = 0; has_stop && !bad && i < n_stop; i++) {
        if (!lens[i] || lens[i] > SV_STOP_BYTES)
            bad = lens[i] ? "a 'stop' sequence is longer than 256 bytes" : "a 'stop' sequence is empty";
        else {
            memcpy(smp->stop[i], vals[i], lens[i]);
            smp->stop[i][lens[i]] = '\0';
            smp->stop_len[i] = lens[i];
            smp->n_stop++;
        }
    }
    free(vals);
    free(lens);
    if (bad) {
        r->param = "stop";
        sv_error(r, API_OPENAI, 400, "%s", bad);
        return -1;
    }
    long long limit = rq->srv->cfg->max_tokens;
    *max_tokens = dflt;
    int has = fld_int(rq, r, "max_completion_tokens", 1, limit, max_tokens);
    if (has < 0 || (!has && fld_int(rq, r, "max_tokens", 1, limit, max_tokens) < 0))
        return -1;
    return 0;
}

static void new_id(sv_server *srv, const char *prefix, char *out, size_t outsz)
{
    unsigned long long n = atomic_fetch_add(&srv->next_id, 1);
    snprintf(out, outsz, "%s%llx%08llx", prefix, (unsigned long long)srv->started, n);
}

static void usage_json(sb_buf *b, const tolk_stats *st)
{
    sb_printf(b, ",\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}", st->n_prompt,
              st->n_gen, st->n_prompt + st->n_gen);
}

/* Runs the N_PROMPTS prompts (taken: freed here), SMP->n choices each (choice k of a prompt with
 * seed + k), and answers with every choice, indexed prompt by prompt as OpenAI does; a stream
 * takes one prompt and one choice. */
static void run(sv_request *rq, sv_reply *r, int chat, char **prompts, size_t *lens, size_t n_prompts,
                long long max_tokens, int stream, const sv_sampling *smp)
{
    sv_server *srv = rq->srv;
    size_t total = 0;
    for (size_t i = 0; i < n_prompts; i++)
        total += lens[i];
    const char *bad = NULL;
    if (stream && (n_prompts > 1 || smp->n > 1))
        bad = "streaming takes one prompt and n = 1";
    else if (n_prompts * (size_t)smp->n > MAX_CHOICES)
        bad = "at most 16 choices (prompts times n) per request";
    if (bad || total > srv->cfg->max_text) {
        if (bad) {
            r->param = n_prompts > 1 ? "prompt" : "n";
            sv_error(r, API_OPENAI, 400, "%s", bad);
        } else {
            sv_error(r, API_OPENAI, 413, "the prompt has %zu bytes; this server takes at most %zu (--max-text)", total,
                     srv->cfg->max_text);
        }
        for (size_t i = 0; i < n_prompts; i++)
            free(prompts[i]);
        return;
    }
    if (stream) {
        sv_stream_start(srv, r, chat, prompts[0], lens[0], (int)max_tokens, smp); /* takes the prompt */
        return;
    }
    sb_buf choices = {0};
    tolk_stats usage = {0};
    int rc = 0;
    for (size_t i = 0; i < n_prompts && !rc; i++)
        for (int k = 0; k < smp->n && !rc; k++) {
            sv_stop stop;
            sv_stop_from(&stop, smp);
            sv_gen g = {.text = prompts[i], .len = lens[i], .n_predict = (int)max_tokens,
                        .own_sampling = smp->own || smp->n > 1, .temp = smp->temp, .seed = smp->seed + (uint64_t)k,
                        .gone = sv_client_gone, .gone_user = rq, .stop = &stop};
            rc = sv_generate(srv, &g, r, API_OPENAI);
            sv_stop_free(&stop);
            if (!rc) {
                const char *finish = !stop.hit && g.st.n_gen >= max_tokens ? "length" : "stop";
                size_t index = i * (size_t)smp->n + (size_t)k;
                if (chat) {
                    sb_printf(&choices, "%s{\"index\":%zu,\"message\":{\"role\":\"assistant\",\"content\":",
                              index ? "," : "", index);
                    sb_json_str(&choices, g.out.p ? g.out.p : "", g.out.len);
                    sb_printf(&choices, ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"%s\"}", finish);
                } else {
                    sb_puts(&choices, index ? ",{\"text\":" : "{\"text\":");
                    sb_json_str(&choices, g.out.p ? g.out.p : "", g.out.len);
                    sb_printf(&choices, ",\"index\":%zu,\"logprobs\":null,\"finish_reason\":\"%s\"}", index, finish);
                }
                usage.n_prompt += k ? 0 : g.st.n_prompt; /* each prompt counted once */
                usage.n_gen += g.st.n_gen;
            }
            sb_free(&g.out);
        }
    for (size_t i = 0; i < n_prompts; i++)
        free(prompts[i]);
    if (rc || choices.oom) {
        if (!rc)
            sv_error(r, API_OPENAI, 500, "out of memory");
        sb_free(&choices);
        return;
    }
    char id[64];
    new_id(srv, chat ? "chatcmpl-" : "cmpl-", id, sizeof id);
    sb_buf *b = &r->body;
    sb_printf(b, "{\"id\":\"%s\",\"object\":\"%s\",\"created\":%lld,\"model\":", id,
              chat ? "chat.completion" : "text_completion", (long long)time(NULL));
    sb_json_cstr(b, srv->model_id);
    sb_puts(b, ",\"system_fingerprint\":null,\"choices\":[");
    sb_add(b, choices.p, choices.len);
    sb_puts(b, "]");
    usage_json(b, &usage);
    sb_puts(b, "}");
    sb_free(&choices);
    sv_json_reply(r, 200);
}

void rt_chat(sv_request *rq, sv_reply *r)
{
    long long max_tokens;
    int stream = 0;
    sv_sampling smp;
    if (common_fields(rq, r, &max_tokens, &stream, rq->srv->cfg->max_tokens, &smp))
        return;
    const sj_val *msgs = sj_get(rq->json, "messages");
    if (!msgs) {
        r->param = "messages";
        sv_error(r, API_OPENAI, 400, "'messages' is required");
        return;
    }
    char *prompt;
    size_t len;
    if (sv_chat_prompt(rq, r, msgs, &prompt, &len))
        return;
    run(rq, r, 1, &prompt, &len, 1, max_tokens, stream, &smp);
}

void rt_completions(sv_request *rq, sv_reply *r)
{
    long long max_tokens;
    int stream = 0;
    sv_sampling smp;
    if (common_fields(rq, r, &max_tokens, &stream, 16, &smp)) /* OpenAI's default for completions */
        return;
    const char **vals;
    size_t *lens, n;
    int is_list;
    int has = fld_strs(rq, r, "prompt", &vals, &lens, &n, &is_list);
    if (has < 0)
        return;
    if (!has || n > MAX_CHOICES) {
        free(vals);
        free(lens);
        r->param = "prompt";
        sv_error(r, API_OPENAI, 400, has ? "'prompt' holds more than 16 strings" : "'prompt' is required");
        return;
    }
    char *prompts[MAX_CHOICES];
    size_t plens[MAX_CHOICES];
    int oom = 0;
    for (size_t i = 0; i < n; i++) { /* copies: the body is freed before a stream ends */
        prompts[i] = malloc(lens[i] + 1);
        oom |= !prompts[i];
        if (prompts[i]) {
            memcpy(prompts[i], vals[i], lens[i]);
            prompts[i][lens[i]] = '\0';
        }
        plens[i] = lens[i];
    }
    free(vals);
    free(lens);
    if (oom) {
        for (size_t i = 0; i < n; i++)
            free(prompts[i]);
        sv_error(r, API_OPENAI, 500, "out of memory");
        return;
    }
    run(rq, r, 0, prompts, plens, n, max_tokens, stream, &smp);
}
