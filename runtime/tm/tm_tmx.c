/* TMX 1.4b import and export (tm.h). Import streams the file through libxml2's xmlTextReader (one
 * <tu> in memory at a time, so a file of any size imports in constant memory), with network access
 * off, entities never expanded and any DTD that declares entities refused; each <seg> is kept as
 * its inner XML so inline markup survives, one transaction per TM_TX_UNITS units. Export writes
 * one <tu> per stored pair in id order into PATH.tmp and renames it, so the output is byte-stable
 * and never left half-written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/xmlreader.h>

#include "error.h"
#include "tm_db_internal.h"

#define TM_TX_UNITS 1000
#define TM_MAX_TUV 64            /* languages in one <tu> */
#define TM_MAX_SEG (1u << 20)    /* bytes of one segment's XML */

typedef struct tuv {
    char *lang;
    char *seg;
} tuv;

typedef struct reader_state {
    const char *path;
    char first_error[512];
    char *header_src;
    char *tu_src;
    tuv tuvs[TM_MAX_TUV];
    int n_tuv;
    char *cur_lang; /* lang of the <tuv> being read */
} reader_state;

static void on_xml_error(void *user, xmlErrorPtr e)
{
    reader_state *rs = user;
    if (rs->first_error[0] || !e || e->level < XML_ERR_ERROR)
        return;
    size_t n = snprintf(rs->first_error, sizeof rs->first_error, "line %d: %s", e->line,
                        e->message ? e->message : "malformed XML");
    if (n >= sizeof rs->first_error)
        n = sizeof rs->first_error - 1;
    while (n > 0 && (rs->first_error[n - 1] == '\n' || rs->first_error[n - 1] == ' '))
        rs->first_error[--n] = 0;
    for (char *p = rs->first_error; *p; p++) /* libxml2 adds lines ("Bytes: 0xC3 ..."): one line */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

static void clear_tu(reader_state *rs)
{
    for (int i = 0; i < rs->n_tuv; i++) {
        free(rs->tuvs[i].lang);
        free(rs->tuvs[i].seg);
    }
    rs->n_tuv = 0;
    free(rs->tu_src);
    rs->tu_src = NULL;
    free(rs->cur_lang);
    rs->cur_lang = NULL;
}

static char *attr(xmlTextReaderPtr r, const char *name)
{
    xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
    char *s = v ? strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static int lang_eq(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

/* The pairs of the finished <tu>: its source-language <tuv> against every other one. */
static int emit_tu(tm_db *db, reader_state *rs, tm_import_stats *st, tolk_error *err)
{
    st->units++;
    const char *src = rs->tu_src ? rs->tu_src : rs->header_src;
    int si = -1;
    for (int i = 0; i < rs->n_tuv && si < 0; i++)
        if (lang_eq(rs->tuvs[i].lang, src))
            si = i;
    if (si < 0 && (!src || !strcmp(src, "*all*")) && rs->n_tuv)
        si = 0;
    int any = 0;
    for (int i = 0; si >= 0 && i < rs->n_tuv; i++) {
        if (i == si || !rs->tuvs[si].seg[0] || !rs->tuvs[i].seg[0] || lang_eq(rs->tuvs[i].lang, rs->tuvs[si].lang))
            continue;
        int added = 0, rc = tm_add_xml(db, rs->tuvs[si].lang, rs->tuvs[i].lang, rs->tuvs[si].seg, rs->tuvs[i].seg,
                                       &added, err);
        if (rc)
            return rc;
        st->added += added;
        any = 1;
    }
    if (!any)
        st->skipped++;
    return TOLK_OK;
}

/* One reader node. Returns TOLK_OK, or an error with ERR filled. */
static int on_node(tm_db *db, xmlTextReaderPtr r, reader_state *rs, tm_import_stats *st, int *seen_root,
                   tolk_error *err)
{
    int type = xmlTextReaderNodeType(r);
    const char *name = (const char *)xmlTextReaderConstLocalName(r);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
        xmlNodePtr n = xmlTextReaderCurrentNode(r);
        xmlDtdPtr dtd = n && n->doc ? n->doc->intSubset : NULL;
        if (dtd && (dtd->entities || dtd->pentities || dtd->children))
            return error_set(err, TOLK_E_FORMAT, "%s: the DOCTYPE declares entities or other markup; TMX files "
                             "may not (refused: entity expansion)", rs->path);
        return TOLK_OK;
    }
    if (type == XML_READER_TYPE_ENTITY_REFERENCE || type == XML_READER_TYPE_ENTITY)
        return error_set(err, TOLK_E_FORMAT, "%s: entity reference &%s; (TMX files use only the predefined "
                         "entities)", rs->path, name ? name : "");
    if (type == XML_READER_TYPE_END_ELEMENT && name && !strcmp(name, "tu")) {
        int rc = emit_tu(db, rs, st, err);
        clear_tu(rs);
        return rc;
    }
    if (type == XML_READER_TYPE_END_ELEMENT && name && !strcmp(name, "tuv")) {
        free(rs->cur_lang);
        rs->cur_lang = NULL;
        return TOLK_OK;
    }
    if (type != XML_READER_TYPE_ELEMENT || !name)
        return TOLK_OK;
    if (!*seen_root) {
        *seen_root = 1;
        if (strcmp(name, "tmx"))
            return error_set(err, TOLK_E_FORMAT, "%s is not a TMX file (its root element is <%s>, not <tmx>)",
                             rs->path, name);
        return TOLK_OK;
    }
    if (!strcmp(name, "header")) {
        free(rs->header_src);
        rs->header_src = attr(r, "srclang");
    } else if (!strcmp(name, "tu")) {
        clear_tu(rs);
        rs->tu_src = attr(r, "srclang");
    } else if (!strcmp(name, "tuv")) {
        free(rs->cur_lang);
        rs->cur_lang = attr(r, "xml:lang");
        if (!rs->cur_lang)
            rs->cur_lang = attr(r, "lang"); /* TMX 1.1 */
        if (!rs->cur_lang)
            return error_set(err, TOLK_E_FORMAT, "%s: line %d: <tuv> without xml:lang", rs->path,
                             xmlTextReaderGetParserLineNumber(r));
    } else if (!strcmp(name, "seg") && rs->cur_lang) {
        if (rs->n_tuv == TM_MAX_TUV)
            return error_set(err, TOLK_E_FORMAT, "%s: line %d: more than %d languages in one <tu>", rs->path,
                             xmlTextReaderGetParserLineNumber(r), TM_MAX_TUV);
        xmlChar *inner = xmlTextReaderReadInnerXml(r);
        if (!inner)
            return error_set(err, TOLK_E_FORMAT, "%s: line %d: unreadable <seg>%s%s", rs->path,
                             xmlTextReaderGetParserLineNumber(r), rs->first_error[0] ? ": " : "", rs->first_error);
        if (strlen((const char *)inner) > TM_MAX_SEG) {
            xmlFree(inner);
            return error_set(err, TOLK_E_FORMAT, "%s: line %d: a segment over %u bytes", rs->path,
                             xmlTextReaderGetParserLineNumber(r), TM_MAX_SEG);
        }
        tuv *t = &rs->tuvs[rs->n_tuv];
        t->lang = strdup(rs->cur_lang);
        t->seg = strdup((const char *)inner);
        xmlFree(inner);
        rs->n_tuv++;
        if (!t->lang || !t->seg)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    return TOLK_OK;
}

int tm_import_tmx(tm_db *db, const char *path, tm_import_stats *st, tolk_error *err)
{
    memset(st, 0, sizeof *st);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_set(err, TOLK_E_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0) {
        close(fd);
        return error_set(err, TOLK_E_FORMAT, "%s is empty, not a TMX file", path);
    }
    reader_state rs = {.path = path};
    xmlTextReaderPtr r = xmlReaderForFd(fd, path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (!r) {
        close(fd);
        return error_set(err, TOLK_E_NOMEM, "cannot start the XML reader for %s", path);
    }
    xmlTextReaderSetStructuredErrorHandler(r, on_xml_error, &rs);
    int rc = tm_begin(db, err), seen_root = 0, in_tx = !rc, x;
    int64_t since_commit = 0, added_committed = 0;
    while (!rc && (x = xmlTextReaderRead(r)) == 1) {
        int64_t before = st->units;
        rc = on_node(db, r, &rs, st, &seen_root, err);
        if (!rc && st->units != before && ++since_commit >= TM_TX_UNITS) {
            since_commit = 0;
            rc = tm_commit(db, err);
            in_tx = 0;
            if (!rc)
                added_committed = st->added;
            if (!rc) {
                rc = tm_begin(db, err);
                in_tx = !rc;
            }
        }
    }
    if (!rc && x != 0)
        rc = error_set(err, TOLK_E_FORMAT, "%s: malformed XML%s%s", path, rs.first_error[0] ? ": " : "",
                       rs.first_error[0] ? rs.first_error : "");
    if (!rc && !seen_root)
        rc = error_set(err, TOLK_E_FORMAT, "%s: empty file, not a TMX document", path);
    if (!rc && rs.n_tuv)
        rc = error_set(err, TOLK_E_FORMAT, "%s: the file ends inside a <tu>", path);
    if (in_tx) {
        if (rc) {
            tm_rollback(db); /* units of earlier transactions stay: they were whole */
            st->added = added_committed;
        } else {
            rc = tm_commit(db, err);
        }
    }
    clear_tu(&rs);
    free(rs.header_src);
    xmlFreeTextReader(r);
    close(fd);
    return rc;
}

/* ---- export ---- */

typedef struct writer {
    FILE *f;
    int64_t n;
} writer;

static void put_attr(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

static int write_unit(const char *src_lang, const char *tgt_lang, const char *src_xml, const char *tgt_xml,
                      void *user)
{
    writer *w = user;
    fputs("    <tu srclang=\"", w->f);
    put_attr(w->f, src_lang);
    fputs("\">\n      <tuv xml:lang=\"", w->f);
    put_attr(w->f, src_lang);
    fprintf(w->f, "\"><seg>%s</seg></tuv>\n      <tuv xml:lang=\"", src_xml);
    put_attr(w->f, tgt_lang);
    fprintf(w->f, "\"><seg>%s</seg></tuv>\n    </tu>\n", tgt_xml);
    w->n++;
    return ferror(w->f) ? 1 : 0;
}

int tm_export_tmx(tm_db *db, const char *path, const char *from, const char *to, int64_t *n, tolk_error *err)
{
    size_t pl = strlen(path) + 8;
    char *tmp = malloc(pl);
    if (!tmp)
        return error_set(err, TOLK_E_NOMEM, "out of memory");
    /* A regular file (or a new name) is written as PATH.tmp and renamed into place; anything else
     * (/dev/null, /dev/stdout, a FIFO) is written through: a rename would replace the device. */
    struct stat st;
    const int direct = !stat(path, &st) && !S_ISREG(st.st_mode);
    snprintf(tmp, pl, "%s%s", path, direct ? "" : ".tmp");
    writer w = {.f = fopen(tmp, "w")};
    if (!w.f) {
        int rc = error_set(err, TOLK_E_IO, "cannot write %s: %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n"
          "  <header creationtool=\"tolk\" creationtoolversion=\"tm-1\" segtype=\"sentence\" o-tmf=\"tolk\" "
          "adminlang=\"en\" srclang=\"*all*\" datatype=\"plaintext\"/>\n  <body>\n", w.f);
    int rc = tm_each(db, from, to, write_unit, &w, err);
    if (rc == TOLK_E_IO && !err->msg[0])
        error_set(err, TOLK_E_IO, "writing %s failed", tmp);
    fputs("  </body>\n</tmx>\n", w.f);
    if (!rc && (fflush(w.f) || ferror(w.f) || (!direct && fsync(fileno(w.f)))))
        rc = error_set(err, TOLK_E_IO, "writing %s: %s", tmp, strerror(errno));
    if (fclose(w.f) && !rc)
        rc = error_set(err, TOLK_E_IO, "writing %s: %s", tmp, strerror(errno));
    if (!rc && !direct && rename(tmp, path))
        rc = error_set(err, TOLK_E_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc && !direct)
        unlink(tmp);
    free(tmp);
    if (n)
        *n = w.n;
    return rc;
}
