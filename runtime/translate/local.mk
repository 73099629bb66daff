# runtime/translate/: chat templates, language names and translation prompts.
libtolk_internal_la_SOURCES += runtime/translate/chat.h runtime/translate/chat.c \
	runtime/translate/languages.c runtime/translate/prompt.h runtime/translate/prompt.c \
	runtime/translate/glossary.h runtime/translate/glossary_notes.c
