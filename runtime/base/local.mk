# runtime/base/: errors, thread planning and the memory-bandwidth meter.
libtolk_internal_la_SOURCES += runtime/base/error.h runtime/base/error.c \
	runtime/base/threads.h runtime/base/threads.c runtime/base/membw.h \
	runtime/base/membw.c
