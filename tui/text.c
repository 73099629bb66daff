/* Text helpers for the TUI: a strict UTF-8 decoder (bad bytes become U+FFFD so pasted garbage
 * never reaches curses), the encoder back, and the one word-wrapped layout of both panes (rows,
 * cursor positions, drawing) where every cell is one base character plus its combining marks,
 * written with wadd_wch. */
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

int text_is_mark(wchar_t c)
{
    return wcwidth(c) == 0 && iswprint((wint_t)c);
}

size_t text_cell(const wchar_t *w, size_t n, size_t i, int *cw)
{
    int c = text_width(w[i]);
    *cw = c > 0 ? c : 1; /* a mark with no base, or a zero-width unprintable, is shown on a space */
    for (i++; i < n && text_is_mark(w[i]); i++)
        ;
    return i;
}

/* Characters no row starts with (closing punctuation: French "avant ?" keeps its "?"), and ones
 * no row ends with (opening punctuation); both Latin and CJK. */
static const wchar_t no_row_start[] = L".,;:!?%)]}\u00bb\u3001\u3002\u3009\u300b\u300d\u300f\u3011\u3015"
                                      L"\u30fb\u30fc\uff01\uff09\uff0c\uff0e\uff1a\uff1b\uff1f\uff3d\uff5d";
static const wchar_t no_row_end[] = L"([{\u00ab\u3008\u300a\u300c\u300e\u3010\u3014\uff08\uff3b\uff5b";

static int one_of(const wchar_t *set, wchar_t c)
{
    return c && wcschr(set, c);
}

/* Whether a row may end before the cell of C (width CW) that follows the cell of PREV (width
 * PREV_W), WORD being the last character before PREV's run of spaces: after a space, or next to a
 * wide (CJK) character, which needs no spaces between words. */
static int break_before(wchar_t word, wchar_t prev, int prev_w, wchar_t c, int cw)
{
    if (one_of(no_row_start, c))
        return 0;
    if (prev == L' ' || prev == L'\t')
        return !one_of(no_row_end, word); /* "« oui »" keeps its guillemet */
    if (c == L' ' || c == L'\t' || one_of(no_row_end, prev))
        return 0;
    return prev_w == 2 || cw == 2;
}

size_t text_row(const wchar_t *w, size_t n, size_t start, int width, size_t *end)
{
    int col = 0, prev_w = 0;
    wchar_t prev = 0, word = 0;
    size_t brk = 0; /* the last place the row may end, 0 while there is none */
    size_t i = start;
    while (i < n && w[i] != L'\n') {
        int cw;
        size_t next = text_cell(w, n, i, &cw);
        if (i > start && break_before(word, prev, prev_w, w[i], cw))
            brk = i;
        if (i > start && col + cw > width) {
            if (w[i] == L' ' && !one_of(no_row_end, prev)) { /* spaces at the edge hang past it,
                                                              * unseen, and so does a newline */
                size_t k = i;
                while (k < n && w[k] == L' ')
                    k++;
                if (k == n || w[k] == L'\n' || !one_of(no_row_start, w[k])) {
                    *end = i;
                    return k < n && w[k] == L'\n' ? k + 1 : k;
                }
            }
            *end = brk ? brk : i; /* a word longer than the row breaks where it must */
            return *end;
        }
        col += cw;
        if (prev != L' ' && prev != L'\t')
            word = prev;
        prev = w[i];
        prev_w = cw;
        i = next;
    }
    *end = i;
    return i < n ? i + 1 : n;
}

/* Walks every index 0..n of W wrapped at WIDTH with the screen position of a cursor before it,
 * in order, until AT returns nonzero. A position at or past the right edge (after a full row, on
 * a space that hangs there) shows at the start of the next row. */
static void walk(const wchar_t *w, size_t n, int width, int (*at)(size_t i, int row, int col, void *ctx),
                 void *ctx)
{
#define AT(i, c) ((c) < width ? at(i, r, c, ctx) : at(i, r + 1, 0, ctx))
    size_t s = 0;
    for (int r = 0;; r++) {
        size_t end, next = text_row(w, n, s, width, &end);
        int last = next == s || (next == n && w[n - 1] != L'\n'); /* else a row follows */
        size_t stop = last ? n + 1 : next;
        int c = 0;
        for (size_t i = s; i < stop;) {
            if (i < end) {
                int cw;
                size_t j = text_cell(w, n, i, &cw);
                for (size_t k = i; k < j; k++) /* marks: the cursor shows after their base */
                    if (AT(k, k == i ? c : c + cw))
                        return;
                c += cw;
                i = j;
            } else { /* the newline, or a space hanging past the edge, or the end */
                if (AT(i, c))
                    return;
                c++;
                i++;
            }
        }
        if (last)
            return;
        s = next;
    }
#undef AT
}

struct locate {
    size_t pos;
    int row, col;
};

static int locate_at(size_t i, int row, int col, void *ctx)
{
    struct locate *l = ctx;
    l->row = row;
    l->col = col;
    return i >= l->pos;
}

void text_locate(const wchar_t *w, size_t n, size_t pos, int width, int *row, int *col)
{
    struct locate l = {pos, 0, 0};
    walk(w, n, width < 1 ? 1 : width, locate_at, &l);
    *row = l.row;
    *col = l.col;
}

struct index_at {
    int row, col;
    size_t best;
};

static int index_at_at(size_t i, int row, int col, void *ctx)
{
    struct index_at *x = ctx;
    if (row > x->row || (row == x->row && col > x->col))
        return 1; /* positions only grow from here */
    x->best = i;
    return 0;
}

size_t text_index_at(const wchar_t *w, size_t n, int row, int col, int width)
{
    struct index_at x = {row, col, 0};
    walk(w, n, width < 1 ? 1 : width, index_at_at, &x);
    return x.best;
}

void text_draw(void *vwin, int y0, int x0, int rows, int width, const wchar_t *w, size_t n, int top)
{
    text_draw_marked(vwin, y0, x0, rows, width, w, n, top, NULL, 0);
}

void text_draw_marked(void *vwin, int y0, int x0, int rows, int width, const wchar_t *w, size_t n, int top,
                      const unsigned char *mark, int mark_attr)
{
    WINDOW *win = vwin;
    if (width < 1)
        return;
    size_t s = 0;
    for (int r = 0; r - top < rows; r++) {
        size_t end, next = text_row(w, n, s, width, &end);
        for (size_t i = s, c = 0; r >= top && i < end;) {
            /* one cell: a base character and the combining marks that follow it */
            int cw;
            size_t j = text_cell(w, n, i, &cw);
            wchar_t cell[CCHARW_MAX + 1], base = w[i];
            int k = 0;
            if (base == L'\t' || !iswprint((wint_t)base) || wcwidth(base) < 0)
                base = L'?';
            if (text_width(w[i]) == 0) /* a combining mark with nothing before it: on a space */
                cell[k++] = L' ';
            cell[k++] = base;
            for (size_t m = i + 1; m < j && k < CCHARW_MAX - 1; m++)
                cell[k++] = w[m];
            cell[k] = 0;
            cchar_t cc;
            attr_t at = mark && mark[i] ? (attr_t)mark_attr : A_NORMAL;
            if ((int)c + cw <= width && setcchar(&cc, cell, at, 0, NULL) == OK)
                mvwadd_wch(win, y0 + r - top, x0 + (int)c, &cc);
            c += (size_t)cw;
            i = j;
        }
        if (next >= n)
            break;
        s = next;
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

/* A word for the diff: a run of letters and digits (any non-ASCII byte counts as one). */
static int word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

typedef struct word_span {
    size_t start, end;
} word_span;

static size_t split_words(const char *s, size_t len, word_span *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n < max;) {
        if (!word_byte((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && word_byte((unsigned char)s[j]))
            j++;
        out[n++] = (word_span){i, j};
        i = j;
    }
    return n;
}

int text_diff_words(const char *a, size_t alen, const char *b, size_t blen, unsigned char *mark)
{
    enum { MAXW = 256 };
    memset(mark, 0, alen);
    word_span *wa = malloc(MAXW * sizeof *wa), *wb = malloc(MAXW * sizeof *wb);
    unsigned short *t = malloc((size_t)(MAXW + 1) * (MAXW + 1) * sizeof *t);
    if (!wa || !wb || !t) {
        free(wa);
        free(wb);
        free(t);
        return -1;
    }
    size_t na = split_words(a, alen, wa, MAXW), nb = split_words(b, blen, wb, MAXW);
#define SAME(i, j) (wa[i].end - wa[i].start == wb[j].end - wb[j].start && \
                    !memcmp(a + wa[i].start, b + wb[j].start, wa[i].end - wa[i].start))
#define T(i, j) t[(size_t)(i) * (nb + 1) + (j)]
    /* longest common subsequence of words, from the ends */
    for (size_t i = na + 1; i-- > 0;)
        for (size_t j = nb + 1; j-- > 0;)
            T(i, j) = i == na || j == nb ? 0 : SAME(i, j) ? (unsigned short)(T(i + 1, j + 1) + 1) :
                      T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
    int differ = 0;
    for (size_t i = 0, j = 0; i < na;) {
        if (j < nb && SAME(i, j)) {
            i++;
            j++;
        } else if (j < nb && T(i, j + 1) >= T(i + 1, j)) {
            j++;
        } else {
            memset(mark + wa[i].start, 1, wa[i].end - wa[i].start);
            differ++;
            i++;
        }
    }
#undef SAME
#undef T
    free(wa);
    free(wb);
    free(t);
    return differ;
}
