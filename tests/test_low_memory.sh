#!/bin/sh
# Too little memory, made real with a memory cgroup (root only; elsewhere a SKIP saying so):
# the default model runs inside a limit below its file size with peak RSS under the file size and
# the same greedy text as without a limit (the mapped weights page in and out; nothing is copied);
# `tolk bench` finishes there too (its bandwidth probe sizes itself to the memory left); and a
# context whose KV cache cannot fit is refused at once in one line with a non-zero exit instead
# of being OOM-killed later (docs/MEMORY.md).
. "$(dirname "$0")/lib.sh"
need_default_model
[ "$(id -u)" = 0 ] || skip_cpu "needs root to make a memory cgroup"
cg=
if [ -d /sys/fs/cgroup/memory ] && mkdir "/sys/fs/cgroup/memory/tolk-test-$$" 2> /dev/null; then
    cg=/sys/fs/cgroup/memory/tolk-test-$$ limit_file=memory.limit_in_bytes
elif grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2> /dev/null && mkdir "/sys/fs/cgroup/tolk-test-$$" 2> /dev/null; then
    cg=/sys/fs/cgroup/tolk-test-$$ limit_file=memory.max
else
    skip_cpu "no memory cgroup can be made here (cgroup v1 memory hierarchy or v2 with the memory controller)"
fi
trap 'rmdir "$cg" 2> /dev/null; rm -rf "$TMPD"' EXIT
in_cgroup() { sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' sh "$cg" "$@"; }

# A private copy written past the page cache (O_DIRECT), so its pages are read, and charged, by
# the limited process alone, whatever else has the default model mapped.
model=$TMPD/model.gguf
dd if="$DEFAULT_MODEL" of="$model" bs=4M oflag=direct status=none 2> /dev/null || cp "$DEFAULT_MODEL" "$model"
file_kb=$(( $(stat -c %s "$model") / 1024 ))
limit_kb=$((file_kb * 5 / 8))
echo $((limit_kb * 1024)) > "$cg/$limit_file"

prompt="The capital of France is"
# the limited run first: a run outside the cgroup would leave the pages cached and charged elsewhere
got=$(in_cgroup /usr/bin/time -f '%M' -o "$TMPD/rss" "$TOLK_BIN" run -m "$model" --temp 0 -p "$prompt" -n 16 2> "$TMPD/err")
check "runs in $((limit_kb / 1024)) MiB, below the $((file_kb / 1024)) MiB file (exit 0)" test $? -eq 0
want=$("$TOLK_BIN" run -m "$model" --temp 0 -p "$prompt" -n 16 2> /dev/null)
check "the same greedy text as without a limit" test "$got" = "$want"
rss=$(tail -n 1 "$TMPD/rss")
check "peak RSS ${rss} kB stays below the file size ${file_kb} kB" test "${rss:-$file_kb}" -lt "$file_kb"

out=$(in_cgroup "$TOLK_BIN" bench -m "$model" -p 8 -n 4 -r 1 2>&1)
check "tolk bench finishes inside the limit (bandwidth probe included)" contains "$out" "read bandwidth"

out=$(in_cgroup "$TOLK_BIN" run -m "$model" -c 200000 -p "$prompt" -n 4 2>&1)
rc=$?
check "a KV cache larger than the limit is refused (exit $rc)" test "$rc" -eq 1
check "in one line" test "$(printf '%s\n' "$out" | wc -l)" -eq 1
check "naming the cache and what to lower: $out" contains "$out" "KV cache of 200000 positions needs"
finish
