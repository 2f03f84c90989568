"""`gamekb serve` under a burst of searches: /api/search latency at 1, 10 and 200 concurrent
requests, and how long the page (`GET /`, `/static/app.js`) takes while the 200 are in flight.

Starts the real `gamekb serve` as a subprocess of the checkout given by --root (so the same script
measures an older worktree beside this one) on a KB home that already holds ingested clips, e.g.
the three tests/data/*_excerpt.mp4:

    gamekb ingest tests/data/*_excerpt.mp4 --home /tmp/webbench/kb

Each level sends `level` requests at once from as many client threads (one connection each, as
browsers and scripts do), in rounds until at least --samples requests were timed; 1 is serial.
The queries rotate through a fixed list. One warm-up search loads the text embedder first. During
the 200 burst a probe thread fetches the page and its script every 0.2 s and reports their times.

Example: OMP_NUM_THREADS=1 python bench/web_burst.py --home /tmp/webbench/kb --root /tmp/web-old \
             --json bench/out/web_burst_old.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

QUERIES = ["angle grinder", "shotgun", "health", "worm", "blue key", "where is the exit", "armor", "rocket",
           "died", "water", "text on screen", "low health"]
CLI = "from cli import app; app()"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, timeout: float = 300) -> tuple[int, float]:
    """(status, seconds) of one GET on a fresh connection; status 0 when the connection failed."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        res = conn.getresponse()
        res.read()
        return res.status, time.perf_counter() - t0
    except OSError:
        return 0, time.perf_counter() - t0
    finally:
        conn.close()


def burst(port: int, level: int, start: int) -> list[tuple[int, float]]:
    """`level` searches released at once; their (status, seconds)."""
    out: list[tuple[int, float]] = [(0, 0.0)] * level
    gate = threading.Barrier(level + 1)

    def one(i: int) -> None:
        q = QUERIES[(start + i) % len(QUERIES)]
        gate.wait()
        out[i] = get(port, f"/api/search?q={quote(q)}&limit=10")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(level)]
    for t in threads:
        t.start()
    gate.wait()
    for t in threads:
        t.join()
    return out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def measure(port: int, levels: list[int], samples: int) -> dict:
    results = {}
    for level in levels:
        probes: list[tuple[str, int, float]] = []
        stop = threading.Event()

        def probe() -> None:
            while not stop.is_set():
                for path in ("/", "/static/app.js"):
                    status, s = get(port, path)
                    probes.append((path, status, s))
                stop.wait(0.2)

        prober = threading.Thread(target=probe)
        if level == max(levels):
            prober.start()
        times, errors, sent, t0 = [], 0, 0, time.perf_counter()
        while sent < samples:
            for status, s in burst(port, level, sent):
                times.append(s)
                errors += status != 200
            sent += level
        wall = time.perf_counter() - t0
        stop.set()
        if prober.is_alive():
            prober.join()
        row = {"concurrent": level, "requests": sent, "errors": errors, "p50_s": round(pct(times, 50), 3),
               "p95_s": round(pct(times, 95), 3), "max_s": round(max(times), 3),
               "searches_per_s": round(sent / wall, 2)}
        for path in ("/", "/static/app.js"):
            ts = [s for p, st, s in probes if p == path]
            if ts:
                row[f"during_burst {path}"] = {"n": len(ts), "errors": sum(st != 200 for p, st, _ in probes if p == path),
                                               "p50_s": round(pct(ts, 50), 3), "max_s": round(max(ts), 3)}
        results[level] = row
        print(json.dumps(row), flush=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", required=True, help="KB home holding ingested videos")
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[1]), help="checkout whose gamekb serves")
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 10, 200])
    ap.add_argument("--samples", type=int, default=40, help="at least this many timed searches per level")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": args.root, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
           "TOKENIZERS_PARALLELISM": "false", "LANCE_LOG": "error"}
    env.pop("GAMEKB_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-c", CLI, "serve", "--port", str(port), "--home", args.home],
                            cwd=args.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while get(port, "/api/videos", timeout=5)[0] != 200:
            if proc.poll() is not None:
                sys.exit(f"gamekb serve exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                sys.exit("gamekb serve did not answer within 60 s")
            time.sleep(0.2)
        status, s = get(port, "/api/search?q=warm%20up")  # loads the text embedder
        print(f"warm-up search: {status} in {s:.2f} s; load average {os.getloadavg()[0]:.2f}", flush=True)
        results = measure(port, args.levels, args.samples)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"root": args.root, "load_average": os.getloadavg(),
                                         "levels": results}, indent=2))


if __name__ == "__main__":
    main()
