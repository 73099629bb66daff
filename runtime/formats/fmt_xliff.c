/* XLIFF 1.2 and 2.x (HAVE_LIBXML2), including Trados .sdlxliff, memoQ .mqxliff and Phrase
 * .mxliff. libxml2 parses the file as a stream (SAX push parser fed 256 KB at a time: no tree and
 * no copy of the file, so big files stay small in memory) with entity substitution off, no network and no DTD at all: a file that declares one (the road to
 * entity bombs and external entities) is refused. Each element's byte range comes from the
 * parser's position (xmlByteConsumed), so the file is edited in place: only the targets tolk fills
 * and the status attributes change, and every vendor extension survives byte for byte.
 *
 * Segments: 1.2 <trans-unit><source> (or each <mrk mtype="seg"> of <seg-source>, as Trados and
 * Phrase write it), 2.x <unit><segment><source>. Skipped: translate="no" (on the unit, its group or
 * file), memoQ mq:locked, Phrase m:locked, Trados sdl:seg locked="true", confirmed units
 * (approved="yes", state final/signed-off, memoQ ManuallyConfirmed, Reviewer1Confirmed, ... or
 * Proofread, Phrase m:confirmed="1", Trados Translated/Approved*, 2.x reviewed/final) and, unless
 * overwrite is set, targets that already have text. Inline codes (<g>, <x/>, <bx/>, <ex/>, <ph>, <bpt>, <ept>, <it>,
 * <pc>, <sc/>, <ec/>, <mrk>, ...) are codes; <ph>, <bpt>, <ept>, <it> with their content.
 * Machine translation is marked as each tool reads it: 1.2 state="needs-review-translation"
 * state-qualifier="leveraged-mt"; memoQ mq:status="MachineTranslated"; Trados sdl:seg
 * origin="mt" conf="Draft"; 2.x state="translated" subState="tolk:mt". Only UTF-8 files. The
 * output is written unit by unit (render_part), each unit's edits made and written in turn; streamed
 * (xl_stream, doc_stream.h), the units finished in each piece of the file are a window that is
 * translated, written and dropped before the parser reads on, so memory does not grow with the file. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "error.h"

#ifdef HAVE_LIBXML2
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

/* A byte offset in the file (files over 2 GiB are refused): units and parts are kept for every
 * unit of a file, so they are kept small. */
typedef uint32_t xl_off;

typedef struct xl_target {
    xl_off tag_s, tag_e;     /* start tag */
    xl_off close_s, elem_e;  /* end tag start, element end (close_s == tag_e for <x/>) */
    unsigned char present;
    unsigned char empty_elem; /* written <target/> */
    unsigned char filled;     /* has text or child elements */
} xl_target;

typedef struct xl_part {
    xl_off src_s, src_e;     /* the source content */
    fmt_code *codes;         /* while the unit is read; then its segment's */
    size_t n_codes, cap;
    char mid[40];            /* seg mrk mid / 2.x segment id */
    xl_target t;             /* 1.2 plain and 2.x: the target; mrk mode: the matching target mrk */
    xl_off anchor;           /* where a new target goes */
    xl_off indent_s;         /* whitespace before the source's start tag: data[indent_s, + indent_n) */
    xl_off seg_tag_s, seg_tag_e; /* 2.x: the <segment> start tag */
    int seg_index;           /* its segment, -1 when it has none */
    unsigned char indent_n;
    unsigned char confirmed;
} xl_part;

typedef struct xl_unit {
    xl_off tag_s, tag_e;     /* the trans-unit/unit start tag */
    uint32_t first_part, n_parts;
    xl_target target;        /* mrk mode: the whole <target> */
    xl_off anchor;           /* mrk mode: where a new target goes */
    xl_off indent_s;         /* whitespace before <seg-source> */
    xl_off segsrc_s, segsrc_e; /* mrk mode: the content of <seg-source> (a new target copies it) */
    xl_off close_s;          /* where its end tag starts */
    xl_off notes_close;      /* 2.x: where </notes> starts (0: no <notes> with content) */
    xl_off notes_es, notes_ee; /* 2.x: an empty <notes/> element (notes_ee 0: none) */
    xl_off core_s;           /* 2.x: the first <originalData>, <segment> or <ignorable> (0: none) */
    xl_off ext_s;            /* 1.2: the first child element of another namespace (0: none) */
    unsigned char indent_n;
    unsigned char mrk_mode;  /* segments are the <mrk mtype="seg"> of <seg-source> */
    char prefix[16];         /* namespace prefix of the XLIFF elements ("" mostly) */
} xl_unit;

typedef struct xl_sdlseg {
    size_t unit;
    char id[40];
    size_t tag_s, tag_e;
} xl_sdlseg;

typedef struct xl_state {
    fmt_doc *d;
    xmlParserCtxtPtr ctxt;
    int v2;
    int depth;
    /* the unit being read */
    int in_unit, unit_depth, unit_skip, unit_confirmed;
    const xmlChar *unit_uri; /* the unit element's namespace (the parser's own string) */
    xl_unit unit;
    /* where parts are being captured */
    int cap_depth;           /* depth of the element whose content is a part's source (0: none) */
    size_t open_codes[256];  /* paired inline codes waiting for their end tag (index into the part) */
    int n_open;
    /* opening codes written as elements of their own (2.x <sc/>, 1.2 <bx/>, <bpt>) waiting for their
     * closing one (linked_code) */
    struct { char id[32]; int code; int base; int crossed; } sc[32];
    int n_sc;
    int overflow;
    int whole_depth;         /* inside a code element kept whole (its depth) */
    size_t whole_start;
    int whole_kind;          /* its code_link kind and key (<bpt>, <ept>) */
    char whole_key[32];
    int in_target, target_depth;
    long tmrk_part;          /* mrk mode: the part whose target mrk is open, -1: none */
    int tmrk_depth;
    int in_segsource;
    int seg_depth;           /* 2.x: depth of the current <segment> */
    int notes_depth;         /* 2.x: depth of the unit's open <notes> (0: none) */
    int in_segdefs;
    int no_translate_depth;  /* a <file> or <group> with translate="no" is open at this depth (0: none) */
    xl_part *parts;          /* all parts of the document */
    size_t n_parts, cap_parts;
    xl_unit *units;          /* the units read (streamed: those of the current window) */
    size_t n_units, cap_units;
    size_t units_before;     /* streamed: units of the windows already dropped */
    xl_sdlseg *sdl;
    size_t n_sdl, cap_sdl;
    char *interned[32];      /* the opening and closing tags of new targets, shared by their edits */
    size_t n_interned;
    int refused_dtd;
    int failed;              /* out of memory */
    char error[512];
    int error_line;
} xl_state;

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    /* small first (a unit's codes are a few, and every unit has its list), then by half again */
    size_t c = *cap ? *cap + *cap / 2 + 1 : 4;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static void shrink(void **p, size_t *cap, size_t n, size_t size)
{
    if (n && n < *cap) {
        void *q = realloc(*p, n * size);
        if (q) {
            *p = q;
            *cap = n;
        }
    }
}

static void copy_value(char *dst, size_t size, const xmlChar *v, const xmlChar *e)
{
    size_t n = (size_t)(e - v);
    if (n >= size)
        n = size - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

/* The value of attribute LOCALNAME (any namespace when PREFIX is NULL) from the SAX2 list. */
static int get_attr(int n_attrs, const xmlChar **attrs, const char *prefix, const char *localname, char *out,
                    size_t size)
{
    for (int i = 0; i < n_attrs; i++) {
        const xmlChar **a = attrs + i * 5;
        if (strcmp((const char *)a[0], localname))
            continue;
        if (prefix && (!a[1] || strcmp((const char *)a[1], prefix)))
            continue;
        if (!prefix && a[1] && strcmp(localname, "lang"))
            continue; /* an unprefixed name means the unprefixed attribute */
        copy_value(out, size, a[3], a[4]);
        return 1;
    }
    return 0;
}

/* The start tag whose '>' the parser is at: [*s, *e), and whether it is empty (<x/>). */
static void start_tag_range(const xl_state *x, size_t *s, size_t *e, int *empty)
{
    const char *p = x->d->data;
    size_t n = x->d->len, pos = (size_t)xmlByteConsumed(x->ctxt);
    if (pos > n)
        pos = n;
    /* normally at '>' or "/>"; otherwise look forward for the end of the tag */
    while (pos < n && p[pos] != '>')
        pos++;
    *e = pos < n ? pos + 1 : n;
    *empty = pos > 0 && p[pos - 1] == '/';
    size_t b = pos;
    while (b > 0 && p[b] != '<')
        b--;
    *s = b;
}

/* The end tag that ends at the parser's position: start of "</" and the end. */
static void end_tag_range(const xl_state *x, size_t *s, size_t *e)
{
    const char *p = x->d->data;
    size_t n = x->d->len, pos = (size_t)xmlByteConsumed(x->ctxt);
    if (pos > n)
        pos = n;
    *e = pos;
    size_t b = pos ? pos - 1 : 0;
    while (b > 0 && p[b] != '<')
        b--;
    *s = b;
}

static xl_part *cur_part(xl_state *x)
{
    return x->n_parts ? &x->parts[x->n_parts - 1] : NULL;
}

static int part_code(xl_state *x, size_t s, size_t e, int pair)
{
    xl_part *pt = cur_part(x);
    if (grow((void **)&pt->codes, &pt->cap, pt->n_codes, sizeof *pt->codes)) {
        x->failed = 1;
        return -1;
    }
    pt->codes[pt->n_codes] = (fmt_code){.start = s - pt->src_s, .end = e - pt->src_s, .pair = pair};
    if (pair >= 0) {
        pt->codes[pair].pair = (int)pt->n_codes;
        pt->codes[pair].opens = 1;
    }
    return (int)pt->n_codes++;
}

/* The line's indentation before the tag at TAG_S (with the line break): *S and *N (0 when over 255 bytes). */
static void indent_before(const xl_state *x, size_t tag_s, xl_off *s, unsigned char *n)
{
    const char *p = x->d->data;
    size_t b = tag_s;
    while (b > 0 && (p[b - 1] == ' ' || p[b - 1] == '\t'))
        b--;
    if (b > 0 && p[b - 1] == '\n')
        b--;
    if (b > 0 && p[b - 1] == '\r' && p[b] == '\n')
        b--;
    *s = (xl_off)b;
    *n = (unsigned char)(tag_s - b < 255 ? tag_s - b : 0);
}

static int new_part(xl_state *x, size_t src_s, size_t source_tag_s)
{
    if (grow((void **)&x->parts, &x->cap_parts, x->n_parts, sizeof *x->parts)) {
        x->failed = 1;
        return -1;
    }
    xl_part *pt = &x->parts[x->n_parts++];
    memset(pt, 0, sizeof *pt);
    pt->src_s = pt->src_e = src_s;
    pt->seg_index = -1;
    indent_before(x, source_tag_s, &pt->indent_s, &pt->indent_n);
    x->unit.n_parts++;
    return 0;
}

/* Markup in a source that is not an element: CDATA sections, comments and processing
 * instructions. The parser reports none of them, and shown to the model as text they would come back
 * escaped (or, worse, not); so each becomes a code, kept as it is (the text of a CDATA section is not
 * translated). Merged into the part's codes in order, pair links renumbered. */
static void add_markup_codes(xl_state *x, xl_part *pt)
{
    const char *p = x->d->data;
    size_t s = pt->src_s, e = pt->src_e, *rs = NULL, *re = NULL, n = 0, cap = 0, c = 0;
    for (size_t k = s; k + 1 < e && !x->failed; k++) {
        while (c < pt->n_codes && pt->codes[c].end + s <= k)
            c++;
        if (c < pt->n_codes && pt->codes[c].start + s <= k) {
            k = pt->codes[c].end + s - 1; /* inside a code: skip it */
            continue;
        }
        if (p[k] != '<' || (p[k + 1] != '!' && p[k + 1] != '?'))
            continue;
        const char *close = p[k + 1] == '?' ? "?>" : e - k >= 9 && !memcmp(p + k, "<![CDATA[", 9) ? "]]>" : "-->";
        const char *f = memmem(p + k + 2, e - k - 2, close, strlen(close));
        size_t end = f ? (size_t)(f - p) + strlen(close) : e;
        size_t cap_before = cap;
        if (grow((void **)&rs, &cap, n, sizeof *rs) ||
            (cap != cap_before && !(re = realloc(re, cap * sizeof *re)))) {
            x->failed = 1;
            break;
        }
        rs[n] = k - s;
        re[n++] = end - s;
        k = end - 1;
    }
    if (n && !x->failed) {
        size_t total = pt->n_codes + n, a = 0, b = 0;
        fmt_code *m = malloc(total * sizeof *m);
        int *map = malloc((pt->n_codes + 1) * sizeof *map);
        if (!m || !map) {
            x->failed = 1;
        } else {
            for (size_t i = 0; i < total; i++) {
                if (b < n && (a >= pt->n_codes || rs[b] < pt->codes[a].start)) {
                    m[i] = (fmt_code){.start = rs[b], .end = re[b], .pair = -1};
                    b++;
                } else {
                    m[i] = pt->codes[a];
                    map[a++] = (int)i;
                }
            }
            for (size_t i = 0; i < total; i++)
                if (m[i].pair >= 0)
                    m[i].pair = map[m[i].pair];
            free(pt->codes);
            pt->codes = m;
            pt->n_codes = pt->cap = total;
            m = NULL;
        }
        free(m);
        free(map);
    }
    free(rs);
    free(re);
}

/* Paired codes written as two elements: 2.x <sc id="X"/> .. <ec startRef="X"/>, 1.2 <bx/> .. <ex/> and
 * <bpt> .. <ept> (linked by rid, else id). *KEY gets the link; returns 1 for an opening, 2 for a
 * closing code, 0 for any other. */
static int code_link(const xl_state *x, const char *name, int n_attrs, const xmlChar **attrs, char *key, size_t size)
{
    if (x->v2) {
        if (!strcmp(name, "sc") && get_attr(n_attrs, attrs, NULL, "id", key, size))
            return 1;
        return !strcmp(name, "ec") && get_attr(n_attrs, attrs, NULL, "startRef", key, size) ? 2 : 0;
    }
    int kind = !strcmp(name, "bx") || !strcmp(name, "bpt") ? 1 : !strcmp(name, "ex") || !strcmp(name, "ept") ? 2 : 0;
    if (kind && !get_attr(n_attrs, attrs, NULL, "rid", key, size) && !get_attr(n_attrs, attrs, NULL, "id", key, size))
        kind = 0;
    return kind;
}

/* Adds code [TS, TE) of KIND (code_link) with KEY: a closing one is paired with the latest opening
 * one of the same key when nothing between them crosses (the element codes opened since are closed,
 * none around the opening one closed), so the two stay in order like <g>; otherwise, and when the
 * two cross other codes (what sc/ec are for), each stands alone. */
static void linked_code(xl_state *x, int kind, const char *key, size_t ts, size_t te)
{
    int pair = -1;
    for (int k = x->n_sc - 1; kind == 2 && k >= 0; k--) {
        if (strcmp(x->sc[k].id, key))
            continue;
        if (k == x->n_sc - 1 && !x->sc[k].crossed && x->sc[k].base == x->n_open)
            pair = x->sc[k].code;
        memmove(&x->sc[k], &x->sc[k + 1], (size_t)(x->n_sc - k - 1) * sizeof x->sc[0]);
        x->n_sc--;
        break;
    }
    int idx = part_code(x, ts, te, pair);
    if (idx >= 0 && kind == 1 && x->n_sc < 32) {
        snprintf(x->sc[x->n_sc].id, sizeof x->sc[0].id, "%s", key);
        x->sc[x->n_sc].code = idx;
        x->sc[x->n_sc].base = x->n_open;
        x->sc[x->n_sc].crossed = 0;
        x->n_sc++;
    }
}

static int is_whole_code(const char *name)
{
    return !strcmp(name, "ph") || !strcmp(name, "bpt") || !strcmp(name, "ept") || !strcmp(name, "it") ||
           !strcmp(name, "sub");
}

/* A marker whose content must not be translated: 1.2 <mrk mtype="protected">, 2.x <mrk translate="no">
 * (a brand, a product name): kept whole, content and all. */
static int protected_mrk(const char *name, int n_attrs, const xmlChar **attrs)
{
    char v[32];
    return !strcmp(name, "mrk") && ((get_attr(n_attrs, attrs, NULL, "mtype", v, sizeof v) && !strcmp(v, "protected")) ||
                                    (get_attr(n_attrs, attrs, NULL, "translate", v, sizeof v) && !strcmp(v, "no")));
}

static int confirmed_12(int n_attrs, const xmlChar **attrs)
{
    char v[64];
    if (get_attr(n_attrs, attrs, NULL, "approved", v, sizeof v) && !strcmp(v, "yes"))
        return 1;
    if (get_attr(n_attrs, attrs, "mq", "status", v, sizeof v) &&
        (strstr(v, "Confirmed") || !strcmp(v, "ProofRead") || !strcmp(v, "Proofread")))
        return 1;
    /* Phrase (Memsource) .mxliff */
    if (get_attr(n_attrs, attrs, "m", "confirmed", v, sizeof v) && !strcmp(v, "1"))
        return 1;
    return 0;
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri, int n_ns,
                     const xmlChar **ns, int n_attrs, int n_defaulted, const xmlChar **attrs)
{
    (void)n_ns;
    (void)ns;
    (void)n_defaulted;
    xl_state *x = ((xmlParserCtxtPtr)ctx)->_private;
    const char *name = (const char *)localname;
    x->depth++;
    if (x->failed)
        return;
    size_t ts, te;
    int empty;
    start_tag_range(x, &ts, &te, &empty);
    char v[64];
    if (x->depth == 1 && !strcmp(name, "xliff") && get_attr(n_attrs, attrs, NULL, "version", v, sizeof v))
        x->v2 = v[0] >= '2';
    /* inside a code kept whole: nothing to see */
    if (x->whole_depth)
        return;
    /* inside a captured source: inline codes */
    if (x->cap_depth && x->depth > x->cap_depth) {
        if ((is_whole_code(name) || protected_mrk(name, n_attrs, attrs)) && !empty) {
            x->whole_depth = x->depth;
            x->whole_start = ts;
            x->whole_kind = code_link(x, name, n_attrs, attrs, x->whole_key, sizeof x->whole_key);
        } else if (empty) {
            char key[32];
            int kind = code_link(x, name, n_attrs, attrs, key, sizeof key);
            linked_code(x, kind, key, ts, te);
        } else if (x->n_open < 256) {
            int idx = part_code(x, ts, te, -1);
            x->open_codes[x->n_open++] = (size_t)idx;
        } else {
            x->overflow = 1;
        }
        return;
    }
    if (!x->in_unit) {
        /* translate="no" on a file or group holds for every unit inside it (both versions) */
        if (!x->no_translate_depth && (!strcmp(name, "group") || !strcmp(name, "file")) && !empty &&
            get_attr(n_attrs, attrs, NULL, "translate", v, sizeof v) && !strcmp(v, "no"))
            x->no_translate_depth = x->depth;
        if ((!x->v2 && !strcmp(name, "trans-unit")) || (x->v2 && !strcmp(name, "unit"))) {
            x->in_unit = 1;
            x->unit_depth = x->depth;
            memset(&x->unit, 0, sizeof x->unit);
            x->unit.tag_s = ts;
            x->unit.tag_e = te;
            x->unit_uri = uri;
            x->unit.first_part = x->n_parts;
            if (prefix)
                snprintf(x->unit.prefix, sizeof x->unit.prefix, "%s:", (const char *)prefix);
            x->unit_skip = x->no_translate_depth ||
                           (get_attr(n_attrs, attrs, NULL, "translate", v, sizeof v) && !strcmp(v, "no")) ||
                           (get_attr(n_attrs, attrs, "mq", "locked", v, sizeof v) && strcmp(v, "false")) ||
                           (get_attr(n_attrs, attrs, "m", "locked", v, sizeof v) && !strcmp(v, "true"));
            x->unit_confirmed = !x->v2 && confirmed_12(n_attrs, attrs);
        }
        return;
    }
    int child = x->depth == x->unit_depth + 1;
    if (child && !x->v2 && !x->unit.ext_s && x->unit.n_parts && (uri == NULL) != (x->unit_uri == NULL))
        x->unit.ext_s = ts;
    else if (child && !x->v2 && !x->unit.ext_s && x->unit.n_parts && uri && strcmp((const char *)uri, (const char *)x->unit_uri))
        x->unit.ext_s = ts;
    if (x->v2) {
        if (child && !x->unit.core_s &&
            (!strcmp(name, "segment") || !strcmp(name, "ignorable") || !strcmp(name, "originalData")))
            x->unit.core_s = ts;
        if (child && !strcmp(name, "notes")) {
            if (empty) {
                x->unit.notes_es = ts;
                x->unit.notes_ee = te;
            } else {
                x->notes_depth = x->depth;
            }
        } else if (child && !strcmp(name, "segment")) {
            x->seg_depth = x->depth;
            if (new_part(x, te, ts))
                return;
            xl_part *pt = cur_part(x);
            pt->seg_tag_s = ts;
            pt->seg_tag_e = te;
            get_attr(n_attrs, attrs, NULL, "id", pt->mid, sizeof pt->mid);
            pt->confirmed = get_attr(n_attrs, attrs, NULL, "state", v, sizeof v) &&
                            (!strcmp(v, "final") || !strcmp(v, "reviewed"));
        } else if (x->seg_depth && x->depth == x->seg_depth + 1 && !strcmp(name, "source")) {
            xl_part *pt = cur_part(x);
            pt->src_s = pt->src_e = te;
            indent_before(x, ts, &pt->indent_s, &pt->indent_n);
            if (!empty)
                x->cap_depth = x->depth;
        } else if (x->seg_depth && x->depth == x->seg_depth + 1 && !strcmp(name, "target")) {
            xl_part *pt = cur_part(x);
            pt->t = (xl_target){.present = 1, .tag_s = ts, .tag_e = te, .empty_elem = empty, .close_s = te,
                                .elem_e = te};
            x->in_target = 1;
            x->target_depth = x->depth;
        } else if (x->in_target && x->depth > x->target_depth) {
            cur_part(x)->t.filled = 1;
        }
        return;
    }
    /* XLIFF 1.2 */
    if (child && !strcmp(name, "source") && !x->unit.mrk_mode) {
        if (x->unit.n_parts == 0 && new_part(x, te, ts))
            return;
        xl_part *pt = cur_part(x);
        pt->src_s = pt->src_e = te;
        if (!empty)
            x->cap_depth = x->depth;
    } else if (child && !strcmp(name, "seg-source")) {
        /* the segments are its <mrk mtype="seg">; a plain <source> part read before goes */
        if (x->unit.n_parts) {
            xl_part *pt = cur_part(x);
            free(pt->codes);
            x->n_parts--;
            x->unit.n_parts = 0;
        }
        x->unit.mrk_mode = 1;
        x->in_segsource = x->depth;
        x->unit.segsrc_s = x->unit.segsrc_e = te;
        indent_before(x, ts, &x->unit.indent_s, &x->unit.indent_n);
    } else if (x->in_segsource && !strcmp(name, "mrk") && get_attr(n_attrs, attrs, NULL, "mtype", v, sizeof v) &&
               !strcmp(v, "seg")) {
        if (new_part(x, te, ts))
            return;
        get_attr(n_attrs, attrs, NULL, "mid", cur_part(x)->mid, sizeof cur_part(x)->mid);
        if (!empty)
            x->cap_depth = x->depth;
    } else if (child && !strcmp(name, "target")) {
        xl_target *t = x->unit.mrk_mode ? &x->unit.target : (x->unit.n_parts ? &cur_part(x)->t : NULL);
        if (t) {
            *t = (xl_target){.present = 1, .tag_s = ts, .tag_e = te, .empty_elem = empty, .close_s = te,
                             .elem_e = te};
            if (get_attr(n_attrs, attrs, NULL, "state", v, sizeof v) &&
                (!strcmp(v, "final") || !strcmp(v, "signed-off")))
                x->unit_confirmed = 1;
        }
        x->in_target = 1;
        x->target_depth = x->depth;
    } else if (x->in_target && x->unit.mrk_mode && !strcmp(name, "mrk") &&
               get_attr(n_attrs, attrs, NULL, "mtype", v, sizeof v) && !strcmp(v, "seg")) {
        char mid[40] = "";
        get_attr(n_attrs, attrs, NULL, "mid", mid, sizeof mid);
        x->unit.target.filled = 1;
        for (size_t i = x->unit.first_part; i < x->n_parts; i++)
            if (!strcmp(x->parts[i].mid, mid) && !x->parts[i].t.present) {
                x->parts[i].t = (xl_target){.present = 1, .tag_s = ts, .tag_e = te, .empty_elem = empty,
                                            .close_s = te, .elem_e = te};
                if (!empty) {
                    x->tmrk_part = (long)i;
                    x->tmrk_depth = x->depth;
                }
                break;
            }
    } else if (x->in_target && x->depth > x->target_depth) {
        if (!x->unit.mrk_mode && x->unit.n_parts)
            cur_part(x)->t.filled = 1;
        if (x->tmrk_part >= 0)
            x->parts[x->tmrk_part].t.filled = 1;
    } else if (!strcmp(name, "seg-defs")) {
        x->in_segdefs = 1;
    } else if (x->in_segdefs && !strcmp(name, "seg")) {
        if (grow((void **)&x->sdl, &x->cap_sdl, x->n_sdl, sizeof *x->sdl)) {
            x->failed = 1;
            return;
        }
        xl_sdlseg *sg = &x->sdl[x->n_sdl++];
        memset(sg, 0, sizeof *sg);
        sg->unit = x->n_units;
        sg->tag_s = ts;
        sg->tag_e = te;
        get_attr(n_attrs, attrs, NULL, "id", sg->id, sizeof sg->id);
        if ((get_attr(n_attrs, attrs, NULL, "locked", v, sizeof v) && !strcmp(v, "true")) ||
            (get_attr(n_attrs, attrs, NULL, "conf", v, sizeof v) &&
             (!strcmp(v, "Translated") || !strncmp(v, "Approved", 8)))) {
            char id[40];
            get_attr(n_attrs, attrs, NULL, "id", id, sizeof id);
            for (size_t i = x->unit.first_part; i < x->n_parts; i++)
                if (!strcmp(x->parts[i].mid, id))
                    x->parts[i].confirmed = 1;
        }
    }
}

/* Creates the segments of the unit just read. */
static void finish_unit(xl_state *x)
{
    fmt_doc *d = x->d;
    if (grow((void **)&x->units, &x->cap_units, x->n_units, sizeof *x->units)) {
        x->failed = 1;
        return;
    }
    /* mrk mode: a target with text but none of the segments' mrks counts as filled for them all */
    int target_text = x->unit.mrk_mode && x->unit.target.present && x->unit.target.filled;
    for (size_t i = x->unit.first_part; i < x->n_parts; i++)
        target_text &= !x->parts[i].t.present;
    for (size_t i = x->unit.first_part; i < x->n_parts && !x->failed; i++) {
        xl_part *pt = &x->parts[i];
        fmt_seg *s = doc_add_seg_ref(d, pt->src_s, pt->src_e - pt->src_s, pt->src_s, pt->src_e);
        if (!s) {
            x->failed = 1;
            break;
        }
        pt->seg_index = (int)d->n_segs - 1;
        s->codes = pt->codes;
        s->n_codes = s->cap_codes = pt->n_codes;
        pt->codes = NULL;
        if (s->n_codes) {
            fmt_code *fitted = realloc(s->codes, s->n_codes * sizeof *s->codes);
            if (fitted)
                s->codes = fitted;
        } else {
            free(s->codes);
            s->codes = NULL;
        }
        s->group = (int)(x->units_before + x->n_units);
        s->part = (int)(i - x->unit.first_part);
        char id[160];
        char unit_id[64] = "";
        /* the unit's id from its start tag */
        const char *p = d->data + x->unit.tag_s, *e = d->data + x->unit.tag_e;
        const char *idp = NULL;
        for (const char *q = p; q + 4 < e; q++)
            if ((q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n') && !memcmp(q, "id=", 3) && (q[3] == '"' || q[3] == '\'')) {
                idp = q + 4;
                break;
            }
        if (idp) {
            const char *end = memchr(idp, idp[-1], (size_t)(e - idp));
            if (end)
                copy_value(unit_id, sizeof unit_id, (const xmlChar *)idp, (const xmlChar *)end);
        }
        snprintf(id, sizeof id, "%s%s%s", unit_id, pt->mid[0] ? "/" : "", pt->mid);
        if (id[0] && seg_set_id(s, id, strlen(id)))
            x->failed = 1;
        int filled = pt->t.filled || target_text;
        if (x->unit_skip || x->unit_confirmed || pt->confirmed || x->overflow || (filled && !d->overwrite))
            s->status = SEG_SKIPPED;
    }
    x->units[x->n_units++] = x->unit;
    x->overflow = 0;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix;
    (void)uri;
    xl_state *x = ((xmlParserCtxtPtr)ctx)->_private;
    const char *name = (const char *)localname;
    int depth = x->depth--;
    if (x->failed)
        return;
    size_t es, ee;
    end_tag_range(x, &es, &ee);
    if (x->whole_depth) {
        if (depth == x->whole_depth) {
            linked_code(x, x->whole_kind, x->whole_key, x->whole_start, ee);
            x->whole_depth = 0;
        }
        return;
    }
    if (x->cap_depth && depth > x->cap_depth) {
        const char *p = x->d->data;
        if (ee >= 2 && p[ee - 2] == '/')
            return; /* an empty element, already a code */
        if (x->n_open) {
            part_code(x, es, ee, (int)x->open_codes[--x->n_open]);
            for (int k = 0; k < x->n_sc; k++)
                x->sc[k].crossed |= x->sc[k].base > x->n_open; /* an element around the sc closed */
        }
        return;
    }
    if (x->cap_depth && depth == x->cap_depth) {
        xl_part *pt = cur_part(x);
        pt->src_e = es;
        add_markup_codes(x, pt);
        pt->anchor = ee;
        x->cap_depth = 0;
        x->n_open = 0;
        x->n_sc = 0;
        if (!x->v2 && !x->unit.mrk_mode)
            pt->anchor = ee;
        return;
    }
    if (!x->in_unit) {
        if (depth == x->no_translate_depth)
            x->no_translate_depth = 0;
        return;
    }
    if (x->in_target && depth == x->target_depth) {
        xl_target *t = x->v2 ? &cur_part(x)->t : x->unit.mrk_mode ? &x->unit.target :
                       x->unit.n_parts ? &cur_part(x)->t : NULL;
        if (t && !t->empty_elem) {
            t->close_s = es;
            t->elem_e = ee;
            for (size_t k = t->tag_e; k < es && !t->filled; k++)
                t->filled = !strchr(" \t\r\n", x->d->data[k]);
        }
        x->in_target = 0;
        return;
    }
    if (x->tmrk_part >= 0 && depth == x->tmrk_depth) {
        xl_target *t = &x->parts[x->tmrk_part].t;
        t->close_s = es;
        t->elem_e = ee;
        for (size_t k = t->tag_e; k < es && !t->filled; k++)
            t->filled = !strchr(" \t\r\n", x->d->data[k]);
        x->tmrk_part = -1;
        return;
    }
    if (x->in_segsource && depth == x->in_segsource) {
        x->in_segsource = 0;
        x->unit.segsrc_e = es > x->unit.segsrc_s ? es : x->unit.segsrc_s;
        x->unit.anchor = ee;
        return;
    }
    if (x->v2 && x->seg_depth && depth == x->seg_depth) {
        x->seg_depth = 0;
        return;
    }
    if (x->v2 && x->notes_depth && depth == x->notes_depth) {
        x->unit.notes_close = es;
        x->notes_depth = 0;
        return;
    }
    if (!strcmp(name, "seg-defs"))
        x->in_segdefs = 0;
    if (depth == x->unit_depth) {
        x->unit.close_s = es;
        finish_unit(x);
        x->in_unit = 0;
    }
}

static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name;
    (void)ext;
    (void)sys;
    xmlParserCtxtPtr c = ctx;
    xl_state *x = c->_private;
    x->refused_dtd = 1;
    x->error_line = xmlSAX2GetLineNumber(ctx);
    xmlStopParser(c);
}

static void on_error(void *user, xmlErrorPtr e)
{
    xmlParserCtxtPtr c = user;
    xl_state *x = c ? c->_private : NULL;
    if (!x || x->error[0] || !e || e->level < XML_ERR_ERROR)
        return;
    snprintf(x->error, sizeof x->error, "%s", e->message ? e->message : "malformed XML");
    size_t n = strlen(x->error);
    while (n && (x->error[n - 1] == '\n' || x->error[n - 1] == ' '))
        x->error[--n] = 0;
    x->error_line = e->line;
}

static void xl_free(fmt_doc *d)
{
    xl_state *x = d->state;
    if (!x)
        return;
    for (size_t i = 0; i < x->n_parts; i++)
        free(x->parts[i].codes);
    free(x->parts);
    free(x->units);
    free(x->sdl);
    for (size_t i = 0; i < x->n_interned; i++)
        free(x->interned[i]);
    free(x);
    d->state = NULL;
}

/* Only UTF-8: no UTF-16 byte order mark, and an encoding declaration (if any) saying UTF-8. */
static int utf8_only(const char *p, size_t n)
{
    if (n >= 2 && ((unsigned char)p[0] == 0xfe || (unsigned char)p[0] == 0xff || p[0] == 0 || p[1] == 0))
        return 0;
    if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) {
        p += 3;
        n -= 3;
    }
    if (n < 5 || memcmp(p, "<?xml", 5))
        return 1;
    const char *end = memchr(p, '>', n);
    const char *enc = end ? memmem(p, (size_t)(end - p), "encoding", 8) : NULL;
    if (!enc)
        return 1;
    const char *q = enc + 8;
    while (q < end && (*q == ' ' || *q == '=' || *q == '"' || *q == '\''))
        q++;
    return !strncasecmp(q, "utf-8", 5) || !strncasecmp(q, "utf8", 4) || !strncasecmp(q, "us-ascii", 8) ||
           !strncasecmp(q, "ascii", 5);
}

/* After a window: the finished units, their parts, segments and Trados seg entries go; a unit being
 * read keeps its parts (moved to the front). */
static void drop_window(xl_state *x)
{
    size_t keep_from = x->in_unit ? x->unit.first_part : x->n_parts;
    for (size_t i = 0; i < keep_from; i++)
        free(x->parts[i].codes);
    if (keep_from > 0) /* (parts may still be NULL: no pointer arithmetic on it) */
        memmove(x->parts, x->parts + keep_from, (x->n_parts - keep_from) * sizeof *x->parts);
    x->n_parts -= keep_from;
    if (x->in_unit)
        x->unit.first_part = 0;
    if (x->tmrk_part >= 0)
        x->tmrk_part -= (long)keep_from;
    size_t kept = 0;
    for (size_t i = 0; i < x->n_sdl; i++)
        if (x->sdl[i].unit >= x->n_units) {
            x->sdl[kept] = x->sdl[i];
            x->sdl[kept++].unit -= x->n_units;
        }
    x->n_sdl = kept;
    x->units_before += x->n_units;
    x->n_units = 0;
    doc_clear_segs(x->d);
}

/* Parses the whole file: WINDOW NULL keeps every unit (parse), else WINDOW gets the units finished
 * after each piece of the file and they are dropped (stream). */
static int xl_run(fmt_doc *d, doc_window_fn window, void *user, tolk_error *err)
{
    if (!utf8_only(d->data, d->len))
        return error_set(err, TOLK_E_UNSUPPORTED, "only UTF-8 XLIFF files are read");
    if (d->len == 0)
        return error_set(err, TOLK_E_FORMAT, "an empty file is not XLIFF");
    if (d->len > 0x7fffffff)
        return error_set(err, TOLK_E_UNSUPPORTED, "an XLIFF file over 2 GiB");
    xl_free(d); /* a streamed document was checked by a first pass */
    xl_state *x = calloc(1, sizeof *x);
    if (!x)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    x->d = d;
    x->tmrk_part = -1;
    d->state = x;
    /* a push parser fed from the file in pieces: libxml2 holds one piece at a time, not a copy of
     * the file (its memory parser copies the whole input first) */
    xmlSAXHandler h;
    memset(&h, 0, sizeof h);
    h.initialized = XML_SAX2_MAGIC;
    h.startElementNs = on_start;
    h.endElementNs = on_end;
    h.internalSubset = on_internal_subset;
    h.serror = on_error;
    size_t first = d->len < 4 ? d->len : 4;
    xmlParserCtxtPtr c = xmlCreatePushParserCtxt(&h, NULL, d->data, (int)first, NULL);
    if (!c)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    c->_private = x;
    x->ctxt = c;
    xmlCtxtUseOptions(c, XML_PARSE_NONET);
    c->replaceEntities = 0;
    c->loadsubset = 0;
    const size_t piece = d->stream_piece ? d->stream_piece : 256 * 1024;
    int rc = TOLK_OK;
    for (size_t at = first; at <= d->len && !x->failed && !x->refused_dtd && c->wellFormed && !c->disableSAX;) {
        /* the last call (no bytes, terminate) ends the document */
        size_t n = d->len - at < piece ? d->len - at : piece;
        int last = at == d->len;
        at += n;
        if (xmlParseChunk(c, n ? d->data + at - n : NULL, (int)n, last))
            break;
        if (window && x->n_units && !x->failed && c->wellFormed) {
            /* a window of finished units: translated and written by the caller, then dropped */
            rc = window(d, user, err);
            drop_window(x);
            if (rc)
                break;
        }
        doc_release_before(d, at - n);
        if (last)
            break;
    }
    int well_formed = c->wellFormed;
    int line = x->error_line ? x->error_line : c->input ? c->input->line : 0;
    x->ctxt = NULL;
    xmlFreeParserCtxt(c);
    if (rc)
        return rc;
    if (x->failed)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    if (x->refused_dtd)
        return error_set(err, TOLK_E_FORMAT, "line %d: a DTD is not allowed in XLIFF (entities are not expanded; "
                         "external ones are never fetched)", line);
    if (!well_formed)
        return error_set(err, TOLK_E_FORMAT, "line %d: malformed XML: %s", line, x->error[0] ? x->error :
                         "not well-formed");
    return TOLK_OK;
}

static int xl_parse(fmt_doc *d, tolk_error *err)
{
    int rc = xl_run(d, NULL, NULL, err);
    if (rc)
        return rc;
    xl_state *x = d->state;
    /* the lists as long as they are: a big file's growth slack is tens of megabytes */
    shrink((void **)&x->parts, &x->cap_parts, x->n_parts, sizeof *x->parts);
    shrink((void **)&x->units, &x->cap_units, x->n_units, sizeof *x->units);
    shrink((void **)&d->segs, &d->cap_segs, d->n_segs, sizeof *d->segs);
    return TOLK_OK;
}

static int xl_stream(fmt_doc *d, doc_window_fn window, void *user, tolk_error *err)
{
    return xl_run(d, window, user, err);
}

/* Sets attribute QNAME of the start tag [s, e) to VALUE: its value replaced, or the attribute added
 * before the tag's end. */
static int tag_set_attr(fmt_doc *d, size_t s, size_t e, const char *qname, const char *value)
{
    const char *p = d->data;
    size_t n = strlen(qname);
    char quote = 0;
    for (size_t k = s + 1; k + n + 1 < e; k++) {
        if (quote) {
            if (p[k] == quote)
                quote = 0;
            continue;
        }
        if (p[k] == '"' || p[k] == '\'') {
            quote = p[k];
            continue;
        }
        if ((p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\n' || p[k - 1] == '\r') &&
            !memcmp(p + k, qname, n)) {
            size_t q = k + n;
            while (q < e && (p[q] == ' ' || p[q] == '\t' || p[q] == '\n' || p[q] == '\r'))
                q++;
            if (q >= e || p[q] != '=')
                continue;
            q++;
            while (q < e && (p[q] == ' ' || p[q] == '\t' || p[q] == '\n' || p[q] == '\r'))
                q++;
            if (q >= e || (p[q] != '"' && p[q] != '\''))
                continue;
            const char *close = memchr(p + q + 1, p[q], e - q - 1);
            if (!close)
                return 0;
            return doc_add_edit(d, q + 1, (size_t)(close - p), value, strlen(value));
        }
    }
    size_t at = e - 1; /* at '>' */
    if (at > s && p[at - 1] == '/')
        at--;
    while (at > s && (p[at - 1] == ' ' || p[at - 1] == '\t' || p[at - 1] == '\n' || p[at - 1] == '\r'))
        at--;
    char buf[160];
    snprintf(buf, sizeof buf, " %s=\"%s\"", qname, value);
    return doc_add_edit(d, at, at, buf, strlen(buf));
}

/* Fills target element T (start tag [tag_s, tag_e)) with TEXT, expanding <target/>. */
static int fill_element(fmt_doc *d, const xl_target *t, const char *name, const char *text, size_t len)
{
    if (!t->empty_elem)
        return doc_add_edit_ref(d, t->tag_e, t->close_s, text, len);
    fmt_buf b = {0};
    int rc = fbuf_addc(&b, '>') || fbuf_add(&b, text, len) || fbuf_adds(&b, "</") || fbuf_adds(&b, name) ||
             fbuf_addc(&b, '>');
    size_t slash = t->tag_e - 2;
    rc = rc || doc_add_edit(d, slash, t->tag_e, b.p, b.n);
    fbuf_free(&b);
    return rc;
}

static int seg_done(const fmt_seg *s)
{
    return s->status == SEG_TRANSLATED || s->status == SEG_COPIED;
}

/* XLIFF 2.x: a note for the reviewer in the unit's <notes> (the schema puts <notes> after any
 * extension elements and before <originalData>, <segment> and <ignorable>: a new one goes right
 * before the first of those, indented as it is). */
static int note_v2(fmt_doc *d, const xl_unit *u, const char *check, int any)
{
    char note[200];
    snprintf(note, sizeof note, "<%snote category=\"tolk\">tolk check: %s%s</%snote>", u->prefix, check,
             any ? "" : " (left untranslated)", u->prefix);
    if (u->notes_close)
        return doc_add_edit(d, u->notes_close, u->notes_close, note, strlen(note));
    fmt_buf b = {0};
    int rc;
    if (u->notes_ee) {
        rc = fbuf_addc(&b, '<') || fbuf_adds(&b, u->prefix) || fbuf_adds(&b, "notes>") || fbuf_adds(&b, note) ||
             fbuf_adds(&b, "</") || fbuf_adds(&b, u->prefix) || fbuf_adds(&b, "notes>") ||
             doc_add_edit(d, u->notes_es, u->notes_ee, b.p, b.n);
    } else {
        const char *p = d->data;
        size_t at = u->core_s ? u->core_s : u->close_s, k = at;
        while (k > u->tag_e && strchr(" \t\r\n", p[k - 1]))
            k--;
        rc = fbuf_addc(&b, '<') || fbuf_adds(&b, u->prefix) || fbuf_adds(&b, "notes>") || fbuf_adds(&b, note) ||
             fbuf_adds(&b, "</") || fbuf_adds(&b, u->prefix) || fbuf_adds(&b, "notes>") ||
             fbuf_add(&b, p + k, at - k) || doc_add_edit(d, at, at, b.p, b.n);
    }
    fbuf_free(&b);
    return rc;
}

/* A copy of TEXT kept by the state for edits to borrow (NULL when the table is full or memory ran
 * out): every new target of a file starts and ends the same way, so a big file's hundreds of
 * thousands of new targets share a few strings instead of copying them. */
static const char *intern(xl_state *x, const char *text, size_t len)
{
    for (size_t i = 0; i < x->n_interned; i++)
        if (strlen(x->interned[i]) == len && !memcmp(x->interned[i], text, len))
            return x->interned[i];
    if (x->n_interned == sizeof x->interned / sizeof x->interned[0])
        return NULL;
    char *c = strndup(text, len);
    if (c)
        x->interned[x->n_interned++] = c;
    return c;
}

/* Inserts OPEN, the translation OUT and CLOSE at AT: borrowed where it can be, else one copy. */
static int insert_target(fmt_doc *d, xl_state *x, size_t at, const fmt_buf *open, const char *out, size_t out_len,
                         const fmt_buf *close)
{
    const char *o = intern(x, open->p, open->n), *c = o ? intern(x, close->p, close->n) : NULL;
    if (o && c)
        return doc_add_edit_ref(d, at, at, o, open->n) || doc_add_edit_ref(d, at, at, out, out_len) ||
               doc_add_edit_ref(d, at, at, c, close->n);
    fmt_buf b = {0};
    int rc = fbuf_add(&b, open->p, open->n) || fbuf_add(&b, out, out_len) || fbuf_add(&b, close->p, close->n) ||
             doc_add_edit(d, at, at, b.p ? b.p : "", b.n);
    fbuf_free(&b);
    return rc;
}

/* XLIFF 1.2: a note for the reviewer after the unit's XLIFF elements: before the first element of
 * another namespace (Trados' sdl:seg-defs; the schema puts those last), else before </trans-unit>;
 * on a line of its own where the unit's children are on lines of their own. */
static int note_v12(fmt_doc *d, const xl_unit *u, const char *check, int any)
{
    if (u->close_s <= u->tag_e)
        return 0;
    char note[160];
    snprintf(note, sizeof note, "<%snote from=\"tolk\">tolk check: %s%s</%snote>", u->prefix, check,
             any ? "" : " (left untranslated)", u->prefix);
    const char *p = d->data;
    size_t at = u->ext_s ? u->ext_s : u->close_s, ls = at;
    while (ls > u->tag_e && (p[ls - 1] == ' ' || p[ls - 1] == '\t'))
        ls--;
    int own_line = ls > u->tag_e && p[ls - 1] == '\n';
    fmt_buf b = {0};
    int rc;
    if (u->ext_s)
        rc = fbuf_adds(&b, note) || (own_line && (fbuf_adds(&b, "\n") || fbuf_add(&b, p + ls, at - ls)));
    else
        rc = own_line ? fbuf_add(&b, "  ", 2) || fbuf_adds(&b, note) || fbuf_adds(&b, "\n") ||
                        fbuf_add(&b, p + ls, at - ls)
                      : fbuf_adds(&b, note);
    rc = rc || doc_add_edit(d, at, at, b.p, b.n);
    fbuf_free(&b);
    return rc;
}

static int render_unit(fmt_doc *d, xl_state *x, size_t ui)
{
    const xl_unit *u = &x->units[ui];
    int any = 0, rc = 0;
    char qname[96];
    const char *check = NULL;
    for (size_t i = u->first_part; i < u->first_part + u->n_parts; i++) {
        const fmt_seg *s = x->parts[i].seg_index >= 0 ? &d->segs[x->parts[i].seg_index] : NULL;
        any |= s && seg_done(s);
        if (s && s->check && !check)
            check = s->check;
    }
    if (check && x->v2 && (rc = note_v2(d, u, check, any)))
        return rc;
    if (!any)
        return check && !x->v2 ? note_v12(d, u, check, any) : 0;
    if (!x->v2 && !u->mrk_mode) {
        const xl_part *pt = &x->parts[u->first_part];
        const fmt_seg *s = &d->segs[pt->seg_index];
        snprintf(qname, sizeof qname, "%starget", u->prefix);
        if (pt->t.present) {
            rc = tag_set_attr(d, pt->t.tag_s, pt->t.tag_e, "state", "needs-review-translation") ||
                 tag_set_attr(d, pt->t.tag_s, pt->t.tag_e, "state-qualifier", "leveraged-mt") ||
                 fill_element(d, &pt->t, qname, s->out, s->out_len);
        } else {
            fmt_buf open = {0}, close = {0};
            rc = fbuf_add(&open, d->data + pt->indent_s, pt->indent_n) || fbuf_addc(&open, '<') || fbuf_adds(&open, qname) ||
                 fbuf_adds(&open, " state=\"needs-review-translation\" state-qualifier=\"leveraged-mt\">") ||
                 fbuf_adds(&close, "</") || fbuf_adds(&close, qname) || fbuf_addc(&close, '>') ||
                 insert_target(d, x, pt->anchor, &open, s->out, s->out_len, &close);
            fbuf_free(&open);
            fbuf_free(&close);
        }
    } else if (x->v2) {
        for (size_t i = u->first_part; i < u->first_part + u->n_parts && !rc; i++) {
            const xl_part *pt = &x->parts[i];
            if (pt->seg_index < 0 || !seg_done(&d->segs[pt->seg_index]))
                continue;
            const fmt_seg *s = &d->segs[pt->seg_index];
            snprintf(qname, sizeof qname, "%starget", u->prefix);
            rc = tag_set_attr(d, pt->seg_tag_s, pt->seg_tag_e, "state", "translated") ||
                 tag_set_attr(d, pt->seg_tag_s, pt->seg_tag_e, "subState", "tolk:mt");
            if (rc)
                break;
            if (pt->t.present) {
                rc = fill_element(d, &pt->t, qname, s->out, s->out_len);
            } else {
                fmt_buf open = {0}, close = {0};
                rc = fbuf_add(&open, d->data + pt->indent_s, pt->indent_n) || fbuf_addc(&open, '<') || fbuf_adds(&open, qname) ||
                     fbuf_addc(&open, '>') || fbuf_adds(&close, "</") || fbuf_adds(&close, qname) ||
                     fbuf_addc(&close, '>') || insert_target(d, x, pt->anchor, &open, s->out, s->out_len, &close);
                fbuf_free(&open);
                fbuf_free(&close);
            }
        }
    } else {
        /* seg-source mrks: fill the target's mrks; a target with none of them (absent, <target/>,
         * blank) gets the seg-source's content with each segment's translation in its mrk, as
         * Trados writes it (the text and codes between segments kept) */
        int any_tmrk = 0;
        for (size_t i = u->first_part; i < u->first_part + u->n_parts; i++)
            any_tmrk |= x->parts[i].t.present;
        snprintf(qname, sizeof qname, "%starget", u->prefix);
        if (!any_tmrk) {
            fmt_buf whole = {0};
            if (!u->target.present)
                rc = fbuf_add(&whole, d->data + u->indent_s, u->indent_n) || fbuf_addc(&whole, '<') ||
                     fbuf_adds(&whole, qname) || fbuf_addc(&whole, '>');
            size_t at = u->segsrc_s;
            for (size_t i = u->first_part; i < u->first_part + u->n_parts && !rc; i++) {
                const xl_part *pt = &x->parts[i];
                const fmt_seg *s = pt->seg_index >= 0 ? &d->segs[pt->seg_index] : NULL;
                if (pt->src_s < at || pt->src_e > u->segsrc_e)
                    continue;
                rc = fbuf_add(&whole, d->data + at, pt->src_s - at) ||
                     (s && seg_done(s) && fbuf_add(&whole, s->out, s->out_len));
                at = pt->src_e;
            }
            rc = rc || fbuf_add(&whole, d->data + at, u->segsrc_e - at);
            if (!rc && !u->target.present)
                rc = fbuf_adds(&whole, "</") || fbuf_adds(&whole, qname) || fbuf_addc(&whole, '>') ||
                     doc_add_edit(d, u->anchor, u->anchor, whole.p, whole.n);
            else if (!rc && !u->target.empty_elem)
                rc = doc_add_edit(d, u->target.tag_e, u->target.close_s, whole.p ? whole.p : "", whole.n);
            else if (!rc) {
                fmt_buf b = {0};
                rc = fbuf_addc(&b, '>') || fbuf_add(&b, whole.p, whole.n) || fbuf_adds(&b, "</") ||
                     fbuf_adds(&b, qname) || fbuf_addc(&b, '>') ||
                     doc_add_edit(d, u->target.tag_e - 2, u->target.tag_e, b.p, b.n);
                fbuf_free(&b);
            }
            fbuf_free(&whole);
        }
        for (size_t i = u->first_part; i < u->first_part + u->n_parts && !rc; i++) {
            const xl_part *pt = &x->parts[i];
            const fmt_seg *s = pt->seg_index >= 0 ? &d->segs[pt->seg_index] : NULL;
            if (!s || !seg_done(s))
                continue;
            if (any_tmrk && pt->t.present) {
                rc = fill_element(d, &pt->t, "mrk", s->out, s->out_len);
            } else if (any_tmrk) {
                /* the target lacks this segment's mrk: added at its end */
                fmt_buf b = {0};
                rc = fbuf_adds(&b, "<mrk mtype=\"seg\" mid=\"") || fbuf_adds(&b, pt->mid) || fbuf_adds(&b, "\">") ||
                     fbuf_add(&b, s->out, s->out_len) || fbuf_adds(&b, "</mrk>") ||
                     doc_add_edit(d, u->target.close_s, u->target.close_s, b.p, b.n);
                fbuf_free(&b);
            }
            for (size_t k = 0; k < x->n_sdl && !rc; k++)
                if (x->sdl[k].unit == ui && !strcmp(x->sdl[k].id, pt->mid))
                    rc = tag_set_attr(d, x->sdl[k].tag_s, x->sdl[k].tag_e, "origin", "mt") ||
                         tag_set_attr(d, x->sdl[k].tag_s, x->sdl[k].tag_e, "conf", "Draft");
        }
    }
    /* memoQ reads its own status attribute */
    if (!rc && !x->v2) {
        const char *p = d->data;
        for (size_t k = u->tag_s; k + 10 < u->tag_e; k++)
            if (!memcmp(p + k, "mq:status=", 10)) {
                rc = tag_set_attr(d, u->tag_s, u->tag_e, "mq:status", "MachineTranslated");
                break;
            }
    }
    /* queued after the target: a new target and the note can go to the same place */
    if (!rc && check && !x->v2)
        rc = note_v12(d, u, check, any);
    return rc;
}

static size_t xl_n_units(const fmt_doc *d)
{
    const xl_state *x = d->state;
    return x->n_units;
}

static int xl_render_unit(fmt_doc *d, size_t ui, tolk_error *err)
{
    (void)err;
    return render_unit(d, d->state, ui) ? -1 : TOLK_OK;
}

const fmt_ops fmt_xliff_ops = {.name = "xliff", .extensions = "xliff xlf sdlxliff mqxliff mxliff",
                               .escape = ESC_XML, .parse = xl_parse, .n_parts = xl_n_units,
                               .render_part = xl_render_unit, .free_state = xl_free, .stream = xl_stream};
#else
static int xl_parse(fmt_doc *d, tolk_error *err)
{
    (void)d;
    return error_set(err, TOLK_E_UNSUPPORTED, "tolk was built without libxml2 (XLIFF needs it; install libxml2 "
                     "and rebuild)");
}

const fmt_ops fmt_xliff_ops = {.name = "xliff", .extensions = "xliff xlf sdlxliff mqxliff mxliff",
                               .escape = ESC_XML, .parse = xl_parse};
#endif
