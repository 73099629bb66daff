/* `tolk tui`: parses the options and hands over to the ncursesw app in tui/. Builds without
 * ncursesw still know the subcommand and say how to get it. */
#include <config.h>

#include <stdio.h>
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
            "%s%s(tui defaults to --temp 0: greedy; F7 changes temperature and speculation later)\n",
            cli_common_help, cli_spec_help);
}

int cli_tui_main(int argc, char **argv)
{
    const char *model = NULL, *from = NULL, *to = NULL;
    tolk_params p;
    tolk_params_default(&p);
    p.temp = 0.0f;
    tolk_spec_params sp;
    tolk_spec_params_default(&sp);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = cli_common_option(argc, argv, &i, &p, &model, NULL);
        if (c == 0)
            c = cli_spec_option(argc, argv, &i, &sp);
        if (c < 0)
            return 1;
        if (c > 0)
            continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (i + 1 < argc && !strcmp(a, "--from")) {
            from = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--to")) {
            to = argv[++i];
        } else {
            return cli_error("unknown option or missing value: %s (see tolk tui --help)", a);
        }
    }
    if ((from && strlen(from) > 15) || (to && strlen(to) > 15))
        return cli_error("--from/--to take a language code such as en, de or pt-BR");
    if (cli_spec_check(&sp))
        return 1;
    if (sp.draft_path && strlen(sp.draft_path) >= 1024)
        return cli_error("--draft: the path is too long");
#ifdef HAVE_NCURSESW
    char path[4096];
    tolk_error err = {0};
    if (cli_model_path(model, path, sizeof path, &err))
        return cli_error("%s", err.msg);
    tui_config cfg = {.model_path = path, .from = from, .to = to, .params = p, .spec = sp};
    return tui_main(&cfg);
#else
    (void)model;
    return cli_error("this tolk was built without ncursesw, so `tolk tui` is not available; install "
                     "libncurses-dev (ncursesw) and re-run ./configure && make");
#endif
}
