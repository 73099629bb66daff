# runtime/decode/: the sampler and the token loop over a generation context.
libtolk_internal_la_SOURCES += runtime/decode/sampler.h runtime/decode/sampler.c \
	runtime/decode/generate.h runtime/decode/generate.c
