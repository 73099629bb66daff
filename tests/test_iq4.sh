#!/bin/sh
# IQ4_NL and IQ4_XS models end to end: `tolk quantize` writes them (byte for byte what gen_model
# --type writes), `tolk info` names the types, tolk runs them; with llama-cpp-python beside the
# checkout, llama.cpp loads and runs tolk's files, and tolk loads and runs the files llama.cpp's own
# quantizer writes (an IQ4_XS mix: IQ4_NL where rows are not a multiple of 256).
. "$(dirname "$0")/lib.sh"
: "${TOLK_BUILDDIR:=.}"
: "${TOLK_SRCDIR:=.}"
GEN=$TOLK_BUILDDIR/bench/gen_model
T=$TOLK_BIN
PY=${TOLK_LLAMACPP_PYTHON:-$TOLK_SRCDIR/../tools/llamacpp-venv/bin/python}
need_testdata # gen_model takes its vocabulary from there

"$GEN" --arch llama --preset tiny --n-embd 256 --n-ff 512 --type F32 --seed 5 --name t -o "$TMPD/f32.gguf"
outs=""
for type in IQ4_NL IQ4_XS; do
    q=$TMPD/$type.gguf
    check "quantize to $type" "$T" quantize "$TMPD/f32.gguf" "$q" "$type" > /dev/null
    "$GEN" --arch llama --preset tiny --n-embd 256 --n-ff 512 --type "$type" --seed 5 --name t -o "$TMPD/direct.gguf"
    check "$type: same bytes as gen_model --type $type" cmp -s "$TMPD/direct.gguf" "$q"
    out=$("$T" info "$q")
    check "$type: tolk info names the type" contains "$out" "$type "
    out=$("$T" run -m "$q" -p "hello world" -n 4 --temp 0 2>&1)
    check "$type: tolk runs the model" test $? -eq 0
    outs="$outs $q"
done

# shellcheck disable=SC2086
if llamacpp_usable "$PY" $outs; then
    "$PY" - "$TMPD/f32.gguf" "$TMPD/ref-xs.gguf" > "$TMPD/q.log" 2>&1 <<'PYEOF'
import sys, ctypes, llama_cpp
p = llama_cpp.llama_model_quantize_default_params()
p.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_IQ4_XS
p.nthread = 2
sys.exit(llama_cpp.llama_model_quantize(sys.argv[1].encode(), sys.argv[2].encode(), ctypes.byref(p)))
PYEOF
    check "llama.cpp quantizes to IQ4_XS" test $? -eq 0
    out=$("$T" info "$TMPD/ref-xs.gguf")
    check "llama.cpp's IQ4_XS file holds IQ4_XS" contains "$out" "IQ4_XS "
    out=$("$T" run -m "$TMPD/ref-xs.gguf" -p "hello world" -n 4 --temp 0 2>&1)
    check "tolk runs llama.cpp's IQ4_XS file" test $? -eq 0
else
    skip_optional "$llamacpp_why: llama.cpp did not check tolk's IQ4 files or write its own"
fi
finish
