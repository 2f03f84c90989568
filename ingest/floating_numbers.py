"""Small numbers the text detector misses: a damage number floating over a unit.

PP-OCR's detector does not fire on one or two isolated digits over busy terrain, even at full
resolution, while its recogniser reads a crop of them perfectly. `number_boxes` finds glyph-sized
marks that stand out from their surroundings (any colour: a stroke far from the local mean in some
channel), that were not there in the previous sampled frame (a popup is new; a sprite or a mountain
edge that looks like a "1" stays), and groups side-by-side marks of one height and one colour into
a line. `TextTracker` reads these boxes with the digits-only charset and keeps only sure reads.
"""

from __future__ import annotations

import numpy as np

SCALE = 2  # the search runs at 1/SCALE of the frame: a 1280x720 frame costs a few ms
CONTRAST = 60  # 0..255: a stroke differs from the mean of its surroundings by this much in some channel
NEW = 40  # 0..255: a pixel that changed this much since the previous sampled frame is new
MIN_H, MAX_H = 8, 40  # glyph height in frame pixels (a damage number at 720p is ~10-20 px)
SAME_COLOUR = 60.0  # RGB distance under which two glyphs' mean colours are one number's
MOVING = 0.1  # share of the frame changed since the previous one above which the view itself moved


def _glyphs(small: np.ndarray, prev: np.ndarray | None) -> tuple[list[tuple[int, int, int, int, np.ndarray]], float]:
    """Marks of one glyph's size and shape at the search scale: (x, y, w, h, mean colour); and the
    share of the frame that changed since `prev` (1.0 without one)."""
    import cv2

    k = 2 * (MAX_H // SCALE) + 1  # wider than a glyph: the mean is the background's
    diff = cv2.absdiff(small, cv2.blur(small, (k, k)))
    strong = cv2.max(cv2.max(diff[:, :, 0], diff[:, :, 1]), diff[:, :, 2]) > CONTRAST
    changed = 1.0
    if prev is not None:
        moved = cv2.absdiff(small, prev)
        new = cv2.max(cv2.max(moved[:, :, 0], moved[:, :, 1]), moved[:, :, 2]) > NEW
        strong &= new
        changed = float(np.count_nonzero(new)) / new.size
    n, labels, stats, _ = cv2.connectedComponentsWithStats(strong.astype(np.uint8), connectivity=8)
    x, y, w, h, area = stats[1:].T
    lo, hi = MIN_H / SCALE, MAX_H / SCALE
    fill = area / np.maximum(1, w * h)
    # thin strokes: a digit's box is a sixth to three quarters ink; a "1" is narrow, and digits
    # drawn close touch at this scale ("22" is one mark): up to about three of them
    ok = np.flatnonzero((h >= lo) & (h <= hi) & (w <= 4 * h) & (fill > 0.15) & (fill < 0.75))
    out = []
    for i in ok.tolist():
        bx, by, bw, bh = (int(v) for v in stats[i + 1, :4])
        inside = labels[by:by + bh, bx:bx + bw] == i + 1
        out.append((bx, by, bw, bh, small[by:by + bh, bx:bx + bw][inside].mean(axis=0)))
    return out, changed


def number_boxes(image: np.ndarray, prev: np.ndarray | None, taken: list[tuple[int, int, int, int]],
                 limit: int, small: np.ndarray | None = None) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, frame pixels) that may hold a small number, at most `limit`, none
    overlapping a box in `taken` (the detector's lines). `prev` is `shrink` of the previous frame;
    `small`, of this one (when the caller has it already)."""
    small = shrink(image) if small is None else small
    if prev is not None and prev.shape != small.shape:
        prev = None
    lines: list[list] = []  # x0, y0, x1, y1, height, colour, glyphs (search scale)
    glyphs, changed = _glyphs(small, prev)
    if changed > MOVING:
        # the whole view moved (a first-person camera, a scroll): being new says little, and every
        # frame would spend all its reads on clutter (on OpenArena and Red Eclipse 8 frames in 10
        # change this much, on Wesnoth 3 in 10: 180-230 fewer reads there, the same lines found)
        limit = min(limit, 1)
    for x, y, w, h, colour in sorted(glyphs, key=lambda g: g[0]):
        for ln in lines:
            overlap = min(ln[3], y + h) - max(ln[1], y)
            if overlap >= 0.6 * min(ln[4], h) and max(ln[4], h) <= 1.4 * min(ln[4], h) and \
                    -1 <= x - ln[2] <= 0.6 * ln[4] and float(np.linalg.norm(ln[5] - colour)) < SAME_COLOUR:
                ln[:] = [ln[0], min(ln[1], y), x + w, max(ln[3], y + h), max(ln[4], h), ln[5], ln[6] + 1]
                break
        else:
            lines.append([x, y, x + w, y + h, h, colour, 1])
    ih, iw = image.shape[:2]
    out = []
    for x0, y0, x1, y1, h, _, n in lines:
        if n > 5:
            continue  # longer than a popup's number
        pad = max(2, int(0.3 * h * SCALE))
        box = (max(0, x0 * SCALE - pad), max(0, y0 * SCALE - pad), min(iw, x1 * SCALE + pad), min(ih, y1 * SCALE + pad))
        if not any(_overlaps(box, t) for t in taken):
            out.append((box, h))
    # the largest first: a popup is drawn bigger than the clutter that passes for a glyph
    return [b for b, _ in sorted(out, key=lambda bh: -bh[1])[:limit]]


def shrink(image: np.ndarray) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    return cv2.resize(image, (w // SCALE, h // SCALE), interpolation=cv2.INTER_AREA)


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
