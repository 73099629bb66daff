# runtime/formats/: documents as segments (doc.c), placeholder protection (protect.c), segment checks
# (checks.c), the translation loop (doc_translate.c) and one file per format (docs/FORMATS.md).
libtolk_internal_la_SOURCES += runtime/formats/doc.h runtime/formats/doc.c runtime/formats/protect.h \
	runtime/formats/protect.c runtime/formats/checks.h runtime/formats/checks.c \
	runtime/formats/doc_translate.h runtime/formats/doc_translate.c runtime/formats/fmt_txt.c \
	runtime/formats/doc_stream.h runtime/formats/doc_stream.c \
	runtime/formats/fmt_sub.c runtime/formats/fmt_po.c runtime/formats/fmt_html.c \
	runtime/formats/fmt_md.c runtime/formats/fmt_xliff.c \
	runtime/formats/sentences.h runtime/formats/sentences.c runtime/formats/constrain.h \
	runtime/formats/constrain.c
libtolk_internal_la_SOURCES += runtime/formats/md_front.h runtime/formats/md_front.c
