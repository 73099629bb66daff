/* Document translation (runtime/formats/, tolk_doc_* in tolk.h): placeholder protection and
 * restoration, the segment checks, and every format's fixture (tests/fixtures/formats/) with the
 * model replaced by stand-in translators: identity (in-place formats come back byte for byte;
 * bilingual ones match their .expected file), upper-casing (text changes, markup does not), a
 * translator that drops a placeholder, one that loops and one that hits its length bound (the
 * segment is kept and reported). Hostile inputs give an error, never a crash. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "constrain.h"
#include "doc.h"
#include "protect.h"
#include "format_standins.h"
#include "sentences.h"
#include "skip.h"
#include "suite_run.h"
#include "tolk.h"

/* ---- protection ---- */

static fmt_seg make_seg(const char *text)
{
    fmt_seg s = {0};
    s.src = (char *)text;
    s.src_len = strlen(text);
    return s;
}

START_TEST(protect_placeholders)
{
    fmt_seg s = make_seg("  Hello %s, {name} has {{count}} items (%1$d) at https://example.org/a?b=1. 50% off, MP3 10px 3.5");
    prot_text p;
    ck_assert_int_eq(protect_segment(&s, ESC_NONE, &p), 0);
    ck_assert_str_eq(p.text.p, "Hello {1}, {2} has {3} items ({4}) at {5}. {6}% off, MP3 10px {7}");
    ck_assert_int_eq((int)p.n_codes, 7);
    ck_assert(p.has_words);
    fmt_buf out = {0};
    const char *why;
    /* reordered placeholders are fine */
    const char *tr = "Hallo {1}, {3} Dinge hat {2} ({4}) auf {5}. {6}% weniger, MP3 10px {7}";
    ck_assert_int_eq(restore_segment(&s, &p, ESC_NONE, tr, strlen(tr), &out, &why), 0);
    ck_assert_str_eq(out.p, "  Hallo %s, {{count}} Dinge hat {name} (%1$d) auf https://example.org/a?b=1. 50% weniger, "
                            "MP3 10px 3.5");
    /* lost, repeated and invented placeholders are refused */
    const char *lost = "Hallo {1}, {2} {3} {4} {5}";
    ck_assert_int_eq(restore_segment(&s, &p, ESC_NONE, lost, strlen(lost), &out, &why), 1);
    ck_assert_str_eq(why, "placeholders");
    const char *twice = "{1}{1}{2}{3}{4}{5}{6}{7}";
    ck_assert_int_eq(restore_segment(&s, &p, ESC_NONE, twice, strlen(twice), &out, &why), 1);
    const char *invented = "{1}{2}{3}{4}{5}{6}{7}{8}";
    ck_assert_int_eq(restore_segment(&s, &p, ESC_NONE, invented, strlen(invented), &out, &why), 1);
    fbuf_free(&out);
    prot_free(&p);
}
END_TEST

START_TEST(protect_xml_codes)
{
    const char *text = "Tom &amp; Jerry <g id=\"1\">run &lt; <x id=\"2\"/></g> &#233;";
    fmt_seg s = make_seg(text);
    fmt_code codes[3] = {{16, 26, 2, 1}, {35, 46, -1, 0}, {46, 50, 0, 0}};
    s.codes = codes;
    s.n_codes = 3;
    prot_text p;
    ck_assert_int_eq(protect_segment(&s, ESC_XML, &p), 0);
    ck_assert_str_eq(p.text.p, "Tom & Jerry {1}run < {2}{3} {4}");
    fmt_buf out = {0};
    const char *why;
    const char *tr = "Tom & Jerry {1}<rennen> {2}{3} {4}";
    ck_assert_int_eq(restore_segment(&s, &p, ESC_XML, tr, strlen(tr), &out, &why), 0);
    ck_assert_str_eq(out.p, "Tom &amp; Jerry <g id=\"1\">&lt;rennen> <x id=\"2\"/></g> &#233;");
    /* the closing tag before the opening one would break the file */
    const char *swapped = "{3}Tom {1} {2} {4}";
    ck_assert_int_eq(restore_segment(&s, &p, ESC_XML, swapped, strlen(swapped), &out, &why), 1);
    ck_assert_str_eq(why, "tags");
    fbuf_free(&out);
    prot_free(&p);
}
END_TEST

START_TEST(checks_detect)
{
    const char *loop = "Das ist gut. Das ist gut. Das ist gut. Das ist gut. Das ist gut.";
    ck_assert(seg_repeating(loop, strlen(loop), "This is good.", 13));
    const char *fine = "Das ist ein ganz normaler Satz ohne Schleife, mit 2020, 2021 und 2022.";
    ck_assert(!seg_repeating(fine, strlen(fine), "x", 1));
    /* repetition the source has itself is no loop */
    ck_assert(!seg_repeating(loop, strlen(loop), loop, strlen(loop)));
    ck_assert(seg_untranslated("Open the file", 13, " open the  file ", 16));
    ck_assert(!seg_untranslated("Open the file", 13, "Datei öffnen", 13));
    ck_assert(!seg_untranslated("OK", 2, "OK", 2)); /* too short to tell */
    ck_assert(seg_too_short(strlen("Select a language from the list."), strlen("Text:")));
    ck_assert(!seg_too_short(strlen("Select a language from the list."), strlen("\xe4\xbb\x8e\xe5\x88\x97\xe8\xa1\xa8\xe4\xb8\xad\xe9\x80\x89\xe6\x8b\xa9\xe8\xaf\xad\xe8\xa8\x80")));
    ck_assert(!seg_too_short(strlen("Short."), 1));
}
END_TEST

static char *pieces(const char *text, const char *lang, const fmt_code *codes, size_t n_codes)
{
    size_t b[16], n = sentence_breaks(text, strlen(text), lang, codes, n_codes, b, 16);
    static char out[512];
    size_t o = 0, from = 0;
    for (size_t k = 0; k <= n; k++) {
        size_t to = k < n ? b[k] : strlen(text);
        o += (size_t)snprintf(out + o, sizeof out - o, "%s[%.*s]", k ? " " : "", (int)(to - from), text + from);
        from = to;
    }
    return out;
}

START_TEST(sentence_rules)
{
    ck_assert_str_eq(pieces("Dr. Smith arrived at 5 p.m. today. He said e.g. this! Did he? \"Yes.\" Then J. Doe left.",
                            "en", NULL, 0),
                     "[Dr. Smith arrived at 5 p.m. today. ] [He said e.g. this! ] [Did he? ] [\"Yes.\" ] "
                     "[Then J. Doe left.]");
    ck_assert_str_eq(pieces("Am 3. Oktober kam er z.B. an. Dann ging er.", "de", NULL, 0),
                     "[Am 3. Oktober kam er z.B. an. ] [Dann ging er.]");
    ck_assert_str_eq(pieces("Version 2. Then more.", "en", NULL, 0), "[Version 2. ] [Then more.]");
    ck_assert_str_eq(pieces("no break. lower case follows.", "en", NULL, 0), "[no break. lower case follows.]");
    ck_assert_str_eq(pieces("\xe4\xbd\xa0\xe5\xa5\xbd\xe3\x80\x82\xe6\x88\x91\xe5\xbe\x88\xe5\xa5\xbd\xe3\x80\x82", "zh",
                            NULL, 0),
                     "[\xe4\xbd\xa0\xe5\xa5\xbd\xe3\x80\x82] [\xe6\x88\x91\xe5\xbe\x88\xe5\xa5\xbd\xe3\x80\x82]");
    /* a pair of codes stays in one piece */
    const char *t = "<b>One. Two.</b> Three. Four.";
    fmt_code codes[2] = {{0, 3, 1, 1}, {12, 16, 0, 0}};
    ck_assert_str_eq(pieces(t, "en", codes, 2), "[<b>One. Two.</b> Three. ] [Four.]");
}
END_TEST

/* ---- placeholder-constrained decoding, on a real tokenizer ---- */

/* Feeds the tokens of TEXT to the filter as if the model had written them. */
static void feed(ph_constraint *c, const tolk_model *m, float *logits, int64_t n, const char *text)
{
    int32_t *ids = NULL;
    size_t n_ids = 0;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_tokenize(m, text, strlen(text), 0, &ids, &n_ids, &err), TOLK_OK);
    for (size_t i = 0; i < n_ids; i++)
        ph_filter(c, logits, n, ids[i]);
    free(ids);
}

/* Whether writing TEXT next is allowed: each of its tokens in turn passes the filter. */
static int allowed(const ph_constraint *c0, const tolk_model *m, float *logits, int64_t n, const char *text)
{
    ph_constraint *c = malloc(sizeof *c);
    *c = *c0;
    int32_t *ids = NULL;
    size_t n_ids = 0;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_tokenize(m, text, strlen(text), 0, &ids, &n_ids, &err), TOLK_OK);
    int ok = 1;
    for (size_t i = 0; i < n_ids && ok; i++) {
        for (int64_t k = 0; k < n; k++)
            logits[k] = 0.0f;
        ph_filter(c, logits, n, i ? ids[i - 1] : -1);
        ok = logits[ids[i]] > -1e30f;
    }
    free(ids);
    free(c);
    return ok;
}

START_TEST(constrained_placeholders)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tokenizer/qwen2.gguf", testdata_dir());
    tolk_model *m = NULL;
    tolk_error err = {0};
    ck_assert_msg(tolk_model_load_vocab(path, &m, &err) == TOLK_OK, "%s", err.msg);
    ph_vocab v;
    ck_assert_int_eq(ph_vocab_build(m, &v), 0);
    ck_assert(v.n_eog > 0 && v.n_cand > 0);
    int64_t n = tolk_vocab_n_tokens(m);
    float *logits = calloc((size_t)n, sizeof *logits);
    ph_constraint *c = malloc(sizeof *c);
    const char *src = "Open {1}the file{2} now.";
    ck_assert_int_eq(ph_begin(c, &v, src, strlen(src)), 2);
    /* at the start: no end, no invented placeholder */
    ph_filter(c, logits, n, -1);
    for (size_t i = 0; i < v.n_eog; i++)
        ck_assert(logits[v.eog[i]] < -1e30f);
    ck_assert(allowed(c, m, logits, n, "{1}"));
    ck_assert(!allowed(c, m, logits, n, "{3}"));
    ck_assert(!allowed(c, m, logits, n, "{12}"));
    /* the model writes "Öffne {1}" (the filter sees each token): {1} is used up, {2} still wanted */
    for (int64_t k = 0; k < n; k++)
        logits[k] = 0.0f;
    feed(c, m, logits, n, "Öffne {1}");
    ck_assert_int_eq(c->missing, 1);
    ck_assert(!allowed(c, m, logits, n, " {1}"));
    ck_assert(allowed(c, m, logits, n, "die Datei{2}"));
    for (size_t i = 0; i < v.n_eog; i++)
        ck_assert(logits[v.eog[i]] < -1e30f); /* still one missing: no end */
    feed(c, m, logits, n, "die Datei{2} jetzt.");
    ck_assert_int_eq(c->missing, 0);
    for (int64_t k = 0; k < n; k++)
        logits[k] = 0.0f;
    ph_filter(c, logits, n, -1);
    for (size_t i = 0; i < v.n_eog; i++)
        ck_assert(logits[v.eog[i]] == 0.0f); /* all there: the end is allowed */
    free(c);
    free(logits);
    ph_vocab_free(&v);
    tolk_model_free(m);
}
END_TEST

/* ---- stand-in translators ---- */

/* Drops the last placeholder. */
static int drop_tag(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                    tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = 0;
    *tokens = 1;
    const char *last = NULL;
    for (const char *p = text; (p = memchr(p, '{', len - (size_t)(p - text))); p++)
        last = p;
    if (!last) {
        emit(text, len, eu);
        return TOLK_OK;
    }
    const char *close = memchr(last, '}', len - (size_t)(last - text));
    emit(text, (size_t)(last - text), eu);
    if (close)
        emit(close + 1, len - (size_t)(close + 1 - text), eu);
    return TOLK_OK;
}

static int bounded(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                   tolk_error *err)
{
    (void)user;
    (void)err;
    emit(text, len / 2, eu);
    *hit = 1;
    *tokens = 16;
    return TOLK_OK;
}

static tolk_doc *open_fixture(const char *name, const char *format, char **data, size_t *len, int *unsupported)
{
    *data = read_fixture(name, len);
    tolk_doc *d = NULL;
    tolk_error err = {0};
    int rc = tolk_doc_open(format, name, *data, *len, 0, &d, &err);
    *unsupported = rc == TOLK_E_UNSUPPORTED && strstr(err.msg, "tolk was built without");
    if (*unsupported)
        return NULL;
    ck_assert_msg(rc == TOLK_OK, "%s: %s", name, err.msg);
    return d;
}

static char *write_doc(tolk_doc *d, size_t *len)
{
    char *out = NULL;
    tolk_error err = {0};
    ck_assert_msg(tolk_doc_write(d, &out, len, &err) == TOLK_OK, "%s", err.msg);
    return out;
}

static const char *const in_place[] = {"sample.txt", "sample.srt", "sample.vtt", "sample.html", "sample.md",
                                       "frontmatter.md", "legacy.html", "nogaps.srt", "voices.vtt", "attrs.html",
                                       "htmlblocks.md", "titles.md", NULL};
static const char *const bilingual[] = {"sample.po", "sample.xlf", "sample20.xlf", "sample.sdlxliff",
                                        "sample.mqxliff", "plural_pl.po", "markup.xlf", "full21.xlf",
                                        "trados_multi.sdlxliff", "phrase.mxliff", NULL};

START_TEST(roundtrip_unchanged)
{
    /* every format: parsed and written without a translation, byte for byte */
    for (int pass = 0; pass < 2; pass++) {
        const char *const *list = pass ? bilingual : in_place;
        for (int i = 0; list[i]; i++) {
            char *data, *out;
            size_t len, out_len;
            int unsupported;
            tolk_doc *d = open_fixture(list[i], NULL, &data, &len, &unsupported);
            if (unsupported) {
                free(data);
                continue;
            }
            out = write_doc(d, &out_len);
            ck_assert_msg(out_len == len && !memcmp(out, data, len), "%s changed", list[i]);
            free(out);
            tolk_doc_free(d);
            free(data);
        }
    }
}
END_TEST

START_TEST(roundtrip_identity)
{
    for (int i = 0; in_place[i]; i++) {
        char *data, *out;
        size_t len, out_len;
        int unsupported, calls = 0;
        tolk_doc *d = open_fixture(in_place[i], NULL, &data, &len, &unsupported);
        if (unsupported) {
            free(data);
            continue;
        }
        tolk_error err = {0};
        ck_assert_int_eq(tolk_doc_translate_with(d, identity, &calls, NULL, NULL, &err), TOLK_OK);
        tolk_doc_stats st;
        tolk_doc_get_stats(d, &st);
        ck_assert_msg(st.translated > 0 && st.kept == 0, "%s: %zu translated, %zu kept", in_place[i],
                      st.translated, st.kept);
        out = write_doc(d, &out_len);
        ck_assert_msg(out_len == len && !memcmp(out, data, len), "%s: identity translation changed the file",
                      in_place[i]);
        free(out);
        tolk_doc_free(d);
        free(data);
    }
}
END_TEST

START_TEST(bilingual_expected)
{
    for (int i = 0; bilingual[i]; i++) {
        char *data, *out, expected_name[128];
        size_t len, out_len, exp_len;
        int unsupported;
        tolk_doc *d = open_fixture(bilingual[i], NULL, &data, &len, &unsupported);
        if (unsupported) {
            free(data);
            continue;
        }
        tolk_error err = {0};
        ck_assert_int_eq(tolk_doc_translate_with(d, identity, NULL, NULL, NULL, &err), TOLK_OK);
        out = write_doc(d, &out_len);
        snprintf(expected_name, sizeof expected_name, "%s.expected", bilingual[i]);
        char *expected = read_fixture(expected_name, &exp_len);
        ck_assert_msg(out_len == exp_len && !memcmp(out, expected, exp_len), "%s: output differs from %s:\n%s",
                      bilingual[i], expected_name, out);
        free(expected);
        free(out);
        tolk_doc_free(d);
        free(data);
    }
}
END_TEST

START_TEST(upper_changes_text_only)
{
    char *data, *out;
    size_t len, out_len;
    int unsupported;
    tolk_doc *d = open_fixture("sample.html", NULL, &data, &len, &unsupported);
    tolk_error err = {0};
    ck_assert_int_eq(tolk_doc_translate_with(d, upper, NULL, NULL, NULL, &err), TOLK_OK);
    out = write_doc(d, &out_len);
    ck_assert_ptr_nonnull(strstr(out, "<h1 title=\"MAIN HEADING\">WELCOME TO <em>TOLK</em></h1>"));
    ck_assert_ptr_nonnull(strstr(out, "alt=\"A SLEEPING CAT\""));
    ck_assert_ptr_nonnull(strstr(out, "<a href=\"https://example.org/docs\" title=\"THE MANUAL\">THE MANUAL</a>"));
    ck_assert_ptr_nonnull(strstr(out, "<code>tolk translate -f doc.html</code>"));
    ck_assert_ptr_nonnull(strstr(out, "var s = \"<p>Do not translate</p>\";"));
    ck_assert_ptr_nonnull(strstr(out, "p { color: red; } /* <b>not text</b> */"));
    ck_assert_ptr_nonnull(strstr(out, "  code block, kept as it is"));
    ck_assert_ptr_nonnull(strstr(out, "TOM &amp; JERRY SAY \"HI\" 5 < 6.<br>NEW LINE"));
    free(out);
    tolk_doc_free(d);
    free(data);

    /* Markdown: text changes; code blocks, inline code, URLs and markup do not */
    d = open_fixture("sample.md", NULL, &data, &len, &unsupported);
    if (d) {
        ck_assert_int_eq(tolk_doc_translate_with(d, upper, NULL, NULL, NULL, &err), TOLK_OK);
        out = write_doc(d, &out_len);
        ck_assert_ptr_nonnull(strstr(out, "# GETTING STARTED WITH TOLK\n"));
        ck_assert_ptr_nonnull(strstr(out, "TOLK TRANSLATES **DOCUMENTS**, NOT LINES. READ THE [MANUAL](https://example.org/manual"));
        ck_assert_ptr_nonnull(strstr(out, "`tolk translate --to de` DIRECTLY."));
        ck_assert_ptr_nonnull(strstr(out, "> A QUOTE THAT SPANS\n> TWO LINES."));
        ck_assert_ptr_nonnull(strstr(out, "| `-f`   | THE FILE TO TRANSLATE |"));
        ck_assert_ptr_nonnull(strstr(out, "tolk translate -f README.md --to de   # kept as it is\n"));
        ck_assert_ptr_nonnull(strstr(out, "    indented code, also kept\n"));
        ck_assert_ptr_nonnull(strstr(out, "![A CAT ON A MAT](cat.png)"));
        free(out);
        tolk_doc_free(d);
    }
    free(data);

    /* subtitles: timings kept, the merged sentence cut back into the cues */
    d = open_fixture("sample.srt", NULL, &data, &len, &unsupported);
    ck_assert_int_eq(tolk_doc_translate_with(d, upper, NULL, NULL, NULL, &err), TOLK_OK);
    out = write_doc(d, &out_len);
    ck_assert_str_eq(out, "1\r\n00:00:01,000 --> 00:00:02,500\r\nI NEVER THOUGHT\r\nI WOULD SEE\r\n\r\n2\r\n"
                          "00:00:02,600 --> 00:00:04,000\r\nTHE DAY YOU CAME BACK.\r\n\r\n3\r\n"
                          "00:00:04,500 --> 00:00:06,000\r\n<i>WHAT?</i> YOU HEARD ME!\r\n");
    free(out);
    tolk_doc_free(d);
    free(data);

    /* WebVTT: a voice tag with a space is never cut; header, NOTE, STYLE and settings stay */
    d = open_fixture("sample.vtt", NULL, &data, &len, &unsupported);
    ck_assert_int_eq(tolk_doc_translate_with(d, upper, NULL, NULL, NULL, &err), TOLK_OK);
    out = write_doc(d, &out_len);
    ck_assert_ptr_nonnull(strstr(out, "NOTE This note is not translated.\n\nSTYLE\n::cue { color: yellow }\n"));
    ck_assert_ptr_nonnull(strstr(out, "00:00:01.000 --> 00:00:03.000 align:start position:10%\n<v Roger>HELLO THERE, "
                                      "AND WELCOME\nTO THE SHOW,\n\n00:00:03.500 --> 00:00:05.000\nWHICH WE RECORD"));
    free(out);
    tolk_doc_free(d);
    free(data);
}
END_TEST

START_TEST(failing_segments_kept)
{
    struct {
        tolk_segment_fn fn;
        const char *check;
    } cases[] = {{drop_tag, "placeholders"}, {looping, "repetition"}, {bounded, "length"}};
    for (int c = 0; c < 3; c++) {
        char *data, *out, *report;
        size_t len, out_len, report_len;
        int unsupported;
        tolk_doc *d = open_fixture("sample.md", NULL, &data, &len, &unsupported);
        if (unsupported) {
            free(data);
            d = open_fixture("sample.html", NULL, &data, &len, &unsupported);
        }
        tolk_error err = {0};
        ck_assert_int_eq(tolk_doc_translate_with(d, cases[c].fn, NULL, NULL, NULL, &err), TOLK_OK);
        tolk_doc_stats st;
        tolk_doc_get_stats(d, &st);
        ck_assert_msg(st.kept > 0, "%s: nothing kept", cases[c].check);
        ck_assert_int_eq(tolk_doc_report(d, &report, &report_len, &err), TOLK_OK);
        char want[64];
        snprintf(want, sizeof want, "\"check\": \"%s\"", cases[c].check);
        ck_assert_msg(strstr(report, want) != NULL, "report lacks %s:\n%s", want, report);
        out = write_doc(d, &out_len);
        if (cases[c].fn == looping || cases[c].fn == bounded) /* every segment kept: the file as it was */
            ck_assert(out_len == len && !memcmp(out, data, len));
        free(report);
        free(out);
        tolk_doc_free(d);
        free(data);
    }
}
END_TEST

START_TEST(xliff2_flagged_units_get_notes)
{
    /* XLIFF 2: a flagged unit gets a note in its <notes>: added to one with content, filling an
     * empty <notes/>, or a new one before the first <segment> (after extension elements) */
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n"
        "<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"en\" trgLang=\"de\">\n"
        " <file id=\"f\">\n"
        "  <unit id=\"a\">\n"
        "   <notes><note>Mind the tone.</note></notes>\n"
        "   <segment><source>First text here.</source></segment>\n"
        "  </unit>\n"
        "  <unit id=\"b\"><notes/><segment><source>Second text here.</source></segment></unit>\n"
        "  <unit id=\"c\">\n"
        "   <segment><source>Third text here.</source></segment>\n"
        "  </unit>\n"
        "  <unit id=\"d\"><x:ext xmlns:x=\"urn:example\"/><segment><source>Fourth text here.</source></segment></unit>\n"
        " </file>\n"
        "</xliff>\n";
    tolk_doc *d = NULL;
    tolk_error err = {0};
    int rc = tolk_doc_open("xliff", "notes.xlf", doc, sizeof doc - 1, 0, &d, &err);
    if (rc == TOLK_E_UNSUPPORTED)
        return; /* built without libxml2: the refusal is tested in hostile_inputs */
    ck_assert_msg(rc == TOLK_OK, "%s", err.msg);
    ck_assert_int_eq(tolk_doc_translate_with(d, looping, NULL, NULL, NULL, &err), TOLK_OK);
    size_t len;
    char *out = write_doc(d, &len);
    const char *note = "<note category=\"tolk\">tolk check: repetition (left untranslated)</note>";
    char want[512];
    snprintf(want, sizeof want, "<notes><note>Mind the tone.</note>%s</notes>", note);
    ck_assert_msg(strstr(out, want) != NULL, "no note added to existing notes:\n%s", out);
    snprintf(want, sizeof want, "<unit id=\"b\"><notes>%s</notes><segment>", note);
    ck_assert_msg(strstr(out, want) != NULL, "empty notes not filled:\n%s", out);
    snprintf(want, sizeof want, "<unit id=\"c\">\n   <notes>%s</notes>\n   <segment>", note);
    ck_assert_msg(strstr(out, want) != NULL, "no new notes first in the unit:\n%s", out);
    snprintf(want, sizeof want, "<x:ext xmlns:x=\"urn:example\"/><notes>%s</notes><segment>", note);
    ck_assert_msg(strstr(out, want) != NULL, "notes not after the extension element:\n%s", out);
    free(out);
    tolk_doc_free(d);
}
END_TEST

START_TEST(same_source_same_translation)
{
    const char *text = "One line.\n\nAnother line.\n\nOne line.\n\nOne line.\n";
    tolk_doc *d = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_doc_open("txt", "t.txt", text, strlen(text), 0, &d, &err), TOLK_OK);
    int calls = 0;
    ck_assert_int_eq(tolk_doc_translate_with(d, identity, &calls, NULL, NULL, &err), TOLK_OK);
    ck_assert_int_eq(calls, 2);
    tolk_doc_free(d);
}
END_TEST

/* Drops printf placeholders when it sees them as they are, keeps {N} ones. */
static int loses_printf(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                        tolk_error *err)
{
    (void)err;
    (*(int *)user)++;
    *hit = 0;
    *tokens = 1;
    if (memchr(text, '%', len))
        emit("Es wurden Dateien gelöscht", strlen("Es wurden Dateien gelöscht"), eu);
    else
        emit("Es wurden {1} Dateien gelöscht", strlen("Es wurden {1} Dateien gelöscht"), eu);
    return TOLK_OK;
}

START_TEST(plain_then_numbered)
{
    const char *po = "msgid \"%d files deleted\"\nmsgstr \"\"\n";
    tolk_doc *d = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_doc_open("po", "t.po", po, strlen(po), 0, &d, &err), TOLK_OK);
    int calls = 0;
    ck_assert_int_eq(tolk_doc_translate_with(d, loses_printf, &calls, NULL, NULL, &err), TOLK_OK);
    ck_assert_int_eq(calls, 2); /* as it is, refused; then with {1} */
    size_t len;
    char *out = write_doc(d, &len);
    ck_assert_str_eq(out, "#, fuzzy\nmsgid \"%d files deleted\"\nmsgstr \"Es wurden %d Dateien gelöscht\"\n");
    free(out);
    tolk_doc_free(d);
}
END_TEST

START_TEST(hostile_inputs)
{
    static const struct {
        const char *format, *data;
        int code;
    } cases[] = {
        {"xliff", "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
                  "<xliff version=\"1.2\"><file><body><trans-unit id=\"1\"><source>&b;</source></trans-unit></body>"
                  "</file></xliff>", TOLK_E_FORMAT},
        {"xliff", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xliff><file><body>"
                  "<trans-unit id=\"1\"><source>&e;</source></trans-unit></body></file></xliff>", TOLK_E_FORMAT},
        {"xliff", "<xliff version=\"1.2\"><file><body><trans-unit><source>open <g>", TOLK_E_FORMAT},
        {"xliff", "<xliff version=\"1.2\"><file><body><trans-unit><source>&nope;</source></trans-unit></body></file>"
                  "</xliff>", TOLK_E_FORMAT},
        {"xliff", "", TOLK_E_FORMAT},
        {"po", "msgid \"unterminated\nmsgstr \"\"\n", TOLK_E_FORMAT},
        {"po", "msgstr \"no id\"\n", TOLK_E_FORMAT},
        {"po", "msgid \"a\"\nmsgid \"b\"\nmsgstr \"\"\n", TOLK_E_FORMAT},
        {"po", "msgid \"\\xZZ\"\nmsgstr \"\"\n", TOLK_E_FORMAT},
        {"po", "msgid \"x\"\nmsgstr[0] \"\"\n", TOLK_E_FORMAT},
        {"po", "msgid \"x\"\nmsgid_plural \"xs\"\nmsgstr \"\"\n", TOLK_E_FORMAT},
        {"po", "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n", TOLK_E_UNSUPPORTED},
        {"html", "<p>a <b unclosed", TOLK_E_FORMAT},
        {"html", "<p><!-- no end", TOLK_E_FORMAT},
        {"vtt", "NOT VTT\n", TOLK_E_FORMAT},
        {"srt", "1\nnot a timing\n", TOLK_E_FORMAT},
        {"txt", "bad \xc3\x28 utf-8", TOLK_E_FORMAT},
        {"md", "nul \0 byte", TOLK_E_FORMAT},
        {"txt", "overlong \xc0\xaf", TOLK_E_FORMAT},
        {"txt", "surrogate \xed\xa0\x80", TOLK_E_FORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tolk_doc *d = NULL;
        tolk_error err = {0};
        size_t len = strlen(cases[i].data);
        if (!strcmp(cases[i].format, "md"))
            len = 10; /* past the NUL */
        int rc = tolk_doc_open(cases[i].format, "hostile", cases[i].data, len, 0, &d, &err);
        if (rc == TOLK_E_UNSUPPORTED && strstr(err.msg, "tolk was built without"))
            continue;
        ck_assert_msg(rc == cases[i].code, "case %zu: rc %d (%s)", i, rc, err.msg);
        ck_assert_ptr_null(d);
        ck_assert(err.msg[0] != 0 && !strchr(err.msg, '\n'));
    }
    /* an unknown format name */
    tolk_doc *d = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_doc_open("docx", "x", "a", 1, 0, &d, &err), TOLK_E_ARG);
    ck_assert_int_eq(tolk_doc_open(NULL, "noext", "a", 1, 0, &d, &err), TOLK_E_ARG);
}
END_TEST

/* ---- files as tools and people write them (fixtures modelled on real exports) ---- */

/* Translates FIXTURE with FN and returns the output (NULL when the format is not built in). */
static char *translate_fixture(const char *name, tolk_segment_fn fn, size_t *out_len)
{
    char *data;
    size_t len;
    int unsupported;
    tolk_doc *d = open_fixture(name, NULL, &data, &len, &unsupported);
    free(data);
    if (unsupported)
        return NULL;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_doc_translate_with(d, fn, NULL, NULL, NULL, &err), TOLK_OK);
    char *out = write_doc(d, out_len);
    tolk_doc_free(d);
    return out;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Writes an apostrophe and a double quote (as a French translation might) at the start and after
 * every placeholder, so into every piece of text between codes. */
static int quoting(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                   tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = 0;
    *tokens = 1;
    emit("l'\"", 3, eu);
    for (size_t i = 0; i < len; i++) {
        emit(text + i, 1, eu);
        if (text[i] == '}')
            emit("l'\"", 3, eu);
    }
    return TOLK_OK;
}

/* Starts every text with "a|b " (a pipe, as in "and/or" lists). */
static int piping(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                  tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = 0;
    *tokens = 1;
    emit("a|b ", 4, eu);
    emit(text, len, eu);
    return TOLK_OK;
}

/* Swaps placeholders {1} and {2} (a model that moves a closing code before its opening one). */
static int swap12(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                  tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = 0;
    *tokens = 1;
    for (size_t i = 0; i < len; i++) {
        if (i + 2 < len && text[i] == '{' && (text[i + 1] == '1' || text[i + 1] == '2') && text[i + 2] == '}') {
            emit(text[i + 1] == '1' ? "{2}" : "{1}", 3, eu);
            i += 2;
        } else {
            emit(text + i, 1, eu);
        }
    }
    return TOLK_OK;
}

/* Pairs written as two elements (2.x <sc/>/<ec/>, 1.2 <bpt>/<ept> as memoQ writes them, <bx/>/<ex/>):
 * a pair that nests is kept in order like <pc>; one that crosses other codes (what sc/ec are for)
 * stands alone, so the source itself still passes. */
START_TEST(split_pairs_kept_in_order)
{
    static const char head2[] = "<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"en\">"
                                "<file id=\"f\"><unit id=\"u\"><segment><source>";
    static const char tail2[] = "</source></segment></unit></file></xliff>";
    static const char head12[] = "<xliff xmlns=\"urn:oasis:names:tc:xliff:document:1.2\" version=\"1.2\"><file original=\"x\" "
                                 "source-language=\"en\" datatype=\"plaintext\"><body><trans-unit id=\"1\"><source>";
    static const char tail12[] = "</source></trans-unit></body></file></xliff>";
    static const struct { int v2; const char *source; tolk_segment_fn fn; int kept; } cases[] = {
        {1, "Open <sc id=\"1\"/>the<ec startRef=\"1\"/> file now.", swap12, 1},
        {1, "Open <sc id=\"1\"/>the<ec startRef=\"1\"/> file now.", identity, 0},
        {1, "A <sc id=\"1\"/>b <pc id=\"2\">c<ec startRef=\"1\"/> d</pc> e.", identity, 0},
        {1, "A <pc id=\"2\">b <sc id=\"1\"/>c</pc> d<ec startRef=\"1\"/> e.", identity, 0},
        {0, "Open the <bpt id=\"1\" ctype=\"bold\">{}</bpt>File<ept id=\"1\">{}</ept> menu.", swap12, 1},
        {0, "Open the <bpt id=\"1\" ctype=\"bold\">{}</bpt>File<ept id=\"1\">{}</ept> menu.", identity, 0},
        {0, "Open the <bx id=\"1\" rid=\"r\"/>File<ex id=\"2\" rid=\"r\"/> menu.", swap12, 1},
        {0, "A <bx id=\"1\"/>b <g id=\"2\">c<ex id=\"1\"/> d</g> e.", identity, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char doc[512];
        snprintf(doc, sizeof doc, "%s%s%s", cases[i].v2 ? head2 : head12, cases[i].source, cases[i].v2 ? tail2 : tail12);
        tolk_doc *d = NULL;
        tolk_error err = {0};
        int rc = tolk_doc_open("xliff", "scec.xlf", doc, strlen(doc), 0, &d, &err);
        if (rc == TOLK_E_UNSUPPORTED && strstr(err.msg, "tolk was built without"))
            return;
        ck_assert_msg(rc == TOLK_OK, "%s", err.msg);
        ck_assert_int_eq(tolk_doc_translate_with(d, cases[i].fn, NULL, NULL, NULL, &err), TOLK_OK);
        tolk_doc_stats st;
        tolk_doc_get_stats(d, &st);
        ck_assert_msg((int)st.kept == cases[i].kept, "case %zu: %zu kept", i, st.kept);
        tolk_doc_free(d);
    }
}
END_TEST

/* Starts every text with what XML text cannot hold as it is: "]]>" and a control character. */
static int xml_hostile(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                       tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = 0;
    *tokens = 1;
    emit("a]]>b\x01" "c ", 8, eu);
    emit(text, len, eu);
    return TOLK_OK;
}

/* Writes "<b> &amp; " before the text: markup and a reference the translation must not make. */
static int lt_amp(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                  tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = 0;
    *tokens = 1;
    emit("<b> &amp; ", 10, eu);
    emit(text, len, eu);
    return TOLK_OK;
}

START_TEST(realistic_files)
{
    size_t n;
    char *out;
    /* Markdown: YAML front matter's title translated, its list untouched (tests/test_format_front.c);
     * hard breaks stay where they were */
    if ((out = translate_fixture("frontmatter.md", upper, &n))) {
        ck_assert_msg(strstr(out, "---\ntitle: GETTING STARTED\ntags: [intro, setup]\n---\n"), "%s", out);
        ck_assert(strstr(out, "A HARD BREAK  \nNEXT LINE") && strstr(out, "BACKSLASH BREAK\\\nNEXT AGAIN."));
        ck_assert(strstr(out, "~~~python\nprint(\"hello\")\n~~~") && strstr(out, "[ref]: https://example.org/ref"));
        free(out);
        /* a pipe the model writes in a table cell would split the cell: escaped there only */
        out = translate_fixture("frontmatter.md", piping, &n);
        ck_assert_msg(strstr(out, "| a\\|b Option | a\\|b Meaning |\n") && strstr(out, "| `-t N` | a\\|b threads to use |") &&
                      strstr(out, "# a|b Install"), "%s", out);
        free(out);
    }
    /* HTML: a start tag and the end tag that closes it are a pair: a model that swaps them is refused,
     * while tags that cross in the source (or void ones) stand alone and still pass */
    {
        static const char html[] = "<p>Click <b>bold</b> now.</p>\n<p>A <b>cross <i>x</b> y</i> <br> z.</p>\n";
        tolk_doc *d = NULL;
        tolk_error err = {0};
        ck_assert_int_eq(tolk_doc_open("html", "pairs.html", html, strlen(html), 0, &d, &err), TOLK_OK);
        ck_assert_int_eq(tolk_doc_translate_with(d, swap12, NULL, NULL, NULL, &err), TOLK_OK);
        tolk_doc_stats st;
        tolk_doc_get_stats(d, &st);
        /* the first is refused; in the second, swapping <b> (alone: it crosses <i>) and <i> nests */
        ck_assert_msg(st.kept == 1, "%zu kept", st.kept);
        tolk_doc_free(d);
        ck_assert_int_eq(tolk_doc_open("html", "pairs.html", html, strlen(html), 0, &d, &err), TOLK_OK);
        ck_assert_int_eq(tolk_doc_translate_with(d, identity, NULL, NULL, NULL, &err), TOLK_OK);
        tolk_doc_get_stats(d, &st);
        ck_assert_int_eq((int)st.kept, 0);
        tolk_doc_free(d);
    }
    /* Markdown: the text of HTML blocks is translated as HTML is (text, alt, entities kept); a quoted
     * block, comments, <pre>, <script> and a block HTML's parser refuses are left alone */
    if ((out = translate_fixture("htmlblocks.md", upper, &n))) {
        ck_assert_msg(strstr(out, "<p align=\"center\">\n  <img src=\"logo.png\" alt=\"THE TOLK LOGO\" width=\"120\">\n</p>\n") &&
                      strstr(out, "<h1 align=\"center\">TRANSLATE FILES, NOT LINES</h1>\n") &&
                      strstr(out, "<summary>SHOW THE OPTIONS</summary>") && strstr(out, "- A LIST ITEM INSIDE THE DETAILS."),
                      "%s", out);
        ck_assert_msg(strstr(out, "<div align=\"center\">FAST &amp; PRIVATE, <b>OFFLINE</b> &mdash; ALWAYS.</div>") &&
                      strstr(out, "> <p>A quoted HTML block\n> stays as it is.</p>") &&
                      strstr(out, "<!-- a comment block, kept -->") && strstr(out, "<pre>\nkept as it is\n</pre>") &&
                      strstr(out, "var s = \"<p>not text</p>\";") && strstr(out, "<div>a tag that never closes <b\n"),
                      "%s", out);
        free(out);
        /* a '<' or '&' the model writes in an HTML block's text is escaped as HTML needs */
        out = translate_fixture("htmlblocks.md", lt_amp, &n);
        ck_assert_msg(strstr(out, "<summary>&lt;b> &amp;amp; Show the options</summary>"), "%s", out);
        free(out);
    }
    /* Markdown: an HTML block with CRLF line ends, and one indented in a list item */
    {
        static const char md[] = "<div align=\"center\">\r\n  <b>Bold</b> words\r\n</div>\r\n\r\n"
                                 "- Item\n\n  <p>Inside\n  the item</p>\n";
        tolk_doc *d = NULL;
        tolk_error err = {0};
        if (tolk_doc_open("md", "blocks.md", md, strlen(md), 0, &d, &err) == TOLK_OK) {
            ck_assert_int_eq(tolk_doc_translate_with(d, upper, NULL, NULL, NULL, &err), TOLK_OK);
            char *o = write_doc(d, &n);
            ck_assert_msg(!strcmp(o, "<div align=\"center\">\r\n  <b>BOLD</b> WORDS\r\n</div>\r\n\r\n"
                                     "- ITEM\n\n  <p>INSIDE\n  THE ITEM</p>\n"), "%s", o);
            free(o);
            tolk_doc_free(d);
        }
    }
    /* Markdown: the titles of inline links and images, and the text attributes of inline HTML tags,
     * are text; a quote the model writes cannot end one; a reference's title and one with an escape
     * stay as they are */
    if ((out = translate_fixture("titles.md", upper, &n))) {
        ck_assert_msg(strstr(out, "READ THE [MANUAL](https://example.org/manual \"THE FULL MANUAL\") FIRST.") &&
                      strstr(out, "[THE GUIDE](<https://example.org/a guide> 'A FRIENDLY GUIDE')") &&
                      strstr(out, "![A CAT](cat.png (A SLEEPING CAT))") &&
                      strstr(out, "**[BOLD LINK](https://example.org \"BOLD TITLE\")**") &&
                      strstr(out, "[PLAIN ONE](https://example.org/plain).") &&
                      strstr(out, "[X](https://example.org \"Say \\\"hi\\\"\") STAYS.") &&
                      strstr(out, "[ref]: https://example.org/ref \"Reference title\""), "%s", out);
        ck_assert_msg(strstr(out, "BADGES: <a href=\"https://ci.example.org\"><img src=\"ci.svg\" alt=\"BUILD STATUS\"></a> "
                                  "AND <abbr title='MACHINE TRANSLATION'>MT</abbr>."), "%s", out);
        free(out);
        out = translate_fixture("titles.md", quoting, &n);
        ck_assert_msg(strstr(out, "(https://example.org/manual \"l'\\\"The full manual\")") &&
                      strstr(out, "(<https://example.org/a guide> 'l\\'\"A friendly guide')") &&
                      strstr(out, "(cat.png (l'\"A sleeping cat))"), "%s", out);
        /* in an inline HTML attribute the quote is written as HTML writes it */
        ck_assert_msg(strstr(out, "<img src=\"ci.svg\" alt=\"l'&quot;Build status\">") &&
                      strstr(out, "<abbr title='l&#39;\"Machine translation'>"), "%s", out);
        free(out);
    }
    /* a file that starts with a rule (then a blank line) has no front matter: all three blocks count */
    {
        static const char rule_first[] = "---\n\n# Title\n\nSome text.\n\n---\n\nMore text.\n";
        tolk_doc *d = NULL;
        tolk_error err = {0};
        if (tolk_doc_open("md", "rule.md", rule_first, strlen(rule_first), 0, &d, &err) == TOLK_OK) {
            ck_assert_int_eq(tolk_doc_translate_with(d, upper, NULL, NULL, NULL, &err), TOLK_OK);
            tolk_doc_stats st;
            tolk_doc_get_stats(d, &st);
            ck_assert_int_eq((int)st.translated, 3);
            tolk_doc_free(d);
        }
    }
    /* PO: HTML tags in a string are codes, so a model that reorders them leaves the entry as it was
     * (kept, in the report) */
    out = translate_fixture("plural_pl.po", swap12, &n);
    ck_assert_msg(strstr(out, "\n\n#, c-format\nmsgid \"Click <a href=\\\"%s\\\">here</a> or <b>there</b>.<br/>\"\n"
                              "msgstr \"\"\n"), "%s", out);
    free(out);
    /* SRT without blank lines between some cues: every timing line stays a timing line */
    out = translate_fixture("nogaps.srt", upper, &n);
    ck_assert_int_eq(count_of(out, "-->"), 4);
    ck_assert_msg(strstr(out, "\r\n5\r\n00:00:09,000 --> 00:00:10,000\r\nNO BLANK LINE BEFORE ME.\r\n"), "%s", out);
    ck_assert(strstr(out, "00:00:04,000 --> 00:00:06,000 X1:100 X2:200\r\n"));
    free(out);
    /* <i> .. </i> and <font> .. </font> are pairs: swapped by the model, their cues stay as they were */
    out = translate_fixture("nogaps.srt", swap12, &n);
    {
        size_t len;
        char *orig = read_fixture("nogaps.srt", &len);
        ck_assert_msg(n == len && !memcmp(out, orig, len), "%s", out);
        free(orig);
    }
    free(out);
    /* WebVTT references survive a translation that changes the text around them */
    out = translate_fixture("voices.vtt", upper, &n);
    ck_assert_msg(strstr(out, "WE&amp;RE") && strstr(out, "&lt;LUCERN&gt;") && !strstr(out, "&AMP;"), "%s", out);
    ck_assert(strstr(out, "<v Roger Bingham>WE ARE") && strstr(out, "NOTE This is a comment\nspanning lines\n"));
    free(out);
    /* HTML: every quoted alt/title of an inline tag translated; a quote the model writes cannot end a
     * single-quoted attribute; unquoted values, script, style, pre and comments untouched */
    out = translate_fixture("legacy.html", upper, &n);
    ck_assert_msg(strstr(out, "alt=\"A CAT\" title='CAT PIC'") && strstr(out, "<img alt=Logo>"), "%s", out);
    ck_assert(strstr(out, "<div title='BLOCK TITLE'>") && strstr(out, "document.write(\"<p>x</p>\")"));
    ck_assert(strstr(out, "<!--[if IE]><p>Old browser</p><![endif]-->") && strstr(out, "  keep   this"));
    /* translate="no" and class="notranslate" (nested elements of the same name included) */
    ck_assert(strstr(out, "<p>BUY <span translate=\"no\">ACME Widget</span> NOW.</p>") &&
              strstr(out, "<div class=\"box notranslate\"><p>Keep <div>inner</div> this</p></div>") &&
              strstr(out, "<p>AFTER <img alt=\"Logo\" translate=\"no\"> AND <b class=\"notranslatex\">BOLD</b>.</p>"));
    free(out);
    /* HTML: the attributes a reader sees as text: placeholder, aria-label, a button's value, a meta
     * description's (keywords', og:title's) content, and <title>; other values stay as they are */
    out = translate_fixture("attrs.html", upper, &n);
    ck_assert_msg(strstr(out, "<meta name=\"description\" content=\"A SMALL RUNTIME FOR TRANSLATORS\">") &&
                  strstr(out, "<meta content=\"OFFLINE, PRIVATE\" name=\"keywords\">") &&
                  strstr(out, "<meta property=\"og:title\" content=\"TOLK FOR TRANSLATORS\">"), "%s", out);
    ck_assert(strstr(out, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">") &&
              strstr(out, "<meta property=\"og:url\" content=\"https://example.org/tolk\">") &&
              strstr(out, "<meta name=\"robots\" content=\"noindex\">") &&
              strstr(out, "<title>TOLK &amp; THE MANUAL</title>"));
    ck_assert(strstr(out, "placeholder=\"SEARCH THE MANUAL\" value=\"tolk\">") &&
              strstr(out, "<input type=\"submit\" value=\"SEARCH NOW\">") &&
              strstr(out, "<input value='START OVER' type=\"reset\">") &&
              strstr(out, "<input type=\"hidden\" name=\"lang\" value=\"en\">") &&
              strstr(out, "<input type=\"text\" value=\"your name\">"));
    ck_assert(strstr(out, "<textarea placeholder=\"YOUR MESSAGE\" rows=\"3\">kept as typed</textarea>") &&
              strstr(out, "<button aria-label=\"CLOSE THE DIALOG\">X</button>") &&
              strstr(out, "<select name=\"size\" aria-label=\"MODEL SIZE\">") &&
              strstr(out, "<optgroup label=\"SMALL MODELS\"><option value=\"270m\" label=\"TINY AND FAST\">270M</option>") &&
              strstr(out, "<p>PRESS <a href=\"/help\" aria-label=\"OPEN THE HELP PAGE\">HERE</a> FOR HELP.</p>") &&
              strstr(out, "<nav aria-label=\"Main menu\" translate=\"no\"><a href=\"/\">Home</a></nav>"));
    free(out);
    out = translate_fixture("legacy.html", quoting, &n);
    ck_assert_msg(strstr(out, "alt=\"l'&quot;A cat\" title='l&#39;\"Cat pic'>l'\" and") &&
                  strstr(out, "<div title='l&#39;\"Block title'>l'\"x</div>"), "%s", out);
    free(out);
    /* XLIFF: CDATA, comments and processing instructions in a source are kept as they are; a
     * protected marker's content is not translated; the output stays well-formed */
    if ((out = translate_fixture("markup.xlf", upper, &n))) {
        ck_assert_msg(strstr(out, "USE <![CDATA[<b> & x]]> AND <!-- note --> IT<?pi x?>.</target>"), "%s", out);
        ck_assert(strstr(out, "BRAND <mrk mtype=\"protected\">ACME &amp; Co</mrk> RULES.</target>"));
        /* translate="no" on a group holds for the units of its inner groups too */
        ck_assert(strstr(out, "<source>Not me.</source></trans-unit>") && strstr(out, "<source>Nor me.</source></trans-unit>"));
        ck_assert(strstr(out, "<source>After the group.</source><target"));
        free(out);
    }
    if ((out = translate_fixture("markup.xlf", xml_hostile, &n))) {
        ck_assert_msg(strstr(out, ">a]]&gt;bc USE <![CDATA[") == NULL && strstr(out, ">a]]&gt;bc Use <![CDATA[") &&
                      !strchr(out, '\x01') && !strstr(out, "a]]>"), "%s", out);
        free(out);
    }
    if ((out = translate_fixture("full21.xlf", upper, &n))) {
        ck_assert_msg(strstr(out, "<mrk id=\"m1\" translate=\"no\">ACME</mrk> NOW.</target>"), "%s", out);
        free(out);
    }
    /* Trados: a target without the segments' mrks (absent, empty, <target/>) is written from the
     * seg-source, the text and codes between segments kept; a locked segment's mrk stays empty; a
     * target missing one mrk gets it */
    if ((out = translate_fixture("trados_multi.sdlxliff", upper, &n))) {
        ck_assert_msg(strstr(out, "<target><x id=\"7\"/><mrk mtype=\"seg\" mid=\"5\">ONE.</mrk> "
                                  "<mrk mtype=\"seg\" mid=\"6\">TWO.</mrk></target>"), "%s", out);
        ck_assert(strstr(out, "<target><mrk mtype=\"seg\" mid=\"7\">THREE.</mrk>  <mrk mtype=\"seg\" mid=\"8\"></mrk>"
                              "</target>"));
        ck_assert(strstr(out, "<target><mrk mtype=\"seg\" mid=\"3\"><![CDATA[Use <b> & stuff]]> DONE</mrk></target>"));
        ck_assert(strstr(out, "<mrk mtype=\"seg\" mid=\"9\">F\xc3\xbcnf.</mrk><mrk mtype=\"seg\" mid=\"10\">SIX.</mrk>"));
        ck_assert(strstr(out, "<sdl:seg id=\"8\" locked=\"true\"/>") && strstr(out, "<sdl:seg id=\"9\" conf=\"Translated\"/>"));
        free(out);
    }
}
END_TEST

/* ---- the checks for one translation outside a document (the TUI's marks) ---- */

START_TEST(check_translation_names_the_failed_check)
{
    const char *src = "Hello %s, see https://example.org/a for 3 new items.";
#define CHECK(out, limit) tolk_check_translation(src, strlen(src), out, strlen(out), limit)
    ck_assert_ptr_null(CHECK("Hallo %s, siehe https://example.org/a für 3 neue Dinge.", 0));
    ck_assert_str_eq(CHECK("Hallo %s, siehe https://example.org/a für 3 neue Dinge.", 1), "length");
    ck_assert_str_eq(CHECK("  \n", 0), "empty");
    ck_assert_str_eq(CHECK("Hallo, siehe https://example.org/a für 3 neue Dinge.", 0), "placeholders");
    ck_assert_str_eq(CHECK("Hallo %s %s, siehe https://example.org/a für 3 neue Dinge.", 0), "placeholders");
    ck_assert_str_eq(CHECK("Hallo %s, siehe https://example.org/b für 3 neue Dinge.", 0), "placeholders");
    ck_assert_str_eq(CHECK(" hello %s, SEE https://example.org/a for 3 new items. ", 0), "untranslated");
    ck_assert_str_eq(CHECK("Hallo %s, https://example.org/a 3 neue neue neue neue neue neue neue neue neue neue", 0),
                     "repetition");
    ck_assert_str_eq(CHECK("%s", 0), "placeholders"); /* dropped URL and number come first */
    const char *plain = "The weather is nice today and tomorrow.";
    ck_assert_str_eq(tolk_check_translation(plain, strlen(plain), "1.", 2, 0), "short");
    ck_assert_ptr_null(tolk_check_translation(plain, strlen(plain), "Das Wetter ist heute und morgen schön.", 37, 0));
#undef CHECK
}
END_TEST

int main(void)
{
    Suite *s = suite_create("formats");
    TCase *tc = tcase_create("formats");
    tcase_add_test(tc, protect_placeholders);
    tcase_add_test(tc, protect_xml_codes);
    tcase_add_test(tc, checks_detect);
    tcase_add_test(tc, sentence_rules);
    tcase_add_test(tc, roundtrip_unchanged);
    tcase_add_test(tc, roundtrip_identity);
    tcase_add_test(tc, bilingual_expected);
    tcase_add_test(tc, upper_changes_text_only);
    tcase_add_test(tc, failing_segments_kept);
    tcase_add_test(tc, xliff2_flagged_units_get_notes);
    tcase_add_test(tc, same_source_same_translation);
    tcase_add_test(tc, plain_then_numbered);
    tcase_add_test(tc, hostile_inputs);
    tcase_add_test(tc, realistic_files);
    tcase_add_test(tc, split_pairs_kept_in_order);
    tcase_add_test(tc, check_translation_names_the_failed_check);
    add_test_or_skip(tc, constrained_placeholders, need_testdata());
    suite_add_tcase(s, tc);
    tolk_doc *probe = NULL;
    tolk_error err = {0};
    if (tolk_doc_open("xliff", "probe", "<a/>", 4, 0, &probe, &err) == TOLK_E_UNSUPPORTED)
        skip_cpu("XLIFF", "%s", err.msg);
    tolk_doc_free(probe);
    if (tolk_doc_open("md", "probe", "a", 1, 0, &probe, &err) == TOLK_E_UNSUPPORTED)
        skip_cpu("Markdown", "%s", err.msg);
    tolk_doc_free(probe);
    int failed = suite_failures(s, true);
    return skip_exit(failed);
}
