/* OpenAI endpoints: GET /v1/models, POST /v1/chat/completions and POST /v1/completions, replies
 * shaped like api.openai.com's (chat.completion / text_completion objects, usage counts); with
 * "stream": true the answer streams as server-sent events (serve_stream.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_ctx.h"

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
 * max_tokens / max_completion_tokens, stream, n (1), temperature and seed (this request's
 * sampling; the rest of the chain, top-k, top-p, min-p, is the server's, set by its flags), and the
 * other sampling fields (checked only). */
static int common_fields(sv_request *rq, sv_reply *r, long long *max_tokens, int *stream, long long dflt,
                         sv_sampling *smp)
{
    const char *s;
    size_t len;
    double d, temp = 0;
    long long n = 1, seed = 0;
    int has_temp, has_seed;
    if (fld_str(rq, r, "model", &s, &len) < 0 || fld_bool(rq, r, "stream", stream) < 0 ||
        fld_int(rq, r, "n", 1, 1, &n) < 0 || (has_temp = fld_num(rq, r, "temperature", 0, 2, &temp)) < 0 ||
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

static void run(sv_request *rq, sv_reply *r, int chat, char *prompt, size_t len, long long max_tokens, int stream,
                const sv_sampling *smp)
{
    sv_server *srv = rq->srv;
    if (len > srv->cfg->max_text) {
        sv_error(r, API_OPENAI, 413, "the prompt has %zu bytes; this server takes at most %zu (--max-text)", len,
                 srv->cfg->max_text);
        free(prompt);
        return;
    }
    if (stream) {
        sv_stream_start(srv, r, chat, prompt, len, (int)max_tokens, smp); /* takes the prompt */
        return;
    }
    sv_stop stop;
    sv_stop_from(&stop, smp);
    sv_gen g = {.text = prompt, .len = len, .n_predict = (int)max_tokens, .own_sampling = smp->own, .temp = smp->temp,
                .seed = smp->seed, .gone = sv_client_gone, .gone_user = rq, .stop = &stop};
    int rc = sv_generate(srv, &g, r, API_OPENAI);
    free(prompt);
    sv_stop_free(&stop);
    if (rc) {
        sb_free(&g.out);
        return;
    }
    char id[64];
    new_id(srv, chat ? "chatcmpl-" : "cmpl-", id, sizeof id);
    const char *finish = !stop.hit && g.st.n_gen >= max_tokens ? "length" : "stop";
    sb_buf *b = &r->body;
    sb_printf(b, "{\"id\":\"%s\",\"object\":\"%s\",\"created\":%lld,\"model\":", id,
              chat ? "chat.completion" : "text_completion", (long long)time(NULL));
    sb_json_cstr(b, srv->model_id);
    sb_puts(b, ",\"system_fingerprint\":null");
    if (chat) {
        sb_puts(b, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
        sb_json_str(b, g.out.p ? g.out.p : "", g.out.len);
        sb_printf(b, ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"%s\"}]", finish);
    } else {
        sb_puts(b, ",\"choices\":[{\"text\":");
        sb_json_str(b, g.out.p ? g.out.p : "", g.out.len);
        sb_printf(b, ",\"index\":0,\"logprobs\":null,\"finish_reason\":\"%s\"}]", finish);
    }
    usage_json(b, &g.st);
    sb_puts(b, "}");
    sb_free(&g.out);
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
    run(rq, r, 1, prompt, len, max_tokens, stream, &smp);
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
    if (!has || n != 1) {
        free(vals);
        free(lens);
        r->param = "prompt";
        sv_error(r, API_OPENAI, 400, has ? "'prompt' must hold one string (batches are not supported)"
                                         : "'prompt' is required");
        return;
    }
    char *prompt = malloc(lens[0] + 1);
    if (prompt) {
        memcpy(prompt, vals[0], lens[0]);
        prompt[lens[0]] = '\0';
    }
    size_t len = lens[0];
    free(vals);
    free(lens);
    if (!prompt) {
        sv_error(r, API_OPENAI, 500, "out of memory");
        return;
    }
    run(rq, r, 0, prompt, len, max_tokens, stream, &smp);
}
