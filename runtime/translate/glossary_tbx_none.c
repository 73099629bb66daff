/* TBX glossaries in a build without libxml2 (glossary_internal.h): one line saying so. */
#include "error.h"
#include "glossary_internal.h"

int glossary_parse_tbx(glossary *g, const char *data, size_t len, const char *name, const char *from, const char *to,
                       tolk_error *err)
{
    (void)g, (void)data, (void)len, (void)from, (void)to;
    return error_set(err, TOLK_E_UNSUPPORTED, "%s: tolk was built without libxml2 (TBX glossaries need it; "
                     "tab-separated and CSV glossaries work without)", name);
}
