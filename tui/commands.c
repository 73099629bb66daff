/* The commands of `tolk tui`, one function per key: translate, cancel, language pick and swap,
 * history, new segment, settings, save, copy, scrolling the target; app_handle_key maps keys (F-keys
 * and their Ctrl twins) to them and hands the rest to the editor. */
#include <config.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

void app_start_translation(app *a)
{
    if (worker_busy(a->worker)) {
        if (a->abandoned) { /* the cancelled job is still winding down: start right after it */
            a->start_pending = 1;
            app_set_msg(a, 0, "%s", "starting as soon as the cancelled translation has stopped");
        } else {
            app_set_msg(a, 0, "%s", "already translating (Esc cancels)");
        }
        return;
    }
    a->start_pending = 0;
    size_t len;
    char *src = editor_utf8(&a->ed, &len);
    if (!src) {
        app_set_msg(a, 1, "%s", "out of memory");
        return;
    }
    size_t b = 0, e = len;
    while (b < e && strchr(" \t\r\n", src[b]))
        b++;
    while (e > b && strchr(" \t\r\n", src[e - 1]))
        e--;
    if (b == e) {
        free(src);
        app_set_msg(a, 0, "%s", "nothing to translate: type some text in the source pane first");
        return;
    }
    memmove(src, src + b, e - b);
    src[e - b] = '\0';
    if (worker_start(a->worker, a->from, a->to, src, e - b, a->set.n_predict)) {
        free(src);
        app_set_msg(a, 1, "%s", "cannot start the generation thread");
        return;
    }
    free(a->job_src);
    a->job_src = src;
    app_set_target(a, NULL, 0);
    a->tgt_top = -1;
    a->state = "translating";
    a->check = NULL;
    a->abandoned = 0;
    a->tok_s = a->ttft_ms = 0;
    a->n_drafted = a->n_accepted = 0;
    a->job_t0_ms = app_now_ms();
    a->msg[0] = '\0';
    a->dirty = 1;
    app_autosave(a); /* what was typed is on disk before the model runs, whatever happens next */
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
    app_set_msg(a, 0, "%s", "translation cancelled; the partial text stays (F5 translates again)");
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
        if (rc == 1 && !app_languages_ok(a, target ? a->from : code, target ? code : a->to, &err)) {
            app_set_msg(a, 1, "%s", err.msg);
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
        app_set_msg(a, 0, "%s", "source language is auto; pick one with F2 (Tab) before swapping");
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
        app_set_msg(a, 0, "%s", "a translation is running; Esc cancels it, then reopen the segment");
        return;
    }
    const tui_segment *g = &a->hist.v[i];
    if (editor_set_utf8(&a->ed, g->src, strlen(g->src)))
        return;
    size_t n = strlen(g->tgt);
    char *t = malloc(n + 1);
    if (t)
        memcpy(t, g->tgt, n + 1);
    app_set_target(a, t, n);
    a->tgt_top = -1;
    a->check = NULL;
    if (g->from[0])
        snprintf(a->from, sizeof a->from, "%s", g->from);
    snprintf(a->to, sizeof a->to, "%s", g->to);
    a->dirty = 1;
    app_set_msg(a, 0, "%s", "segment reopened; F5 translates it again");
    if (again)
        app_start_translation(a);
}

/* Ctrl-N: an empty source and target for the next segment (the last one stays in the history). */
static void new_segment(app *a)
{
    cancel_translation(a);
    editor_set_utf8(&a->ed, "", 0);
    app_set_target(a, NULL, 0);
    a->tgt_top = -1;
    a->tgt_focus = 0;
    a->check = NULL;
    a->state = "ready";
    a->dirty = 1;
    app_set_msg(a, 0, "%s", "new segment");
}

/* Turns on the speculation SET asks for (mode and draft model; the finer knobs stay as given on
 * the command line) in session S. */
int app_set_spec(app *a, tolk_session *s, const tui_settings *set, tolk_error *err)
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
    if (tolk_session_new(a->model, &p, &s, &err) || app_set_spec(a, s, ns, &err) || matches_attach(a, s, &err)) {
        tolk_session_free(s);
        app_set_msg(a, 1, "settings not applied: %s", err.msg);
        return -1;
    }
    if (worker_set_session(a->worker, s)) {
        tolk_session_free(s);
        app_set_msg(a, 1, "%s", "settings not applied: a translation is running");
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
        app_set_msg(a, 0, "%s", "settings change between translations: Esc cancels the running one");
        return;
    }
    tui_settings ns = a->have_tried ? a->tried : a->set;
    if (LINES < 12 || COLS < 54) {
        app_set_msg(a, 1, "%s", "the settings need at least 54x12 cells");
        return;
    }
    if (settings_edit(&ns, 1) != 1)
        return;
    if (ns.spec_mode != TOLK_SPEC_NONE) { /* loading a draft or calibrating can take a moment */
        app_set_msg(a, 0, "%s", "setting up speculative decoding ...");
        app_draw(a);
    }
    a->tried = ns;
    a->have_tried = apply_settings(a, &ns) != 0; /* a typo in a path need not be typed again */
    if (!a->have_tried) {
        char m[200];
        snprintf(m, sizeof m, "temperature %.2f, top-p %.2f, top-k %d, at most %d tokens, speculation %s",
                 a->set.temp, a->set.top_p, a->set.top_k, a->set.n_predict, tui_spec_names[a->set.spec_mode]);
        app_set_msg(a, 0, "settings applied: %s", m);
    }
}

static void save_session(app *a)
{
    size_t len;
    char *src = editor_utf8(&a->ed, &len);
    char path[4096];
    if (src && !session_export(&a->hist, a->from, a->to, src, a->tgt, path, sizeof path))
        app_set_msg(a, 0, "saved %s", path);
    else
        app_set_msg(a, 1, "%s", "could not save the session (is $HOME writable?)");
    free(src);
}

static void copy_target(app *a)
{
    if (!a->tgt_len) {
        app_set_msg(a, 0, "%s", "nothing to copy yet");
        return;
    }
    app_draw(a);
    term_osc52(a->tgt, a->tgt_len);
    app_set_msg(a, 0, "%s", "translation copied (OSC 52: the terminal puts it on the clipboard)");
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
    int last_top = app_target_last_top(a, a->tgt_rows);
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

int app_handle_key(app *a, int kind, wint_t ch, int pasted)
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
        app_start_translation(a);
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
    else if (is_key && ch == KEY_F(8))
        matches_next(a);
    else if (is_key && ch == KEY_F(9))
        matches_insert(a);
    else if (!is_key && ch == L'\n' && !pasted) /* Ctrl-J, and Ctrl-Enter where it differs from Enter */
        matches_confirm(a);
    else {
        int rc = editor_key(&a->ed, is_key, ch, COLS);
        if (rc >= 0)
            a->tgt_focus = 0; /* typing goes back to the source */
        if (rc == 1) {
            a->dirty = 1;
            a->last_edit_ms = app_now_ms();
        }
    }
    return 0;
}
