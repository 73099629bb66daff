#!/bin/sh
# `tolk info`, `--help` and `--version`: shapes and tokenizer facts of the vocab files, valid JSON,
# one clear error line and exit 1 for missing or bad files, and the default model's shapes when
# it has been fetched.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
V=$TOLK_TESTDATA/tokenizer
need_testdata

out=$("$T" --version) && contains "$out" "tolk " && contains "$out" "kernels:"; check "--version" test $? -eq 0
out=$("$T" --help) && contains "$out" "info"; check "--help lists info" test $? -eq 0
out=$("$T" info --help) && contains "$out" "--json"; check "info --help" test $? -eq 0
"$T" frobnicate 2>"$TMPD/err"; check "unknown subcommand exits 1" test $? -eq 1
check "unknown subcommand message" grep -q "^tolk: error: unknown subcommand 'frobnicate'" "$TMPD/err"

out=$("$T" info "$V/qwen2.gguf")
check "qwen2 tokenizer model" contains "$out" "model:         gpt2"
check "qwen2 pre-tokenizer" contains "$out" "pre-tokenizer: qwen2 (tolk splits by the qwen2 rules)"
check "qwen2 vocab size" contains "$out" "vocab size:    151669"
check "qwen2 chat template" contains "$out" "chat template: present"
out=$("$T" info -m "$V/llama-spm.gguf")
check "llama-spm model" contains "$out" "model:         llama"
check "llama-spm has no pre-tokenizer" contains "$out" "(SentencePiece: tolk splits nothing before the merges)"
out=$("$T" info "$V/llama3.gguf")
check "llama3 pre-tokenizer" contains "$out" "pre-tokenizer: llama-bpe (tolk splits by the llama-bpe rules)"

for f in qwen2 llama3 llama-spm gpt2; do
    "$T" info --json "$V/$f.gguf" > "$TMPD/$f.json"
    check "$f --json is valid JSON" python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['vocab_size'] > 1000 and 'tokenizer' in d" "$TMPD/$f.json"
done

"$T" info /nonexistent.gguf 2>"$TMPD/err"; check "missing file exits 1" test $? -eq 1
check "missing file: one line" test "$(wc -l < "$TMPD/err")" -eq 1
check "missing file: message" grep -q "^tolk: error: /nonexistent.gguf: cannot open" "$TMPD/err"
printf 'GGUF\003\000\000\000' > "$TMPD/cut.gguf"
"$T" info "$TMPD/cut.gguf" 2>"$TMPD/err"; check "truncated exits 1" test $? -eq 1
check "truncated: message with byte" grep -q "^tolk: error: .*cut.gguf: truncated file.*(at byte 8)" "$TMPD/err"
TOLK_MODELS=$TMPD/none HOME=$TMPD "$T" info 2>"$TMPD/err"; check "no default model exits 1" test $? -eq 1
check "no default model says how to fetch" grep -q "tolk fetch" "$TMPD/err"

model=$DEFAULT_MODEL
if need_default_model part; then
    "$T" info --json -m "$model" > "$TMPD/gemma.json"
    check "default model shapes" python3 - "$TMPD/gemma.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["architecture"] == "gemma3", d["architecture"]
assert d["block_count"] == 18 and d["embedding_length"] == 640 and d["vocab_size"] == 262144, d
assert d["head_count"] == 4 and d["head_count_kv"] == 1 and d["key_length"] == 256
assert set(d["quant_mix"]) >= {"Q8_0", "Q5_0", "Q4_K", "Q6_K", "F32"}, d["quant_mix"]
PY
    out=$("$T" info --tensors -m "$model")
    check "--tensors lists blk.17.ffn_down.weight" contains "$out" "blk.17.ffn_down.weight"
fi
finish
