#!/bin/sh
# Start-up and time to first token, tolk beside llama.cpp on the same GGUF file: a one-token run
# from a cold page cache (dropped first; needs root, else the cold rows are left out with a note)
# and warm, and the time to first token of one translated sentence (the TUI's unit of work) with
# the model already loaded. tolk is timed as a whole process (exec, load, prompt, one token);
# llama.cpp through llama-cpp-python, both as a whole process and from Llama() to the first
# token's logits inside it (which leaves out the interpreter's start, in llama.cpp's favour).
# Where llama-cpp-python's bundled library dies (AMX VMs), LLAMA_CPP_LIB_PATH=DIR points it at a
# llama.cpp built for this CPU (bench/build_peers.sh). --isa avx2 runs tolk with TOLK_ISA=avx2.
# Usage: bench/startup.sh [--isa avx2|avx512] [-r 5] [-t 2] [MODEL.gguf]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
tolk=${TOLK_BIN:-$top/build/tolk}
[ -x "$tolk" ] || tolk=$top/tolk
py=${TOLK_LLAMACPP_PYTHON:-$top/../tools/llamacpp-venv/bin/python}
r=5 t=2
while [ $# -gt 0 ]; do
    case $1 in
        --isa) case $2 in avx2) export TOLK_ISA=avx2 ;; avx512) unset TOLK_ISA ;; *) echo "startup.sh: --isa avx2 or avx512" >&2; exit 1 ;; esac; shift 2 ;;
        -r) r=$2; shift 2 ;;
        -t) t=$2; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        -*) echo "startup.sh: unknown option $1" >&2; exit 1 ;;
        *) break ;;
    esac
done
model=${1:-${TOLK_MODELS:-$HOME/.cache/tolk/models}/gemma-3-270m-q4_k_m.gguf}
[ -f "$model" ] || { echo "startup.sh: no such file: $model" >&2; exit 1; }
[ -x "$tolk" ] || { echo "startup.sh: no tolk binary (build first, or set TOLK_BIN)" >&2; exit 1; }
sentence="The printer must be switched off before the cover is opened."
have_peer=1
[ -x "$py" ] && "$py" -c "import llama_cpp" 2> /dev/null || { have_peer=0; echo "startup.sh: no llama-cpp-python at $py; llama.cpp left out" >&2; }
cold=1
drop() { sync && echo 3 > /proc/sys/vm/drop_caches 2> /dev/null; }
drop || { cold=0; echo "startup.sh: cannot drop the page cache (not root); cold rows left out" >&2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tolk-startup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Wall seconds of one command (its output discarded).
wall() {
    s=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || { echo "startup.sh: failed: $*" >&2; exit 1; }
    e=$(date +%s.%N)
    echo "$s $e" | awk '{printf "%.3f\n", $2 - $1}'
}

# llama.cpp: prints "PROCESS_START_TO_LOGITS LOAD_TO_LOGITS" seconds, or with a prompt file the
# seconds from its tokens to the first sampled token.
cat > "$tmp/peer.py" << 'PYEOF'
# llama.cpp's own C API through llama-cpp-python's low-level bindings (as llama-simple does it),
# without the Llama class's Python-side set-up.
import ctypes, sys, time
t0 = time.time()
import llama_cpp as L
mode, model, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
t1 = time.time()
L.llama_backend_init()
m = L.llama_model_load_from_file(model.encode(), L.llama_model_default_params())
cp = L.llama_context_default_params()
cp.n_ctx, cp.n_batch, cp.n_threads, cp.n_threads_batch = 512, 512, threads, threads
ctx = L.llama_init_from_model(m, cp)
vocab = L.llama_model_get_vocab(m)
def decode(ids):
    arr = (L.llama_token * len(ids))(*ids)
    if L.llama_decode(ctx, L.llama_batch_get_one(arr, len(ids))) != 0:
        sys.exit("llama_decode failed")
    return L.llama_get_logits_ith(ctx, -1)
if mode == "one":
    decode([L.llama_vocab_bos(vocab)])
    t2 = time.time()
    print("%.3f %.3f" % (t2 - float(sys.argv[4]), t2 - t1))
else:
    text = open(sys.argv[4], "rb").read()
    toks = (L.llama_token * 4096)()
    n = L.llama_tokenize(vocab, text, len(text), toks, 4096, False, True)
    ids = list(toks[:n])
    decode(ids[:1])  # first-call set-up outside the timing, as tolk's session is already open
    L.llama_memory_clear(L.llama_get_memory(ctx), True)
    s = time.time()
    arr = (L.llama_token * n)(*ids)
    L.llama_decode(ctx, L.llama_batch_get_one(arr, n))
    row = L.llama_get_logits_ith(ctx, -1)
    print("%.3f" % (time.time() - s))
PYEOF

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
tolk_one() { wall "$tolk" run -m "$model" -t "$t" -n 1 -p "Hello"; }
peer_one() { "$py" "$tmp/peer.py" one "$model" "$t" "$(date +%s.%N)" 2> /dev/null; }

printf '| %s, %d threads | %s | llama.cpp |\n|---|---|---|\n' "$(basename "$model")" "$t" "tolk, $("$tolk" --version | sed -n 's/^kernel path: //p') path"
if [ "$cold" = 1 ]; then
    : > "$tmp/tc"; : > "$tmp/pc"; : > "$tmp/pci"
    for i in $(seq 1 "$r"); do
        drop; tolk_one >> "$tmp/tc"
        if [ "$have_peer" = 1 ]; then drop; peer_one > "$tmp/o"; cut -d' ' -f1 "$tmp/o" >> "$tmp/pc"; cut -d' ' -f2 "$tmp/o" >> "$tmp/pci"; fi
    done
    echo "| one-token run, cold | tolk $(median < "$tmp/tc") s | llama.cpp $(median < "$tmp/pc") s process, $(median < "$tmp/pci") s load to logits |"
fi
: > "$tmp/tw"; : > "$tmp/pw"; : > "$tmp/pwi"
tolk_one > /dev/null
[ "$have_peer" = 0 ] || peer_one > /dev/null
for i in $(seq 1 "$r"); do
    tolk_one >> "$tmp/tw"
    if [ "$have_peer" = 1 ]; then peer_one > "$tmp/o"; cut -d' ' -f1 "$tmp/o" >> "$tmp/pw"; cut -d' ' -f2 "$tmp/o" >> "$tmp/pwi"; fi
done
echo "| one-token run, warm | tolk $(median < "$tmp/tw") s | llama.cpp $(median < "$tmp/pw") s process, $(median < "$tmp/pwi") s load to logits |"

# Time to first token of one sentence: tolk's own figure (--verbose), the same prompt text in llama.cpp.
: > "$tmp/tt"; : > "$tmp/pt"
"$tolk" translate -m "$model" -t "$t" --to de --show-prompt "$sentence" 2> /dev/null > "$tmp/prompt.txt" || true
for i in $(seq 1 "$r"); do
    "$tolk" translate -m "$model" -t "$t" --to de -n 1 --verbose "$sentence" 2>&1 > /dev/null |
        sed -n 's/.*time to first token: \([0-9.]*\) ms.*/\1/p' | awk '{printf "%.3f\n", $1 / 1000}' >> "$tmp/tt"
    [ "$have_peer" = 0 ] || [ ! -s "$tmp/prompt.txt" ] || "$py" "$tmp/peer.py" ttft "$model" "$t" "$tmp/prompt.txt" 2> /dev/null >> "$tmp/pt"
done
ntok=$("$tolk" tokenize -m "$model" --special < "$tmp/prompt.txt" 2> /dev/null | wc -w)
echo "| first token of one translated sentence ($ntok prompt tokens), model loaded | tolk $(median < "$tmp/tt") s | llama.cpp $(median < "$tmp/pt") s |"
