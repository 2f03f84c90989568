"""Ingest speed as a multiple of real time, per stage, side by side with a naive serial pipeline.

Runs the real `ingest.pipeline.ingest_source` on a clip in a fresh KB home (one per run) and
times each stage by wrapping the stage functions it calls (decode, OCR, HUD, visual, thumbnail,
audio load, speech, embed, commit); "other" is segmenting, events and row building. Speech runs
in a thread beside the frame loop, so stage times add up to more than the wall time.

In the same process, alternating with it, a *naive* pipeline runs the same stage code the way a
first prototype would: models loaded for the video, every sampled frame decoded (plain PyAV) and
read with full-frame OCR (detector + recogniser) plus the message line and HUD without any cache,
then speech, then embedding and commit, all serial on one thread. The ratio naive / optimised is
the number to compare across machines; absolute times move with the machine's load.

Example: OMP_NUM_THREADS=1 python bench/ingest_speed.py ../shared/data/freedoom1_e2m3_demo2.mp4 \
             --repeat 3 --json bench/out/ingest_speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

STAGES = ("decode", "ocr", "hud", "visual", "thumbnail", "audio", "speech", "embed", "commit", "other")


class Timers:
    """Seconds per stage; each stage runs on one thread, so plain dict updates are safe."""

    def __init__(self):
        self.s: dict[str, float] = defaultdict(float)
        self.n: dict[str, int] = defaultdict(int)

    def wrap(self, stage: str, fn):
        def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.s[stage] += time.perf_counter() - t
                self.n[stage] += 1

        return timed

    def wrap_future(self, stage: str, fn):
        """For stages that run beside the caller (speech): time from start until the result is in."""
        def timed(*a, **kw):
            t = time.perf_counter()
            fut = fn(*a, **kw)

            def done(_f):
                self.s[stage] += time.perf_counter() - t
                self.n[stage] += 1

            fut.add_done_callback(done)
            return fut

        return timed

    def wrap_iter(self, stage: str, fn):
        def timed(*a, **kw):
            it = iter(fn(*a, **kw))
            while True:
                t = time.perf_counter()
                try:
                    item = next(it)
                except StopIteration:
                    self.s[stage] += time.perf_counter() - t
                    return
                self.s[stage] += time.perf_counter() - t
                self.n[stage] += 1
                yield item

        return timed


class Patched:
    """Wraps stage functions of the real pipeline with timers for the duration of a `with`."""

    def __init__(self, timers: Timers, models, kb):
        self.t, self.models, self.kb, self.undo = timers, models, kb, []

    def _set(self, obj, name, value):
        if hasattr(obj, name):
            self.undo.append((obj, name, getattr(obj, name), name in vars(obj)))
            setattr(obj, name, value)

    def __enter__(self):
        from ingest import audio, decode, hud, ocr, screen_text, stream

        t, m = self.t, self.models
        self._set(decode, "sample_frames", t.wrap_iter("decode", decode.sample_frames))
        self._set(ocr, "read_frame", t.wrap("ocr", ocr.read_frame))
        self._set(screen_text.TextTracker, "observe", t.wrap("ocr", screen_text.TextTracker.observe))  # no pack
        self._set(hud, "read_state", t.wrap("hud", hud.read_state))
        self._set(stream, "thumbnail", t.wrap("thumbnail", stream.thumbnail))
        self._set(audio, "load_audio", t.wrap("audio", audio.load_audio))
        self._set(m.visual, "encode_images", t.wrap("visual", m.visual.encode_images))
        self._set(m.speech, "start", self.t.wrap_future("speech", m.speech.start))
        self._set(m.text, "encode", t.wrap("embed", m.text.encode))
        self._set(self.kb, "commit_video", t.wrap("commit", self.kb.commit_video))
        return self

    def __exit__(self, *exc):
        for obj, name, value, own in reversed(self.undo):
            if own:  # module functions and instance attributes go back as they were
                setattr(obj, name, value)
            else:  # a method wrapped on the instance: drop the wrapper, the class method shows again
                delattr(obj, name)


def fresh_kb():
    from kb.store import KnowledgeBase

    home = Path(tempfile.mkdtemp(prefix="gamekb-bench-"))
    return KnowledgeBase.open(home), home


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def optimised_run(video: Path, models) -> dict:
    from ingest import pipeline
    from ingest.sources import Source

    kb, home = fresh_kb()
    timers = Timers()
    with Patched(timers, models, kb):
        t = time.perf_counter()
        out = pipeline.ingest_source(kb, Source(label=str(video), path=video), models)
        wall = time.perf_counter() - t
    if out.status != "ingested":
        raise SystemExit(f"ingest failed: {out.message}")
    stages = {s: round(timers.s.get(s, 0.0), 3) for s in STAGES if s != "other"}
    stages["other"] = round(max(0.0, wall - sum(v for k, v in stages.items() if k not in ("speech", "audio"))), 3)
    return {"wall_s": round(wall, 3), "stages_s": stages, "frames": timers.n.get("decode", 0),
            "message": out.message, "kb_bytes": du(home), "home": str(home)}


def naive_run(video: Path, config) -> dict:
    """The per-frame serial prototype, built from the same stage code (see the module docstring)."""
    import av
    import numpy as np

    from ingest import hud, ocr, pipeline, stream
    from ingest import segment as segmenting
    from ingest.audio import load_audio
    from ingest import events as timeline
    from ingest.probe import probe, sha256_file
    from ingest.types import Frame
    from ingest.visual import scene_cuts

    kb, _ = fresh_kb()
    st: dict[str, float] = defaultdict(float)

    def clock(stage, fn, *a, **kw):
        t = time.perf_counter()
        r = fn(*a, **kw)
        st[stage] += time.perf_counter() - t
        return r

    t0 = time.perf_counter()
    models = clock("load", pipeline.Models.load, config)
    info = probe(video)
    video_row = kb.claim(video, sha256_file(video), info.as_row(), config.profile)
    doom = models.packs["doom"]
    reads, states, times, descs, thumbs, motion = [], [], [], [], [], []
    step, next_t = 1.0 / config.fps, 0.0
    t = time.perf_counter()
    with av.open(str(video)) as c:
        for f in c.decode(c.streams.video[0]):
            ft = float(f.pts * f.time_base)
            if ft + 1e-6 < next_t:
                continue
            next_t = (np.floor(ft / step) + 1) * step
            frame = Frame(t=ft, image=f.to_ndarray(format="rgb24"))
            st["decode"] += time.perf_counter() - t
            reads += clock("ocr", ocr.read_frame, frame, models.ocr, doom, None, screen=True)
            s = clock("hud", hud.read_state, frame, doom, models.ocr)
            if s is not None and s.values:
                states.append(s)
            times.append(frame.t)
            descs.append(clock("visual", models.visual.encode_images, [frame.image])[0])
            thumbs.append(clock("thumbnail", stream.thumbnail, frame))
            motion.append((frame.t, stream._tiny(frame.image)))
            t = time.perf_counter()
    st["decode"] += time.perf_counter() - t
    audio = clock("audio", load_audio, video)
    phrases = clock("speech", models.speech.transcribe, audio, 16000)
    t = time.perf_counter()
    descs_arr = np.stack(descs)
    duration = max(info.duration_s, times[-1] + step)
    cuts = scene_cuts(times, descs_arr)
    spans = segmenting.windows(duration, cuts, config.segment_s, config.min_segment_s)
    texts = ocr.merge(reads, doom)
    events = timeline.build(texts, phrases, states, cuts, [], aliases_for=doom.aliases_for)
    st["other"] += time.perf_counter() - t
    t = time.perf_counter()
    rows = naive_rows(spans, events, times, descs_arr, thumbs, motion, models)
    st["embed"] += time.perf_counter() - t  # row building is ~all text embedding
    analysis = pipeline.Analysis(spans=spans, events=events, states=states, rows=rows, game="doom")
    clock("commit", kb.commit_video, video_row.id, pipeline.records(analysis, models, video_row.id), models.versions())
    wall = time.perf_counter() - t0
    return {"wall_s": round(wall, 3), "stages_s": {k: round(v, 3) for k, v in st.items()}, "frames": len(times),
            "message": f"{len(spans)} segments, {sum(e.kind != 'scene' for e in events)} events"}


def naive_rows(spans, events, times, descs, thumbs, motion, models) -> list:
    """Segment rows as the lite pipeline writes them (text, moments, keyframe, vectors), one by one."""
    import numpy as np

    from ingest import events as timeline
    from kb.lance import RecordedMoment, SegmentRow

    times = np.asarray(times)
    rows = []
    for idx, (a, b) in enumerate(spans):
        mine = [e for e in events if a <= e.t_start < b and e.kind != "scene"]
        moments = [RecordedMoment(round(e.t_start, 2), round(e.t_end, 2), e.source, e.kind, e.label, timeline.searchable(e))
                   for e in mine]
        text = " . ".join(m.text for m in moments)
        sel = np.nonzero((times >= a) & (times < b))[0]
        sel = sel if sel.size else np.array([int(np.argmin(np.abs(times - a)))])
        key = int(sel[len(sel) // 2])
        visual = descs[sel].mean(axis=0)
        rows.append(SegmentRow(idx=idx, start_s=a, end_s=b, keyframe_s=float(times[key]), text=text,
                               moments=moments, keyframe=thumbs[key],
                               visual_vec=(visual / (np.linalg.norm(visual) or 1.0)).astype(np.float32),
                               temporal_vec=models.temporal.encode_clip([motion[i][1] for i in sel]),
                               text_vec=models.text.encode([text or "nothing on screen or said"])[0]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("video", nargs="?", default="../shared/data/freedoom1_e2m3_demo2.mp4")
    ap.add_argument("--repeat", type=int, default=3, help="optimised runs (median reported)")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive serial pipeline")
    ap.add_argument("--speech", default=None, help="speech backend (default: the lite profile's)")
    ap.add_argument("--game", default=None, help="game pack, or generic (default: auto, as ingest)")
    ap.add_argument("--json", default=None, help="write all numbers here")
    args = ap.parse_args()
    video = Path(args.video).resolve()

    t = time.perf_counter()
    from ingest import pipeline
    from ingest.probe import probe
    from kb.config import IngestConfig
    from kb.store import KnowledgeBase  # noqa: F401  (part of what `gamekb ingest` imports)
    imports_s = time.perf_counter() - t

    duration = probe(video).duration_s
    config = IngestConfig.for_profile("lite", speech=args.speech, game=args.game)
    t = time.perf_counter()
    models = pipeline.Models.load(config)
    load_s = time.perf_counter() - t
    print(f"clip {video.name}: {duration:.1f} s; imports {imports_s:.2f} s; model load {load_s:.2f} s "
          f"(speech {config.speech}, ocr {config.ocr}, fps {config.fps})", flush=True)

    runs, naive = [], None
    for i in range(args.repeat):
        r = optimised_run(video, models)
        runs.append(r)
        print(f"optimised run {i + 1}: {r['wall_s']:.2f} s = {duration / r['wall_s']:.1f}x real time; "
              + " ".join(f"{k} {v:.2f}" for k, v in r["stages_s"].items()), flush=True)
        if i == 0 and not args.no_naive:  # interleaved, so both see the same machine load
            naive = naive_run(video, config)
            print(f"naive run: {naive['wall_s']:.2f} s = {duration / naive['wall_s']:.1f}x real time; "
                  + " ".join(f"{k} {v:.2f}" for k, v in naive["stages_s"].items()), flush=True)
    wall = statistics.median(r["wall_s"] for r in runs)
    best = min(runs, key=lambda r: abs(r["wall_s"] - wall))
    summary = {
        "video": str(video), "duration_s": round(duration, 2), "cpus": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "speech": config.speech, "fps": config.fps,
        "imports_s": round(imports_s, 3), "model_load_s": round(load_s, 3),
        "wall_s": wall, "x_realtime": round(duration / wall, 1),
        "x_realtime_with_load": round(duration / (wall + load_s), 1),
        "stages_s": best["stages_s"], "runs_s": [r["wall_s"] for r in runs], "kb_bytes": best["kb_bytes"],
        "disk_per_hour_mb": round(best["kb_bytes"] / duration * 3600 / 1e6, 1),
    }
    if naive:
        summary["naive"] = naive
        summary["naive_x_realtime"] = round(duration / naive["wall_s"], 2)
        summary["speedup_vs_naive"] = round(naive["wall_s"] / wall, 1)
    print(f"\nmedian {wall:.2f} s = {summary['x_realtime']}x real time "
          f"({summary['x_realtime_with_load']}x counting the {load_s:.2f} s model load)"
          + (f"; naive {naive['wall_s']:.2f} s = {summary['naive_x_realtime']}x; "
             f"speed-up {summary['speedup_vs_naive']}x" if naive else "")
          + f"; KB {best['kb_bytes'] / 1e6:.2f} MB = {summary['disk_per_hour_mb']} MB per hour of video (scaled)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
