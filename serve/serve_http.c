/* Request handling on top of libmicrohttpd (serve_http.h): the route table (HEAD answered like GET
 * on the routes that do not run the model, OPTIONS with an Allow header, 405 with Allow), the body
 * under --max-body, API keys (Authorization: Bearer / DeepL-Auth-Key, or an api_key / auth_key /
 * key field), CORS, and the reply sent back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "serve_http.h"

atomic_int sh_stopping;

typedef void (*route_fn)(sv_request *, sv_reply *);

static const struct route {
    const char *method, *path;
    sv_api api;
    route_fn fn;
    int open;   /* answered without an API key */
    int model;  /* runs the model: HEAD is not answered like GET */
    int prefix; /* PATH is a prefix ending in '/' followed by one more segment (/v1/models/ID) */
} routes[] = {
    {"GET", "/health", API_PLAIN, rt_health, 1, 0, 0},
    {"GET", "/metrics", API_PLAIN, rt_metrics, 0, 0, 0},
    {"GET", "/v1/models", API_OPENAI, rt_models, 0, 0, 0},
    {"GET", "/v1/models/", API_OPENAI, rt_model, 0, 0, 1},
    {"POST", "/v1/chat/completions", API_OPENAI, rt_chat, 0, 1, 0},
    {"POST", "/v1/completions", API_OPENAI, rt_completions, 0, 1, 0},
    {"POST", "/translate", API_LIBRE, rt_libre_translate, 0, 1, 0},
    {"GET", "/translate", API_APY, rt_apy_translate, 0, 1, 0},
    {"GET", "/languages", API_LIBRE, rt_libre_languages, 1, 0, 0}, /* open, as LibreTranslate's */
    {"POST", "/languages", API_LIBRE, rt_libre_languages, 1, 0, 0},
    {"POST", "/detect", API_LIBRE, rt_libre_detect, 0, 0, 0},
    {"GET", "/frontend/settings", API_LIBRE, rt_libre_settings, 1, 0, 0},
    {"GET", "/listPairs", API_APY, rt_apy_pairs, 0, 0, 0},
    {"POST", "/listPairs", API_APY, rt_apy_pairs, 0, 0, 0},
    {"POST", "/v2/translate", API_DEEPL, rt_deepl_translate, 0, 1, 0},
    {"GET", "/v2/languages", API_DEEPL, rt_deepl_languages, 0, 0, 0},
    {"POST", "/v2/languages", API_DEEPL, rt_deepl_languages, 0, 0, 0},
    {"GET", "/v2/usage", API_DEEPL, rt_deepl_usage, 0, 0, 0},
    {"POST", "/v2/usage", API_DEEPL, rt_deepl_usage, 0, 0, 0},
    {"GET", "/v2/glossary-language-pairs", API_DEEPL, rt_deepl_glossary_pairs, 0, 0, 0},
    {"GET", "/v2/glossaries", API_DEEPL, rt_deepl_glossaries, 0, 0, 0},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

/* Whether route RT serves PATH. */
static int route_path(const struct route *rt, const char *path)
{
    if (!rt->prefix)
        return !strcmp(rt->path, path);
    size_t n = strlen(rt->path);
    return !strncmp(rt->path, path, n) && path[n] && !strchr(path + n, '/');
}

/* The path of URI: the part before '?', with runs of '/' made one and a trailing '/' dropped
 * (clients joining a base URL that ends in '/' with "/translate" send "//translate"). */
static void uri_path(const char *uri, char *path, size_t size)
{
    size_t o = 0;
    for (const char *p = uri; *p && *p != '?' && o + 1 < size; p++)
        if (*p != '/' || !o || path[o - 1] != '/')
            path[o++] = *p;
    if (o > 1 && path[o - 1] == '/')
        o--;
    if (!o)
        path[o++] = '/';
    path[o] = '\0';
}

/* The methods PATH answers, for Allow: "GET, HEAD, OPTIONS". */
static void allowed_methods(const char *path, char *out, size_t size)
{
    int get = 0, head = 0, post = 0;
    for (size_t i = 0; i < N_ROUTES; i++)
        if (route_path(&routes[i], path)) {
            get |= !strcmp(routes[i].method, "GET");
            head |= !strcmp(routes[i].method, "GET") && !routes[i].model;
            post |= !strcmp(routes[i].method, "POST");
        }
    snprintf(out, size, "%s%s%sOPTIONS", get ? "GET, " : "", head ? "HEAD, " : "", post ? "POST, " : "");
}

typedef struct sv_conn {
    char *raw_uri;  /* as received, query string included */
    sb_buf body;
    int started, too_big;
} sv_conn;

void *sh_uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    sv_server *srv = cls;
    sv_conn *cn = calloc(1, sizeof *cn);
    if (cn)
        cn->raw_uri = strdup(uri ? uri : "/");
    atomic_fetch_add(&srv->in_flight, 1);
    return cn;
}

void sh_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    sv_server *srv = cls;
    sv_conn *cn = *con_cls;
    if (cn) {
        free(cn->raw_uri);
        sb_free(&cn->body);
        free(cn);
    }
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

int sh_key_equal(const char *given, size_t given_len, const char *key)
{
    size_t n = strlen(key);
    volatile unsigned char d = (unsigned char)(given_len != n);
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)key[i] ^ (unsigned char)(given_len ? given[i % given_len] : 0);
    return d == 0;
}

static sv_api api_of_path(const char *path)
{
    if (!strncmp(path, "/v1/", 4))
        return API_OPENAI;
    if (!strncmp(path, "/v2/", 4))
        return API_DEEPL;
    return API_PLAIN;
}

static enum MHD_Result send_reply(sv_server *srv, struct MHD_Connection *c, sv_reply *r)
{
    struct MHD_Response *resp;
    if (r->stream_fd >= 0) {
        resp = MHD_create_response_from_pipe(r->stream_fd);
        if (!resp)
            close(r->stream_fd); /* the worker's next write fails and it stops */
    } else if (r->body.len && !r->body.oom) {
        resp = MHD_create_response_from_buffer(r->body.len, r->body.p, MHD_RESPMEM_MUST_FREE);
        if (resp)
            r->body.p = NULL; /* libmicrohttpd frees it */
    } else {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    sb_free(&r->body);
    if (!resp)
        return MHD_NO;
    if (r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    if (r->stream_fd >= 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    if (r->allow[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (srv->cfg->cors) {
        /* A preflight may name headers beyond these (the OpenAI JavaScript client sends its
         * x-stainless-* headers): they are allowed back when they are plain header names. */
        const char *want = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Access-Control-Request-Headers");
        int plain = want && *want && strlen(want) <= 1024;
        for (const char *p = want; plain && *p; p++)
            plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    strchr("-_, ", *p);
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", srv->cfg->cors);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers", plain ? want : "Authorization, Content-Type");
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", r->allow[0] ? r->allow : "GET, POST, OPTIONS");
        if (r->status == 204)
            MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
    if (atomic_load(&sh_stopping))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    sm_request(srv->metrics, r->status);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* The key the client sent in a header or the query: 1 and the key, else 0. */
static int header_key(struct MHD_Connection *c, const sv_request *rq, const char **key, size_t *len)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth) {
        static const char *schemes[] = {"Bearer ", "DeepL-Auth-Key "};
        for (size_t i = 0; i < 2; i++)
            if (!strncasecmp(auth, schemes[i], strlen(schemes[i]))) {
                *key = auth + strlen(schemes[i]);
                *len = strlen(*key);
                return 1;
            }
    }
    static const char *fields[] = {"api_key", "auth_key", "key"};
    for (size_t i = 0; i < 3; i++) {
        const sf_pair *p = sf_get(&rq->query, fields[i], 0);
        if (p) {
            *key = p->val;
            *len = p->val_len;
            return 1;
        }
    }
    return 0;
}

static int body_key(const sv_request *rq, const char **key, size_t *len)
{
    static const char *fields[] = {"api_key", "auth_key"};
    for (size_t i = 0; i < 2; i++) {
        if (rq->json) {
            const sj_val *v = sj_get(rq->json, fields[i]);
            if (v && v->type == SJ_STR) {
                *key = v->str;
                *len = v->len;
                return 1;
            }
        } else if (rq->has_form) {
            const sf_pair *p = sf_get(&rq->form, fields[i], 0);
            if (p) {
                *key = p->val;
                *len = p->val_len;
                return 1;
            }
        }
    }
    return 0;
}

/* Parses the body by its Content-Type; -1 with the message in ERR. */
static int parse_body(struct MHD_Connection *c, sv_request *rq, char *err, size_t errsz)
{
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t i = 0;
    while (i < rq->body_len && strchr(" \t\r\n", rq->body[i]))
        i++;
    /* The OpenAI routes take only JSON, so they read it whatever the Content-Type says (curl -d
     * without -H sends a form type, as llama.cpp's server also accepts). */
    int json = rq->api == API_OPENAI || (ct ? !strncasecmp(ct, "application/json", 16)
                                            : i < rq->body_len && (rq->body[i] == '{' || rq->body[i] == '['));
    if (json) {
        if (sj_parse(rq->body, rq->body_len, &rq->json, err, errsz))
            return -1;
        if (rq->json->type != SJ_OBJ) {
            snprintf(err, errsz, "the JSON body must be an object");
            return -1;
        }
        return 0;
    }
    if (ct && !strncasecmp(ct, "multipart/form-data", 19)) {
        if (sf_parse_multipart(rq->body, rq->body_len, ct, &rq->form, err, errsz))
            return -1;
        rq->has_form = 1;
        return 0;
    }
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
        snprintf(err, errsz, "unsupported Content-Type; send application/json, "
                             "application/x-www-form-urlencoded or multipart/form-data");
        return -1;
    }
    if (sf_parse(rq->body, rq->body_len, &rq->form, err, errsz))
        return -1;
    rq->has_form = 1;
    return 0;
}

static void handle(sv_server *srv, struct MHD_Connection *c, sv_conn *cn, const char *method, sv_reply *r)
{
    char path[256];
    const char *q = strchr(cn->raw_uri, '?');
    uri_path(cn->raw_uri, path, sizeof path);
    const struct route *rt = NULL;
    int path_known = 0, head = !strcmp(method, "HEAD");
    for (size_t i = 0; i < N_ROUTES; i++)
        if (route_path(&routes[i], path)) {
            path_known = 1;
            if (!strcmp(routes[i].method, method) || (head && !routes[i].model && !strcmp(routes[i].method, "GET")))
                rt = &routes[i];
        }
    sv_api api = api_of_path(path);
    for (size_t i = 0; i < N_ROUTES && !rt; i++)
        if (route_path(&routes[i], path)) {
            api = routes[i].api; /* a wrong method answers in the shape of the path's API */
            break;
        }
    if (rt)
        api = rt->api;
    if (path_known && !rt) {
        allowed_methods(path, r->allow, sizeof r->allow);
        if (!strcmp(method, "OPTIONS")) { /* a CORS preflight or a client asking what is there */
            r->status = 204;
            return;
        }
    }
    if (!rt) {
        if (path_known)
            sv_error(r, api, 405, "method %s not allowed on %s", method, path);
        else if (api == API_OPENAI)
            sv_error(r, api, 404, "Invalid URL (%s %s)", method, path); /* OpenAI's words */
        else
            sv_error(r, api, 404, "no endpoint %s", path);
        return;
    }
    if (atomic_load(&sh_stopping)) {
        sv_error(r, api, 503, "the server is shutting down");
        return;
    }
    if (cn->too_big) {
        sv_error(r, api, 413, "the request body is larger than %zu bytes (--max-body)", srv->cfg->max_body);
        return;
    }
    sv_request rq = {.srv = srv, .api = api, .method = method, .path = path, .client_fd = -1,
                     .body = cn->body.p ? cn->body.p : "", .body_len = cn->body.len};
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci)
        rq.client_fd = ci->connect_fd;
    char err[256] = "";
    int bad = 0;
    if (q && sf_parse(q + 1, strlen(q + 1), &rq.query, err, sizeof err))
        bad = 1;
    /* A GET may carry a form too (libretranslatepy sends its api_key that way). */
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    int get_form = rq.body_len && ct && (!strncasecmp(ct, "application/x-www-form-urlencoded", 33) ||
                                         !strncasecmp(ct, "multipart/form-data", 19));
    if (!bad && (!strcmp(method, "POST") || get_form) && parse_body(c, &rq, err, sizeof err))
        bad = 1;
    if (srv->cfg->api_key && !rt->open) {
        const char *key = NULL;
        size_t klen = 0;
        int given = header_key(c, &rq, &key, &klen) || body_key(&rq, &key, &klen);
        if (!given || !sh_key_equal(key, klen, srv->cfg->api_key)) {
            int st = api == API_LIBRE || api == API_DEEPL ? 403 : 401;
            sv_error(r, api, st, api == API_LIBRE ? "Invalid API key"
                                 : api == API_DEEPL ? "Authorization failure, check auth_key"
                                                    : "Incorrect API key provided");
            goto done;
        }
    }
    if (bad)
        sv_error(r, api, 400, "%s", err);
    else
        rt->fn(&rq, r);
done:
    sj_free(rq.json);
    sf_free(&rq.form);
    sf_free(&rq.query);
}

enum MHD_Result sh_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)url;
    (void)version;
    sv_server *srv = cls;
    sv_conn *cn = *con_cls;
    if (!cn || !cn->raw_uri)
        return MHD_NO;
    sv_reply r = {.stream_fd = -1};
    if (!cn->started) {
        cn->started = 1;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && (strlen(cl) > 18 || strtoull(cl, NULL, 10) > srv->cfg->max_body)) {
            cn->too_big = 1;
            handle(srv, c, cn, method, &r); /* answers 413 (or 404/405) before reading the body */
            return send_reply(srv, c, &r);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!cn->too_big && cn->body.len + *upload_data_size <= srv->cfg->max_body)
            sb_add(&cn->body, upload_data, *upload_data_size);
        else
            cn->too_big = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (cn->body.oom) {
        sv_error(&r, API_PLAIN, 500, "out of memory");
        return send_reply(srv, c, &r);
    }
    handle(srv, c, cn, method, &r);
    return send_reply(srv, c, &r);
}
