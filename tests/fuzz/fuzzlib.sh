# Shared steps of the bounded libFuzzer runners (sourced by tests/fuzz/run_*.sh, POSIX sh):
#   fuzz_setup NAME          $src (the source tree), $work (a private directory removed on exit,
#                            with corpus/ in it), and clang present or a one-line failure
#   fuzz_build OUT FILE...   clang with ASan+UBSan and libFuzzer at -O1; extra flags come first
#                            in the FILE list (-I..., libraries at the end)
#   fuzz_run BIN SECS MAXLEN CORPUS WHAT
#                            runs BIN on CORPUS for SECS seconds; on a crash, leak, timeout or
#                            out-of-memory keeps the inputs in build-fuzz-artifacts/, prints the
#                            sanitizer's report and "fuzz: WHAT failed", and exits 1
fuzz_setup() {
    src=$(cd "$(dirname "$0")/../.." && pwd)
    work=${TMPDIR:-/tmp}/tolk-$1.$$
    mkdir -p "$work/corpus"
    trap 'rm -rf "$work"' EXIT
    command -v clang >/dev/null || { echo "clang not found: install clang to run the fuzzer"; exit 1; }
}

fuzz_build() {
    out=$1
    shift
    clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$src/runtime" -I"$src/runtime/base" -o "$out" "$@"
}

fuzz_run() {
    rc=0
    (cd "$work" && "$1" -max_total_time="$2" -max_len="$3" -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 \
        "$4" > "$work/$(basename "$1").log" 2>&1) || rc=$?
    log=$work/$(basename "$1").log
    tail -n 5 "$log"
    if [ $rc -ne 0 ]; then
        mkdir -p "$src/build-fuzz-artifacts"
        cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$src/build-fuzz-artifacts/" 2>/dev/null || true
        grep -m 40 -E "ERROR|SUMMARY|#[0-9]+ 0x" "$log" || true
        echo "fuzz: $5 failed (exit $rc); inputs kept in build-fuzz-artifacts/"
        exit 1
    fi
}
