"""The generic path on short clips: each clip cut into back-to-back excerpts, each read on its own.

A player's clip is often 20-60 s, and on a short clip the generic path has less to go on: a name
tag is seen at fewer places, a HUD number for fewer seconds. This cuts each clip into excerpts of
`--length` seconds (re-encoded, so each starts on its own frame; `tmp` keeps them), runs the
generic path's stage over each as ingest drives it (`ingest.stages.ScreenTextStage`: 2 frames a
second, text read on one and glanced at on the other; its events as the whole video's would be) and
scores them like
bench/onscreen_events.py against the clip's log shifted to the excerpt. A line logged up to 6 s before
an excerpt starts is still on screen at its start: an event of it at the start counts as correct
but its line is not asked for.

Example: OMP_NUM_THREADS=1 python bench/short_clips.py ../shared/data/hedgewars_ai_match_nature.mp4 \\
             ../shared/data/redeclipse_bath_tdm_bots.mp4 --length 30
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path, help="clips, each with CLIP.events.txt beside it")
    ap.add_argument("--length", type=float, default=30.0, help="seconds per excerpt")
    ap.add_argument("--show", action="store_true", help="list the wrong events of each excerpt")
    args = ap.parse_args()

    from onscreen_events import ALSO_ON_SCREEN, score, truth

    from ingest import decode
    from ingest.ocr_engines import OnnxOcrEngine
    from ingest.probe import probe
    from ingest.rules import get_pack
    from ingest.stages import ScreenTextStage, watch

    engine = OnnxOcrEngine()
    totals = [0, 0, 0, 0]
    with tempfile.TemporaryDirectory() as tmp:
        for clip in args.clips:
            logged = truth(clip.with_suffix(".events.txt"))
            also = ALSO_ON_SCREEN.get(clip.stem, [])
            start = 0.0
            while start + args.length <= probe(clip).duration_s + 1.0:
                part = Path(tmp) / f"{clip.stem}_{int(start)}.mp4"
                subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-ss", str(start), "-t", str(args.length),
                                "-i", str(clip), "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-an",
                                str(part)], check=True)
                # the generic path's stage as ingest drives it: 2 frames a second, text read on one
                stage = ScreenTextStage(engine, None, get_pack("generic"), 1.0, args.length, early_s=0.25)
                events = watch(decode.sample_frames(part, 2.0), [stage]).events
                found = [(e.t_start, e.payload.get("text", e.label)) for e in events if e.source == "ocr"]
                lines = [(t - start, x) for t, x in logged if start <= t < start + args.length - 0.5]
                extra = [(x, a - start, b - start) for x, a, b in also] + \
                        [(x, 0.0, 0.0) for t, x in logged if start - 6.0 <= t < start]
                s = score(found, lines, extra)
                for i, key in enumerate(("found", "logged", "correct", "events")):
                    totals[i] += s[key]
                print(f"{clip.stem} {start:5.0f}-{start + args.length:.0f} s: recall {s['found']}/{s['logged']}, "
                      f"precision {s['correct']}/{s['events']}" + (f"; wrong: {s['wrong']}" if args.show else ""))
                start += args.length
    print(f"all excerpts: recall {totals[0]}/{totals[1]}, precision {totals[2]}/{totals[3]}")


if __name__ == "__main__":
    main()
