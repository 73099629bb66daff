/* The matches panel of `tolk tui` (docs/TM.md, "The TUI"): under the source pane, the translation
 * memory's best matches for the current source (percent, the words of the match's source that
 * differ from the current source highlighted, the match's target) and the glossary terms found in
 * the source (highlighted there, and checked in the translation: found ones ticked, a missed one
 * marked). F8 picks the next match, F9 puts its target into the translation pane, Ctrl-J (what
 * Ctrl-Enter sends where the terminal tells them apart from Enter) adds the source and the
 * translation shown to the TM, opened for writing just for that. */
#include <config.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

enum { PANEL_ROWS = 4 }; /* header, match source, match target, terms */

int matches_open(app *a, tolk_error *err)
{
    if (a->cfg->tm_path && tolk_tm_open(a->cfg->tm_path, TOLK_TM_READ, &a->tm, err))
        return 1;
    if (a->cfg->glossary_path && tolk_glossary_load(a->cfg->glossary_path, a->from, a->to, &a->gloss, err))
        return 1;
    return 0;
}

int matches_attach(app *a, tolk_session *s, tolk_error *err)
{
    if (a->tm && tolk_session_set_tm(s, a->tm, a->cfg->fuzzy, TOLK_TM_DEFAULT, err))
        return 1;
    return a->gloss && tolk_session_set_glossary(s, a->gloss, err) ? 1 : 0;
}

static void clear_results(app *a)
{
    for (int i = 0; i < a->n_m; i++)
        tolk_tm_match_clear(&a->m[i]);
    a->n_m = a->m_sel = 0;
    free(a->terms);
    a->terms = NULL;
    a->n_terms = 0;
}

void matches_close(app *a)
{
    clear_results(a);
    free(a->m_src);
    free(a->src_mark);
    a->m_src = NULL;
    a->src_mark = NULL;
    a->ed.mark = NULL;
    tolk_tm_close(a->tm);
    tolk_glossary_free(a->gloss);
    a->tm = NULL;
    a->gloss = NULL;
}

int matches_rows(const app *a)
{
    return (a->tm || a->gloss) && LINES >= 18 ? PANEL_ROWS : 0;
}

/* The glossary terms as a highlight of the editor's characters (byte offsets of m_src, the
 * editor's text in UTF-8, counted as characters). */
static void mark_terms(app *a)
{
    free(a->src_mark);
    a->src_mark = NULL;
    a->ed.mark = NULL;
    if (!a->n_terms || !a->ed.len || !(a->src_mark = calloc(a->ed.len, 1)))
        return;
    const char *s = a->m_src;
    size_t len = strlen(s);
    for (int t = 0; t < a->n_terms; t++) {
        size_t ci = 0;
        for (size_t b = 0; b < len && b < a->terms[t].end && ci < a->ed.len; b++) {
            if (((unsigned char)s[b] & 0xC0) == 0x80)
                continue;
            if (b >= a->terms[t].start)
                a->src_mark[ci] = 1;
            ci++;
        }
    }
    a->ed.mark = a->src_mark;
    a->ed.mark_attr = (int)(A_UNDERLINE | A_BOLD);
}

int matches_update(app *a)
{
    if (!a->tm && !a->gloss)
        return 0;
    size_t len;
    char *src = editor_utf8(&a->ed, &len);
    if (!src)
        return 0;
    if (a->m_src && !strcmp(a->m_src, src)) {
        free(src);
        return 0;
    }
    clear_results(a);
    free(a->m_src);
    a->m_src = src;
    tolk_error err = {0};
    int rc = 0;
    if (a->tm && len)
        rc = tolk_tm_lookup(a->tm, a->from[0] ? a->from : NULL, a->to, src, len, a->cfg->fuzzy, a->m, 3, &a->n_m,
                            &err);
    if (!rc && a->gloss && len)
        rc = tolk_glossary_find(a->gloss, src, len, &a->terms, &a->n_terms, &err);
    if (rc)
        app_set_msg(a, 1, "matches: %s", err.msg);
    mark_terms(a);
    return 1;
}

/* Draws UTF-8 TEXT on row Y from column X, the bytes with MARK set in attribute ATTR; returns the
 * column after it. */
static int put_marked(int y, int x, const char *text, const unsigned char *mark, int attr)
{
    size_t len = strlen(text), n;
    wchar_t *w = text_from_utf8(text, len, &n);
    unsigned char *wm = w && mark ? calloc(n + 1, 1) : NULL;
    if (!w)
        return x;
    for (size_t b = 0, ci = 0; wm && b < len && ci < n; b++) {
        if (((unsigned char)text[b] & 0xC0) == 0x80)
            continue;
        wm[ci++] = mark[b];
    }
    for (size_t i = 0; i < n; i++) /* one row: line breaks as spaces */
        if (w[i] == L'\n' || w[i] == L'\t')
            w[i] = L' ';
    int width = COLS - 1 - x;
    if (width > 0)
        text_draw_marked(stdscr, y, x, 1, width, w, n, 0, wm, attr);
    int r, c;
    text_locate(w, n, n, width > 0 ? width : 1, &r, &c);
    free(w);
    free(wm);
    return r > 0 ? COLS - 1 : x + c;
}

void matches_draw(app *a, int y, int rows)
{
    if (rows < PANEL_ROWS)
        return;
    attrset(term_attr(TUI_C_HEADER, A_BOLD) | A_BOLD);
    mvhline(y, 0, ACS_HLINE, COLS);
    text_put(stdscr, y, 2, COLS >= 80 ? " Matches: F8 next  F9 insert  ^J (Ctrl-Enter) confirm to TM " :
                                        " Matches: F8 F9 ^J ", COLS - 4);
    attrset(A_NORMAL);
    if (!a->tm) {
        mvaddstr(y + 1, 1, "no translation memory (--tm FILE)");
    } else if (!a->n_m) {
        mvaddstr(y + 1, 1, a->m_src && a->m_src[0] ? "no TM match" : "");
    } else {
        const tolk_tm_match *m = &a->m[a->m_sel];
        char head[32];
        snprintf(head, sizeof head, "%d/%d %3d%% ", a->m_sel + 1, a->n_m, m->score);
        attrset(A_BOLD);
        mvaddstr(y + 1, 1, head);
        attrset(A_NORMAL);
        size_t sl = strlen(m->source);
        unsigned char *mark = calloc(sl + 1, 1);
        if (mark && a->m_src)
            text_diff_words(m->source, sl, a->m_src, strlen(a->m_src), mark);
        put_marked(y + 1, 1 + (int)strlen(head), m->source, mark, (int)A_REVERSE);
        free(mark);
        mvaddstr(y + 2, 1 + (int)strlen(head) - 3, "-> ");
        put_marked(y + 2, 1 + (int)strlen(head), m->target, NULL, 0);
    }
    int x = 1;
    if (!a->gloss) {
        mvaddstr(y + 3, x, "no glossary (--glossary FILE)");
    } else {
        mvaddstr(y + 3, x, "Terms:");
        x += 6;
        if (!a->n_terms)
            mvaddstr(y + 3, x, " none in the source");
        for (int t = 0; t < a->n_terms && x < COLS - 4; t++) {
            /* checked against the translation shown, once there is one */
            int found = a->tgt_len ? tolk_glossary_contains(a->gloss, a->terms[t].target, a->tgt, a->tgt_len) : -1;
            char item[256];
            snprintf(item, sizeof item, " %s=%s%s", a->terms[t].source, a->terms[t].target,
                     found > 0 ? " ok" : found == 0 ? " MISSED" : "");
            if (found == 0)
                attrset(term_attr(TUI_C_ERR, A_BOLD | A_REVERSE));
            x += text_put(stdscr, y + 3, x, item, COLS - 1 - x);
            attrset(A_NORMAL);
        }
    }
}

void matches_next(app *a)
{
    if (a->n_m > 1)
        a->m_sel = (a->m_sel + 1) % a->n_m;
    else
        app_set_msg(a, 0, "%s", a->n_m ? "this is the only TM match" : "no TM match");
}

void matches_insert(app *a)
{
    if (!a->n_m) {
        app_set_msg(a, 0, "%s", "no TM match to insert");
        return;
    }
    if (worker_busy(a->worker)) {
        app_set_msg(a, 1, "%s", "a translation is running (Esc cancels it)");
        return;
    }
    const char *t = a->m[a->m_sel].target;
    char *copy = strdup(t);
    if (!copy)
        return;
    app_set_target(a, copy, strlen(t));
    a->tgt_top = -1;
    char msg[64];
    snprintf(msg, sizeof msg, "%d%%", a->m[a->m_sel].score);
    app_set_msg(a, 0, "inserted the TM match (%s)", msg);
}

void matches_confirm(app *a)
{
    if (!a->cfg->tm_path) {
        app_set_msg(a, 1, "%s", "no translation memory: start tolk tui with --tm FILE");
        return;
    }
    if (!a->from[0]) {
        app_set_msg(a, 1, "%s", "confirming to the TM needs the source language (F2)");
        return;
    }
    size_t slen;
    char *src = editor_utf8(&a->ed, &slen);
    if (!src || !slen || !a->tgt_len || worker_busy(a->worker)) {
        app_set_msg(a, 1, "%s", worker_busy(a->worker) ? "a translation is running (Esc cancels it)" :
                                "nothing to confirm: a source and its translation are needed");
        free(src);
        return;
    }
    tolk_tm *w = NULL;
    tolk_error err = {0};
    int added = 0;
    if (tolk_tm_open(a->cfg->tm_path, TOLK_TM_WRITE, &w, &err) ||
        tolk_tm_add(w, a->from, a->to, src, slen, a->tgt, a->tgt_len, &added, &err))
        app_set_msg(a, 1, "TM: %s", err.msg);
    else
        app_set_msg(a, 0, "%s", added ? "confirmed: added to the translation memory" :
                                "confirmed: the translation memory already has this pair");
    tolk_tm_close(w);
    free(src);
    free(a->m_src); /* look up again: the pair is a 100% match now */
    a->m_src = NULL;
    matches_update(a);
}
