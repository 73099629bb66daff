/* History of translated segments (source, target, language pair) and its modal browser: Up/Down
 * to move, Enter to reopen a segment into the panes, F5 to reopen and translate it again, Esc to
 * close. */
#include <config.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define HISTORY_MAX 500 /* oldest segments drop off past this */

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

int history_add(tui_history *h, const char *from, const char *to, const char *src, const char *tgt)
{
    if (h->n == HISTORY_MAX) {
        free(h->v[0].src);
        free(h->v[0].tgt);
        memmove(h->v, h->v + 1, (h->n - 1) * sizeof *h->v);
        h->n--;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        tui_segment *v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return TOLK_E_NOMEM;
        h->v = v;
        h->cap = cap;
    }
    tui_segment *g = &h->v[h->n];
    g->src = dup_str(src);
    g->tgt = dup_str(tgt);
    if (!g->src || !g->tgt) {
        free(g->src);
        free(g->tgt);
        return TOLK_E_NOMEM;
    }
    snprintf(g->from, sizeof g->from, "%s", from ? from : "");
    snprintf(g->to, sizeof g->to, "%s", to ? to : "");
    h->n++;
    return TOLK_OK;
}

void history_free(tui_history *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].src);
        free(h->v[i].tgt);
    }
    free(h->v);
    memset(h, 0, sizeof *h);
}

/* One line of the list: "en>de  source text -> target text", newlines flattened. */
static void describe(const tui_segment *g, char *out, size_t outsize)
{
    int n = snprintf(out, outsize, "%s>%s  %s  => %s", g->from[0] ? g->from : "?", g->to, g->src, g->tgt);
    (void)n;
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

int history_browse(const tui_history *h, int *translate)
{
    *translate = 0;
    int sel = h->n ? (int)h->n - 1 : 0; /* newest first in focus */
    for (;;) {
        if (term_quit_requested())
            return -1;
        int rows = LINES - 4, cols = COLS - 4;
        if (rows < 3 || cols < 10)
            return -1;
        WINDOW *win = newwin(rows, cols, 2, 2);
        if (!win)
            return -1;
        keypad(win, TRUE);
        werase(win);
        box(win, 0, 0);
        wattron(win, A_BOLD);
        mvwaddnstr(win, 0, 2, " History: Up/Down move, Enter reopen, F5 reopen and translate, Esc close ", cols - 4);
        wattroff(win, A_BOLD);
        int view = rows - 2;
        if (h->n == 0)
            mvwaddstr(win, 1, 2, "(no segments translated yet)");
        int dp = (int)h->n - 1 - sel;
        int first = dp - view + 1 > 0 ? dp - view + 1 : 0;
        for (int i = 0; i < view && first + i < (int)h->n; i++) {
            int idx = (int)h->n - 1 - (first + i); /* newest at the top */
            char line[512];
            describe(&h->v[idx], line, sizeof line);
            int hl = first + i == (int)h->n - 1 - sel;
            if (hl)
                wattron(win, term_attr(TUI_C_SEL, A_REVERSE));
            mvwhline(win, 1 + i, 1, ' ', cols - 2);
            text_put(win, 1 + i, 2, line, cols - 4);
            if (hl)
                wattroff(win, term_attr(TUI_C_SEL, A_REVERSE));
        }
        wrefresh(win);
        wint_t ch;
        int kind = term_getkey(win, &ch, TUI_TICK_MS);
        delwin(win);
        touchwin(stdscr);
        if (kind == ERR)
            continue;
        if (kind == KEY_CODE_YES && ch == KEY_RESIZE) {
            ungetch(KEY_RESIZE);
            return -1;
        }
        if (kind == OK && (ch == 27 || ch == 17 || ch == 'q'))
            return -1;
        if (h->n == 0)
            continue;
        /* the list shows newest first, so Up means a newer segment (higher index) */
        if (kind == KEY_CODE_YES && ch == KEY_UP && sel < (int)h->n - 1)
            sel++;
        else if (kind == KEY_CODE_YES && ch == KEY_DOWN && sel > 0)
            sel--;
        else if ((kind == OK && (ch == '\r' || ch == '\n')) || (kind == KEY_CODE_YES && ch == KEY_ENTER))
            return sel;
        else if ((kind == KEY_CODE_YES && ch == KEY_F(5)) || (kind == OK && ch == 20)) {
            *translate = 1;
            return sel;
        }
    }
}
