"""Speed-up of `gamekb ingest --ray` over the single-process ingest, on this machine.

Generates N distinct clips (tests/clips.py: planted screen text and espeak speech, so every stage
has work), then ingests them into a fresh KB home twice, side by side in one run: once with
`ingest.pipeline.run` (one process, models loaded once) and once with `ingest.distributed.run` on a
local Ray cluster (`ray.init(num_cpus=W)`, W worker actors, models loaded once per actor). Ray's
start-up (`ray.init`, a few seconds) is reported separately from the ingest wall time; actor start
and model loading are inside it, as they are for a real run.

Example: OMP_NUM_THREADS=1 python bench/ray_speedup.py --clips 6 --seconds 20 --workers 2 \
             --json bench/out/ray_speedup.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

LINES = ["You got the shotgun!", "Picked up a stimpack.", "You got the chaingun!", "Picked up the blue keycard.",
         "Picked up a medikit.", "You got the rocket launcher!", "Picked up an armor bonus.", "A secret is revealed!"]
SAID = ["the key is behind the gate", "watch out for the imp", "grab the armor on the left",
        "that was close", "the exit is down the stairs", "save the rockets for the boss"]


def make_clips(folder: Path, n: int, seconds: float) -> list[Path]:
    from tests.clips import make_clip

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        texts = [(t, t + 3.0, LINES[(i + k) % len(LINES)]) for k, t in enumerate(range(1, int(seconds) - 3, 6))]
        speech = [(t + 2.0, SAID[(i + k) % len(SAID)]) for k, t in enumerate(range(1, int(seconds) - 4, 8))]
        out.append(make_clip(folder / f"clip{i:02d}.mp4", duration_s=seconds, texts=texts, speech=speech,
                             size=(640, 360), fps=15).path)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    import ray

    from ingest import distributed, pipeline
    from ingest.sources import Source
    from kb.config import IngestConfig
    from kb.store import KnowledgeBase

    tmp = Path(tempfile.mkdtemp(prefix="gamekb-raybench-"))
    clips = make_clips(tmp / "clips", args.clips, args.seconds)
    sources = [Source(str(p), path=p) for p in clips]
    video_s = args.clips * args.seconds
    load = os.getloadavg()[0]

    t = time.perf_counter()
    outs = pipeline.run(KnowledgeBase.open(tmp / "single"), sources, IngestConfig())
    single = time.perf_counter() - t
    assert all(o.status == "ingested" for o in outs), [o.message for o in outs]

    t = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}})
    ray_init = time.perf_counter() - t
    t = time.perf_counter()
    outs = distributed.run(KnowledgeBase.open(tmp / "ray"), sources, IngestConfig(), workers=args.workers)
    on_ray = time.perf_counter() - t
    assert all(o.status == "ingested" for o in outs), [o.message for o in outs]
    ray.shutdown()

    result = {"clips": args.clips, "seconds_each": args.seconds, "video_s": video_s, "workers": args.workers,
              "cpus": os.cpu_count(), "load_avg_1m_at_start": round(load, 2),
              "single_s": round(single, 2), "single_x_realtime": round(video_s / single, 2),
              "ray_init_s": round(ray_init, 2), "ray_s": round(on_ray, 2), "ray_x_realtime": round(video_s / on_ray, 2),
              "speedup": round(single / on_ray, 2), "speedup_with_init": round(single / (on_ray + ray_init), 2)}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
