# runtime/base/: errors, thread planning, the memory-bandwidth meter and available memory.
libtolk_internal_la_SOURCES += runtime/base/error.h runtime/base/error.c \
	runtime/base/threads.h runtime/base/threads.c runtime/base/membw.h \
	runtime/base/membw.c runtime/base/memavail.h runtime/base/memavail.c
