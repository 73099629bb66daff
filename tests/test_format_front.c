/* Markdown front matter (runtime/formats/md_front.c, docs/FORMATS.md "Markdown"): the values of
 * top-level text keys (title, description, summary, ...) are translated in YAML (plain, double-
 * and single-quoted scalars) and TOML (basic and literal strings) front matter, written back in
 * their own quoting (escaped, or quoted when a plain scalar would change meaning); other keys,
 * dates, booleans, numbers, lists, nested keys, block scalars, multi-line and escaped values the
 * reader does not know, comments and line ends stay byte for byte; the identity translation gives
 * every fixture back unchanged, and so does a model that loops; hostile front matter (never closed, invalid UTF-8, tabs, CRLF)
 * is either read right or left alone; TOLK_FRONT_MATTER_KEYS replaces the list of keys. */
#include "format_standins.h"
#include "skip.h"
#include "suite_run.h"
#include "tolk.h"

static int have_md;

/* Starts every text with a colon, a double and a single quote and a hash after a space: a YAML
 * plain scalar cannot hold it, a quoted one needs its quotes escaped. */
static int hostile_text(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                        tolk_error *err)
{
    (void)user;
    (void)err;
    *hit = 0;
    *tokens = 1;
    emit("Neu: \"x\" l'y #1 ", 16, eu);
    emit(text, len, eu);
    return TOLK_OK;
}

/* Answers "yes" (a word YAML reads as a boolean). */
static int says_yes(void *user, const char *text, size_t len, tolk_emit_fn emit, void *eu, int *hit, int *tokens,
                    tolk_error *err)
{
    (void)user;
    (void)text;
    (void)len;
    (void)err;
    *hit = 0;
    *tokens = 1;
    emit("yes", 3, eu);
    return TOLK_OK;
}

/* DATA as Markdown translated with FN (NULL: identity); the output, or NULL when md4c is missing. */
static char *translate_md(const char *data, size_t len, tolk_segment_fn fn, size_t *out_len)
{
    tolk_doc *d = NULL;
    tolk_error err = {0};
    int rc = tolk_doc_open("md", "front.md", data, len, 0, &d, &err);
    ck_assert_msg(rc == TOLK_OK, "%s", err.msg);
    ck_assert_int_eq(tolk_doc_translate_with(d, fn ? fn : identity, NULL, NULL, NULL, &err), TOLK_OK);
    char *out = NULL;
    ck_assert_int_eq(tolk_doc_write(d, &out, out_len, &err), TOLK_OK);
    tolk_doc_free(d);
    return out;
}

static char *translate_file(const char *name, tolk_segment_fn fn)
{
    size_t len, n;
    char *data = read_fixture(name, &len);
    char *out = translate_md(data, len, fn, &n);
    if (!fn)
        ck_assert_msg(n == len && !memcmp(out, data, len), "%s: the identity translation changed the file:\n%s",
                      name, out);
    free(data);
    return out;
}

START_TEST(identity_gives_every_file_back)
{
    static const char *const files[] = {"front_yaml.md", "front_toml.md", "front_crlf.md", "front_open.md",
                                        "frontmatter.md", NULL};
    for (int i = 0; files[i]; i++) {
        free(translate_file(files[i], NULL));
        /* a runaway model's values are kept as they were (the repetition check), never half written */
        size_t len, n;
        char *data = read_fixture(files[i], &len), *out = translate_md(data, len, looping, &n);
        ck_assert_msg(n == len && !memcmp(out, data, len), "%s: a looping model changed the file:\n%s", files[i], out);
        free(out);
        free(data);
    }
}
END_TEST

START_TEST(yaml_text_values_translated_others_kept)
{
    char *out = translate_file("front_yaml.md", upper);
    static const char *const want[] = {
        "---\ntitle: GETTING STARTED\n",
        "\ndescription: \"A \\\"QUICK\\\" GUIDE\\tTO TOLK\"\n",
        "\nsummary: 'IT''S SHORT'\n",
        /* not text keys, or not text */
        "\ndate: 2024-05-01\ndraft: false\nweight: 10\ntags: [intro, setup]\nslug: getting-started\n"
        "aliases:\n  - /old/path\nauthor: Jane Doe\nsubtitle: yes\n",
        /* block scalars, a continued plain scalar, an anchor: left alone */
        "\ncaption: |\n  A block scalar\n  over two lines\nalt: >\n  folded text\n",
        "\nexcerpt: first line\n  continued line\nabstract: &anchor anchored\n",
        /* the comment stays after the value; a tab separates like a space */
        "\nlinkTitle: PLAIN WORDS # a comment\n",
        "\nlead:\tTAB SEPARATED\n",
        /* an escape this reader does not decode: the value stays as written */
        "\nteaser: \"Escaped \\u00e9 stays\"\n",
        /* a nested key is not the page's */
        "\nparams:\n  description: nested stays\n---\n",
        "# BODY HEADING\n\nBODY TEXT.\n", NULL};
    for (int i = 0; want[i]; i++)
        ck_assert_msg(strstr(out, want[i]), "missing %s in:\n%s", want[i], out);
    free(out);
}
END_TEST

START_TEST(yaml_quoting_follows_the_translation)
{
    char *out = translate_file("front_yaml.md", hostile_text);
    static const char *const want[] = {
        /* a plain scalar that would change meaning is double-quoted */
        "\ntitle: \"Neu: \\\"x\\\" l'y #1 Getting started\"\n",
        "\ndescription: \"Neu: \\\"x\\\" l'y #1 A \\\"quick\\\" guide\\tto tolk\"\n",
        "\nsummary: 'Neu: \"x\" l''y #1 It''s short'\n",
        "\nlinkTitle: \"Neu: \\\"x\\\" l'y #1 Plain words\" # a comment\n",
        "\nsubtitle: yes\n", NULL};
    for (int i = 0; want[i]; i++)
        ck_assert_msg(strstr(out, want[i]), "missing %s in:\n%s", want[i], out);
    free(out);
    /* a translation YAML would read as a boolean stays a string */
    out = translate_file("front_yaml.md", says_yes);
    ck_assert_msg(strstr(out, "\ntitle: \"yes\"\n") && strstr(out, "\nsummary: 'yes'\n"), "%s", out);
    free(out);
}
END_TEST

START_TEST(toml_strings)
{
    char *out = translate_file("front_toml.md", upper);
    ck_assert_msg(strstr(out, "+++\ntitle = \"GETTING \\\"STARTED\\\"\"\ndescription = 'LITERAL TEXT'\n"
                              "date = 2024-05-01\ndraft = false\nweight = 10\nsummary = \"\"\"\nmulti-line stays\n\"\"\"\n"
                              "caption = \"Escaped \\u00e9 stays\"\n[params]\ntitle = \"table title\"\n+++\n\nBODY TEXT.\n"),
                  "%s", out);
    free(out);
    /* a quote in a literal string: written as a basic string */
    out = translate_file("front_toml.md", hostile_text);
    ck_assert_msg(strstr(out, "\ndescription = \"Neu: \\\"x\\\" l'y #1 Literal text\"\n") &&
                  strstr(out, "\ntitle = \"Neu: \\\"x\\\" l'y #1 Getting \\\"started\\\"\"\n"), "%s", out);
    free(out);
}
END_TEST

START_TEST(hostile_front_matter)
{
    size_t n;
    /* CRLF line ends and a comment after a quoted value */
    char *out = translate_file("front_crlf.md", upper);
    ck_assert_msg(!strcmp(out, "---\r\ntitle: CARRIAGE RETURNS\r\nsummary: \"QUOTED\"  # note\r\n---\r\n\r\nBODY.\r\n"),
                  "%s", out);
    free(out);
    /* never closed: not front matter (a rule, then Markdown), nothing lost */
    out = translate_file("front_open.md", upper);
    ck_assert_msg(strstr(out, "---\n") == out && strstr(out, "BODY TEXT."), "%s", out);
    free(out);
    /* values this reader leaves alone, whatever the translation */
    static const char odd[] = "---\ntitle: \"never closed\ndescription: \"a\" trailing\nsummary:\n"
                              "excerpt: ''\n\ttitle: indented by a tab\ncaption: >-\n  folded\n"
                              "alt: [a, b]\nabstract: !tag tagged\nlead: - dash\n---\n\nText.\n";
    out = translate_md(odd, strlen(odd), upper, &n);
    ck_assert_msg(n == strlen(odd) && !strncmp(out, odd, strlen(odd) - 6) && strstr(out, "TEXT."), "%s", out);
    free(out);
    /* invalid UTF-8 in front matter: one error line, no document */
    static const char bad[] = "---\ntitle: caf\xe9\n---\n\nText.\n";
    tolk_doc *d = NULL;
    tolk_error err = {0};
    ck_assert_int_eq(tolk_doc_open("md", "bad.md", bad, strlen(bad), 0, &d, &err), TOLK_E_FORMAT);
    ck_assert_msg(strstr(err.msg, "line 2") && !strchr(err.msg, '\n'), "%s", err.msg);
    ck_assert(d == NULL);
}
END_TEST

/* TOLK_FRONT_MATTER_KEYS names the keys instead of the built-in list */
START_TEST(keys_from_the_environment)
{
    setenv("TOLK_FRONT_MATTER_KEYS", "author, slug", 1);
    char *out = translate_file("front_yaml.md", upper);
    unsetenv("TOLK_FRONT_MATTER_KEYS");
    ck_assert_msg(strstr(out, "\nauthor: JANE DOE\n") && strstr(out, "\nslug: GETTING-STARTED\n") &&
                  strstr(out, "---\ntitle: Getting started\n") && strstr(out, "\nsummary: 'It''s short'\n"), "%s", out);
    free(out);
    setenv("TOLK_FRONT_MATTER_KEYS", "", 1); /* none */
    out = translate_file("front_yaml.md", upper);
    unsetenv("TOLK_FRONT_MATTER_KEYS");
    ck_assert_msg(strstr(out, "---\ntitle: Getting started\n") && strstr(out, "\nBODY TEXT.\n"), "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    tolk_doc *d = NULL;
    tolk_error err = {0};
    have_md = tolk_doc_open("md", "x.md", "x\n", 2, 0, &d, &err) != TOLK_E_UNSUPPORTED;
    tolk_doc_free(d);
    if (!have_md) {
        skip_cpu("Markdown front matter", "%s", err.msg);
        return 77;
    }
    Suite *s = suite_create("format_front");
    TCase *tc = tcase_create("front");
    tcase_add_test(tc, identity_gives_every_file_back);
    tcase_add_test(tc, yaml_text_values_translated_others_kept);
    tcase_add_test(tc, yaml_quoting_follows_the_translation);
    tcase_add_test(tc, toml_strings);
    tcase_add_test(tc, hostile_front_matter);
    tcase_add_test(tc, keys_from_the_environment);
    suite_add_tcase(s, tc);
    return skip_exit(suite_failures(s, true));
}
