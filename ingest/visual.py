"""Lite visual features: a colour-layout descriptor per frame and frame-difference motion per segment.

No PyPI package ships CLIP/SigLIP weights, so the lite profile uses classical descriptors: good
enough for "scenes like this one" and for finding scene cuts, not for text-to-picture search
(the full profile's SigLIP2 does that).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from kb.models.registry import register

GRID = (8, 6)  # colour layout cells (w, h): coarse enough to ignore HUD digits, fine enough for rooms
HIST_BINS = (16, 4)  # hue x saturation histogram bins


def _small(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


@register("visual", "colour-layout", description="colour layout + hue/saturation histogram (256-d), no model")
class ColourLayout:
    name = "colour-layout"
    model_id = "colour-layout-v1"
    dim = GRID[0] * GRID[1] * 3 + HIST_BINS[0] * HIST_BINS[1] * 2  # 144 + 128 = 272

    def __init__(self, **_options):
        pass

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        out = np.zeros((len(images), self.dim), dtype=np.float32)
        for i, image in enumerate(images):
            out[i] = self._one(image)
        return out

    def _one(self, image: np.ndarray) -> np.ndarray:
        import cv2

        small = _small(image, (64, 48))
        ycc = cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb).astype(np.float32) / 255.0
        layout = _small(ycc, GRID).reshape(-1)
        hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
        hist = cv2.calcHist([hsv], [0, 1], None, list(HIST_BINS), [0, 180, 0, 256]).reshape(-1)
        hist = hist / max(hist.sum(), 1.0)
        # the histogram is weighted twice: a room's palette matters more than where the walls sit
        vec = np.concatenate([layout - layout.mean(), np.sqrt(hist), np.sqrt(hist)])
        norm = np.linalg.norm(vec)
        return vec / norm if norm > 0 else vec


@register("temporal", "motion", description="frame-difference motion energy on a 4x4 grid (32-d), no model")
class Motion:
    name = "motion"
    model_id = "motion-grid-v1"
    dim = 32

    def __init__(self, **_options):
        pass

    def encode_clip(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        import cv2

        grays = [cv2.cvtColor(_small(f, (64, 48)), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0 for f in frames]
        if len(grays) < 2:
            return np.zeros(self.dim, dtype=np.float32)
        diffs = np.stack([_small(np.abs(b - a), (4, 4)).reshape(-1) for a, b in zip(grays, grays[1:])])
        return np.concatenate([diffs.mean(axis=0), diffs.max(axis=0)]).astype(np.float32)


def thumbnail_jpeg(image: np.ndarray, width: int = 320, quality: int = 75) -> bytes:
    """A keyframe JPEG `width` pixels wide, RGB in. OpenCV's area resize + libjpeg: ~1 ms a
    640x480 frame where PIL's default (bicubic) resize took ~4 ms (bench/ingest_speed.py)."""
    import cv2

    h, w = image.shape[:2]
    if w > width:
        image = cv2.resize(image, (width, max(1, int(h * width / w))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(image[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def scene_cuts(times: Sequence[float], descriptors: np.ndarray, threshold: float = 0.35) -> list[float]:
    """Times where consecutive colour-layout descriptors jump (cosine distance above threshold)."""
    if len(times) < 2:
        return []
    sims = np.sum(descriptors[1:] * descriptors[:-1], axis=1)
    return [float(times[int(i) + 1]) for i in np.nonzero(1.0 - sims > threshold)[0]]
