/* SRT and WebVTT subtitles, read by hand (no Debian library parses both and reports byte
 * offsets): cue numbers, identifiers, timings, settings, NOTE/STYLE/REGION blocks and line ends
 * stay as they are; only cue text is replaced. Cues that split a sentence (their text does not end
 * in sentence punctuation) are merged, up to 6, into one segment whose lines are joined by spaces;
 * the translation is cut back into the cues' lines at the spaces nearest the original proportions,
 * so timings are kept. WebVTT tags (<i>, <c.x>, <v Name>, <00:01.000>) are inline codes. Streamed
 * (doc_stream_by_parse): cues are grouped as they are read, and a window may end wherever no
 * sentence is open. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doc.h"
#include "error.h"

typedef struct sub_line {
    size_t start, end; /* in the original, without the line end */
} sub_line;

typedef struct sub_cue {
    size_t first_line, n_lines; /* into sub_state.lines */
    size_t text_start, text_end;
    const char *eol;
} sub_cue;

typedef struct sub_state {
    sub_line *lines;
    size_t n_lines, cap_lines;
    sub_cue *cues;
    size_t n_cues, cap_cues;
    size_t *group_first; /* per segment: its first cue; the segment's part is the cue count */
    size_t cap_groups;
    size_t n_groups;     /* segments (cue groups) so far */
    size_t grouped;      /* cues in those groups: the ones after it wait for the end of their sentence */
} sub_state;

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static void sub_free(fmt_doc *d)
{
    sub_state *st = d->state;
    if (!st)
        return;
    free(st->lines);
    free(st->cues);
    free(st->group_first);
    free(st);
    d->state = NULL;
}

/* The line starting at *I: [start, end) without "\r\n"/"\n"; *I moves past it. */
static void next_line(const char *p, size_t n, size_t *i, size_t *start, size_t *end, const char **eol)
{
    *start = *i;
    const char *nl = memchr(p + *i, '\n', n - *i);
    size_t e = nl ? (size_t)(nl - p) : n;
    *i = nl ? e + 1 : n;
    *eol = nl ? "\n" : "";
    if (e > *start && p[e - 1] == '\r') {
        e--;
        *eol = nl ? "\r\n" : "\r";
    }
    *end = e;
}

static int blank(const char *p, size_t s, size_t e)
{
    for (; s < e; s++)
        if (p[s] != ' ' && p[s] != '\t')
            return 0;
    return 1;
}

static int has_arrow(const char *p, size_t s, size_t e)
{
    for (; s + 3 <= e; s++)
        if (!memcmp(p + s, "-->", 3))
            return 1;
    return 0;
}

static int starts_with(const char *p, size_t s, size_t e, const char *w)
{
    size_t n = strlen(w);
    return e - s >= n && !memcmp(p + s, w, n) && (e - s == n || p[s + n] == ' ' || p[s + n] == '\t');
}

/* Whether the text line [S, E) (the next line starts at NEXT) starts a cue rather than continuing
 * one: a timing line, or (SRT: a number; WebVTT: any identifier) a line followed by a timing line.
 * Cue text cannot hold "-->", so files that leave out the blank line between cues still parse. */
static int starts_next_cue(const char *p, size_t n, size_t s, size_t e, size_t next, int vtt)
{
    if (has_arrow(p, s, e))
        return 1;
    if (!vtt) {
        for (size_t k = s; k < e; k++)
            if (p[k] < '0' || p[k] > '9')
                return 0;
    }
    size_t ns, ne;
    const char *eol;
    if (next >= n)
        return 0;
    next_line(p, n, &next, &ns, &ne, &eol);
    return has_arrow(p, ns, ne);
}

/* Whether a cue's text ends a sentence (tags and closing quotes looked through). */
static int ends_sentence(const char *p, size_t s, size_t e)
{
    while (e > s) {
        unsigned char c = (unsigned char)p[e - 1];
        if (c == ' ' || c == '\t' || c == '"' || c == '\'' || c == ')') {
            e--;
        } else if (c == '>') {
            while (e > s && p[e - 1] != '<')
                e--;
            e -= e > s;
        } else if (c >= 0x80) {
            /* a few multi-byte enders: … 。 ！ ？ » ” */
            static const char *const enders[] = {"\xe2\x80\xa6", "\xe3\x80\x82", "\xef\xbc\x81", "\xef\xbc\x9f",
                                                 NULL};
            for (int k = 0; enders[k]; k++)
                if (e - s >= 3 && !memcmp(p + e - 3, enders[k], 3))
                    return 1;
            if (e - s >= 2 && (!memcmp(p + e - 2, "\xc2\xbb", 2)))
                e -= 2;
            else if (e - s >= 3 && !memcmp(p + e - 3, "\xe2\x80\x9d", 3))
                e -= 3;
            else
                return 0;
        } else {
            return c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '-';
        }
    }
    return 1;
}

/* Adds the segment for cues [first, first + n): their lines joined by single spaces. */
static int add_group(fmt_doc *d, sub_state *st, size_t first, size_t n, int vtt, size_t *n_groups)
{
    fmt_buf text = {0};
    int rc = 0;
    for (size_t c = first; c < first + n && !rc; c++)
        for (size_t l = 0; l < st->cues[c].n_lines && !rc; l++) {
            const sub_line *ln = &st->lines[st->cues[c].first_line + l];
            rc = (text.n && fbuf_addc(&text, ' ')) || fbuf_add(&text, d->data + ln->start, ln->end - ln->start);
        }
    fmt_seg *s = rc ? NULL : doc_add_seg(d, text.p ? text.p : "", text.n, st->cues[first].text_start,
                                         st->cues[first].text_start);
    if (s) {
        s->group = (int)*n_groups;
        s->part = (int)n;
        /* WebVTT tags become codes; SRT files often carry <i> and <font> too. A start tag and the
         * end tag of its name that closes it (<c.yellow> .. </c>) are a pair, kept in order. */
        int open_code[32];
        size_t open_name[32], open_len[32], n_open = 0;
        for (size_t i = 0; i < s->src_len && !rc; i++) {
            if (s->src[i] != '<')
                continue;
            const char *close = memchr(s->src + i, '>', s->src_len - i);
            if (!close)
                break;
            size_t e = (size_t)(close - s->src) + 1;
            int idx = seg_add_code(s, i, e);
            rc = idx < 0;
            int closing = i + 1 < e && s->src[i + 1] == '/';
            size_t ns = i + 1 + (size_t)closing, ne = ns;
            while (ne < e - 1 && s->src[ne] != '.' && s->src[ne] != ' ' && s->src[ne] != '\t' && s->src[ne] != '/')
                ne++;
            int named = ne > ns && ((s->src[ns] >= 'a' && s->src[ns] <= 'z') || (s->src[ns] >= 'A' && s->src[ns] <= 'Z'));
            if (!rc && named && closing && n_open && open_len[n_open - 1] == ne - ns &&
                !strncasecmp(s->src + open_name[n_open - 1], s->src + ns, ne - ns)) {
                n_open--;
                s->codes[idx].pair = open_code[n_open];
                s->codes[open_code[n_open]].pair = idx;
                s->codes[open_code[n_open]].opens = 1;
            } else if (!rc && named && !closing && s->src[e - 2] != '/' && n_open < 32) {
                open_code[n_open] = idx;
                open_name[n_open] = ns;
                open_len[n_open++] = ne - ns;
            }
            i = e - 1;
        }
        (void)vtt;
    }
    fbuf_free(&text);
    if (rc || !s || grow((void **)&st->group_first, &st->cap_groups, *n_groups, sizeof(size_t)))
        return -1;
    return 0;
}

/* Groups the cues read so far into sentences, as far as they are known: a group ends at a cue that
 * ends a sentence or after 6 cues; at the END of the file the last cues are a group anyway. */
static int group_cues(fmt_doc *d, sub_state *st, int vtt, int end)
{
    const char *p = d->data;
    while (st->grouped < st->n_cues) {
        size_t c = st->grouped, k = 1;
        while (c + k < st->n_cues && k < 6 &&
               !ends_sentence(p, st->cues[c + k - 1].text_start, st->cues[c + k - 1].text_end))
            k++;
        if (!end && k < 6 && !ends_sentence(p, st->cues[c + k - 1].text_start, st->cues[c + k - 1].text_end))
            return 0; /* the sentence may go on in cues not read yet */
        if (add_group(d, st, c, k, vtt, &st->n_groups))
            return -1;
        st->group_first[st->n_groups++] = c;
        st->grouped += k;
    }
    return 0;
}

/* After a window: its cues, lines and groups are gone (every cue read was in a group). */
static void sub_drop_window(fmt_doc *d)
{
    sub_state *st = d->state;
    if (st)
        st->n_lines = st->n_cues = st->n_groups = st->grouped = 0;
}

static int sub_parse(fmt_doc *d, int vtt, tolk_error *err)
{
    sub_state *st = calloc(1, sizeof *st);
    if (!st)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    d->state = st;
    const char *p = d->data;
    size_t n = d->len, i = 0, s, e;
    const char *eol;
    if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        i = 3;
    if (vtt) {
        next_line(p, n, &i, &s, &e, &eol);
        if (e - s < 6 || memcmp(p + s, "WEBVTT", 6) || (e - s > 6 && p[s + 6] != ' ' && p[s + 6] != '\t'))
            return error_set(err, TOLK_E_FORMAT, "line 1: a WebVTT file starts with \"WEBVTT\"");
        while (i < n) { /* the rest of the header block */
            next_line(p, n, &i, &s, &e, &eol);
            if (blank(p, s, e))
                break;
        }
    }
    while (i < n) {
        size_t block = i;
        if (st->grouped == st->n_cues) { /* no sentence open: a window may end here */
            int rc = doc_window_point(d, block, err);
            if (rc)
                return rc;
        }
        next_line(p, n, &i, &s, &e, &eol);
        if (blank(p, s, e))
            continue;
        if (vtt && (starts_with(p, s, e, "NOTE") || starts_with(p, s, e, "STYLE") ||
                    starts_with(p, s, e, "REGION"))) {
            while (i < n) {
                next_line(p, n, &i, &s, &e, &eol);
                if (blank(p, s, e))
                    break;
            }
            continue;
        }
        if (!has_arrow(p, s, e)) { /* a cue number or identifier, then the timing */
            if (i >= n)
                return error_set(err, TOLK_E_FORMAT, "line %zu: a cue without a timing line (\"-->\")",
                                 doc_line_at(d, block));
            next_line(p, n, &i, &s, &e, &eol);
            if (!has_arrow(p, s, e))
                return error_set(err, TOLK_E_FORMAT, "line %zu: expected a timing line with \"-->\"",
                                 doc_line_at(d, s));
        }
        if (grow((void **)&st->cues, &st->cap_cues, st->n_cues, sizeof *st->cues))
            return error_set(err, TOLK_E_NOMEM, "out of memory");
        sub_cue *c = &st->cues[st->n_cues];
        *c = (sub_cue){.first_line = st->n_lines, .text_start = i, .text_end = i, .eol = "\n"};
        while (i < n) {
            size_t line_at = i;
            next_line(p, n, &i, &s, &e, &eol);
            if (blank(p, s, e))
                break;
            if (starts_next_cue(p, n, s, e, i, vtt)) {
                i = line_at; /* the next cue, with no blank line before it (files in the wild) */
                break;
            }
            if (grow((void **)&st->lines, &st->cap_lines, st->n_lines, sizeof *st->lines))
                return error_set(err, TOLK_E_NOMEM, "out of memory");
            st->lines[st->n_lines++] = (sub_line){s, e};
            c->n_lines++;
            c->text_end = e;
            if (*eol)
                c->eol = eol;
        }
        if (c->n_lines)
            st->n_cues++;
        if (group_cues(d, st, vtt, 0))
            return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    if (group_cues(d, st, vtt, 1))
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    return TOLK_OK;
}

static int srt_parse(fmt_doc *d, tolk_error *err)
{
    return sub_parse(d, 0, err);
}

static int vtt_parse(fmt_doc *d, tolk_error *err)
{
    return sub_parse(d, 1, err);
}

/* Where to cut TEXT[0..n) near TARGET: a space outside <tags> nearest to it (returned; *SKIP = 1),
 * else a UTF-8 boundary (*SKIP = 0). FROM is the earliest allowed cut. */
static size_t cut_near(const char *t, size_t n, size_t from, size_t target, int *skip)
{
    size_t best = (size_t)-1, best_d = (size_t)-1;
    int in_tag = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '<')
            in_tag = 1;
        else if (t[i] == '>')
            in_tag = 0;
        else if (t[i] == ' ' && !in_tag && i >= from) {
            size_t dist = i > target ? i - target : target - i;
            if (dist < best_d) {
                best_d = dist;
                best = i;
            }
        }
    }
    if (best != (size_t)-1) {
        *skip = 1;
        return best;
    }
    *skip = 0;
    size_t i = target < from ? from : target > n ? n : target;
    while (i < n && ((unsigned char)t[i] & 0xc0) == 0x80)
        i++;
    return i;
}

static int sub_render(fmt_doc *d, tolk_error *err)
{
    (void)err;
    sub_state *st = d->state;
    for (size_t g = 0; g < d->n_segs; g++) {
        const fmt_seg *s = &d->segs[g];
        if (s->status != SEG_TRANSLATED)
            continue;
        size_t first = st->group_first[s->group], n_cues = (size_t)s->part;
        size_t first_line = st->cues[first].first_line, n_lines = 0, old_total = 0;
        for (size_t c = first; c < first + n_cues; c++)
            n_lines += st->cues[c].n_lines;
        for (size_t l = 0; l < n_lines; l++)
            old_total += st->lines[first_line + l].end - st->lines[first_line + l].start + (l > 0);
        /* cut the translation into n_lines pieces */
        size_t *cut = malloc((n_lines + 1) * sizeof *cut), *next = malloc((n_lines + 1) * sizeof *next);
        if (!cut || !next) {
            free(cut);
            free(next);
            return -1;
        }
        const char *t = s->out;
        size_t tn = s->out_len, at = 0, old_cum = 0;
        for (size_t l = 0; l + 1 < n_lines; l++) {
            old_cum += st->lines[first_line + l].end - st->lines[first_line + l].start + (l > 0);
            size_t target = old_total ? (size_t)((double)old_cum * (double)tn / (double)old_total) : tn;
            if (tn == old_total)
                target = old_cum;
            int skip;
            size_t c = cut_near(t, tn, at, target, &skip);
            cut[l] = c;
            next[l] = c + (size_t)skip;
            at = next[l] < tn ? next[l] : tn;
        }
        cut[n_lines - 1] = tn;
        int rc = 0;
        size_t from = 0, l = 0;
        for (size_t c = first; c < first + n_cues && !rc; c++) {
            const sub_cue *cue = &st->cues[c];
            fmt_buf b = {0};
            for (size_t k = 0; k < cue->n_lines && !rc; k++, l++) {
                size_t to = cut[l] < from ? from : cut[l];
                if (k)
                    rc = fbuf_adds(&b, cue->eol);
                /* an empty line would end the cue: keep the cue visible */
                rc = rc || (to > from ? fbuf_add(&b, t + from, to - from) : fbuf_adds(&b, "..."));
                from = l + 1 < n_lines ? next[l] : tn;
                if (from < to)
                    from = to;
            }
            rc = rc || doc_add_edit(d, cue->text_start, cue->text_end, b.p ? b.p : "", b.n);
            fbuf_free(&b);
        }
        free(cut);
        free(next);
        if (rc)
            return -1;
    }
    return TOLK_OK;
}

const fmt_ops fmt_srt_ops = {.name = "srt", .extensions = "srt", .escape = ESC_NONE, .parse = srt_parse,
                             .render = sub_render, .free_state = sub_free, .stream = doc_stream_by_parse,
                             .drop_window = sub_drop_window};
/* WebVTT cue text escapes & and < (&amp; &lt;, and other references) as HTML does */
const fmt_ops fmt_vtt_ops = {.name = "vtt", .extensions = "vtt webvtt", .escape = ESC_HTML, .parse = vtt_parse,
                             .render = sub_render, .free_state = sub_free, .stream = doc_stream_by_parse,
                             .drop_window = sub_drop_window};
