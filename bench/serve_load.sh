#!/bin/sh
# Load and soak test of `tolk serve` on the loopback address (bench/serve_load.py is the client).
# Starts the server on a free port with the default model, then runs one client and then N
# concurrent ones (default 8), each sending streaming /v1/completions requests, and prints the
# aggregate and per-client tokens per second and the p50/p95 time to first token, with the ratios
# the issue sets as targets (N clients' aggregate >= 3x one client's, p95 TTFT under load < 2x the
# idle one). --soak SECONDS then keeps N clients sending for that long and fails when a request is
# lost, answered twice or (exact mode) answered differently than alone. Ends by itself; the server
# is stopped with SIGTERM, which must end it with status 0.
#
#   bench/serve_load.sh [--clients N] [--requests R] [--max-tokens T] [--soak SECONDS]
#                       [--fast] [-m MODEL] [-t THREADS] [--tolk PATH]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tolk=${TOLK_BIN:-}
[ -n "$tolk" ] || for c in "$here/../build/tolk" "$here/../tolk"; do [ -x "$c" ] && { tolk=$c; break; }; done
model=${TOLK_MODELS:-$HOME/.cache/tolk/models}/gemma-3-270m-q4_k_m.gguf
clients=8 requests=3 max_tokens=64 soak=0 fast= threads=
while [ $# -gt 0 ]; do
    case $1 in
        --clients) clients=$2; shift 2 ;;
        --requests) requests=$2; shift 2 ;;
        --max-tokens) max_tokens=$2; shift 2 ;;
        --soak) soak=$2; shift 2 ;;
        --fast) fast=--batch-fast; shift ;;
        -m) model=$2; shift 2 ;;
        -t) threads="-t $2"; shift 2 ;;
        --tolk) tolk=$2; shift 2 ;;
        *) echo "usage: $0 [--clients N] [--requests R] [--max-tokens T] [--soak SECONDS] [--fast] [-m MODEL] [-t N] [--tolk PATH]" >&2; exit 2 ;;
    esac
done
[ -n "$tolk" ] && [ -x "$tolk" ] || { echo "serve_load: no tolk binary (build it, or give --tolk / TOLK_BIN)" >&2; exit 1; }
[ -f "$model" ] || { echo "serve_load: the model $model is missing (tolk fetch)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/serve_load.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

slots=$clients
[ "$slots" -gt 64 ] && slots=64
. "$here/../tests/serve_start.sh"
# shellcheck disable=SC2086 # $threads and $fast are options or nothing
serve_start "$tolk" "$model" "$tmp/log" --parallel "$slots" --queue 256 --max-conns 512 $threads $fast || exit 1
echo "serve_load: $(sed -n 's/^tolk serve: //p' "$tmp/log" | head -1)"
echo "serve_load: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (other processes share them)"
py() { python3 "$here/serve_load.py" --base "$base" --max-tokens "$max_tokens" "$@"; }
status=0
# warm-up: the weights in memory, the first-use costs paid
py --clients 1 --requests 1 >/dev/null || status=1
py --clients 1 --requests "$requests" --json >"$tmp/one" || status=1
py --clients "$clients" --requests "$requests" --json >"$tmp/many" || status=1
python3 - "$tmp/one" "$tmp/many" <<'PY'
import json, sys
one, many = (json.load(open(p)) for p in sys.argv[1:3])
for r in (one, many):
    print("%2d client%s %3d requests %5.1f s: aggregate %7.1f tok/s, per client %6.1f tok/s, TTFT p50 %6.0f ms, "
          "p95 %6.0f ms" % (r["clients"], " " if r["clients"] == 1 else "s", r["requests"], r["wall_s"],
                            r["aggregate_tok_s"], r["per_client_tok_s"], r["ttft_p50_ms"], r["ttft_p95_ms"]))
agg = many["aggregate_tok_s"] / one["aggregate_tok_s"] if one["aggregate_tok_s"] else float("nan")
ttft = many["ttft_p95_ms"] / one["ttft_p50_ms"] if one["ttft_p50_ms"] else float("nan")
print("aggregate %d clients / 1 client: %.2fx (target >= 3x); p95 TTFT under load / idle p50 TTFT: %.2fx "
      "(target < 2x)" % (many["clients"], agg, ttft))
PY
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
exit $status
