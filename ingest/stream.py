"""The streaming halves of ingest: audio transcribed in overlapping windows, and frames grouped
into segments as they arrive, so that memory holds one window of audio and one segment of frames
whatever the video's length (issue 4; bench/memory.py measures it)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from ingest import segment as segmenting
from ingest.types import Frame
from kb.config import IngestConfig
from kb.lance import SegmentRow

if TYPE_CHECKING:  # the pipeline imports this module; only the type hint goes the other way
    from ingest.pipeline import Models

THUMB_WIDTH = 320  # keyframe JPEG width: enough to see the scene, ~10 KB each


LISTEN_WINDOW_S = 120.0  # audio handed to Whisper at once: ~8 MB; each window costs a Whisper call and
# its overlap is heard twice (80 s of audio: 3.8 s in one call, 5.7 s in 60 s windows); 300 s windows
# made peak memory grow with video length (docs/benchmarks.md, Peak memory)
LISTEN_OVERLAP_S = 10.0  # consecutive windows share this much; a phrase is kept from the window where it starts
# at least half the overlap from either edge, so a phrase shorter than 5 s is never cut by an edge


def listen(path: Path, transcriber: Any, window_s: float = LISTEN_WINDOW_S,
           overlap_s: float = LISTEN_OVERLAP_S, sample_rate: int = 16000, vocabulary: Sequence[str] = (),
           keep: Path | None = None) -> list:
    """Transcribe the audio track in overlapping windows, holding one window in memory.

    Window k covers [s_k, s_k + window_s) with s_{k+1} = s_k + window_s - overlap_s; a phrase is kept
    from window k only when it starts in [s_k + overlap_s/2, s_{k+1} + overlap_s/2) (from 0 in the
    first window, to the end in the last), so each phrase is taken once, from the window where it is
    farthest from an edge. A track shorter than one window is transcribed exactly as a whole.
    `vocabulary` (the game's words) is handed to every window's transcribe call. With `keep`, the
    decoded track is also written there (raw float32 samples, `kept_audio` reads them back), so a
    later stage that needs the samples (the full profile's audio encoder) does not decode it again.
    """
    from ingest.audio import iter_audio

    step = window_s - overlap_s
    keep_n = int(round(overlap_s * sample_rate))
    out: list = []
    tail = np.zeros(0, np.float32)
    pending: tuple[float, np.ndarray] | None = None  # a window waiting to learn whether it is the last
    extra = {"vocabulary": tuple(vocabulary)} if vocabulary else {}

    def flush(offset: float, samples: np.ndarray, last: bool) -> None:
        lo = -1.0 if offset <= 0 else offset + overlap_s / 2
        hi = float("inf") if last else offset + step + overlap_s / 2
        for p in transcriber.transcribe(samples, sample_rate=sample_rate, offset_s=offset, **extra):
            if lo <= p.t_start < hi:
                out.append(p)

    sink = open(keep, "wb") if keep is not None else contextlib.nullcontext()
    with sink as kept:
        for chunk_offset, chunk in iter_audio(path, chunk_s=step, sample_rate=sample_rate):
            if kept is not None:
                kept.write(np.ascontiguousarray(chunk, np.float32).tobytes())
            if pending is not None:
                flush(*pending, last=False)
            window = np.concatenate([tail, chunk]) if tail.size else chunk
            pending = (chunk_offset - tail.size / sample_rate, window)
            tail = window[-keep_n:] if keep_n else np.zeros(0, np.float32)
    if pending is not None:
        flush(*pending, last=True)
    return out


def kept_audio(path: Path, chunk_s: float = 10.0, sample_rate: int = 16000) -> Iterator[tuple[float, np.ndarray]]:
    """`(offset_s, samples)` chunks of a track `listen(..., keep=path)` wrote, as `iter_audio` yields them."""
    n = max(1, int(round(chunk_s * sample_rate)))
    done = 0
    with open(path, "rb") as f:
        while True:
            samples = np.fromfile(f, dtype=np.float32, count=n)
            if not samples.size:
                return
            yield done / sample_rate, samples
            done += samples.size


@dataclass
class _Open:
    """A sampled frame's heavy payload, kept only until its segment closes."""

    t: float
    desc: np.ndarray
    thumb: bytes
    tiny: np.ndarray
    clip: np.ndarray | None


class SegmentWindows:
    """Segments closed while frames stream in: the same windows `ingest.segment.windows` gives for
    the whole video, decided as soon as no later frame can change them (issue 4, bounded memory).

    A window [start, end) is final once a frame at or past `end` has been seen (every cut before
    `end` is then known) and the video is known to run at least min_segment_s/2 past `end` (so the
    end-of-video sliver rule cannot move it). The rest is closed by `finish` with
    `segment.windows` itself.
    """

    def __init__(self, models: "Models", declared_s: float, cfg: IngestConfig):
        self.models, self.declared_s, self.cfg = models, declared_s or 0.0, cfg
        self.times: list[float] = []
        self.cuts: list[float] = []
        self.open: list[_Open] = []  # frames from the last closed window's end on
        self.before: _Open | None = None  # the last frame of the closed windows (a fallback keyframe)
        self.start = 0.0
        self.spans: list[tuple[float, float]] = []
        self.rows: list[SegmentRow] = []
        # Frames wait here until the visual encoder has a batch: SigLIP2 on an H100 took 3.5 s for
        # the sample clip one frame per call, 0.85 s in batches of 32 (docs/gpu.md). The lite
        # descriptor has no batch size, so it sees one frame at a time, as before.
        self.batch = max(1, int(getattr(models.visual, "batch_size", 1)))
        self.pending: list[Frame] = []
        self.seen = 0  # frames added, encoded or not

    name = "segments"  # a per-frame stage (ingest.stages): sees every sampled frame
    fps = None

    def observe(self, frame: Frame) -> None:
        self.add(frame)

    def add(self, frame: Frame) -> None:
        self.seen += 1
        self.pending.append(frame)
        if len(self.pending) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        frames, self.pending = self.pending, []
        for frame, desc in zip(frames, self.models.visual.encode_images([f.image for f in frames])):
            self._add(frame, desc)

    def _add(self, frame: Frame, desc: np.ndarray) -> None:
        from ingest.visual import scene_cuts

        prev = self.open[-1] if self.open else self.before
        if prev is not None:
            self.cuts.extend(scene_cuts([prev.t, frame.t], np.stack([prev.desc, desc])))
        full_clip = self.models.temporal is not None and self.models.temporal.name != "motion"
        self.open.append(_Open(frame.t, desc, thumbnail(frame), _tiny(frame.image),
                               _square(frame.image, 224) if full_clip else None))
        self.times.append(frame.t)
        self._close_ready(frame.t)

    def _close_ready(self, t: float) -> None:
        cfg = self.cfg
        known_s = max(self.declared_s, t + 1.0 / cfg.fps)  # the final duration is at least this
        while True:
            end = segmenting.next_end(self.start, self.cuts, cfg.segment_s, cfg.min_segment_s)
            if t < end or known_s - end < cfg.min_segment_s * 0.5:
                return
            self._emit(self.start, end)
            self.start = end

    def _emit(self, start: float, end: float) -> None:
        a, b = round(start, 3), round(end, 3)
        mine = [f for f in self.open if a <= f.t < b]
        if not mine:  # no sampled frame inside: the nearest one (as argmin over all frames would pick)
            after = next((f for f in self.open if f.t >= b), None)
            cands = [f for f in (self.before, after) if f is not None]
            mine_key = min(cands, key=lambda f: abs(f.t - a))
            frames = [mine_key]
        else:
            frames = mine
            mine_key = mine[len(mine) // 2]
        visual = np.mean([f.desc for f in frames], axis=0)
        visual = visual / (np.linalg.norm(visual) or 1.0)
        temporal = self.models.temporal
        if temporal.name == "motion":
            vec = temporal.encode_clip([f.tiny for f in frames])
        else:
            vec = temporal.encode_clip([f.clip for f in frames])
        self.spans.append((a, b))
        self.rows.append(SegmentRow(idx=len(self.rows), start_s=a, end_s=b, keyframe_s=float(mine_key.t),
                                    keyframe=mine_key.thumb, visual_vec=visual.astype(np.float32), temporal_vec=vec))
        done = [f for f in self.open if f.t < b]
        if done:
            self.before = done[-1]
        self.open = [f for f in self.open if f.t >= b]

    def finish(self, found: Any = None) -> tuple[list[tuple[float, float]], list[SegmentRow]]:
        """Close the remaining windows; `spans` and `rows` then hold every segment of the video."""
        self._flush()
        if not self.times:
            return self.spans, self.rows
        cfg = self.cfg
        last = self.times[-1] + 1.0 / cfg.fps
        duration = max(self.declared_s, last) if self.declared_s else last
        for a, b in segmenting.windows(duration, self.cuts, cfg.segment_s, cfg.min_segment_s):
            if a >= round(self.start, 3) - 1e-9:
                self._emit(a, b)
        return self.spans, self.rows


def thumbnail(frame: Frame) -> bytes:
    from ingest.visual import thumbnail_jpeg

    return thumbnail_jpeg(frame.image, THUMB_WIDTH)  # OpenCV: ~3x cheaper than PIL (docs/benchmarks.md)


def _tiny(image: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.resize(image, (64, 48), interpolation=cv2.INTER_AREA)


def _square(image: np.ndarray, side: int) -> np.ndarray:
    import cv2

    return cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)


