#!/usr/bin/env python3
"""Load client for `tolk serve` (stdlib only; used by bench/serve_load.sh and tests/test_serve_load.sh).

Each client thread sends streaming /v1/completions (--chat: /v1/chat/completions) requests one after
another, to tolk or (--server llama) to llama.cpp's llama-server, each with its own numbered
prompt, and reads the server-sent events as they come. Reported per run: aggregate and per-client
generated tokens per second (tokens counted from the server's /metrics, chunks per client), time
to first token p50/p95, and the checks of a soak: every request answered exactly once (one 200
stream ending in exactly one [DONE], ids unique), none lost or run twice (tolk: the server's
generation counter grew by exactly the number sent), and with --expect, every answer equal to the
one the same prompt gets alone."""
import argparse
import json
import sys
import threading
import time
import urllib.request

PROMPTS = [
    "The capital of France is",
    "Water boils at a temperature of",
    "The first man on the moon was",
    "A recipe for pancakes needs",
    "The largest planet in the solar system is",
    "In 1492, Christopher Columbus",
    "The chemical symbol for gold is",
    "Shakespeare wrote the play",
    "The speed of light is about",
    "Mount Everest is located in",
    "The main ingredient of guacamole is",
    "Photosynthesis is the process by which",
]


def metric(base, name):
    with urllib.request.urlopen(base + "/metrics", timeout=30) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.split()[-1])
    return 0.0


CHAT = False  # --chat: /v1/chat/completions with the prompt as the user's message


def one_request(base, prompt, max_tokens, timeout):
    """Streams one completion: (text, chunks, ttft seconds, total seconds, ids, dones, status)."""
    if CHAT:
        path, body = "/v1/chat/completions", {"messages": [{"role": "user", "content": prompt}]}
    else:
        path, body = "/v1/completions", {"prompt": prompt}
    body.update({"max_tokens": max_tokens, "stream": True, "temperature": 0})
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    t0 = time.monotonic()
    ttft = None
    text, chunks, ids, dones = [], 0, set(), 0
    with urllib.request.urlopen(req, timeout=timeout) as r:
        status = r.status
        for raw in r:
            line = raw.decode("utf-8").rstrip("\n")
            if not line.startswith("data: "):
                continue
            data = line[6:]
            if data == "[DONE]":
                dones += 1
                continue
            ev = json.loads(data)
            if "error" in ev:
                raise RuntimeError(ev["error"]["message"])
            ids.add(ev["id"])
            if not ev.get("choices"):
                continue
            ch = ev["choices"][0]
            piece = (ch.get("delta") or {}).get("content") if CHAT else ch.get("text")
            if piece:
                if ttft is None:
                    ttft = time.monotonic() - t0
                chunks += 1
                text.append(piece)
    return "".join(text), chunks, ttft, time.monotonic() - t0, ids, dones, status


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


# The server's counters: generated tokens, and model runs (None: the server has no such counter)
METRICS = {"tolk": ("tolk_generated_tokens_total", "tolk_generations_total"),
           "llama": ("llamacpp:tokens_predicted_total", None)}
SERVER = "tolk"


def run(base, clients, requests, max_tokens, soak, timeout, expect):
    results = [[] for _ in range(clients)]
    errors = []
    deadline = time.monotonic() + soak if soak else None
    tok_name, gen_name = METRICS[SERVER]
    start_tokens = metric(base, tok_name)
    start_gens = metric(base, gen_name) if gen_name else 0
    lock = threading.Lock()
    counter = [0]

    def client(c):
        i = 0
        while (deadline is None and i < requests) or (deadline is not None and time.monotonic() < deadline):
            prompt = PROMPTS[(c + i * clients) % len(PROMPTS)]
            with lock:
                counter[0] += 1
            try:
                results[c].append((prompt,) + one_request(base, prompt, max_tokens, timeout))
            except Exception as e:  # noqa: BLE001 (any failure is a lost request)
                with lock:
                    errors.append("client %d request %d: %s" % (c, i, e))
            i += 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    tokens = metric(base, tok_name) - start_tokens
    sent = counter[0]
    generations = metric(base, gen_name) - start_gens if gen_name else sent
    all_ids, dup_ids, bad = set(), 0, []
    for c, rs in enumerate(results):
        for (prompt, text, chunks, ttft, total, ids, dones, status) in rs:
            if status != 200 or dones != 1 or len(ids) != 1:
                bad.append("client %d: status %d, %d [DONE], %d ids" % (c, status, dones, len(ids)))
            dup_ids += len(all_ids & ids)
            all_ids |= ids
            if expect is not None and prompt in expect and expect[prompt] != text:
                bad.append("client %d: %r answered %r, alone %r" % (c, prompt, text, expect[prompt]))
    ttfts = [r[3] for rs in results for r in rs if r[3] is not None]
    per_client = [sum(r[2] for r in rs) / max(1e-9, sum(r[4] for r in rs)) for rs in results if rs]
    got = sum(len(rs) for rs in results)
    return {
        "clients": clients, "requests": got, "sent": sent, "wall_s": wall, "tokens": tokens,
        "aggregate_tok_s": tokens / wall if wall > 0 else 0.0,
        "per_client_tok_s": sum(per_client) / len(per_client) if per_client else 0.0,
        "ttft_p50_ms": pct(ttfts, 50) * 1e3, "ttft_p95_ms": pct(ttfts, 95) * 1e3,
        "server_generations": generations, "duplicate_ids": dup_ids, "errors": errors, "bad": bad,
        "answers": {r[0]: r[1] for rs in results for r in rs},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--requests", type=int, default=3, help="requests per client (without --soak)")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--soak", type=float, default=0, help="seconds: clients send until then")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--alone", action="store_true", help="first get every prompt's answer alone, then "
                    "check the concurrent answers equal them")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--chat", action="store_true", help="/v1/chat/completions instead of /v1/completions")
    ap.add_argument("--server", choices=sorted(METRICS), default="tolk",
                    help="whose /metrics counters to read (llama: llama.cpp's llama-server with --metrics)")
    a = ap.parse_args()
    global CHAT, SERVER
    CHAT, SERVER = a.chat, a.server
    expect = None
    if a.alone:
        expect = {}
        for p in PROMPTS[:max(a.clients, 1) * max(a.requests, 1)][:len(PROMPTS)]:
            expect[p] = one_request(a.base, p, a.max_tokens, a.timeout)[0]
    r = run(a.base, a.clients, a.requests, a.max_tokens, a.soak, a.timeout, expect)
    ok = not r["errors"] and not r["bad"] and r["duplicate_ids"] == 0 and r["sent"] == r["requests"] and \
        int(r["server_generations"]) == r["sent"]
    if a.json:
        r = dict(r)
        r.pop("answers")
        print(json.dumps(r))
    else:
        print("clients %d: %d requests in %.1f s, %d tokens: aggregate %.1f tok/s, per client %.1f tok/s, "
              "TTFT p50 %.0f ms p95 %.0f ms" % (r["clients"], r["requests"], r["wall_s"], r["tokens"],
                                               r["aggregate_tok_s"], r["per_client_tok_s"], r["ttft_p50_ms"],
                                               r["ttft_p95_ms"]))
    for e in r["errors"] + r["bad"]:
        print("FAIL: " + e, file=sys.stderr)
    if int(r["server_generations"]) != r["sent"]:
        print("FAIL: %d requests sent, the server ran %d generations" % (r["sent"], r["server_generations"]),
              file=sys.stderr)
    if r["duplicate_ids"]:
        print("FAIL: %d response ids seen twice" % r["duplicate_ids"], file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
