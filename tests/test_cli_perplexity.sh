#!/bin/sh
# `tolk perplexity --kl-divergence-base` writes llama-perplexity's logits file and `--kl-divergence`
# reads it back: the file has the exact size of its layout (docs/NUMERICS.md), the same model on the
# same kernel path gives KLD 0 and the same top token everywhere, another kernel path only a tiny
# KLD, another model a large one (so the measure can fail); a hostile or mismatched file, or a
# missing option, gives one error line and exit 1 before anything is evaluated.
. "$(dirname "$0")/lib.sh"
: "${TOLK_BUILDDIR:=.}" "${TOLK_SRCDIR:=..}"
need_testdata # gen_model takes its vocabulary from there
vocab=$TOLK_TESTDATA/tokenizer/llama-spm.gguf
a=$TMPD/a.gguf b=$TMPD/b.gguf base=$TMPD/a.kld text=$TOLK_SRCDIR/README.md
"$TOLK_BUILDDIR/bench/gen_model" --arch llama --preset tiny --type Q8_0 --seed 3 --vocab "$vocab" -o "$a" >/dev/null || exit 1
"$TOLK_BUILDDIR/bench/gen_model" --arch llama --preset tiny --type Q8_0 --seed 4 --vocab "$vocab" -o "$b" >/dev/null || exit 1
q=$TMPD/q.gguf
"$TOLK_BUILDDIR/bench/gen_model" --arch qwen2 --preset tiny --type Q8_0 --seed 3 \
    --vocab "$TOLK_TESTDATA/tokenizer/qwen2.gguf" -o "$q" >/dev/null || exit 1

out=$("$TOLK_BIN" perplexity -m "$a" -f "$text" -c 128 --chunks 2 -t 1 --kl-divergence-base "$base" 2>/dev/null)
check "writing the base file succeeds" test $? -eq 0
check "it still prints the perplexity" contains "$out" "Final estimate: PPL = "
# 8-byte magic, 3 int32, 2 x 128 token ids, then 2 x 63 rows of (2 floats + 32000 uint16 log-probs).
n_vocab=$("$TOLK_BIN" info -m "$a" 2>/dev/null | sed -n 's/^ *vocab size: *\([0-9][0-9]*\).*/\1/p' | head -1)
check "tolk info gives the vocabulary size ($n_vocab)" test "${n_vocab:-0}" -gt 0
words=$(( 2 * ((${n_vocab:-0} + 1) / 2) + 4 ))
check "file size follows llama.cpp's layout (vocab ${n_vocab:-?})" \
    test "$(wc -c < "$base")" -eq $(( 8 + 12 + 4 * 256 + 2 * 63 * words * 2 ))
check "magic is _logits_" test "$(head -c 8 "$base")" = "_logits_"

# stat NAME OUTPUT: the number after "NAME:" in llama-perplexity's summary
stat() { printf '%s\n' "$2" | sed -n "s/^$1 *: *\(-\{0,1\}[0-9.]*\).*/\1/p" | head -1; }
lt() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x + 0 < y + 0) }'; }

same=$("$TOLK_BIN" perplexity -m "$a" -t 1 --kl-divergence-base "$base" --kl-divergence 2>/dev/null)
check "comparing succeeds" test $? -eq 0
k=$(stat "Mean    KLD" "$same"); top=$(stat "Same top p" "$same")
echo "same model: mean KLD $k, same top $top %"
check "same model: |mean KLD| < 1e-5 ($k)" lt "$(awk -v x="$k" 'BEGIN { print (x < 0 ? -x : x) }')" 0.00001
check "same model: same top token everywhere ($top)" test "$top" = "100.000"
check "per-chunk table printed" test "$(printf '%s\n' "$same" | grep -cE '^ +[12] ')" -eq 2

other=$(TOLK_ISA=scalar "$TOLK_BIN" perplexity -m "$a" -t 1 --kl-divergence-base "$base" --kl-divergence 2>/dev/null)
k=$(stat "Mean    KLD" "$other"); top=$(stat "Same top p" "$other")
echo "scalar path against this build's default path: mean KLD $k, same top $top %"
check "scalar path: mean KLD < 1e-3 ($k)" lt "$k" 0.001
check "scalar path: same top >= 90% ($top)" lt 90 "$top"

diff=$("$TOLK_BIN" perplexity -m "$b" -t 1 --kl-divergence-base "$base" --kl-divergence 2>/dev/null)
k=$(stat "Mean    KLD" "$diff"); top=$(stat "Same top p" "$diff")
echo "another model: mean KLD $k, same top $top %"
check "another model: mean KLD > 0.1 ($k)" lt 0.1 "$k"
check "another model: same top < 50% ($top)" lt "$top" 50

one_error() { # one_error DESCRIPTION ARGS...: exit 1 and exactly one "tolk: error:" line
    desc=$1; shift
    err=$("$TOLK_BIN" perplexity "$@" 2>&1 >/dev/null)
    rc=$?
    check "$desc: exit 1" test "$rc" -eq 1
    check "$desc: one error line" test "$(printf '%s\n' "$err" | grep -c 'tolk: error:')" -eq 1
    printf '%s\n' "$err" | grep 'tolk: error:' | head -1
}
head -c 1000 "$base" > "$TMPD/cut.kld"
printf '_logitz_' > "$TMPD/magic.kld"; tail -c +9 "$base" >> "$TMPD/magic.kld"
cp "$base" "$TMPD/long.kld"; printf 'xx' >> "$TMPD/long.kld"
# a token id past the vocabulary, at the first token slot (bytes 21..24)
{ head -c 20 "$base"; printf '\377\377\377\177'; tail -c +25 "$base"; } > "$TMPD/tok.kld"
printf '_logits_' > "$TMPD/head.kld"
one_error "cut file" -m "$a" --kl-divergence-base "$TMPD/cut.kld" --kl-divergence
one_error "wrong magic" -m "$a" --kl-divergence-base "$TMPD/magic.kld" --kl-divergence
one_error "trailing bytes" -m "$a" --kl-divergence-base "$TMPD/long.kld" --kl-divergence
one_error "token outside the vocabulary" -m "$a" --kl-divergence-base "$TMPD/tok.kld" --kl-divergence
one_error "header only" -m "$a" --kl-divergence-base "$TMPD/head.kld" --kl-divergence
one_error "missing file" -m "$a" --kl-divergence-base "$TMPD/none.kld" --kl-divergence
one_error "--kl-divergence without a base file" -m "$a" --kl-divergence
one_error "-c other than the file's" -m "$a" -c 64 --kl-divergence-base "$base" --kl-divergence
one_error "another vocabulary" -m "$q" --kl-divergence-base "$base" --kl-divergence
check "a failed write leaves no file" sh -c "! \"$TOLK_BIN\" perplexity -m \"$a\" -f /dev/null -c 128 --kl-divergence-base \"$TMPD/new.kld\" 2>/dev/null && test ! -e \"$TMPD/new.kld\""
finish
