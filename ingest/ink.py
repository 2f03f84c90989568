"""Ink geometry: where the text of a font colour is in a picture, cut out as one line to recognise.

A font colour becomes an "ink" map (`COLOR_MASKS`: how much each pixel looks like that font, e.g.
red minus the other channels for Doom's red pixel font); regions are fractions of the game's
picture (`game_view` takes off pillarbox bars, `crop` cuts a region), a centred line is found in a
tall band (`find_band_line`), a stretched capture is resized back to the game's aspect
(`unstretch`), and `line_image` trims the ink to its columns and upscales it for the recogniser.
No OCR here: `ingest.ocr` reads what this cuts out, and `ingest.hud` reads numbers the same way.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ingest.rules import Region


def _i(img: np.ndarray, c: int) -> np.ndarray:
    return img[:, :, c].astype(np.int16)


# Each maps an RGB crop to an "ink" map (int16, ~0..255): how much a pixel looks like that font.
COLOR_MASKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    # red minus the mean of green and blue; Doom's STCFN font is pure palette reds (x1.5 stretches
    # its darker shading up to the bright end)
    "red": lambda im: (_i(im, 0) - (_i(im, 1) + _i(im, 2)) // 2) * 3 // 2,
    # yellow/orange: dsda-doom's CR_GOLD text (bright yellow to orange-brown shading); the offset
    # keeps dull tan/brown wall textures under the ink level
    "gold": lambda im: (np.minimum(_i(im, 0), _i(im, 1)) - _i(im, 2)) * 2 - 40,
    "green": lambda im: (_i(im, 1) - (_i(im, 0) + _i(im, 2)) // 2) * 3 // 2,
    "white": lambda im: np.minimum(np.minimum(_i(im, 0), _i(im, 1)), _i(im, 2)),
    # text of any colour inside a black box with a thin light frame (Hedgewars' captions and HUD
    # counters, whose text is white or the team's red, blue or green): see `framed_ink`
    "framed": lambda im: framed_ink(im),
    "framed_centred": lambda im: framed_ink(im, centred=True),
}
FRAME_LEVEL = 150  # a frame pixel: all channels at least this bright
FRAME_MIN_WIDTH = 14  # px: a frame's border row is at least this long (a one-digit counter's box)
BOX_DARK = 48  # a box's inside: no channel above this, except where the text is


def framed_ink(im: np.ndarray, centred: bool = False) -> np.ndarray:
    """Ink (brightest channel) inside the framed box that crosses the crop's middle column, 0
    elsewhere; all 0 when there is none. The box is found by its top and bottom border rows: light
    runs through the middle column with the same ends, at least 0.6 crop heights apart, enclosing a
    mostly black inside. `centred`: the box is also centred on the crop (a caption centred on the
    screen, not a name tag that happens to cross the middle). The crop is one box tall: a tag's
    frame is too low to pass for one, and a box above or below must lie outside the crop."""
    h, w = im.shape[:2]
    out = np.zeros((h, w), np.int16)
    if h < 8 or w < FRAME_MIN_WIDTH:
        return out
    light = im.min(axis=2) >= FRAME_LEVEL
    c = w // 2
    borders = []
    for y in np.flatnonzero(light[:, max(0, c - 2):c + 3].any(axis=1)):
        xs = np.flatnonzero(light[y])
        runs = np.split(xs, np.flatnonzero(np.diff(xs) > 3) + 1)  # a gap of <= 2 px is compression
        run = next((r for r in runs if r[0] <= c + 2 and r[-1] >= c - 2), None)
        if run is None or run[-1] - run[0] + 1 < FRAME_MIN_WIDTH:
            continue
        if centred and abs(int(run[0]) + int(run[-1]) - 2 * c) > 6:
            continue
        borders.append((int(y), int(run[0]), int(run[-1])))
    for i, (y0, a0, b0) in enumerate(borders):
        for y1, a1, b1 in reversed(borders[i + 1:]):
            if y1 - y0 < 0.6 * h or abs(a0 - a1) > 2 or abs(b0 - b1) > 2:
                continue
            rows, cols = slice(y0 + 2, y1 - 1), slice(max(a0, a1) + 2, min(b0, b1) - 1)
            inside = im[rows, cols].max(axis=2)
            if inside.size and (inside <= BOX_DARK).mean() >= 0.4:
                out[rows, cols] = inside
                return out
    return out


INK_LEVEL = 60  # ink value above which a pixel counts as text
MIN_INK_PIXELS_PER_ROW = 0.5  # a region needs ~half its height in ink pixels to be worth reading


def crop(image: np.ndarray, region: Region) -> np.ndarray:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = region.box
    return image[int(round(y0 * h)):max(int(round(y1 * h)), int(round(y0 * h)) + 1),
                 int(round(x0 * w)):max(int(round(x1 * w)), int(round(x0 * w)) + 1)]


def ink_map(rgb: np.ndarray, colors: tuple[str, ...]) -> np.ndarray:
    """uint8 map of font-coloured pixels; the max over the region's font colours."""
    if rgb.ndim == 2:
        return rgb
    maps = [COLOR_MASKS[c](rgb) for c in colors] if colors else [COLOR_MASKS["white"](rgb)]
    return np.clip(np.max(maps, axis=0), 0, 255).astype(np.uint8)


def unstretch(ink: np.ndarray, frame_shape: tuple[int, ...], aspect: float | None = 4 / 3) -> np.ndarray:
    """A crop of a picture stretched to another aspect (4:3 game in a 16:9 frame) resized back to
    the game's `aspect`, so the pixel font has the glyph shapes the recogniser reads best. None:
    the game fills the frame at its own aspect (Hedgewars at 16:9), nothing to undo."""
    if aspect is None:
        return ink
    h, w = frame_shape[:2]
    sx = h * aspect / w
    if abs(sx - 1.0) < 0.05 or ink.shape[1] < 2:
        return ink
    import cv2

    return cv2.resize(ink, (max(1, int(round(ink.shape[1] * sx))), ink.shape[0]), interpolation=cv2.INTER_AREA)


def line_image(ink: np.ndarray, min_height: int = 32) -> np.ndarray | None:
    """Trim an ink map to its inked columns, pad it and upscale it by an integer factor.

    Returns None when there is too little ink for a line of text. Integer nearest-neighbour
    upscaling keeps pixel-font strokes square for low-resolution captures (320x200 -> 10 px rows).
    """
    mask = ink >= INK_LEVEL
    cols = np.flatnonzero(mask.sum(0) >= 2)
    if mask.sum() < max(12, MIN_INK_PIXELS_PER_ROW * ink.shape[0] * 4) or len(cols) < 3:
        return None
    h = ink.shape[0]
    x0, x1 = max(0, cols[0] - h // 4), min(ink.shape[1], cols[-1] + 1 + h // 4)
    line = ink[:, x0:x1]
    k = max(1, min_height // h)
    if k > 1:
        line = np.repeat(np.repeat(line, k, axis=0), k, axis=1)
    pad = max(4, line.shape[0] // 3)
    return np.pad(line, ((pad, pad), (pad, pad)))


def game_view(image: np.ndarray, aspect: float | None = 4 / 3) -> np.ndarray:
    """The 4:3 picture inside a pillarboxed widescreen frame (e.g. 640x480 padded to 1280x720).

    Regions are fractions of the game's picture, not of the video frame: a 4:3 game recorded
    into a 16:9 canvas has black side bars that would shift and stretch every region. When the
    frame is wider than 4:3 and both side strips outside the central 4:3 area are black, the
    central area is returned (a view, no copy); otherwise the frame itself (a stretched picture
    fills the frame, and relative regions still fit it).
    """
    h, w = image.shape[:2]
    if aspect is None or w <= h * aspect * 1.05:
        return image
    inner = int(round(h * aspect))
    x0 = (w - inner) // 2
    if x0 < 4:
        return image
    step = max(1, h // 60)
    left = image[::step, : max(1, x0 - 2)]
    right = image[::step, x0 + inner + 2:]
    if right.size == 0 or left.max() > 24 or right.max() > 24:
        return image
    return image[:, x0:x0 + inner]


# A centred text line inside a tall band (`Region.line_height`): how it is found.
BAND_STEP_ROWS = 240  # the band is scanned at about this many rows per frame height (2x less at 480p)
LINE_ISOLATION = 0.35  # ink just above/below the line must be under this share of the line's ink
LINE_CENTER_TOL = 0.04  # |line centre - screen centre| as a share of the frame width
LINE_MIN_WIDTH = 0.06  # a message line is at least this wide (share of the frame width)


def find_band_line(image: np.ndarray, region: Region) -> tuple[int, int, int, int] | None:
    """Box (x0, y0, x1, y1), in frame pixels, of the one text line in the band `region`, or None.

    Cheap: the font-colour map is built on a subsampled band first; a line is a horizontal strip
    one font height tall whose ink is isolated above and below (text floats over the view, a wall
    texture does not stop at a line) and, for `centered` regions, centred on the screen.
    """
    h, w = image.shape[:2]
    x0, y0, x1, y1 = region.box
    bx0, by0 = int(round(x0 * w)), int(round(y0 * h))
    bx1, by1 = int(round(x1 * w)), int(round(y1 * h))
    step = max(1, h // BAND_STEP_ROWS)
    small = image[by0:by1:step, bx0:bx1:step]
    if small.size == 0:
        return None
    mask = ink_map(small, region.colors) >= INK_LEVEL
    rows = mask.sum(1).astype(np.int64)
    lh = max(2, int(round((region.line_height or 0.05) * h / step)))
    if rows.sum() < 2 * lh or len(rows) < lh + 2:
        return None
    win = np.convolve(rows, np.ones(lh, dtype=np.int64), mode="valid")  # ink per line-tall window
    margin = max(1, lh // 2)
    for _ in range(3):  # the best few windows; a texture strip may outscore the text
        i = int(win.argmax())
        score = int(win[i])
        if score < 3 * lh:
            return None
        win[max(0, i - lh):i + lh] = -1
        above = int(rows[max(0, i - margin):i].sum())
        below = int(rows[i + lh:i + lh + margin].sum())
        if max(above, below) > LINE_ISOLATION * score * margin / lh:
            continue
        cols = np.flatnonzero(mask[i:i + lh].sum(0) > 0)
        if len(cols) < 3:
            continue
        # the run of columns holding the line: split at gaps wider than ~2 font heights
        gaps = np.flatnonzero(np.diff(cols) > 2 * lh)
        runs = np.split(cols, gaps + 1)
        run = max(runs, key=len)
        c0, c1 = int(run[0]), int(run[-1]) + 1
        if (c1 - c0) * step < LINE_MIN_WIDTH * w:
            continue
        if region.centered and abs(bx0 + (c0 + c1) * step / 2 - w / 2) > LINE_CENTER_TOL * w:
            continue
        pad_x, pad_y = lh * step // 2 + step, lh * step // 4 + step
        return (max(0, bx0 + c0 * step - pad_x), max(0, by0 + i * step - pad_y),
                min(w, bx0 + c1 * step + pad_x), min(h, by0 + (i + lh) * step + pad_y))
    return None
