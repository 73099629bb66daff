# runtime/speculative/: speculative decoding (draft providers, verification, accept/reject).
libtolk_internal_la_SOURCES += runtime/speculative/speculative.h runtime/speculative/speculative.c \
	runtime/speculative/spec_draft.c runtime/speculative/spec_govern.h runtime/speculative/spec_govern.c \
	runtime/speculative/spec_ref.h runtime/speculative/spec_ref.c
