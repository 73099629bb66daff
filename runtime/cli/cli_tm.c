/* `tolk tm`: the translation memory from the command line (docs/TM.md): import and export TMX,
 * statistics, one lookup, one added pair. The database is --tm FILE or the default
 * $XDG_DATA_HOME/tolk/tm.sqlite (~/.local/share/tolk/tm.sqlite). Also cli_tm_open, which
 * translate's --tm uses, and cli_term_report, translate's --term-report. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_opts.h"

/* The default TM path (malloc'd); with MAKE_DIR its folder is created. */
static char *default_path(int make_dir)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char dir[4096];
    if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/tolk", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.local/share/tolk", home);
    else
        return NULL;
    if (make_dir) {
        /* each level in turn: ~/.local, ~/.local/share, ~/.local/share/tolk */
        for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
            *p = 0;
            mkdir(dir, 0755);
            *p = '/';
        }
        mkdir(dir, 0755);
    }
    size_t n = strlen(dir) + 16;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/tm.sqlite", dir);
    return path;
}

int cli_tm_open(const char *path, int write, tolk_tm **out, tolk_error *err)
{
    char *def = NULL;
    if (!path && !(path = def = default_path(write)))
        return cli_fail(err, TOLK_E_ARG, "no translation memory: pass --tm FILE (HOME is not set)");
    int rc = tolk_tm_open(path, write ? TOLK_TM_WRITE : TOLK_TM_READ, out, err);
    free(def);
    return rc;
}

void cli_term_report(FILE *f, tolk_session *s, int segment)
{
    const tolk_term *t = NULL;
    int n = tolk_session_terms(s, &t);
    for (int i = 0; i < n; i++)
        fprintf(f, "%d\t%s\t%s\t%s\n", segment, t[i].source, t[i].target,
                !t[i].found ? "missed" : t[i].forced ? "forced" : "found");
    fflush(f);
}

typedef struct tm_opts {
    const char *tm, *from, *to;
    int fuzzy, max;
} tm_opts;

static void usage(FILE *out)
{
    fprintf(out, "usage: tolk tm import FILE.tmx [--tm DB]\n"
                 "       tolk tm export OUT.tmx [--tm DB] [--from LANG --to LANG]\n"
                 "       tolk tm stats [--tm DB]\n"
                 "       tolk tm lookup TEXT --to LANG [--from LANG] [--fuzzy N] [--tm DB]\n"
                 "       tolk tm add SOURCE TARGET --from LANG --to LANG [--tm DB]\n"
                 "       tolk tm migrate [--tm DB]   (bring an older database's schema up to date)\n\n"
                 "The translation memory: approved segment pairs in a SQLite database (docs/TM.md).\n"
                 "LANG is a language code (en, de-DE); matches compare the primary subtag.\n\n"
                 "      --tm DB          the database (default $XDG_DATA_HOME/tolk/tm.sqlite,\n"
                 "                       i.e. ~/.local/share/tolk/tm.sqlite)\n"
                 "      --from, --to     the language pair (export: only that pair)\n"
                 "      --fuzzy N        lookup: lowest fuzzy score shown, percent (default 75)\n"
                 "      --max N          lookup: most matches shown (default 5)\n");
}

static int print_pair(const char *src, const char *tgt, int64_t n, void *user)
{
    int64_t *total = user;
    printf("%s -> %s\t%" PRId64 "\n", src, tgt, n);
    *total += n;
    return 0;
}

static int run(const char *cmd, char **args, int n_args, const tm_opts *o, tolk_error *err)
{
    tolk_tm *tm = NULL;
    int write = !strcmp(cmd, "import") || !strcmp(cmd, "add") || !strcmp(cmd, "migrate");
    int rc = cli_tm_open(o->tm, write, &tm, err);
    if (rc)
        return rc;
    if (!strcmp(cmd, "import")) {
        tolk_tm_import_stats st;
        rc = tolk_tm_import_tmx(tm, args[0], &st, err);
        if (!rc)
            printf("%s: %" PRId64 " units read, %" PRId64 " pairs added, %" PRId64 " units skipped\n", args[0],
                   st.units, st.added, st.skipped);
    } else if (!strcmp(cmd, "export")) {
        int64_t n = 0;
        rc = tolk_tm_export_tmx(tm, args[0], o->from, o->to, &n, err);
        if (!rc)
            fprintf(stderr, "%s: %" PRId64 " pairs written\n", args[0], n);
    } else if (!strcmp(cmd, "stats")) {
        int64_t total = 0;
        rc = tolk_tm_stats(tm, print_pair, &total, err);
        if (!rc)
            printf("total\t%" PRId64 "\n", total);
    } else if (!strcmp(cmd, "lookup")) {
        tolk_tm_match m[64];
        int n = 0;
        rc = tolk_tm_lookup(tm, o->from, o->to, args[0], strlen(args[0]), o->fuzzy, m, o->max, &n, err);
        for (int i = 0; i < n; i++) {
            printf("%d%%\t%s\t%s\n", m[i].score, m[i].source, m[i].target);
            tolk_tm_match_clear(&m[i]);
        }
    } else if (!strcmp(cmd, "migrate")) {
        printf("up to date\n"); /* opening it for writing migrated it */
    } else { /* add */
        int added = 0;
        rc = tolk_tm_add(tm, o->from, o->to, args[0], strlen(args[0]), args[1], strlen(args[1]), &added, err);
        if (!rc)
            printf("%s\n", added ? "added" : "already there");
    }
    (void)n_args;
    tolk_tm_close(tm);
    return rc;
}

int cli_tm_main(int argc, char **argv)
{
    tm_opts o = {.fuzzy = 75, .max = 5};
    const cli_opt own[] = {
        CLI_OPT_STR(NULL, "--tm", &o.tm), CLI_OPT_STR(NULL, "--from", &o.from), CLI_OPT_STR(NULL, "--to", &o.to),
        CLI_OPT_INT(NULL, "--fuzzy", &o.fuzzy, 1, 100), CLI_OPT_INT(NULL, "--max", &o.max, 1, 64),
        CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {own, NULL};
    int n_pos = 0, rc = cli_parse("tm", tables, -1, argc, argv, &n_pos);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    static const struct {
        const char *name;
        int n_args;
        const char *what;
    } cmds[] = {{"import", 1, "the TMX file to import"}, {"export", 1, "the TMX file to write"},
                {"stats", 0, ""}, {"lookup", 1, "the text to look up"}, {"add", 2, "SOURCE and TARGET"}, {"migrate", 0, ""}};
    if (n_pos < 1)
        return cli_error("tm: say what to do: import, export, stats, lookup, add or migrate (tolk tm --help)");
    const char *cmd = argv[1];
    size_t c = 0;
    while (c < sizeof cmds / sizeof cmds[0] && strcmp(cmds[c].name, cmd))
        c++;
    if (c == sizeof cmds / sizeof cmds[0])
        return cli_error("tm: unknown command '%s' (import, export, stats, lookup, add, migrate)", cmd);
    if (n_pos - 1 != cmds[c].n_args)
        return cmds[c].n_args ? cli_error("tm %s: expected %s", cmd, cmds[c].what)
                              : cli_error("tm %s: takes no arguments", cmd);
    if ((!strcmp(cmd, "lookup") || !strcmp(cmd, "add")) && !o.to)
        return cli_error("tm %s: pass the target language with --to LANG", cmd);
    if (!strcmp(cmd, "add") && !o.from)
        return cli_error("tm add: pass the source language with --from LANG");
    if (!strcmp(cmd, "export") && (!o.from) != (!o.to))
        return cli_error("tm export: give both --from and --to, or neither");
    tolk_error err = {0};
    rc = run(cmd, argv + 2, n_pos - 1, &o, &err);
    return rc ? cli_error("%s", err.msg) : 0;
}
