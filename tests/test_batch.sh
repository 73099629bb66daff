#!/bin/sh
# `tolk batch IN.jsonl OUT.jsonl` without a model (--copy-source): every line answered once as
# valid JSON, ids kept as written, resuming skips what OUT has (and redoes a line a killed run cut
# short), --shard I/N splits the lines without overlap, exit 65 for bad lines and 1 for bad options,
# and the job fanned out with GNU parallel over two "hosts" (--sshlogin, with a stand-in for ssh
# that runs the command here) gives the same lines as one run. With the default model, a short
# job is translated for real.
. "${TOLK_SRCDIR:-.}/tests/lib.sh"
tmp=${TMPDIR:-/tmp}/tolk-batch.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
in=$tmp/in.jsonl
i=1
while [ $i -le 12 ]; do
    printf '{"id": %d, "text": "Line number %d. See https://example.org/%d for %%s.", "to": "de"}\n' $i $i $i
    i=$((i + 1))
done > "$in"
printf '{"id": "s\\u00e9", "text": "Caf\\u00e9 \\"quoted\\"\\nnext line", "extra": {"k": [1, true, null]}}\n\n' >> "$in"
ids() { python3 -c 'import json,sys; print("\n".join(sorted(json.dumps(json.loads(l)["id"]) for l in open(sys.argv[1]) if l.strip()))))' "$1"; }
command -v python3 > /dev/null || skip "python3 is needed to read the JSON lines"

"$TOLK_BIN" batch --copy-source --quiet "$in" "$tmp/out.jsonl"
check "all lines answered" test "$(wc -l < "$tmp/out.jsonl")" -eq 13
check "every answer is JSON with the source as text" python3 -c '
import json, sys
src = {json.dumps(json.loads(l)["id"]): json.loads(l)["text"] for l in open(sys.argv[1]) if l.strip()}
for l in open(sys.argv[2]):
    o = json.loads(l)
    assert o["text"] == src[json.dumps(o["id"])], o
' "$in" "$tmp/out.jsonl"
check "string ids kept" grep -q '"id": "s\\u00e9"' "$tmp/out.jsonl"

# resuming: nothing new; a line cut short by a killed run is done again
"$TOLK_BIN" batch --copy-source --quiet "$in" "$tmp/out.jsonl"
check "a second run adds nothing" test "$(wc -l < "$tmp/out.jsonl")" -eq 13
head -n 5 "$tmp/out.jsonl" > "$tmp/cut.jsonl"
sed -n 6p "$tmp/out.jsonl" | head -c 20 >> "$tmp/cut.jsonl"
"$TOLK_BIN" batch --copy-source --quiet "$in" "$tmp/cut.jsonl" 2> "$tmp/err"
check "resumed after a cut line: $(cat "$tmp/err")" test "$(ids "$tmp/cut.jsonl")" = "$(ids "$in")"
check "the cut line is answered again" test "$(grep -c '"status"' "$tmp/cut.jsonl")" -eq 13

# shards split the lines
"$TOLK_BIN" batch --copy-source --quiet --shard 0/3 "$in" "$tmp/s0"
"$TOLK_BIN" batch --copy-source --quiet --shard 1/3 "$in" "$tmp/s1"
"$TOLK_BIN" batch --copy-source --quiet --shard 2/3 "$in" "$tmp/s2"
cat "$tmp/s0" "$tmp/s1" "$tmp/s2" > "$tmp/s"
check "three shards together are the whole job" test "$(ids "$tmp/s")" = "$(ids "$tmp/out.jsonl")"
check "shards do not overlap" test "$(wc -l < "$tmp/s")" -eq 13

# bad lines and options
printf '{"id": 1, "text": "ok"}\nnot json\n{"text": "no id"}\n{"id": [1], "text": "x"}\n{"id": 2}\n' > "$tmp/bad.jsonl"
"$TOLK_BIN" batch --copy-source --quiet "$tmp/bad.jsonl" "$tmp/bad.out" 2> "$tmp/err"
check "bad lines: exit 65" test $? -eq 65
check "bad lines: one error each" test "$(wc -l < "$tmp/err")" -eq 4
check "bad lines: the good one is done" test "$(wc -l < "$tmp/bad.out")" -eq 1
"$TOLK_BIN" batch --copy-source --shard 3/3 "$in" "$tmp/x" 2> "$tmp/err"
check "bad --shard: exit 1" test $? -eq 1
"$TOLK_BIN" batch --copy-source "$tmp/none.jsonl" "$tmp/x" 2> "$tmp/err"
check "missing input: exit 1" test $? -eq 1
TOLK_MODELS=$tmp/no-models "$TOLK_BIN" batch --to de "$in" "$tmp/x" 2> "$tmp/err"
check "no model: retryable exit 75" test $? -eq 75

# GNU parallel over two "hosts"
if command -v parallel > /dev/null; then
    cat > "$tmp/ssh" <<'EOS'
#!/bin/sh
# stands in for ssh: skips the options, notes the host, runs the command here
while [ $# -gt 0 ]; do case $1 in -*) shift ;; *) break ;; esac; done
echo "$1" >> "${0%/*}/hosts"
shift
[ "${1:-}" = "--" ] && shift
exec sh -c "$*"
EOS
    chmod +x "$tmp/ssh"
    parallel --will-cite --ssh "$tmp/ssh" --sshlogin hostA,hostB -j1 \
        "$TOLK_BIN batch --copy-source --quiet --shard {}/2 $in $tmp/p.{}" ::: 0 1
    check "GNU parallel: exit 0" test $? -eq 0
    cat "$tmp/p.0" "$tmp/p.1" > "$tmp/p"
    check "GNU parallel: both hosts used" test "$(sort -u "$tmp/hosts" | wc -l)" -eq 2
    check "GNU parallel: the whole job" test "$(ids "$tmp/p")" = "$(ids "$tmp/out.jsonl")"
else
    skip_part "GNU parallel is not installed (.ci/install-deps.sh installs it)"
fi

if need_default_model part; then
    head -n 2 "$in" > "$tmp/two.jsonl"
    "$TOLK_BIN" batch --quiet --from en "$tmp/two.jsonl" "$tmp/two.out" 2> "$tmp/err"
    check "model run: $(cat "$tmp/err")" test "$(wc -l < "$tmp/two.out")" -eq 2
    check "model run: valid JSON" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/two.out"
    # --tm (an exact match needs no model), --tm-write (adds what passed its checks), --glossary
    if "$TOLK_BIN" tm add --tm "$tmp/tm.sqlite" --from en --to de "Good morning." "Guten Morgen." > /dev/null 2>&1; then
        printf '{"id": 1, "text": "Good  morning."}\n{"id": 2, "text": "The cat sleeps on the sofa."}\n' > "$tmp/tm.jsonl"
        printf 'sofa\tCouchgarnitur\n' > "$tmp/g.tsv"
        "$TOLK_BIN" batch --quiet --from en --to de --tm "$tmp/tm.sqlite" --tm-write --glossary "$tmp/g.tsv" \
            "$tmp/tm.jsonl" "$tmp/tm.out" 2> "$tmp/err"
        check "--tm/--glossary run: $(cat "$tmp/err")" test $? -eq 0
        check "--tm: the exact match, marked" grep -q '^{"id": 1, "text": "Guten Morgen.", .*"tm": true' "$tmp/tm.out"
        check "--glossary: the term in the text and in the line's terms" python3 -c '
import json, sys
l = [json.loads(x) for x in open(sys.argv[1])][1]
t = l["terms"]
assert len(t) == 1 and t[0]["target"] == "Couchgarnitur" and t[0]["status"] in ("found", "forced"), t
assert "Couchgarnitur" in l["text"], l["text"]' "$tmp/tm.out"
        status2=$(python3 -c 'import json,sys; print([json.loads(x) for x in open(sys.argv[1])][1]["status"])' "$tmp/tm.out")
        total=$("$TOLK_BIN" tm stats --tm "$tmp/tm.sqlite" | sed -n 's/^total	//p')
        if [ "$status2" = ok ]; then want=2; else want=1; fi
        check "--tm-write: the new translation added when it passed ($status2: $total)" test "$total" -eq "$want"
        "$TOLK_BIN" batch --quiet --to de --glossary /nonexistent.tsv "$tmp/tm.jsonl" "$tmp/x2" 2> "$tmp/err"
        check "--glossary missing: bad input, one line" test $? -eq 65 -a "$(wc -l < "$tmp/err")" -eq 1
    else
        skip_optional "built without SQLite: batch --tm not checked here (test_tm_translate.sh checks the refusal)"
    fi
fi
finish
