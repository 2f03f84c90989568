"""Decode + sample: frames at a fixed rate, streamed, so memory does not grow with video length.

PyAV is the default (measured: 0.73 s vs decord's 1.10 s for 0.5 fps from 60 s of 720p, and it
degrades better on truncated files); decord is used when asked for and installed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import numpy as np

from ingest.types import Frame
from kb.errors import require_package

log = logging.getLogger(__name__)

MAX_SIDE = 1280  # frames larger than this are downscaled: OCR and descriptors gain nothing past it
DECODE_THREADS = 1  # speech and OCR keep the other core busy; see _pyav


def sample_frames(path: Path, fps: float, backend: str = "pyav", rotation: int = 0) -> Iterator[Frame]:
    if backend == "decord":
        yield from _decord(path, fps)
        return
    yield from _pyav(path, fps, rotation)


def _fit(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    scale = MAX_SIDE / max(h, w)
    if scale >= 1:
        return image
    import cv2

    return cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)


def _rotate(image: np.ndarray, rotation: int) -> np.ndarray:
    turns = (-rotation // 90) % 4  # display matrix angle is counter-clockwise
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


def _decord(path: Path, fps: float) -> Iterator[Frame]:
    decord = require_package("decord", extra="decord")
    vr = decord.VideoReader(str(path), num_threads=1)
    native = vr.get_avg_fps() or fps
    n = len(vr)
    step = max(1, int(round(native / fps)))
    for i in range(0, n, step):
        yield Frame(t=i / native, image=_fit(vr[i].asnumpy()))
