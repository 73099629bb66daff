/* The segment model behind document translation (tolk_doc_* in tolk.h). A document keeps its
 * original bytes untouched; a format's parser lists the translatable segments in it (their text as
 * it stands in the file, the inline codes inside that text, where it lives) and, once segments
 * are translated, turns the results into edits: byte ranges of the original replaced by new
 * bytes. Writing copies the original with the edits applied, so everything outside the translated
 * text comes back byte for byte. */
#ifndef TOLK_FORMATS_DOC_H
#define TOLK_FORMATS_DOC_H

#include <stddef.h>

#include "tolk.h"

/* A growable byte buffer; every append returns 0, or -1 when memory ran out. */
typedef struct fmt_buf {
    char *p;
    size_t n, cap;
} fmt_buf;

int fbuf_add(fmt_buf *b, const void *data, size_t len);
int fbuf_adds(fmt_buf *b, const char *s);
int fbuf_addc(fmt_buf *b, char c);
void fbuf_free(fmt_buf *b);

/* How the text of a segment is written in its file, for the text the model writes. */
typedef enum fmt_escape {
    ESC_NONE = 0, /* taken as it comes (plain text, subtitles; PO escapes when it renders) */
    ESC_XML,      /* &amp; and &lt; are shown to the model as & and <; other references are codes */
    ESC_HTML      /* like XML, but bare & and < are legal text and only escaped when they would
                   * start a reference or a tag */
} fmt_escape;

/* An inline code inside a segment's text: bytes [start, end) of the segment's text that must come
 * back unchanged. PAIR links the opening and closing tag of one element (index of the other code,
 * -1 when the code stands alone); the translation must keep each pair in order and nested. */
typedef struct fmt_code {
    size_t start, end;
    int pair;
    int opens; /* 1: the opening tag of a pair */
} fmt_code;

enum fmt_seg_status {
    SEG_PENDING = 0,  /* not translated yet */
    SEG_SKIPPED,      /* the format says leave it (has a target, locked, translate="no", ...) */
    SEG_COPIED,       /* nothing to translate (only codes, numbers, punctuation): source kept */
    SEG_TRANSLATED,   /* out holds the translation */
    SEG_KEPT          /* a check failed: source kept (or target left empty), listed in the report */
};

typedef struct fmt_seg {
    char *src;          /* the segment's text as it stands in the file (escaped as the format is) */
    int src_ref;        /* src points into the document's data (not a copy of its own) */
    size_t src_len;
    fmt_code *codes;    /* inline codes the format found in src, in order */
    size_t n_codes, cap_codes;
    size_t start, end;  /* in-place formats: the bytes of the original the translation replaces */
    size_t line;        /* 1-based line of the segment in the file (reports) */
    char *id;           /* the unit's id (XLIFF id, PO msgctxt + msgid, cue number), or NULL */
    int status;         /* enum fmt_seg_status */
    const char *check;  /* the failed check ("placeholders", "length", "repetition", "untranslated") */
    char *out;          /* SEG_TRANSLATED: the translation, escaped as src is */
    size_t out_len;
    char *model_out;    /* what the model wrote (placeholders unrestored), for the report */
    int from_tm;        /* filled by doc_prefill (a translation memory's exact match) */
    char attr_quote;    /* HTML: the quote around an attribute value that is the segment ('"', '\'', 0) */
    char in_table_cell; /* Markdown: a '|' the model writes would end the cell (written "\|") */
    char html_text;     /* Markdown: text of an HTML block, escaped as HTML (ESC_HTML), not as Markdown */
    char md_title;      /* Markdown: holds a link or image title ("title") or an inline HTML tag's
                         * attribute text: a code ending in a title's opening quote is followed by text
                         * whose closing quote is written "\"", one ending in =" by text whose '"' is
                         * written &quot; */
    char front_matter;  /* Markdown: a front matter value, the kind of scalar it was (md_front.h), else 0 */
    int group;          /* format-specific: the cue group, the PO plural form, the XLIFF unit ... */
    int part;
} fmt_seg;

/* One replacement in the original: bytes [start, end) become the edit's bytes. */
typedef struct fmt_edit {
    size_t start, end;
    char *bytes;
    size_t len;
    size_t seq; /* queue order: edits at the same place keep it */
    int ref;    /* bytes are borrowed (a segment's out), not a copy of the edit's own */
} fmt_edit;

/* Where doc_write_to sends the output: returns 0, or non-zero to stop (a write error). */
typedef int (*doc_writer_fn)(void *user, const char *data, size_t len);

typedef struct fmt_doc fmt_doc;

/* A streamed format hands its segments over window by window (fmt_ops.stream): returns 0, or an
 * error code (err set) to stop. */
typedef int (*doc_window_fn)(fmt_doc *d, void *user, tolk_error *err);

typedef struct fmt_ops {
    const char *name;        /* "po", "xliff", ... */
    const char *extensions;  /* space-separated, lower case, without dots */
    const char *needs;       /* the optional library it needs ("libxml2"), or NULL */
    fmt_escape escape;
    int sentences;           /* segments are paragraphs: translate them sentence by sentence */
    /* Lists the segments of d->data; TOLK_E_FORMAT with a line number on malformed input. */
    int (*parse)(fmt_doc *d, tolk_error *err);
    /* Turns the segments' results into edits (NULL: each translated segment replaces its
     * [start, end) with its out). */
    int (*render)(fmt_doc *d, tolk_error *err);
    /* Optional, instead of render for writing: the number of independent parts (XLIFF units) and
     * the edits of part I alone, all before those of part I + 1, so the output is written part by
     * part with only one part's edits in memory. */
    size_t (*n_parts)(const fmt_doc *d);
    int (*render_part)(fmt_doc *d, size_t i, tolk_error *err);
    void (*free_state)(fmt_doc *d);
    /* Optional: reads d->data from its start as parse does, but window by window: after each piece
     * of the file, WINDOW gets d->segs holding the segments of the units completed since the last
     * window (n_parts/render_part then cover those units alone), and the format drops them
     * (doc_clear_segs) before it reads on. So memory follows the largest window, not the file.
     * Stops at WINDOW's error; TOLK_E_FORMAT with a line number on malformed input. */
    int (*stream)(fmt_doc *d, doc_window_fn window, void *user, tolk_error *err);
    /* Optional, for a format streamed by doc_stream_by_parse: forgets its own records of the units
     * just handed over in a window (their segments are dropped next), keeping what later units need
     * (PO's plural count). */
    void (*drop_window)(fmt_doc *d);
} fmt_ops;

struct fmt_doc {
    const fmt_ops *ops;
    char *name;           /* file name for messages */
    char *data;           /* the original bytes, NUL-terminated (a copy, or a file mapping) */
    size_t len;
    size_t map_len;       /* non-zero: data is a private mapping of this many bytes (munmap, not free) */
    size_t released;      /* doc_release_before: the mapping's pages before this left memory */
    fmt_seg *segs;
    size_t n_segs, cap_segs;
    fmt_edit *edits;
    size_t n_edits, cap_edits;
    int overwrite;        /* re-translate existing targets (set before parse) */
    int mark_mt;          /* mark written targets as machine translation (set before render) */
    void *state;          /* the format's own data */
    const char *src_lang; /* the source language for sentence rules (NULL: unknown) */
    size_t line_off, line_no; /* doc_line_at's last answer (segments come mostly in order) */
    double seconds;       /* time spent translating */
    long long n_tokens;   /* tokens generated */
    size_t cur_seg;       /* the segment being translated (doc_translate sets it before each) */
    const char *para_context; /* while a segment is translated sentence by sentence: the whole
                               * segment as plain text (inline codes left out), for the prompt */
    size_t para_context_len;
    size_t n_tm_exact;    /* segments (or sentences) taken from a translation memory, no model run */
    size_t n_terms[3];    /* glossary terms: found, forced, missed (docs/TM.md) */
    /* streamed documents (doc_open_stream, doc_stream.h): segments come and go window by window */
    int streamed;         /* opened for one streamed pass (its format has ops->stream) */
    int stream_used;      /* that pass has begun */
    size_t n_pending_total; /* streamed: pending segments counted when the file was checked */
    size_t seg_base;      /* segments of the windows already dropped (their numbers in the report) */
    size_t n_gone[5], n_gone_flagged; /* their statuses (enum fmt_seg_status) and flags */
    fmt_buf problems;     /* their report entries, each starting ",\n  {" (older ones in problems_spill) */
    void *problems_spill; /* a FILE (tmpfile) once problems passed a megabyte, else NULL */
    size_t stream_piece;  /* bytes a streamed format's parser is fed at a time (0: its default);
                           * tests set it tiny so that windows end everywhere */
    doc_window_fn window; /* doc_stream_by_parse: where doc_window_point hands a window over */
    void *window_user;
    size_t window_from;   /* where the window being read began in d->data */
};

/* The formats tolk reads; NULL-terminated. */
extern const fmt_ops *const fmt_all[];

/* The format called NAME (or with extension NAME), NULL when none. */
const fmt_ops *fmt_find(const char *name);

/* A document over a copy of DATA, parsed as OPS says (OPS NULL: from NAME's extension). */
int doc_open(const fmt_ops *ops, const char *name, const char *data, size_t len, int overwrite, fmt_doc **out,
             tolk_error *err);
void doc_free(fmt_doc *d);

/* A document read from the file at PATH (NAME for messages): mapped when it can be (a regular file
 * whose size is not a multiple of the page size, so the mapping ends in zero bytes), read
 * otherwise. Errors as doc_open's, and TOLK_E_IO when the file cannot be read. */
int doc_open_file(const fmt_ops *ops, const char *path, const char *name, int overwrite, fmt_doc **out,
                  tolk_error *err);

/* Like doc_open_file (PATH non-NULL) or doc_open (DATA[0..len)), for one pass that translates and
 * writes window by window (doc_stream.h). A format that can stream (ops->stream) is checked and
 * its pending segments counted here, but no segment is kept (d->streamed); any other is parsed
 * whole as usual. */
int doc_open_stream(const fmt_ops *ops, const char *path, const char *name, const char *data, size_t len,
                    int overwrite, fmt_doc **out, tolk_error *err);

/* fmt_ops.stream for a format whose parse reads the file front to back and calls doc_window_point
 * between units (plain text, PO, subtitles, HTML): the parse runs once with windows handed to
 * WINDOW, each after some 256 KB of the file (d->stream_piece when set) and at the end. */
int doc_stream_by_parse(fmt_doc *d, doc_window_fn window, void *user, tolk_error *err);
/* Called by such a parse where no unit is open and every segment so far is complete, AT the offset
 * it reads on from (every edit of the segments so far lies before it): when streamed and the window
 * holds enough of the file, its segments go to the window function, then the format's drop_window
 * and doc_clear_segs. Does nothing on the whole-document path. The window's error stops the parse. */
int doc_window_point(fmt_doc *d, size_t at, tolk_error *err);

/* Frees the segments in d->segs and counts them in d->seg_base (a streamed format, after a window). */
void doc_clear_segs(fmt_doc *d);
/* Keeps what the report needs of d->segs before they are dropped: their statuses and the entries of
 * those kept or flagged. -1 on out-of-memory. */
int doc_keep_report(fmt_doc *d);
/* One line, prefixed with the document's name, for an error of its format (as doc_open gives). */
void doc_format_error(const fmt_doc *d, tolk_error *err);

/* A new segment with a copy of TEXT (NULL on out-of-memory). The pointer is valid until the next
 * doc_add_seg. */
fmt_seg *doc_add_seg(fmt_doc *d, const char *text, size_t len, size_t start, size_t end);
/* Adds code [start, end) to SEG; returns its index or -1 on out-of-memory. */
int seg_add_code(fmt_seg *s, size_t start, size_t end);
/* Like doc_add_seg, but the segment's text is bytes [start, start + len) of d->data, not a copy. */
fmt_seg *doc_add_seg_ref(fmt_doc *d, size_t text_at, size_t len, size_t start, size_t end);
int seg_set_id(fmt_seg *s, const char *id, size_t len);
/* Adds HTML-like tags in S's text (<b>, </a>, <br/>, <a href="%s">: a letter after '<' or "</", a '>'
 * before any other '<') as codes, an opening and a closing tag of one name that nest paired, so the
 * model cannot drop or reorder them (PO strings often carry markup). -1 on out-of-memory. */
int seg_add_tag_codes(fmt_seg *s);

/* How S's text is escaped: its format's way, or HTML's for the text of an HTML block in Markdown. */
static inline fmt_escape seg_escape(const fmt_doc *d, const fmt_seg *s)
{
    return s->html_text ? ESC_HTML : d->ops->escape;
}
/* Frees the segments from number N on (a parse that gives up on a part of the file). */
void doc_drop_segs_from(fmt_doc *d, size_t n);
/* The attributes of an HTML tag that hold text a reader sees (fmt_html.c): the value ranges of
 * the quoted ones in the tag [S, E) of P (S at its '<'), at most MAX_ATTRS, in file order.
 * *NO_TRANSLATE: the tag says translate="no" or has the class "notranslate". */
#define MAX_ATTRS 8
int html_text_attrs(const char *p, size_t s, size_t e, size_t vs[MAX_ATTRS], size_t ve[MAX_ATTRS], int *no_translate);
/* HTML's parser (fmt_html.c) over bytes [FROM, TO) of D's data: adds their segments to D (the text
 * of an HTML block inside Markdown). TOLK_E_FORMAT with a line number on malformed HTML. */
int html_parse_range(fmt_doc *d, size_t from, size_t to, tolk_error *err);

/* Queues an edit (a copy of BYTES). */
int doc_add_edit(fmt_doc *d, size_t start, size_t end, const char *bytes, size_t len);
/* Queues an edit whose BYTES stay valid until the edits are written (a segment's out): no copy. */
int doc_add_edit_ref(fmt_doc *d, size_t start, size_t end, const char *bytes, size_t len);

/* A mapped document: its pages before byte OFF leave memory (they are read back from the file if
 * touched again), so a pass through a big file does not keep all of it resident. No effect on a
 * document held in memory. */
void doc_release_before(fmt_doc *d, size_t off);

/* A mapped document: every page leaves memory now (read back from the file when touched), the
 * mark of doc_release_before unmoved, so the pages read again are given back as a pass goes on. */
void doc_drop_pages(fmt_doc *d);

/* The 1-based line of byte OFF. */
size_t doc_line_at(fmt_doc *d, size_t off);

/* Runs the format's render and applies the edits to a copy of the original. */
int doc_write(fmt_doc *d, char **out, size_t *len, tolk_error *err);
/* The same output sent piece by piece to WRITE (nothing the size of the document is built):
 * TOLK_E_IO when WRITE fails. */
int doc_write_to(fmt_doc *d, doc_writer_fn write, void *user, tolk_error *err);

/* Streamed writing: renders parts 0 .. n_parts(d) and writes the original from *AT with their edits
 * spliced in, up to the end of the last edit (*AT moves there); then doc_write_rest writes the rest. */
int doc_write_parts(fmt_doc *d, doc_writer_fn write, void *user, size_t *at, tolk_error *err);
int doc_write_rest(fmt_doc *d, doc_writer_fn write, void *user, size_t at, tolk_error *err);

/* The JSON report: counts, and every segment kept or flagged with its check. */
int doc_report_json(const fmt_doc *d, const char *format_name, fmt_buf *out);
/* The same report sent piece by piece to WRITE (never whole in memory): TOLK_E_IO when WRITE fails,
 * TOLK_E_NOMEM. */
int doc_report_to(const fmt_doc *d, const char *format_name, doc_writer_fn write, void *user, tolk_error *err);

/* TEXT (escaped as D's format escapes, with its inline codes) as plain text for a translation
 * memory: the predefined XML references (&amp; &lt; &gt; &quot; &apos;) undone for XML and HTML,
 * everything else as it is. */
int doc_plain_text(const fmt_doc *d, const char *text, size_t len, fmt_buf *out);

/* Appends TEXT as a JSON string. */
int doc_json_string(fmt_buf *b, const char *text, size_t len);

#endif
