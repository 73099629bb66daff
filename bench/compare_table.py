#!/usr/bin/env python3
"""Turns the JSON lines bench/compare.sh collected (one per runtime per round) into one markdown
table: per model, mean ± sd over the rounds for tolk, llama.cpp and ik_llama.cpp, and tolk's ratio
to the faster peer per column (above 1 is better for tok/s). Decode GB/s for every runtime uses the
bytes per decode step tolk computes for the file (same weights), and its share of the read
bandwidth tolk measured in the same run. The instruction-set path is in every model row."""
import json
import statistics
import sys
from collections import defaultdict

PEERS = ("llama.cpp", "ik_llama.cpp")


def ms(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None, None
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def fmt(m, sd, digits=1):
    if m is None:
        return "-"
    return ("%.*f ± %.*f" % (digits, m, digits, sd)) if sd else ("%.*f" % (digits, m))


def main():
    runs = defaultdict(lambda: defaultdict(list))
    for line in open(sys.argv[1]):
        if line.strip():
            d = json.loads(line)
            runs[d["file"]][d["runtime"]].append(d)
    print("| model | runtime | pp tok/s | tg tok/s | TTFT ms | peak RSS MiB | decode GB/s (% of read bw) |")
    print("|---|---|---|---|---|---|---|")
    for f, by in runs.items():
        t = by.get("tolk", [])
        if not t:
            continue
        ti = t[0]
        bpt = ti.get("bytes_per_token", 0.0)
        bw = ms([d.get("read_bw_gb_s") for d in t])[0] or 0.0
        depth = " @ d%d" % ti["n_depth"] if ti.get("n_depth") else ""
        name = "%s (%.0f MiB, %s, pp%d/tg%d%s, %dt, %d rounds)" % (
            ti.get("model", f), ti.get("size_bytes", 0) / 1048576.0, ti.get("isa", "?"), ti["n_prompt"],
            ti["n_gen"], depth, ti["threads"], len(t))
        stats = {}
        for rt in ("tolk",) + PEERS:
            rows = by.get(rt, [])
            if not rows:
                continue
            st = {k: ms([d.get(k) for d in rows]) for k in ("pp_tok_s", "tg_tok_s", "ttft_ms", "peak_rss_mib")}
            stats[rt] = st
            tg = st["tg_tok_s"][0]
            gbs = "%.2f (%.0f%%)" % (bpt * tg / 1e9, 100 * bpt * tg / 1e9 / bw) if tg and bpt and bw else "-"
            print("| %s | %s | %s | %s | %s | %s | %s |" % (name if rt == "tolk" else "", rt, fmt(*st["pp_tok_s"]),
                  fmt(*st["tg_tok_s"]), fmt(*st["ttft_ms"]), fmt(*st["peak_rss_mib"]), gbs))
        ratios = []
        for k in ("pp_tok_s", "tg_tok_s"):
            best = max((stats[rt][k][0] for rt in PEERS if rt in stats and stats[rt][k][0]), default=None)
            mine = stats["tolk"][k][0]
            ratios.append("**%.2fx**" % (mine / best) if mine and best else "-")
        print("| | tolk / faster peer | %s | %s | | | read bw %.1f GB/s |" % (ratios[0], ratios[1], bw))


if __name__ == "__main__":
    main()
