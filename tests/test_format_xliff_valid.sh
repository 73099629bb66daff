#!/bin/sh
# XLIFF that tolk writes stays valid XLIFF. First against the OASIS XSDs themselves
# (xliff-core-1.2-strict.xsd and the XLIFF 2.0 core schema), as Debian's php-symfony-translation
# ships them (.ci/install-deps.sh installs it; TOLK_XLIFF_XSD=DIR names another folder holding
# xliff-core-1.2-strict.xsd, xliff-core-2.0.xsd and xml.xsd), offline: an XML catalog maps the
# schemas' import of http://www.w3.org/2001/xml.xsd to the local copy. The 1.2 schema's wildcards
# for other namespaces are "strict" (every vendor element and attribute would need its own schema,
# so no Trados or memoQ file passes as it is); the copy used here makes them "lax", so vendor
# extensions are checked where a schema for them is known and let through otherwise, and
# everything of XLIFF's own namespace is checked in full. Without the XSDs that part is a SKIP.
# Then, with or without them, what those schemas require of the parts tolk writes, with xmllint: well-formedness, then XPath rules per version
# (required attributes, one source and at most one target per unit or segment, the order of a
# unit's children (1.2: source, seg-source, target, then notes, extension elements last; 2.0:
# notes before originalData, segment and ignorable), the values allowed for state,
# state-qualifier and subState, notes only where the schema allows them). Every XLIFF fixture and
# a generated file of each version go through --copy-source (which flags every unit
# "untranslated", so notes are written too) and --overwrite; hand-made files that break a rule
# show the checker catches it.
. "${TOLK_SRCDIR:-.}/tests/lib.sh"
fx=${TOLK_SRCDIR:-.}/tests/fixtures/formats
tmp=${TMPDIR:-/tmp}/tolk-xliff-valid.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

command -v xmllint > /dev/null || skip "xmllint is not installed (Debian: libxml2-utils)"
"$TOLK_BIN" translate -f "$fx/sample.xlf" --copy-source --quiet > /dev/null 2>&1 ||
    skip "tolk was built without libxml2"

# The number an XPath 1.0 expression gives for FILE.
xcount() { # FILE EXPR
    xmllint --xpath "$2" "$1" 2> /dev/null
}

TU="*[local-name()='trans-unit']"
STATES="'new' 'needs-translation' 'needs-l10n' 'needs-adaptation' 'translated' 'needs-review-translation'
 'needs-review-l10n' 'needs-review-adaptation' 'final' 'signed-off'"
QUALIFIERS="'exact-match' 'fuzzy-match' 'id-match' 'leveraged-glossary' 'leveraged-inherited' 'leveraged-mt'
 'leveraged-repository' 'leveraged-tm' 'mt-suggestion' 'rejected-grammar' 'rejected-inaccurate'
 'rejected-length' 'rejected-spelling' 'tm-suggestion'"

# "@a='x' or @a='y' ... or starts-with(@a, 'x-')" for an attribute and a list of values
one_of() { # ATTR VALUES
    expr="starts-with($1, 'x-')"
    for v in $2; do expr="$expr or $1=$v"; done
    echo "$expr"
}

# Reads "rule|XPath of the nodes that break it" lines; prints the first rule FILE breaks.
first_broken() { # FILE
    while IFS='|' read -r rule expr; do
        [ -n "$rule" ] || continue
        n=$(xcount "$1" "count($expr)")
        [ "$n" = 0 ] || { echo "$rule ($n)"; return; }
    done
}

# Prints the first rule of XLIFF 1.2 (rules_12) or 2.x (rules_20) FILE breaks (nothing when it
# keeps them all).
rules_12() {
    first_broken "$1" <<EOF
root is xliff version 1.2|/*[not(local-name()='xliff' and @version='1.2')]
file has original, source-language, datatype|//*[local-name()='file'][not(@original and @source-language and @datatype)]
trans-unit has an id|//$TU[not(@id)]
trans-unit has one source|//$TU[count(*[local-name()='source']) != 1]
trans-unit has at most one target|//$TU[count(*[local-name()='target']) > 1]
source comes first|//$TU/*[local-name()='source'][preceding-sibling::*]
target follows only source and seg-source|//$TU/*[local-name()='target'][preceding-sibling::*[not(local-name()='source' or local-name()='seg-source')]]
note after source, seg-source and target|//$TU/*[local-name()='note'][following-sibling::*[local-name()='source' or local-name()='seg-source' or local-name()='target']]
extension elements last|//$TU/*[namespace-uri()=namespace-uri(..)][preceding-sibling::*[namespace-uri()!=namespace-uri(..)]]
note has text|//*[local-name()='note'][normalize-space()='']
target state allowed|//*[local-name()='target'][@state][not($(one_of @state "$STATES"))]
state-qualifier allowed|//*[local-name()='target'][@state-qualifier][not($(one_of @state-qualifier "$QUALIFIERS"))]
seg mrk has mid|//*[local-name()='mrk'][@mtype='seg'][not(@mid)]
EOF
}

rules_20() {
    first_broken "$1" <<EOF
root is xliff 2.x with srcLang|/*[not(local-name()='xliff' and starts-with(@version, '2.') and @srcLang)]
file has an id|//*[local-name()='file'][not(@id)]
unit has an id|//*[local-name()='unit'][not(@id)]
unit has a segment|//*[local-name()='unit'][not(*[local-name()='segment'])]
unit has at most one notes|//*[local-name()='unit'][count(*[local-name()='notes']) > 1]
notes before originalData, segment, ignorable|//*[local-name()='unit']/*[local-name()='notes'][preceding-sibling::*[local-name()='segment' or local-name()='ignorable' or local-name()='originalData']]
notes has a note|//*[local-name()='notes'][not(*[local-name()='note'])]
note only in notes|//*[local-name()='note'][not(parent::*[local-name()='notes'])]
segment has one source|//*[local-name()='segment'][count(*[local-name()='source']) != 1]
segment has at most one target|//*[local-name()='segment'][count(*[local-name()='target']) > 1]
target after source|//*[local-name()='segment']/*[local-name()='source'][preceding-sibling::*[local-name()='target']]
segment state allowed|//*[local-name()='segment'][@state][not(@state='initial' or @state='translated' or @state='reviewed' or @state='final')]
subState has a prefix and a state|//*[local-name()='segment'][@subState][not(@state) or not(contains(@subState, ':'))]
EOF
}

valid() { # DESCRIPTION FILE
    if ! xmllint --noout "$2" 2> "$tmp/lint"; then
        bad "$1: not well-formed: $(head -1 "$tmp/lint")"
        return
    fi
    case $(xcount "$2" 'string(/*/@version)') in
        1.*) broken=$(rules_12 "$2") ;;
        2.*) broken=$(rules_20 "$2") ;;
        *) broken="no XLIFF version" ;;
    esac
    if [ -z "$broken" ]; then ok; else bad "$1: breaks \"$broken\""; fi
}

# the checker catches what breaks a rule
cat > "$tmp/bad-note.xlf" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:x="urn:x"><file original="a" source-language="en" datatype="plaintext"><body>
<trans-unit id="1"><source>A</source><target>B</target><x:ext/><note>late</note></trans-unit>
</body></file></xliff>
EOF
check "checker: a note after an extension element is caught" test -n "$(rules_12 "$tmp/bad-note.xlf")"
sed 's|<source>A</source><target>B</target><x:ext/><note>late</note>|<target state="done">B</target><source>A</source>|' \
    "$tmp/bad-note.xlf" > "$tmp/bad-order.xlf"
check "checker: a target before its source is caught" test -n "$(rules_12 "$tmp/bad-order.xlf")"
cat > "$tmp/bad20.xlf" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en"><file id="f">
<unit id="u"><segment state="translated" subState="mt"><source>A</source></segment><notes><note>x</note></notes></unit>
</file></xliff>
EOF
check "checker: 2.0 notes after the segment and a subState without prefix are caught" test -n "$(rules_20 "$tmp/bad20.xlf")"
check "checker: the untouched fixtures pass" test -z "$(rules_12 "$fx/sample.xlf")$(rules_20 "$fx/sample20.xlf")"

# what tolk writes
for f in "$fx"/sample.xlf "$fx"/sample20.xlf "$fx"/sample.sdlxliff "$fx"/sample.mqxliff "$fx"/markup.xlf \
    "$fx"/full21.xlf "$fx"/trados_multi.sdlxliff "$fx"/phrase.mxliff; do
    b=$(basename "$f")
    "$TOLK_BIN" translate -f "$f" --copy-source --quiet -o "$tmp/out.$b" 2> "$tmp/err"
    valid "$b (--copy-source)" "$tmp/out.$b"
    "$TOLK_BIN" translate -f "$f" --copy-source --overwrite --quiet -o "$tmp/ow.$b" 2> "$tmp/err"
    valid "$b (--overwrite)" "$tmp/ow.$b"
done
# against the OASIS XSDs
xsd=${TOLK_XLIFF_XSD:-/usr/share/php/Symfony/Component/Translation/Resources/schemas}
if [ -f "$xsd/xliff-core-1.2-strict.xsd" ] && [ -f "$xsd/xliff-core-2.0.xsd" ] && [ -f "$xsd/xml.xsd" ]; then
    mkdir -p "$tmp/xsd/informativeCopiesOf3rdPartySchemas/w3c"
    cp "$xsd/xml.xsd" "$tmp/xsd/xml.xsd"
    cp "$xsd/xml.xsd" "$tmp/xsd/informativeCopiesOf3rdPartySchemas/w3c/xml.xsd"
    cp "$xsd/xliff-core-2.0.xsd" "$tmp/xsd/core20.xsd"
    sed 's/namespace="##other" processContents="strict"/namespace="##other" processContents="lax"/' \
        "$xsd/xliff-core-1.2-strict.xsd" > "$tmp/xsd/core12.xsd"
    cat > "$tmp/xsd/catalog.xml" << EOF
<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <system systemId="http://www.w3.org/2001/xml.xsd" uri="file://$tmp/xsd/xml.xsd"/>
  <uri name="http://www.w3.org/2001/xml.xsd" uri="file://$tmp/xsd/xml.xsd"/>
</catalog>
EOF
    xsd_ok() { # FILE SCHEMA: valid against SCHEMA (errors in $tmp/xsd.err)
        XML_CATALOG_FILES="$tmp/xsd/catalog.xml" xmllint --nonet --noout --schema "$2" "$1" > "$tmp/xsd.err" 2>&1
    }
    xsd_valid() { # WHAT FILE SCHEMA
        if xsd_ok "$2" "$3"; then ok; else bad "$1: not valid against $(basename "$3"): $(head -3 "$tmp/xsd.err")"; fi
    }
    for f in "$fx"/sample.xlf "$fx"/sample20.xlf "$fx"/sample.sdlxliff "$fx"/sample.mqxliff "$fx"/markup.xlf \
        "$fx"/full21.xlf "$fx"/trados_multi.sdlxliff "$fx"/phrase.mxliff; do
        b=$(basename "$f")
        case $b in sample20.xlf | full21.xlf) schema=$tmp/xsd/core20.xsd ;; *) schema=$tmp/xsd/core12.xsd ;; esac
        xsd_valid "$b (--copy-source)" "$tmp/out.$b" "$schema"
        xsd_valid "$b (--overwrite)" "$tmp/ow.$b" "$schema"
    done
    # the schemas can fail: a 1.2 target before its source, a 2.0 segment without a source
    sed 's|<source>Cancel</source>|<target>x</target><source>Cancel</source>|' "$tmp/out.sample.xlf" > "$tmp/bad12x.xlf"
    check "XSD: the fixture edited to break it differs" sh -c "! cmp -s '$tmp/out.sample.xlf' '$tmp/bad12x.xlf'"
    if xsd_ok "$tmp/bad12x.xlf" "$tmp/xsd/core12.xsd"; then bad "XSD: a 1.2 target before its source passed"; else ok; fi
    printf '%s\n' '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en"><file id="f">' \
        '<unit id="u"><segment><target>x</target></segment></unit></file></xliff>' > "$tmp/bad20x.xlf"
    if xsd_ok "$tmp/bad20x.xlf" "$tmp/xsd/core20.xsd"; then bad "XSD: a 2.0 segment without a source passed"; else ok; fi
else
    skip_part "the OASIS XLIFF XSDs are absent ($xsd; Debian: php-symfony-translation, or TOLK_XLIFF_XSD=DIR)"
fi
if command -v python3 > /dev/null; then
    for v in 1.2 2.0; do
        python3 "$fx/make_big_xliff.py" "$tmp/gen$v.xlf" 300 "$v"
        "$TOLK_BIN" translate -f "$tmp/gen$v.xlf" --copy-source --quiet -o "$tmp/gen$v.out.xlf" 2> "$tmp/err"
        valid "generated XLIFF $v" "$tmp/gen$v.out.xlf"
        if [ -f "$tmp/xsd/catalog.xml" ]; then
            [ "$v" = 1.2 ] && schema=$tmp/xsd/core12.xsd || schema=$tmp/xsd/core20.xsd
            xsd_valid "generated XLIFF $v" "$tmp/gen$v.out.xlf" "$schema"
        fi
        check "generated XLIFF $v: every unit got a target" \
            test "$(xcount "$tmp/gen$v.out.xlf" "count(//*[local-name()='target'])")" = 300
    done
fi

finish
