/* The translation APIs CAT tools speak: LibreTranslate (POST /translate, GET /languages, POST
 * /detect, GET /frontend/settings), Apertium APy (GET /translate?q=..&langpair=en|de, GET
 * /listPairs) and DeepL v2 (POST /v2/translate, GET /v2/languages, /v2/usage and the empty glossary
 * lists Weblate asks for). Each
 * text is one translation job of the batching scheduler, or, with --tm / --glossary and a known
 * source language, of the TM-aware session (serve_tm.h); replies and errors in each API's shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve_ctx.h"
#include "serve_detect.h"
#include "serve_lang.h"
#include "serve_markup.h"

#define MAX_TEXTS 128

static int lang_known(sv_server *srv, const char *from, const char *to, tolk_error *err)
{
    char *prompt = NULL;
    int rc = tolk_translate_prompt(srv->model, NULL, from, to, "x", 1, &prompt, NULL, NULL, err);
    free(prompt);
    return rc == 0;
}

/* Checks that FROM (may be NULL) and TO name languages tolk knows, before any queueing; an unknown
 * one is answered as each service words it (DeepL "Value for 'target_lang' not supported.",
 * LibreTranslate "xx is not supported", APy "That pair is not installed"). */
static int check_langs(sv_request *rq, sv_reply *r, const char *from, const char *to)
{
    tolk_error err = {0};
    if (lang_known(rq->srv, from, to, &err))
        return 0;
    tolk_error err2 = {0};
    int target_bad = !lang_known(rq->srv, NULL, to, &err2);
    if (rq->api == API_DEEPL)
        sv_error(r, API_DEEPL, 400, "Value for '%s' not supported.", target_bad ? "target_lang" : "source_lang");
    else if (rq->api == API_LIBRE)
        sv_error(r, API_LIBRE, 400, "%s is not supported", target_bad || !from ? to : from);
    else if (rq->api == API_APY)
        sv_error(r, API_APY, 400, "That pair is not installed");
    else
        sv_error(r, rq->api, 400, "%s", err.msg);
    return -1;
}

/* Markup handling of a request: LibreTranslate "format": "html", DeepL "tag_handling" (serve_markup.h). */
typedef struct markup {
    int on, html;
    const char **ignore; /* DeepL ignore_tags */
    size_t n_ignore;
} markup;

#define MAX_PIECES 512

/* One text into *OUT (malloc'd, NUL-terminated); -1 with an error reply set. */
static int translate_one(sv_request *rq, sv_reply *r, const char *from, const char *to, const char *text, size_t len,
                         char **out)
{
    sv_server *srv = rq->srv;
    sv_gen g = {.from = from, .to = to, .text = text, .len = len, .n_predict = -1, .gone = sv_client_gone,
                .gone_user = rq};
    int failed = 0;
    if (len && srv->tm && from)
        failed = sv_tm_generate(srv, &g, r, rq->api);
    else if (len)
        failed = sv_generate(srv, &g, r, rq->api);
    if (failed) {
        sb_free(&g.out);
        return -1;
    }
    *out = g.out.p ? g.out.p : strdup("");
    if (!*out) {
        sv_error(r, rq->api, 500, "out of memory");
        return -1;
    }
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A text with tags: the whole text first; when the answer lost, added, changed or reordered a
 * tag, or changed the text of an ignored element, each text run is translated on its own between
 * the source's tags (white space around a run kept), so the tags come back exactly. */
static int translate_markup(sv_request *rq, sv_reply *r, const char *from, const char *to, const char *text,
                            size_t len, const markup *mk, char **out)
{
    if (!mk->on || !sm_has_tags(text, len))
        return translate_one(rq, r, from, to, text, len, out);
    char *whole;
    if (translate_one(rq, r, from, to, text, len, &whole))
        return -1;
    sm_piece *pieces = malloc(MAX_PIECES * sizeof *pieces);
    long n = pieces ? sm_split(text, len, mk->ignore, mk->n_ignore, mk->html, pieces, MAX_PIECES) : -1;
    size_t wl = strlen(whole);
    if (n < 0 || (sm_same_tags(text, len, whole, wl) && sm_ignored_kept(text, pieces, (size_t)n, whole, wl))) {
        /* kept (tags and ignored elements), or too many pieces to redo */
        free(pieces);
        *out = whole;
        return 0;
    }
    free(whole);
    sb_buf b = {0};
    for (long i = 0; i < n; i++) {
        const char *p = text + pieces[i].start;
        size_t pl = pieces[i].len;
        if (pieces[i].keep) {
            sb_add(&b, p, pl);
            continue;
        }
        size_t lead = 0, trail = 0;
        while (lead < pl && is_space(p[lead]))
            lead++;
        while (trail < pl - lead && is_space(p[pl - 1 - trail]))
            trail++;
        char *t;
        if (translate_one(rq, r, from, to, p + lead, pl - lead - trail, &t)) {
            sb_free(&b);
            free(pieces);
            return -1;
        }
        size_t tl = strlen(t), ts = 0;
        while (ts < tl && is_space(t[ts]))
            ts++;
        while (tl > ts && is_space(t[tl - 1]))
            tl--;
        sb_add(&b, p, lead);
        sb_add(&b, t + ts, tl - ts);
        sb_add(&b, p + pl - trail, trail);
        free(t);
    }
    free(pieces);
    if (b.oom || !(*out = b.p ? b.p : strdup(""))) {
        sb_free(&b);
        sv_error(r, rq->api, 500, "out of memory");
        return -1;
    }
    return 0;
}

/* Translates N texts into OUT[i] (malloc'd, NUL-terminated); -1 with an error reply set. */
static int translate_all(sv_request *rq, sv_reply *r, const char *from, const char *to, const char **texts,
                         const size_t *lens, size_t n, const markup *mk, char **out)
{
    sv_server *srv = rq->srv;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lens[i];
    if (n > MAX_TEXTS) {
        sv_error(r, rq->api, 413, "%zu texts in one request; at most %d", n, MAX_TEXTS);
        return -1;
    }
    if (total > srv->cfg->max_text) {
        sv_error(r, rq->api, 413, "the texts have %zu bytes together; this server takes at most %zu (--max-text)",
                 total, srv->cfg->max_text);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (memchr(texts[i], '\0', lens[i])) { /* %00 or \u0000: the prompt would end there */
            sv_error(r, rq->api, 400, "text %zu holds a NUL character", i);
            return -1;
        }
    if (check_langs(rq, r, from, to))
        return -1;
    static const markup plain = {0};
    for (size_t i = 0; i < n; i++)
        if (translate_markup(rq, r, from, to, texts[i], lens[i], mk ? mk : &plain, &out[i])) {
            for (size_t k = 0; k < i; k++)
                free(out[k]);
            return -1;
        }
    return 0;
}

static void free_out(char **out, size_t n)
{
    for (size_t i = 0; out && i < n; i++)
        free(out[i]);
    free(out);
}

/* A language field normalised ("EN-US" -> "en-US"); 0 absent, 1 present, -1 error set. */
static int lang_field(sv_request *rq, sv_reply *r, const char *key, char *out, size_t outsz)
{
    const char *s;
    size_t len;
    int has = fld_str(rq, r, key, &s, &len);
    if (has <= 0)
        return has;
    if (sl_normalize(s, out, outsz)) {
        if (rq->api == API_DEEPL)
            sv_error(r, API_DEEPL, 400, "Value for '%s' not supported.", key);
        else if (rq->api == API_LIBRE)
            sv_error(r, API_LIBRE, 400, "%.40s is not supported", s);
        else
            sv_error(r, rq->api, 400, "'%s' is not a language code such as en, de, pt-BR or zh-Hans", key);
        return -1;
    }
    return 1;
}

/* Apertium variant codes that are not a region or a script (OmegaT sends ca_valencia, oc_aran,
 * APy lists nno_e, ...) name the base language here: the suffix is dropped. */
static void apertium_base(char *code)
{
    char *sep = code + strcspn(code, "_-");
    if (!*sep)
        return;
    size_t n = strlen(sep + 1);
    int region = n == 2 || n == 3, script = n == 4 && strcasecmp(sep + 1, "aran");
    if (!region && !script)
        *sep = '\0';
}

void rt_apy_translate(sv_request *rq, sv_reply *r)
{
    rq->api = API_APY;
    const char *q, *pair;
    size_t qlen, plen;
    int hq = fld_str(rq, r, "q", &q, &qlen);
    if (hq < 0)
        return;
    int hp = fld_str(rq, r, "langpair", &pair, &plen);
    if (hp < 0)
        return;
    if (!hq || !hp) {
        sv_error(r, API_APY, 400, "missing argument %s", hq ? "langpair" : "q");
        return;
    }
    char src[32], dst[32], a[32], b[32];
    const char *bar = memchr(pair, '|', plen);
    if (!bar || (size_t)(bar - pair) >= sizeof a || plen - (size_t)(bar - pair) - 1 >= sizeof b) {
        sv_error(r, API_APY, 400, "langpair must look like en|de (or eng|deu)");
        return;
    }
    memcpy(a, pair, (size_t)(bar - pair));
    a[bar - pair] = '\0';
    strcpy(b, bar + 1);
    apertium_base(a);
    apertium_base(b);
    if (sl_from_apertium(a, src, sizeof src) || sl_from_apertium(b, dst, sizeof dst)) {
        sv_error(r, API_APY, 400, "That pair is not installed");
        return;
    }
    char **out = calloc(1, sizeof *out);
    if (!out) {
        sv_error(r, API_APY, 500, "out of memory");
        return;
    }
    if (translate_all(rq, r, src, dst, &q, &qlen, 1, NULL, out)) {
        free_out(out, 1);
        return;
    }
    sb_puts(&r->body, "{\"responseData\":{\"translatedText\":");
    sb_json_cstr(&r->body, out[0]);
    sb_puts(&r->body, "},\"responseDetails\":null,\"responseStatus\":200}");
    free_out(out, 1);
    sv_json_reply(r, 200);
}

void rt_apy_pairs(sv_request *rq, sv_reply *r)
{
    (void)rq;
    sb_puts(&r->body, "{\"responseData\":[");
    for (size_t i = 0; i < sl_count(); i++)
        for (size_t k = 0; k < sl_count(); k++)
            if (i != k)
                sb_printf(&r->body, "%s{\"sourceLanguage\":\"%s\",\"targetLanguage\":\"%s\"}",
                          i || k > 1 ? "," : "", sl_at(i)->iso3, sl_at(k)->iso3);
    sb_puts(&r->body, "],\"responseDetails\":null,\"responseStatus\":200}");
    sv_json_reply(r, 200);
}

static int alternatives_of(sv_request *rq, sv_reply *r, const char *from, const char *to, const char *text,
                           size_t len, int markup_on, const char *best, int want, sb_buf *b, int comma);

void rt_libre_translate(sv_request *rq, sv_reply *r)
{
    const char *s;
    size_t len;
    if (!rq->json && sf_count(rq->has_form ? &rq->form : &rq->query, "langpair")) {
        rt_apy_translate(rq, r); /* APy also takes POST with a form */
        return;
    }
    rq->api = API_LIBRE;
    char src[32] = "", dst[32];
    const char *from = NULL;
    int has = fld_str(rq, r, "source", &s, &len);
    if (has < 0)
        return;
    if (has && strcmp(s, "auto")) {
        if (lang_field(rq, r, "source", src, sizeof src) < 0)
            return;
        from = src;
    }
    has = lang_field(rq, r, "target", dst, sizeof dst);
    if (has <= 0) {
        if (!has)
            sv_error(r, API_LIBRE, 400, "Invalid request: missing target parameter");
        return;
    }
    has = fld_str(rq, r, "format", &s, &len);
    if (has < 0)
        return;
    if (has && strcmp(s, "text") && strcmp(s, "html")) {
        sv_error(r, API_LIBRE, 400, "Invalid request: format must be text or html");
        return;
    }
    markup mk = {.on = has && !strcmp(s, "html"), .html = 1};
    long long alternatives = 0;
    if (fld_int(rq, r, "alternatives", 0, 3, &alternatives) < 0)
        return;
    const char **texts;
    size_t *lens, n;
    int is_list;
    has = fld_strs(rq, r, "q", &texts, &lens, &n, &is_list);
    if (has <= 0 || (!is_list && !lens[0])) { /* LibreTranslate refuses an empty q too */
        if (has >= 0)
            sv_error(r, API_LIBRE, 400, "Invalid request: missing q parameter");
        free(texts);
        free(lens);
        return;
    }
    char **out = calloc(n, sizeof *out);
    if (!out || translate_all(rq, r, from, dst, texts, lens, n, &mk, out)) {
        if (!out)
            sv_error(r, API_LIBRE, 500, "out of memory");
        free(out);
        free(texts);
        free(lens);
        return;
    }
    sb_buf *b = &r->body;
    sb_puts(b, "{");
    if (!from) { /* "source": "auto": what was detected, per text */
        sb_puts(b, "\"detectedLanguage\":");
        for (size_t i = 0; i < n; i++) {
            sd_guess gs;
            sd_detect(texts[i], lens[i], &gs, 1);
            sb_printf(b, "%s{\"confidence\":%.1f,\"language\":\"%s\"}", i ? "," : is_list ? "[" : "", gs.confidence,
                      gs.code);
        }
        sb_puts(b, is_list ? "]," : ",");
    }
    if (alternatives) {
        sb_buf alts = {0};
        for (size_t i = 0; i < n; i++)
            if (alternatives_of(rq, r, from, dst, texts[i], lens[i], mk.on, out[i], (int)alternatives, &alts,
                                is_list && i)) {
                sb_free(&alts); /* r->body already holds the error reply */
                free_out(out, n);
                free(texts);
                free(lens);
                return;
            }
        sb_printf(b, "\"alternatives\":%s", is_list ? "[" : "");
        sb_add(b, alts.p, alts.len);
        sb_puts(b, is_list ? "]," : ",");
        sb_free(&alts);
    }
    sb_puts(b, "\"translatedText\":");
    if (is_list)
        sb_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_puts(b, ",");
        sb_json_cstr(b, out[i]);
    }
    sb_puts(b, is_list ? "]}" : "}");
    free_out(out, n);
    free(texts);
    free(lens);
    sv_json_reply(r, 200);
}

/* LibreTranslate's "alternatives": up to WANT other translations of TEXT, sampled (temperature
 * 0.8, seeds 1..WANT) and kept when they differ from BEST and from each other, as a JSON list
 * appended to B (after a comma when COMMA). Texts with markup get none (an alternative would not
 * go through the tag check). 0, or -1 with an error reply set. */
static int alternatives_of(sv_request *rq, sv_reply *r, const char *from, const char *to, const char *text,
                           size_t len, int markup_on, const char *best, int want, sb_buf *b, int comma)
{
    char *found[3];
    int n_found = 0;
    sb_puts(b, comma ? ",[" : "[");
    for (int k = 0; len && !(markup_on && sm_has_tags(text, len)) && k < want && k < 3; k++) {
        sv_gen g = {.from = from, .to = to, .text = text, .len = len, .n_predict = -1, .own_sampling = 1,
                    .temp = 0.8f, .seed = (uint64_t)k + 1, .gone = sv_client_gone, .gone_user = rq};
        if (sv_generate(rq->srv, &g, r, rq->api)) {
            sb_free(&g.out);
            for (int i = 0; i < n_found; i++)
                free(found[i]);
            return -1;
        }
        const char *t = g.out.p ? g.out.p : "";
        int dup = !strcmp(t, best) || !*t;
        for (int i = 0; i < n_found && !dup; i++)
            dup = !strcmp(found[i], t);
        if (dup || !g.out.p) {
            sb_free(&g.out);
            continue;
        }
        found[n_found] = g.out.p;
        sb_puts(b, n_found ? "," : "");
        sb_json_cstr(b, found[n_found]);
        n_found++;
    }
    for (int i = 0; i < n_found; i++)
        free(found[i]);
    sb_puts(b, "]");
    return 0;
}

void rt_libre_languages(sv_request *rq, sv_reply *r)
{
    (void)rq;
    sb_buf *b = &r->body;
    sb_puts(b, "[");
    for (size_t i = 0; i < sl_count(); i++) {
        const sl_lang *l = sl_at(i);
        sb_printf(b, "%s{\"code\":\"%s\",\"name\":", i ? "," : "", l->code);
        sb_json_cstr(b, l->name);
        sb_puts(b, ",\"targets\":[");
        for (size_t k = 0, first = 1; k < sl_count(); k++)
            if (k != i) {
                sb_printf(b, "%s\"%s\"", first ? "" : ",", sl_at(k)->code);
                first = 0;
            }
        sb_puts(b, "]}");
    }
    sb_puts(b, "]");
    sv_json_reply(r, 200);
}

#define MAX_IGNORE 32

/* DeepL's ignore_tags: a list of names, or names separated by commas (the form's way), into
 * NAMES / IGNORE; 0, or -1 with an error reply set. */
static int ignore_tags(sv_request *rq, sv_reply *r, char names[][32], const char **ignore, size_t *n_ignore)
{
    const char **vals;
    size_t *lens, n;
    int is_list;
    *n_ignore = 0;
    int has = fld_strs(rq, r, "ignore_tags", &vals, &lens, &n, &is_list);
    if (has <= 0)
        return has;
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++)
        for (size_t a = 0; a < lens[i] && !bad;) {
            size_t e = a;
            while (e < lens[i] && vals[i][e] != ',')
                e++;
            size_t b = a, t = e;
            while (b < t && vals[i][b] == ' ')
                b++;
            while (t > b && vals[i][t - 1] == ' ')
                t--;
            if (t > b) {
                bad = *n_ignore == MAX_IGNORE || t - b >= 32;
                if (!bad) {
                    memcpy(names[*n_ignore], vals[i] + b, t - b);
                    names[*n_ignore][t - b] = '\0';
                    ignore[*n_ignore] = names[*n_ignore];
                    (*n_ignore)++;
                }
            }
            a = e + 1;
        }
    free(vals);
    free(lens);
    if (bad) {
        sv_error(r, API_DEEPL, 400, "Value for 'ignore_tags' not supported (at most %d names of up to 31 bytes).",
                 MAX_IGNORE);
        return -1;
    }
    return 0;
}

/* DeepL's options tolk takes without acting on them, checked as DeepL checks them: formality,
 * split_sentences, preserve_formatting. 0, or -1 with an error reply set. */
static int deepl_options(sv_request *rq, sv_reply *r)
{
    static const struct {
        const char *key, *values;
    } enums[] = {
        {"formality", " default more less prefer_more prefer_less "},
        {"split_sentences", " 0 1 nonewlines "},
    };
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++) {
        const char *v;
        size_t len;
        int has = fld_str(rq, r, enums[i].key, &v, &len);
        if (has < 0)
            return -1;
        char word[16];
        if (has && len + 3 <= sizeof word)
            snprintf(word, sizeof word, " %s ", v);
        if (has && (len + 3 > sizeof word || !strstr(enums[i].values, word) || memchr(v, ' ', len))) {
            sv_error(r, API_DEEPL, 400, "Value for '%s' not supported.", enums[i].key);
            return -1;
        }
    }
    int b;
    return fld_bool(rq, r, "preserve_formatting", &b) < 0 ? -1 : 0;
}

/* Characters (code points) of valid UTF-8 text, as DeepL counts them. */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

void rt_deepl_translate(sv_request *rq, sv_reply *r)
{
    rq->api = API_DEEPL;
    char src[32] = "", dst[32];
    int has_src = lang_field(rq, r, "source_lang", src, sizeof src);
    if (has_src < 0)
        return;
    int has = lang_field(rq, r, "target_lang", dst, sizeof dst);
    if (has <= 0) {
        if (!has)
            sv_error(r, API_DEEPL, 400, "Value for 'target_lang' not supported.");
        return;
    }
    const char *s;
    size_t len;
    has = fld_str(rq, r, "tag_handling", &s, &len);
    if (has < 0)
        return;
    /* xml / html (Weblate always sends xml with its <x id=".."></x> placeholders and
     * ignore_tags ["x"]): tags come back exactly (translate_markup). */
    if (has && strcmp(s, "xml") && strcmp(s, "html")) {
        sv_error(r, API_DEEPL, 400, "Value for 'tag_handling' not supported.");
        return;
    }
    markup mk = {.on = has, .html = has && !strcmp(s, "html")};
    if (deepl_options(rq, r))
        return;
    char names[MAX_IGNORE][32];
    const char *ignore[MAX_IGNORE];
    if (has && ignore_tags(rq, r, names, ignore, &mk.n_ignore) < 0)
        return;
    mk.ignore = ignore;
    const char **texts;
    size_t *lens, n;
    int is_list;
    has = fld_strs(rq, r, "text", &texts, &lens, &n, &is_list);
    if (has <= 0) {
        if (!has)
            sv_error(r, API_DEEPL, 400, "Parameter 'text' not specified.");
        return;
    }
    if (rq->json && !is_list) {
        free(texts);
        free(lens);
        sv_error(r, API_DEEPL, 400, "Parameter 'text' must be a list of strings.");
        return;
    }
    char **out = calloc(n, sizeof *out);
    if (!out || translate_all(rq, r, has_src ? src : NULL, dst, texts, lens, n, &mk, out)) {
        if (!out)
            sv_error(r, API_DEEPL, 500, "out of memory");
        free(out);
        free(texts);
        free(lens);
        return;
    }
    char detected[16] = "";
    if (has_src)
        sl_to_deepl(src, detected, sizeof detected);
    int billed = 0;
    if (fld_bool(rq, r, "show_billed_characters", &billed) < 0) {
        free_out(out, n);
        free(texts);
        free(lens);
        return;
    }
    sb_buf *b = &r->body;
    sb_puts(b, "{\"translations\":[");
    for (size_t i = 0; i < n; i++) {
        if (!has_src) { /* no source_lang: DeepL names the language it detected */
            sd_guess gs;
            sd_detect(texts[i], lens[i], &gs, 1);
            sl_to_deepl(gs.code, detected, sizeof detected);
        }
        size_t chars = utf8_chars(texts[i], lens[i]);
        atomic_fetch_add(&rq->srv->deepl_chars, chars);
        sb_printf(b, "%s{\"detected_source_language\":\"%s\",\"text\":", i ? "," : "", detected);
        sb_json_cstr(b, out[i]);
        if (billed)
            sb_printf(b, ",\"billed_characters\":%zu", chars);
        sb_puts(b, "}");
    }
    sb_puts(b, "]}");
    free_out(out, n);
    free(texts);
    free(lens);
    sv_json_reply(r, 200);
}

/* GET /v2/languages?type=source|target: DeepL's language list (upper-case codes; targets also
 * name the regional variants DeepL lists). */
void rt_deepl_languages(sv_request *rq, sv_reply *r)
{
    rq->api = API_DEEPL;
    const char *type = "source";
    size_t len;
    if (fld_str(rq, r, "type", &type, &len) < 0)
        return;
    int target = !strcmp(type, "target");
    if (!target && strcmp(type, "source")) {
        sv_error(r, API_DEEPL, 400, "Value for 'type' not supported.");
        return;
    }
    static const struct { const char *lang, *code, *name; } variants[] = {
        {"en", "EN-GB", "English (British)"},       {"en", "EN-US", "English (American)"},
        {"pt", "PT-BR", "Portuguese (Brazilian)"},  {"pt", "PT-PT", "Portuguese (European)"},
        {"zh", "ZH-HANS", "Chinese (simplified)"},  {"zh", "ZH-HANT", "Chinese (traditional)"},
    };
    sb_buf *b = &r->body;
    sb_puts(b, "[");
    int first = 1;
    for (size_t i = 0; i < sl_count(); i++) {
        const sl_lang *l = sl_at(i);
        char code[16];
        sl_to_deepl(l->code, code, sizeof code);
        sb_printf(b, "%s{\"language\":\"%s\",\"name\":", first ? "" : ",", code);
        sb_json_cstr(b, l->name);
        sb_puts(b, target ? ",\"supports_formality\":false}" : "}");
        first = 0;
        for (size_t k = 0; target && k < sizeof variants / sizeof variants[0]; k++)
            if (!strcmp(variants[k].lang, l->code))
                sb_printf(b, ",{\"language\":\"%s\",\"name\":\"%s\",\"supports_formality\":false}", variants[k].code,
                          variants[k].name);
    }
    sb_puts(b, "]");
    sv_json_reply(r, 200);
}

/* GET /v2/usage: the characters translated through /v2/translate since the server started; the
 * limit is DeepL's figure for an account without one (10^12). */
void rt_deepl_usage(sv_request *rq, sv_reply *r)
{
    sb_printf(&r->body, "{\"character_count\":%llu,\"character_limit\":1000000000000}",
              (unsigned long long)atomic_load(&rq->srv->deepl_chars));
    sv_json_reply(r, 200);
}

/* GET /v2/glossary-language-pairs and GET /v2/glossaries: tolk keeps no DeepL glossaries (use
 * --glossary), so both lists are empty. Weblate's DeepL backend asks for the pairs before it would
 * upload a project glossary; an empty list makes it translate without one instead of failing. */
void rt_deepl_glossary_pairs(sv_request *rq, sv_reply *r)
{
    (void)rq;
    sb_puts(&r->body, "{\"supported_languages\":[]}");
    sv_json_reply(r, 200);
}

void rt_deepl_glossaries(sv_request *rq, sv_reply *r)
{
    (void)rq;
    sb_puts(&r->body, "{\"glossaries\":[]}");
    sv_json_reply(r, 200);
}

/* POST /detect (LibreTranslate): [{"confidence": 0..100, "language": code}], best first. */
void rt_libre_detect(sv_request *rq, sv_reply *r)
{
    rq->api = API_LIBRE;
    const char *q;
    size_t len;
    int has = fld_str(rq, r, "q", &q, &len);
    if (has < 0)
        return;
    if (!has || !len) {
        sv_error(r, API_LIBRE, 400, "Invalid request: missing q parameter");
        return;
    }
    sd_guess gs[3];
    size_t n = sd_detect(q, len, gs, 3);
    sb_puts(&r->body, "[");
    for (size_t i = 0; i < n; i++)
        sb_printf(&r->body, "%s{\"confidence\":%.1f,\"language\":\"%s\"}", i ? "," : "", gs[i].confidence,
                  gs[i].code);
    sb_puts(&r->body, "]");
    sv_json_reply(r, 200);
}

/* GET /frontend/settings (LibreTranslate): what its web page and some clients read first. */
void rt_libre_settings(sv_request *rq, sv_reply *r)
{
    const sv_config *cfg = rq->srv->cfg;
    sb_printf(&r->body,
              "{\"apiKeys\":%s,\"charLimit\":%zu,\"frontendTimeout\":500,\"keyRequired\":%s,"
              "\"language\":{\"source\":{\"code\":\"auto\",\"name\":\"Auto Detect\"},"
              "\"target\":{\"code\":\"en\",\"name\":\"English\"}},\"suggestions\":false,"
              "\"supportedFilesFormat\":[]}",
              cfg->api_key ? "true" : "false", cfg->max_text, cfg->api_key ? "true" : "false");
    sv_json_reply(r, 200);
}
