#!/bin/sh
# Checks `tolk quantize`: quantizing a generated F32 model gives byte for byte the file gen_model
# writes for that type directly (same type choices, same rounding), quantized inputs can be
# requantized, bad requests fail cleanly, and (with llama-cpp-python beside the checkout) the tensor
# types equal those llama.cpp's own quantizer picks and llama.cpp loads every output.
set -eu

builddir=${TOLK_BUILDDIR:-.}
srcdir=${TOLK_SRCDIR:-.}
gen="$builddir/bench/gen_model"
tolk=${TOLK_BIN:-$builddir/tolk}
py=${TOLK_LLAMACPP_PYTHON:-$srcdir/../tools/llamacpp-venv/bin/python}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tolk-quant-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

outs=""
for arch in llama qwen3 gemma3; do
    "$gen" --arch "$arch" --preset tiny --type F32 --seed 3 --name t -o "$tmp/$arch-F32.gguf"
    for type in Q8_0 Q4_0 Q4_K_M F16; do
        "$tolk" quantize "$tmp/$arch-F32.gguf" "$tmp/$arch-$type.gguf" "$type" > /dev/null \
            || fail "tolk quantize $arch $type"
        "$gen" --arch "$arch" --preset tiny --type "$type" --seed 3 --name t -o "$tmp/direct.gguf"
        cmp -s "$tmp/direct.gguf" "$tmp/$arch-$type.gguf" || fail "$arch $type: quantize differs from gen_model"
        "$tolk" info "$tmp/$arch-$type.gguf" > /dev/null || fail "tolk info on $arch $type"
        outs="$outs $tmp/$arch-$type.gguf"
    done
    # Requantize: from F16 and from an already quantized file.
    "$tolk" quantize "$tmp/$arch-F16.gguf" "$tmp/$arch-f16-Q4_K_M.gguf" q4_k_m > /dev/null || fail "from F16"
    "$tolk" quantize "$tmp/$arch-Q8_0.gguf" "$tmp/$arch-q8-Q4_0.gguf" Q4_0 > /dev/null || fail "from Q8_0"
    outs="$outs $tmp/$arch-f16-Q4_K_M.gguf $tmp/$arch-q8-Q4_0.gguf"
done

if "$tolk" quantize "$tmp/llama-F32.gguf" "$tmp/x.gguf" Q3_K 2> /dev/null; then fail "unknown type accepted"; fi
if "$tolk" quantize "$tmp/missing.gguf" "$tmp/x.gguf" Q8_0 2> /dev/null; then fail "missing input accepted"; fi
[ ! -e "$tmp/x.gguf" ] || fail "a failed quantize left a file"

if [ -x "$py" ] && "$py" -c "import llama_cpp" 2> /dev/null; then
    "$py" - "$tmp" $outs <<'PY' || fail "llama.cpp disagrees"
import sys, os, ctypes, math
import llama_cpp
from llama_cpp import Llama
import gguf

def types(path):
    return {t.name: t.tensor_type.name for t in gguf.GGUFReader(path).tensors}

tmp, outs = sys.argv[1], sys.argv[2:]
ftypes = {"Q8_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0, "Q4_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0,
          "Q4_K_M": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M, "F16": llama_cpp.LLAMA_FTYPE_MOSTLY_F16}
for arch in ("llama", "qwen3", "gemma3"):
    for name, ft in ftypes.items():
        ref = os.path.join(tmp, "ref-%s-%s.gguf" % (arch, name))
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = ft
        params.nthread = 2
        rc = llama_cpp.llama_model_quantize(os.path.join(tmp, arch + "-F32.gguf").encode(), ref.encode(),
                                            ctypes.byref(params))
        assert rc == 0, "llama.cpp quantize failed"
        ours, theirs = types(os.path.join(tmp, "%s-%s.gguf" % (arch, name))), types(ref)
        diff = {k: (ours.get(k), v) for k, v in theirs.items() if ours.get(k) != v}
        assert not diff and len(ours) == len(theirs), "%s %s: (tolk, llama.cpp) %s" % (arch, name, diff)
        same = open(ref, "rb").read()[-4096:] == open(os.path.join(tmp, "%s-%s.gguf" % (arch, name)), "rb").read()[-4096:]
        print("%s %s: types match llama-quantize (last 4 KiB of data %s)" % (arch, name, "identical" if same else "differ"))
for path in outs:
    llm = Llama(model_path=path, n_ctx=32, n_threads=2, verbose=False, logits_all=True)
    toks = llm.tokenize(b"Bonjour le monde", add_bos=True)
    llm.eval(toks)
    assert all(math.isfinite(float(x)) for x in llm.scores[len(toks) - 1]), path
print("llama.cpp loaded %d quantized files" % len(outs))
PY
else
    echo "llama-cpp-python not found at $py: llama.cpp checks skipped"
fi
echo "ok"
