/* The settings screen of `tolk tui` (F7): a modal list of generation settings. Up/Down choose a
 * row, Left/Right step a number or cycle a choice, typing replaces a number or edits a path, Enter
 * applies everything, Esc leaves the settings as they were. */
#include <config.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

const char *const tui_spec_names[] = {"off", "draft", "ngram", "self", NULL}; /* TOLK_SPEC_* order */

enum { ROW_NUM, ROW_CHOICE, ROW_TEXT };

typedef struct row {
    const char *label, *hint;
    int kind;
    double lo, hi, step; /* ROW_NUM */
    int decimals;        /* ROW_NUM: digits after the point */
    const char *const *choices; /* ROW_CHOICE, NULL-terminated */
} row;

/* The editable copy of every row's value, as text while typing and as numbers otherwise. */
typedef struct form {
    double num[8];
    int choice[8];
    char text[8][TUI_PATH_MAX];
    char typed[8][32]; /* a number being typed; empty when not typing */
} form;

static const row *rows_for(int spec, int *n)
{
    static const row base[] = {
        {"Temperature", "0 = greedy", ROW_NUM, 0, 2, 0.05, 2, NULL},
        {"Top-p", "1 = off", ROW_NUM, 0.05, 1, 0.05, 2, NULL},
        {"Top-k", "0 = off", ROW_NUM, 0, 1000, 5, 0, NULL},
        {"Max tokens per segment", "", ROW_NUM, 16, 8192, 64, 0, NULL},
        {"Speculative decoding", "Left/Right", ROW_CHOICE, 0, 0, 0, 0, tui_spec_names},
        {"Draft model (GGUF)", "for 'draft'", ROW_TEXT, 0, 0, 0, 0, NULL},
    };
    *n = spec ? 6 : 4;
    return base;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void load(form *f, const tui_settings *s)
{
    memset(f, 0, sizeof *f);
    f->num[0] = s->temp;
    f->num[1] = s->top_p;
    f->num[2] = s->top_k;
    f->num[3] = s->n_predict;
    f->choice[4] = s->spec_mode;
    snprintf(f->text[5], sizeof f->text[5], "%s", s->draft_path);
}

static void store(const form *f, tui_settings *s)
{
    s->temp = (float)f->num[0];
    s->top_p = (float)f->num[1];
    s->top_k = (int)(f->num[2] + 0.5);
    s->n_predict = (int)(f->num[3] + 0.5);
    s->spec_mode = f->choice[4];
    snprintf(s->draft_path, sizeof s->draft_path, "%s", f->text[5]);
}

/* Ends typing in row I: a number in range replaces the value; returns 0, or -1 when what was
 * typed is not a number (the old value stays). */
static int commit_typed(form *f, const row *r, int i)
{
    if (!f->typed[i][0])
        return 0;
    char *end;
    double v = strtod(f->typed[i], &end);
    int bad = *end != '\0' || v < r[i].lo || v > r[i].hi;
    if (!bad)
        f->num[i] = v;
    f->typed[i][0] = '\0';
    return bad ? -1 : 0;
}

static void draw_form(WINDOW *win, const row *r, int n, const form *f, int sel, const char *note, int cols)
{
    werase(win);
    box(win, 0, 0);
    wattron(win, A_BOLD);
    mvwaddnstr(win, 0, 2, " Settings: Up/Down, Left/Right or type, Enter apply, Esc cancel ", cols - 4);
    wattroff(win, A_BOLD);
    for (int i = 0; i < n; i++) {
        char val[TUI_PATH_MAX + 8];
        if (r[i].kind == ROW_NUM && f->typed[i][0])
            snprintf(val, sizeof val, "%s_", f->typed[i]);
        else if (r[i].kind == ROW_NUM)
            snprintf(val, sizeof val, "%.*f", r[i].decimals, f->num[i]);
        else if (r[i].kind == ROW_CHOICE)
            snprintf(val, sizeof val, "< %s >", r[i].choices[f->choice[i]]);
        else
            snprintf(val, sizeof val, "%s%s", f->text[i], i == sel ? "_" : "");
        int hl = i == sel;
        if (hl)
            wattron(win, term_attr(TUI_C_SEL, A_REVERSE));
        mvwhline(win, 2 + i, 1, ' ', cols - 2);
        char label[64];
        snprintf(label, sizeof label, "%-24s %-14s ", r[i].label, r[i].hint);
        int used = text_put(win, 2 + i, 2, label, cols - 4);
        /* a path too long for the box shows its end, the part that tells files apart */
        int room = cols - 4 - used;
        size_t len = strlen(val);
        const char *shown = val;
        if (room > 4 && len > (size_t)room) {
            shown = val + len - (size_t)(room - 3);
            while (((unsigned char)*shown & 0xC0) == 0x80)
                shown++; /* not in the middle of a UTF-8 character */
            used += text_put(win, 2 + i, 2 + used, "...", room);
            room -= 3;
        }
        text_put(win, 2 + i, 2 + used, shown, room);
        if (hl)
            wattroff(win, term_attr(TUI_C_SEL, A_REVERSE));
    }
    if (note && note[0])
        text_put(win, 3 + n, 2, note, cols - 4);
}

int settings_edit(tui_settings *s, int spec_available)
{
    int n;
    const row *r = rows_for(spec_available, &n);
    form f;
    load(&f, s);
    int sel = 0;
    char note[128] = "";
    for (;;) {
        if (term_quit_requested())
            return 0;
        int h = n + 5, w = COLS - 4 < 76 ? COLS - 4 : 76;
        if (LINES < h + 1 || w < 50)
            return 0; /* the caller says the terminal is too small */
        WINDOW *win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
        if (!win)
            return 0;
        keypad(win, TRUE);
        draw_form(win, r, n, &f, sel, note, w);
        wrefresh(win);
        wint_t ch;
        int kind = term_getkey(win, &ch, TUI_TICK_MS);
        delwin(win);
        touchwin(stdscr);
        if (kind == ERR)
            continue;
        int is_key = kind == KEY_CODE_YES;
        const row *cur = &r[sel];
        if (is_key && ch == KEY_RESIZE) {
            ungetch(KEY_RESIZE);
            return 0;
        }
        if (!is_key && (ch == 27 || ch == 17))
            return 0;
        if ((!is_key && (ch == '\r' || ch == '\n')) || (is_key && ch == KEY_ENTER)) {
            if (commit_typed(&f, r, sel)) {
                snprintf(note, sizeof note, "%s: type a number from %g to %g", cur->label, cur->lo, cur->hi);
                continue;
            }
            store(&f, s);
            return 1;
        }
        if (is_key && (ch == KEY_UP || ch == KEY_DOWN)) {
            if (commit_typed(&f, r, sel))
                snprintf(note, sizeof note, "%s: not a number in range, kept the old value", cur->label);
            else
                note[0] = '\0';
            sel = (sel + (ch == KEY_UP ? n - 1 : 1)) % n;
            continue;
        }
        int left = is_key && ch == KEY_LEFT, right = is_key && ch == KEY_RIGHT;
        int backspace = (is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8));
        if (cur->kind == ROW_NUM && (left || right)) {
            commit_typed(&f, r, sel);
            f.num[sel] = clampd(f.num[sel] + (right ? cur->step : -cur->step), cur->lo, cur->hi);
        } else if (cur->kind == ROW_NUM && backspace) {
            size_t l = strlen(f.typed[sel]);
            if (l)
                f.typed[sel][l - 1] = '\0';
        } else if (cur->kind == ROW_NUM && !is_key && ((ch >= '0' && ch <= '9') || ch == '.')) {
            size_t l = strlen(f.typed[sel]);
            if (l + 1 < sizeof f.typed[sel]) {
                f.typed[sel][l] = (char)ch;
                f.typed[sel][l + 1] = '\0';
            }
        } else if (cur->kind == ROW_CHOICE && (left || right)) {
            int k = 0;
            while (cur->choices[k])
                k++;
            f.choice[sel] = (f.choice[sel] + (right ? 1 : k - 1)) % k;
        } else if (cur->kind == ROW_TEXT && backspace) {
            size_t l = strlen(f.text[sel]);
            while (l && ((unsigned char)f.text[sel][l - 1] & 0xC0) == 0x80)
                l--; /* drop a whole UTF-8 character */
            if (l)
                l--;
            f.text[sel][l] = '\0';
        } else if (cur->kind == ROW_TEXT && !is_key && ch >= 32 && ch != 127) {
            size_t l = strlen(f.text[sel]), k;
            wchar_t one = (wchar_t)ch;
            char *u = text_to_utf8(&one, 1, &k);
            if (u && l + k < sizeof f.text[sel]) {
                memcpy(f.text[sel] + l, u, k + 1);
            }
            free(u);
        }
    }
}
