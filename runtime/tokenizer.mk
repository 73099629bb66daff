# Tokenizer, Unicode tables, chat templates and languages, the `tolk tokenize` subcommand and
# their tests. Regenerate runtime/unicode_tables.c with tools/gen_unicode_tables.py.
libtolk_la_SOURCES += runtime/tokenizer.h runtime/tokenizer.c runtime/tok_internal.h \
	runtime/tok_encode.c runtime/tok_decode.c runtime/pretok.h runtime/pretok.c \
	runtime/unicode.h runtime/unicode.c runtime/unicode_tables.c
EXTRA_DIST += tools/gen_unicode_tables.py

if HAVE_CHECK
check_PROGRAMS += tests/test_tokenizer
TESTS += tests/test_tokenizer
tests_test_tokenizer_SOURCES = tests/test_tokenizer.c
tests_test_tokenizer_CFLAGS = $(TEST_CFLAGS)
tests_test_tokenizer_LDADD = $(TEST_LIBS)
endif

tolk_SOURCES += runtime/cli_tokenize.c
