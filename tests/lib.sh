# Shared helpers for the shell tests: counters, assertions and a "N passed, N failed" summary.
# Source it; the test sets $name for messages. Exit status 77 means skipped (automake convention).
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
    desc=$1; shift
    if "$@"; then ok; else bad "$desc"; fi
}
contains() { case "$1" in *"$2"*) return 0 ;; esac; return 1; }
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
: "${TOLK_BIN:=./tolk}"
: "${TOLK_TESTDATA:=../shared/testdata}"
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/tolk-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
