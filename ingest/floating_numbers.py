"""Small numbers the text detector misses: a damage number floating over a unit.

PP-OCR's detector does not fire on one or two isolated digits over busy terrain, even at full
resolution, while its recogniser reads a crop of them perfectly. `number_boxes` finds glyph-sized
marks that stand out from their surroundings (any colour: a stroke far from the local mean in some
channel), that were not there in the previous sampled frame (a popup is new; a sprite or a mountain
edge that looks like a "1" stays), and groups side-by-side marks of one height and one colour into
a line. `TextTracker` reads these boxes with the digits-only charset and keeps only sure reads.

A number drawn in a box (a fuse countdown, a damage popup in a frame, a level badge) is another
miss: read with its box, the border is taken for strokes (a "3" in a white frame reads "日" or "0"),
and at half resolution box and digit are one blob. `boxed_marks` finds such boxes at full
resolution: a flat region (no grey step) closed on every side, about rectangular, with a
glyph-sized mark in it; `cut_out` cuts the mark out with a margin of the box's own colour, and read
alone the digit is read surely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALE = 2  # the search runs at 1/SCALE of the frame: a 1280x720 frame costs a few ms
CONTRAST = 60  # 0..255: a stroke differs from the mean of its surroundings by this much in some channel
NEW = 40  # 0..255: a pixel that changed this much since the previous sampled frame is new
MIN_H, MAX_H = 8, 40  # glyph height in frame pixels (a damage number at 720p is ~10-20 px)
SAME_COLOUR = 60.0  # RGB distance under which two glyphs' mean colours are one number's
MOVING = 0.1  # share of the frame changed since the previous one above which the view itself moved
STEP = 60  # 0..255: grey step (3x3 max - min) where a box's flat inside ends: its border, a stroke
INSIDE_MIN_H, INSIDE_MAX_H = 8, 40  # a box's flat inside, frame pixels (a fuse digit's box at 720p: ~12)
SQUARE = 0.85  # share of a box inside's rows (columns) that its flat region spans from side to side


def _new(small: np.ndarray, prev: np.ndarray | None) -> np.ndarray | None:
    """The pixels of `small` that changed since `prev` (None without one: all are new)."""
    import cv2

    if prev is None:
        return None
    moved = cv2.absdiff(small, prev)
    return cv2.max(cv2.max(moved[:, :, 0], moved[:, :, 1]), moved[:, :, 2]) > NEW


def _share(new: np.ndarray | None) -> float:
    return 1.0 if new is None else float(np.count_nonzero(new)) / new.size


def view_moved(small: np.ndarray, prev: np.ndarray | None) -> bool:
    """Did the whole view move since `prev` (a scroll, a first-person turn), not just things in it?"""
    return prev is not None and _share(_new(small, prev)) > MOVING


def _glyphs(small: np.ndarray, new: np.ndarray | None) -> list[tuple[int, int, int, int, np.ndarray]]:
    """Marks of one glyph's size and shape at the search scale: (x, y, w, h, mean colour)."""
    import cv2

    k = 2 * (MAX_H // SCALE) + 1  # wider than a glyph: the mean is the background's
    diff = cv2.absdiff(small, cv2.blur(small, (k, k)))
    strong = cv2.max(cv2.max(diff[:, :, 0], diff[:, :, 1]), diff[:, :, 2]) > CONTRAST
    if new is not None:
        strong &= new
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
    return out


def number_boxes(image: np.ndarray, prev: np.ndarray | None, taken: list[tuple[int, int, int, int]],
                 limit: int, small: np.ndarray | None = None) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, frame pixels) that may hold a small number, at most `limit`, none
    overlapping a box in `taken` (the detector's lines). `prev` is `shrink` of the previous frame;
    `small`, of this one (when the caller has it already)."""
    small = shrink(image) if small is None else small
    if prev is not None and prev.shape != small.shape:
        prev = None
    lines: list[list] = []  # x0, y0, x1, y1, height, colour, glyphs (search scale)
    new = _new(small, prev)
    glyphs = _glyphs(small, new)
    if _share(new) > MOVING:
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
        if not any(shared_area(box, t) > 0 for t in taken):
            out.append((box, h))
    # the largest first: a popup is drawn bigger than the clutter that passes for a glyph
    return [b for b, _ in sorted(out, key=lambda bh: -bh[1])[:limit]]


@dataclass(frozen=True)
class Boxed:
    """A glyph-sized mark inside a box (frame pixels)."""

    mark: tuple[int, int, int, int]  # the mark, a pixel of the inside round its strokes
    inside: tuple[int, int, int, int]  # the box's flat inside, within its border
    colour: tuple[float, ...]  # the inside's colour


def boxed_marks(image: np.ndarray, grey: np.ndarray) -> list[Boxed]:
    """Marks in boxes anywhere in the frame, the narrowest first (a number is a glyph or a few; a
    name, a row of them). `grey` is `image` in grey."""
    import cv2

    step = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    # 8-connected: the flat ring between a border and a digit is a pixel or two wide, and meets
    # itself only at a corner where the digit comes close
    _, labels, stats, _ = cv2.connectedComponentsWithStats((step <= STEP).astype(np.uint8), connectivity=8)
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]  # label 0: the steps themselves
    # one to four glyphs' inside; its flat region rings a mark, so it fills the box only in part
    ok = 1 + np.flatnonzero((h >= INSIDE_MIN_H) & (h <= INSIDE_MAX_H) & (w >= 0.6 * h) & (w <= 4 * h) & (area < 0.9 * w * h))
    ih, iw = grey.shape
    found = []
    for i in ok.tolist():
        bx, by, bw, bh = (int(v) for v in stats[i, :4])
        if bx == 0 or by == 0 or bx + bw == iw or by + bh == ih:
            continue  # cut off by the frame's edge: not closed, and half a number
        flat = labels[by:by + bh, bx:bx + bw] == i
        # a box's inside: its flat region reaches both sides on (nearly) every row and column
        # (rounded corners and a border pixel lost to compression miss a few)
        if np.mean(flat[:, :2].any(1) & flat[:, -2:].any(1)) < SQUARE or np.mean(flat[:2].any(0) & flat[-2:].any(0)) < SQUARE:
            continue
        mark = _enclosed(~flat)
        if mark is None or mark[3] - mark[1] < 0.4 * bh:
            continue
        colour = tuple(float(c) for c in np.median(image[by:by + bh, bx:bx + bw][flat], axis=0).reshape(-1))
        found.append(Boxed((mark[0] + bx, mark[1] + by, mark[2] + bx, mark[3] + by), (bx, by, bx + bw, by + bh), colour))
    return sorted(found, key=lambda b: (b.mark[2] - b.mark[0]) / (b.mark[3] - b.mark[1]))


def changed(box: tuple[int, int, int, int], small: np.ndarray, prev: np.ndarray | None) -> bool:
    """Did something in `box` (frame pixels) change since `prev`? (`small` and `prev`: this frame
    and the previous one, `shrink`-ed; without `prev`, everything is new.)"""
    new = _new(small[box[1] // SCALE:box[3] // SCALE + 1, box[0] // SCALE:box[2] // SCALE + 1],
               None if prev is None else prev[box[1] // SCALE:box[3] // SCALE + 1, box[0] // SCALE:box[2] // SCALE + 1])
    return new is None or float(new.mean()) >= 0.1


def shared_area(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    """Area (px) two boxes share."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def holds(line: tuple[int, int, int, int], box: tuple[int, int, int, int], share: float = 0.8) -> bool:
    """Is `box` (`share` of it) inside this detected line? Then the line's read is the box's."""
    return shared_area(line, box) >= share * (box[2] - box[0]) * (box[3] - box[1])


def _enclosed(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """The box (x0, y0, x1, y1) around the parts of `mask` that do not touch its edge."""
    import cv2

    # 4-connected: the flat region around is 8-connected, and a corner of the border touching a
    # stroke only diagonally does not hold the mark to the edge
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=4)
    h, w = mask.shape
    x0, y0, x1, y1 = w, h, 0, 0
    for bx, by, bw, bh, _ in stats[1:].tolist():
        if bx > 0 and by > 0 and bx + bw < w and by + bh < h:
            x0, y0, x1, y1 = min(x0, bx), min(y0, by), max(x1, bx + bw), max(y1, by + bh)
    return (x0, y0, x1, y1) if x1 > x0 else None


def cut_out(image: np.ndarray, boxed: Boxed) -> np.ndarray:
    """A mark found in a box, with a margin of the box's colour (what the recogniser was trained on:
    a glyph with some background round it; the box's border there would be taken for strokes).
    The mark's box already holds a pixel of background each side (the step around the strokes)."""
    import cv2

    x0, y0, x1, y1 = boxed.mark
    pad = max(1, (y1 - y0) // 10)
    return cv2.copyMakeBorder(image[y0:y1, x0:x1], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=list(boxed.colour))


def shrink(image: np.ndarray) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    return cv2.resize(image, (w // SCALE, h // SCALE), interpolation=cv2.INTER_AREA)
