/* Documents as segments plus edits (doc.h): buffers, segment lists, the format table, writing the
 * original with the edits spliced in, and the JSON report. */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc.h"
#include "error.h"

int fbuf_add(fmt_buf *b, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    if (b->n + len + 1 > b->cap) {
        size_t cap = (b->n + len + 1) * 2 + 64;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = 0;
    return 0;
}

int fbuf_adds(fmt_buf *b, const char *s)
{
    return fbuf_add(b, s, strlen(s));
}

int fbuf_addc(fmt_buf *b, char c)
{
    return fbuf_add(b, &c, 1);
}

void fbuf_free(fmt_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

extern const fmt_ops fmt_txt_ops, fmt_po_ops, fmt_srt_ops, fmt_vtt_ops, fmt_html_ops, fmt_md_ops,
    fmt_xliff_ops;

const fmt_ops *const fmt_all[] = {&fmt_txt_ops, &fmt_po_ops, &fmt_srt_ops, &fmt_vtt_ops, &fmt_xliff_ops, &fmt_md_ops,
                                  &fmt_html_ops, NULL};

static int word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && !strncasecmp(p, word, n))
            return 1;
        p += k + (e != NULL);
    }
    return 0;
}

const fmt_ops *fmt_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; fmt_all[i]; i++)
        if (!strcasecmp(fmt_all[i]->name, name) || word_in(fmt_all[i]->extensions, name))
            return fmt_all[i];
    return NULL;
}

/* Text files only: valid UTF-8 (a byte order mark is fine), no NUL byte. */
static int check_text(fmt_doc *d, tolk_error *err)
{
    const unsigned char *p = (const unsigned char *)d->data;
    size_t n = d->len;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t k = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
        int ok = k && i + k <= n && c != 0;
        for (size_t j = 1; ok && j < k; j++)
            ok = (p[i + j] & 0xc0) == 0x80;
        if (ok && k == 3)
            ok = !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] >= 0xa0);
        if (ok && k == 4)
            ok = !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] >= 0x90);
        if (!ok)
            return error_set(err, TOLK_E_FORMAT, "line %zu: %s", doc_line_at(d, i),
                             c ? "invalid UTF-8 (tolk reads UTF-8 text files)" : "a NUL byte (not a text file)");
        if ((i & 0xfffff) + k > 0xfffff) /* each megabyte: a big mapped file does not stay resident */
            doc_release_before(d, i);
        i += k;
    }
    d->released = 0; /* the parse is a new pass */
    return TOLK_OK;
}

/* A document named NAME of format OPS (NULL: from NAME's extension) with no data yet. */
static int doc_new(const fmt_ops *ops, const char *name, int overwrite, fmt_doc **out, tolk_error *err)
{
    *out = NULL;
    if (!ops) {
        const char *dot = name ? strrchr(name, '.') : NULL;
        ops = dot ? fmt_find(dot + 1) : NULL;
        if (!ops)
            return error_set(err, TOLK_E_ARG, "%s: cannot tell the format from the file name; pass --format "
                             "(txt, po, srt, vtt, xliff, md, html)", name ? name : "input");
    }
    fmt_doc *d = calloc(1, sizeof *d);
    if (!d)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    d->ops = ops;
    d->overwrite = overwrite;
    d->mark_mt = 1;
    d->name = strdup(name ? name : "input");
    if (!d->name) {
        doc_free(d);
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    *out = d;
    return TOLK_OK;
}

void doc_format_error(const fmt_doc *d, tolk_error *err)
{
    for (char *p = err ? err->msg : NULL; p && *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' '; /* one line, whatever a library said */
    if (err && strncmp(err->msg, "tolk was built without", 22))
        error_prefix(err, d->name);
}

/* The pre-pass of a streamed document: counts the pending segments of each window. */
static int count_pending(fmt_doc *d, void *user, tolk_error *err)
{
    (void)err;
    size_t *n = user;
    for (size_t i = 0; i < d->n_segs; i++)
        *n += d->segs[i].status == SEG_PENDING;
    return TOLK_OK;
}

/* Checks and parses D's data (STREAM and a format that can: checked and counted, nothing kept);
 * frees D on failure. */
static int doc_parse(fmt_doc *d, int stream, fmt_doc **out, tolk_error *err)
{
    int rc = check_text(d, err);
    if (!rc && stream && d->ops->stream) {
        rc = d->ops->stream(d, count_pending, &d->n_pending_total, err);
        d->streamed = 1;
        d->seg_base = 0;
        /* the pass ends with its last megabyte resident: it goes too, until the real pass comes */
        if (d->map_len)
            madvise(d->data, d->map_len, MADV_DONTNEED);
        d->released = 0;
    } else if (!rc) {
        rc = d->ops->parse(d, err);
    }
    if (rc) {
        doc_format_error(d, err);
        doc_free(d);
        return rc;
    }
    *out = d;
    return TOLK_OK;
}

/* D's data: a copy of DATA[0..len). */
static int load_data(fmt_doc *d, const char *data, size_t len, tolk_error *err)
{
    d->data = malloc(len + 1);
    if (!d->data)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    if (len)
        memcpy(d->data, data, len);
    d->data[len] = 0;
    d->len = len;
    return TOLK_OK;
}

/* D's data: the file at PATH, mapped when it can be, else read. */
static int load_file(fmt_doc *d, const char *path, tolk_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return error_set(err, TOLK_E_IO, "%s: %s", path, strerror(e));
    }
    long page = sysconf(_SC_PAGESIZE);
    if (S_ISREG(st.st_mode) && st.st_size > 0 && page > 0 && st.st_size % page != 0 &&
        (unsigned long long)st.st_size < (size_t)-1 / 2) {
        /* the rest of the last page reads as zeros: the data ends in a NUL like a copy does; read-only,
         * so its pages are always clean and doc_release_before can drop them */
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
            d->data = m;
            d->len = (size_t)st.st_size;
            d->map_len = (size_t)st.st_size;
        }
    }
    if (!d->data) {
        fmt_buf b = {0};
        char chunk[65536];
        ssize_t n;
        while ((n = read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0 && fbuf_add(&b, chunk, (size_t)n)) {
                close(fd);
                fbuf_free(&b);
                return error_set(err, TOLK_E_NOMEM, "out of memory");
            }
        if (n < 0 || (!b.p && !(b.p = calloc(1, 1)))) {
            int e = errno;
            close(fd);
            fbuf_free(&b);
            return n < 0 ? error_set(err, TOLK_E_IO, "%s: %s", path, strerror(e))
                         : error_set(err, TOLK_E_NOMEM, "out of memory");
        }
        d->data = b.p;
        d->len = b.n;
    }
    close(fd);
    return TOLK_OK;
}

/* Opens a document from PATH (non-NULL) or DATA[0..len). */
static int open_any(const fmt_ops *ops, const char *path, const char *name, const char *data, size_t len,
                    int overwrite, int stream, fmt_doc **out, tolk_error *err)
{
    fmt_doc *d;
    *out = NULL;
    int rc = doc_new(ops, name ? name : path, overwrite, &d, err);
    if (rc)
        return rc;
    rc = path ? load_file(d, path, err) : load_data(d, data, len, err);
    if (rc) {
        doc_free(d);
        return rc;
    }
    return doc_parse(d, stream, out, err);
}

int doc_open(const fmt_ops *ops, const char *name, const char *data, size_t len, int overwrite, fmt_doc **out,
             tolk_error *err)
{
    return open_any(ops, NULL, name, data, len, overwrite, 0, out, err);
}

int doc_open_file(const fmt_ops *ops, const char *path, const char *name, int overwrite, fmt_doc **out,
                  tolk_error *err)
{
    return open_any(ops, path, name, NULL, 0, overwrite, 0, out, err);
}

int doc_open_stream(const fmt_ops *ops, const char *path, const char *name, const char *data, size_t len,
                    int overwrite, fmt_doc **out, tolk_error *err)
{
    return open_any(ops, path, name, data, len, overwrite, 1, out, err);
}

static void clear_edits(fmt_doc *d)
{
    for (size_t i = 0; i < d->n_edits; i++)
        if (!d->edits[i].ref)
            free(d->edits[i].bytes);
    d->n_edits = 0;
}

static void free_segs(fmt_doc *d)
{
    for (size_t i = 0; i < d->n_segs; i++) {
        fmt_seg *s = &d->segs[i];
        if (!s->src_ref)
            free(s->src);
        free(s->codes);
        free(s->id);
        free(s->out);
        free(s->model_out);
    }
}

void doc_drop_segs_from(fmt_doc *d, size_t n)
{
    if (n >= d->n_segs)
        return;
    size_t all = d->n_segs;
    d->segs += n;
    d->n_segs = all - n;
    free_segs(d);
    d->segs -= n;
    d->n_segs = n;
}

void doc_clear_segs(fmt_doc *d)
{
    free_segs(d);
    d->seg_base += d->n_segs;
    d->n_segs = 0;
}

/* Hands the window over (when it has segments) and drops it; the next one begins at AT. */
static int window_now(fmt_doc *d, size_t at, tolk_error *err)
{
    int rc = d->n_segs ? d->window(d, d->window_user, err) : TOLK_OK;
    if (d->ops->drop_window)
        d->ops->drop_window(d);
    doc_clear_segs(d);
    d->window_from = at;
    doc_release_before(d, at);
    return rc;
}

int doc_window_point(fmt_doc *d, size_t at, tolk_error *err)
{
    size_t piece = d->stream_piece ? d->stream_piece : 256 * 1024;
    if (!d->window || at - d->window_from < piece)
        return TOLK_OK;
    return window_now(d, at, err);
}

int doc_stream_by_parse(fmt_doc *d, doc_window_fn window, void *user, tolk_error *err)
{
    if (d->ops->free_state)
        d->ops->free_state(d); /* a streamed document was checked by a first pass */
    doc_clear_segs(d);
    d->window = window;
    d->window_user = user;
    d->window_from = 0;
    int rc = d->ops->parse(d, err);
    if (!rc)
        rc = window_now(d, d->len, err);
    d->window = NULL;
    return rc;
}

void doc_free(fmt_doc *d)
{
    if (!d)
        return;
    if (d->ops && d->ops->free_state)
        d->ops->free_state(d);
    free_segs(d);
    clear_edits(d);
    free(d->edits);
    free(d->segs);
    free(d->name);
    fbuf_free(&d->problems);
    if (d->problems_spill)
        fclose(d->problems_spill);
    if (d->map_len)
        munmap(d->data, d->map_len);
    else
        free(d->data);
    free(d);
}

fmt_seg *doc_add_seg(fmt_doc *d, const char *text, size_t len, size_t start, size_t end)
{
    if (d->n_segs == d->cap_segs) {
        size_t cap = d->cap_segs ? d->cap_segs + d->cap_segs / 2 : 64;
        fmt_seg *p = realloc(d->segs, cap * sizeof *p);
        if (!p)
            return NULL;
        d->segs = p;
        d->cap_segs = cap;
    }
    fmt_seg *s = &d->segs[d->n_segs];
    memset(s, 0, sizeof *s);
    s->src = malloc(len + 1);
    if (!s->src)
        return NULL;
    if (len)
        memcpy(s->src, text, len);
    s->src[len] = 0;
    s->src_len = len;
    s->start = start;
    s->end = end;
    s->line = doc_line_at(d, start);
    d->n_segs++;
    return s;
}

fmt_seg *doc_add_seg_ref(fmt_doc *d, size_t text_at, size_t len, size_t start, size_t end)
{
    fmt_seg *s = doc_add_seg(d, "", 0, start, end);
    if (!s)
        return NULL;
    free(s->src);
    s->src = d->data + text_at;
    s->src_len = len;
    s->src_ref = 1;
    return s;
}

int seg_add_code(fmt_seg *s, size_t start, size_t end)
{
    if (s->n_codes == s->cap_codes) {
        size_t cap = s->cap_codes ? s->cap_codes * 2 : 2; /* most segments have a few: a big file has many */
        fmt_code *p = realloc(s->codes, cap * sizeof *p);
        if (!p)
            return -1;
        s->codes = p;
        s->cap_codes = cap;
    }
    s->codes[s->n_codes] = (fmt_code){.start = start, .end = end, .pair = -1};
    return (int)s->n_codes++;
}

static int tag_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == ':';
}

int seg_add_tag_codes(fmt_seg *s)
{
    const char *t = s->src;
    size_t n = s->src_len;
    int stack[64];
    size_t depth = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        if (t[i] != '<')
            continue;
        int closing = t[i + 1] == '/';
        size_t ns = i + 1 + (size_t)closing, ne = ns;
        if (!((t[ns] >= 'a' && t[ns] <= 'z') || (t[ns] >= 'A' && t[ns] <= 'Z')))
            continue;
        while (ne < n && tag_name_char(t[ne]))
            ne++;
        if (ne >= n || !(t[ne] == '>' || t[ne] == '/' || t[ne] == ' ' || t[ne] == '\t' || t[ne] == '\n'))
            continue;
        size_t e = ne;
        char quote = 0;
        while (e < n && (quote || (t[e] != '>' && t[e] != '<'))) {
            if (quote && t[e] == quote)
                quote = 0;
            else if (!quote && (t[e] == '"' || t[e] == '\''))
                quote = t[e];
            e++;
        }
        if (e >= n || t[e] != '>')
            continue; /* "a < b" and "<b" without an end are text */
        int idx = seg_add_code(s, i, e + 1);
        if (idx < 0)
            return -1;
        int empty = t[e - 1] == '/';
        if (closing) {
            /* pairs with the innermost open tag of the same name, if it is the innermost open tag */
            if (depth) {
                const fmt_code *o = &s->codes[stack[depth - 1]];
                size_t on = o->start + 1;
                while (on < o->end && tag_name_char(t[on]))
                    on++;
                if (on - o->start - 1 == ne - ns && !strncasecmp(t + o->start + 1, t + ns, ne - ns)) {
                    s->codes[stack[depth - 1]].pair = idx;
                    s->codes[stack[depth - 1]].opens = 1;
                    s->codes[idx].pair = stack[depth - 1];
                    depth--;
                }
            }
        } else if (!empty && depth < sizeof stack / sizeof stack[0]) {
            stack[depth++] = idx;
        }
        i = e;
    }
    /* an open tag never closed stands alone (<br>, <img ...>) */
    return 0;
}

int seg_set_id(fmt_seg *s, const char *id, size_t len)
{
    free(s->id);
    s->id = strndup(id, len);
    return s->id ? 0 : -1;
}

static int queue_edit(fmt_doc *d, size_t start, size_t end, char *bytes, size_t len, int ref)
{
    if (d->n_edits == d->cap_edits) {
        size_t cap = d->cap_edits ? d->cap_edits + d->cap_edits / 2 : 64;
        fmt_edit *p = realloc(d->edits, cap * sizeof *p);
        if (!p)
            return -1;
        d->edits = p;
        d->cap_edits = cap;
    }
    d->edits[d->n_edits] = (fmt_edit){.start = start, .end = end, .bytes = bytes, .len = len, .seq = d->n_edits,
                                      .ref = ref};
    d->n_edits++;
    return 0;
}

int doc_add_edit(fmt_doc *d, size_t start, size_t end, const char *bytes, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, bytes, len);
    if (queue_edit(d, start, end, copy, len, 0)) {
        free(copy);
        return -1;
    }
    return 0;
}

int doc_add_edit_ref(fmt_doc *d, size_t start, size_t end, const char *bytes, size_t len)
{
    return queue_edit(d, start, end, (char *)bytes, len, 1);
}

void doc_drop_pages(fmt_doc *d)
{
    if (d->map_len)
        madvise(d->data, d->map_len, MADV_DONTNEED);
}

void doc_release_before(fmt_doc *d, size_t off)
{
    long page = sysconf(_SC_PAGESIZE);
    if (!d->map_len || page <= 0)
        return;
    size_t keep = 1 << 20; /* a margin: what was just read is likely read again */
    if (off > d->map_len)
        off = d->map_len;
    if (off <= keep)
        return;
    size_t end = (off - keep) / (size_t)page * (size_t)page;
    if (end > d->released) {
        madvise(d->data + d->released, end - d->released, MADV_DONTNEED);
        d->released = end;
    }
}

size_t doc_line_at(fmt_doc *d, size_t off)
{
    if (off > d->len)
        off = d->len;
    if (off < d->line_off || !d->line_no) {
        d->line_off = 0;
        d->line_no = 1;
    }
    for (const char *p = d->data + d->line_off, *e = d->data + off; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        d->line_no++;
    d->line_off = off;
    return d->line_no;
}

static int edit_cmp(const void *a, const void *b)
{
    const fmt_edit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    /* insertions (empty ranges) before replacements at the same place; then first queued first */
    if ((x->end == x->start) != (y->end == y->start))
        return x->end == x->start ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int render_in_place(fmt_doc *d)
{
    for (size_t i = 0; i < d->n_segs; i++) {
        const fmt_seg *s = &d->segs[i];
        if (s->status == SEG_TRANSLATED && doc_add_edit_ref(d, s->start, s->end, s->out, s->out_len))
            return -1;
    }
    return 0;
}

/* Writes bytes [from, to) of the original a megabyte at a time, each piece's mapped pages given back
 * once written: a long stretch without edits (a big file's skipped units) never comes into memory
 * whole. Writing is the last pass over those bytes; an earlier pass may have released them already
 * (doc_release_before's mark is past them), so the pages are given back here whatever the mark. */
static int write_original(fmt_doc *d, size_t from, size_t to, doc_writer_fn write, void *user)
{
    const size_t piece = (size_t)1 << 20;
    long page = sysconf(_SC_PAGESIZE);
    while (from < to) {
        size_t n = to - from < piece ? to - from : piece;
        if (write(user, d->data + from, n))
            return -1;
        if (d->map_len && page > 0) {
            size_t s = from / (size_t)page * (size_t)page, e = (from + n) / (size_t)page * (size_t)page;
            if (e > s)
                madvise(d->data + s, e - s, MADV_DONTNEED);
        }
        from += n;
    }
    return 0;
}

/* Writes the original from *AT with the queued edits spliced in, up to the last edit's end. */
static int flush_edits(fmt_doc *d, size_t *at, doc_writer_fn write, void *user, tolk_error *err)
{
    /* stable order: the queue order breaks ties */
    if (d->n_edits)
        qsort(d->edits, d->n_edits, sizeof *d->edits, edit_cmp);
    for (size_t i = 0, pos = *at; i < d->n_edits; i++) {
        const fmt_edit *e = &d->edits[i];
        if (e->start < pos || e->end < e->start || e->end > d->len)
            return error_set(err, TOLK_E_STATE, "%s: overlapping edits at byte %zu (a bug in the %s writer)",
                             d->name, e->start, d->ops->name);
        pos = e->end;
    }
    for (size_t i = 0; i < d->n_edits; i++) {
        const fmt_edit *e = &d->edits[i];
        if ((e->start > *at && write_original(d, *at, e->start, write, user)) ||
            (e->len && write(user, e->bytes, e->len)))
            return error_set(err, TOLK_E_IO, "%s: cannot write the output", d->name);
        *at = e->end;
    }
    clear_edits(d);
    return TOLK_OK;
}

int doc_write_parts(fmt_doc *d, doc_writer_fn write, void *user, size_t *at, tolk_error *err)
{
    int rc = TOLK_OK;
    if (!d->ops->render_part) {
        /* a format without parts (doc_stream_by_parse): the window's segments rendered at once */
        rc = d->ops->render ? d->ops->render(d, err) : (render_in_place(d) ? TOLK_E_NOMEM : TOLK_OK);
        if (rc == TOLK_E_NOMEM || rc < 0)
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc)
            rc = flush_edits(d, at, write, user, err);
        if (rc)
            clear_edits(d);
        return rc;
    }
    for (size_t i = 0, n = d->ops->n_parts(d); i < n && !rc; i++) {
        rc = d->ops->render_part(d, i, err);
        if (rc == TOLK_E_NOMEM || rc < 0)
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc)
            rc = flush_edits(d, at, write, user, err);
        if (!rc && (i & 255) == 255)
            doc_release_before(d, *at);
    }
    if (rc)
        clear_edits(d);
    return rc;
}

int doc_write_rest(fmt_doc *d, doc_writer_fn write, void *user, size_t at, tolk_error *err)
{
    if (d->len > at && write_original(d, at, d->len, write, user))
        return error_set(err, TOLK_E_IO, "%s: cannot write the output", d->name);
    return TOLK_OK;
}

int doc_write_to(fmt_doc *d, doc_writer_fn write, void *user, tolk_error *err)
{
    clear_edits(d);
    d->released = 0;
    size_t at = 0;
    int rc = TOLK_OK;
    if (d->ops->render_part) {
        /* part by part: one part's edits at a time */
        rc = doc_write_parts(d, write, user, &at, err);
    } else {
        rc = d->ops->render ? d->ops->render(d, err) : (render_in_place(d) ? TOLK_E_NOMEM : TOLK_OK);
        if (rc == TOLK_E_NOMEM || rc < 0)
            rc = error_set(err, TOLK_E_NOMEM, "out of memory");
        if (!rc)
            rc = flush_edits(d, &at, write, user, err);
    }
    if (rc) {
        clear_edits(d);
        return rc;
    }
    rc = doc_write_rest(d, write, user, at, err);
    d->released = 0;
    return rc;
}

static int write_to_buf(void *user, const char *data, size_t len)
{
    return fbuf_add(user, data, len);
}

int doc_write(fmt_doc *d, char **out, size_t *len, tolk_error *err)
{
    *out = NULL;
    *len = 0;
    fmt_buf b = {0};
    /* one allocation of about the final size: the original and what the edits add */
    if (!(b.p = malloc(d->len + d->len / 2 + 4096)))
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    b.cap = d->len + d->len / 2 + 4096;
    int rc = doc_write_to(d, write_to_buf, &b, err);
    if (rc == TOLK_E_IO)
        rc = error_set(err, TOLK_E_NOMEM, "out of memory");
    if (rc) {
        fbuf_free(&b);
        return rc;
    }
    b.p[b.n] = 0;
    *out = b.p;
    *len = b.n;
    return TOLK_OK;
}

int doc_json_string(fmt_buf *b, const char *text, size_t len)
{
    int rc = fbuf_addc(b, '"');
    size_t run = 0; /* start of the bytes copied as they are, added in one piece */
    for (size_t i = 0; i < len && !rc;) {
        unsigned char c = (unsigned char)text[i];
        size_t n = 1;
        int plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
        if (c >= 0x80) {
            /* a valid UTF-8 sequence is copied; a stray byte becomes U+FFFD */
            n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
            plain = n && i + n <= len;
            for (size_t k = 1; plain && k < n; k++)
                plain = ((unsigned char)text[i + k] & 0xc0) == 0x80;
            if (!plain)
                n = 1;
        }
        if (plain) {
            i += n;
            continue;
        }
        char esc[8];
        rc = fbuf_add(b, text + run, i - run);
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = 0;
        } else if (c == '\n') {
            strcpy(esc, "\\n");
        } else if (c == '\t') {
            strcpy(esc, "\\t");
        } else if (c >= 0x80) {
            strcpy(esc, "\\ufffd");
        } else {
            snprintf(esc, sizeof esc, "\\u%04x", c);
        }
        rc = rc || fbuf_adds(b, esc);
        i += n;
        run = i;
    }
    rc = rc || fbuf_add(b, text + run, len - run);
    return rc || fbuf_addc(b, '"');
}

static const char *status_name(int status)
{
    switch (status) {
    case SEG_SKIPPED: return "skipped";
    case SEG_COPIED: return "copied";
    case SEG_TRANSLATED: return "translated";
    case SEG_KEPT: return "kept";
    default: return "pending";
    }
}

/* The report entry of segment S (number NUMBER), starting ",\n  {". */
static int report_entry(fmt_buf *b, const fmt_seg *s, size_t number)
{
    char num[256];
    snprintf(num, sizeof num, ",\n  {\"segment\": %zu, \"line\": %zu, \"check\": \"%s\", \"status\": \"%s\"",
             number, s->line, s->check, status_name(s->status));
    int rc = fbuf_adds(b, num);
    if (s->id)
        rc = rc || fbuf_adds(b, ", \"id\": ") || doc_json_string(b, s->id, strlen(s->id));
    rc = rc || fbuf_adds(b, ", \"source\": ") || doc_json_string(b, s->src, s->src_len);
    if (s->model_out)
        rc = rc || fbuf_adds(b, ", \"output\": ") || doc_json_string(b, s->model_out, strlen(s->model_out));
    return rc || fbuf_addc(b, '}');
}

int doc_keep_report(fmt_doc *d)
{
    for (size_t i = 0; i < d->n_segs; i++) {
        const fmt_seg *s = &d->segs[i];
        d->n_gone[s->status]++;
        if (!s->check)
            continue;
        d->n_gone_flagged++;
        if (report_entry(&d->problems, s, d->seg_base + i + 1))
            return -1;
    }
    /* past a megabyte the entries go to a temporary file: a big file's report stays out of memory */
    if (d->problems.n > (1u << 20)) {
        if (!d->problems_spill)
            d->problems_spill = tmpfile();
        if (d->problems_spill && fwrite(d->problems.p, 1, d->problems.n, d->problems_spill) == d->problems.n)
            d->problems.n = 0;
    }
    return 0;
}

/* The report on its way to a writer: built in a buffer that is sent on each time it passes 64 KB, so
 * a report of hundreds of thousands of problems is never whole in memory. */
typedef struct report_out {
    fmt_buf b;
    doc_writer_fn write;
    void *user;
    int failed;  /* out of memory */
    int wfailed; /* the writer failed */
} report_out;

static int report_flush(report_out *r, size_t above)
{
    if (r->b.n > above && !r->wfailed) {
        r->wfailed = r->write(r->user, r->b.p, r->b.n) != 0;
        r->b.n = 0;
    }
    return r->failed || r->wfailed;
}

/* Appends entries DATA[0..len): the report's first entry without its comma. */
static int add_entries(report_out *r, const char *data, size_t len, int *first)
{
    if (*first && len) {
        data++;
        len--;
        *first = 0;
    }
    r->failed |= fbuf_add(&r->b, data, len);
    return report_flush(r, 1 << 16);
}

int doc_report_to(const fmt_doc *d, const char *format_name, doc_writer_fn write, void *user, tolk_error *err)
{
    size_t count[5] = {0}, flagged = d->n_gone_flagged;
    for (size_t k = 0; k < 5; k++)
        count[k] = d->n_gone[k];
    for (size_t i = 0; i < d->n_segs; i++) {
        count[d->segs[i].status]++;
        flagged += d->segs[i].check != NULL;
    }
    report_out r = {.write = write, .user = user};
    fmt_buf *b = &r.b;
    char num[256];
    r.failed = fbuf_adds(b, "{\"file\": ") || doc_json_string(b, d->name, strlen(d->name)) ||
               fbuf_adds(b, ", \"format\": ") || doc_json_string(b, format_name, strlen(format_name));
    snprintf(num, sizeof num, ", \"segments\": %zu, \"translated\": %zu, \"skipped\": %zu, \"copied\": %zu, "
             "\"kept\": %zu, \"flagged\": %zu, \"seconds\": %.3f, \"tokens\": %lld, \"tm_exact\": %zu, "
             "\"terms\": {\"found\": %zu, \"forced\": %zu, \"missed\": %zu}, \"problems\": [",
             d->seg_base + d->n_segs, count[SEG_TRANSLATED], count[SEG_SKIPPED], count[SEG_COPIED], count[SEG_KEPT],
             flagged, d->seconds, d->n_tokens, d->n_tm_exact, d->n_terms[0], d->n_terms[1], d->n_terms[2]);
    r.failed |= fbuf_adds(b, num);
    int first = 1, rc = r.failed;
    /* the entries of dropped windows: spilled to a file, then in memory */
    if (!rc && d->problems_spill) {
        FILE *f = d->problems_spill;
        char chunk[65536];
        size_t n;
        int bad = fflush(f) || fseek(f, 0, SEEK_SET);
        while (!bad && !rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            rc = add_entries(&r, chunk, n, &first);
        if (bad || ferror(f) || fseek(f, 0, SEEK_END)) {
            fbuf_free(b);
            return error_set(err, TOLK_E_IO, "%s: cannot read back the report's problems", d->name);
        }
    }
    rc = rc || add_entries(&r, d->problems.p, d->problems.n, &first);
    for (size_t i = 0; i < d->n_segs && !rc; i++) {
        if (!d->segs[i].check)
            continue;
        fmt_buf e = {0};
        r.failed |= report_entry(&e, &d->segs[i], d->seg_base + i + 1);
        rc = r.failed || add_entries(&r, e.p, e.n, &first);
        fbuf_free(&e);
    }
    if (!rc)
        r.failed |= fbuf_adds(b, first ? "]}\n" : "\n]}\n");
    report_flush(&r, 0);
    fbuf_free(b);
    if (r.failed)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    return r.wfailed ? error_set(err, TOLK_E_IO, "%s: cannot write the report", d->name) : TOLK_OK;
}

int doc_report_json(const fmt_doc *d, const char *format_name, fmt_buf *b)
{
    tolk_error err = {0};
    return doc_report_to(d, format_name, write_to_buf, b, &err) ? -1 : 0;
}

int doc_plain_text(const fmt_doc *d, const char *text, size_t len, fmt_buf *out)
{
    static const struct { const char *ref; char c; } refs[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < len; i++) {
        int done = 0;
        for (size_t r = 0; d->ops->escape != ESC_NONE && text[i] == '&' && r < sizeof refs / sizeof refs[0]; r++) {
            size_t k = strlen(refs[r].ref);
            if (len - i >= k && !memcmp(text + i, refs[r].ref, k)) {
                if (fbuf_addc(out, refs[r].c))
                    return -1;
                i += k - 1;
                done = 1;
                break;
            }
        }
        if (!done && fbuf_addc(out, text[i]))
            return -1;
    }
    return fbuf_add(out, "", 0);
}
