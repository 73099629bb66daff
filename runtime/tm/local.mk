# runtime/tm/: the translation memory (docs/TM.md). The text side is always built; the database
# needs SQLite (HAVE_SQLITE), TMX import/export also libxml2 (HAVE_LIBXML2); without them the
# *_none.c files answer "tolk was built without ...".
libtolk_internal_la_SOURCES += runtime/tm/tm.h runtime/tm/tm_text.c
if HAVE_SQLITE
libtolk_internal_la_SOURCES += runtime/tm/tm_db_internal.h runtime/tm/tm_db.c runtime/tm/tm_lookup.c
if HAVE_LIBXML2
libtolk_internal_la_SOURCES += runtime/tm/tm_tmx.c
else
libtolk_internal_la_SOURCES += runtime/tm/tm_tmx_none.c
endif
else
libtolk_internal_la_SOURCES += runtime/tm/tm_none.c
endif
EXTRA_DIST += runtime/tm/tm_none.c runtime/tm/tm_tmx_none.c runtime/tm/tm_tmx.c runtime/tm/tm_db.c \
	runtime/tm/tm_lookup.c runtime/tm/tm_db_internal.h
