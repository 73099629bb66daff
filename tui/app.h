/* The state of the `tolk tui` app, shared by its three parts: app.c (start-up, the main loop, the
 * generation thread's results, shutdown), draw.c (the layout: status bar, panes, message and key
 * help) and commands.c (what each key does). */
#ifndef TOLK_TUI_APP_H
#define TOLK_TUI_APP_H

#include "tui.h"

typedef struct app {
    const tui_config *cfg;
    tolk_model *model;
    tolk_session *session;
    tui_worker *worker;
    char from[16], to[16];
    tui_editor ed;
    char *tgt;          /* translation shown in the target pane (UTF-8) */
    size_t tgt_len;
    wchar_t *tgt_w;     /* its wide form for drawing */
    size_t tgt_wn;
    int tgt_focus;      /* Tab moved the keys to the target pane, which they scroll */
    int tgt_top;        /* first wrapped row of the target shown; -1 follows the tail */
    int tgt_rows;       /* rows of the target pane in the last layout */
    char *job_src;      /* source of the running translation, for the history */
    const char *state;
    const char *check;  /* the segment check the last translation failed (tolk_check_translation), or NULL */
    char msg[4352];
    double tok_s, ttft_ms, job_t0_ms;
    int n_drafted, n_accepted; /* speculative decoding of the last translation */
    int msg_err;
    int abandoned;      /* Esc pressed: the thread is stopping, its output is no longer shown */
    int start_pending;  /* F5 pressed while a cancelled thread was still stopping */
    char save_path[4096];
    int have_save, dirty;
    double last_edit_ms;
    tui_history hist;
    tolk_params params; /* the session's, changed by the settings screen */
    tui_settings set;
    tui_settings tried; /* settings that failed to apply, offered again at the next F7 */
    int have_tried;
    /* the matches panel (matches.c) */
    tolk_tm *tm;          /* --tm, opened for reading */
    tolk_glossary *gloss; /* --glossary */
    char *m_src;          /* the source the matches are for */
    tolk_tm_match m[3];   /* TM matches, best first */
    int n_m, m_sel;
    tolk_term *terms;     /* glossary terms found in m_src */
    int n_terms;
    unsigned char *src_mark; /* the editor's highlight of the terms */
} app;

/* app.c */
double app_now_ms(void);
void app_set_msg(app *a, int is_err, const char *fmt, const char *arg);
/* Shows TEXT (malloc'd, taken over; NULL for none) in the target pane. */
void app_set_target(app *a, char *text, size_t len);
void app_autosave(app *a);
/* Whether the model's prompt builder knows FROM ("" = unnamed) and TO; fills ERR when not. */
int app_languages_ok(app *a, const char *from, const char *to, tolk_error *err);

/* draw.c */
void app_draw(app *a);
/* First wrapped row of the target shown when a pane of ROWS rows follows the tail. */
int app_target_last_top(const app *a, int rows);

/* matches.c: TM matches and glossary terms of the source, under the source pane */
/* Opens --tm and --glossary; 0, or 1 with ERR filled. */
int matches_open(app *a, tolk_error *err);
/* Gives session S the TM and glossary (after a settings change too). */
int matches_attach(app *a, tolk_session *s, tolk_error *err);
void matches_close(app *a);
/* Looks the source up again when it changed; returns 1 when the panel changed. */
int matches_update(app *a);
/* Rows the panel takes in a screen of LINES rows (0: no TM and no glossary, or too small). */
int matches_rows(const app *a);
/* Draws the panel at row Y (ROWS rows) and sets the source's term highlight. */
void matches_draw(app *a, int y, int rows);
/* F8: the next match; F9: its target into the translation pane; Ctrl-J (Ctrl-Enter): the
 * source and the translation shown into the TM. */
void matches_next(app *a);
void matches_insert(app *a);
void matches_confirm(app *a);

/* commands.c */
void app_start_translation(app *a);
/* Turns on the speculation SET asks for in session S (see commands.c). */
int app_set_spec(app *a, tolk_session *s, const tui_settings *set, tolk_error *err);
/* One key; PASTED says it came queued behind another (a paste, where a Tab is text). Returns 0
 * to go on, 1 to quit. */
int app_handle_key(app *a, int kind, wint_t ch, int pasted);

#endif
