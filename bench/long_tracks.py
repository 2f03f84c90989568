"""The generic path's last step (`ingest.screen_events.read_tracks`: what the text tracks mean, over
the whole video) on an hour of footage, made from a clip: its tracks laid end to end `--copies`
times; with `--distinct` every copy's lines are made different (a word added), as in a long game
whose log never repeats a line. Prints the CPU seconds of `read_tracks` per length, so growth
with the video's length shows (twice the copies should take about twice the time).

Example: OMP_NUM_THREADS=1 python bench/long_tracks.py /tmp/heldout/freeciv/freeciv_ai_italians.mp4 \
             --copies 4 8 16 32 --distinct
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_NUM_THREADS", "1")

WORDS = ("qa", "wex", "zov", "kib", "vun", "jol")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip", type=Path)
    ap.add_argument("--copies", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--distinct", action="store_true", help="make every copy's lines different")
    args = ap.parse_args()

    from ingest import decode, screen_events
    from ingest.ocr_engines import OnnxOcrEngine
    from ingest.probe import probe
    from ingest.rules import get_pack
    from ingest.stages import ScreenTextStage, watch

    duration = probe(args.clip).duration_s
    stage = ScreenTextStage(OnnxOcrEngine("tiny"), None, get_pack("generic"), 1.0, duration, early_s=0.25)
    tracks = []
    finish = stage.tracker.finish
    stage.tracker.finish = lambda: tracks.extend(finish()) or tracks  # keep the tracks the stage reads
    watch(decode.sample_frames(args.clip, 2.0), [stage])
    for k in args.copies:
        many = []
        for i in range(k):
            for tr in tracks:
                c = copy.copy(tr)
                c.__dict__.pop("_text", None)
                word = " " + WORDS[i % len(WORDS)] * (1 + i // len(WORDS)) if args.distinct and i else ""
                c.reads = [(text + word, conf) for text, conf in tr.reads]
                c.shown = tr.shown + word if tr.shown is not None else None
                c.t_start, c.t_end, c.id = tr.t_start + i * duration, tr.t_end + i * duration, len(many)
                many.append(c)
        t0 = time.process_time()
        reading = screen_events.read_tracks(many, k * duration)
        print(f"{args.clip.name} x{k} ({k * duration / 60:.1f} min, {len(many)} tracks"
              f"{', distinct lines' if args.distinct else ''}): read_tracks {time.process_time() - t0:.1f} s CPU, "
              f"{len(reading.events)} events", flush=True)


if __name__ == "__main__":
    main()
