#!/bin/sh
# `tolk quantize`: quantizing a generated F32 model gives byte for byte the file gen_model writes
# for that type directly; F16 and quantized inputs are requantized; bad requests fail without
# leaving a file. With llama-cpp-python beside the checkout, llama.cpp's own quantizer run on the same
# F32 model gives the same metadata, tensor types and tensor bytes (its tensor order differs), and
# llama.cpp loads every file tolk wrote.
. "$(dirname "$0")/lib.sh"
: "${TOLK_BUILDDIR:=.}"
: "${TOLK_SRCDIR:=.}"
GEN=$TOLK_BUILDDIR/bench/gen_model
T=$TOLK_BIN
PY=${TOLK_LLAMACPP_PYTHON:-$TOLK_SRCDIR/../tools/llamacpp-venv/bin/python}
TYPES="Q8_0 Q4_0 Q4_K_M F16"
need_testdata # gen_model takes its vocabulary from there

outs=""
for arch in llama qwen3 gemma3; do
    "$GEN" --arch "$arch" --preset tiny --type F32 --seed 3 --name t -o "$TMPD/$arch-F32.gguf"
    for type in $TYPES; do
        q=$TMPD/$arch-$type.gguf
        check "quantize $arch to $type" "$T" quantize "$TMPD/$arch-F32.gguf" "$q" "$type" > /dev/null
        "$GEN" --arch "$arch" --preset tiny --type "$type" --seed 3 --name t -o "$TMPD/direct.gguf"
        check "$arch $type: same bytes as gen_model --type $type" cmp -s "$TMPD/direct.gguf" "$q"
        outs="$outs $q"
    done
    check "$arch: requantize F16 to Q4_K_M" "$T" quantize "$TMPD/$arch-F16.gguf" "$TMPD/$arch-f16-q4km.gguf" q4_k_m
    check "$arch: requantize Q8_0 to Q4_0" "$T" quantize "$TMPD/$arch-Q8_0.gguf" "$TMPD/$arch-q8-q40.gguf" Q4_0
    out=$("$T" info "$TMPD/$arch-q8-q40.gguf")
    check "$arch: requantized file reads as Q4_0" contains "$out" "MOSTLY_Q4_0"
    outs="$outs $TMPD/$arch-f16-q4km.gguf $TMPD/$arch-q8-q40.gguf"
done

"$T" quantize "$TMPD/llama-F32.gguf" "$TMPD/x.gguf" Q3_K 2> "$TMPD/err"
check "unknown type refused" test $? -eq 1
check "unknown type message" grep -q "^tolk: error: unknown type 'Q3_K'" "$TMPD/err"
"$T" quantize "$TMPD/missing.gguf" "$TMPD/x.gguf" Q8_0 2> /dev/null
check "missing input refused" test $? -eq 1
check "failed quantize leaves no file" test ! -e "$TMPD/x.gguf" -a ! -e "$TMPD/x.gguf.part"
"$T" quantize "$TMPD/llama-F32.gguf" 2> /dev/null
check "missing arguments refused" test $? -eq 1
# An output that is not a regular file (a FIFO; /dev/null in real use) is refused, never replaced
# by the renamed .part file.
if mkfifo "$TMPD/fifo" 2> /dev/null; then
    "$T" quantize "$TMPD/llama-F32.gguf" "$TMPD/fifo" Q8_0 2> "$TMPD/err"
    check "FIFO output refused" test $? -eq 1
    check "FIFO output: one error line" test "$(grep -c 'not a regular file' "$TMPD/err")" -eq 1
    check "FIFO output: still a FIFO" test -p "$TMPD/fifo"
fi

# The default model was made by llama-quantize: asking for its own type must keep every tensor's type.
DEF=$DEFAULT_MODEL
if need_default_model part; then
    out=$("$T" quantize "$DEF" "$TMPD/default-q4km.gguf" Q4_K_M)
    check "default model: Q4_K_M mix identical to llama-quantize's" contains "$out" "(0 converted)"
    check "default model requantized to Q8_0" "$T" quantize "$DEF" "$TMPD/default-q8.gguf" Q8_0 > /dev/null
    outs="$outs $TMPD/default-q8.gguf"
fi

# shellcheck disable=SC2086
if llamacpp_usable "$PY" $outs; then
    # A reader that compares two GGUF files by content, independent of key and tensor order.
    cat > "$TMPD/same.py" <<'PYEOF'
import struct, sys
FIXED = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
def parse(path):
    b = open(path, "rb").read()
    pos = 0
    def rd(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, b, pos); pos += struct.calcsize("<" + fmt); return v
    def rs():
        nonlocal pos
        n, = rd("Q"); s = b[pos:pos + n]; pos += n; return s
    def val(t):
        nonlocal pos
        if t == 8: return rs()
        if t == 9:
            et, n = rd("IQ")
            if et in FIXED:
                k = n * struct.calcsize(FIXED[et]); v = b[pos:pos + k]; pos += k; return (et, v)
            return (et, tuple(val(et) for _ in range(n)))
        return rd(FIXED[t])[0]
    _, _, nt, nk = rd("IIQQ")
    kv = {}
    for _ in range(nk):
        k = rs().decode(); t, = rd("I"); kv[k] = (t, val(t))
    infos = []
    for _ in range(nt):
        name = rs().decode(); nd, = rd("I"); ne = rd("Q" * nd); ty, off = rd("IQ"); infos.append((off, name, ne, ty))
    align = kv.get("general.alignment", (4, 32))[1]
    start = (pos + align - 1) // align * align
    infos.sort()
    t = {}
    for i, (off, name, ne, ty) in enumerate(infos):
        end = infos[i + 1][0] if i + 1 < len(infos) else len(b) - start
        t[name] = (ne, ty, b[start + off:start + end].rstrip(b"\0"))
    return kv, t
(akv, at), (bkv, bt) = parse(sys.argv[1]), parse(sys.argv[2])
kd = sorted(k for k in set(akv) | set(bkv) if akv.get(k) != bkv.get(k))
td = sorted(n for n in set(at) | set(bt) if at.get(n) != bt.get(n))
if kd or td:
    print("%s vs %s: metadata differs %s, tensors differ %s" % (sys.argv[1], sys.argv[2], kd, td[:6]))
    sys.exit(1)
PYEOF
    for arch in llama qwen3 gemma3; do
        for type in $TYPES; do
            "$PY" - "$TMPD/$arch-F32.gguf" "$TMPD/ref.gguf" "$type" > "$TMPD/q.log" 2>&1 <<'PYEOF'
import sys, ctypes, llama_cpp
p = llama_cpp.llama_model_quantize_default_params()
p.ftype = getattr(llama_cpp, "LLAMA_FTYPE_MOSTLY_" + sys.argv[3])
p.nthread = 2
sys.exit(llama_cpp.llama_model_quantize(sys.argv[1].encode(), sys.argv[2].encode(), ctypes.byref(p)))
PYEOF
            check "llama.cpp quantizes $arch to $type" test $? -eq 0
            check "$arch $type: same content as llama-quantize" python3 "$TMPD/same.py" "$TMPD/$arch-$type.gguf" "$TMPD/ref.gguf"
        done
    done
    "$PY" - $outs <<'PYEOF'
import sys, math
from llama_cpp import Llama
for path in sys.argv[1:]:
    llm = Llama(model_path=path, n_ctx=32, n_threads=2, verbose=False, logits_all=True)
    toks = llm.tokenize(b"Bonjour le monde", add_bos=True)
    llm.eval(toks)
    assert all(math.isfinite(float(x)) for x in llm.scores[len(toks) - 1]), path
print("llama.cpp ran %d files written by tolk quantize" % len(sys.argv[1:]))
PYEOF
    check "llama.cpp runs every quantized file" test $? -eq 0
else
    skip_optional "$llamacpp_why: the comparison with llama.cpp's quantizer did not run"
fi
finish
