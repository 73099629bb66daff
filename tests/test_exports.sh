#!/bin/sh
# libtolk exports the public API and nothing else: every dynamic symbol the shared library defines
# is a tolk_* function declared in runtime/tolk.h, and every function tolk.h declares is there; the
# `tolk` binary gets the library's functions from libtolk.so, through tolk_* only. Skipped (exit 77)
# when the build has no shared library (--disable-shared) or nm is missing.
set -eu
src=${TOLK_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${TOLK_BUILDDIR:-.}
so=$build/.libs/libtolk.so
if [ ! -e "$so" ]; then
    echo "SKIP: $so not built (configured with --disable-shared?): the exported symbols cannot be checked"
    exit 77
fi
if ! command -v nm > /dev/null 2>&1; then
    echo "SKIP: nm (binutils) not found: the exported symbols cannot be checked"
    exit 77
fi
fail=0
exported=$(nm -D --defined-only "$so" | awk '{ print $NF }' | sort -u)
others=$(printf '%s\n' "$exported" | grep -v '^tolk_' || true)
if [ -n "$others" ]; then
    echo "FAIL: libtolk.so exports symbols outside the public API:"
    printf '%s\n' "$others" | head -20
    fail=1
fi
declared=$(sed -n 's/.*[^a-z_]\(tolk_[a-z0-9_]*\)(.*/\1/p' "$src/runtime/tolk.h" | sort -u)
undeclared=$(printf '%s\n' "$exported" | grep '^tolk_' | grep -v -x -F "$declared" || true)
if [ -n "$undeclared" ]; then
    echo "FAIL: exported but not declared in tolk.h (internal helpers must not use the tolk_ prefix):"
    printf '%s\n' "$undeclared"
    fail=1
fi
missing=$(printf '%s\n' "$declared" | grep -v -x -F "$exported" || true)
if [ -n "$missing" ]; then
    echo "FAIL: declared in tolk.h but not exported by libtolk.so:"
    printf '%s\n' "$missing"
    fail=1
fi
# The binary (libtool keeps the real one in .libs/ when it links the shared library).
bin=$build/.libs/tolk
[ -f "$bin" ] || bin=$build/.libs/lt-tolk
if [ -f "$bin" ]; then
    used=$(nm -D --undefined-only "$bin" | awk '{ print $NF }' | grep '^tolk_' || true)
    if [ -z "$used" ]; then
        echo "FAIL: $bin takes no tolk_* function from libtolk.so (linked against libtolk_internal?)"
        fail=1
    fi
else
    echo "FAIL: $build/.libs/tolk not found: tolk should link the shared libtolk (tolk_LDADD)"
    fail=1
fi
[ $fail -eq 0 ] || exit 1
echo "PASS: libtolk.so exports exactly the $(printf '%s\n' "$declared" | wc -l | tr -d ' ') functions of tolk.h; tolk uses them"
