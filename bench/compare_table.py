#!/usr/bin/env python3
"""Turns the JSON lines bench/compare.sh collected (one per runtime per round) into one markdown
table per model: mean ± sd over the rounds for each runtime and tolk's ratio to llama.cpp. GB/s for
both runtimes uses the bytes per decode step tolk computes for the file (same weights, same cache)."""
import json
import statistics
import sys
from collections import defaultdict


def ms(xs):
    if not xs:
        return None, None
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def fmt(m, sd, digits=1):
    if m is None:
        return "-"
    return ("%.*f ± %.*f" % (digits, m, digits, sd)) if sd else ("%.*f" % (digits, m))


def main():
    runs = defaultdict(lambda: defaultdict(list))
    info = {}
    for line in open(sys.argv[1]):
        line = line.strip()
        if not line:
            continue
        d = json.loads(line)
        key = d["file"]
        runs[key][d["runtime"]].append(d)
        if d["runtime"] == "tolk":
            info[key] = d
    for f, by in runs.items():
        t, l = by.get("tolk", []), by.get("llama.cpp", [])
        ti = info.get(f, {})
        bpt = ti.get("bytes_per_token", 0.0)
        bw = ms([d["read_bw_gb_s"] for d in t])[0] or 0.0
        print("\n### %s (%s, %.1f MiB, %d threads, %d rounds)\n" % (
            ti.get("model", f), ti.get("arch", "?"), ti.get("size_bytes", 0) / 1048576.0,
            ti.get("threads", 0), len(t)))
        print("| metric | tolk | llama.cpp | tolk / llama.cpp |")
        print("|---|---|---|---|")
        rows = [("pp%d tok/s" % ti.get("n_prompt", 0), "pp_tok_s", True),
                ("tg%d tok/s" % ti.get("n_gen", 0), "tg_tok_s", True),
                ("TTFT ms (pp%d)" % ti.get("n_prompt", 0), "ttft_ms", False),
                ("peak RSS MiB", "peak_rss_mib", False)]
        for name, k, higher in rows:
            tm, tsd = ms([d[k] for d in t if k in d])
            lm, lsd = ms([d[k] for d in l if k in d])
            ratio = "%.2fx" % (tm / lm) if tm and lm else "-"
            print("| %s | %s | %s | %s |" % (name, fmt(tm, tsd), fmt(lm, lsd), ratio))
        tg_t = ms([d["tg_tok_s"] for d in t if "tg_tok_s" in d])[0]
        tg_l = ms([d["tg_tok_s"] for d in l if "tg_tok_s" in d])[0]
        if bpt and tg_t:
            gt = bpt * tg_t / 1e9
            gl = bpt * tg_l / 1e9 if tg_l else None
            print("| decode GB/s (%.1f MiB/token) | %.2f (%.0f%% of %.1f) | %s | %s |" % (
                bpt / 1048576.0, gt, 100 * gt / bw if bw else 0, bw,
                ("%.2f (%.0f%%)" % (gl, 100 * gl / bw if bw else 0)) if gl else "-",
                ("%.2fx" % (gt / gl)) if gl else "-"))


if __name__ == "__main__":
    main()
