#!/usr/bin/env python3
"""Reference outputs from llama.cpp (through llama-cpp-python) for tolk's forward-pass tests.

  translate-fixture MODEL OUT   greedy ids for the translation prompts below -> fixture file
  greedy MODEL IDS [N]          greedy continuation of comma-separated prompt ids
  logits MODEL IDS              top-10 logits after each prompt position (for debugging)
  perplexity MODEL FILE [CTX] [CHUNKS]  llama-perplexity's algorithm over FILE
  tiny-fixture DIR OUT          logits of the tiny test models tests/test_forward writes to DIR
                                (TOLK_WRITE_TINY=DIR tests/test_forward) -> fixture file
  models-fixture GEN OUTDIR [ARCH...]  tiny random models of the newer architectures written by
                                GEN (bench/gen_model) -> OUTDIR/ARCH.txt, llama.cpp's logits for
                                MODELS_TOKENS (tests/test_models.c reads them)
  dump MODEL IDS N OUT          every F32/F16 tensor llama.cpp computes (its eval callback) for the
                                prompt and N greedy steps -> OUT-0.npz (prefill), OUT-1.npz, ...;
                                names as in llama.cpp's graph ("attn_norm-3", "kq_soft_max-0", ...;
                                repeats get #1, #2), arrays in ggml's ne order reversed

Run it with the venv that has llama_cpp (e.g. /work/tools/llamacpp-venv/bin/python). Where its bundled
library stops with an illegal instruction (AMX virtual machines), point it at a llama.cpp built
without AMX (bench/kld_llamacpp.sh's recipe): LLAMA_CPP_LIB_PATH=DIR-with-libllama.so. The fixture
stores prompt ids as well, so tests need neither Python nor a tokenizer.
"""
import ctypes
import math
import sys

import numpy as np
from llama_cpp import Llama
import llama_cpp

GEMMA_TEMPLATE = ("<start_of_turn>user\nTranslate the following text from {src} to {tgt}. "
                  "Reply with the translation only.\n\n{text}<end_of_turn>\n<start_of_turn>model\n")

# (source language, target language, text): varied lengths, scripts and target languages.
PROMPTS = [
    ("English", "German", "The weather is nice today, so we are going for a walk in the park."),
    ("English", "French", "Could you please tell me where the nearest train station is?"),
    ("English", "Spanish", "I have been learning to play the guitar for three years."),
    ("English", "Italian", "The museum opens at nine o'clock and closes at six in the evening."),
    ("English", "Portuguese", "My grandmother bakes the best apple pie in the whole village."),
    ("English", "Dutch", "Please remember to turn off the lights when you leave the office."),
    ("English", "Japanese", "Thank you very much for your help yesterday."),
    ("English", "Chinese", "The conference has been postponed until next Thursday."),
    ("English", "Russian", "She reads a new book every week."),
    ("English", "Polish", "We need to buy bread, milk and some fresh vegetables."),
    ("German", "English", "Ich habe gestern einen sehr interessanten Film gesehen."),
    ("French", "English", "Le chat dort sur le canapé depuis ce matin."),
    ("Spanish", "English", "Mañana vamos a visitar a mis abuelos en el pueblo."),
    ("Italian", "German", "Il treno per Milano parte alle otto e mezza."),
    ("Japanese", "English", "今日はとても暑いので、水をたくさん飲んでください。"),
    ("English", "Swedish", "The children are playing football in the garden."),
]


def load(path, n_ctx=1024):
    return Llama(model_path=path, logits_all=True, n_ctx=n_ctx, n_threads=2, verbose=False)


def is_eog(llm, t):
    return bool(llama_cpp.llama_vocab_is_eog(llama_cpp.llama_model_get_vocab(llm.model), t))


def greedy(llm, ids, n):
    llm.reset()
    llm.eval(ids)
    out = []
    for _ in range(n):
        t = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        out.append(t)
        if is_eog(llm, t):
            break
        llm.eval([t])
    return out


def translate_fixture(model, out_path):
    llm = load(model)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("# Greedy continuations from llama.cpp (llama-cpp-python %s) of Gemma 3 translation\n"
                "# prompts; written by bench/ref_llamacpp.py translate-fixture. Per case: a 'case' line,\n"
                "# the prompt ids (BOS included) and the first 32 generated ids (ending early at an\n"
                "# end-of-generation token).\n" % llama_cpp.__version__)
        for i, (src, tgt, text) in enumerate(PROMPTS):
            prompt = GEMMA_TEMPLATE.format(src=src, tgt=tgt, text=text)
            ids = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
            gen = greedy(llm, ids, 32)
            f.write("case %d %s->%s\n" % (i, src, tgt))
            f.write("prompt " + " ".join(map(str, ids)) + "\n")
            f.write("expect " + " ".join(map(str, gen)) + "\n")
            print(i, tgt, repr(llm.detokenize(gen).decode("utf-8", "replace")), file=sys.stderr)


def perplexity(model, path, n_ctx=512, max_chunks=0):
    llm = load(model, n_ctx)
    text = open(path, "rb").read()
    toks = llm.tokenize(text, add_bos=True, special=False)
    bos = llm.token_bos()
    n_chunks = len(toks) // n_ctx
    if max_chunks > 0:
        n_chunks = min(n_chunks, max_chunks)
    first = n_ctx // 2
    nll, count = 0.0, 0
    for c in range(n_chunks):
        chunk = list(toks[c * n_ctx:(c + 1) * n_ctx])
        chunk[0] = bos
        llm.reset()
        llm.eval(chunk)
        for j in range(first, n_ctx - 1):
            lg = np.asarray(llm.scores[j], dtype=np.float32)
            m = lg.max()
            s = np.exp((lg - m).astype(np.float64)).sum()
            nll += math.log(s) - float(lg[chunk[j + 1]] - m)
            count += 1
        print("[%d]%.4f" % (c + 1, math.exp(nll / count)), file=sys.stderr)
    print("Final estimate: PPL = %.4f (%d tokens, %d chunks)" % (math.exp(nll / count), count, n_chunks))


TINY_TOKENS = [1, 17, 42, 99, 3, 3, 56, 0, 71, 8, 23, 64]  # toks[] in tests/test_forward.c


def tiny_fixture(d, out_path):
    with open(out_path, "w") as f:
        f.write("# llama.cpp (llama-cpp-python %s) logits of tests/test_forward.c's tiny random models for\n"
                "# tokens %s; written by bench/ref_llamacpp.py tiny-fixture. ARCH POS logits...\n"
                % (llama_cpp.__version__, TINY_TOKENS))
        for arch in ("llama", "qwen2", "qwen3", "gemma3"):
            llm = Llama(model_path="%s/tiny-%s.gguf" % (d, arch), logits_all=True, n_ctx=32, n_threads=1,
                        verbose=False)
            llm.eval(TINY_TOKENS)
            for i in range(len(TINY_TOKENS)):
                f.write("%s %d %s\n" % (arch, i, " ".join("%.7g" % v for v in llm.scores[i])))


MODELS_TOKENS = [1, 17, 42, 99, 3, 3, 56, 0, 71, 8, 23, 64, 127, 5, 88, 17]  # NT in tests/test_models.c
MODELS_ARCHS = ["gemma2", "qwen3moe", "phi3", "hunyuan-dense", "qwen2moe", "gemma4", "gemma4-moe"]
# Fixture names that are not an architecture's tiny preset: NAME -> (architecture, preset).
MODELS_VARIANTS = {"gemma4-moe": ("gemma4", "tiny-moe")}


def models_fixture(gen, out_dir, archs):
    """Each ARCH's tiny model exactly as tests/test_models.c generates it (gen_model --preset tiny
    --vocab-size 128), run by llama.cpp on one batch of MODELS_TOKENS."""
    import os
    import subprocess
    import tempfile
    for arch in archs or MODELS_ARCHS:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, arch + ".gguf")
            g_arch, g_preset = MODELS_VARIANTS.get(arch, (arch, "tiny"))
            subprocess.run([gen, "--arch", g_arch, "--preset", g_preset, "--vocab-size", "128", "-o", path],
                           check=True)
            llm = Llama(model_path=path, logits_all=True, n_ctx=64, n_threads=1, verbose=False)
            llm.eval(MODELS_TOKENS)
            with open(os.path.join(out_dir, arch + ".txt"), "w") as f:
                f.write("# llama.cpp (llama-cpp-python %s) logits of the tiny random %s model (bench/gen_model\n"
                        "# --arch %s --preset %s --vocab-size 128), written by bench/ref_llamacpp.py\n"
                        "# models-fixture. A 'tokens' line, then POS logit0 .. logit127 per position.\n"
                        % (llama_cpp.__version__, arch, g_arch, g_preset))
                f.write("tokens " + " ".join(map(str, MODELS_TOKENS)) + "\n")
                for i in range(len(MODELS_TOKENS)):
                    f.write("%d %s\n" % (i, " ".join("%.7g" % v for v in llm.scores[i])))
            del llm


class _GgmlTensor(ctypes.Structure):
    """struct ggml_tensor of the vendored ggml (GGML_MAX_DIMS 4, MAX_OP_PARAMS 64, MAX_SRC 10)."""
    _fields_ = [("type", ctypes.c_int), ("buffer", ctypes.c_void_p), ("ne", ctypes.c_int64 * 4),
                ("nb", ctypes.c_size_t * 4), ("op", ctypes.c_int), ("op_params", ctypes.c_int32 * 16),
                ("flags", ctypes.c_int32), ("src", ctypes.c_void_p * 10), ("view_src", ctypes.c_void_p),
                ("view_offs", ctypes.c_size_t), ("data", ctypes.c_void_p), ("name", ctypes.c_char * 64),
                ("extra", ctypes.c_void_p), ("padding", ctypes.c_char * 8)]


def dump(model, ids, n, out):
    """Intermediate tensors through cb_eval, for comparing tolk's ops one by one (CPU backend only:
    data pointers are read directly). The callback does not change llama.cpp's results."""
    import llama_cpp._internals as internals
    store = {}

    def cb(t, ask, _ud):
        if ask:
            return True
        x = ctypes.cast(t, ctypes.POINTER(_GgmlTensor)).contents
        if x.type not in (0, 1) or not x.data:
            return True
        es = 4 if x.type == 0 else 2
        ne, nb = list(x.ne), list(x.nb)
        size = max((ne[i] - 1) * nb[i] for i in range(4)) + es
        raw = np.frombuffer((ctypes.c_char * size).from_address(x.data),
                            dtype=np.float32 if x.type == 0 else np.float16)
        arr = np.lib.stride_tricks.as_strided(raw, shape=tuple(reversed(ne)), strides=tuple(reversed(nb)))
        key, i = x.name.decode(), 1
        while key in store:
            key, i = "%s#%d" % (x.name.decode(), i), i + 1
        store[key] = arr.copy()
        return True

    cb_c = llama_cpp.ggml_backend_sched_eval_callback(cb)
    orig = internals.LlamaContext.__init__

    def patched(self, *, model, params, verbose=True):
        params.cb_eval, params.cb_eval_user_data = cb_c, None
        orig(self, model=model, params=params, verbose=verbose)

    internals.LlamaContext.__init__ = patched
    llm = load(model)
    internals.LlamaContext.__init__ = orig
    llm.eval(ids)
    for step in range(n + 1):
        np.savez("%s-%d.npz" % (out, step), **store)
        store.clear()
        if step < n:
            llm.eval([int(np.argmax(llm.scores[llm.n_tokens - 1]))])


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    cmd, model = sys.argv[1], sys.argv[2]
    if cmd == "translate-fixture":
        translate_fixture(model, sys.argv[3])
    elif cmd == "greedy":
        ids = [int(x) for x in sys.argv[3].split(",")]
        n = int(sys.argv[4]) if len(sys.argv) > 4 else 32
        print(" ".join(map(str, greedy(load(model), ids, n))))
    elif cmd == "logits":
        llm = load(model)
        ids = [int(x) for x in sys.argv[3].split(",")]
        llm.reset()
        llm.eval(ids)
        for i in range(len(ids)):
            row = np.asarray(llm.scores[i])
            top = np.argsort(-row)[:10]
            print(i, " ".join("%d:%.4f" % (t, row[t]) for t in top))
    elif cmd == "dump":
        dump(model, [int(x) for x in sys.argv[3].split(",")], int(sys.argv[4]), sys.argv[5])
    elif cmd == "models-fixture":
        models_fixture(model, sys.argv[3], sys.argv[4:])
    elif cmd == "tiny-fixture":
        tiny_fixture(model, sys.argv[3])
    elif cmd == "perplexity":
        perplexity(model, sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 512,
                   int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
