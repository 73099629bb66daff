/* Language picker (type to filter a list of common ISO 639-1 codes and English names, Up/Down,
 * Enter) and the help screen; both are modal boxes over the main layout. */
#include <config.h>

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tui.h"

typedef struct lang {
    const char *code, *name;
} lang;

static const lang langs[] = {
    {"ar", "Arabic"},     {"bg", "Bulgarian"},  {"bn", "Bengali"},    {"ca", "Catalan"},
    {"cs", "Czech"},      {"da", "Danish"},     {"de", "German"},     {"el", "Greek"},
    {"en", "English"},    {"es", "Spanish"},    {"et", "Estonian"},   {"fa", "Persian"},
    {"fi", "Finnish"},    {"fr", "French"},     {"ga", "Irish"},      {"he", "Hebrew"},
    {"hi", "Hindi"},      {"hr", "Croatian"},   {"hu", "Hungarian"},  {"id", "Indonesian"},
    {"is", "Icelandic"},  {"it", "Italian"},    {"ja", "Japanese"},   {"ko", "Korean"},
    {"lt", "Lithuanian"}, {"lv", "Latvian"},    {"ms", "Malay"},      {"mt", "Maltese"},
    {"nl", "Dutch"},      {"no", "Norwegian"},  {"pl", "Polish"},     {"pt", "Portuguese"},
    {"ro", "Romanian"},   {"ru", "Russian"},    {"sk", "Slovak"},     {"sl", "Slovenian"},
    {"sr", "Serbian"},    {"sv", "Swedish"},    {"sw", "Swahili"},    {"ta", "Tamil"},
    {"th", "Thai"},       {"tr", "Turkish"},    {"uk", "Ukrainian"},  {"ur", "Urdu"},
    {"vi", "Vietnamese"}, {"zh", "Chinese"},
};
#define N_LANGS (int)(sizeof langs / sizeof langs[0])

const char *lang_name(const char *code)
{
    for (int i = 0; i < N_LANGS; i++)
        if (!strcasecmp(langs[i].code, code))
            return langs[i].name;
    return code;
}

static int matches(const lang *l, const char *q)
{
    return !q[0] || strcasestr(l->code, q) || strcasestr(l->name, q);
}

int lang_pick(const char *title, const char *current, char *out, size_t outsize)
{
    char query[32] = "";
    int sel = 0;
    for (int i = 0, k = 0; i < N_LANGS; i++, k++)
        if (!strcasecmp(langs[i].code, current))
            sel = k;
    for (;;) {
        if (term_quit_requested())
            return 0;
        int shown[N_LANGS], n = 0;
        for (int i = 0; i < N_LANGS; i++)
            if (matches(&langs[i], query))
                shown[n++] = i;
        if (sel >= n)
            sel = n ? n - 1 : 0;
        int rows = LINES - 4 < 20 ? LINES - 4 : 20, cols = 44;
        if (rows < 5 || COLS < cols + 2)
            return 0;
        WINDOW *win = newwin(rows, cols, 2, (COLS - cols) / 2);
        if (!win)
            return 0;
        keypad(win, TRUE);
        werase(win);
        box(win, 0, 0);
        wattron(win, A_BOLD);
        mvwprintw(win, 0, 2, " %s ", title);
        wattroff(win, A_BOLD);
        mvwprintw(win, 1, 2, "Search: %s_", query);
        int view = rows - 3, first = sel - view + 1 > 0 ? sel - view + 1 : 0;
        if (n == 0)
            mvwaddstr(win, 2, 2, "(not in the list: Enter tries it as typed)");
        for (int i = 0; i < view && first + i < n; i++) {
            const lang *l = &langs[shown[first + i]];
            int hl = first + i == sel;
            if (hl)
                wattron(win, term_attr(TUI_C_SEL, A_REVERSE));
            mvwprintw(win, 2 + i, 2, "%-5s %-34s", l->code, l->name);
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
        size_t ql = strlen(query);
        if (kind == KEY_CODE_YES) {
            if (ch == KEY_RESIZE) {
                ungetch(KEY_RESIZE);
                return 0;
            } else if (ch == KEY_UP && sel > 0) {
                sel--;
            } else if (ch == KEY_DOWN && sel + 1 < n) {
                sel++;
            } else if (ch == KEY_BACKSPACE && ql) {
                query[ql - 1] = '\0';
            } else if (ch == KEY_ENTER && (n || ql)) {
                snprintf(out, outsize, "%s", n ? langs[shown[sel]].code : query);
                return 1;
            }
        } else if (ch == 27 || ch == 17) {
            return 0;
        } else if (ch == '\t') {
            return 2; /* the caller switches between the source and target picker */
        } else if (ch == '\r' || ch == '\n') {
            if (!n && !ql)
                continue;
            /* no match: the typed text may still be a code or name the model's prompts know
             * (pt-BR, Welsh); the caller checks it */
            snprintf(out, outsize, "%s", n ? langs[shown[sel]].code : query);
            return 1;
        } else if ((ch == 127 || ch == 8) && ql) {
            query[ql - 1] = '\0';
        } else if (ch < 128 && ch >= 32 && ql + 1 < sizeof query && ql + 1 < outsize) {
            query[ql] = (char)ch; /* names and codes are ASCII ("Church Slavonic" has a space) */
            query[ql + 1] = '\0';
            sel = 0;
        }
    }
}

static const char *const help_lines[] = {
    "F5, Ctrl-T   translate the source pane",
    "Esc          cancel a running translation at once",
    "F2, Ctrl-E   pick the target language (Tab: source)",
    "F3, Ctrl-W   swap source and target languages",
    "F4, Ctrl-R   history: Enter reopens a segment, F5",
    "             reopens and translates it again",
    "F6, Ctrl-Y   copy the translation (OSC 52 clipboard)",
    "F7, Ctrl-P   settings: temperature, top-p, top-k, length,",
    "             speculative decoding and its draft model",
    "F8, F9       with --tm: next TM match, insert it",
    "Ctrl-J       (Ctrl-Enter) confirm the translation to the TM",
    "Ctrl-N       new segment (empty panes)",
    "Ctrl-O       save the session to ~/tolk-session-*.txt",
    "Ctrl-L       redraw the screen",
    "F1, Ctrl-G   this help        Ctrl-Q, Ctrl-C  quit",
    "",
    "Arrows, Home/End, PgUp/PgDn, Backspace, Delete and",
    "Enter edit the source; Tab moves them to the",
    "translation pane to scroll it, and back. Text and",
    "translations are autosaved for the next start.",
    "",
    "Press any key to close.",
};

void help_show(void)
{
    int n = (int)(sizeof help_lines / sizeof help_lines[0]);
    int rows = n + 2, cols = 62;
    if (LINES < rows + 1 || COLS < cols)
        rows = LINES - 1 < rows ? LINES - 1 : rows, cols = COLS < cols ? COLS : cols;
    if (rows < 3 || cols < 10)
        return;
    WINDOW *win = newwin(rows, cols, (LINES - rows) / 2, (COLS - cols) / 2);
    if (!win)
        return;
    keypad(win, TRUE);
    for (;;) {
        werase(win);
        box(win, 0, 0);
        wattron(win, A_BOLD);
        mvwaddstr(win, 0, 2, " tolk tui: keys ");
        wattroff(win, A_BOLD);
        for (int i = 0; i < n && i < rows - 2; i++)
            mvwaddnstr(win, 1 + i, 2, help_lines[i], cols - 4);
        wrefresh(win);
        wint_t ch;
        int kind = term_getkey(win, &ch, TUI_TICK_MS);
        if (term_quit_requested() || (kind == KEY_CODE_YES && ch == KEY_RESIZE)) {
            if (kind == KEY_CODE_YES)
                ungetch(KEY_RESIZE);
            break;
        }
        if (kind != ERR)
            break;
    }
    delwin(win);
    touchwin(stdscr);
}
