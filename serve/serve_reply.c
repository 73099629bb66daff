/* Error replies in each emulated API's shape, and typed access to request fields whether the body
 * was JSON or a form (serve_ctx.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_ctx.h"

static const char *reason(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

void sv_json_reply(sv_reply *r, int status)
{
    r->status = status;
    r->content_type = "application/json; charset=utf-8"; /* named, as APy does, for clients that guess */
}

void sv_error(sv_reply *r, sv_api api, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sb_free(&r->body);
    sb_buf *b = &r->body;
    switch (api) {
    case API_OPENAI: {
        const char *type = status == 401 ? "authentication_error"
                           : status == 503 ? "server_error" : status >= 500 ? "server_error"
                                                                            : "invalid_request_error";
        sb_puts(b, "{\"error\":{\"message\":");
        sb_json_cstr(b, msg);
        sb_printf(b, ",\"type\":\"%s\",\"param\":", type);
        if (r->param)
            sb_json_cstr(b, r->param);
        else
            sb_puts(b, "null");
        const char *code = status == 401                ? "\"invalid_api_key\""
                           : status == 404 && r->param ? "\"model_not_found\""
                                                       : "null";
        sb_printf(b, ",\"code\":%s}}", code);
        break;
    }
    case API_APY:
        sb_printf(b, "{\"status\":\"error\",\"code\":%d,\"message\":\"%s\",\"explanation\":", status,
                  reason(status));
        sb_json_cstr(b, msg);
        sb_puts(b, "}");
        break;
    case API_DEEPL:
        sb_puts(b, "{\"message\":");
        sb_json_cstr(b, msg);
        sb_puts(b, "}");
        break;
    case API_LIBRE:
    case API_PLAIN:
    default:
        sb_puts(b, "{\"error\":");
        sb_json_cstr(b, msg);
        sb_puts(b, "}");
        break;
    }
    sv_json_reply(r, status);
}

/* The JSON member or the form/query field KEY. */
static const sj_val *jget(sv_request *rq, const char *key)
{
    const sj_val *v = rq->json ? sj_get(rq->json, key) : NULL;
    return v && v->type == SJ_NULL ? NULL : v;
}

static const sf_pair *fget(sv_request *rq, const char *key)
{
    const sf_pair *p = rq->has_form ? sf_get(&rq->form, key, 0) : NULL;
    return p ? p : sf_get(&rq->query, key, 0);
}

static int wrong_type(sv_request *rq, sv_reply *r, const char *key, const char *want, const sj_val *v)
{
    r->param = key;
    sv_error(r, rq->api, 400, "'%s' must be %s, not %s", key, want, sj_type_name(v->type));
    return -1;
}

int fld_str(sv_request *rq, sv_reply *r, const char *key, const char **s, size_t *len)
{
    if (rq->json) {
        const sj_val *v = jget(rq, key);
        if (!v)
            return 0;
        if (v->type != SJ_STR)
            return wrong_type(rq, r, key, "a string", v);
        *s = v->str;
        *len = v->len;
        return 1;
    }
    const sf_pair *p = fget(rq, key);
    if (!p)
        return 0;
    *s = p->val;
    *len = p->val_len;
    return 1;
}

int fld_strs(sv_request *rq, sv_reply *r, const char *key, const char ***vals, size_t **lens, size_t *n,
             int *is_list)
{
    *vals = NULL;
    *lens = NULL;
    *n = 0;
    *is_list = 0;
    size_t count;
    const sj_val *v = NULL;
    const sf_form *form = NULL;
    if (rq->json) {
        v = jget(rq, key);
        if (!v)
            return 0;
        if (v->type != SJ_STR && v->type != SJ_ARR)
            return wrong_type(rq, r, key, "a string or a list of strings", v);
        count = v->type == SJ_ARR ? v->n : 1;
        *is_list = v->type == SJ_ARR;
        for (size_t i = 0; *is_list && i < count; i++)
            if (v->items[i].type != SJ_STR)
                return wrong_type(rq, r, key, "a list of strings", &v->items[i]);
    } else {
        form = rq->has_form && sf_count(&rq->form, key) ? &rq->form : &rq->query;
        count = sf_count(form, key);
        if (!count)
            return 0;
        *is_list = count > 1;
    }
    if (count == 0) {
        r->param = key;
        sv_error(r, rq->api, 400, "'%s' is an empty list", key);
        return -1;
    }
    *vals = calloc(count, sizeof **vals);
    *lens = calloc(count, sizeof **lens);
    if (!*vals || !*lens) {
        free(*vals);
        free(*lens);
        *vals = NULL;
        *lens = NULL;
        sv_error(r, rq->api, 500, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        if (v) {
            const sj_val *it = v->type == SJ_ARR ? &v->items[i] : v;
            (*vals)[i] = it->str;
            (*lens)[i] = it->len;
        } else {
            const sf_pair *p = sf_get(form, key, i);
            (*vals)[i] = p->val;
            (*lens)[i] = p->val_len;
        }
    }
    *n = count;
    return 1;
}

/* Number from a form field: plain decimal, no trailing junk, finite. */
static int form_num(const char *s, double *out)
{
    char *end;
    if (!*s || strlen(s) > 40 || strspn(s, "0123456789+-.eE") != strlen(s)) /* no hex, inf or nan */
        return -1;
    double d = strtod(s, &end);
    if (*end || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

int fld_num(sv_request *rq, sv_reply *r, const char *key, double lo, double hi, double *out)
{
    double d;
    if (rq->json) {
        const sj_val *v = jget(rq, key);
        if (!v)
            return 0;
        if (v->type != SJ_NUM)
            return wrong_type(rq, r, key, "a number", v);
        d = v->num;
    } else {
        const sf_pair *p = fget(rq, key);
        if (!p)
            return 0;
        if (form_num(p->val, &d)) {
            r->param = key;
            sv_error(r, rq->api, 400, "'%s' must be a number", key);
            return -1;
        }
    }
    if (d < lo || d > hi) {
        r->param = key;
        sv_error(r, rq->api, 400, "'%s' must be between %g and %g", key, lo, hi);
        return -1;
    }
    *out = d;
    return 1;
}

int fld_int(sv_request *rq, sv_reply *r, const char *key, long long lo, long long hi, long long *out)
{
    double d;
    int rc = fld_num(rq, r, key, (double)lo, (double)hi, &d);
    if (rc <= 0)
        return rc;
    if (d != floor(d)) {
        r->param = key;
        sv_error(r, rq->api, 400, "'%s' must be an integer", key);
        return -1;
    }
    *out = (long long)d;
    return 1;
}

int fld_bool(sv_request *rq, sv_reply *r, const char *key, int *out)
{
    if (rq->json) {
        const sj_val *v = jget(rq, key);
        if (!v)
            return 0;
        if (v->type != SJ_BOOL)
            return wrong_type(rq, r, key, "true or false", v);
        *out = v->b;
        return 1;
    }
    const sf_pair *p = fget(rq, key);
    if (!p)
        return 0;
    if (!strcmp(p->val, "true") || !strcmp(p->val, "1")) {
        *out = 1;
    } else if (!strcmp(p->val, "false") || !strcmp(p->val, "0")) {
        *out = 0;
    } else {
        r->param = key;
        sv_error(r, rq->api, 400, "'%s' must be true or false", key);
        return -1;
    }
    return 1;
}
