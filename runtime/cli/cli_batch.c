/* `tolk batch IN.jsonl OUT.jsonl`: translates one JSON object per line ({"id", "text", "from",
 * "to", ...}) and appends {"id", "text", "from", "to", "status"[, "problems"]} lines to OUT. Resumable
 * (ids already in OUT are skipped, so a killed job is simply run again), deterministic (greedy),
 * --shard i/n takes every n-th line starting at line i, so n machines split one job. Each text goes
 * through the document path (tolk_doc_*, plain text): placeholders protected, sentence by sentence,
 * checks applied. Exit status: 0 done; 1 usage or a bad option; 65 bad input (a line that is not a
 * JSON object with an id and a text: the others are still translated); 75 a retryable failure
 * (the model or OUT could not be opened or written: run the same command again). The JSON reader
 * is the CLI's own (the CLI sees only tolk.h); it takes strings, numbers, true/false/null and skips
 * nested values. --tm, --tm-write and --glossary work as for `tolk translate -f` (docs/TM.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_document.h"
#include "cli_json.h"
#include "cli_opts.h"

enum { EXIT_BAD_INPUT = 65, EXIT_RETRY = 75 };

typedef struct batch_opts {
    const char *model, *from, *to, *shard;
    int quiet, copy_source;
    const char *tm_path, *glossary_path; /* --tm, --glossary (docs/TM.md) */
    int fuzzy, tm_write, no_force_terms;
    tolk_params p;
    unsigned shard_i, shard_n;
} batch_opts;

/* ---- a small JSON object reader ---- */

typedef struct jfield {
    const char *key;     /* wanted key */
    char *str;           /* its string value (malloc'd, decoded) */
    size_t len;
    const char *raw;     /* the value as written (for ids) */
    size_t raw_len;
} jfield;

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static void put_utf8(char *out, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xc0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xe0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*n)++] = (char)(0xf0 | (cp >> 18));
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static int hex4(const char *p, const char *e, unsigned *v)
{
    *v = 0;
    if (e - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        *v = *v * 16 + (unsigned)d;
    }
    return 0;
}

/* The string at *P (at its quote): decoded into *OUT (malloc'd) when OUT is non-NULL. */
static int read_jstring(const char **pp, const char *e, char **out, size_t *out_len)
{
    const char *p = *pp + 1;
    char *buf = out ? malloc((size_t)(e - p) + 1) : NULL;
    size_t n = 0;
    if (out && !buf)
        return -1;
    while (p < e && *p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20)
            goto bad;
        if (c != '\\') {
            if (buf)
                buf[n++] = (char)c;
            p++;
            continue;
        }
        if (++p >= e)
            goto bad;
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *hit = strchr(from, *p);
        if (hit && *p) {
            if (buf)
                buf[n++] = to[hit - from];
            p++;
        } else if (*p == 'u') {
            unsigned cp, lo;
            if (hex4(p + 1, e, &cp))
                goto bad;
            p += 5;
            if (cp >= 0xd800 && cp < 0xdc00) {
                if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, e, &lo) || lo < 0xdc00 || lo > 0xdfff)
                    goto bad;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                goto bad;
            }
            if (buf)
                put_utf8(buf, &n, cp);
        } else {
            goto bad;
        }
    }
    if (p >= e)
        goto bad;
    *pp = p + 1;
    if (out) {
        buf[n] = 0;
        *out = buf;
        *out_len = n;
    }
    return 0;
bad:
    free(buf);
    return 1;
}

/* Skips any value at *P. */
static int skip_value(const char **pp, const char *e, int depth)
{
    const char *p = skip_ws(*pp, e);
    if (p >= e || depth > 64)
        return 1;
    if (*p == '"') {
        if (read_jstring(&p, e, NULL, NULL))
            return 1;
    } else if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = skip_ws(p + 1, e);
        if (p < e && *p == close) {
            p++;
        } else {
            for (;;) {
                if (close == '}') {
                    p = skip_ws(p, e);
                    if (p >= e || *p != '"' || read_jstring(&p, e, NULL, NULL))
                        return 1;
                    p = skip_ws(p, e);
                    if (p >= e || *p++ != ':')
                        return 1;
                }
                if (skip_value(&p, e, depth + 1))
                    return 1;
                p = skip_ws(p, e);
                if (p < e && *p == ',') {
                    p++;
                    continue;
                }
                if (p < e && *p == close) {
                    p++;
                    break;
                }
                return 1;
            }
        }
    } else {
        const char *s = p;
        while (p < e && (strchr("+-.eE", *p) || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')) && *p)
            p++;
        size_t n = (size_t)(p - s);
        if (!n)
            return 1;
        if (((*s >= 'a' && *s <= 'z') && !(n == 4 && !memcmp(s, "true", 4)) && !(n == 5 && !memcmp(s, "false", 5)) &&
             !(n == 4 && !memcmp(s, "null", 4))))
            return 1;
    }
    *pp = p;
    return 0;
}

/* Reads the object LINE[0..len), filling the wanted FIELDS; 0, 1 when malformed, -1 out of memory. */
static int read_object(const char *line, size_t len, jfield *fields, int n_fields)
{
    const char *p = skip_ws(line, line + len), *e = line + len;
    if (p >= e || *p++ != '{')
        return 1;
    p = skip_ws(p, e);
    if (p < e && *p == '}')
        return skip_ws(p + 1, e) == e ? 0 : 1;
    for (;;) {
        char *key;
        size_t key_len;
        p = skip_ws(p, e);
        if (p >= e || *p != '"')
            return 1;
        int rc = read_jstring(&p, e, &key, &key_len);
        if (rc)
            return rc;
        p = skip_ws(p, e);
        if (p >= e || *p++ != ':') {
            free(key);
            return 1;
        }
        p = skip_ws(p, e);
        jfield *f = NULL;
        for (int i = 0; i < n_fields; i++)
            if (!strcmp(fields[i].key, key) && strlen(key) == key_len)
                f = &fields[i];
        free(key);
        const char *start = p;
        if (f && !f->raw && p < e && *p == '"') {
            if ((rc = read_jstring(&p, e, &f->str, &f->len)))
                return rc;
        } else if (skip_value(&p, e, 0)) {
            return 1;
        }
        if (f && !f->raw) {
            f->raw = start;
            f->raw_len = (size_t)(p - start);
        }
        p = skip_ws(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == '}')
            return skip_ws(p + 1, e) == e ? 0 : 1;
        return 1;
    }
}

static void free_fields(jfield *f, int n)
{
    for (int i = 0; i < n; i++) {
        free(f[i].str);
        f[i].str = NULL;
        f[i].raw = NULL;
    }
}

/* ---- ids already done ---- */

typedef struct id_set {
    char **ids;
    size_t n, cap;
} id_set;

static int id_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int id_known(const id_set *s, const char *id)
{
    return s->n && bsearch(&id, s->ids, s->n, sizeof *s->ids, id_cmp) != NULL;
}

/* The ids (as written) of the complete lines of OUT_PATH; a missing file is an empty set. */
static int load_done(const char *path, id_set *s, tolk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? TOLK_OK : cli_fail(err, TOLK_E_IO, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    off_t complete = 0; /* end of the last whole line */
    int rc = TOLK_OK, cut = 0;
    while (!rc && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n') {
            cut = 1; /* a line cut short by a killed run: dropped, and done again */
            break;
        }
        complete += n;
        jfield id = {.key = "id"};
        if (read_object(line, (size_t)n, &id, 1) == 0 && id.raw) {
            if (s->n == s->cap) {
                size_t c = s->cap ? s->cap * 2 : 256;
                char **p = realloc(s->ids, c * sizeof *p);
                if (!p)
                    rc = cli_fail(err, TOLK_E_NOMEM, "out of memory");
                else
                    s->ids = p, s->cap = c;
            }
            if (!rc && !(s->ids[s->n++] = strndup(id.raw, id.raw_len)))
                rc = cli_fail(err, TOLK_E_NOMEM, "out of memory");
        }
        free_fields(&id, 1);
    }
    free(line);
    fclose(f);
    if (!rc && cut && truncate(path, complete))
        rc = cli_fail(err, TOLK_E_IO, "%s: cannot drop the unfinished last line: %s", path, strerror(errno));
    if (s->n)
        qsort(s->ids, s->n, sizeof *s->ids, id_cmp);
    return rc;
}

static void free_ids(id_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ids[i]);
    free(s->ids);
}

/* ---- the job ---- */

/* The term report's TSV lines (segment, source, target, status) as the JSON list of OUT's line. */
static void write_terms(FILE *out, const char *tsv)
{
    fputs(", \"terms\": [", out);
    for (int first = 1; *tsv; first = 0) {
        const char *eol = strchr(tsv, '\n'), *end = eol ? eol : tsv + strlen(tsv);
        const char *f[4] = {tsv, NULL, NULL, NULL};
        for (int k = 1; k < 4; k++) {
            const char *tab = f[k - 1] ? memchr(f[k - 1], '\t', (size_t)(end - f[k - 1])) : NULL;
            f[k] = tab ? tab + 1 : NULL;
        }
        if (f[3]) {
            fputs(first ? "{\"source\": " : ", {\"source\": ", out);
            cli_json_str(out, f[1], (size_t)(f[2] - 1 - f[1]));
            fputs(", \"target\": ", out);
            cli_json_str(out, f[2], (size_t)(f[3] - 1 - f[2]));
            fputs(", \"status\": ", out);
            cli_json_str(out, f[3], (size_t)(end - f[3]));
            fputc('}', out);
        }
        tsv = eol ? eol + 1 : end;
    }
    fputc(']', out);
}

/* Translates TEXT into *OUT (malloc'd) through the document path; *STATUS "ok", "flagged", "kept";
 * *TM_EXACT whether the session's TM gave it; *TERMS the glossary's term report (malloc'd TSV). */
static int translate_text(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                          char **out, size_t *out_len, char **report, const char **status, int *tm_exact,
                          char **terms, tolk_error *err)
{
    tolk_doc *d = NULL;
    int rc = tolk_doc_open("txt", "line", text, len, 0, &d, err);
    if (!rc)
        rc = s ? tolk_doc_translate(d, s, from, to, NULL, NULL, err) :
                 tolk_doc_translate_with(d, cli_copy_segment, NULL, NULL, NULL, err);
    if (!rc)
        rc = tolk_doc_write(d, out, out_len, err);
    if (!rc) {
        tolk_doc_stats st;
        tolk_doc_get_stats(d, &st);
        *status = st.kept ? "kept" : st.flagged ? "flagged" : "ok";
        *tm_exact = st.tm_exact > 0;
        if (st.flagged)
            rc = tolk_doc_report(d, report, NULL, err);
        if (!rc && s && st.terms_found + st.terms_forced + st.terms_missed)
            rc = tolk_doc_term_report(d, terms, NULL, err);
    }
    tolk_doc_free(d);
    return rc;
}

static int parse_shard(batch_opts *o)
{
    if (!o->shard) {
        o->shard_i = 0;
        o->shard_n = 1;
        return 0;
    }
    char *end;
    unsigned long i = strtoul(o->shard, &end, 10), n;
    if (end == o->shard || *end != '/' || (n = strtoul(end + 1, &end, 10)) == 0 || *end || i >= n || n > 1000000)
        return cli_error("--shard takes I/N with 0 <= I < N (e.g. --shard 0/4), not '%s'", o->shard);
    o->shard_i = (unsigned)i;
    o->shard_n = (unsigned)n;
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tolk batch [-m MODEL] [--from LANG] [--to LANG] [--shard I/N] IN.jsonl OUT.jsonl\n\n"
            "Translate one JSON object per line of IN ({\"id\": ..., \"text\": \"...\", \"from\": \"en\", \"to\": \"de\"};\n"
            "\"from\"/\"to\" in a line win over the options) and append the results to OUT. Ids already in\n"
            "OUT are skipped, so an interrupted job resumes where it stopped.\n\n"
            "      --from LANG        source language when a line has none\n"
            "      --to LANG          target language when a line has none\n"
            "      --shard I/N        take lines I, I+N, I+2N, ... (0-based): N machines split a job\n"
            "      --copy-source      put the source in as the translation (no model; a dry run)\n"
            "      --quiet            no progress on standard error\n"
            "      --tm DB            translation memory: exact matches are reused (\"tm\": true in the\n"
            "                         line), the best fuzzy match is an example and the draft\n"
            "      --fuzzy N          lowest fuzzy match used, percent (default 75)\n"
            "      --tm-write         add the translations that passed every check to the TM\n"
            "      --glossary FILE    terms to use (TSV, .csv, .tbx; for --from/--to); each line gets\n"
            "                         \"terms\": [{source, target, status: found|forced|missed}]\n"
            "      --no-force-terms   report a missed term instead of decoding again with it forced\n"
            "%s\n"
            "Exit status: 0 done, 1 usage, 65 a line was not an object with an id and a text (the\n"
            "others were translated), 75 a retryable failure (model or output unavailable).\n",
            cli_common_help);
}

int cli_batch_main(int argc, char **argv)
{
    batch_opts o = {.fuzzy = 75};
    tolk_params_default(&o.p);
    o.p.temp = 0.0f;
    cli_opt common_opts[CLI_COMMON_N];
    cli_common_opts(common_opts, &o.p, &o.model);
    const cli_opt own[] = {
        CLI_OPT_STR(NULL, "--from", &o.from), CLI_OPT_STR(NULL, "--to", &o.to),
        CLI_OPT_STR(NULL, "--shard", &o.shard), CLI_OPT_FLAG(NULL, "--quiet", &o.quiet, 1),
        CLI_OPT_FLAG(NULL, "--copy-source", &o.copy_source, 1),
        CLI_OPT_STR(NULL, "--tm", &o.tm_path), CLI_OPT_INT(NULL, "--fuzzy", &o.fuzzy, 1, 100),
        CLI_OPT_FLAG(NULL, "--tm-write", &o.tm_write, 1), CLI_OPT_STR(NULL, "--glossary", &o.glossary_path),
        CLI_OPT_FLAG(NULL, "--no-force-terms", &o.no_force_terms, 1), CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {own, common_opts, NULL};
    int n_pos = 0, rc = cli_parse("batch", tables, -1, argc, argv, &n_pos);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if (n_pos != 2)
        return cli_error("batch takes IN.jsonl and OUT.jsonl (see tolk batch --help)");
    if (parse_shard(&o))
        return 1;
    if (o.copy_source && (o.tm_path || o.glossary_path))
        return cli_error("--copy-source runs no model: --tm and --glossary do not go with it");
    if (o.tm_write && !o.tm_path)
        return cli_error("--tm-write needs the translation memory: --tm DB");
    const char *in_path = argv[1], *out_path = argv[2];
    tolk_error err = {0};
    FILE *in = strcmp(in_path, "-") ? fopen(in_path, "rb") : stdin;
    if (!in)
        return cli_error("%s: %s", in_path, strerror(errno));
    id_set done = {0};
    if (load_done(out_path, &done, &err)) {
        if (in != stdin)
            fclose(in);
        cli_error("%s", err.msg);
        return EXIT_RETRY;
    }
    FILE *out = fopen(out_path, "ab");
    tolk_model *m = NULL;
    tolk_session *s = NULL;
    tolk_tm *tm = NULL;
    tolk_glossary *gloss = NULL;
    char *path = NULL;
    int status = 0;
    if (!out) {
        cli_error("%s: %s", out_path, strerror(errno));
        status = EXIT_RETRY;
    } else if (!o.copy_source) {
        rc = cli_model_path(o.model, &path, &err);
        if (!rc)
            rc = tolk_model_load(path, &m, &err);
        if (!rc)
            rc = tolk_session_new(m, &o.p, &s, &err);
        int bad_option = 0;
        if (!rc && o.tm_path && (rc = cli_tm_open(o.tm_path, o.tm_write, &tm, &err)) == TOLK_OK)
            rc = tolk_session_set_tm(s, tm, o.fuzzy, TOLK_TM_DEFAULT | (o.tm_write ? TOLK_TM_WRITE_BACK : 0), &err);
        if (!rc && o.glossary_path) {
            bad_option = (rc = tolk_glossary_load(o.glossary_path, o.from, o.to, &gloss, &err)) != TOLK_OK;
            if (!rc)
                rc = tolk_session_set_glossary(s, gloss, &err);
        }
        if (!rc && gloss && o.no_force_terms)
            rc = tolk_session_set_term_forcing(s, 0, &err);
        if (rc) {
            cli_error("%s", err.msg);
            status = bad_option ? EXIT_BAD_INPUT : EXIT_RETRY;
        }
    }
    char *line = NULL;
    size_t cap = 0, line_no = 0, taken = 0, n_done = 0, n_skipped = 0, n_bad = 0;
    const int tty = isatty(2);
    ssize_t n;
    while (!status && (n = getline(&line, &cap, in)) > 0) {
        line_no++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (skip_ws(line, line + len) == line + len)
            continue; /* blank lines do not count */
        if (taken++ % o.shard_n != o.shard_i)
            continue;
        jfield f[4] = {{.key = "id"}, {.key = "text"}, {.key = "from"}, {.key = "to"}};
        int r = read_object(line, len, f, 4);
        if (r < 0) {
            cli_error("out of memory");
            status = EXIT_RETRY;
        } else if (r || !f[0].raw || !strchr("\"-0123456789", f[0].raw[0]) || !f[1].str ||
                   !(f[3].str || o.to || o.copy_source)) {
            cli_error("%s: line %zu: %s", in_path, line_no, r ? "not a JSON object" :
                      !f[0].raw || !strchr("\"-0123456789", f[0].raw[0]) ? "no \"id\" string or number" :
                      !f[1].str ? "no \"text\" string" : "no \"to\" and no --to");
            n_bad++;
        } else {
            char *id = strndup(f[0].raw, f[0].raw_len);
            if (id && id_known(&done, id)) {
                n_skipped++;
            } else if (id) {
                const char *from = f[2].str ? f[2].str : o.from, *to = f[3].str ? f[3].str : o.to, *st = "ok";
                char *tr = NULL, *report = NULL, *terms = NULL;
                size_t tr_len = 0;
                int tm_exact = 0;
                int trc = translate_text(s, from, to, f[1].str, f[1].len, &tr, &tr_len, &report, &st, &tm_exact,
                                         &terms, &err);
                if (trc == TOLK_E_FORMAT || trc == TOLK_E_ARG) {
                    cli_error("%s: line %zu: %s", in_path, line_no, err.msg);
                    n_bad++;
                } else if (trc) {
                    cli_error("%s: line %zu: %s", in_path, line_no, err.msg);
                    status = EXIT_RETRY;
                } else {
                    fprintf(out, "{\"id\": %s, \"text\": ", id);
                    cli_json_str(out, tr, tr_len);
                    if (from) {
                        fputs(", \"from\": ", out);
                        cli_json_str(out, from, strlen(from));
                    }
                    if (to) {
                        fputs(", \"to\": ", out);
                        cli_json_str(out, to, strlen(to));
                    }
                    fprintf(out, ", \"status\": \"%s\"", st);
                    if (tm_exact)
                        fputs(", \"tm\": true", out);
                    if (terms)
                        write_terms(out, terms);
                    if (report) {
                        /* the report's problems list, as it is */
                        const char *pr = strstr(report, "\"problems\": ");
                        size_t pl = pr ? strlen(pr) : 0;
                        while (pl && (pr[pl - 1] == '\n' || pr[pl - 1] == '}'))
                            pl--;
                        if (pr) { /* on one line: the report's line breaks are layout only */
                            fputs(", ", out);
                            for (size_t k = 0; k < pl; k++)
                                fputc(pr[k] == '\n' ? ' ' : pr[k], out);
                        }
                    }
                    fputs("}\n", out);
                    if (fflush(out)) {
                        cli_error("%s: %s", out_path, strerror(errno));
                        status = EXIT_RETRY;
                    }
                    n_done++;
                    if (!o.quiet && tty)
                        fprintf(stderr, "\r%zu translated, %zu already done", n_done, n_skipped);
                }
                free(tr);
                free(report);
                free(terms);
            }
            if (!id) {
                cli_error("out of memory");
                status = EXIT_RETRY;
            }
            free(id);
        }
        free_fields(f, 4);
    }
    if (!status && ferror(in)) {
        cli_error("%s: read error", in_path);
        status = EXIT_RETRY;
    }
    if (!o.quiet)
        fprintf(stderr, "%s%zu translated, %zu already done, %zu bad lines\n", n_done && tty ? "\r" : "", n_done,
                n_skipped, n_bad);
    free(line);
    if (out && fclose(out) && !status) {
        cli_error("%s: %s", out_path, strerror(errno));
        status = EXIT_RETRY;
    }
    if (in != stdin)
        fclose(in);
    free_ids(&done);
    tolk_session_free(s);
    tolk_tm_close(tm);
    tolk_glossary_free(gloss);
    tolk_model_free(m);
    free(path);
    return status ? status : n_bad ? EXIT_BAD_INPUT : 0;
}
