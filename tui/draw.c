/* Drawing the `tolk tui` screen from the app state: status bar (model, pair, state, speed, memory),
 * the source editor, the matches panel (matches.c) when there is a TM or a glossary, and the streaming
 * target pane with their headers (the target's marked when its translation failed a segment check), the
 * message line and the key help in the widest form that fits. Reads the state; changes only the scroll of the target. */
#include <config.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

/* The key help line in three widths; the narrowest fits 80 columns with the last cell left free. */
static const char *const help_lines[] = {
    "^T/F5 Translate  Esc Cancel  F2 Language  F3 Swap  F4 History  F6 Copy  F7 Settings  ^O Save  F1 Help  ^Q Quit",
    "^T/F5 Translate Esc Cancel F2 Lang F3 Swap F4 History F6 Copy F7 Settings ^O Save F1 Help ^Q Quit",
    "F5 Go Esc Stop F2 Lang F3 Swap F4 Hist F6 Copy F7 Set ^O Save F1 Help ^Q Quit",
};

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
        PUT(" %.1f s", (app_now_ms() - a->job_t0_ms) / 1e3);
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

int app_target_last_top(const app *a, int rows)
{
    int r, c;
    text_locate(a->tgt_w, a->tgt_wn, a->tgt_wn, COLS, &r, &c);
    return r + 1 > rows ? r + 1 - rows : 0;
}

void app_draw(app *a)
{
    erase();
    if (LINES < 10 || COLS < 30) {
        mvaddnstr(0, 0, "terminal too small for tolk tui", COLS);
        refresh();
        return;
    }
    /* rows: status, source header, source, target header, target, message, key help */
    int body = LINES - 3, panel = matches_rows(a);
    int src_rows = (body - 2 - panel) / 2, tgt_rows = body - 2 - panel - src_rows;
    int tgt_y = 1 + 1 + src_rows + panel;
    draw_status(a);
    draw_header(1, "Source", a->from);
    draw_header(tgt_y, a->tgt_focus ? "Translation: arrows/PgUp/PgDn scroll, Tab back" : "Translation", a->to);
    if (a->check) { /* the mark of a translation that failed a segment check, at the header's right */
        char mark[48];
        snprintf(mark, sizeof mark, " ! check: %s ", a->check);
        int w = (int)strlen(mark), x = COLS - w - 2;
        if (x > 30) {
            attrset(term_attr(TUI_C_ERR, A_BOLD | A_REVERSE));
            mvaddstr(tgt_y, x, mark);
            attrset(A_NORMAL);
        }
    }
    /* the target follows its tail while it streams, unless scrolled back */
    int last_top = app_target_last_top(a, tgt_rows);
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
    if (panel)
        matches_draw(a, 2 + src_rows, panel);
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
