#!/bin/sh
# Gemma 4's translation prompt (runtime/translate/chat.c, CHAT_GEMMA4) equals the model's own chat
# template rendered by jinja2 for the same user message: a tiny gemma4 model carrying Gemma 4's
# template (bench/gen_model --chat-template) is detected as gemma4 and `tolk translate --show-prompt`
# prints the prompt (an unknown template falls back to the architecture's); the user turn's content is taken from it and the template rendered with that
# one message and add_generation_prompt, as llama.cpp's server would. The template is Google's
# (shipped in every Gemma 4 GGUF), read from $TOLK_GEMMA4_TEMPLATE or llama.cpp's source beside the
# checkout (../tools/src/llama_cpp_python-*/vendor/llama.cpp/models/templates/); without it or
# without jinja2 the comparison is skipped (optional), the detection checks still run.
. "$(dirname "$0")/lib.sh"
: "${TOLK_BUILDDIR:=.}"
: "${TOLK_SRCDIR:=.}"
GEN=$TOLK_BUILDDIR/bench/gen_model
PY=${TOLK_JINJA_PYTHON:-python3}
tmpl=${TOLK_GEMMA4_TEMPLATE:-}
if [ -z "$tmpl" ]; then
    for f in "$TOLK_SRCDIR"/../tools/src/llama_cpp_python-*/vendor/llama.cpp/models/templates/google-gemma-4-31B-it.jinja; do
        [ -f "$f" ] && tmpl=$f
    done
fi

# A gemma4 file without a chat template is a pre-trained model: the completion-style base prompt.
m=$TMPD/g4.gguf
check "generate gemma4" "$GEN" --arch gemma4 --preset tiny --vocab-size 128 -o "$m"
out=$("$TOLK_BIN" translate -m "$m" --from English --to German --show-prompt "Hi" 2>&1)
check "gemma4 without a template: $out" contains "$out" "prompt template base (from the absence of a chat template)"
# An unrecognised template falls back to the architecture.
echo "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}" > "$TMPD/other.jinja"
mo=$TMPD/g4o.gguf
check "generate gemma4 with another template" "$GEN" --arch gemma4 --preset tiny --vocab-size 128 \
    --chat-template "$TMPD/other.jinja" -o "$mo"
out=$("$TOLK_BIN" translate -m "$mo" --from English --to German --show-prompt "Hi" 2>&1)
check "gemma4 from the architecture: $out" contains "$out" "<|turn>user
Translate the following text from English to German. Reply with the translation only.

Hi<turn|>
<|turn>model
<|channel>thought
<channel|>"
check "gemma4 chosen: $out" contains "$out" "prompt template gemma4"

if [ -z "$tmpl" ]; then
    skip_optional "no Gemma 4 chat template (set TOLK_GEMMA4_TEMPLATE to google-gemma-4-31B-it.jinja)"
    finish
fi
if ! "$PY" -c 'import jinja2' 2>/dev/null; then
    skip_optional "$PY has no jinja2 (pip install jinja2)"
    finish
fi
mt=$TMPD/g4t.gguf
check "generate gemma4 with its template" "$GEN" --arch gemma4 --preset tiny --vocab-size 128 --chat-template "$tmpl" -o "$mt"
for case in "English|German|The weather is nice today." "French|Japanese|Le chat dort.
Deux lignes, {braces} et <b>balises</b>." "|Spanish|No source language given."; do
    src=${case%%|*}; rest=${case#*|}; tgt=${rest%%|*}; text=${rest#*|}
    if [ -n "$src" ]; then set -- --from "$src"; else set --; fi
    "$TOLK_BIN" translate -m "$mt" "$@" --to "$tgt" --show-prompt "$text" > "$TMPD/prompt.txt" 2> "$TMPD/err.txt"
    check "tolk chose gemma4 from the template ($tgt)" grep -q "prompt template gemma4 (from tokenizer.chat_template)" "$TMPD/err.txt"
    check "jinja2 renders the same prompt ($tgt)" "$PY" - "$tmpl" "$TMPD/prompt.txt" <<'PYEOF'
import sys
import jinja2
tmpl = open(sys.argv[1], encoding="utf-8").read()
prompt = open(sys.argv[2], encoding="utf-8").read()
head = "<s><|turn>user\n"
if not prompt.startswith(head) or "<turn|>" not in prompt:
    sys.exit("unexpected prompt: %r" % prompt)
content = prompt[len(head):prompt.index("<turn|>")]
env = jinja2.Environment(loader=jinja2.BaseLoader())
def raise_exception(msg):
    raise jinja2.TemplateError(msg)
env.globals["raise_exception"] = raise_exception
want = env.from_string(tmpl).render(messages=[{"role": "user", "content": content}],
                                    add_generation_prompt=True, bos_token="<s>")
if want != prompt:
    sys.exit("jinja2: %r\ntolk:   %r" % (want, prompt))
PYEOF
done
finish
