# runtime/: files, memory, GGUF, tokenizer, forward pass, sampler, CLI.
libtolk_la_SOURCES += runtime/tolk.h runtime/error.h runtime/error.c runtime/version.c \
	runtime/gguf.h runtime/gguf_internal.h runtime/gguf.c runtime/gguf_meta.c \
	runtime/json.h runtime/json.c runtime/threads.h runtime/threads.c \
	runtime/session.h runtime/session.c runtime/speculative.h runtime/speculative.c \
	runtime/spec_draft.c runtime/translate.c runtime/bench.c runtime/membw.h runtime/membw.c \
	runtime/prefetch.h runtime/prefetch.c
tolk_SOURCES += runtime/cli.h runtime/cli.c runtime/cli_info.c runtime/cli_fetch.c \
	runtime/cli_opts.h runtime/cli_opts.c runtime/cli_bench.c runtime/cli_translate.c
tolk_CPPFLAGS = $(AM_CPPFLAGS) -DTOLK_PKGDATADIR='"$(pkgdatadir)"' -DTOLK_SRCDIR='"$(abs_top_srcdir)"'
