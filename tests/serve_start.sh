# Sourced by the tests and bench scripts that run `tolk serve` (tests/test_serve.sh,
# tests/test_serve_load.sh, bench/serve_load.sh).
# serve_start TOLK MODEL LOG ARGS...: starts `TOLK serve -m MODEL --port 0 ARGS...` in the
# background, its stderr in LOG, and waits (up to 60 s) for the port it prints. Sets $pid, $port
# and $base (http://127.0.0.1:PORT); returns 1 with the log shown when the server did not start.
serve_start() {
    _tolk=$1 _model=$2 _log=$3
    shift 3
    "$_tolk" serve -m "$_model" --port 0 "$@" 2>"$_log" &
    pid=$!
    port=
    for _ in $(seq 1 600); do
        port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$_log")
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        cat "$_log" >&2
        echo "FAIL: the server did not start" >&2
        return 1
    fi
    base=http://127.0.0.1:$port
}
