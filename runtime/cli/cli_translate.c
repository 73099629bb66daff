/* `tolk translate`: translates TEXT (or stdin with `-`, paragraph by paragraph, keeping the blank
 * lines between paragraphs) and prints only the translation. --show-prompt shows the exact prompt
 * (or its token ids) and works on vocab-only files. Greedy by default: translators want the same
 * output for the same input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_document.h"
#include "cli_opts.h"

typedef struct tr_opts {
    const char *model, *from, *to, *text, *template_path;
    int show_prompt; /* 1: text, 2: ids */
    int verbose;
    int n_predict;
    tolk_params p;
    tolk_spec_params sp;
    cli_doc_opts doc; /* -f FILE and the document options */
    const char *tm_path; /* --tm: translation memory (docs/TM.md) */
    int fuzzy, tm_write;
    const char *glossary_path, *term_report_path; /* --glossary, --term-report (docs/TM.md) */
    int no_force_terms;  /* --no-force-terms: report a missed term instead of forcing it */
    FILE *term_report;
} tr_opts;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tolk translate [-m MODEL] [--from LANG] --to LANG [TEXT | -]\n"
            "       tolk translate [-m MODEL] [--from LANG] --to LANG -f FILE [-o OUT] [--format F]\n\n"
            "Translate TEXT, or standard input paragraph by paragraph with '-' (blank lines are\n"
            "kept). LANG is an ISO 639-1 code (de, fr, pt-BR, zh-TW) or an English name.\n\n"
            "      --from LANG        source language (default: let the model tell)\n"
            "      --to LANG          target language (required)\n"
            "      --template FILE    prompt template instead of the model's built-in one\n"
            "                         (placeholders {text} {src} {tgt} {from} {label} {bos}; README)\n"
            "      --show-prompt[=ids] print the exact prompt (or its token ids) and exit\n"
            "  -n, --n-predict N      most tokens per paragraph (default 1024)\n"
            "  -f, --file FILE        translate a document: txt, po, srt, vtt, xliff (xlf sdlxliff\n"
            "                         mqxliff mxliff), md, html; markup and placeholders are kept\n"
            "  -o, --output OUT       where the translated document goes (default: standard output)\n"
            "      --format F         the document's format, when its extension does not tell\n"
            "      --overwrite        PO and XLIFF: translate again the targets already filled\n"
            "      --report FILE      JSON report of the segments that failed a check\n"
            "      --copy-source      put the source in as the translation (no model; a dry run)\n"
            "      --front-matter-keys LIST  Markdown: the front matter keys whose text values are\n"
            "                         translated (comma or space separated; \"\": none; default title,\n"
            "                         subtitle, description, summary, excerpt, abstract, caption, alt,\n"
            "                         linkTitle, lead, teaser; also TOLK_FRONT_MATTER_KEYS)\n"
            "      --quiet            no progress on standard error\n"
            "      --verbose          prompt tok/s, generation tok/s and time to first token on stderr;\n"
            "                         with speculation also acceptance and the speedup over plain\n"
            "                         decoding of the same input (translated again afterwards)\n"
            "      --tm DB            translation memory: exact matches are reused, the best fuzzy\n"
            "                         match is an example in the prompt and the speculative draft\n"
            "      --fuzzy N          lowest fuzzy match used, percent (default 75)\n"
            "      --tm-write         add the translations made to the TM (needs --from)\n"
            "      --glossary FILE    terms to use: TSV (source TAB target), .csv or .tbx\n"
            "      --term-report FILE per paragraph (document: segment id) and glossary term: found,\n"
            "                         forced or missed (TSV)\n"
            "      --no-force-terms   leave a glossary term the model missed out (reported as missed)\n"
            "                         instead of decoding again with the term forced in\n"
            "%s%s(translate defaults to --temp 0: greedy)\n",
            cli_common_help, cli_spec_help);
}

static const cli_choice show_prompt_forms[] = {{"text", 1}, {"ids", 2}, {NULL, 0}};

/* Options into O; CLI_OK, CLI_HELP or CLI_ERROR (printed). */
static int parse_args(int argc, char **argv, tr_opts *o)
{
    cli_opt common_opts[CLI_COMMON_N], spec_opts[CLI_SPEC_N];
    cli_common_opts(common_opts, &o->p, &o->model);
    cli_spec_opts(spec_opts, &o->sp);
    const cli_opt own[] = {
        CLI_OPT_STR(NULL, "--from", &o->from), CLI_OPT_STR(NULL, "--to", &o->to),
        CLI_OPT_STR(NULL, "--template", &o->template_path),
        CLI_OPT_CHOICE_OPTIONAL("--show-prompt", &o->show_prompt, show_prompt_forms, 1),
        CLI_OPT_INT("-n", "--n-predict", &o->n_predict, -1, 1 << 24), CLI_OPT_FLAG(NULL, "--verbose", &o->verbose, 1),
        CLI_OPT_STR("-f", "--file", &o->doc.in_path), CLI_OPT_STR("-o", "--output", &o->doc.out_path),
        CLI_OPT_STR(NULL, "--format", &o->doc.format), CLI_OPT_STR(NULL, "--report", &o->doc.report_path),
        CLI_OPT_FLAG(NULL, "--overwrite", &o->doc.overwrite, 1), CLI_OPT_FLAG(NULL, "--copy-source", &o->doc.copy_source, 1),
        CLI_OPT_FLAG(NULL, "--quiet", &o->doc.quiet, 1),
        CLI_OPT_STR(NULL, "--front-matter-keys", &o->doc.front_matter_keys),
        CLI_OPT_STR(NULL, "--tm", &o->tm_path), CLI_OPT_INT(NULL, "--fuzzy", &o->fuzzy, 1, 100),
        CLI_OPT_FLAG(NULL, "--tm-write", &o->tm_write, 1),
        CLI_OPT_STR(NULL, "--glossary", &o->glossary_path), CLI_OPT_STR(NULL, "--term-report", &o->term_report_path),
        CLI_OPT_FLAG(NULL, "--no-force-terms", &o->no_force_terms, 1),
        CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {own, common_opts, spec_opts, NULL};
    int n_pos = 0, rc = cli_parse("translate", tables, -1, argc, argv, &n_pos);
    if (rc)
        return rc;
    if (n_pos > 1)
        return cli_error("more than one text given; quote the text or use '-' for stdin");
    o->text = n_pos ? argv[1] : NULL;
    if (o->doc.in_path && o->text)
        return cli_error("both -f FILE and a text given; translate one or the other");
    if ((o->doc.out_path || o->doc.format || o->doc.report_path || o->doc.overwrite || o->doc.copy_source ||
         o->doc.front_matter_keys) &&
        !o->doc.in_path)
        return cli_error("-o, --format, --report, --overwrite, --copy-source and --front-matter-keys go with -f FILE");
    if (!o->to && !o->doc.copy_source)
        return cli_error("no target language: pass --to LANG (e.g. --to de)");
    if (!o->doc.in_path && !o->text)
        return cli_error("nothing to translate: pass TEXT or '-' to read standard input");
    if (o->doc.copy_source && (o->tm_path || o->glossary_path))
        return cli_error("--copy-source runs no model: --tm and --glossary do not go with it");
    if (o->term_report_path && !o->glossary_path)
        return cli_error("--term-report needs a glossary: --glossary FILE");
    if (o->tm_write && !o->tm_path)
        return cli_error("--tm-write needs the translation memory: --tm DB");
    if (o->tm_write && !o->from)
        return cli_error("--tm-write needs the source language: --from LANG");
    return cli_spec_check(&o->sp) ? CLI_ERROR : CLI_OK;
}

static void add_stats(tolk_stats *sum, const tolk_stats *st)
{
    sum->n_prompt += st->n_prompt;
    sum->n_gen += st->n_gen;
    sum->prompt_ms += st->prompt_ms;
    sum->gen_ms += st->gen_ms;
    sum->ttft_ms += st->ttft_ms;
    sum->n_drafted += st->n_drafted;
    sum->n_accepted += st->n_accepted;
    sum->n_spec_steps += st->n_spec_steps;
    sum->n_tm_exact += st->n_tm_exact;
    sum->n_terms_forced += st->n_terms_forced;
    sum->prompt_tok_s = sum->prompt_ms > 0 ? sum->n_prompt * 1e3 / sum->prompt_ms : 0;
    sum->gen_tok_s = sum->gen_ms > 0 ? sum->n_gen * 1e3 / sum->gen_ms : 0;
}

static void report(const tolk_stats *st)
{
    fprintf(stderr, "prompt: %d tokens, %.1f ms (%.2f tok/s); generation: %d tokens, %.2f tok/s; "
                    "time to first token: %.1f ms\n",
            st->n_prompt, st->prompt_ms, st->prompt_tok_s, st->n_gen, st->gen_tok_s, st->ttft_ms);
}

static int show_prompt(const tr_opts *o, const char *path, const char *text, size_t len, tolk_error *err)
{
    tolk_model *m = NULL;
    char *prompt = NULL;
    int32_t *ids = NULL;
    size_t n_ids = 0;
    int rc = tolk_model_load_vocab(path, &m, err);
    if (!rc)
        rc = tolk_translate_prompt(m, o->template_path, o->from, o->to, text, len, &prompt,
                                   o->show_prompt == 2 ? &ids : NULL, &n_ids, err);
    char which[160];
    if (!rc && !tolk_translate_template_name(m, o->template_path, which, sizeof which, err))
        fprintf(stderr, "tolk: prompt template %s\n", which);
    if (!rc && o->show_prompt == 2) {
        for (size_t i = 0; i < n_ids; i++)
            printf("%s%d", i ? " " : "", ids[i]);
        printf("\n");
    } else if (!rc) {
        fputs(prompt, stdout);
    }
    free(prompt);
    free(ids);
    tolk_model_free(m);
    return rc;
}

/* Translates each paragraph of TEXT (separated by blank lines), copying the separators as-is;
 * TOTAL sums the statistics. */
static int translate_paragraphs(tolk_session *s, const tr_opts *o, const char *text, size_t len, cli_text *out,
                                int verbose, tolk_stats *total, tolk_error *err)
{
    size_t i = 0;
    int segment = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && (text[i] == '\n' || text[i] == '\r'))
            i++;
        cli_text_add(text + start, i - start, out); /* blank lines between paragraphs */
        start = i;
        while (i < len && !(text[i] == '\n' && (i + 1 >= len || text[i + 1] == '\n' ||
                                                 (text[i + 1] == '\r' && i + 2 < len && text[i + 2] == '\n'))))
            i++;
        size_t end = i;
        while (end > start && (text[end - 1] == '\r' || text[end - 1] == ' ' || text[end - 1] == '\t'))
            end--;
        if (end > start) {
            tolk_stats st;
            int rc = tolk_translate(s, o->from, o->to, text + start, end - start, o->n_predict, cli_text_add,
                                    out, &st, err);
            if (rc)
                return rc;
            if (o->term_report && out->to_stdout)
                cli_term_report(o->term_report, s, ++segment);
            if (verbose)
                report(&st);
            add_stats(total, &st);
        }
        if (i < len) {
            cli_text_add("\n", 1, out); /* the newline that ended the paragraph */
            i++;
        }
    }
    fflush(stdout);
    return TOLK_OK;
}

/* The whole input: paragraph by paragraph from stdin, else as one text. */
static int translate_all(tolk_session *s, const tr_opts *o, const char *text, size_t len, int paragraphs,
                         cli_text *out, int verbose, tolk_stats *total, tolk_error *err)
{
    memset(total, 0, sizeof *total);
    if (paragraphs)
        return translate_paragraphs(s, o, text, len, out, verbose, total, err);
    int rc = tolk_translate(s, o->from, o->to, text, len, o->n_predict, cli_text_add, out, total, err);
    if (!rc && o->term_report && out->to_stdout)
        cli_term_report(o->term_report, s, 1);
    if (!rc) {
        cli_text_add("\n", 1, out);
        if (verbose)
            report(total);
    }
    return rc;
}

/* -f FILE: the document job, with a session unless --copy-source needs none. */
static int translate_document(tr_opts *o)
{
    o->doc.from = o->from;
    o->doc.to = o->to;
    o->doc.term_report_path = o->term_report_path;
    if (!cli_document_needs_model(&o->doc))
        return cli_translate_document(&o->doc, NULL);
    tolk_error err = {0};
    tolk_model *m = NULL;
    tolk_session *s = NULL;
    tolk_tm *tm = NULL;
    tolk_glossary *gloss = NULL;
    char *path = NULL;
    int rc = cli_model_path(o->model, &path, &err);
    if (!rc && o->tm_path)
        rc = cli_tm_open(o->tm_path, o->tm_write, &tm, &err);
    if (!rc && o->glossary_path)
        rc = tolk_glossary_load(o->glossary_path, o->from, o->to, &gloss, &err);
    if (!rc)
        rc = tolk_model_load(path, &m, &err);
    if (!rc)
        rc = tolk_session_new(m, &o->p, &s, &err);
    if (!rc && o->template_path)
        rc = tolk_session_set_template(s, o->template_path, &err);
    if (!rc)
        rc = tolk_session_set_spec(s, &o->sp, &err);
    if (!rc && tm)
        rc = tolk_session_set_tm(s, tm, o->fuzzy, TOLK_TM_DEFAULT | (o->tm_write ? TOLK_TM_WRITE_BACK : 0), &err);
    if (!rc && gloss)
        rc = tolk_session_set_glossary(s, gloss, &err);
    if (!rc && gloss && o->no_force_terms)
        rc = tolk_session_set_term_forcing(s, 0, &err);
    int status = rc ? cli_error("%s", err.msg) : cli_translate_document(&o->doc, s);
    tolk_session_free(s);
    tolk_tm_close(tm);
    tolk_glossary_free(gloss);
    tolk_model_free(m);
    free(path);
    return status;
}

int cli_translate_main(int argc, char **argv)
{
    tr_opts o = {.n_predict = 1024, .fuzzy = 75};
    tolk_params_default(&o.p);
    o.p.temp = 0.0f;
    tolk_spec_params_default(&o.sp);
    int rc = parse_args(argc, argv, &o);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if (o.doc.in_path)
        return translate_document(&o);
    size_t len = 0;
    char *input = NULL, *path = NULL;
    const char *text = o.text;
    tolk_error err = {0};
    if (!strcmp(o.text, "-")) {
        if (cli_read_all(stdin, "standard input", &input, &len, &err))
            return cli_error("cannot read standard input");
        text = input;
    } else {
        len = strlen(text);
    }
    tolk_model *m = NULL;
    tolk_session *s = NULL;
    tolk_tm *tm = NULL;
    tolk_glossary *gloss = NULL;
    unsigned tm_flags = TOLK_TM_DEFAULT | (o.tm_write ? TOLK_TM_WRITE_BACK : 0);
    rc = cli_model_path(o.model, &path, &err);
    if (!rc && o.tm_path && !o.show_prompt)
        rc = cli_tm_open(o.tm_path, o.tm_write, &tm, &err);
    if (!rc && o.glossary_path && !o.show_prompt)
        rc = tolk_glossary_load(o.glossary_path, o.from, o.to, &gloss, &err);
    if (!rc && o.term_report_path && !o.show_prompt && !(o.term_report = fopen(o.term_report_path, "w")))
        rc = cli_fail(&err, TOLK_E_IO, "cannot write %s", o.term_report_path);
    if (!rc && o.show_prompt) {
        rc = show_prompt(&o, path, text, len, &err);
    } else if (!rc) {
        rc = tolk_model_load(path, &m, &err);
        if (!rc)
            rc = tolk_session_new(m, &o.p, &s, &err);
        if (!rc && o.verbose) /* sliding-window layers keep a ring of rows (docs/KV.md) */
            fprintf(stderr, "KV cache: %.2f MiB (%s)\n", tolk_model_kv_bytes(m, o.p.n_ctx, o.p.kv_q8) / 1048576.0,
                    o.p.kv_q8 ? "q8_0" : "f16");
        if (!rc && o.template_path)
            rc = tolk_session_set_template(s, o.template_path, &err);
        if (!rc)
            rc = tolk_session_set_spec(s, &o.sp, &err);
        if (!rc && tm)
            rc = tolk_session_set_tm(s, tm, o.fuzzy, tm_flags, &err);
        if (!rc && gloss)
            rc = tolk_session_set_glossary(s, gloss, &err);
        if (!rc && gloss && o.no_force_terms)
            rc = tolk_session_set_term_forcing(s, 0, &err);
        cli_text out = {.to_stdout = 1}, again = {0};
        tolk_stats st, plain;
        if (!rc)
            rc = translate_all(s, &o, text, len, input != NULL, &out, o.verbose, &st, &err);
        if (!rc && o.verbose && tm)
            fprintf(stderr, "translation memory: %d segment(s) reused exactly\n", st.n_tm_exact);
        if (!rc && o.verbose && gloss)
            fprintf(stderr, "glossary: %d term(s) forced\n", st.n_terms_forced);
        if (!rc && o.verbose && (o.sp.mode != TOLK_SPEC_NONE || tm)) {
            /* The same input again without speculation (and without TM drafts, adding nothing to
             * the TM): the speedup measured in this run. */
            tolk_spec_params none;
            tolk_spec_params_default(&none);
            if (!(rc = tolk_session_set_spec(s, &none, &err)) && tm)
                rc = tolk_session_set_tm(s, tm, o.fuzzy, TOLK_TM_DEFAULT & ~TOLK_TM_DRAFT, &err);
            if (!rc)
                rc = translate_all(s, &o, text, len, input != NULL, &again, 0, &plain, &err);
            if (!rc) {
                fprintf(stderr, "total: ");
                report(&st);
                cli_spec_report(stderr, &st, &plain);
                if (o.p.temp <= 0.0f)
                    fprintf(stderr, "greedy output identical to plain decoding: %s\n",
                            out.n == again.n && (!out.n || !memcmp(out.p, again.p, out.n)) ? "yes" : "NO");
            }
        }
        free(out.p);
        free(again.p);
    }
    tolk_session_free(s);
    tolk_tm_close(tm);
    tolk_glossary_free(gloss);
    if (o.term_report && fclose(o.term_report) && !rc)
        rc = cli_fail(&err, TOLK_E_IO, "cannot write %s", o.term_report_path);
    tolk_model_free(m);
    free(input);
    free(path);
    return rc ? cli_error("%s", err.msg) : 0;
}
