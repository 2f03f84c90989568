"""Decode + sample: frames at a fixed rate, streamed, so memory does not grow with video length.

Two backends, chosen by name (`IngestConfig.decode`, `[ingest] decode = "decord"` in a config file):

- `pyav` (default, a base dependency): skips the frames nothing refers to, and keeps what decoded
  of a damaged file.
- `decord` (`pip install 'gamekb[decord]'`; decord 0.6.0 has wheels for Linux and Windows x86-64,
  none for macOS or aarch64; the Linux one installs and runs on Python 3.11): the same samples,
  timestamps within a frame or two, upright pictures, the same size limit, and the head of a
  damaged file kept (a file decord cannot open at all, because it indexes every packet first, is
  handed to PyAV). It decodes every frame (no skipping), so it is not the default: 1.6 CPU-s
  (PyAV) vs 2.6 (decord) for the 161 samples of the 80 s sample clip (docs/benchmarks.md).
  tests/test_decode.py holds it against PyAV and ffmpeg where it is installed.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ingest.types import Frame
from kb.errors import GamekbError, require_package

log = logging.getLogger(__name__)

MAX_SIDE = 1280  # frames larger than this are downscaled: OCR and descriptors gain nothing past it
DECODE_THREADS = 1  # speech and OCR keep the other core busy; see _pyav
BACKENDS = ("pyav", "decord")


def sample_frames(path: Path, fps: float, backend: str = "pyav", rotation: int = 0) -> Iterator[Frame]:
    """Frames about every 1/fps seconds: the first frame at or after each multiple of 1/fps, at its
    own presentation time, upright (`rotation`: the display matrix angle `probe` read, degrees
    counter-clockwise) and at most MAX_SIDE pixels on its longer side.

    An unknown backend, or decord asked for and not installed, is an error here, before any frame.
    """
    if backend == "pyav":
        return _pyav(path, fps, rotation)
    if backend == "decord":
        return _decord(require_package("decord", extra="decord"), path, fps, rotation)
    raise GamekbError(f"unknown decode backend {backend!r}; choose one of: {', '.join(BACKENDS)}")


def _fit(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    scale = MAX_SIDE / max(h, w)
    if scale >= 1:
        return image
    import cv2

    return cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)


def _rotate(image: np.ndarray, rotation: int) -> np.ndarray:
    # The display matrix angle is counter-clockwise, and so is np.rot90: a positive angle is turned
    # that way, as ffmpeg's own autorotate and decord do (tests/test_decode.py holds both to it).
    turns = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k=turns)) if turns else image


def _pyav(path: Path, fps: float, rotation: int) -> Iterator[Frame]:
    import av

    step = 1.0 / fps
    next_t = 0.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        # Only every ~17th frame is kept at 2 fps, so frames nothing refers to (B-frames) need not be
        # decoded: NONREF halves the frames decoded on the sample clip (1514 of 2806); a sample then
        # lands on the next reference frame, at most a frame or two (< 0.1 s) later. One decoder
        # thread: the speech thread holds the other core, and frame threads cost ~1 CPU-s more per
        # 80 s clip for the same wall time (bench/ingest_speed.py, docs/benchmarks.md).
        stream.codec_context.skip_frame = "NONREF"
        stream.thread_type = "AUTO"
        stream.thread_count = DECODE_THREADS
        try:
            for frame in container.decode(stream):
                if frame.pts is None or frame.time_base is None:
                    continue
                t = float(frame.pts * frame.time_base)
                if t + 1e-6 < next_t:
                    continue
                image = _fit(_rotate(frame.to_ndarray(format="rgb24"), rotation))
                yield Frame(t=t, image=image)
                next_t = (np.floor(t / step) + 1) * step
        except av.error.FFmpegError as exc:
            # Corrupt frames midway or a truncated tail: keep what decoded, say where it stopped.
            log.warning("%s: decoding stopped at %.1f s (%s)", path.name, next_t, exc)


def prefetch(frames: Iterator[Frame], depth: int = 4) -> Iterator[Frame]:
    """Decode ahead in a thread (PyAV releases the GIL while decoding), holding at most `depth`
    frames, so decoding overlaps the per-frame stages instead of alternating with them."""
    import queue
    import threading

    box: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for frame in frames:
                if stop.is_set():
                    return
                box.put(frame)
        except BaseException as exc:  # handed to the consumer, raised there
            box.put(exc)
            return
        box.put(done)

    worker = threading.Thread(target=produce, name="gamekb-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                box.get_nowait()
            except queue.Empty:
                worker.join(0.05)


def _decord(decord, path: Path, fps: float, rotation: int) -> Iterator[Frame]:
    # decord's bundled FFmpeg logs to stderr by default ("[h264 @ 0x...] Invalid NAL unit size");
    # PyAV's is silent, and a damaged tail is reported once below, as for PyAV.
    decord.logging.set_level(decord.logging.QUIET)
    try:
        # decord 0.6 turns the picture upright itself (display matrix), so `rotation` is not applied.
        vr = decord.VideoReader(str(path), num_threads=DECODE_THREADS)
    except decord.DECORDError as exc:
        # decord reads every packet to index a file when it opens it, and refuses the whole file at a
        # damaged one ("av_read_frame failed"); PyAV decodes the head before the damage, so it
        # takes this file over rather than losing all of it.
        log.warning("%s: decord cannot open it (%s); decoding it with PyAV", path.name, _decord_reason(exc))
        yield from _pyav(path, fps, rotation)
        return
    # Presentation times from the index, nothing decoded: [start, end] seconds per frame, counted
    # from the stream's start; PyAV's count from zero, so a stream that starts late is shifted back.
    starts = vr.get_frame_timestamp(range(len(vr)))[:, 0] + _stream_start(path) if len(vr) else np.zeros(0)
    step = 1.0 / fps
    next_t = 0.0
    for i, start in enumerate(starts):
        t = float(start)
        if t + 1e-6 < next_t:
            continue
        try:
            # Indices only increase, so decord decodes forward and never seeks back to a keyframe
            # it has passed (0.54 CPU-s for the 36 samples of freedoom_excerpt.mp4, 0.96 to
            # convert all its 630 frames).
            image = vr[i].asnumpy()
        except decord.DECORDError as exc:
            # A truncated tail: the index lists frames whose data is gone. Keep what decoded.
            log.warning("%s: decoding stopped at %.1f s (%s)", path.name, next_t, _decord_reason(exc))
            return
        yield Frame(t=t, image=_fit(image))
        next_t = (np.floor(t / step) + 1) * step


def _stream_start(path: Path) -> float:
    """Where the video stream starts, seconds (0 for most files): read with PyAV, a base dependency."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0


def _decord_reason(exc: Exception) -> str:
    """decord's message without its `[hh:mm:ss] src/file.cc:NNN: ` prefixes."""
    return re.sub(r"\[\d\d:\d\d:\d\d\] \S+:\d+: ", "", str(exc)).strip()
