# tests/: Check suites, fuzz corpus replay and shell tests run by `make check`. Skips follow
# tests/skip.h (Check programs) and tests/lib.sh (shell tests): SKIP with the reason in the test's
# log, and with TOLK_REQUIRE_DATA=1 (.ci/run) missing data is a failure.
if HAVE_CHECK
TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests
else
# A test program built without Check (none should be: see test_prefetch.c) only reports a skip.
TEST_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests -DTOLK_NO_CHECK
endif
TEST_LIBS = libtolk.la $(CHECK_LIBS) $(OPENMP_CFLAGS)
EXTRA_DIST += tests/skip.h

if HAVE_CHECK
check_PROGRAMS += tests/test_gguf
TESTS += tests/test_gguf
tests_test_gguf_SOURCES = tests/test_gguf.c tests/gguf_image.h
tests_test_gguf_CFLAGS = $(TEST_CFLAGS)
tests_test_gguf_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_threads
TESTS += tests/test_threads
tests_test_threads_SOURCES = tests/test_threads.c
tests_test_threads_CFLAGS = $(TEST_CFLAGS)
tests_test_threads_LDADD = $(TEST_LIBS)
endif

# The fuzz corpus replay needs no framework: every file must be handled without a crash, files
# named ok-* must load and all others must be rejected with a message.
check_PROGRAMS += tests/fuzz/gguf_replay
TESTS += tests/fuzz/replay_corpus.sh tests/test_cli_info.sh tests/test_cli_translate.sh tests/test_spec.sh
# the terminal app through tmux (skips without tmux, ncursesw or the default model)
TESTS += tests/test_tui.sh
tests_fuzz_gguf_replay_SOURCES = tests/fuzz/gguf_replay.c
tests_fuzz_gguf_replay_LDADD = libtolk.la $(OPENMP_CFLAGS)
EXTRA_DIST += tests/fuzz/replay_corpus.sh tests/fuzz/gguf_fuzz.c tests/fuzz/run_fuzz.sh \
	tests/fuzz/make_corpus.py tests/fuzz/corpus tests/test_cli_info.sh tests/test_cli_translate.sh tests/test_spec.sh tests/lib.sh \
	tests/test_tui.sh
