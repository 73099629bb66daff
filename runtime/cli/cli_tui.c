/* `tolk tui`: parses the options and hands over to the ncursesw app in tui/. Builds without
 * ncursesw still know the subcommand and say how to get it. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#ifdef HAVE_NCURSESW
#include "tui.h"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tolk tui [-m MODEL] [--draft DRAFT | --spec ngram|self] [--from LANG] [--to LANG] [-t N]\n\n"
            "Interactive translation in the terminal: type or paste text, press Ctrl-T or F5, watch\n"
            "the translation stream in, Esc cancels. F2 language, F3 swap, F4 history, F6 copy (OSC 52),\n"
            "F7 settings, Ctrl-O save the session, F1 every key, Ctrl-Q quit. Text and translations\n"
            "are autosaved to $XDG_STATE_HOME/tolk/autosave.txt (~/.local/state/tolk/). NO_COLOR\n"
            "turns colors off.\n\n"
            "      --from LANG        source language (default en)\n"
            "      --to LANG          target language (default de)\n"
            "      --tm DB            translation memory: a matches panel under the source (F8 next\n"
            "                         match, F9 insert it, Ctrl-J / Ctrl-Enter confirm the translation\n"
            "                         to the TM) and TM use in translations (docs/TM.md)\n"
            "      --fuzzy N          lowest fuzzy match shown and used, percent (default 75)\n"
            "      --glossary FILE    terms highlighted in the source and checked in the translation\n"
            "%s%s(tui defaults to --temp 0: greedy; F7 changes temperature and speculation later)\n",
            cli_common_help, cli_spec_help);
}

int cli_tui_main(int argc, char **argv)
{
    const char *model = NULL, *from = NULL, *to = NULL, *tm = NULL, *glossary = NULL;
    int fuzzy = 75;
    tolk_params p;
    tolk_params_default(&p);
    p.temp = 0.0f;
    tolk_spec_params sp;
    tolk_spec_params_default(&sp);
    cli_opt common_opts[CLI_COMMON_N], spec_opts[CLI_SPEC_N];
    cli_common_opts(common_opts, &p, &model);
    cli_spec_opts(spec_opts, &sp);
    const cli_opt own[] = {
        CLI_OPT_STR(NULL, "--from", &from), CLI_OPT_STR(NULL, "--to", &to),
        CLI_OPT_STR(NULL, "--tm", &tm), CLI_OPT_STR(NULL, "--glossary", &glossary),
        CLI_OPT_INT(NULL, "--fuzzy", &fuzzy, 1, 100), CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {own, common_opts, spec_opts, NULL};
    int rc = cli_parse("tui", tables, 0, argc, argv, NULL);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if ((from && strlen(from) > 15) || (to && strlen(to) > 15))
        return cli_error("--from/--to take a language code such as en, de or pt-BR");
    if (cli_spec_check(&sp))
        return 1;
    if (sp.draft_path && strlen(sp.draft_path) >= 1024)
        return cli_error("--draft: the path is too long");
#ifdef HAVE_NCURSESW
    char *path = NULL;
    tolk_error err = {0};
    if (cli_model_path(model, &path, &err))
        return cli_error("%s", err.msg);
    tui_config cfg = {.model_path = path, .from = from, .to = to, .params = p, .spec = sp,
                      .tm_path = tm, .glossary_path = glossary, .fuzzy = fuzzy};
    rc = tui_main(&cfg);
    free(path);
    return rc;
#else
    (void)model;
    (void)tm;
    (void)glossary;
    return cli_error("this tolk was built without ncursesw, so `tolk tui` is not available; install "
                     "libncurses-dev (ncursesw) and re-run ./configure && make");
#endif
}
