#!/usr/bin/env python3
"""llama-bench's pp/tg measurements through llama-cpp-python's low-level API, so bench/compare.sh can
time llama.cpp on the same file, threads and token counts as `tolk bench` and print one JSON line
with the same keys.

  llamacpp_bench.py MODEL [-p 512] [-n 128] [-t 2] [-r 3] [--seed 1234]

pp = one batch of -p random tokens (logits for the last one only), tg = -n tokens decoded one at a
time from an empty cache (llama-bench's definitions), ttft = the pp batch plus an argmax over the
last logits. peak_rss_mib is the process's peak RSS less what the interpreter and the bindings held
before the model was loaded (reported as rss_base_mib), so it counts what llama.cpp itself added.
"""
import argparse
import json
import random
import resource
import statistics
import sys
import time

import llama_cpp as L
import numpy as np


def rss_now_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def mean_sd(xs):
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def decode(ctx, toks, pos0, want_last):
    n = len(toks)
    batch = L.llama_batch_init(n, 0, 1)
    try:
        for i, t in enumerate(toks):
            batch.token[i] = t
            batch.pos[i] = pos0 + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = 1 if (want_last and i == n - 1) else 0
        batch.n_tokens = n
        rc = L.llama_decode(ctx, batch)
        if rc != 0:
            sys.exit("llama_decode failed: %d" % rc)
    finally:
        L.llama_batch_free(batch)


def argmax_last(ctx, n_vocab):
    row = L.llama_get_logits_ith(ctx, -1)
    return int(np.ctypeslib.as_array(row, shape=(n_vocab,)).argmax())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args()

    L.llama_backend_init()
    base = rss_now_mib()
    mp = L.llama_model_default_params()
    mp.n_gpu_layers = 0
    model = L.llama_model_load_from_file(a.model.encode(), mp)
    if not model:
        sys.exit("llama.cpp could not load %s" % a.model)
    vocab = L.llama_model_get_vocab(model)
    n_vocab = L.llama_vocab_n_tokens(vocab)
    cp = L.llama_context_default_params()
    cp.n_ctx = a.p + a.n + 16
    cp.n_batch = max(a.p, 1)
    cp.n_ubatch = max(min(a.p, 512), 1)
    cp.n_threads = a.t
    cp.n_threads_batch = a.t
    cp.no_perf = True
    ctx = L.llama_init_from_model(model, cp)
    if not ctx:
        sys.exit("llama.cpp could not create a context")
    mem = L.llama_get_memory(ctx)
    rnd = random.Random(a.seed)
    toks = [rnd.randrange(n_vocab) for _ in range(max(a.p, 1))]

    decode(ctx, toks[:1], 0, True)  # warm-up: pages the weights in, like llama-bench
    L.llama_memory_clear(mem, True)
    pp, tg, ttft = [], [], []
    for _ in range(a.r):
        if a.p > 0:
            t0 = time.perf_counter()
            decode(ctx, toks[:a.p], 0, True)
            L.llama_synchronize(ctx)
            t1 = time.perf_counter()
            argmax_last(ctx, n_vocab)
            t2 = time.perf_counter()
            pp.append(a.p / (t1 - t0))
            ttft.append((t2 - t0) * 1e3)
            L.llama_memory_clear(mem, True)
        if a.n > 0:
            tok = toks[0]
            t0 = time.perf_counter()
            for i in range(a.n):
                decode(ctx, [tok], i, True)
                tok = argmax_last(ctx, n_vocab)
            tg.append(a.n / (time.perf_counter() - t0))
            L.llama_memory_clear(mem, True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    out = {"runtime": "llama.cpp", "version": L.__version__, "threads": a.t, "n_prompt": a.p,
           "n_gen": a.n, "reps": a.r, "peak_rss_mib": round(peak - base, 1), "rss_base_mib": round(base, 1)}
    if pp:
        out["pp_tok_s"], out["pp_tok_s_sd"] = mean_sd(pp)
        out["ttft_ms"], out["ttft_ms_sd"] = mean_sd(ttft)
    if tg:
        out["tg_tok_s"], out["tg_tok_s_sd"] = mean_sd(tg)
    print(json.dumps(out))
    L.llama_free(ctx)
    L.llama_model_free(model)


if __name__ == "__main__":
    main()
