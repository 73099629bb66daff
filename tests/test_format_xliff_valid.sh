#!/bin/sh
# XLIFF that tolk writes stays valid XLIFF. The OASIS schemas (XLIFF 1.2 and 2.0 XSDs) are not
# shipped by any Debian package here and the tests run offline, so this checks what those schemas
# require of the parts tolk writes, with xmllint: well-formedness, then XPath rules per version
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
    "$fx"/full21.xlf "$fx"/trados_multi.sdlxliff; do
    b=$(basename "$f")
    "$TOLK_BIN" translate -f "$f" --copy-source --quiet -o "$tmp/out.$b" 2> "$tmp/err"
    valid "$b (--copy-source)" "$tmp/out.$b"
    "$TOLK_BIN" translate -f "$f" --copy-source --overwrite --quiet -o "$tmp/ow.$b" 2> "$tmp/err"
    valid "$b (--overwrite)" "$tmp/ow.$b"
done
if command -v python3 > /dev/null; then
    for v in 1.2 2.0; do
        python3 "$fx/make_big_xliff.py" "$tmp/gen$v.xlf" 300 "$v"
        "$TOLK_BIN" translate -f "$tmp/gen$v.xlf" --copy-source --quiet -o "$tmp/gen$v.out.xlf" 2> "$tmp/err"
        valid "generated XLIFF $v" "$tmp/gen$v.out.xlf"
        check "generated XLIFF $v: every unit got a target" \
            test "$(xcount "$tmp/gen$v.out.xlf" "count(//*[local-name()='target'])")" = 300
    done
fi

finish
