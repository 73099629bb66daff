# runtime/api/: the definitions of the public tolk_* functions (runtime/tolk.h).
libtolk_internal_la_SOURCES += runtime/api/session.h runtime/api/session.c runtime/api/model.c \
	runtime/api/translate.c runtime/api/bench.c runtime/api/version.c runtime/api/system.c \
	runtime/api/meta.c runtime/api/tokenize.c runtime/api/eval.c runtime/api/quantize.c \
	runtime/api/document.c runtime/api/tm.c runtime/api/glossary.c \
	runtime/api/term_force.h runtime/api/term_force.c runtime/api/multi.c
