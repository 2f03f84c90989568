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
        stream.thread_type = "AUTO"  # frame threads: ~15% faster on 2 cores
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
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


def _decord(path: Path, fps: float) -> Iterator[Frame]:
    decord = require_package("decord", extra="decord")
    vr = decord.VideoReader(str(path), num_threads=1)
    native = vr.get_avg_fps() or fps
    n = len(vr)
    step = max(1, int(round(native / fps)))
    for i in range(0, n, step):
        yield Frame(t=i / native, image=_fit(vr[i].asnumpy()))
