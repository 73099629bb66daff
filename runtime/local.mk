# runtime/: files, memory, GGUF, tokenizer, forward pass, sampler, CLI.
libtolk_la_SOURCES += runtime/tolk.h runtime/error.h runtime/error.c runtime/version.c \
	runtime/gguf.h runtime/gguf.c
tolk_SOURCES += runtime/cli.h runtime/cli.c runtime/cli_info.c
