# serve/: the HTTP server (`tolk serve`), built into the tolk binary when configure found
# libmicrohttpd; runtime/cli/cli_serve.c explains what is missing otherwise.
SERVE_PARSERS = serve/serve_buf.h serve/serve_buf.c serve/serve_json.h serve/serve_json.c \
	serve/serve_form.h serve/serve_form.c serve/serve_multipart.c serve/serve_lang.h serve/serve_lang.c \
	serve/serve_stop.h serve/serve_stop.c serve/serve_detect.h serve/serve_detect.c \
	serve/serve_markup.h serve/serve_markup.c
if HAVE_MICROHTTPD
tolk_SOURCES += $(SERVE_PARSERS) serve/serve.h serve/serve_ctx.h serve/serve_http.h serve/serve_http.c \
	serve/serve_main.c serve/serve_sched.h serve/serve_sched.c serve/serve_metrics.h serve/serve_metrics.c \
	serve/serve_reply.c serve/serve_gen.c serve/serve_openai.c serve/serve_chat.c serve/serve_stream.c \
	serve/serve_translate.c serve/serve_status.c serve/serve_tm.h serve/serve_tm.c
tolk_CFLAGS += $(MICROHTTPD_CFLAGS) -pthread
tolk_CPPFLAGS += -I$(top_srcdir)/serve
tolk_LDADD += $(MICROHTTPD_LIBS) -lpthread -lm
endif

# The request parsers and language mapping, tested on their own (no libmicrohttpd or model needed).
if HAVE_CHECK
check_PROGRAMS += tests/test_serve_json tests/test_serve_form tests/test_serve_lang tests/test_serve_stop \
	tests/test_serve_detect tests/test_serve_markup
TESTS += tests/test_serve_json tests/test_serve_form tests/test_serve_lang tests/test_serve_stop tests/test_serve_detect \
	tests/test_serve_markup
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
tests_test_serve_stop_SOURCES = tests/test_serve_stop.c $(SERVE_PARSERS)
tests_test_serve_stop_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/serve
tests_test_serve_stop_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_serve_stop_LDADD = $(CHECK_LIBS) -lm
tests_test_serve_detect_SOURCES = tests/test_serve_detect.c $(SERVE_PARSERS)
tests_test_serve_detect_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/serve
tests_test_serve_detect_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_serve_detect_LDADD = $(CHECK_LIBS) -lm
tests_test_serve_markup_SOURCES = tests/test_serve_markup.c $(SERVE_PARSERS)
tests_test_serve_markup_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/serve
tests_test_serve_markup_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_serve_markup_LDADD = $(CHECK_LIBS) -lm
endif

# Every endpoint through curl and python3 against a running server (skips without libmicrohttpd
# or the default model).
TESTS += tests/test_serve.sh tests/test_serve_load.sh tests/test_serve_tm.sh tests/test_serve_compat.sh
EXTRA_DIST += tests/fuzz/serve_json_fuzz.c tests/fuzz/serve_form_fuzz.c tests/fuzz/run_serve_fuzz.sh \
	tests/test_serve.sh tests/test_serve_load.sh tests/test_serve_tm.sh tests/test_serve_compat.sh tests/serve_start.sh tests/serve_client.sh docs/SERVE.md bench/serve_load.sh bench/serve_load.py
