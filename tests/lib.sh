# Shared helpers for the shell tests: counters, assertions, skips and a "N passed, N failed" summary.
# Source it and end the test with `finish`.
#
# Skips follow the rules of tests/skip.h (the Check programs); every one says why:
#   skip WHY           data or a tool the whole test needs is absent (the default model, the shared
#                      test data, a package .ci/install-deps.sh installs): prints "SKIP: WHY" and
#                      exits 77 (automake's SKIP).
#   skip_part WHY      the same for a part of the test: prints "SKIP: WHY", the rest runs, and
#                      finish exits 77 unless something failed, so a test that could not check
#                      everything it is for never shows as PASS.
#                      With TOLK_REQUIRE_DATA=1 (.ci/run sets it, since CI always has all of these)
#                      both print "FAIL: ..." and the test fails instead.
#   skip_cpu WHY       this CPU or build has nothing of the kind to check (a build without
#                      ncursesw): prints "SKIP (cpu): WHY" and exits 77, in CI too.
#   skip_optional WHY  an optional cross-check needs a tool that neither the build nor CI provides
#                      (llama-cpp-python in ../tools/llamacpp-venv): prints "SKIP (optional): WHY";
#                      the test's own checks all ran, so its result stands.
# need_testdata and need_default_model skip (whole test) or skip_part when their data is absent.
pass=0
fail=0
skipped=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
    desc=$1; shift
    if "$@"; then ok; else bad "$desc"; fi
}
contains() { case "$1" in *"$2"*) return 0 ;; esac; return 1; }
data_required() { [ "${TOLK_REQUIRE_DATA:-0}" != 0 ] && [ -n "${TOLK_REQUIRE_DATA:-}" ]; }
skip_part() {
    if data_required; then bad "$* (TOLK_REQUIRE_DATA is set: CI always has it)"; else
        skipped=$((skipped + 1))
        echo "SKIP: $*"
    fi
}
skip() { skip_part "$@"; finish; }
skip_cpu() { echo "SKIP (cpu): $*"; exit 77; }
skip_optional() { echo "SKIP (optional): $*"; }
finish() {
    if [ "$skipped" -gt 0 ]; then echo "$pass passed, $fail failed, $skipped skipped"; else
        echo "$pass passed, $fail failed"
    fi
    [ "$fail" -eq 0 ] || exit 1
    [ "$skipped" -eq 0 ] || exit 77
    exit 0
}
: "${TOLK_BIN:=./tolk}"
: "${TOLK_TESTDATA:=../shared/testdata}"
DEFAULT_MODEL=${TOLK_MODELS:-$HOME/.cache/tolk/models}/gemma-3-270m-q4_k_m.gguf
need_testdata() { # need_testdata [part]: the shared vocab-only files (configure --with-testdata)
    [ -f "$TOLK_TESTDATA/tokenizer/qwen2.gguf" ] && return 0
    set -- "${1:-}" "the shared test data is absent ($TOLK_TESTDATA/tokenizer; configure --with-testdata=DIR)"
    if [ "$1" = part ]; then skip_part "$2"; return 1; fi
    skip "$2"
}
need_default_model() { # need_default_model [part]: the default model ($TOLK_MODELS, `tolk fetch`)
    [ -f "$DEFAULT_MODEL" ] && return 0
    set -- "${1:-}" "the default model $DEFAULT_MODEL is absent (run \`tolk fetch\`)"
    if [ "$1" = part ]; then skip_part "$2"; return 1; fi
    skip "$2"
}
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/tolk-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
# llamacpp_usable PY MODEL...: llama-cpp-python at PY imports and evaluates every MODEL (quantized
# GGUF files, so their quantized kernels run). Sets llamacpp_why and fails otherwise: absent, or
# built for another CPU (a wheel built with -march=native elsewhere dies with an illegal
# instruction), which makes the optional cross-check impossible here rather than wrong. A model
# llama.cpp refuses without dying is left to the test's own checks.
# Where the bundled library dies, a llama.cpp built from the same sources for this CPU (without
# AMX: bench/build_peers.sh, bench/kld_llamacpp.sh) takes its place once: $TOLK_LLAMACPP_LIB or
# ../tools/llama-noamx/bin beside the checkout, through llama-cpp-python's LLAMA_CPP_LIB_PATH.
llamacpp_usable() {
    py=$1; shift
    llamacpp_why="llama-cpp-python not found at $py"
    [ -x "$py" ] && "$py" -c "import llama_cpp" 2> /dev/null || return 1
    llamacpp_eval_all "$py" "$@" && return 0
    lib=${TOLK_LLAMACPP_LIB:-$TOLK_SRCDIR/../tools/llama-noamx/bin}
    [ -z "${LLAMA_CPP_LIB_PATH:-}" ] && [ -f "$lib/libllama.so" ] || return 1
    why=$llamacpp_why
    LLAMA_CPP_LIB_PATH=$lib
    export LLAMA_CPP_LIB_PATH
    llamacpp_eval_all "$py" "$@" && return 0
    unset LLAMA_CPP_LIB_PATH
    llamacpp_why="$why; the llama.cpp at $lib too"
    return 1
}
llamacpp_eval_all() {
    py=$1; shift
    for m in "$@"; do
        "$py" - "$m" > /dev/null 2>&1 <<'PYEOF'
import sys, llama_cpp
try:
    m = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=32, verbose=False)
    m.eval([1, 2, 3])
except Exception:
    pass
PYEOF
        rc=$?
        if [ "$rc" -gt 128 ]; then
            llamacpp_why="llama-cpp-python at $py dies on $(basename "$m") on this machine (exit $rc$([ "$rc" -eq 132 ] && echo ': illegal instruction, built for another CPU'))"
            return 1
        fi
    done
    return 0
}
# tui_test_setup: what the tmux-driven TUI tests need, each missing piece a skip with its reason:
# tmux 3 and timeout, a tolk built with ncursesw (a build without it must say so in one helpful
# line, else the test fails), the default model and a UTF-8 locale (left in $utf8); makes $T
# absolute.
tui_test_setup() {
    command -v tmux > /dev/null 2>&1 || skip "tmux is not installed"
    command -v timeout > /dev/null 2>&1 || skip "timeout (coreutils) is not installed"
    tmux_major=$(tmux -V | sed 's/^tmux \([0-9]*\).*/\1/')
    [ "${tmux_major:-0}" -ge 3 ] 2> /dev/null || skip "needs tmux 3.0 or later (send-keys -H), found $(tmux -V)"
    out=$("$T" tui -m "$TMPD/none.gguf" 2>&1 < /dev/null)
    case $out in
    *"without ncursesw"*)
        [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && contains "$out" "libncurses-dev" ||
            { echo "FAIL: the no-ncursesw message is not one helpful line: $out"; exit 1; }
        skip_cpu "this tolk was built without ncursesw" ;;
    esac
    need_default_model
    utf8=
    for l in C.UTF-8 C.utf8 en_US.UTF-8 en_US.utf8; do
        if locale -a 2> /dev/null | grep -qx "$l"; then utf8=$l; break; fi
    done
    [ -n "$utf8" ] || skip "no UTF-8 locale"
    case $T in /*) ;; *) T=$(pwd)/$T ;; esac
}
