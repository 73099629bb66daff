#!/bin/sh
# Generates tiny random models of every architecture and file type with bench/gen_model and checks
# that `tolk info` reads them, that generation is deterministic, that --extend-from grows a model,
# and (when llama-cpp-python is installed beside the checkout) that llama.cpp loads and runs them.
set -eu

builddir=${TOLK_BUILDDIR:-.}
srcdir=${TOLK_SRCDIR:-.}
gen="$builddir/bench/gen_model"
tolk=${TOLK_BIN:-$builddir/tolk}
py=${TOLK_LLAMACPP_PYTHON:-$srcdir/../tools/llamacpp-venv/bin/python}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tolk-gen-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

models=""
for arch in llama qwen2 qwen3 gemma3; do
    for type in F32 F16 Q8_0 Q4_0 Q4_K_M; do
        out="$tmp/$arch-$type.gguf"
        "$gen" --arch "$arch" --preset tiny --type "$type" --seed 7 -o "$out" || fail "gen_model $arch $type"
        "$tolk" info "$out" > "$tmp/info.txt" 2>&1 || { cat "$tmp/info.txt" >&2; fail "tolk info $arch $type"; }
        grep -q "$arch" "$tmp/info.txt" || fail "tolk info does not name $arch"
        models="$models $out"
    done
done

# Same seed, same bytes; another seed, other weights.
"$gen" --arch qwen3 --preset tiny --type Q8_0 --seed 7 -o "$tmp/again.gguf"
cmp -s "$tmp/qwen3-Q8_0.gguf" "$tmp/again.gguf" || fail "same seed gave different files"
"$gen" --arch qwen3 --preset tiny --type Q8_0 --seed 8 -o "$tmp/other.gguf"
cmp -s "$tmp/qwen3-Q8_0.gguf" "$tmp/other.gguf" && fail "different seeds gave the same file"

# Shape overrides and a bad request.
"$gen" --arch llama --preset tiny --n-layer 3 --n-embd 256 --n-head 8 --n-head-kv 4 -o "$tmp/custom.gguf"
"$tolk" info "$tmp/custom.gguf" > /dev/null || fail "tolk info on overridden shape"
if "$gen" --arch llama --preset tiny --n-head 3 -o "$tmp/bad.gguf" 2> /dev/null; then
    fail "n_head 3 with n_head_kv 2 was accepted"
fi
[ ! -e "$tmp/bad.gguf" ] || fail "a refused model left a file"

# Draft/target pair: 2 layers + 3 near-identity layers.
"$gen" --extend-from "$tmp/llama-Q8_0.gguf" --extra-layers 3 --epsilon 0.001 --seed 9 -o "$tmp/target.gguf"
"$tolk" info "$tmp/target.gguf" > /dev/null || fail "tolk info on extended model"
"$gen" --extend-from "$tmp/gemma3-Q4_K_M.gguf" --extra-layers 2 -o "$tmp/gemma-target.gguf"
models="$models $tmp/target.gguf $tmp/gemma-target.gguf"

if [ -x "$py" ] && "$py" -c "import llama_cpp" 2> /dev/null; then
    "$py" - $models <<'PY' || fail "llama.cpp could not run a generated model"
import sys, math
from llama_cpp import Llama
import gguf
for path in sys.argv[1:]:
    r = gguf.GGUFReader(path)
    n_layer = [int(f.parts[f.data[0]][0]) for k, f in r.fields.items() if k.endswith(".block_count")][0]
    llm = Llama(model_path=path, n_ctx=64, n_threads=2, verbose=False, logits_all=True)
    toks = llm.tokenize(b"Hello world, this is a test.", add_bos=True)
    llm.eval(toks)
    logits = llm.scores[len(toks) - 1]
    assert len(logits) == llm.n_vocab(), path
    assert all(math.isfinite(float(x)) for x in logits), path + ": non-finite logits"
    spread = float(max(logits)) - float(min(logits))
    assert spread > 0.1, path + ": flat logits"
    print("llama.cpp ok: %s (%d layers, %d tokens vocab, logit spread %.2f)" % (path.split("/")[-1], n_layer, llm.n_vocab(), spread))
PY
    # The target must agree with its draft on the next token almost always.
    "$py" - "$tmp/llama-Q8_0.gguf" "$tmp/target.gguf" <<'PY' || fail "extended model does not track its draft"
import sys
from llama_cpp import Llama
d = Llama(model_path=sys.argv[1], n_ctx=64, n_threads=2, verbose=False, logits_all=True)
t = Llama(model_path=sys.argv[2], n_ctx=64, n_threads=2, verbose=False, logits_all=True)
toks = d.tokenize(b"The quick brown fox jumps over the lazy dog and keeps on running", add_bos=True)
d.eval(toks); t.eval(toks)
same = sum(int(d.scores[i].argmax() == t.scores[i].argmax()) for i in range(len(toks)))
print("draft/target argmax agreement: %d/%d" % (same, len(toks)))
assert same >= 0.9 * len(toks)
PY
else
    echo "llama-cpp-python not found at $py: llama.cpp load check skipped"
fi
echo "ok"
