#!/bin/sh
# The batching scheduler of `tolk serve` under a short load, on the loopback address: clients at
# once (more than --parallel, so some queue) each get the answer their prompt gets alone, a
# bounded soak sends requests back to back with no request lost or answered twice (the server's
# generation counter grows by exactly the requests sent, every stream ends in one [DONE], ids are
# unique), OpenAI stop sequences end answers, the official `openai` Python client works against /v1 with streaming (when installed),
# and SIGTERM with streams in flight finishes them and exits 0. The load client is
# bench/serve_load.py (stdlib only); bench/serve_load.sh is the long version with the timings.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
"$T" serve -m /dev/null --host not-an-address 2>"$TMPD/probe"
grep -q "built without libmicrohttpd" "$TMPD/probe" && skip_cpu "tolk was built without libmicrohttpd"
command -v python3 >/dev/null || skip "python3 is not installed"
need_default_model
client="${TOLK_SRCDIR:-$(dirname "$0")/..}/bench/serve_load.py"

pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$TMPD"' EXIT
. "$(dirname "$0")/serve_start.sh"
serve_start "$T" "$DEFAULT_MODEL" "$TMPD/log" -t 1 --parallel 2 --queue 8 || exit 1
load() { timeout 300 python3 "$client" --base "$base" --max-tokens 8 --timeout 120 "$@"; }

# Three clients, two slots: every answer equals the one its prompt gets alone (TOLK_MULTI_EXACT).
check "3 clients at once get the answers they get alone" load --clients 3 --requests 2 --alone
# A bounded soak: back-to-back requests from 3 clients for 8 s.
check "8 s soak: none lost or answered twice, every answer as alone" load --clients 3 --soak 8 --alone

# OpenAI `stop`: the answer ends before the first stop sequence (finish_reason "stop"), streamed
# or not; a sequence taken from the middle of the answer the prompt gets without one.
check "stop sequences end the answer before them" timeout 300 python3 - "$base" <<'PY'
import json, sys, urllib.request, urllib.error
base = sys.argv[1]
def post(body):
    req = urllib.request.Request(base + "/v1/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read().decode()
q = {"prompt": "The capital of France is", "max_tokens": 16}
full = json.loads(post(q))["choices"][0]["text"]
cut = len(full) // 2
word = full[cut:cut + 3]
want = full[:full.index(word)]
r = json.loads(post(dict(q, stop=["never-there", word])))["choices"][0]
assert r["text"] == want and r["finish_reason"] == "stop", (r, want, word)
events = [json.loads(l[6:]) for l in post(dict(q, stop=word, stream=True)).splitlines()
          if l.startswith("data: {")]
assert "".join(e["choices"][0]["text"] for e in events) == want, (events, want)
assert events[-1]["choices"][0]["finish_reason"] == "stop", events[-1]
for bad in (["a", "b", "c", "d", "e"], [""], 5):
    try:
        post(dict(q, stop=bad))
        raise AssertionError("accepted stop=%r" % (bad,))
    except urllib.error.HTTPError as e:
        assert e.code == 400 and "stop" in json.loads(e.read())["error"]["message"], bad
PY

# The official `openai` Python client (optional: a venv at ../tools/openai-venv or $TOLK_OPENAI_PY):
# models, chat and text completions, streamed token by token equal to the same request unstreamed.
openai_py=${TOLK_OPENAI_PY:-${TOLK_SRCDIR:-$(dirname "$0")/..}/../tools/openai-venv/bin/python}
if [ -x "$openai_py" ] && "$openai_py" -c "import openai" 2>/dev/null; then
    check "openai client: models, chat, completions, streaming" timeout 300 "$openai_py" - "$base" <<'PY'
import sys
from openai import OpenAI
c = OpenAI(base_url=sys.argv[1] + "/v1", api_key="unused", max_retries=0, timeout=120)
mid = c.models.list().data[0].id
assert mid.startswith("gemma-3-270m"), mid
msgs = [{"role": "user", "content": "Translate to German: good morning"}]
r = c.chat.completions.create(model=mid, messages=msgs, max_tokens=12, temperature=0)
text = r.choices[0].message.content
assert text and r.usage.completion_tokens <= 12 and r.choices[0].finish_reason in ("stop", "length"), r
pieces = []
for ch in c.chat.completions.create(model=mid, messages=msgs, max_tokens=12, temperature=0, stream=True):
    if ch.choices and ch.choices[0].delta.content:
        pieces.append(ch.choices[0].delta.content)
assert len(pieces) > 1 and "".join(pieces) == text, (pieces, text)
r = c.completions.create(model=mid, prompt="The capital of France is", max_tokens=8, temperature=0)
streamed = "".join(ch.choices[0].text for ch in c.completions.create(model=mid, prompt="The capital of France is",
                                                                     max_tokens=8, temperature=0, stream=True))
assert r.choices[0].text and streamed == r.choices[0].text, (streamed, r.choices[0].text)
print("openai %s: chat %r, completion %r" % (__import__("openai").__version__, text, streamed))
PY
else
    skip_optional "the openai Python package (pip install openai into ../tools/openai-venv, or set TOLK_OPENAI_PY)"
fi

# SIGTERM with two streams in flight: both end with [DONE] and the server exits 0.
for i in 1 2; do
    curl -s -N --max-time 120 -H Content-Type:application/json \
        -d '{"prompt":"Once upon a time","max_tokens":24,"stream":true}' "$base/v1/completions" >"$TMPD/s$i" &
    eval "c$i=\$!"
done
for _ in $(seq 1 100); do
    grep -q '"text":"[^"]' "$TMPD/s1" 2>/dev/null && grep -q '"text":"[^"]' "$TMPD/s2" 2>/dev/null && break
    sleep 0.1
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
wait "$c1" "$c2" 2>/dev/null
check "SIGTERM with streams in flight exits 0" test "$rc" = 0
check "first stream finished" grep -q '^data: \[DONE\]' "$TMPD/s1"
check "second stream finished" grep -q '^data: \[DONE\]' "$TMPD/s2"
check "both streams ran to their length" sh -c "grep -c '\"text\":\"[^\"]' '$TMPD/s1' | grep -qv '^0$'"
finish
