# tui/: the ncursesw translation app (`tolk tui`), built into the tolk binary only when configure
# found ncursesw; runtime/cli_tui.c is always built so the subcommand can explain what is missing.
tolk_SOURCES += runtime/cli_tui.c
if HAVE_NCURSESW
tolk_SOURCES += tui/tui.h tui/app.h tui/app.c tui/draw.c tui/commands.c tui/term.c tui/text.c tui/editor.c \
	tui/worker.c tui/history.c tui/picker.c tui/autosave.c tui/settings.c
tolk_CFLAGS += $(NCURSESW_CFLAGS) -pthread
tolk_CPPFLAGS += -I$(top_srcdir)/tui
tolk_LDADD += $(NCURSESW_LIBS) -lpthread
endif
