# tui/: the ncursesw translation app (`tolk tui`), built into the tolk binary only when configure
# found ncursesw (runtime/cli/cli_tui.c explains what is missing otherwise).
if HAVE_NCURSESW
tolk_SOURCES += tui/tui.h tui/app.h tui/app.c tui/draw.c tui/commands.c tui/term.c tui/text.c tui/editor.c \
	tui/worker.c tui/history.c tui/picker.c tui/autosave.c tui/settings.c tui/matches.c
tolk_CFLAGS += $(NCURSESW_CFLAGS) -pthread
tolk_CPPFLAGS += -I$(top_srcdir)/tui
tolk_LDADD += $(NCURSESW_LIBS) -lpthread

# The word wrap both panes share (tui/text.c), tested on its own: no terminal, model or tmux needed.
if HAVE_CHECK
check_PROGRAMS += tests/test_tui_text
TESTS += tests/test_tui_text
tests_test_tui_text_SOURCES = tests/test_tui_text.c tui/text.c tui/tui.h
tests_test_tui_text_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tui
tests_test_tui_text_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(NCURSESW_CFLAGS)
tests_test_tui_text_LDADD = $(CHECK_LIBS) $(NCURSESW_LIBS)
endif
endif
