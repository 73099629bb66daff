# runtime/translate/: chat templates, language names and translation prompts.
libtolk_internal_la_SOURCES += runtime/translate/chat.h runtime/translate/chat.c \
	runtime/translate/languages.c runtime/translate/prompt.h runtime/translate/prompt.c \
	runtime/translate/glossary.h runtime/translate/glossary_notes.c \
	runtime/translate/glossary_internal.h runtime/translate/glossary.c runtime/translate/glossary_words.c
if HAVE_LIBXML2
libtolk_internal_la_SOURCES += runtime/translate/glossary_tbx.c
else
libtolk_internal_la_SOURCES += runtime/translate/glossary_tbx_none.c
endif
EXTRA_DIST += runtime/translate/glossary_tbx.c runtime/translate/glossary_tbx_none.c
