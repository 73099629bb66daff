/* Markdown front matter's text values (md_front.c): which are segments, and how a translation is
 * written back into a YAML or TOML scalar of the same kind. */
#ifndef TOLK_FORMATS_MD_FRONT_H
#define TOLK_FORMATS_MD_FRONT_H

#include <stddef.h>

#include "doc.h"

/* fmt_seg.front_matter: the kind of scalar the segment's value was */
#define FRONT_YAML_PLAIN 'p'
#define FRONT_YAML_DOUBLE 'd'
#define FRONT_YAML_SINGLE 's'
#define FRONT_TOML_BASIC 'b'
#define FRONT_TOML_LITERAL 'l'

/* Adds a segment for each top-level text value in the front matter's lines [FROM, TO) (between the
 * fences; TOML when TOML is set, else YAML); each segment's [start, end) is the whole scalar, quotes
 * included. -1 on out-of-memory. */
int md_front_matter(fmt_doc *d, size_t from, size_t to, int toml);

/* Appends TEXT[0..n) written as a scalar of STYLE (or the quoted kind it must become). -1 on
 * out-of-memory. */
int md_front_encode(char style, const char *text, size_t n, fmt_buf *out);

#endif
