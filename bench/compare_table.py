#!/usr/bin/env python3
"""Turns the JSON lines bench/compare.sh collected (one per runtime per round) into one markdown
table: per model, mean ± sd over the rounds for each runtime and tolk's ratio to llama.cpp (above 1
is better for tok/s, below 1 for TTFT and RSS). GB/s for both runtimes uses the bytes per decode
step tolk computes for the file (same weights, same cache)."""
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


def ratio(a, b):
    return "%.2fx" % (a / b) if a and b else "-"


def main():
    runs = defaultdict(lambda: defaultdict(list))
    for line in open(sys.argv[1]):
        if line.strip():
            d = json.loads(line)
            runs[d["file"]][d["runtime"]].append(d)
    print("| model | runtime | pp tok/s | tg tok/s | TTFT ms | peak RSS MiB | decode GB/s (% of read bw) |")
    print("|---|---|---|---|---|---|---|")
    for f, by in runs.items():
        t, l = by.get("tolk", []), by.get("llama.cpp", [])
        if not t:
            continue
        ti = t[0]
        bpt = ti.get("bytes_per_token", 0.0)
        bw = ms([d["read_bw_gb_s"] for d in t])[0] or 0.0
        name = "%s (%.0f MiB, pp%d/tg%d, %dt, %d rounds)" % (ti.get("model", f), ti.get("size_bytes", 0) / 1048576.0,
                                                         ti["n_prompt"], ti["n_gen"], ti["threads"], len(t))
        stats = {}
        for rt, rows in (("tolk", t), ("llama.cpp", l)):
            st = {k: ms([d[k] for d in rows if k in d]) for k in ("pp_tok_s", "tg_tok_s", "ttft_ms", "peak_rss_mib")}
            stats[rt] = st
            tg = st["tg_tok_s"][0]
            gbs = "%.2f (%.0f%%)" % (bpt * tg / 1e9, 100 * bpt * tg / 1e9 / bw) if tg and bpt and bw else "-"
            print("| %s | %s | %s | %s | %s | %s | %s |" % (name if rt == "tolk" else "", rt, fmt(*st["pp_tok_s"]),
                  fmt(*st["tg_tok_s"]), fmt(*st["ttft_ms"]), fmt(*st["peak_rss_mib"]), gbs))
        a, b = stats["tolk"], stats["llama.cpp"]
        print("| | **tolk / llama.cpp** | **%s** | **%s** | %s | %s | read bw %.1f GB/s |" % (
            ratio(a["pp_tok_s"][0], b["pp_tok_s"][0]), ratio(a["tg_tok_s"][0], b["tg_tok_s"][0]),
            ratio(a["ttft_ms"][0], b["ttft_ms"][0]), ratio(a["peak_rss_mib"][0], b["peak_rss_mib"][0]), bw))


if __name__ == "__main__":
    main()
