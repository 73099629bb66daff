# tui/: the ncursesw translation app (`tolk tui`), built into the tolk binary only when configure
# found ncursesw (runtime/cli/cli_tui.c explains what is missing otherwise).
if HAVE_NCURSESW
tolk_SOURCES += tui/tui.h tui/app.c tui/term.c tui/text.c tui/editor.c tui/worker.c tui/history.c \
	tui/picker.c tui/autosave.c tui/settings.c
tolk_CFLAGS += $(NCURSESW_CFLAGS) -pthread
tolk_CPPFLAGS += -I$(top_srcdir)/tui
tolk_LDADD += $(NCURSESW_LIBS) -lpthread
endif
