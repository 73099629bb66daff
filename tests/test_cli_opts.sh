#!/bin/sh
# The one option parser of every subcommand (runtime/cli/cli_opts.c): --help on each, --name=VALUE,
# '--' before a text that starts with '-', and for every kind of mistake (unknown option, missing
# value, value out of range or not among the choices, a value given to a flag, a stray argument)
# exit status 1, nothing on stdout and exactly one "tolk: error:" line naming the option.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
V=$TOLK_TESTDATA/tokenizer

for c in info tokenize run translate bench perplexity quantize tui fetch; do
    out=$("$T" $c --help); check "$c --help exits 0" test $? -eq 0
    check "$c --help prints its usage" contains "$out" "usage: tolk $c"
    out=$("$T" $c -h); check "$c -h is --help" contains "$out" "usage: tolk $c"
    # An unknown option: one line, no usage dump, no stdout.
    "$T" $c --bogus > "$TMPD/out" 2> "$TMPD/err"; check "$c --bogus exits 1" test $? -eq 1
    check "$c --bogus: one line" test "$(wc -l < "$TMPD/err")" -eq 1
    check "$c --bogus: named" grep -q "^tolk: error: unknown option '--bogus' (see tolk $c --help)\$" "$TMPD/err"
    check "$c --bogus: nothing on stdout" test ! -s "$TMPD/out"
done

# one_error DESCRIPTION EXPECTED-LINE ARGS...: exit 1, EXPECTED-LINE as the only output.
one_error() {
    desc=$1 want=$2; shift 2
    "$T" "$@" > "$TMPD/out" 2> "$TMPD/err" < /dev/null
    check "$desc exits 1" test $? -eq 1
    check "$desc: '$want'" test "$(cat "$TMPD/err")" = "tolk: error: $want"
    check "$desc: nothing on stdout" test ! -s "$TMPD/out"
}
one_error "missing value" "-p needs a value" run -p
one_error "missing value (long)" "--to needs a value" translate -m "$V/qwen2.gguf" x --to
one_error "integer range" "-t expects an integer in 1..1024, got '0'" run -p x -t 0
one_error "not an integer" "--n-gen expects an integer in 0..1048576, got '8x'" bench --n-gen=8x
one_error "number range" "--top-p expects a number in 0..1, got '2'" run -p x --top-p 2
one_error "choice" "--numa must be distribute, isolate or none, got 'all'" run -p x --numa all
one_error "choice after =" "--show-prompt must be text or ids, got 'tokens'" translate --to de --show-prompt=tokens x
one_error "flag with a value" "--json takes no value" info --json=yes
one_error "stray argument" "unexpected argument 'x' (see tolk run --help)" run -p a x
one_error "stray argument (bench)" "unexpected argument 'x' (see tolk bench --help)" bench x
one_error "an error before --help wins" "--temp expects a number in 0..100, got 'hot'" run --temp hot --help

# --name=VALUE and the short names give the same result.
out=$(printf 'Hello world' | "$T" tokenize --model="$V/qwen2.gguf"); check "--model=FILE" test "$out" = "9707 1879"
a=$("$T" translate -m "$V/qwen2.gguf" --to de --show-prompt=ids "Hello")
b=$("$T" translate --model="$V/qwen2.gguf" --to=de --show-prompt=ids "Hello")
check "--to=de is --to de" test "$a" = "$b"
check "--show-prompt=ids prints only ids" test -n "$a" -a -z "$(printf '%s' "$a" | tr -d '0-9 ')"
# After '--' a text may start with '-'; before it, it is an option.
out=$("$T" translate -m "$V/qwen2.gguf" --to de --show-prompt -- "-5 degrees")
check "text after -- is text" contains "$out" "-5 degrees"
one_error "a dash text without --" "unknown option '-5' (see tolk translate --help)" translate --to de "-5"
out=$("$T" info -- "$V/qwen2.gguf"); check "info -- FILE" contains "$out" "vocab size:    151669"
# The last of repeated options wins.
out=$(printf 'Hello world' | "$T" tokenize -m "$V/qwen2.gguf" --pieces --ids); check "--pieces --ids: ids" test "$out" = "9707 1879"
finish
