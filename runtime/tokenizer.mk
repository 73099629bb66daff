# Tokenizer, Unicode tables, chat templates and languages, the `tolk tokenize` subcommand and
# their tests. Regenerate runtime/unicode_tables.c with tools/gen_unicode_tables.py.
libtolk_la_SOURCES += runtime/tokenizer.h runtime/tokenizer.c runtime/tok_internal.h \
	runtime/tok_encode.c runtime/tok_decode.c runtime/pretok.h runtime/pretok.c \
	runtime/unicode.h runtime/unicode.c runtime/unicode_tables.c
EXTRA_DIST += tools/gen_unicode_tables.py

if HAVE_CHECK
check_PROGRAMS += tests/test_tokenizer
TESTS += tests/test_tokenizer
tests_test_tokenizer_SOURCES = tests/test_tokenizer.c tests/tok_fixtures.h
tests_test_tokenizer_CFLAGS = $(TEST_CFLAGS)
tests_test_tokenizer_LDADD = $(TEST_LIBS)
endif

tolk_SOURCES += runtime/cli_tokenize.c

libtolk_la_SOURCES += runtime/chat.h runtime/chat.c runtime/languages.c
EXTRA_DIST += tests/tok_fixtures.h tests/fixtures/gen_gemma_tokens.py tests/fixtures/gen_chat_tokens.py \
	tests/fixtures/gemma_tokens.inp tests/fixtures/gemma_tokens.out \
	tests/fixtures/gen_default_pre.py tests/fixtures/default_pre.inp tests/fixtures/default_pre.out \
	tests/fixtures/chat_gemma3.inp tests/fixtures/chat_gemma3.out \
	tests/fixtures/chat_qwen25.inp tests/fixtures/chat_qwen25.out \
	tests/fixtures/chat_qwen3.inp tests/fixtures/chat_qwen3.out \
	tests/fixtures/chat_llama3.inp tests/fixtures/chat_llama3.out

if HAVE_CHECK
check_PROGRAMS += tests/test_chat
TESTS += tests/test_chat
tests_test_chat_SOURCES = tests/test_chat.c tests/tok_fixtures.h
tests_test_chat_CFLAGS = $(TEST_CFLAGS)
tests_test_chat_LDADD = $(TEST_LIBS)
endif

TESTS += tests/test_cli_tokenize.sh
EXTRA_DIST += tests/test_cli_tokenize.sh
