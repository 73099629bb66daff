# runtime/tokenizer/: vocabularies (BPE, SPM), pre-tokenizers and the Unicode classes they need.
# Regenerate unicode_tables.c with tools/gen_unicode_tables.py.
libtolk_internal_la_SOURCES += runtime/tokenizer/tokenizer.h runtime/tokenizer/tokenizer.c \
	runtime/tokenizer/tok_internal.h runtime/tokenizer/tok_encode.c runtime/tokenizer/tok_decode.c \
	runtime/tokenizer/pretok.h runtime/tokenizer/pretok.c runtime/tokenizer/unicode.h \
	runtime/tokenizer/unicode.c runtime/tokenizer/unicode_tables.c
EXTRA_DIST += tools/gen_unicode_tables.py
