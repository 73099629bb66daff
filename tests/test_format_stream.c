/* Streamed documents (tolk_doc_open_stream + tolk_doc_translate_with_to, docs/FORMATS.md "XLIFF in
 * bounded memory"): the output, the report and the stats are those of the whole-document path for
 * every XLIFF fixture and stand-in translator, also with their units repeated to megabytes (pieces
 * of the parser then end inside units of every kind); a big generated XLIFF is written window by window (the
 * writer is called between translations, never after all of them) while repeated sources in far
 * apart windows still get one translation; the report's problems survive their windows (and the
 * spill to a temporary file; tolk_doc_report_to gives tolk_doc_report's bytes); malformed XML
 * anywhere, even at the very end, fails at open, before anything is translated or written. The
 * formats streamed by their parse (text, PO, SRT, WebVTT, HTML, Markdown: doc_stream_by_parse) give the whole
 * path's output and report for every fixture, with a window after every unit too, and big files of
 * each are written window by window. */
#include "doc.h"
#include "doc_stream.h"
#include "format_standins.h"
#include "skip.h"
#include "suite_run.h"
#include "tolk.h"

static int have_xliff, have_md;

/* Upper-cases and appends " #N", N its call number: every call gives a different answer, so two
 * segments with the same translation were answered by one call. */
static int numbering(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                     tolk_error *err)
{
    int *calls = user;
    char tail[32];
    snprintf(tail, sizeof tail, " #%d", ++*calls);
    upper(NULL, text, len, emit, eu, hit, tokens, err);
    emit(tail, strlen(tail), eu);
    return TOLK_OK;
}

/* Drops everything from the first placeholder on (a model that loses a tag or a %s): such segments
 * are kept untranslated and reported, streamed as whole. */
static int dropping(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                    tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = 0;
    *tokens = 1;
    const char *brace = memchr(text, '{', len);
    emit(text, brace ? (size_t)(brace - text) : len, eu);
    return TOLK_OK;
}

typedef struct out_buf {
    char *p;
    size_t n, cap;
    /* windowing: segments done when the writer was called */
    const size_t *done;
    size_t first_write_done, last_write_done, max_between, writes;
} out_buf;

static int buf_write(void *user, const char *data, size_t len)
{
    out_buf *b = user;
    if (b->n + len + 1 > b->cap) {
        b->cap = (b->n + len + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert(b->p != NULL);
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = 0;
    if (b->done) {
        size_t now = *b->done;
        if (!b->writes++)
            b->first_write_done = now;
        else if (now - b->last_write_done > b->max_between)
            b->max_between = now - b->last_write_done;
        b->last_write_done = now;
    }
    return 0;
}

static void count_done(void *user, size_t done, size_t total, long long tokens)
{
    (void)total;
    (void)tokens;
    *(size_t *)user = done;
}

/* The report without its "seconds" value (timing differs from run to run). */
static char *report_of(tolk_doc *d)
{
    char *json = NULL;
    size_t len = 0;
    tolk_error err = {0};
    ck_assert_msg(tolk_doc_report(d, &json, &len, &err) == TOLK_OK, "%s", err.msg);
    /* the report sent piece by piece is the same bytes */
    out_buf pieces = {0};
    ck_assert_msg(tolk_doc_report_to(d, buf_write, &pieces, &err) == TOLK_OK, "%s", err.msg);
    ck_assert_msg(pieces.n == len && !memcmp(pieces.p, json, len), "tolk_doc_report_to differs");
    free(pieces.p);
    char *s = strstr(json, "\"seconds\": ");
    ck_assert(s != NULL);
    char *e = strchr(s, ',');
    ck_assert(e != NULL);
    memmove(s, e, strlen(e) + 1);
    return json;
}

typedef struct run_result {
    out_buf out;
    char *report;
    tolk_doc_stats st;
} run_result;

static void run_free(run_result *r)
{
    free(r->out.p);
    free(r->report);
}

/* DATA through the whole-document path and through the streamed one. */
static void both_ways(const char *name, const char *data, size_t len, int overwrite, tolk_segment_fn fn,
                      run_result *whole, run_result *streamed, int *stream_calls)
{
    tolk_error err = {0};
    tolk_doc *d = NULL;
    memset(whole, 0, sizeof *whole);
    memset(streamed, 0, sizeof *streamed);
    int calls = 0;
    size_t done = 0;
    ck_assert_msg(tolk_doc_open(NULL, name, data, len, overwrite, &d, &err) == TOLK_OK, "%s: %s", name, err.msg);
    ck_assert_int_eq(tolk_doc_translate_with(d, fn, &calls, NULL, NULL, &err), TOLK_OK);
    ck_assert_int_eq(tolk_doc_write_to(d, buf_write, &whole->out, &err), TOLK_OK);
    whole->report = report_of(d);
    tolk_doc_get_stats(d, &whole->st);
    tolk_doc_free(d);

    calls = 0;
    streamed->out.done = &done;
    ck_assert_msg(tolk_doc_open_stream(NULL, NULL, name, data, len, overwrite, &d, &err) == TOLK_OK, "%s: %s", name,
                  err.msg);
    ck_assert_int_eq(tolk_doc_translate_with_to(d, fn, &calls, count_done, &done, buf_write, &streamed->out, &err),
                     TOLK_OK);
    streamed->report = report_of(d);
    tolk_doc_get_stats(d, &streamed->st);
    if (stream_calls)
        *stream_calls = calls;
    tolk_doc_free(d);
}

static void same_result(const char *what, const run_result *a, const run_result *b)
{
    ck_assert_msg(a->out.n == b->out.n && !memcmp(a->out.p, b->out.p, a->out.n), "%s: streamed output differs:\n%s",
                  what, b->out.p);
    ck_assert_msg(!strcmp(a->report, b->report), "%s: streamed report differs:\n%s\n---\n%s", what, a->report,
                  b->report);
    ck_assert_msg(a->st.segments == b->st.segments && a->st.translated == b->st.translated &&
                  a->st.skipped == b->st.skipped && a->st.copied == b->st.copied && a->st.kept == b->st.kept &&
                  a->st.flagged == b->st.flagged && a->st.tokens == b->st.tokens, "%s: stats differ", what);
}

START_TEST(stream_matches_whole)
{
    static const char *const files[] = {"sample.xlf", "sample20.xlf", "sample.sdlxliff", "sample.mqxliff",
                                        "markup.xlf", "full21.xlf", "trados_multi.sdlxliff", "phrase.mxliff",
                                        "sample.po", "sample.html", "plural_pl.po", "attrs.html", "legacy.html",
                                        "sample.txt", "sample.srt", "nogaps.srt", "sample.vtt", "voices.vtt",
                                        "sample.md", "frontmatter.md", "htmlblocks.md", "titles.md", "front_yaml.md",
                                        "front_toml.md", NULL};
    static const struct { const char *name; tolk_segment_fn fn; } fns[] = {
        {"identity", identity}, {"upper", upper}, {"looping", looping}, {"dropping", dropping}};
    for (int i = 0; files[i]; i++) {
        if ((!have_xliff && strstr(files[i], "xl")) || (!have_md && strstr(files[i], ".md")))
            continue;
        size_t len;
        char *data = read_fixture(files[i], &len);
        for (size_t f = 0; f < sizeof fns / sizeof fns[0]; f++)
            for (int overwrite = 0; overwrite < 2; overwrite++) {
                run_result whole, streamed;
                char what[128];
                snprintf(what, sizeof what, "%s, %s, overwrite %d", files[i], fns[f].name, overwrite);
                both_ways(files[i], data, len, overwrite, fns[f].fn, &whole, &streamed, NULL);
                ck_assert_msg(whole.st.segments > 0, "%s: no segments", what);
                same_result(what, &whole, &streamed);
                run_free(&whole);
                run_free(&streamed);
            }
        free(data);
    }
}
END_TEST

/* Fixture NAME with its units (from the first unit's start tag to the last unit's end tag) repeated
 * until the file passes 2 MB: the parser's 256 KB pieces then end inside units of every kind
 * (Trados seg-source mrks and sdl:seg-defs, memoQ, XLIFF 2 segments and notes) at many offsets. */
static char *replicated(const char *name, size_t *len)
{
    size_t n;
    char *data = read_fixture(name, &n);
    const char *open = strstr(data, "<trans-unit") ? "<trans-unit" : "<unit", *close = strstr(open, "trans") ?
                       "</trans-unit>" : "</unit>";
    char *from = strstr(data, open), *to = NULL;
    for (char *p = data; (p = strstr(p, close)); p++)
        to = p + strlen(close);
    ck_assert_msg(from && to && to > from, "%s: no units", name);
    size_t span = (size_t)(to - from), times = (2u << 20) / span + 1;
    char *out = malloc(n + span * times + 1);
    ck_assert(out != NULL);
    size_t at = (size_t)(to - data);
    memcpy(out, data, at);
    for (size_t i = 0; i < times; i++, at += span)
        memcpy(out + at, from, span);
    memcpy(out + at, to, n - (size_t)(to - data));
    at += n - (size_t)(to - data);
    out[at] = 0;
    *len = at;
    free(data);
    return out;
}

START_TEST(replicated_fixtures_stream_like_whole)
{
    /* (fixtures whose units all sit in one file element: replicated() copies the span between the
     * first unit and the last one) */
    static const char *const files[] = {"sample.xlf", "sample20.xlf", "sample.sdlxliff", "sample.mqxliff",
                                        "markup.xlf", "phrase.mxliff", NULL};
    static const struct { const char *name; tolk_segment_fn fn; } fns[] = {{"upper", upper}, {"looping", looping}};
    for (int i = 0; files[i]; i++) {
        size_t len;
        char *data = replicated(files[i], &len);
        for (size_t f = 0; f < sizeof fns / sizeof fns[0]; f++) {
            run_result whole, streamed;
            char what[128];
            snprintf(what, sizeof what, "%s x many, %s", files[i], fns[f].name);
            both_ways(files[i], data, len, f == 1, fns[f].fn, &whole, &streamed, NULL);
            same_result(what, &whole, &streamed);
            ck_assert_msg(streamed.out.writes > 4, "%s: %zu writes", what, streamed.out.writes);
            run_free(&whole);
            run_free(&streamed);
        }
        free(data);
    }
}
END_TEST

static int fbuf_write(void *user, const char *data, size_t len)
{
    return fbuf_add(user, data, len);
}

/* FILE through the whole path, then streamed with the parser fed (or the windows cut after) 1 to
 * 64 bytes at a time (every piece size up to 8, then every 8th when STEPPED): the same bytes. */
static void pieces_like_whole(const char *file, int overwrite, tolk_segment_fn fn, int stepped)
{
    size_t len;
    char *data = read_fixture(file, &len);
    tolk_error err = {0};
    fmt_doc *d = NULL;
    ck_assert_int_eq(doc_open(NULL, file, data, len, overwrite, &d, &err), TOLK_OK);
    ck_assert_int_eq(doc_translate(d, fn, NULL, NULL, NULL, &err), TOLK_OK);
    fmt_buf whole = {0};
    ck_assert_int_eq(doc_write_to(d, fbuf_write, &whole, &err), TOLK_OK);
    doc_free(d);
    for (size_t piece = 1; piece <= 64; piece += stepped && piece >= 8 ? 8 : 1) {
        ck_assert_int_eq(doc_open_stream(NULL, NULL, file, data, len, overwrite, &d, &err), TOLK_OK);
        ck_assert_msg(d->streamed, "%s: not streamed", file);
        d->stream_piece = piece;
        doc_run run;
        ck_assert_int_eq(doc_run_begin(&run, fn, NULL, NULL, NULL, d->n_pending_total), 0);
        fmt_buf out = {0};
        ck_assert_msg(doc_stream_translate(d, &run, NULL, fbuf_write, &out, &err) == TOLK_OK, "%s", err.msg);
        ck_assert_msg(out.n == whole.n && !memcmp(out.p, whole.p, whole.n),
                      "%s, overwrite %d, %zu-byte pieces: streamed output differs:\n%s", file, overwrite, piece, out.p);
        fbuf_free(&out);
        doc_run_end(&run);
        doc_free(d);
    }
    fbuf_free(&whole);
    free(data);
}

/* The parser fed 1 to 64 bytes at a time (fmt_doc.stream_piece): windows end at every place in
 * every kind of unit, and the output is still the whole path's, byte for byte. */
START_TEST(tiny_pieces_stream_like_whole)
{
    static const char *const files[] = {"sample.xlf", "sample20.xlf", "sample.sdlxliff", "sample.mqxliff",
                                        "markup.xlf", "full21.xlf", "trados_multi.sdlxliff", "phrase.mxliff", NULL};
    for (int i = 0; files[i]; i++)
        for (int overwrite = 0; overwrite < 2; overwrite++)
            pieces_like_whole(files[i], overwrite, upper, 0);
}
END_TEST

/* The formats streamed by their parse (doc_stream_by_parse: text, PO, subtitles, HTML, Markdown)
 * with a window after every unit (1 to 64 bytes of file per window): the whole path's bytes. */
START_TEST(tiny_windows_every_format)
{
    static const char *const files[] = {"sample.txt", "sample.po", "plural_pl.po", "sample.srt", "nogaps.srt",
                                        "sample.vtt", "voices.vtt", "sample.html", "attrs.html", "legacy.html",
                                        "sample.md", "frontmatter.md", "htmlblocks.md", "titles.md", "front_yaml.md",
                                        "front_toml.md", NULL};
    for (int i = 0; files[i]; i++) {
        if (!have_md && strstr(files[i], ".md"))
            continue;
        pieces_like_whole(files[i], 0, upper, 1);
        pieces_like_whole(files[i], 1, looping, 1);
    }
}
END_TEST

/* A generated document of FORMAT past 3 MB: HEAD, then UNIT repeated with %zu (its number), then TAIL. */
static char *big_doc(const char *head, const char *unit, const char *tail, size_t *len)
{
    fmt_buf b = {0};
    ck_assert_int_eq(fbuf_adds(&b, head), 0);
    for (size_t i = 0; b.n < (3u << 20); i++) {
        char u[512];
        snprintf(u, sizeof u, unit, i, i);
        ck_assert_int_eq(fbuf_adds(&b, u), 0);
    }
    ck_assert_int_eq(fbuf_adds(&b, tail), 0);
    *len = b.n;
    return b.p;
}

/* Big files of every streamed format are written window by window (the writer is called long
 * before the last segment is translated, and many times), with the whole path's bytes and report. */
START_TEST(big_files_every_format_window_by_window)
{
    static const struct { const char *name, *head, *unit, *tail; } docs[] = {
        {"big.txt", "", "Paragraph %zu is here.\nIt goes on %zu.\n\n", ""},
        {"big.po", "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\n",
         "#, c-format\nmsgid \"File %zu of %%s\"\nmsgid_plural \"Files %zu\"\nmsgstr[0] \"\"\nmsgstr[1] \"\"\n\n", ""},
        {"big.srt", "", "%zu\n00:00:01,000 --> 00:00:02,000\nA sentence %zu that goes on\n\n"
                        "2\n00:00:03,000 --> 00:00:04,000\n<i>and ends</i> here.\n\n", ""},
        {"big.vtt", "WEBVTT\n\n", "c%zu\n00:01.000 --> 00:02.000\nText &amp; more %zu,\n\n"
                                   "00:03.000 --> 00:04.000\n<v Ann>ends.</v>\n\n", ""},
        {"big.html", "<html><head><title>Big</title></head><body>\n",
         "<p title=\"Tip %zu\">Text <b>%zu</b> here<br>and there.</p><script>x=1</script>\n", "</body></html>\n"},
        {"big.md", "---\ntitle: Big\n---\n\n", "## Part %zu\n\nText **%zu** with [a link](u \"T\").\n\n- a\n- b\n\n"
                                              "```\ncode\n```\n\n", ""}};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        if (!have_md && strstr(docs[i].name, ".md"))
            continue;
        size_t len;
        char *data = big_doc(docs[i].head, docs[i].unit, docs[i].tail, &len);
        run_result whole, streamed;
        both_ways(docs[i].name, data, len, 0, upper, &whole, &streamed, NULL);
        same_result(docs[i].name, &whole, &streamed);
        ck_assert_msg(streamed.out.writes > 8, "%s: %zu writes", docs[i].name, streamed.out.writes);
        ck_assert_msg(streamed.out.first_write_done < whole.st.segments / 4, "%s: first write after %zu of %zu segments",
                      docs[i].name, streamed.out.first_write_done, (size_t)whole.st.segments);
        run_free(&whole);
        run_free(&streamed);
        /* the checks hold in every window: what loses its inline codes is kept and reported (plain
         * text's and PO's generic placeholders go to the model as they are first, so none is lost) */
        both_ways(docs[i].name, data, len, 0, dropping, &whole, &streamed, NULL);
        same_result(docs[i].name, &whole, &streamed);
        ck_assert_msg((!strchr(docs[i].unit, '<') && !strstr(docs[i].name, ".md")) || streamed.st.kept > 0,
                      "%s: nothing kept:\n%.400s", docs[i].name, streamed.report);
        run_free(&whole);
        run_free(&streamed);
        free(data);
    }
}
END_TEST

START_TEST(streamed_document_is_used_once)
{
    static const char doc[] = "<?xml version=\"1.0\"?>\n<xliff version=\"1.2\"><file original=\"a\" "
                              "source-language=\"en\" datatype=\"plaintext\"><body>\n<trans-unit id=\"1\"><source>"
                              "Hello world</source></trans-unit>\n</body></file></xliff>\n";
    tolk_doc *d = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_doc_open_stream("xliff", NULL, "once.xlf", doc, sizeof doc - 1, 0, &d, &err), TOLK_OK);
    char *out = NULL;
    size_t len = 0;
    ck_assert_int_eq(tolk_doc_write(d, &out, &len, &err), TOLK_E_STATE);
    ck_assert_int_eq(tolk_doc_translate_with(d, identity, NULL, NULL, NULL, &err), TOLK_E_STATE);
    out_buf b = {0};
    ck_assert_int_eq(tolk_doc_translate_with_to(d, upper, NULL, NULL, NULL, buf_write, &b, &err), TOLK_OK);
    ck_assert_msg(strstr(b.p, ">HELLO WORLD</target>") != NULL, "%s", b.p);
    ck_assert_int_eq(tolk_doc_translate_with_to(d, upper, NULL, NULL, NULL, buf_write, &b, &err), TOLK_E_STATE);
    free(b.p);
    tolk_doc_free(d);
}
END_TEST

/* An XLIFF 1.2 of N units; unit I's text is word I % DISTINCT (letters, so no placeholder hides the
 * difference). BROKEN: the file ends without its closing tags. */
static char *big_xliff(size_t n, size_t distinct, int broken, size_t *len)
{
    size_t cap = 256 + n * 160;
    char *p = malloc(cap);
    ck_assert(p != NULL);
    size_t at = (size_t)snprintf(p, cap, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xliff version=\"1.2\" "
                                 "xmlns=\"urn:oasis:names:tc:xliff:document:1.2\">\n<file original=\"big\" "
                                 "source-language=\"en\" target-language=\"de\" datatype=\"plaintext\"><body>\n");
    for (size_t i = 0; i < n; i++) {
        char word[16];
        size_t k = i % distinct, w = 0;
        do {
            word[w++] = (char)('a' + k % 26);
            k /= 26;
        } while (k && w < sizeof word - 1);
        word[w] = 0;
        at += (size_t)snprintf(p + at, cap - at, "<trans-unit id=\"u%zu\"><source>The <g id=\"1\">%s</g> word is "
                               "here, %%s.</source></trans-unit>\n", i, word);
    }
    if (!broken)
        at += (size_t)snprintf(p + at, cap - at, "</body></file></xliff>\n");
    else
        at += (size_t)snprintf(p + at, cap - at, "</body></file>\n<trans-unit>\n");
    *len = at;
    return p;
}

/* The target text of unit "uI" in OUT (NULL when it has none). */
static char *target_of(const char *out, size_t i)
{
    char key[48];
    snprintf(key, sizeof key, "<trans-unit id=\"u%zu\">", i);
    const char *u = strstr(out, key), *end = u ? strstr(u, "</trans-unit>") : NULL;
    const char *t = u ? strstr(u, "<target") : NULL;
    if (!t || t > end)
        return NULL;
    t = strchr(t, '>') + 1;
    const char *e = strstr(t, "</target>");
    return e && e < end ? strndup(t, (size_t)(e - t)) : NULL;
}

START_TEST(big_file_is_written_window_by_window)
{
    const size_t n = 20000, distinct = 5000;
    size_t len;
    int calls = 0;
    char *data = big_xliff(n, distinct, 0, &len);
    run_result whole, streamed;
    both_ways("big.xlf", data, len, 0, numbering, &whole, &streamed, &calls);
    same_result("big.xlf", &whole, &streamed);
    /* the same source in windows far apart: one call, one translation */
    ck_assert_msg((size_t)calls == distinct, "%d calls for %zu distinct sources", calls, distinct);
    for (size_t i = distinct; i < n; i += 997) {
        char *a = target_of(streamed.out.p, i % distinct), *b = target_of(streamed.out.p, i);
        ck_assert_msg(a && b && !strcmp(a, b), "unit u%zu: '%s', its first occurrence: '%s'", i, b ? b : "(none)",
                      a ? a : "(none)");
        free(a);
        free(b);
    }
    /* written while it is translated: the first bytes go out early, and never more than a window of
     * segments (256 KB of XLIFF, under 2,000 of these units) is translated between two writes */
    ck_assert_msg(streamed.out.writes > 10, "%zu writes", streamed.out.writes);
    ck_assert_msg(streamed.out.first_write_done < n / 4, "first write after %zu of %zu segments",
                  streamed.out.first_write_done, n);
    ck_assert_msg(streamed.out.max_between < n / 5, "%zu segments translated between two writes",
                  streamed.out.max_between);
    run_free(&whole);
    run_free(&streamed);
    free(data);
}
END_TEST

START_TEST(report_survives_windows)
{
    /* identity: every segment is flagged "untranslated", megabytes of problems (spilled to a file) */
    size_t len;
    char *data = big_xliff(30000, 30000, 0, &len);
    run_result whole, streamed;
    both_ways("flagged.xlf", data, len, 0, identity, &whole, &streamed, NULL);
    same_result("flagged.xlf", &whole, &streamed);
    ck_assert_msg(streamed.st.flagged == 30000, "%zu flagged", streamed.st.flagged);
    ck_assert_msg(strlen(streamed.report) > 2u << 20, "report of %zu bytes", strlen(streamed.report));
    run_free(&whole);
    run_free(&streamed);
    free(data);
}
END_TEST

START_TEST(malformed_fails_at_open)
{
    static const char *const hostile[] = {
        "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
        "<xliff version=\"1.2\"><file><body><trans-unit id=\"1\"><source>&b;</source></trans-unit></body>"
        "</file></xliff>",
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xliff><file><body>"
        "<trans-unit id=\"1\"><source>&e;</source></trans-unit></body></file></xliff>",
        "<xliff version=\"1.2\"><file><body><trans-unit><source>open <g>",
        "<xliff version=\"1.2\"><file><body><trans-unit><source>&nope;</source></trans-unit></body></file></xliff>",
        "", NULL};
    for (int i = 0; hostile[i]; i++) {
        tolk_doc *d = NULL;
        tolk_error err = {0};
        ck_assert_int_eq(tolk_doc_open_stream("xliff", NULL, "hostile.xlf", hostile[i], strlen(hostile[i]), 0, &d,
                                              &err), TOLK_E_FORMAT);
        ck_assert(d == NULL);
        ck_assert_msg(!strchr(err.msg, '\n'), "two lines: %s", err.msg);
    }
    /* an error in the last line of a big file: found before anything is translated */
    size_t len;
    char *data = big_xliff(20000, 20000, 1, &len);
    tolk_doc *d = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_doc_open_stream(NULL, NULL, "late.xlf", data, len, 0, &d, &err), TOLK_E_FORMAT);
    ck_assert(d == NULL);
    ck_assert_msg(strstr(err.msg, "late.xlf: line 2000") != NULL, "%s", err.msg);
    free(data);
}
END_TEST

int main(void)
{
    tolk_doc *probe = NULL;
    tolk_error err = {0};
    have_xliff = tolk_doc_open("xliff", "probe", "<a/>", 4, 0, &probe, &err) != TOLK_E_UNSUPPORTED;
    tolk_doc_free(probe);
    probe = NULL;
    have_md = tolk_doc_open("md", "probe.md", "x\n", 2, 0, &probe, &err) != TOLK_E_UNSUPPORTED;
    tolk_doc_free(probe);
    if (!have_md)
        skip_cpu("Markdown streaming", "tolk was built without md4c");
    Suite *s = suite_create("format_stream");
    TCase *tc = tcase_create("stream");
    /* (under ASan on a busy 2-core machine the big files ran past 120 s: the bound is there to
     * catch a hang, not to time them) */
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, stream_matches_whole);
    tcase_add_test(tc, tiny_windows_every_format);
    tcase_add_test(tc, big_files_every_format_window_by_window);
    if (have_xliff) {
        tcase_add_test(tc, streamed_document_is_used_once);
        tcase_add_test(tc, replicated_fixtures_stream_like_whole);
        tcase_add_test(tc, tiny_pieces_stream_like_whole);
        tcase_add_test(tc, big_file_is_written_window_by_window);
        tcase_add_test(tc, report_survives_windows);
        tcase_add_test(tc, malformed_fails_at_open);
    } else {
        skip_cpu("XLIFF streaming", "%s", err.msg);
    }
    suite_add_tcase(s, tc);
    int failed = suite_failures(s, true);
    return skip_exit(failed);
}
