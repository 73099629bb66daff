# runtime/gguf/: the GGUF parser, its name hash and metadata getters, the writer and the weight
# prefetcher.
libtolk_internal_la_SOURCES += runtime/gguf/gguf.h runtime/gguf/gguf_internal.h runtime/gguf/gguf.c \
	runtime/gguf/gguf_index.c runtime/gguf/gguf_meta.c runtime/gguf/gguf_write.h \
	runtime/gguf/gguf_write.c runtime/gguf/prefetch.h runtime/gguf/prefetch.c
