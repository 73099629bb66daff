# serve/: the HTTP server (`tolk serve`); so far its request parsers and language mapping.
SERVE_PARSERS = serve/serve_buf.h serve/serve_buf.c serve/serve_json.h serve/serve_json.c \
	serve/serve_form.h serve/serve_form.c serve/serve_lang.h serve/serve_lang.c

# The request parsers and language mapping, tested on their own (no libmicrohttpd or model needed).
if HAVE_CHECK
check_PROGRAMS += tests/test_serve_json tests/test_serve_form tests/test_serve_lang
TESTS += tests/test_serve_json tests/test_serve_form tests/test_serve_lang
tests_test_serve_json_SOURCES = tests/test_serve_json.c $(SERVE_PARSERS)
tests_test_serve_json_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/serve
tests_test_serve_json_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_serve_json_LDADD = $(CHECK_LIBS) -lm
tests_test_serve_form_SOURCES = tests/test_serve_form.c $(SERVE_PARSERS)
tests_test_serve_form_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/serve
tests_test_serve_form_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_serve_form_LDADD = $(CHECK_LIBS) -lm
tests_test_serve_lang_SOURCES = tests/test_serve_lang.c $(SERVE_PARSERS)
tests_test_serve_lang_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/serve
tests_test_serve_lang_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_serve_lang_LDADD = $(CHECK_LIBS) -lm
endif

EXTRA_DIST += tests/fuzz/serve_json_fuzz.c tests/fuzz/serve_form_fuzz.c tests/fuzz/run_serve_fuzz.sh
