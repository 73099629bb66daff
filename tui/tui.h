/* Shared declarations of the `tolk tui` app: its start-up configuration and the small modules
 * (terminal, editor, worker thread, history, autosave, pickers) that the app itself (app.h: app.c,
 * draw.c, commands.c) ties together. Everything here sits on the public API in runtime/tolk.h only. */
#ifndef TOLK_TUI_H
#define TOLK_TUI_H

#include <stddef.h>
#include <wchar.h>

#include "tolk.h"

#define TUI_PATH_MAX 1024
#define TUI_TICK_MS 50 /* key wait, and so the poll period of the generation thread */

typedef struct tui_config {
    const char *model_path;
    const char *from, *to; /* ISO 639-1 codes */
    tolk_params params;
    tolk_spec_params spec; /* from --spec/--draft & co; the settings screen changes mode and draft */
    const char *tm_path;       /* --tm: the matches panel and the session's TM (NULL: none) */
    const char *glossary_path; /* --glossary: terms in the panel and the session (NULL: none) */
    int fuzzy;                 /* --fuzzy: lowest TM match shown and used, percent */
} tui_config;

/* Runs the app until the user quits; returns the process exit status. */
int tui_main(const tui_config *cfg);

/* ---- term.c: curses set-up, colors, signals, OSC 52 ----------------------------------------- */
enum { TUI_C_STATUS = 1, TUI_C_HEADER, TUI_C_HELP, TUI_C_SEL, TUI_C_ERR };
int term_is_tty(void);            /* standard input and output are both terminals */
int term_start(void);             /* initscr & co; 0 on success */
void term_stop(void);             /* endwin once; safe to call many times */
int term_attr(int pair, int mono_attr); /* color pair, or MONO_ATTR when colors are off */
/* Next key of window WIN: OK with a character (invalid UTF-8 gives U+FFFD), KEY_CODE_YES with a
 * KEY_* code, or ERR when none came within WAIT_MS (0: only what is already queued), like get_wch. */
int term_getkey(void *win, wint_t *ch, int wait_ms);
int term_quit_requested(void);    /* the SIGINT/SIGTERM/SIGHUP seen, 0 when none */
/* Copies BYTES to the system clipboard through the OSC 52 escape. */
void term_osc52(const char *bytes, size_t len);

/* ---- text.c: UTF-8 <-> wide characters, word wrap and drawing ------------------------------- */
/* Decodes UTF-8 (invalid bytes become U+FFFD); malloc'd, NUL-terminated; *n gets the length. */
wchar_t *text_from_utf8(const char *s, size_t len, size_t *n);
/* Encodes N wide characters as UTF-8 (malloc'd, NUL-terminated); *len gets the byte count. */
char *text_to_utf8(const wchar_t *w, size_t n, size_t *len);
/* Cells taken by C on screen (0 for combining marks, 1 for unprintables shown as '?'). */
int text_width(wchar_t c);
/* A character drawn in the cell of the one before it (combining marks, zero-width joiners). */
int text_is_mark(wchar_t c);
/* The screen cell at W[I]: returns the index after it (the character and its marks), *CW its width. */
size_t text_cell(const wchar_t *w, size_t n, size_t i, int *cw);
/* Wrapping, the one layout of both panes: a row ends after a space or next to a wide (CJK)
 * character, inside a word only when the word is longer than the row, never between a character
 * and its combining marks, and always at a newline. The row that starts at W[START] shows
 * W[START..*END); the next row starts at the index returned (past the newline, or the spaces that
 * hang past the right edge). */
size_t text_row(const wchar_t *w, size_t n, size_t start, int width, size_t *end);
/* Screen position (row, col) of index POS when W[0..n) is wrapped at WIDTH columns. */
void text_locate(const wchar_t *w, size_t n, size_t pos, int width, int *row, int *col);
/* The last index whose position is at or before (ROW, COL) of that layout. */
size_t text_index_at(const wchar_t *w, size_t n, int row, int col, int width);
/* Draws W wrapped into the window area (y0, x0, rows, width), skipping the first TOP wrapped rows. */
void text_draw(void *win, int y0, int x0, int rows, int width, const wchar_t *w, size_t n, int top);
/* The same with the characters whose MARK[i] is set drawn with attribute MARK_ATTR (MARK may be
 * NULL, else it has N entries). */
void text_draw_marked(void *win, int y0, int x0, int rows, int width, const wchar_t *w, size_t n, int top,
                      const unsigned char *mark, int mark_attr);
/* Word diff for the TM matches: marks (MARK[0..alen) set to 1) the bytes of the words of A that
 * are not in the longest common subsequence of words of A and B (words: runs of letters, digits
 * and non-ASCII bytes; compared byte for byte; the first 256 words of each). Returns how many
 * words of A differ, -1 when out of memory. */
int text_diff_words(const char *a, size_t alen, const char *b, size_t blen, unsigned char *mark);
/* Draws a UTF-8 string at (y, x) using at most MAXW cells; returns the cells used. */
int text_put(void *win, int y, int x, const char *s, int maxw);

/* ---- editor.c: the multi-line source editor ------------------------------------------------- */
typedef struct tui_editor {
    wchar_t *buf;
    size_t len, cap, cur;
    int top; /* first wrapped row shown */
    const unsigned char *mark; /* characters drawn highlighted (len entries), or NULL */
    int mark_attr;
} tui_editor;
void editor_free(tui_editor *e);
int editor_set_utf8(tui_editor *e, const char *s, size_t len);
char *editor_utf8(const tui_editor *e, size_t *len);
/* Handles one key (wide char when IS_KEY is 0, KEY_* code otherwise); returns 1 when the text
 * changed, 0 when not (cursor moves), -1 when the key is not an editing key. */
int editor_key(tui_editor *e, int is_key, wint_t ch, int width);
void editor_draw(tui_editor *e, int y0, int rows, int width, int focus);

/* ---- worker.c: the generation thread -------------------------------------------------------- */
typedef struct tui_worker tui_worker;
int worker_new(tolk_session *s, tui_worker **out);
void worker_free(tui_worker *w); /* cancels and joins a running job */
/* Starts translating TEXT (copied), at most N_PREDICT tokens per segment; fails when a job is
 * running. */
int worker_start(tui_worker *w, const char *from, const char *to, const char *text, size_t len, int n_predict);
/* Points the worker at another session (after the settings changed); fails while a job runs. */
int worker_set_session(tui_worker *w, tolk_session *s);
void worker_cancel(tui_worker *w);
int worker_busy(tui_worker *w);
/* Waits up to MS milliseconds for a running job to end; 1 when none runs any more. */
int worker_wait(tui_worker *w, int ms);
/* Copies the output so far into *out (malloc'd); returns 1 when it changed since the last call. On
 * completion *done is set (once) and st and err hold the result. */
int worker_poll(tui_worker *w, char **out, size_t *len, int *done, int *rc, tolk_stats *st, tolk_error *err,
                int *got_first, double *elapsed_ms);

/* ---- history.c: past segments --------------------------------------------------------------- */
typedef struct tui_segment {
    char *src, *tgt;
    char from[16], to[16];
} tui_segment;
typedef struct tui_history {
    tui_segment *v;
    size_t n, cap;
} tui_history;
int history_add(tui_history *h, const char *from, const char *to, const char *src, const char *tgt);
void history_free(tui_history *h);
/* Modal browser; returns the index picked with Enter (or F5 / Ctrl-T, which also sets *TRANSLATE),
 * or -1. */
int history_browse(const tui_history *h, int *translate);

/* ---- picker.c: language list with type-to-search -------------------------------------------- */
const char *lang_name(const char *code); /* English name, or the code itself */
/* Modal picker; copies the chosen code into OUT and returns 1, returns 0 when dismissed and 2 when
 * Tab asks for the other language of the pair. */
int lang_pick(const char *title, const char *current, char *out, size_t outsize);
/* Modal help screen. */
void help_show(void);

/* ---- settings.c: the settings screen ------------------------------------------------------- */
typedef struct tui_settings {
    float temp, top_p;
    int top_k;
    int n_predict;                  /* most tokens generated per segment */
    int spec_mode;                  /* TOLK_SPEC_*, an index into tui_spec_names */
    char draft_path[TUI_PATH_MAX];  /* draft model for TOLK_SPEC_DRAFT */
} tui_settings;
extern const char *const tui_spec_names[]; /* "off", "draft", "ngram", "self"; NULL-terminated */
/* Modal editor of *S; returns 1 when the user applied changes (Enter), 0 when dismissed (then *S is
 * unchanged). The speculative rows are shown only when SPEC_AVAILABLE. */
int settings_edit(tui_settings *s, int spec_available);

/* ---- autosave.c: crash-safe state and session export ---------------------------------------- */
/* $XDG_STATE_HOME/tolk/autosave.txt (or ~/.local/state/tolk/autosave.txt); creates the folder. */
int autosave_path(char *out, size_t outsize);
int autosave_write(const char *path, const char *from, const char *to, const char *src, size_t src_len,
                   const char *tgt, const tui_history *h);
/* Loads a previous autosave; missing file is not an error (returns 0, *src NULL). */
int autosave_read(const char *path, char *from, char *to, size_t lang_size, char **src, char **tgt,
                  tui_history *h);
/* Writes every segment plus the current pair to ~/tolk-session-YYYYmmdd-HHMMSS.txt; path to OUT. */
int session_export(const tui_history *h, const char *from, const char *to, const char *src, const char *tgt,
                   char *out, size_t outsize);

#endif
