/* Text helpers for the TUI: a strict UTF-8 decoder (bad bytes become U+FFFD so pasted garbage
 * never reaches curses), the encoder back, and wrapped drawing of wide text where every cell is
 * one base character plus its combining marks, written with wadd_wch. */
#include <config.h>

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "tui.h"

/* Length of the valid UTF-8 sequence at S (max N bytes) and its code point; 0 when invalid. */
static int utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    int need;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        need = 1, min = 0x80, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        need = 2, min = 0x800, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        need = 3, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    if ((size_t)need + 1 > n)
        return 0;
    for (int i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return need + 1;
}

wchar_t *text_from_utf8(const char *s, size_t len, size_t *n)
{
    wchar_t *w = malloc((len + 1) * sizeof *w);
    if (!w)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        int l = utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (l == 0) {
            cp = 0xFFFD;
            l = 1;
        }
        w[k++] = (wchar_t)cp;
        i += (size_t)l;
    }
    w[k] = 0;
    *n = k;
    return w;
}

char *text_to_utf8(const wchar_t *w, size_t n, size_t *len)
{
    char *s = malloc(n * 4 + 1);
    if (!s)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned)w[i];
        if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            c = 0xFFFD;
        if (c < 0x80) {
            s[k++] = (char)c;
        } else if (c < 0x800) {
            s[k++] = (char)(0xC0 | (c >> 6));
            s[k++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            s[k++] = (char)(0xE0 | (c >> 12));
            s[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[k++] = (char)(0x80 | (c & 0x3F));
        } else {
            s[k++] = (char)(0xF0 | (c >> 18));
            s[k++] = (char)(0x80 | ((c >> 12) & 0x3F));
            s[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    s[k] = '\0';
    *len = k;
    return s;
}

int text_width(wchar_t c)
{
    if (c == L'\t')
        return 1;
    int w = wcwidth(c);
    return w < 0 ? 1 : w;
}

void text_advance(wchar_t c, int width, int *row, int *col)
{
    if (c == L'\n') {
        (*row)++;
        *col = 0;
        return;
    }
    int cw = text_width(c);
    if (cw > 0 && *col + cw > width) {
        (*row)++;
        *col = 0;
    }
    *col += cw;
}

void text_locate(const wchar_t *w, size_t n, size_t pos, int width, int *row, int *col)
{
    int r = 0, c = 0;
    for (size_t i = 0; i < pos && i < n; i++)
        text_advance(w[i], width, &r, &c);
    if (c >= width) { /* the cursor after a full row sits at the start of the next one */
        r++;
        c = 0;
    }
    *row = r;
    *col = c;
}

void text_draw(void *vwin, int y0, int x0, int rows, int width, const wchar_t *w, size_t n, int top)
{
    WINDOW *win = vwin;
    int r = 0, c = 0;
    for (size_t i = 0; i < n;) {
        wchar_t base = w[i];
        if (base == L'\n') {
            text_advance(base, width, &r, &c);
            i++;
            continue;
        }
        /* one cell: a base character and the combining marks that follow it */
        wchar_t cell[CCHARW_MAX + 1];
        int k = 0, cw = text_width(base);
        if (base == L'\t' || !iswprint((wint_t)base) || wcwidth(base) < 0)
            base = L'?';
        if (cw == 0) { /* a combining mark with nothing before it: show it on a space */
            cell[k++] = L' ';
            cw = 1;
        }
        cell[k++] = base;
        i++;
        while (i < n && w[i] != L'\n' && wcwidth(w[i]) == 0 && iswprint((wint_t)w[i])) {
            if (k < CCHARW_MAX - 1)
                cell[k++] = w[i];
            i++;
        }
        cell[k] = 0;
        if (c + cw > width) {
            r++;
            c = 0;
        }
        if (r - top >= rows)
            break;
        if (r >= top) {
            cchar_t cc;
            if (setcchar(&cc, cell, A_NORMAL, 0, NULL) == OK)
                mvwadd_wch(win, y0 + r - top, x0 + c, &cc);
        }
        c += cw;
    }
}

int text_put(void *vwin, int y, int x, const char *s, int maxw)
{
    size_t n;
    wchar_t *w = text_from_utf8(s, strlen(s), &n);
    if (!w)
        return 0;
    int used = 0;
    for (size_t i = 0; i < n; i++) {
        int cw = text_width(w[i]);
        if (used + cw > maxw)
            break;
        wchar_t cell[2] = {iswprint((wint_t)w[i]) ? w[i] : L'?', 0};
        cchar_t cc;
        if (setcchar(&cc, cell, A_NORMAL, 0, NULL) == OK)
            mvwadd_wch((WINDOW *)vwin, y, x + used, &cc);
        used += cw;
    }
    free(w);
    return used;
}
