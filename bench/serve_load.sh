#!/bin/sh
# Load and soak test of `tolk serve` on the loopback address (bench/serve_load.py is the client).
# Starts the server on a free port with the default model, then runs one client and then N
# concurrent ones (default 8), each sending streaming /v1/completions requests (--chat:
# /v1/chat/completions), and prints the aggregate and per-client tokens per second and the p50/p95
# time to first token, with the ratios the issue sets as targets (N clients' aggregate >= 3x one
# client's, p95 TTFT under load < 2x the idle one). --llama-server PATH then runs llama.cpp's
# llama-server (bench/build_peers.sh server) on the same model, slots, threads and load, and one
# table shows both. --soak SECONDS keeps N clients sending to tolk for that long and fails when a
# request is lost, answered twice or (exact mode) answered differently than alone. Ends by itself;
# tolk is stopped with SIGTERM, which must end it with status 0.
#
#   bench/serve_load.sh [--clients N] [--requests R] [--max-tokens T] [--soak SECONDS] [--chat]
#                       [--fast] [-m MODEL] [-t THREADS] [--tolk PATH] [--llama-server PATH]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tolk=${TOLK_BIN:-}
[ -n "$tolk" ] || for c in "$here/../build/tolk" "$here/../tolk"; do [ -x "$c" ] && { tolk=$c; break; }; done
model=${TOLK_MODELS:-$HOME/.cache/tolk/models}/gemma-3-270m-q4_k_m.gguf
clients=8 requests=3 max_tokens=64 soak=0 fast= threads= nthreads= chat= llama=
while [ $# -gt 0 ]; do
    case $1 in
        --clients) clients=$2; shift 2 ;;
        --requests) requests=$2; shift 2 ;;
        --max-tokens) max_tokens=$2; shift 2 ;;
        --soak) soak=$2; shift 2 ;;
        --fast) fast=--batch-fast; shift ;;
        --chat) chat=--chat; shift ;;
        -m) model=$2; shift 2 ;;
        -t) threads="-t $2"; nthreads=$2; shift 2 ;;
        --tolk) tolk=$2; shift 2 ;;
        --llama-server) llama=$2; shift 2 ;;
        *) echo "usage: $0 [--clients N] [--requests R] [--max-tokens T] [--soak SECONDS] [--chat] [--fast] [-m MODEL] [-t N] [--tolk PATH] [--llama-server PATH]" >&2; exit 2 ;;
    esac
done
[ -n "$tolk" ] && [ -x "$tolk" ] || { echo "serve_load: no tolk binary (build it, or give --tolk / TOLK_BIN)" >&2; exit 1; }
[ -f "$model" ] || { echo "serve_load: the model $model is missing (tolk fetch)" >&2; exit 1; }
[ -z "$llama" ] || [ -x "$llama" ] || { echo "serve_load: $llama is not an executable (bench/build_peers.sh server)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/serve_load.XXXXXX")
pid= lpid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

slots=$clients
[ "$slots" -gt 64 ] && slots=64
status=0
py() { python3 "$here/serve_load.py" --base "$base" --max-tokens "$max_tokens" $chat "$@"; }
# measure NAME [--server S]: warm-up, then one client and N clients into $tmp/NAME.one, .many
measure() {
    name=$1
    shift
    echo "serve_load: $name: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (other processes share them)"
    py "$@" --clients 1 --requests 1 >/dev/null || status=1 # the weights in memory, first-use costs paid
    py "$@" --clients 1 --requests "$requests" --json >"$tmp/$name.one" || status=1
    py "$@" --clients "$clients" --requests "$requests" --json >"$tmp/$name.many" || status=1
    echo "serve_load: $name: done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

. "$here/../tests/serve_start.sh"
# shellcheck disable=SC2086 # $threads and $fast are options or nothing
serve_start "$tolk" "$model" "$tmp/log" --parallel "$slots" --queue 256 --max-conns 512 $threads $fast || exit 1
echo "serve_load: $(sed -n 's/^tolk serve: //p' "$tmp/log" | head -1)"
measure tolk
if [ "$soak" != 0 ]; then
    alone=--alone
    [ -n "$fast" ] && alone=
    if py --clients "$clients" --soak "$soak" $alone; then
        echo "soak: $soak s with $clients clients: no request lost or answered twice${alone:+, every answer as alone}"
    else
        echo "soak: FAILED" >&2
        status=1
    fi
fi
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || { echo "serve_load: the server exited with $rc after SIGTERM" >&2; status=1; }

if [ -n "$llama" ]; then
    # llama-server: the same slots (its -c is shared by them), threads and model, its /metrics on
    lport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # shellcheck disable=SC2086
    "$llama" -m "$model" --host 127.0.0.1 --port "$lport" -np "$slots" -c $((slots * 1024)) \
        ${nthreads:+-t $nthreads -tb $nthreads} --metrics >"$tmp/llama.log" 2>&1 &
    lpid=$!
    base=http://127.0.0.1:$lport
    up=
    for _ in $(seq 1 1200); do
        curl -sf "$base/health" 2>/dev/null | grep -q ok && { up=1; break; }
        kill -0 "$lpid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -n "$up" ]; then
        echo "serve_load: llama-server listening on $base ($slots slots)"
        measure llama --server llama
    else
        tail -5 "$tmp/llama.log" >&2
        echo "serve_load: llama-server did not start" >&2
        status=1
    fi
    kill "$lpid" 2>/dev/null || true
    wait "$lpid" 2>/dev/null || true
    lpid=
fi

python3 - "$tmp" "$clients" <<'PY'
import json, os, sys
tmp, n = sys.argv[1], int(sys.argv[2])
print("| server | 1 client tok/s | %d clients aggregate tok/s (x one) | per client tok/s | TTFT idle p50 / p95 ms | "
      "TTFT %d clients p50 / p95 ms (p95 / idle p50) |" % (n, n))
print("|---|---|---|---|---|---|")
for name in ("tolk", "llama"):
    try:
        one, many = (json.load(open(os.path.join(tmp, name + ext))) for ext in (".one", ".many"))
    except (OSError, ValueError):
        continue
    agg = many["aggregate_tok_s"] / one["aggregate_tok_s"] if one["aggregate_tok_s"] else float("nan")
    ttft = many["ttft_p95_ms"] / one["ttft_p50_ms"] if one["ttft_p50_ms"] else float("nan")
    print("| %s | %.1f | %.1f (%.2fx) | %.1f | %.0f / %.0f | %.0f / %.0f (%.2fx) |" % (
        "tolk serve" if name == "tolk" else "llama-server", one["aggregate_tok_s"], many["aggregate_tok_s"], agg,
        many["per_client_tok_s"], one["ttft_p50_ms"], one["ttft_p95_ms"], many["ttft_p50_ms"], many["ttft_p95_ms"],
        ttft))
print("targets (tolk): aggregate >= 3x one client; p95 TTFT under load < 2x the idle p50")
PY
exit $status
