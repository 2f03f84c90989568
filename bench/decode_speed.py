"""Decode speed of each backend of `ingest.decode`: the frames the pipeline samples from one clip,
CPU seconds and wall time per run, the backends alternating so load drifts hit both alike.

Example: OMP_NUM_THREADS=1 python bench/decode_speed.py ../shared/data/freedoom1_e2m3_demo2.mp4 --repeat 3
(decord needs `pip install 'gamekb[decord]'`; docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from ingest import decode

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", type=Path)
    ap.add_argument("--fps", type=float, default=2.0, help="frames sampled per second (the pipeline's default)")
    ap.add_argument("--backends", default=",".join(decode.BACKENDS), help="comma-separated: " + ", ".join(decode.BACKENDS))
    ap.add_argument("--repeat", type=int, default=3, help="runs per backend")
    args = ap.parse_args()
    for _ in range(args.repeat):
        for backend in args.backends.split(","):
            wall, cpu = time.perf_counter(), time.process_time()
            n = sum(1 for _ in decode.sample_frames(args.video, args.fps, backend))
            print(f"{backend:7s} {n} frames  {time.process_time() - cpu:.2f} CPU-s  {time.perf_counter() - wall:.2f} s wall",
                  flush=True)


if __name__ == "__main__":
    main()
