/* TBX glossaries (glossary_internal.h) through libxml2's streaming xmlTextReader: TBX 2
 * (martif: termEntry / langSet / tig or ntig / term) and TBX 3 (tbx: conceptEntry / langSec /
 * termSec / term). Each concept gives one entry: its first FROM term and its first TO term
 * (languages compared by primary subtag). As for TMX: no network, entities never expanded, a
 * DOCTYPE that declares anything refused, every refusal one line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "error.h"
#include "glossary_internal.h"

typedef struct tbx_state {
    char first_error[256];
    char from[16], to[16];
    char *lang;          /* primary subtag of the langSet / langSec being read */
    char *src, *tgt;     /* this concept's first terms */
    long concept_line;
} tbx_state;

static void primary(const char *code, char *out, size_t size)
{
    size_t i = 0;
    while (code && code[i] && code[i] != '-' && code[i] != '_' && i + 1 < size) {
        out[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
        i++;
    }
    out[i] = 0;
}

static void on_error(void *user, xmlErrorPtr e)
{
    tbx_state *st = user;
    if (st->first_error[0] || !e || e->level < XML_ERR_ERROR)
        return;
    snprintf(st->first_error, sizeof st->first_error, "line %d: %s", e->line, e->message ? e->message : "");
    for (char *p = st->first_error; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    size_t n = strlen(st->first_error);
    while (n && st->first_error[n - 1] == ' ')
        st->first_error[--n] = 0;
}

static void clear_concept(tbx_state *st)
{
    free(st->src);
    free(st->tgt);
    free(st->lang);
    st->src = st->tgt = st->lang = NULL;
}

static int node(glossary *g, xmlTextReaderPtr r, tbx_state *st, const char *name, int *seen_root, tolk_error *err)
{
    int type = xmlTextReaderNodeType(r);
    const char *local = (const char *)xmlTextReaderConstLocalName(r);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
        xmlNodePtr n = xmlTextReaderCurrentNode(r);
        xmlDtdPtr dtd = n && n->doc ? n->doc->intSubset : NULL;
        if (dtd && (dtd->entities || dtd->pentities || dtd->children))
            return error_set(err, TOLK_E_FORMAT, "%s: the DOCTYPE declares entities or other markup; glossaries "
                             "may not (refused: entity expansion)", name);
        return TOLK_OK;
    }
    if (type == XML_READER_TYPE_ENTITY_REFERENCE || type == XML_READER_TYPE_ENTITY)
        return error_set(err, TOLK_E_FORMAT, "%s: entity reference &%s; (TBX files use only the predefined "
                         "entities)", name, local ? local : "");
    if (!local)
        return TOLK_OK;
    if (type == XML_READER_TYPE_END_ELEMENT && (!strcmp(local, "termEntry") || !strcmp(local, "conceptEntry"))) {
        int rc = TOLK_OK;
        if (st->src && st->tgt)
            rc = glossary_add(g, st->src, strlen(st->src), st->tgt, strlen(st->tgt), name, st->concept_line, err);
        clear_concept(st);
        return rc;
    }
    if (type != XML_READER_TYPE_ELEMENT)
        return TOLK_OK;
    if (!*seen_root) {
        *seen_root = 1;
        if (strcmp(local, "martif") && strcmp(local, "tbx"))
            return error_set(err, TOLK_E_FORMAT, "%s is not a TBX file (its root element is <%s>, not <martif> "
                             "or <tbx>)", name, local);
        return TOLK_OK;
    }
    if (!strcmp(local, "termEntry") || !strcmp(local, "conceptEntry")) {
        clear_concept(st);
        st->concept_line = xmlTextReaderGetParserLineNumber(r);
    } else if (!strcmp(local, "langSet") || !strcmp(local, "langSec")) {
        xmlChar *l = xmlTextReaderGetAttribute(r, (const xmlChar *)"xml:lang");
        if (!l)
            return error_set(err, TOLK_E_FORMAT, "%s: line %d: <%s> without xml:lang", name,
                             xmlTextReaderGetParserLineNumber(r), local);
        char p[16];
        primary((const char *)l, p, sizeof p);
        xmlFree(l);
        free(st->lang);
        st->lang = strdup(p);
        if (!st->lang)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
    } else if (!strcmp(local, "term") && st->lang) {
        char **slot = !strcmp(st->lang, st->from) && !st->src ? &st->src
                    : !strcmp(st->lang, st->to) && !st->tgt ? &st->tgt : NULL;
        if (!slot)
            return TOLK_OK;
        xmlChar *t = xmlTextReaderReadString(r);
        if (!t)
            return error_set(err, TOLK_E_FORMAT, "%s: line %d: unreadable <term>%s%s", name,
                             xmlTextReaderGetParserLineNumber(r), st->first_error[0] ? ": " : "", st->first_error);
        *slot = strdup((const char *)t);
        xmlFree(t);
        if (!*slot)
            return error_set(err, TOLK_E_NOMEM, "out of memory");
    }
    return TOLK_OK;
}

int glossary_parse_tbx(glossary *g, const char *data, size_t len, const char *name, const char *from, const char *to,
                       tolk_error *err)
{
    if (len > (size_t)1 << 30)
        return error_set(err, TOLK_E_FORMAT, "%s: over 1 GiB", name);
    tbx_state st = {0};
    primary(from, st.from, sizeof st.from);
    primary(to, st.to, sizeof st.to);
    if (len == 0)
        return error_set(err, TOLK_E_FORMAT, "%s is empty, not a TBX file", name);
    xmlTextReaderPtr r = xmlReaderForMemory(data, (int)len, name, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (!r)
        return error_set(err, TOLK_E_NOMEM, "cannot start the XML reader for %s", name);
    xmlTextReaderSetStructuredErrorHandler(r, on_error, &st);
    int rc = TOLK_OK, x, seen_root = 0;
    while (!rc && (x = xmlTextReaderRead(r)) == 1)
        rc = node(g, r, &st, name, &seen_root, err);
    if (!rc && x != 0)
        rc = error_set(err, TOLK_E_FORMAT, "%s: malformed XML%s%s", name, st.first_error[0] ? ": " : "",
                       st.first_error);
    if (!rc && !seen_root)
        rc = error_set(err, TOLK_E_FORMAT, "%s: not a TBX document", name);
    clear_concept(&st);
    xmlFreeTextReader(r);
    return rc;
}
