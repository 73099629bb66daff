# runtime/cli/: the `tolk` command line, one file per subcommand (cli_tui.c is always built so the
# subcommand can explain what is missing when the TUI was not).
tolk_SOURCES += runtime/cli/cli.h runtime/cli/cli.c runtime/cli/cli_opts.h runtime/cli/cli_opts.c \
	runtime/cli/cli_info.c runtime/cli/cli_fetch.c runtime/cli/cli_bench.c runtime/cli/cli_translate.c \
	runtime/cli/cli_quantize.c runtime/cli/cli_run.c runtime/cli/cli_perplexity.c \
	runtime/cli/cli_tokenize.c runtime/cli/cli_tui.c
tolk_CPPFLAGS = $(AM_CPPFLAGS) -DTOLK_PKGDATADIR='"$(pkgdatadir)"' -DTOLK_SRCDIR='"$(abs_top_srcdir)"'
