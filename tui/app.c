/* `tolk tui` main loop: owns the model, session, panes and state; polls keys and the generation
 * thread every 50 ms, draws the layout (status bar, source editor, streaming target, message line,
 * key help) and dispatches the commands. Modal screens live in picker.c, history.c and settings.c. */
#include <config.h>

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
} app;

/* The key help line in three widths; the narrowest fits 80 columns with the last cell left free. */
static const char *const help_lines[] = {
    "^T/F5 Translate  Esc Cancel  F2 Language  F3 Swap  F4 History  F6 Copy  F7 Settings  ^O Save  F1 Help  ^Q Quit",
    "^T/F5 Translate Esc Cancel F2 Lang F3 Swap F4 History F6 Copy F7 Settings ^O Save F1 Help ^Q Quit",
    "F5 Go Esc Stop F2 Lang F3 Swap F4 Hist F6 Copy F7 Set ^O Save F1 Help ^Q Quit",
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void set_msg(app *a, int is_err, const char *fmt, const char *arg)
{
    snprintf(a->msg, sizeof a->msg, fmt, arg);
    a->msg_err = is_err;
}

static void set_target(app *a, char *text, size_t len)
{
    size_t n;
    wchar_t *w = text_from_utf8(text ? text : "", text ? len : 0, &n);
    if (!w) {
        free(text);
        return; /* keep the old one on screen rather than blanking it */
    }
    free(a->tgt);
    free(a->tgt_w);
    a->tgt = text;
    a->tgt_len = text ? len : 0;
    a->tgt_w = w;
    a->tgt_wn = n;
}

static void autosave(app *a)
{
    if (!a->have_save)
        return;
    size_t len;
    char *src = editor_utf8(&a->ed, &len);
    if (!src)
        return;
    if (autosave_write(a->save_path, a->from, a->to, src, len, a->tgt, &a->hist))
        set_msg(a, 1, "autosave to %s failed", a->save_path);
    free(src);
    a->dirty = 0;
}

/* Resident memory of the process in MiB (mapped weights count once touched); 0 when unknown. */
static double rss_mib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size, res;
    int ok = fscanf(f, "%lu %lu", &size, &res) == 2;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return ok && page > 0 ? (double)res * (double)page / (1024.0 * 1024.0) : 0;
}

/* The status bar after the model name: pair, state and the figures of the last translation;
 * COMPACT drops the spaces and labels that 80 columns cannot afford. */
static void status_figures(app *a, int compact, char *out, size_t size)
{
    size_t k = 0;
#define PUT(...) (k += k < size ? (size_t)snprintf(out + k, size - k, __VA_ARGS__) : 0)
    PUT(" | %s -> %s | %s", a->from[0] ? a->from : "auto", a->to, a->state);
    if (worker_busy(a->worker) && !a->abandoned)
        PUT(" %.1f s", (now_ms() - a->job_t0_ms) / 1e3);
    if (a->tok_s > 0)
        PUT(" | %.1f tok/s", a->tok_s);
    if (a->ttft_ms > 0)
        PUT(compact ? " | TTFT %.0fms" : " | TTFT %.0f ms", a->ttft_ms);
    if (a->set.spec_mode != TOLK_SPEC_NONE) { /* the acceptance rate once something was drafted */
        PUT(compact ? " | %s" : " | spec %s", tui_spec_names[a->set.spec_mode]);
        if (a->n_drafted > 0)
            PUT(" %.0f%%", 100.0 * a->n_accepted / a->n_drafted);
    }
    double mem = rss_mib();
    if (mem > 0)
        PUT(compact ? " | %.0fMiB" : " | %.0f MiB", mem);
#undef PUT
}

static void draw_status(app *a)
{
    attrset(term_attr(TUI_C_STATUS, A_REVERSE));
    mvhline(0, 0, ' ', COLS);
    char fig[256];
    status_figures(a, 0, fig, sizeof fig);
    int room = COLS - 1 - (int)strlen(fig); /* cells left for the model name */
    if (room < 12) {
        status_figures(a, 1, fig, sizeof fig);
        room = COLS - 1 - (int)strlen(fig);
    }
    if (room > 24)
        room = 24;
    int x = 1;
    if (room >= 4)
        x += text_put(stdscr, 0, 1, tolk_model_desc(a->model), room);
    text_put(stdscr, 0, x, fig, COLS - x);
    attrset(A_NORMAL);
}

static void draw_header(int y, const char *title, const char *code)
{
    attrset(term_attr(TUI_C_HEADER, A_BOLD) | A_BOLD);
    mvhline(y, 0, ACS_HLINE, COLS);
    char t[96];
    const char *name = code[0] ? lang_name(code) : "";
    if (!strcmp(name, code)) /* a code or name the picker's list does not have: show it once */
        snprintf(t, sizeof t, " %s (%s) ", title, code[0] ? code : "auto");
    else
        snprintf(t, sizeof t, " %s (%s %s) ", title, code, name);
    text_put(stdscr, y, 2, t, COLS - 4);
    attrset(A_NORMAL);
}

static void draw(app *a)
{
    erase();
    if (LINES < 10 || COLS < 30) {
        mvaddnstr(0, 0, "terminal too small for tolk tui", COLS);
        refresh();
        return;
    }
    /* rows: status, source header, source, target header, target, message, key help */
    int body = LINES - 3;
    int src_rows = (body - 2) / 2, tgt_rows = body - 2 - src_rows;
    int tgt_y = 1 + 1 + src_rows;
    draw_status(a);
    draw_header(1, "Source", a->from);
    draw_header(tgt_y, a->tgt_focus ? "Translation: arrows/PgUp/PgDn scroll, Tab back" : "Translation", a->to);
    /* the target follows its tail while it streams, unless scrolled back */
    int r, c;
    text_locate(a->tgt_w, a->tgt_wn, a->tgt_wn, COLS, &r, &c);
    int last_top = r + 1 > tgt_rows ? r + 1 - tgt_rows : 0;
    if (a->tgt_top > last_top)
        a->tgt_top = -1;
    int top = a->tgt_top < 0 ? last_top : a->tgt_top;
    a->tgt_rows = tgt_rows;
    text_draw(stdscr, tgt_y + 1, 0, tgt_rows, COLS, a->tgt_w, a->tgt_wn, top);
    if (top < last_top) { /* say there is more below */
        attrset(A_BOLD);
        mvaddstr(tgt_y + tgt_rows, COLS - 8, " more v ");
    }
    if (a->msg[0]) {
        attrset(a->msg_err ? term_attr(TUI_C_ERR, A_BOLD | A_REVERSE) : (int)A_BOLD);
        text_put(stdscr, LINES - 2, 0, a->msg, COLS - 1);
    }
    attrset(term_attr(TUI_C_HELP, A_REVERSE));
    mvhline(LINES - 1, 0, ' ', COLS);
    const char *help = help_lines[2];
    for (int i = 0; i < 3; i++)
        if ((int)strlen(help_lines[i]) < COLS) {
            help = help_lines[i];
            break;
        }
    mvaddnstr(LINES - 1, 0, help, COLS - 1);
    attrset(A_NORMAL);
    editor_draw(&a->ed, 2, src_rows, COLS, !a->tgt_focus); /* last: leaves the cursor in its pane */
    if (a->tgt_focus)
        move(tgt_y + 1, 0);
    refresh();
}

/* Whether the model's prompt builder knows FROM ("" = unnamed) and TO; fills ERR when not. */
static int languages_ok(app *a, const char *from, const char *to, tolk_error *err)
{
    char *prompt = NULL;
    int rc = tolk_translate_prompt(a->model, NULL, from[0] ? from : NULL, to, "x", 1, &prompt, NULL, NULL, err);
    free(prompt);
    return rc == TOLK_OK;
}

static void start_translation(app *a)
{
    if (worker_busy(a->worker)) {
        if (a->abandoned) { /* the cancelled job is still winding down: start right after it */
            a->start_pending = 1;
            set_msg(a, 0, "%s", "starting as soon as the cancelled translation has stopped");
        } else {
            set_msg(a, 0, "%s", "already translating (Esc cancels)");
        }
        return;
    }
    a->start_pending = 0;
    size_t len;
    char *src = editor_utf8(&a->ed, &len);
    if (!src) {
        set_msg(a, 1, "%s", "out of memory");
        return;
    }
    size_t b = 0, e = len;
    while (b < e && strchr(" \t\r\n", src[b]))
        b++;
    while (e > b && strchr(" \t\r\n", src[e - 1]))
        e--;
    if (b == e) {
        free(src);
        set_msg(a, 0, "%s", "nothing to translate: type some text in the source pane first");
        return;
    }
    memmove(src, src + b, e - b);
    src[e - b] = '\0';
    if (worker_start(a->worker, a->from, a->to, src, e - b, a->set.n_predict)) {
        free(src);
        set_msg(a, 1, "%s", "cannot start the generation thread");
        return;
    }
    free(a->job_src);
    a->job_src = src;
    set_target(a, NULL, 0);
    a->tgt_top = -1;
    a->state = "translating";
    a->abandoned = 0;
    a->tok_s = a->ttft_ms = 0;
    a->n_drafted = a->n_accepted = 0;
    a->job_t0_ms = now_ms();
    a->msg[0] = '\0';
    a->dirty = 1;
    autosave(a); /* what was typed is on disk before the model runs, whatever happens next */
}

/* Esc: the screen says "cancelled" at once; the thread stops at its next token (or, in the
 * middle of reading a long prompt, when that pass ends) and its output is no longer shown. */
static void cancel_translation(app *a)
{
    if (!worker_busy(a->worker) || a->abandoned) {
        a->start_pending = 0;
        return;
    }
    worker_cancel(a->worker);
    a->abandoned = 1;
    a->state = "cancelled";
    set_msg(a, 0, "%s", "translation cancelled; the partial text stays (F5 translates again)");
}

/* Takes what the generation thread produced; returns 1 when the screen needs a redraw. */
static int poll_worker(app *a)
{
    char *out = NULL;
    size_t len = 0;
    int done, rc = 0, got_first = 0;
    double elapsed;
    tolk_stats st;
    tolk_error err = {0};
    int busy = worker_busy(a->worker);
    int changed = worker_poll(a->worker, &out, &len, &done, &rc, &st, &err, &got_first, &elapsed);
    if (changed && !a->abandoned)
        set_target(a, out, len);
    else
        free(out);
    if (!a->abandoned && got_first && a->ttft_ms == 0)
        a->ttft_ms = elapsed; /* refined by the library's own figure when the job ends */
    if (!done)
        return changed || (busy && !a->abandoned); /* the elapsed time on the status bar ticks */
    if (a->abandoned) {
        a->abandoned = 0;
    } else if (rc && !st.cancelled) {
        a->state = "error";
        set_msg(a, 1, "%s", err.msg[0] ? err.msg : "translation failed");
    } else {
        a->state = st.cancelled ? "cancelled" : "done";
        a->tok_s = st.gen_tok_s;
        a->ttft_ms = st.ttft_ms;
        a->n_drafted = st.n_drafted;
        a->n_accepted = st.n_accepted;
        if (!st.cancelled && a->job_src && a->tgt)
            history_add(&a->hist, a->from, a->to, a->job_src, a->tgt);
    }
    autosave(a);
    if (a->start_pending)
        start_translation(a);
    return 1;
}

static void pick_language(app *a)
{
    int target = 1;
    for (;;) {
        char code[16];
        int rc = lang_pick(target ? "Target language (Tab: source)" : "Source language (Tab: target)",
                           target ? a->to : a->from, code, sizeof code);
        if (rc == 2) {
            target = !target;
            continue;
        }
        tolk_error err = {0};
        if (rc == 1 && !languages_ok(a, target ? a->from : code, target ? code : a->to, &err)) {
            set_msg(a, 1, "%s", err.msg);
        } else if (rc == 1) {
            snprintf(target ? a->to : a->from, sizeof a->to, "%s", code);
            a->dirty = 1;
        }
        return;
    }
}

static void swap_languages(app *a)
{
    if (!a->from[0]) {
        set_msg(a, 0, "%s", "source language is auto; pick one with F2 (Tab) before swapping");
        return;
    }
    char t[16];
    memcpy(t, a->from, sizeof t);
    memcpy(a->from, a->to, sizeof t);
    memcpy(a->to, t, sizeof t);
    a->dirty = 1;
}

static void open_history(app *a)
{
    int again = 0;
    int i = history_browse(&a->hist, &again);
    if (i < 0)
        return;
    if (worker_busy(a->worker)) {
        set_msg(a, 0, "%s", "a translation is running; Esc cancels it, then reopen the segment");
        return;
    }
    const tui_segment *g = &a->hist.v[i];
    if (editor_set_utf8(&a->ed, g->src, strlen(g->src)))
        return;
    size_t n = strlen(g->tgt);
    char *t = malloc(n + 1);
    if (t)
        memcpy(t, g->tgt, n + 1);
    set_target(a, t, n);
    a->tgt_top = -1;
    if (g->from[0])
        snprintf(a->from, sizeof a->from, "%s", g->from);
    snprintf(a->to, sizeof a->to, "%s", g->to);
    a->dirty = 1;
    set_msg(a, 0, "%s", "segment reopened; F5 translates it again");
    if (again)
        start_translation(a);
}

/* Ctrl-N: an empty source and target for the next segment (the last one stays in the history). */
static void new_segment(app *a)
{
    cancel_translation(a);
    editor_set_utf8(&a->ed, "", 0);
    set_target(a, NULL, 0);
    a->tgt_top = -1;
    a->tgt_focus = 0;
    a->state = "ready";
    a->dirty = 1;
    set_msg(a, 0, "%s", "new segment");
}

/* Turns on the speculation SET asks for (mode and draft model; the finer knobs stay as given on
 * the command line) in session S. */
static int set_spec(app *a, tolk_session *s, const tui_settings *set, tolk_error *err)
{
    tolk_spec_params sp = a->cfg->spec;
    sp.mode = set->spec_mode;
    sp.draft_path = sp.mode == TOLK_SPEC_DRAFT ? set->draft_path : NULL;
    if (sp.mode != TOLK_SPEC_SELF)
        sp.self_skip = NULL;
    if (sp.mode == TOLK_SPEC_NONE)
        return TOLK_OK; /* a new session decodes plainly */
    if (sp.mode == TOLK_SPEC_DRAFT && !set->draft_path[0]) {
        err->code = TOLK_E_ARG;
        snprintf(err->msg, sizeof err->msg, "%s", "speculative mode 'draft' needs a draft model file (F7)");
        return TOLK_E_ARG;
    }
    return tolk_session_set_spec(s, &sp, err);
}

/* Builds a session for the current settings and hands it to the worker; the old one is freed only
 * when the new one works, so a failure leaves everything as it was. */
static int apply_settings(app *a, const tui_settings *ns)
{
    tolk_params p = a->params;
    p.temp = ns->temp;
    p.top_p = ns->top_p;
    p.top_k = ns->top_k;
    tolk_session *s = NULL;
    tolk_error err = {0};
    if (tolk_session_new(a->model, &p, &s, &err) || set_spec(a, s, ns, &err)) {
        tolk_session_free(s);
        set_msg(a, 1, "settings not applied: %s", err.msg);
        return -1;
    }
    if (worker_set_session(a->worker, s)) {
        tolk_session_free(s);
        set_msg(a, 1, "%s", "settings not applied: a translation is running");
        return -1;
    }
    tolk_session_free(a->session);
    a->session = s;
    a->params = p;
    if (ns->spec_mode != a->set.spec_mode)
        a->n_drafted = a->n_accepted = 0; /* that rate belonged to the other mode */
    a->set = *ns;
    return 0;
}

static void open_settings(app *a)
{
    if (worker_busy(a->worker)) {
        set_msg(a, 0, "%s", "settings change between translations: Esc cancels the running one");
        return;
    }
    tui_settings ns = a->have_tried ? a->tried : a->set;
    if (LINES < 12 || COLS < 54) {
        set_msg(a, 1, "%s", "the settings need at least 54x12 cells");
        return;
    }
    if (settings_edit(&ns, 1) != 1)
        return;
    if (ns.spec_mode != TOLK_SPEC_NONE) { /* loading a draft or calibrating can take a moment */
        set_msg(a, 0, "%s", "setting up speculative decoding ...");
        draw(a);
    }
    a->tried = ns;
    a->have_tried = apply_settings(a, &ns) != 0; /* a typo in a path need not be typed again */
    if (!a->have_tried) {
        char m[200];
        snprintf(m, sizeof m, "temperature %.2f, top-p %.2f, top-k %d, at most %d tokens, speculation %s",
                 a->set.temp, a->set.top_p, a->set.top_k, a->set.n_predict, tui_spec_names[a->set.spec_mode]);
        set_msg(a, 0, "settings applied: %s", m);
    }
}

static void save_session(app *a)
{
    size_t len;
    char *src = editor_utf8(&a->ed, &len);
    char path[4096];
    if (src && !session_export(&a->hist, a->from, a->to, src, a->tgt, path, sizeof path))
        set_msg(a, 0, "saved %s", path);
    else
        set_msg(a, 1, "%s", "could not save the session (is $HOME writable?)");
    free(src);
}

static void copy_target(app *a)
{
    if (!a->tgt_len) {
        set_msg(a, 0, "%s", "nothing to copy yet");
        return;
    }
    draw(a);
    term_osc52(a->tgt, a->tgt_len);
    set_msg(a, 0, "%s", "translation copied (OSC 52: the terminal puts it on the clipboard)");
}

/* Control characters as they arrive in raw mode. Every F-key command also has a Ctrl key, for
 * terminals that keep F-keys to themselves (F1 for their own help, F-keys behind Fn). */
enum {
    K_CTRL_C = 3, K_CTRL_E = 5, K_CTRL_G = 7, K_CTRL_L = 12, K_CTRL_N = 14, K_CTRL_O = 15, K_CTRL_P = 16,
    K_CTRL_Q = 17, K_CTRL_R = 18, K_CTRL_T = 20, K_CTRL_W = 23, K_CTRL_Y = 25, K_ESC = 27
};

/* Keys for the focused target pane; returns 1 when KEY scrolled it. */
static int scroll_target(app *a, wint_t key)
{
    int page = a->tgt_rows > 2 ? a->tgt_rows - 1 : 1;
    int r, c;
    text_locate(a->tgt_w, a->tgt_wn, a->tgt_wn, COLS, &r, &c);
    int last_top = r + 1 > a->tgt_rows ? r + 1 - a->tgt_rows : 0;
    int top = a->tgt_top < 0 ? last_top : a->tgt_top;
    switch (key) {
    case KEY_UP: top--; break;
    case KEY_DOWN: top++; break;
    case KEY_PPAGE: top -= page; break;
    case KEY_NPAGE: top += page; break;
    case KEY_HOME: top = 0; break;
    case KEY_END: top = last_top; break;
    default: return 0;
    }
    if (top < 0)
        top = 0;
    a->tgt_top = top >= last_top ? -1 : top; /* at the end it follows the stream again */
    return 1;
}

/* One key; PASTED says it came queued behind another (a paste, where a Tab is text). Returns 0
 * to go on, 1 to quit. */
static int handle_key(app *a, int kind, wint_t ch, int pasted)
{
    int is_key = kind == KEY_CODE_YES;
    if (is_key && ch == KEY_RESIZE)
        return 0;
    if ((!is_key && ch == L'\t' && !pasted) || (is_key && ch == KEY_BTAB)) {
        a->tgt_focus = !a->tgt_focus;
        return 0;
    }
    if (a->tgt_focus && is_key && scroll_target(a, ch))
        return 0;
    if ((is_key && ch == KEY_F(5)) || (!is_key && ch == K_CTRL_T))
        start_translation(a);
    else if (!is_key && ch == K_ESC)
        cancel_translation(a);
    else if (!is_key && (ch == K_CTRL_Q || ch == K_CTRL_C))
        return 1;
    else if (!is_key && ch == K_CTRL_O)
        save_session(a);
    else if (!is_key && ch == K_CTRL_N)
        new_segment(a);
    else if (!is_key && ch == K_CTRL_L)
        clearok(curscr, TRUE); /* the next refresh repaints every cell */
    else if ((is_key && ch == KEY_F(1)) || (!is_key && ch == K_CTRL_G))
        help_show();
    else if ((is_key && ch == KEY_F(2)) || (!is_key && ch == K_CTRL_E))
        pick_language(a);
    else if ((is_key && ch == KEY_F(3)) || (!is_key && ch == K_CTRL_W))
        swap_languages(a);
    else if ((is_key && ch == KEY_F(4)) || (!is_key && ch == K_CTRL_R))
        open_history(a);
    else if ((is_key && ch == KEY_F(6)) || (!is_key && ch == K_CTRL_Y))
        copy_target(a);
    else if ((is_key && ch == KEY_F(7)) || (!is_key && ch == K_CTRL_P))
        open_settings(a);
    else {
        int rc = editor_key(&a->ed, is_key, ch, COLS);
        if (rc >= 0)
            a->tgt_focus = 0; /* typing goes back to the source */
        if (rc == 1) {
            a->dirty = 1;
            a->last_edit_ms = now_ms();
        }
    }
    return 0;
}

/* Loads the previous autosave, if any. Languages given on the command line win over the saved
 * ones; a file that cannot be read is kept aside as autosave.txt.bad rather than overwritten. */
static void restore(app *a)
{
    if (!a->have_save) {
        set_msg(a, 1, "%s", "autosave is off: no writable $XDG_STATE_HOME or $HOME");
        return;
    }
    char *src = NULL, *tgt = NULL, from[16], to[16];
    memcpy(from, a->from, sizeof from);
    memcpy(to, a->to, sizeof to);
    if (autosave_read(a->save_path, from, to, sizeof from, &src, &tgt, &a->hist)) {
        char bad[4112];
        snprintf(bad, sizeof bad, "%s.bad", a->save_path);
        if (rename(a->save_path, bad) == 0)
            set_msg(a, 1, "the autosave could not be read; it was kept as %s", bad);
        else
            set_msg(a, 1, "the autosave %s could not be read", a->save_path);
        history_free(&a->hist);
        return;
    }
    tolk_error err = {0};
    if (languages_ok(a, from, to, &err)) { /* an edited or damaged file keeps the defaults */
        memcpy(a->from, from, sizeof from);
        memcpy(a->to, to, sizeof to);
    }
    if (a->cfg->from)
        snprintf(a->from, sizeof a->from, "%s", a->cfg->from);
    if (a->cfg->to)
        snprintf(a->to, sizeof a->to, "%s", a->cfg->to);
    if (src && src[0]) {
        editor_set_utf8(&a->ed, src, strlen(src));
        set_target(a, tgt, tgt ? strlen(tgt) : 0);
        tgt = NULL;
        set_msg(a, 0, "%s", "restored the autosaved text");
    }
    free(src);
    free(tgt);
}

static int open_model(app *a)
{
    tolk_error err = {0};
    if (isatty(STDERR_FILENO)) /* a big model takes a moment; redirected stderr gets errors only */
        fprintf(stderr, "tolk tui: loading %s ...\n", a->cfg->model_path);
    if (tolk_model_load(a->cfg->model_path, &a->model, &err) || !languages_ok(a, a->from, a->to, &err) ||
        tolk_session_new(a->model, &a->params, &a->session, &err) || set_spec(a, a->session, &a->set, &err) ||
        worker_new(a->session, &a->worker)) {
        fprintf(stderr, "tolk: error: %s\n", err.msg[0] ? err.msg : "out of memory");
        return 1;
    }
    return 0;
}

static void close_all(app *a)
{
    worker_free(a->worker); /* cancels and joins a running translation */
    tolk_session_free(a->session);
    tolk_model_free(a->model);
    editor_free(&a->ed);
    history_free(&a->hist);
    free(a->tgt);
    free(a->tgt_w);
    free(a->job_src);
}

int tui_main(const tui_config *cfg)
{
    app a;
    memset(&a, 0, sizeof a);
    a.cfg = cfg;
    a.state = "ready";
    a.tgt_top = -1;
    a.params = cfg->params;
    a.set = (tui_settings){.temp = cfg->params.temp, .top_p = cfg->params.top_p, .top_k = cfg->params.top_k,
                           .n_predict = 1024, .spec_mode = cfg->spec.mode};
    if (cfg->spec.draft_path)
        snprintf(a.set.draft_path, sizeof a.set.draft_path, "%s", cfg->spec.draft_path);
    snprintf(a.from, sizeof a.from, "%s", cfg->from ? cfg->from : "en");
    snprintf(a.to, sizeof a.to, "%s", cfg->to ? cfg->to : "de");
    setlocale(LC_ALL, "");
    if (open_model(&a)) { /* model and language errors first: they are the likelier mistakes */
        close_all(&a);
        return 1;
    }
    if (!term_is_tty()) {
        close_all(&a);
        fprintf(stderr, "tolk: error: tolk tui needs a terminal on standard input and output\n");
        return 1;
    }
    a.have_save = autosave_path(a.save_path, sizeof a.save_path) == 0;
    restore(&a);
    if (!a.tgt_w)
        set_target(&a, NULL, 0); /* the target pane always has a wide copy to draw */
    if (term_start()) {
        close_all(&a);
        fprintf(stderr, "tolk: error: cannot set up the terminal (is $TERM right?)\n");
        return 1;
    }
    int quit = 0, redraw = 1;
    while (!quit && !term_quit_requested()) {
        if (redraw)
            draw(&a);
        wint_t ch;
        int kind = term_getkey(stdscr, &ch, TUI_TICK_MS);
        redraw = poll_worker(&a);
        if (kind != ERR) {
            quit = handle_key(&a, kind, ch, 0);
            redraw = 1;
            /* a paste arrives as thousands of keys: take what is queued before drawing again, so
             * a long paragraph costs one redraw per batch instead of one per character */
            double t0 = now_ms();
            while (!quit && now_ms() - t0 < 40 && (kind = term_getkey(stdscr, &ch, 0)) != ERR)
                quit = handle_key(&a, kind, ch, 1);
        }
        if (a.dirty && now_ms() - a.last_edit_ms > 200) /* once an edit burst has paused */
            autosave(&a);
    }
    int sig = term_quit_requested();
    int status = sig ? 128 + sig : 0; /* ended by a signal: the status a shell reports for it */
    if (worker_busy(a.worker))
        worker_cancel(a.worker);
    autosave(&a);
    term_stop(); /* the terminal is back before anything waits for the generation thread */
    if (!worker_wait(a.worker, 500)) {
        /* the thread is inside one long pass over the prompt, which cannot stop midway: everything
         * worth keeping is saved, so end now instead of making the user wait for it */
        fflush(NULL);
        _exit(status);
    }
    close_all(&a);
    return status;
}
