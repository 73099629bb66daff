#!/bin/sh
# `tolk serve` answering what real clients send, shaped as the original services answer: HEAD and
# OPTIONS on every route, 405 with Allow, the URL OmegaT's Apertium connector builds (raw '|',
# '+', an empty key=, en_US and ca_valencia codes, a base URL ending in '/'), OpenAI's
# /v1/models/ID, stream_options.include_usage, error "param", LibreTranslate's detectedLanguage,
# POST /detect, /frontend/settings, multipart bodies and an empty q, DeepL's detected language,
# billed characters, /v2/usage, the glossary lists Weblate asks for, POST /v2/languages, chunked
# bodies with Expect: 100-continue, and more connections than --max-conns. Needs curl, python3 and
# the default model.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
model=$DEFAULT_MODEL

"$T" serve -m /dev/null --host not-an-address 2>"$TMPD/probe"
grep -q "built without libmicrohttpd" "$TMPD/probe" && skip_cpu "tolk was built without libmicrohttpd"
command -v curl >/dev/null || skip "curl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
need_default_model

. "$(dirname "$0")/serve_client.sh"

start_server "$TMPD/log1" --parallel 2

# HEAD answers like GET on the routes that do not run the model (no body); OPTIONS says what is
# there; a wrong method is 405 with Allow, in the API's own shape.
code=$(curl -s -I -o "$TMPD/head" -w '%{http_code}' --max-time 10 "$base/health")
check "HEAD /health 200" test "$code" = 200
check "HEAD /health has the GET headers" test "$(header Content-Type)" = "application/json; charset=utf-8"
code=$(curl -s -I -o /dev/null -w '%{http_code}' --max-time 10 "$base/v1/models")
check "HEAD /v1/models 200" test "$code" = 200
code=$(curl -s -I -o "$TMPD/head" -w '%{http_code}' --max-time 10 "$base/translate")
check "HEAD on APy /translate (runs the model) 405" test "$code" = 405
req OPTIONS /translate
check "OPTIONS /translate 204 without --cors" test "$code" = 204
check "OPTIONS lists the methods" test "$(header Allow)" = "GET, POST, OPTIONS"
check "no CORS header without --cors" test -z "$(header Access-Control-Allow-Origin)"
req OPTIONS /v1/models
check "OPTIONS /v1/models: GET and HEAD" test "$(header Allow)" = "GET, HEAD, OPTIONS"
req PUT /v2/translate
check "PUT /v2/translate 405" test "$code" = 405
check "405 carries Allow" test "$(header Allow)" = "POST, OPTIONS"
check "405 in DeepL shape" py 'set(j) == {"message"}'
req DELETE /listPairs
check "405 in APy shape" py 'j["status"] == "error" and j["code"] == 405'
req GET /v1/chat/completions
check "GET on chat 405 in OpenAI shape" py 'j["error"]["type"] == "invalid_request_error"'
req GET /v1/nothing
check "unknown OpenAI path 404 in OpenAI shape" py 'set(j["error"]) == {"message", "type", "param", "code"} and j["error"]["message"] == "Invalid URL (GET /v1/nothing)"'

# OmegaT's Apertium connector: "%s/translate?q=%s&markUnknown=no&langpair=%s|%s&key=%s" with the
# text through Java's URLEncoder ('+' for spaces), codes en_US / pt_BR / ca_valencia, an empty key
# and a server URL that may end in '/'.
req GET '//translate?q=Good+morning&markUnknown=no&langpair=en_US|ca_valencia&key='
check "OmegaT URL 200" test "$code" = 200
check "OmegaT URL: APy shape" py 'j["responseStatus"] == 200 and j["responseDetails"] is None and j["responseData"]["translatedText"] != ""'

# OpenAI: one model by id, errors naming the field, include_usage on a stream.
req POST /v1/completions -d '{"prompt":"Hi","max_tokens":1}'
check "OpenAI JSON sent as curl -d (form Content-Type) 200" test "$code" = 200
req POST /v1/completions -d 'prompt=Hi'
check "OpenAI form body 400 naming JSON" py '"invalid JSON" in j["error"]["message"]'
req GET /v1/models/gemma-3-270m-q4_k_m
check "GET /v1/models/ID" py 'j["id"] == "gemma-3-270m-q4_k_m" and j["object"] == "model" and "owned_by" in j'
req GET /v1/models/gpt-4o
check "unknown model 404" test "$code" = 404
check "unknown model: model_not_found" py 'j["error"]["code"] == "model_not_found" and j["error"]["param"] == "model"'
json /v1/chat/completions '{"messages":[{"role":"user","content":"x"}],"max_tokens":"ten"}'
check "error param names the field" py 'j["error"]["param"] == "max_tokens"'
json /v1/chat/completions '{"messages":[{"role":"user","content":"x"}],"max_tokens":2,"stream_options":{"include_usage":true}}'
check "stream_options without stream 400" test "$code" = 400
check "stream_options without stream: param" py 'j["error"]["param"] == "stream_options"'
json /v1/chat/completions '{"messages":[{"role":"user","content":[{"type":"text","text":"Say hi"}]}],"max_tokens":3,"temperature":0,"stop":null,"n":1}'
check "chat with content parts 200" test "$code" = 200
check "chat message shape (refusal, system_fingerprint)" py 'j["choices"][0]["message"]["refusal"] is None and "system_fingerprint" in j'
cat > "$TMPD/usage.py" <<'PY'
import json, sys, urllib.request
body = {"model": "m", "messages": [{"role": "user", "content": "Count to three."}], "max_tokens": 4,
        "stream": True, "stream_options": {"include_usage": True}}
req = urllib.request.Request(sys.argv[1] + "/v1/chat/completions", json.dumps(body).encode(),
                             {"Content-Type": "application/json"})
events = []
with urllib.request.urlopen(req, timeout=60) as r:
    for raw in r:
        line = raw.decode().rstrip("\n")
        if line.startswith("data: "):
            events.append(line[6:])
assert events[-1] == "[DONE]", events[-1]
chunks = [json.loads(e) for e in events[:-1]]
last = chunks[-1]
assert last["choices"] == [] and last["usage"]["completion_tokens"] >= 1, last
u = last["usage"]
assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"], u
assert all(c["usage"] is None and len(c["choices"]) == 1 for c in chunks[:-1]), chunks
assert chunks[-2]["choices"][0]["finish_reason"] in ("stop", "length"), chunks[-2]
PY
python3 "$TMPD/usage.py" "$base" > "$TMPD/usage_out" 2>&1
rc=$?
[ $rc -eq 0 ] || cat "$TMPD/usage_out"
check "stream_options.include_usage: usage chunk before [DONE]" test $rc -eq 0

# OpenAI batches: a list of prompts and n choices, indexed prompt by prompt; a stream takes one.
json /v1/completions '{"prompt":["The sky is","Paris is"],"max_tokens":2,"n":2,"temperature":0.8,"seed":3}'
check "completions prompt list with n 200" test "$code" = 200
check "completions: 4 choices in order" py '[c["index"] for c in j["choices"]] == [0, 1, 2, 3] and all(isinstance(c["text"], str) for c in j["choices"]) and j["usage"]["completion_tokens"] <= 8'
json /v1/chat/completions '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2,"n":2}'
check "chat n=2: two choices" py 'len(j["choices"]) == 2 and j["choices"][1]["index"] == 1'
json /v1/chat/completions '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2,"n":2,"stream":true}'
check "stream with n=2 400" py 'j["error"]["param"] == "n"'
json /v1/chat/completions '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2,"n":17}'
check "n over 16 400" test "$code" = 400

# Hostile bodies: 400 in each API's shape. '+' is a space and %2B a plus in a form (DeepL's
# billed_characters counts the decoded text: "a b+c é" is 7 characters).
req POST /v2/translate --data-binary 'text=a+b%2Bc+%C3%A9&target_lang=DE&source_lang=EN&show_billed_characters=1'
check "form decoding of '+', %2B and UTF-8 escapes" py 'j["translations"][0]["billed_characters"] == 7'
python3 -c "print('[' * 100000)" > "$TMPD/deep"
req POST /v1/chat/completions -H Content-Type:application/json --data-binary @"$TMPD/deep"
check "deep nesting 400 in OpenAI shape" py '"nested too deeply" in j["error"]["message"]'
json /translate '{"q":"a","q":"b","target":"de"}'
check "duplicate keys 400 in LibreTranslate shape" py 'set(j) == {"error"} and "duplicate" in j["error"]'
json /translate '{"q":[],"target":"de"}'
check "empty q list 400" py 'set(j) == {"error"}'
json /v2/translate '{"text":[],"target_lang":"DE"}'
check "empty text list 400 in DeepL shape" py 'set(j) == {"message"}'
json /v1/completions '{"prompt":"x","max_tokens":1e999999}'
check "huge number 400" test "$code" = 400
req GET '/translate?q=%&langpair=en|de'
check "lone % in a query 400 in APy shape" py 'j["code"] == 400 and "escape" in j["explanation"]'

# DeepL's options are checked as DeepL checks them (taken without acting on them).
req POST /v2/translate -d text=Yes -d target_lang=DE -d source_lang=EN -d formality=prefer_less \
    -d split_sentences=nonewlines -d preserve_formatting=1
check "deepl formality, split_sentences, preserve_formatting 200" test "$code" = 200
json /v2/translate '{"text":["x"],"target_lang":"DE","formality":"formal"}'
check "deepl bad formality 400" py 'j == {"message": "Value for '"'"'formality'"'"' not supported."}'
json /v2/translate '{"text":["x"],"target_lang":"DE","split_sentences":"2"}'
check "deepl bad split_sentences 400" test "$code" = 400
json /v2/translate '{"text":["x"],"target_lang":"DE","preserve_formatting":"yes"}'
check "deepl bad preserve_formatting 400" test "$code" = 400

# An unknown language in each service's words.
json /v2/translate '{"text":["Hi"],"target_lang":"XX"}'
check "deepl unknown target_lang" py 'j == {"message": "Value for '"'"'target_lang'"'"' not supported."}'
json /v2/translate '{"text":["Hi"],"source_lang":"QQ","target_lang":"DE"}'
check "deepl unknown source_lang" py 'j == {"message": "Value for '"'"'source_lang'"'"' not supported."}'
json /translate '{"q":"Hi","source":"en","target":"xx"}'
check "libretranslate unknown target" py 'j == {"error": "xx is not supported"}'
json /translate '{"q":"Hi","source":"not a code","target":"de"}'
check "libretranslate malformed source" py 'j == {"error": "not a code is not supported"}'
req GET '/translate?q=Hi&langpair=en|qqq'
check "apy unknown pair" py 'j["explanation"] == "That pair is not installed" and j["code"] == 400'

# A NUL in a text is refused instead of cutting the text there.
req GET '/translate?q=a%00b&langpair=en|de'
check "NUL in an APy text 400" py 'j["code"] == 400 and "NUL" in j["explanation"]'
json /translate '{"q":"a\u0000b","source":"en","target":"de"}'
check "NUL in a LibreTranslate text 400" test "$code" = 400

# Python's openai package (when installed: $TOLK_OPENAI_PYTHON or python3): listing and retrieving
# the model, a chat with content parts, a stream with include_usage, a batch of prompts, and the
# errors it raises (NotFoundError with model_not_found, BadRequestError naming the param).
oapy=${TOLK_OPENAI_PYTHON:-python3}
if "$oapy" -c "import openai" 2>/dev/null; then
    cat > "$TMPD/openai_client.py" <<'PY'
import sys, openai
from openai import OpenAI
base = sys.argv[1]
c = OpenAI(base_url=base + "/v1", api_key="none", max_retries=0, timeout=60)
ids = [m.id for m in c.models.list()]
assert ids == ["gemma-3-270m-q4_k_m"], ids
assert c.models.retrieve(ids[0]).id == ids[0]
try:
    c.models.retrieve("gpt-4o"); raise SystemExit("no 404")
except openai.NotFoundError as e:
    assert e.status_code == 404 and e.code == "model_not_found", e
r = c.chat.completions.create(model=ids[0], messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Say hi"}]}], max_completion_tokens=4, temperature=0, stop=["\n\n"], seed=1)
assert r.object == "chat.completion" and r.choices[0].message.role == "assistant" and r.usage.total_tokens > 0, r
text, usage, chunks = "", None, 0
for ch in c.chat.completions.create(model=ids[0], messages=[{"role": "user", "content": "Count: 1, 2,"}], max_tokens=4, stream=True, stream_options={"include_usage": True}):
    chunks += 1
    if ch.usage:
        usage = ch.usage
    elif ch.choices and ch.choices[0].delta.content:
        text += ch.choices[0].delta.content
assert usage and usage.completion_tokens >= 1 and chunks >= 3, (usage, chunks)
r = c.completions.create(model=ids[0], prompt=["a", "b"], max_tokens=2)
assert [x.index for x in r.choices] == [0, 1], r
try:
    c.chat.completions.create(model=ids[0], messages=[{"role": "user", "content": "x"}], max_tokens=2, temperature=3)
    raise SystemExit("no 400")
except openai.BadRequestError as e:
    assert e.status_code == 400 and e.param == "temperature", (e.param, e)
print("ok", repr(text))
PY
    "$oapy" "$TMPD/openai_client.py" "$base" > "$TMPD/oa_out" 2>&1
    rc=$?
    [ $rc -eq 0 ] || cat "$TMPD/oa_out"
    check "Python openai client against /v1" test $rc -eq 0
else
    skip_optional "Python's openai package is not installed (pip install openai; TOLK_OPENAI_PYTHON=PYTHON)"
fi

# LibreTranslate: an empty q is refused as LibreTranslate does; "auto" reports what it detected;
# /detect; /frontend/settings; multipart bodies.
json /translate '{"q":"","source":"en","target":"de"}'
check "libretranslate empty q 400" test "$code" = 400
check "libretranslate empty q message" py 'j == {"error": "Invalid request: missing q parameter"}'
req POST /translate -H 'Expect: 100-continue' -H 'Transfer-Encoding: chunked' -H Content-Type:application/json \
    --data-binary '{"q":["Guten Morgen, wie geht es dir?","Merci beaucoup"],"source":"auto","target":"en"}'
check "chunked body with Expect: 100-continue 200" test "$code" = 200
check "source auto: detectedLanguage per text" py 'len(j["translatedText"]) == 2 and [d["language"] for d in j["detectedLanguage"]] == ["de", "fr"] and all(0 < d["confidence"] <= 100 for d in j["detectedLanguage"])'
json /translate '{"q":"The weather is nice today.","source":"en","target":"de","alternatives":3}'
check "alternatives: distinct sampled translations" py '1 <= len(j["alternatives"]) <= 3 and len(set(j["alternatives"])) == len(j["alternatives"]) and j["translatedText"] not in j["alternatives"] and all(isinstance(a, str) and a for a in j["alternatives"])'
json /translate '{"q":["Thank you.","<b>Hi</b>"],"source":"en","target":"fr","alternatives":1,"format":"html"}'
check "alternatives for a list: one list per text (none for markup)" py 'len(j["alternatives"]) == 2 and len(j["alternatives"][0]) <= 1 and j["alternatives"][1] == []'
req POST /detect --data-urlencode 'q=Dzień dobry, jak się masz?'
check "detect 200" test "$code" = 200
check "detect shape" py 'j[0]["language"] == "pl" and set(j[0]) == {"confidence", "language"} and all(j[i]["confidence"] >= j[i + 1]["confidence"] for i in range(len(j) - 1))'
json /detect '{"q":"Привіт, як справи?"}'
check "detect JSON, Cyrillic" py 'j[0]["language"] == "uk"'
json /detect '{"target":"de"}'
check "detect without q 400" py 'j == {"error": "Invalid request: missing q parameter"}'
req GET /frontend/settings
check "frontend settings" py 'j["keyRequired"] is False and j["charLimit"] > 0 and j["language"]["source"]["code"] == "auto"'
req POST /translate -F q=Thanks -F source=en -F target=fr
check "multipart form 200" test "$code" = 200
check "multipart form shape" py 'isinstance(j["translatedText"], str)'
printf 'x' > "$TMPD/upload.txt"
req POST /translate -F "q=@$TMPD/upload.txt" -F target=fr
check "multipart file part is not a field: missing q 400" py 'j == {"error": "Invalid request: missing q parameter"}'
printf -- '--B\r\nContent-Disposition: form-data; name="q"\r\n\r\n\377\r\n--B--\r\n' > "$TMPD/mp_bad"
req POST /translate -H 'Content-Type: multipart/form-data; boundary=B' --data-binary @"$TMPD/mp_bad"
check "multipart invalid UTF-8 400" py 'set(j) == {"error"} and "UTF-8" in j["error"]'

# DeepL: detected language without source_lang, billed characters, usage, the glossary lists
# Weblate's DeepL backend asks for, POST /v2/languages (older client libraries).
req GET /v2/usage
check "usage 200" py 'j["character_count"] >= 0 and j["character_limit"] > 0'
used=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["character_count"])' "$TMPD/body")
json /v2/translate '{"text":["Das ist nicht gut.","Ça va très bien, merci"],"target_lang":"EN-GB","show_billed_characters":true}'
check "deepl without source_lang 200" test "$code" = 200
check "deepl detected_source_language" py '[t["detected_source_language"] for t in j["translations"]] == ["DE", "FR"]'
check "deepl billed_characters" py '[t["billed_characters"] for t in j["translations"]] == [18, 22]'
req GET /v2/usage
check "usage counts the characters" py "j['character_count'] == $used + 40"
req GET /v2/glossary-language-pairs -H "Authorization: DeepL-Auth-Key x:fx"
check "glossary language pairs (empty)" py 'j == {"supported_languages": []}'
req GET /v2/glossaries
check "glossaries (empty)" py 'j == {"glossaries": []}'
req POST /v2/languages -d type=target
check "POST /v2/languages" py '{"language": "EN-GB", "name": "English (British)", "supports_formality": False} in j'

# Markup comes back with exactly its tags (the whole text's answer when it kept them, else each
# text run translated between the original tags): DeepL tag_handling with Weblate's placeholders
# and ignore_tags, as a list (JSON) and comma-separated (form); LibreTranslate format html.
cat > "$TMPD/tags.py" <<'PY'
import json, re, sys
tag = re.compile(r'<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|</?[A-Za-z][^<>"\']*(?:(?:"[^"]*"|\'[^\']*\')[^<>"\']*)*>', re.S)
src, out = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
outs = [t["text"] for t in out["translations"]] if "translations" in out else out["translatedText"]
outs = outs if isinstance(outs, list) else [outs]
srcs = src.get("text") or src.get("q")
srcs = srcs if isinstance(srcs, list) else [srcs]
assert len(outs) == len(srcs), (srcs, outs)
for s, o in zip(srcs, outs):
    assert tag.findall(s) == tag.findall(o), (s, o)
    for keep in re.findall(r"<code>.*?</code>|<script>.*?</script>", s):
        assert keep in o, (keep, o)
PY
printf '%s' '{"text":["Hello <x id=\"3\"></x> world, how are you?","<x id=\"0\"></x>File <x id=\"5\"></x> of <x id=\"9\"></x> was <b>deleted</b> by <a href=\"/u?a=1&amp;b=2\" title=\"x > y\">the administrator</a>.<br/>"],"source_lang":"EN","target_lang":"DE","tag_handling":"xml","ignore_tags":["x"],"formality":"default"}' > "$TMPD/tags_deepl"
req POST /v2/translate -H Content-Type:application/json --data-binary @"$TMPD/tags_deepl"
check "deepl tag_handling xml 200" test "$code" = 200
check "deepl tag_handling xml: tags kept exactly" python3 "$TMPD/tags.py" "$TMPD/tags_deepl" "$TMPD/body"
printf '%s' '{"q":"<p>Good <i>morning</i>, <b>my friend</b>! <code>make check</code> now.</p><script>var x = 1 < 2;</script>","source":"en","target":"fr","format":"html"}' > "$TMPD/tags_libre"
req POST /translate -H Content-Type:application/json --data-binary @"$TMPD/tags_libre"
check "libretranslate html 200" test "$code" = 200
check "libretranslate html: tags and script kept exactly" python3 "$TMPD/tags.py" "$TMPD/tags_libre" "$TMPD/body"
req POST /v2/translate --data-urlencode 'text=Press <kbd>Enter</kbd> or <code>q</code> to quit.' -d target_lang=DE \
    -d source_lang=EN -d tag_handling=html -d 'ignore_tags=kbd, code'
check "deepl form with comma-separated ignore_tags 200" test "$code" = 200
check "deepl ignored elements kept" py '"<kbd>Enter</kbd>" in j["translations"][0]["text"] and "<code>q</code>" in j["translations"][0]["text"]'
json /v2/translate '{"text":["x"],"target_lang":"DE","tag_handling":"xml","ignore_tags":[1]}'
check "deepl ignore_tags of numbers 400" test "$code" = 400

# Clients leaving mid-stream leave nothing behind: after five streams dropped at their first
# event and a blocking request dropped while decoding, the server has the file descriptors and
# threads it had before (pipes closed, worker threads ended).
fds() { ls "/proc/$main_pid/fd" | wc -l; }
threads() { ls "/proc/$main_pid/task" | wc -l; }
main_pid=$(echo "$pids" | awk '{print $1}')
if [ -d "/proc/$main_pid/fd" ]; then
    fd0=$(fds); th0=$(threads)
    for i in 1 2 3 4 5; do
        python3 - "$base" <<'PY'
import json, sys, urllib.request
body = {"prompt": "Write a long story about the sea.", "max_tokens": 200, "stream": True}
req = urllib.request.Request(sys.argv[1] + "/v1/completions", json.dumps(body).encode(),
                             {"Content-Type": "application/json"})
r = urllib.request.urlopen(req, timeout=60)
r.readline()  # the first event, then the client leaves
r.close()
PY
    done
    curl -s -o /dev/null --max-time 1 -H Content-Type:application/json \
        -d '{"prompt":"Count: 1, 2, 3,","max_tokens":500}' "$base/v1/completions"
    settled=no
    for _ in $(seq 1 100); do
        if curl -s --max-time 5 "$base/health" | grep -q '"busy":0' && [ "$(fds)" -eq "$fd0" ] &&
            [ "$(threads)" -eq "$th0" ]; then
            settled=yes
            break
        fi
        sleep 0.1
    done
    check "dropped streams: descriptors and threads back to before ($fd0 fds, $th0 threads; now $(fds), $(threads))" \
        test "$settled" = yes
else
    skip_optional "no /proc/PID/fd here to count the server's descriptors"
fi

# A chunked body over --max-body is cut off with 413 (no Content-Length to refuse it early).
head -c 1100000 /dev/zero | tr '\0' a > "$TMPD/big"
req POST /v1/completions -H 'Transfer-Encoding: chunked' -H Content-Type:application/json --data-binary @"$TMPD/big"
check "chunked body over --max-body 413" test "$code" = 413
check "413 in OpenAI shape" py '"--max-body" in j["error"]["message"]'

# --cors: the preflight allows back the headers a browser client asks for (the OpenAI JavaScript
# client's x-stainless-* ones), and the answer carries the origin.
start_server "$TMPD/log3" --cors https://app.example
req OPTIONS /v1/chat/completions -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: authorization, content-type, x-stainless-os, x-stainless-lang'
check "CORS preflight 204" test "$code" = 204
check "CORS preflight origin" test "$(header Access-Control-Allow-Origin)" = https://app.example
check "CORS preflight allows the requested headers" \
    test "$(header Access-Control-Allow-Headers)" = "authorization, content-type, x-stainless-os, x-stainless-lang"
check "CORS preflight methods" test "$(header Access-Control-Allow-Methods)" = "POST, OPTIONS"
req OPTIONS /v1/models -H 'Access-Control-Request-Headers: x-evil: 1'
check "CORS: a header list that is not plain names is not echoed" \
    test "$(header Access-Control-Allow-Headers)" = "Authorization, Content-Type"
req GET /v1/models -H 'Origin: https://app.example'
check "CORS origin on a GET" test "$(header Access-Control-Allow-Origin)" = https://app.example
kill "$pid"

# With --api-key: LibreTranslate's /languages and /frontend/settings stay open as LibreTranslate's
# do; /detect needs the key; OmegaT passes it as key=; a GET may carry it in a form body
# (libretranslatepy does); the client library itself when installed.
start_server "$TMPD/log4" --api-key k3y
req GET /languages
check "key server: /languages open" test "$code" = 200
req GET /frontend/settings
check "key server: settings say a key is required" py 'j["keyRequired"] is True and j["apiKeys"] is True'
req POST /detect -d q=Hallo
check "key server: /detect without key 403" py 'j == {"error": "Invalid API key"}'
req POST /detect -d q=Hallo -d api_key=k3y
check "key server: /detect with api_key 200" test "$code" = 200
req GET '/listPairs' -H Content-Type:application/x-www-form-urlencoded --data-binary api_key=k3y -X GET
check "key server: key in a GET form body" test "$code" = 200
req GET '/translate?q=Hi&markUnknown=no&langpair=en|de&key=k3y'
check "key server: OmegaT key= 200" test "$code" = 200
req GET '/translate?q=Hi&markUnknown=no&langpair=en|de&key='
check "key server: OmegaT empty key= 401 in APy shape" py 'j["code"] == 401 and j["status"] == "error"'
if "$oapy" -c "import libretranslatepy" 2>/dev/null; then
    cat > "$TMPD/lt_client.py" <<'PY'
import sys
from libretranslatepy import LibreTranslateAPI
base, key = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
lt = LibreTranslateAPI(base + "/", api_key=key)
langs = lt.languages()
assert any(l["code"] == "de" for l in langs), langs
d = lt.detect("Guten Morgen, wie geht es dir?")
assert d[0]["language"] == "de", d
t = lt.translate("Good morning", "en", "de")
assert isinstance(t, str) and t, t
print("ok", t)
PY
    "$oapy" "$TMPD/lt_client.py" "$base" k3y > "$TMPD/lt_out" 2>&1
    rc=$?
    [ $rc -eq 0 ] || cat "$TMPD/lt_out"
    check "libretranslatepy client (languages, detect, translate) with a key" test $rc -eq 0
else
    skip_optional "libretranslatepy is not installed (pip install libretranslatepy; TOLK_OPENAI_PYTHON=PYTHON)"
fi
kill "$pid"

# More idle connections than --max-conns: the ones beyond are closed, the server stays up and
# answers once they are gone.
start_server "$TMPD/log2" --max-conns 4
cat > "$TMPD/conns.py" <<'PY'
import socket, sys, urllib.request
port = int(sys.argv[1])
socks = []
for _ in range(12):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    socks.append(s)
closed = 0
for s in socks:
    s.settimeout(2)
    try:
        closed += s.recv(1) == b""
    except ConnectionResetError:
        closed += 1
    except socket.timeout:
        pass
for s in socks:
    s.close()
assert closed >= 12 - 4, closed
for _ in range(50):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=5) as r:
            assert r.status == 200
            break
    except OSError:
        import time
        time.sleep(0.1)
else:
    raise SystemExit("no answer after the connections closed")
PY
python3 "$TMPD/conns.py" "${base##*:}" > "$TMPD/conns_out" 2>&1
rc=$?
[ $rc -eq 0 ] || cat "$TMPD/conns_out"
check "connections beyond --max-conns closed, server answers after" test $rc -eq 0
finish
