"""Search quality on real footage: recall@k of plain-English questions against ground-truth times.

    python bench/search_recall.py /work/shared/data/freedoom1_e2m3_demo2.mp4 --home /tmp/kb-recall

Ingests the clip (unless already there), asks each question of QUESTIONS, and counts a question as
found when one of the top-k hits is in the right video and starts within +-2 s of a ground-truth
time (the strict reading), and separately when a ground-truth time falls inside a hit's window
widened by 2 s (the lenient reading). Ground truth comes from the clip's .events.txt/.speech.txt.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

# (question, ground-truth onsets in seconds) for freedoom1_e2m3_demo2.mp4
QUESTIONS: list[tuple[str, list[float]]] = [
    ("angle grinder", [17.77]),
    ("when did I get the chainsaw?", [17.77]),
    ("picked up a missile", [32.77, 35.54, 36.06, 36.60]),
    ("pump-action shotgun", [39.34, 40.31]),
    ("when did I find the shotgun?", [39.34, 40.31]),
    ("minigun", [53.37]),
    ("chaingun", [53.37]),
    ("small energy recharge", [67.80]),
    ("health pack", [12.46, 26.46, 42.60]),
    ("box of shotgun shells", [45.20]),
    ("ammo clip", [2.06, 8.51, 10.46, 39.97, 40.91, 44.37, 47.26, 53.91, 55.49, 68.49, 70.91]),
    ("when did I die?", [76.20]),
    ("when did I say I was low on health", [69.0]),
    ("when did I mention lots of zombies", [5.0]),
    ("what did I say about the angle grinder?", [18.0]),
    ("when did I say finally a shotgun", [41.0]),
    ("mow them down", [55.0]),
    ("this is going to be messy", [18.0]),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("video", type=Path)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--json", type=Path, help="write per-question results here")
    args = ap.parse_args()

    from ingest import pipeline
    from ingest.sources import Source
    from kb.config import IngestConfig
    from kb.store import KnowledgeBase
    from retrieval.search import search

    kb = KnowledgeBase.open(args.home)
    t0 = time.perf_counter()
    [outcome] = pipeline.run(kb, [Source(str(args.video), path=args.video)], IngestConfig())
    print(f"ingest: {outcome.status} {outcome.message} ({time.perf_counter() - t0:.1f} s with model load)")
    stem = args.video.stem
    strict = lenient = 0
    rows, latencies = [], []
    for question, truth in QUESTIONS:
        t = time.perf_counter()
        hits = [h for h in search(kb, question, limit=args.k) if h.video == stem]
        latencies.append(time.perf_counter() - t)
        s = any(abs(h.start_s - g) <= 2 for h in hits for g in truth)
        le = any(h.start_s - 2 <= g <= h.end_s + 2 for h in hits for g in truth)
        strict += s
        lenient += le
        first = next((i + 1 for i, h in enumerate(hits) if any(abs(h.start_s - g) <= 2 for g in truth)), None)
        rows.append({"question": question, "truth": truth, "strict": s, "lenient": le, "rank": first,
                     "top": [[round(h.start_s, 1), round(h.end_s, 1)] for h in hits[:3]]})
        print(f"{'ok ' if s else 'MISS'} rank={first or '-':<3} {question!r:50} truth={truth[:3]} top={rows[-1]['top']}")
    n = len(QUESTIONS)
    print(f"\nrecall@{args.k}: strict (start within 2 s) {strict}/{n} = {strict / n:.2f}; "
          f"lenient (inside window +-2 s) {lenient}/{n} = {lenient / n:.2f}; "
          f"search latency p50 {statistics.median(latencies) * 1000:.0f} ms (in-process, after the first query)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
