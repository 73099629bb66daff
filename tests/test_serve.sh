#!/bin/sh
# `tolk serve` end to end on the loopback address: every endpoint (OpenAI with and without SSE
# streaming, LibreTranslate JSON and form, Apertium APy, DeepL, /languages, /health, /metrics),
# bad requests answered with 4xx in each API's own error shape, API keys, a full queue, two
# clients at once getting their own answers, a client that leaves being cancelled, and SIGTERM
# finishing the request in flight before a clean exit. Needs curl, python3 and the default model.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
model=${TOLK_MODELS:-$HOME/.cache/tolk/models}/gemma-3-270m-q4_k_m.gguf

skip() { echo "SKIP: $1"; exit 77; }
"$T" serve -m /dev/null --host not-an-address 2>"$TMPD/probe"
grep -q "built without libmicrohttpd" "$TMPD/probe" && skip "tolk was built without libmicrohttpd"
command -v curl >/dev/null || skip "curl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
if [ ! -f "$model" ]; then
    # with TOLK_REQUIRE_DATA=1 a missing model is a failure, not a skip
    [ "${TOLK_REQUIRE_DATA:-0}" = 1 ] && { echo "FAIL: the default model $model is missing"; exit 1; }
    skip "the default model $model is missing (tolk fetch)"
fi

# Refusals before anything listens.
"$T" serve -m "$model" --host 0.0.0.0 --port 0 2>"$TMPD/err"
check "non-loopback host without --api-key exits 1" test $? -eq 1
check "non-loopback host: says why" grep -q "^tolk: error: --host 0.0.0.0 .*--api-key" "$TMPD/err"
"$T" serve -m "$model" --port 70000 2>"$TMPD/err"
check "port out of range exits 1" test $? -eq 1

. "$(dirname "$0")/serve_client.sh"

start_server "$TMPD/log1" --parallel 2
main_pid=$pid

req GET /health
check "health 200" test "$code" = 200
check "health status ok" py 'j["status"] == "ok" and j["sessions"] == 2'
req GET /v1/models
check "models 200" test "$code" = 200
check "models list" py 'j["object"] == "list" and j["data"][0]["id"] == "gemma-3-270m-q4_k_m" and j["data"][0]["object"] == "model"'

# OpenAI chat and completions
json /v1/chat/completions '{"model":"gemma","messages":[{"role":"system","content":"Answer briefly."},{"role":"user","content":"Name a colour."}],"max_tokens":8}'
check "chat 200" test "$code" = 200
check "chat shape" py 'j["object"] == "chat.completion" and j["id"].startswith("chatcmpl-") and j["choices"][0]["message"]["role"] == "assistant" and isinstance(j["choices"][0]["message"]["content"], str) and j["choices"][0]["finish_reason"] in ("stop", "length") and j["usage"]["completion_tokens"] <= 8 and j["usage"]["total_tokens"] == j["usage"]["prompt_tokens"] + j["usage"]["completion_tokens"]'
json /v1/completions '{"prompt":"The capital of France is","max_tokens":5}'
check "completions 200" test "$code" = 200
check "completions shape" py 'j["object"] == "text_completion" and isinstance(j["choices"][0]["text"], str) and j["usage"]["completion_tokens"] <= 5'

# SSE streaming, read line by line as a client would.
cat > "$TMPD/sse.py" <<'PY'
import json, sys, urllib.request
url, kind = sys.argv[1], sys.argv[2]
body = {"messages": [{"role": "user", "content": "Write one sentence about the sea."}]} if kind == "chat" \
    else {"prompt": "Once upon a time"}
body.update({"max_tokens": 10, "stream": True})
req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
chunks, done, text = 0, False, ""
with urllib.request.urlopen(req, timeout=60) as r:
    assert r.headers["Content-Type"].startswith("text/event-stream"), r.headers["Content-Type"]
    for raw in r:
        line = raw.decode("utf-8").rstrip("\n")
        if not line or line.startswith(":"):  # SSE comments (keep-alive while queued)
            continue
        assert line.startswith("data: "), line
        data = line[6:]
        assert not done, "data after [DONE]"
        if data == "[DONE]":
            done = True
            continue
        c = json.loads(data)
        want = "chat.completion.chunk" if kind == "chat" else "text_completion"
        assert c["object"] == want, c
        ch = c["choices"][0]
        text += ch["delta"].get("content", "") if kind == "chat" else ch["text"]
        chunks += 1
        last = ch["finish_reason"]
assert done and chunks >= 3 and last in ("stop", "length"), (done, chunks, last)
print(text)
PY
python3 "$TMPD/sse.py" "$base/v1/chat/completions" chat > "$TMPD/sse_out" 2>&1
check "chat streaming (SSE, [DONE])" test $? -eq 0
python3 "$TMPD/sse.py" "$base/v1/completions" completion > "$TMPD/sse_out2" 2>&1
check "completion streaming (SSE)" test $? -eq 0

# LibreTranslate
json /translate '{"q":"Good morning.","source":"en","target":"de","format":"text"}'
check "libretranslate 200" test "$code" = 200
check "libretranslate string" py 'isinstance(j["translatedText"], str) and j["translatedText"] != ""'
json /translate '{"q":["Hello.","Thank you."],"source":"auto","target":"fr","api_key":""}'
check "libretranslate list" py 'isinstance(j["translatedText"], list) and len(j["translatedText"]) == 2'
req POST /translate --data-urlencode "q=Good night." -d source=en -d target=es -d alternatives=1
check "libretranslate form 200" test "$code" = 200
check "libretranslate form shape" py 'isinstance(j["translatedText"], str) and isinstance(j["alternatives"], list) and len(j["alternatives"]) <= 1 and j["translatedText"] not in j["alternatives"]'
json /translate '{"q":"x","target":"de","format":"markdown"}'
check "libretranslate unknown format 400" test "$code" = 400
req POST /translate -d q=x -d target=de -d alternatives=0x1
check "form number in hex 400" test "$code" = 400
req GET /languages
check "languages" py 'len(j) > 20 and all(set(l) == {"code", "name", "targets"} for l in j) and "de" in [l["code"] for l in j]'

# Apertium APy (OmegaT)
req GET "/translate?q=Good+morning&langpair=en|de&markUnknown=no"
check "apertium 200" test "$code" = 200
check "apertium shape" py 'j["responseStatus"] == 200 and j["responseDetails"] is None and isinstance(j["responseData"]["translatedText"], str)'
req GET "/translate?q=Hello&langpair=eng%7Cdeu"
check "apertium iso 639-3 codes" test "$code" = 200
req GET /listPairs
check "apertium listPairs" py '{"sourceLanguage": "eng", "targetLanguage": "deu"} in j["responseData"]'

# DeepL v2 (Weblate)
json /v2/translate '{"text":["Thank you.","See you tomorrow."],"source_lang":"EN","target_lang":"PT-BR"}'
check "deepl 200" test "$code" = 200
check "deepl shape" py 'len(j["translations"]) == 2 and all(t["detected_source_language"] == "EN" and isinstance(t["text"], str) for t in j["translations"])'
req POST /v2/translate -d "text=Yes" -d "text=No" -d target_lang=DE
check "deepl form" py 'len(j["translations"]) == 2'
json /v2/translate '{"text":["Hello <x id=\"3\"></x> world"],"source_lang":"EN","target_lang":"DE","formality":"default","tag_handling":"xml","ignore_tags":["x"]}'
check "deepl as Weblate calls it (tag_handling xml) 200" test "$code" = 200
json /v2/translate '{"text":["x"],"target_lang":"DE","tag_handling":"latex"}'
check "deepl unknown tag_handling 400" test "$code" = 400
req GET "/v2/languages?type=target"
check "deepl target languages" py '{"language": "PT-BR", "name": "Portuguese (Brazilian)", "supports_formality": False} in j'
req GET /v2/languages
check "deepl source languages" py '{"language": "DE", "name": "German"} in j'

# Bad requests: 4xx in each API's own shape.
json /v1/chat/completions '{"messages":[{"role":"user","content":"x"}'
check "openai malformed JSON 400" test "$code" = 400
check "openai error shape" py 'j["error"]["type"] == "invalid_request_error" and "invalid JSON" in j["error"]["message"]'
json /v1/chat/completions '{"messages":[{"role":"user","content":"x"}],"max_tokens":"ten"}'
check "openai wrong type 400" test "$code" = 400
json /v1/completions '{"prompt":"x","max_tokens":1e400}'
check "openai huge number 400" test "$code" = 400
json /v1/completions '{"prompt":"x","max_tokens":123456789012345678901234567890}'
check "openai max_tokens over the limit 400" test "$code" = 400
printf '{"q":"\377\376","target":"de"}' > "$TMPD/bad_utf8"
req POST /translate -H Content-Type:application/json --data-binary @"$TMPD/bad_utf8"
check "invalid UTF-8 400" test "$code" = 400
check "libretranslate error shape" py 'set(j) == {"error"} and "UTF-8" in j["error"]'
json /translate '{"q":["a",5],"target":"de"}'
check "libretranslate wrong list item 400" test "$code" = 400
json /translate '{"q":"a"}'
check "libretranslate missing target 400" py '"target" in j["error"]'
json /translate '[1,2]'
check "non-object body 400" test "$code" = 400
req POST /translate --data-binary 'q=%E0%A4&target=de' -H Content-Type:application/x-www-form-urlencoded
check "form invalid UTF-8 400" test "$code" = 400
req GET "/translate?q=x&langpair=en"
check "apertium bad langpair 400" test "$code" = 400
check "apertium error shape" py 'j["status"] == "error" and j["code"] == 400 and "explanation" in j'
json /v2/translate '{"text":"not a list","target_lang":"DE"}'
check "deepl text must be a list 400" test "$code" = 400
check "deepl error shape" py 'set(j) == {"message"}'
head -c 1100000 /dev/zero | tr '\0' a > "$TMPD/big"
req POST /v2/translate -H Content-Type:application/json --data-binary @"$TMPD/big"
check "oversized body 413" test "$code" = 413
check "oversized body in DeepL shape" py '"--max-body" in j["message"]'
req GET /nowhere
check "unknown path 404" test "$code" = 404
req DELETE /v1/models
check "wrong method 405" test "$code" = 405
check "405 in OpenAI shape" py '"not allowed" in j["error"]["message"]'

# Two clients at once get their own answers (greedy decoding: each equals its answer alone).
json /translate '{"q":"The weather is nice today.","source":"en","target":"de"}'; alone_a=$body
json /translate '{"q":"Where is the train station?","source":"en","target":"fr"}'; alone_b=$body
curl -s --max-time 60 -H Content-Type:application/json -d '{"q":"The weather is nice today.","source":"en","target":"de"}' "$base/translate" > "$TMPD/a" &
ca=$!
curl -s --max-time 60 -H Content-Type:application/json -d '{"q":"Where is the train station?","source":"en","target":"fr"}' "$base/translate" > "$TMPD/b" &
cb=$!
wait $ca; wait $cb
check "client A got its own answer" test "$(cat "$TMPD/a")" = "$alone_a"
check "client B got its own answer" test "$(cat "$TMPD/b")" = "$alone_b"

# A client that leaves mid-stream is cancelled.
curl -s -N --max-time 1 -H Content-Type:application/json \
    -d '{"prompt":"Write a long story.","max_tokens":1000,"stream":true}' "$base/v1/completions" > /dev/null
cancelled=0
for _ in $(seq 1 100); do
    req GET /metrics
    cancelled=$(printf '%s\n' "$body" | sed -n 's/^tolk_generations_cancelled_total \([0-9]*\)$/\1/p')
    [ "${cancelled:-0}" -ge 1 ] && break
    sleep 0.1
done
check "disconnected stream cancelled" test "${cancelled:-0}" -ge 1
# A streaming client that leaves while queued leaves the queue (keep-alive comments reveal it):
# both sessions busy with long requests, one stream waiting; after it disconnects the queue is
# empty while both sessions are still busy. Then the two busy clients leave and are cancelled.
for i in 1 2; do
    curl -s -o /dev/null --max-time 60 -H Content-Type:application/json \
        -d '{"prompt":"1, 2, 3, 4, 5, 6, 7, 8, 9, 10,","max_tokens":1000}' "$base/v1/completions" &
    eval "busy$i=\$!"
done
for _ in $(seq 1 100); do
    curl -s --max-time 5 "$base/health" | grep -q '"busy":2' && break
    sleep 0.05
done
curl -s -N --max-time 1.5 -H Content-Type:application/json \
    -d '{"prompt":"x","max_tokens":5,"stream":true}' "$base/v1/completions" > "$TMPD/queued_stream"
check "queued stream got keep-alive comments" grep -q "^: waiting for a free slot" "$TMPD/queued_stream"
left=no
for _ in $(seq 1 50); do
    curl -s --max-time 5 "$base/health" > "$TMPD/h"
    if grep -q '"queued":0' "$TMPD/h"; then
        grep -q '"busy":2' "$TMPD/h" && left=yes
        break
    fi
    sleep 0.1
done
check "queued stream left the queue while the sessions were busy" test "$left" = yes
cancelled_count() { curl -s --max-time 5 "$base/metrics" | sed -n 's/^tolk_generations_cancelled_total \([0-9]*\)$/\1/p'; }
before=$(cancelled_count)
kill "$busy1" "$busy2" 2>/dev/null
wait "$busy1" "$busy2" 2>/dev/null
idle=no
for _ in $(seq 1 50); do
    curl -s --max-time 5 "$base/health" | grep -q '"busy":0' && { idle=yes; break; }
    sleep 0.1
done
check "blocking requests stopped when their clients left" test "$idle" = yes
check "blocking requests counted as cancelled" test "$(cancelled_count)" -eq $((before + 2))
req GET /metrics
check "metrics 200" test "$code" = 200
check "metrics text" contains "$body" "# TYPE tolk_generated_tokens_total counter"
check "metrics counts requests" contains "$body" 'tolk_http_requests_total{code="400"}'

# SIGTERM finishes the request in flight, then exits 0.
curl -s -o "$TMPD/inflight" -w '%{http_code}' --max-time 60 -H Content-Type:application/json \
    -d '{"prompt":"Once upon a time","max_tokens":40}' "$base/v1/completions" > "$TMPD/inflight_code" &
cf=$!
for _ in $(seq 1 100); do
    curl -s --max-time 5 "$base/health" | grep -q '"busy":1' && break
    sleep 0.05
done
kill -TERM "$main_pid"
wait "$main_pid"
check "SIGTERM: exit 0" test $? -eq 0
wait $cf
check "SIGTERM: request in flight answered 200" test "$(cat "$TMPD/inflight_code")" = 200
check "SIGTERM: full answer" grep -q '"object":"text_completion"' "$TMPD/inflight"

# API key, a full queue (one session, no queue).
start_server "$TMPD/log2" --api-key s3cret --parallel 1 --queue 0 --max-tokens 64
key_pid=$pid
req GET /health
check "health needs no key" test "$code" = 200
req GET /v1/models
check "no key 401" test "$code" = 401
check "401 in OpenAI shape" py 'j["error"]["code"] == "invalid_api_key"'
req GET /v1/models -H "Authorization: Bearer wrong"
check "wrong key 401" test "$code" = 401
req GET /v1/models -H "Authorization: Bearer s3cret"
check "right Bearer key 200" test "$code" = 200
json /translate '{"q":"Hi","target":"de","api_key":"s3cre"}'
check "libretranslate wrong api_key 403" test "$code" = 403
check "libretranslate 403 shape" py 'j == {"error": "Invalid API key"}'
json /translate '{"q":"Hi","target":"de","api_key":"s3cret"}'
check "libretranslate api_key field 200" test "$code" = 200
req POST /v2/translate -H "Authorization: DeepL-Auth-Key nope" -d text=Hi -d target_lang=DE
check "deepl wrong key 403" test "$code" = 403
req POST /v2/translate -H "Authorization: DeepL-Auth-Key s3cret" -d text=Hi -d target_lang=DE
check "deepl right key 200" test "$code" = 200
req POST /v1/completions -H "Authorization: Bearer s3cret" -H Content-Type:application/json -d '{"prompt":"x","max_tokens":65}'
check "max_tokens over --max-tokens 400" test "$code" = 400
curl -s -o /dev/null --max-time 60 -H "Authorization: Bearer s3cret" -H Content-Type:application/json \
    -d '{"prompt":"Tell me a story.","max_tokens":64}' "$base/v1/completions" &
cq=$!
for _ in $(seq 1 100); do
    curl -s --max-time 5 "$base/health" | grep -q '"busy":1' && break
    sleep 0.05
done
req POST /v1/completions -H "Authorization: Bearer s3cret" -H Content-Type:application/json -d '{"prompt":"x","max_tokens":2}'
check "queue full 503" test "$code" = 503
check "503 in OpenAI shape" py 'j["error"]["type"] == "server_error"'
wait $cq
kill -TERM "$key_pid"
wait "$key_pid"
check "second server exits 0" test $? -eq 0
finish
