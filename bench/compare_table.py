#!/usr/bin/env python3
"""Turns the JSON lines bench/compare.sh collected (one per runtime per round) into one markdown
table: per model, mean ± sd over the rounds for tolk, llama.cpp and ik_llama.cpp, and tolk's ratio
to the faster peer per column (above 1 is better for tok/s). Decode GB/s for every runtime uses the
bytes per decode step tolk computes for the file (same weights), and its share of the read
bandwidth tolk measured in the same run. The instruction-set path is in every model row.

Usage: compare_table.py RESULTS.jsonl... [--chart OUT.png]: several files (an AVX2 and an AVX-512
run, say) make one table; --chart also draws pp and tg tok/s per model, path and runtime as grouped
bars with gnuplot (Debian's gnuplot-nox) for the README."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def chart(rows, png):
    """rows: (label, {runtime: (pp, tg)}) per model and path; two bar panels, pp and tg."""
    if not shutil.which("gnuplot"):
        print("compare_table.py: gnuplot not found (apt install gnuplot-nox); no chart drawn", file=sys.stderr)
        return 1
    rts = ("tolk",) + PEERS
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, "bars.dat")
        with open(dat, "w") as f:
            for label, by in rows:
                vals = []
                for i in range(2):
                    vals += ["%.3f" % by[rt][i] if rt in by and by[rt][i] else "0" for rt in rts]
                f.write('"%s" %s\n' % (label.replace('"', "'"), " ".join(vals)))
        plots = []
        for panel, (title, col0) in enumerate((("prompt (pp) tok/s", 2), ("generation (tg) tok/s", 2 + len(rts)))):
            cols = ", ".join('"%s" using %d%s title "%s"' % (dat if i == 0 else "", col0 + i,
                             ":xtic(1)" if i == 0 else "", rt) for i, rt in enumerate(rts))
            plots.append('set title "%s"\nplot %s' % (title, cols))
        script = "\n".join([
            'set terminal pngcairo size 1200,%d font ",10"' % (560 + 30 * len(rows)),
            'set output "%s"' % png, "set multiplot layout 2,1", "set style data histograms",
            "set style histogram clustered gap 1", "set style fill solid 0.8 border -1",
            "set termoption noenhanced", "set key outside right top", "set yrange [0:*]", "set grid ytics", "set xtics rotate by -15 noenhanced",
            plots[0], plots[1], "unset multiplot"])
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode:
            print("compare_table.py: gnuplot failed: %s" % r.stderr.strip(), file=sys.stderr)
            return 1
    print("chart: %s" % png, file=sys.stderr)
    return 0


def main():
    args, png = sys.argv[1:], None
    if "--chart" in args:
        i = args.index("--chart")
        if i + 1 >= len(args):
            sys.exit("compare_table.py: --chart needs a PNG file name")
        png = args[i + 1]
        del args[i:i + 2]
    if not args:
        sys.exit("usage: compare_table.py RESULTS.jsonl... [--chart OUT.png]")
    runs = defaultdict(lambda: defaultdict(list))
    for path in args:
        for line in open(path):
            if line.strip():
                d = json.loads(line)
                runs[(d["file"], d.get("isa", "?"))][d["runtime"]].append(d)
    bars = []
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
            ti.get("model", os.path.basename(f[0])), ti.get("size_bytes", 0) / 1048576.0, ti.get("isa", "?"), ti["n_prompt"],
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
        label = "%s %s%s" % (ti.get("model", os.path.basename(f[0])), ti.get("isa", "?"), depth)
        bars.append((label, {rt: (st["pp_tok_s"][0], st["tg_tok_s"][0]) for rt, st in stats.items()}))
    return chart(bars, png) if png else 0


if __name__ == "__main__":
    sys.exit(main())
