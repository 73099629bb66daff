# Sourced by the shell tests that talk to `tolk serve` (tests/test_serve.sh,
# tests/test_serve_compat.sh) after lib.sh, with $T (the tolk binary) and $model set:
#   start_server LOG ARGS...   starts `tolk serve -t 1 ARGS...` on a free loopback port (serve_start.sh);
#                              sets $pid and $base; every server started is killed on exit
#   req METHOD PATH [CURL ARGS...]   body in $TMPD/body and $body, headers in $TMPD/head, status in $code
#   json PATH BODY             POST BODY as application/json
#   py EXPR                    a Python expression over the JSON body as `j` (true: exit 0)
#   header NAME                a header of the last reply
. "$(dirname "$0")/serve_start.sh"
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$TMPD"
}
trap cleanup EXIT
start_server() {
    log=$1; shift
    serve_start "$T" "$model" "$log" -t 1 "$@" || exit 1
    pids="$pids $pid"
}
req() {
    m=$1; p=$2; shift 2
    code=$(curl -s -o "$TMPD/body" -D "$TMPD/head" -w '%{http_code}' --max-time 60 -X "$m" "$@" "$base$p")
    body=$(cat "$TMPD/body")
}
json() { req POST "$1" -H Content-Type:application/json --data-binary "$2"; }
py() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$TMPD/body"; }
header() { tr -d '\r' < "$TMPD/head" | sed -n "s/^$1: //Ip"; }
