# runtime/cli/: the `tolk` command line, one file per subcommand (cli_tui.c is always built so the
# subcommand can explain what is missing when the TUI was not). A client of runtime/tolk.h only:
# its include path holds runtime/ (tolk.h) and runtime/cli/ and nothing of the library's inside,
# and the binary links the installed libtolk, which exports only tolk_* (see tolk_LDADD).
tolk_SOURCES += runtime/cli/cli.h runtime/cli/cli.c runtime/cli/cli_opts.h runtime/cli/cli_opts.c \
	runtime/cli/cli_json.h runtime/cli/cli_json.c \
	runtime/cli/cli_info.c runtime/cli/cli_fetch.c runtime/cli/cli_bench.c runtime/cli/cli_translate.c \
	runtime/cli/cli_quantize.c runtime/cli/cli_run.c runtime/cli/cli_perplexity.c \
	runtime/cli/cli_kld.h runtime/cli/cli_kld.c \
	runtime/cli/cli_tokenize.c runtime/cli/cli_tui.c runtime/cli/cli_serve.c \
	runtime/cli/cli_tm.c
tolk_CPPFLAGS = -D_GNU_SOURCE -I$(top_builddir) -I$(top_srcdir)/runtime -I$(top_srcdir)/runtime/cli \
	-DTOLK_PKGDATADIR='"$(pkgdatadir)"' -DTOLK_SRCDIR='"$(abs_top_srcdir)"'
# documents (`tolk translate -f`) and JSONL batch jobs (`tolk batch`)
tolk_SOURCES += runtime/cli/cli_document.h runtime/cli/cli_document.c runtime/cli/cli_batch.c
