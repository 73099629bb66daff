#!/usr/bin/env python3
"""Runs one peer's llama-bench (llama.cpp or ik_llama.cpp) once on a model and prints one JSON line
with the keys `tolk bench --json` uses, so bench/compare.sh can put all three in one table.

  peer_bench.py {llama.cpp|ik_llama.cpp} LLAMA_BENCH MODEL [-p 512] [-n 128] [-d 0] [-t 2]

llama.cpp's llama-bench runs pp and tg at depth d itself (`-d`). ik_llama.cpp's has no `-d`: its
`-gp d,n` times n generated tokens after a d-token prompt, which is tg at depth d; its pp at a depth
other than 0 cannot be measured, and is left out (null). Both peers run with their own defaults
otherwise (flash attention, batch sizes): what a user of each gets. peak_rss_mib is the llama-bench
process's peak RSS (getrusage of the child), which covers both tests."""
import argparse
import json
import resource
import subprocess
import sys


def records(text):
    """llama-bench's JSON output (an array, `-o json`) or JSON lines (`-o jsonl`)."""
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peer", choices=["llama.cpp", "ik_llama.cpp"])
    ap.add_argument("bench")
    ap.add_argument("model")
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("-d", type=int, default=0)
    ap.add_argument("-t", type=int, default=2)
    a = ap.parse_args()
    cmd = [a.bench, "-m", a.model, "-t", str(a.t), "-r", "1", "-o", "json"]
    if a.peer == "llama.cpp":
        cmd += ["-p", str(a.p), "-n", str(a.n), "-d", str(a.d)]
    else:
        cmd += ["-p", str(a.p if a.d == 0 else 0)]
        cmd += ["-n", str(a.n)] if a.d == 0 else ["-n", "0", "-gp", "%d,%d" % (a.d, a.n)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write("peer_bench.py: %s failed (%d): %s\n" % (a.peer, r.returncode, r.stderr.strip()[-400:]))
        return 1
    out = {"runtime": a.peer, "threads": a.t, "n_prompt": a.p, "n_gen": a.n, "n_depth": a.d,
           "pp_tok_s": None, "tg_tok_s": None}
    for rec in records(r.stdout):
        depth = rec.get("n_depth", 0)
        if rec.get("n_gen", 0) == 0 and rec.get("n_prompt", 0) > 0 and depth == a.d:
            out["pp_tok_s"] = rec["avg_ts"]
        elif rec.get("n_gen", 0) > 0:
            # llama.cpp: n_prompt 0 at depth d; ik_llama.cpp -gp: n_prompt d, tokens/s of the n_gen only
            out["tg_tok_s"] = rec["avg_ts"]
        out["build"] = rec.get("build_commit", "")
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
