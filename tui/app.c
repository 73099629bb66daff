/* `tolk tui` start-up, main loop and shutdown: loads the model and the autosave, then polls keys
 * and the generation thread every 50 ms, hands keys to commands.c and redraws with draw.c; also the
 * small state helpers the three share (messages, the target text, autosave). Modal screens live in
 * picker.c, history.c and settings.c. */
#include <config.h>

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"

double app_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

void app_set_msg(app *a, int is_err, const char *fmt, const char *arg)
{
    snprintf(a->msg, sizeof a->msg, fmt, arg);
    a->msg_err = is_err;
}

void app_set_target(app *a, char *text, size_t len)
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

void app_autosave(app *a)
{
    if (!a->have_save)
        return;
    size_t len;
    char *src = editor_utf8(&a->ed, &len);
    if (!src)
        return;
    if (autosave_write(a->save_path, a->from, a->to, src, len, a->tgt, &a->hist))
        app_set_msg(a, 1, "autosave to %s failed", a->save_path);
    free(src);
    a->dirty = 0;
}

int app_languages_ok(app *a, const char *from, const char *to, tolk_error *err)
{
    char *prompt = NULL;
    int rc = tolk_translate_prompt(a->model, NULL, from[0] ? from : NULL, to, "x", 1, &prompt, NULL, NULL, err);
    free(prompt);
    return rc == TOLK_OK;
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
        app_set_target(a, out, len);
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
        app_set_msg(a, 1, "%s", err.msg[0] ? err.msg : "translation failed");
    } else {
        a->state = st.cancelled ? "cancelled" : "done";
        a->tok_s = st.gen_tok_s;
        a->ttft_ms = st.ttft_ms;
        a->n_drafted = st.n_drafted;
        a->n_accepted = st.n_accepted;
        if (!st.cancelled && a->job_src && a->tgt)
            history_add(&a->hist, a->from, a->to, a->job_src, a->tgt);
        /* the document checks, so a run-away or copied answer is marked, not taken on trust */
        a->check = st.cancelled || !a->job_src ? NULL :
                   tolk_check_translation(a->job_src, strlen(a->job_src), a->tgt ? a->tgt : "", a->tgt ? a->tgt_len : 0,
                                          a->set.n_predict > 0 && st.n_gen >= a->set.n_predict);
        if (a->check)
            app_set_msg(a, 1, "check: %s - this translation needs a look (see the mark above it)", a->check);
    }
    app_autosave(a);
    if (a->start_pending)
        app_start_translation(a);
    return 1;
}

/* Loads the previous autosave, if any. Languages given on the command line win over the saved
 * ones; a file that cannot be read is kept aside as autosave.txt.bad rather than overwritten. */
static void restore(app *a)
{
    if (!a->have_save) {
        app_set_msg(a, 1, "%s", "autosave is off: no writable $XDG_STATE_HOME or $HOME");
        return;
    }
    char *src = NULL, *tgt = NULL, from[16], to[16];
    memcpy(from, a->from, sizeof from);
    memcpy(to, a->to, sizeof to);
    if (autosave_read(a->save_path, from, to, sizeof from, &src, &tgt, &a->hist)) {
        char bad[4112];
        snprintf(bad, sizeof bad, "%s.bad", a->save_path);
        if (rename(a->save_path, bad) == 0)
            app_set_msg(a, 1, "the autosave could not be read; it was kept as %s", bad);
        else
            app_set_msg(a, 1, "the autosave %s could not be read", a->save_path);
        history_free(&a->hist);
        return;
    }
    tolk_error err = {0};
    if (app_languages_ok(a, from, to, &err)) { /* an edited or damaged file keeps the defaults */
        memcpy(a->from, from, sizeof from);
        memcpy(a->to, to, sizeof to);
    }
    if (a->cfg->from)
        snprintf(a->from, sizeof a->from, "%s", a->cfg->from);
    if (a->cfg->to)
        snprintf(a->to, sizeof a->to, "%s", a->cfg->to);
    if (src && src[0]) {
        editor_set_utf8(&a->ed, src, strlen(src));
        app_set_target(a, tgt, tgt ? strlen(tgt) : 0);
        tgt = NULL;
        app_set_msg(a, 0, "%s", "restored the autosaved text");
    }
    free(src);
    free(tgt);
}

static int open_model(app *a)
{
    tolk_error err = {0};
    if (isatty(STDERR_FILENO)) /* a big model takes a moment; redirected stderr gets errors only */
        fprintf(stderr, "tolk tui: loading %s ...\n", a->cfg->model_path);
    if (tolk_model_load(a->cfg->model_path, &a->model, &err) || !app_languages_ok(a, a->from, a->to, &err) ||
        tolk_session_new(a->model, &a->params, &a->session, &err) || app_set_spec(a, a->session, &a->set, &err) ||
        matches_open(a, &err) || matches_attach(a, a->session, &err) || worker_new(a->session, &a->worker)) {
        fprintf(stderr, "tolk: error: %s\n", err.msg[0] ? err.msg : "out of memory");
        return 1;
    }
    return 0;
}

static void close_all(app *a)
{
    worker_free(a->worker); /* cancels and joins a running translation */
    tolk_session_free(a->session);
    matches_close(a);
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
        app_set_target(&a, NULL, 0); /* the target pane always has a wide copy to draw */
    if (term_start()) {
        close_all(&a);
        fprintf(stderr, "tolk: error: cannot set up the terminal (is $TERM right?)\n");
        return 1;
    }
    int quit = 0, redraw = 1;
    while (!quit && !term_quit_requested()) {
        if (redraw)
            app_draw(&a);
        wint_t ch;
        int kind = term_getkey(stdscr, &ch, TUI_TICK_MS);
        redraw = poll_worker(&a);
        if (kind != ERR) {
            quit = app_handle_key(&a, kind, ch, 0);
            redraw = 1;
            /* a paste arrives as thousands of keys: take what is queued before drawing again, so
             * a long paragraph costs one redraw per batch instead of one per character */
            double t0 = app_now_ms();
            while (!quit && app_now_ms() - t0 < 40 && (kind = term_getkey(stdscr, &ch, 0)) != ERR)
                quit = app_handle_key(&a, kind, ch, 1);
        }
        if (a.dirty && app_now_ms() - a.last_edit_ms > 200) /* once an edit burst has paused */
            app_autosave(&a);
        if (app_now_ms() - a.last_edit_ms > 150 && matches_update(&a))
            redraw = 1;
    }
    int sig = term_quit_requested();
    int status = sig ? 128 + sig : 0; /* ended by a signal: the status a shell reports for it */
    if (worker_busy(a.worker))
        worker_cancel(a.worker);
    app_autosave(&a);
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
