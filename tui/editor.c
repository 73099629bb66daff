/* The source pane's editor: a wide-character buffer with a cursor, edited key by key (arrows,
 * Home/End, Backspace/Delete, Enter) and drawn wrapped, scrolled so the cursor stays visible. The
 * cursor moves over, and Backspace/Delete remove, a base character together with its combining
 * marks, so it never sits inside one screen cell. */
#include <config.h>

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "tui.h"

/* Far more than anyone pastes into one segment; keeps the wrap walk cheap at 20 Hz. */
#define EDITOR_MAX_CHARS (1u << 20)

void editor_free(tui_editor *e)
{
    free(e->buf);
    memset(e, 0, sizeof *e);
}

static int reserve(tui_editor *e, size_t need)
{
    if (need > EDITOR_MAX_CHARS)
        return -1;
    if (need <= e->cap)
        return 0;
    size_t cap = e->cap ? e->cap : 256;
    while (cap < need)
        cap *= 2;
    wchar_t *b = realloc(e->buf, cap * sizeof *b);
    if (!b)
        return -1;
    e->buf = b;
    e->cap = cap;
    return 0;
}

int editor_set_utf8(tui_editor *e, const char *s, size_t len)
{
    size_t n;
    wchar_t *w = text_from_utf8(s, len, &n);
    if (!w || reserve(e, n + 1)) {
        free(w);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] != L'\r')
            e->buf[k++] = w[i];
    free(w);
    e->len = k;
    e->cur = k;
    e->top = 0;
    return 0;
}

char *editor_utf8(const tui_editor *e, size_t *len)
{
    return text_to_utf8(e->buf ? e->buf : L"", e->len, len);
}

static int insert(tui_editor *e, wchar_t c)
{
    if (reserve(e, e->len + 1))
        return 0; /* full or out of memory: the key is dropped, nothing breaks */
    memmove(e->buf + e->cur + 1, e->buf + e->cur, (e->len - e->cur) * sizeof *e->buf);
    e->buf[e->cur++] = c;
    e->len++;
    return 1;
}

/* Start of the character cell before POS, and end of the one at POS. */
static size_t cell_before(const tui_editor *e, size_t pos)
{
    if (pos == 0)
        return 0;
    pos--;
    while (pos > 0 && text_is_mark(e->buf[pos]))
        pos--;
    return pos;
}

static size_t cell_after(const tui_editor *e, size_t pos)
{
    if (pos >= e->len)
        return e->len;
    pos++;
    while (pos < e->len && text_is_mark(e->buf[pos]))
        pos++;
    return pos;
}

/* Removes buf[from, to). */
static void erase_range(tui_editor *e, size_t from, size_t to)
{
    memmove(e->buf + from, e->buf + to, (e->len - to) * sizeof *e->buf);
    e->len -= to - from;
}

static size_t line_start(const tui_editor *e, size_t pos)
{
    while (pos > 0 && e->buf[pos - 1] != L'\n')
        pos--;
    return pos;
}

static size_t line_end(const tui_editor *e, size_t pos)
{
    while (pos < e->len && e->buf[pos] != L'\n')
        pos++;
    return pos;
}

/* Moves the cursor one wrapped row up or down, keeping its column. */
static void move_vertical(tui_editor *e, int dir, int width)
{
    int r, c;
    text_locate(e->buf, e->len, e->cur, width, &r, &c);
    if (r + dir < 0) {
        e->cur = 0;
        return;
    }
    int lr, lc;
    text_locate(e->buf, e->len, e->len, width, &lr, &lc);
    if (r + dir > lr) {
        e->cur = e->len;
        return;
    }
    e->cur = text_index_at(e->buf, e->len, r + dir, c, width);
    while (e->cur < e->len && text_is_mark(e->buf[e->cur]))
        e->cur++; /* never between a character and its marks */
}

int editor_key(tui_editor *e, int is_key, wint_t ch, int width)
{
    if (width < 1)
        width = 1;
    if (!is_key) {
        if (ch == L'\r' || ch == L'\n')
            return insert(e, L'\n');
        if (ch == L'\t')
            return insert(e, L' ');
        if (ch == 127 || ch == 8)
            return editor_key(e, 1, KEY_BACKSPACE, width);
        if (ch < 32 || ch == 0x7F || (ch >= 0x80 && ch < 0xA0))
            return -1; /* other control characters are commands, not text */
        if (!iswprint(ch) && wcwidth((wchar_t)ch) < 0)
            return insert(e, 0xFFFD);
        return insert(e, (wchar_t)ch);
    }
    switch (ch) {
    case KEY_LEFT:
        e->cur = cell_before(e, e->cur);
        return 0;
    case KEY_RIGHT:
        e->cur = cell_after(e, e->cur);
        return 0;
    case KEY_UP:
        move_vertical(e, -1, width);
        return 0;
    case KEY_DOWN:
        move_vertical(e, 1, width);
        return 0;
    case KEY_HOME:
        e->cur = line_start(e, e->cur);
        return 0;
    case KEY_END:
        e->cur = line_end(e, e->cur);
        return 0;
    case KEY_PPAGE:
        for (int i = 0; i < 5; i++)
            move_vertical(e, -1, width);
        return 0;
    case KEY_NPAGE:
        for (int i = 0; i < 5; i++)
            move_vertical(e, 1, width);
        return 0;
    case KEY_BACKSPACE: {
        if (e->cur == 0)
            return 0;
        size_t from = cell_before(e, e->cur);
        erase_range(e, from, e->cur);
        e->cur = from;
        return 1;
    }
    case KEY_DC:
        if (e->cur >= e->len)
            return 0;
        erase_range(e, e->cur, cell_after(e, e->cur));
        return 1;
    case KEY_ENTER:
        return insert(e, L'\n');
    default:
        return -1;
    }
}

void editor_draw(tui_editor *e, int y0, int rows, int width, int focus)
{
    if (rows < 1 || width < 1)
        return;
    int r, c;
    text_locate(e->buf, e->len, e->cur, width, &r, &c);
    if (r < e->top)
        e->top = r;
    if (r >= e->top + rows)
        e->top = r - rows + 1;
    text_draw_marked(stdscr, y0, 0, rows, width, e->buf, e->len, e->top, e->mark, e->mark_attr);
    if (focus)
        move(y0 + r - e->top, c);
}
