"""Latency of a question asked across the whole library ("... in each video?") as the library grows.

Builds synthetic libraries of N videos (36 segments each, 6 minutes at 10 s segments) through the
real stores, with the segment texts and vectors of bench/search_latency.py, and times what
`gamekb ask` runs (`retrieval.evidence.gather` + the extractive reasoner), median of `--repeat`
passes after a warm-up, for questions about each video and one plain question.

`--code DIR` runs another checkout's retrieval and reasoning (e.g. the commit before a change,
`git worktree add /tmp/old COMMIT`) over libraries built the same way, for a side-by-side.

Example: OMP_NUM_THREADS=1 python bench/ask_scaling.py --videos 10 100 1000
         OMP_NUM_THREADS=1 python bench/ask_scaling.py --videos 10 100 1000 --code /tmp/old
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("LANCE_LOG", "error")

QUESTIONS = ["when did I get the missile launcher in each video?", "how many times did I die in each video?",
             "which armor did I find in each video?"]
PLAIN = "when did I pick up the blue passcard?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1],
                    help="the checkout whose code answers (default: this one)")
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    sys.path.insert(1, str(Path(__file__).resolve().parent))
    import search_latency as sl  # the library builder (this checkout's)

    from kb.models.embeddings import text_embedder
    from reasoning.extractive import Extractive
    from retrieval.evidence import gather

    sl.SEGMENTS_PER_VIDEO = 36
    tmpl = sl.templates()
    tvecs = text_embedder().encode(tmpl)
    print(f"code: {args.code.resolve()} (load average {os.getloadavg()[0]:.1f})")
    for n in args.videos:
        home = Path(tempfile.mkdtemp(prefix=f"gamekb-ask-{n}-"))
        kb = sl.build(n * sl.SEGMENTS_PER_VIDEO, tmpl, tvecs, home)["kb"]
        times: dict[str, list[float]] = {q: [] for q in [*QUESTIONS, PLAIN]}
        for q in times:  # warm-up
            Extractive().answer(q, gather(kb, q))
        for _ in range(args.repeat):
            for q in times:
                t = time.perf_counter()
                answer = Extractive().answer(q, gather(kb, q))
                times[q].append(time.perf_counter() - t)
        cross = [statistics.median(times[q]) for q in QUESTIONS]
        print(f"{n:>5} videos: each-video questions {', '.join(f'{1000 * c:.0f}' for c in cross)} ms "
              f"(median {1000 * statistics.median(cross):.0f} ms); plain question {1000 * statistics.median(times[PLAIN]):.0f} ms; "
              f"last answer cites {len(answer.citations)}", flush=True)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
