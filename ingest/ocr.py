"""Screen text: read HUD messages and other on-screen text, snap them to the game's lexicon.

Phases, per sampled frame (`read_frame`, cheap and stateless unless given a `RegionCache`):
1. crop each region the rule pack names (the HUD message line first), in coordinates relative to
   the frame, so any resolution works;
2. isolate the font colour (an "ink" map: e.g. red minus the other channels for Doom's red
   pixel font), skip the region when it holds too little ink or did not change since the last
   sampled frame, trim to the inked columns and upscale by an integer factor;
3. recognise the line (PP-OCR recognition only; no detector needed since the region *is* the line);
4. clean the text and snap it to the pack's lexicon by character similarity.
Then `merge` joins repeated reads of the same line over neighbouring frames into one
`TextObservation`, and `run` = `merge` over `read_frame`.

Engines implement `OcrEngine` (ingest/ocr_engines.py) and are registered by name in kb.models.registry
(stage "ocr").
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import logging
import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from ingest.ocr_engines import OcrEngine, create_engine  # noqa: F401  (re-exported: ocr.create_engine)
from ingest.rules import LexiconEntry, Region, RulePack
from ingest.types import Frame, TextObservation

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Region preprocessing
# ---------------------------------------------------------------------------------------------

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
            ys, xs = slice(y0 + 2, y1 - 1), slice(max(a0, a1) + 2, min(b0, b1) - 1)
            inside = im[ys, xs].max(axis=2)
            if inside.size and (inside <= BOX_DARK).mean() >= 0.4:
                out[ys, xs] = inside
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


# ---------------------------------------------------------------------------------------------
# Lexicon snapping
# ---------------------------------------------------------------------------------------------

# Confusions of pixel fonts seen in OCR output, folded the same way on both sides before comparing.
_FOLD = str.maketrans({"0": "O", "Q": "O", "&": "O", "@": "O", "5": "F", "$": "F", "S": "F", "6": "G", "8": "B",
                       "1": "I", "L": "I", "|": "I", "!": "I", "T": "I", "4": "A", "Δ": "A", "P": "D",
                       "M": "H", "N": "H", "U": "H", "W": "H", "V": "Y", "R": "A", "E": "F", "C": "G",
                       "K": "X", "Z": "2"})


def _key(text: str) -> str:
    """Uppercase, fold confusable glyphs, drop everything but letters and digits (spaces too:
    OCR of pixel fonts drops and invents spaces freely)."""
    return re.sub(r"[^A-Z0-9]", "", text.upper().translate(_FOLD))


def clean(text: str) -> str:
    """Printable single-spaced text; the engine's raw output minus control characters."""
    return re.sub(r"\s+", " ", "".join(c for c in text if c.isprintable())).strip()


@functools.lru_cache(maxsize=64)
def _lexicon_keys(pack_name: str, lexicon: tuple[LexiconEntry, ...]) -> list[tuple[str, LexiconEntry]]:
    return [(_key(e.text), e) for e in lexicon]


@functools.lru_cache(maxsize=4096)
def _snap_cached(key: str, pack_name: str, lexicon: tuple[LexiconEntry, ...]) -> tuple[LexiconEntry | None, float]:
    best, best_score = None, 0.0
    for k, entry in _lexicon_keys(pack_name, lexicon):
        # ratio <= 2*min/(la+lb): skip entries whose length alone rules them out
        if 2 * min(len(k), len(key)) / (len(k) + len(key)) <= best_score:
            continue
        matcher = difflib.SequenceMatcher(None, key, k, autojunk=False)
        # quick_ratio (shared letters, ignoring order) bounds ratio from above at a fraction of its
        # cost: the same best entry, ~1.5x less snapping time on noisy reads
        if matcher.quick_ratio() <= best_score:
            continue
        score = matcher.ratio()
        if score > best_score:
            best, best_score = entry, score
    return best, best_score


def snap(text: str, pack: RulePack) -> tuple[LexiconEntry | None, float]:
    """The lexicon entry `text` is a noisy read of, with its similarity, or (None, best score)."""
    key = _key(text)
    if len(key) < 4 or not pack.lexicon:
        return None, 0.0
    entry, score = _snap_cached(key, pack.name, pack.lexicon)
    return (entry, score) if score >= pack.snap_threshold else (None, score)


def similarity(a: str, b: str) -> float:
    """Character similarity 0..1 of two texts after folding OCR confusions (for unsnapped text)."""
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return 0.0
    return difflib.SequenceMatcher(None, ka, kb, autojunk=False).ratio()


# ---------------------------------------------------------------------------------------------
# The stage
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TextRead:
    """One line read off one frame (before merging across frames)."""

    t: float
    text: str  # lexicon text when snapped, else cleaned OCR text
    raw: str
    region: str  # "message", "screen", ...
    confidence: float  # 0..1: OCR confidence x snap similarity when snapped
    kind: str | None = None
    label: str | None = None


class RegionCache:
    """Remembers each region's last ink map and reads, so an unchanged region is not re-read.

    Two tests, either one a hit: the whole ink map barely changed (mean difference of a coarse
    signature), or its full-strength font pixels are the same set (XOR over union). The second
    catches the common case of an unchanged message over a moving background, whose partial ink
    changes every frame, and is only trusted when the last read snapped to a known message. On the
    sample clip, consecutive frames of one message differ in a median 0.011 of their font pixels,
    frames of different messages in 0.7 or more; the second test took OCR calls from 103 to 72.
    Optional and explicit: `read_frame` stays stateless without one. One cache per video.
    """

    FONT_LEVEL = 200  # ink at or above this is the font itself (backgrounds rarely reach it)
    INK_CELL = 24  # a signature cell at or above this mean ink holds part of a glyph
    INKED_SLACK = 2.0  # the mean over inked cells only is larger for the same change: allow for it
    MIN_FONT_PIXELS = 40  # fewer and the font test says nothing: a blank or noise-only line

    def __init__(self, tolerance: float = 6.0, font_tolerance: float = 0.12):
        self.tolerance = tolerance  # mean absolute ink difference (0..255) still counted as "same"
        self.font_tolerance = font_tolerance  # share of font pixels that may differ
        self._last: dict[str, tuple[np.ndarray, np.ndarray, list[TextRead]]] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _signature(ink: np.ndarray) -> np.ndarray:
        import cv2

        h, w = ink.shape[:2]
        return cv2.resize(ink, (max(1, w // 4), max(1, h // 2)), interpolation=cv2.INTER_AREA).astype(np.int16)

    def _same(self, ink: np.ndarray, last: tuple[np.ndarray, np.ndarray, list[TextRead]]) -> bool:
        last_sig, last_font, reads = last
        sig = self._signature(ink)
        if sig.shape != last_sig.shape:
            return False
        # compared where either holds ink: a short line appearing in (or leaving) a wide region
        # changes few of its cells, and a mean over all of them called it unchanged (Hedgewars'
        # "Let's go!" in a 1150-px caption slot, docs/ocr.md)
        inked = np.maximum(sig, last_sig) >= self.INK_CELL
        if not inked.any():
            return True
        if float(np.abs(sig - last_sig)[inked].mean()) <= self.tolerance * self.INKED_SLACK:
            return True
        if not reads or any(r.kind is None for r in reads):
            return False  # only a read that snapped to a known message is worth reusing over noise
        font = ink >= self.FONT_LEVEL
        if font.shape != last_font.shape:  # a line box 2 px wider can still give the same signature
            return False
        union = int(np.count_nonzero(font | last_font))
        return (union >= self.MIN_FONT_PIXELS
                and np.count_nonzero(font ^ last_font) <= self.font_tolerance * union)

    def lookup(self, region: str, ink: np.ndarray) -> list[TextRead] | None:
        last = self._last.get(region)
        if last is not None and self._same(ink, last):
            self.hits += 1
            return last[2]
        self.misses += 1
        return None

    def store(self, region: str, ink: np.ndarray, reads: list[TextRead]) -> None:
        self._last[region] = (self._signature(ink), ink >= self.FONT_LEVEL, reads)


MIN_CONFIDENCE = 0.55  # unsnapped reads below this are noise (sprites, blood, textures)
# A full-screen read snaps to a game message only when `pack.screen_snap_threshold` close (the
# message regions' reads snap at the pack's threshold, 0.72). On a second Freedoom demo, the status
# bar's "AMMO HEAL" snapped to "Maximum power!" at 0.727 and cut-off reads of the message line to
# the wrong message at 0.73-0.82, while full-screen reads of real messages scored 0.77-1.0, mostly
# above 0.85 (the Doom pack's value).
MIN_CHARS = 4  # unsnapped reads need this many letters/digits to be kept


def _to_read(t: float, raw: str, conf: float, region: str, pack: RulePack, min_snap: float = 0.0) -> TextRead | None:
    text = clean(raw)
    entry, score = snap(text, pack)
    if entry is not None and score >= min_snap:
        return TextRead(t, entry.text, raw, region, round(conf * score, 4), entry.kind, entry.label)
    if conf < MIN_CONFIDENCE or len(re.sub(r"[^A-Za-z0-9]", "", text)) < MIN_CHARS:
        return None
    return TextRead(t, text, raw, region, round(conf, 4))


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


def _read_region(image: np.ndarray, t: float, region: Region, engine: OcrEngine, pack: RulePack,
                 cache: RegionCache | None) -> list[TextRead]:
    if region.line_height is not None:
        box = find_band_line(image, region)
        if box is None:
            return []  # no line of the font colour: no OCR call (most frames)
        bx0, by0, bx1, by1 = box
        ink = ink_map(image[by0:by1, bx0:bx1], region.colors)
        # stretch the line's ink to full range: shaded fonts (gold) are dimmer than pure red
        hi = float(np.percentile(ink, 97))
        ink = np.clip(ink.astype(np.float32) * (255.0 / max(hi, 60.0)), 0, 255).astype(np.uint8)
    else:
        ink = ink_map(crop(image, region), region.colors)
    ink = unstretch(ink, image.shape, pack.aspect)
    cached = cache.lookup(region.name, ink) if cache is not None else None
    if cached is not None:
        return [dataclasses.replace(r, t=t) for r in cached]
    found: list[TextRead] = []
    line = line_image(ink)
    if line is not None:
        raw, conf = engine.read_line(line)
        r = _to_read(t, raw, conf, region.name, pack)
        if r is not None and (r.kind is not None or not region.snapped_only):
            found.append(r)
    if cache is not None:
        cache.store(region.name, ink, found)
    return found


def read_frame(frame: Frame, engine: OcrEngine, pack: RulePack, cache: RegionCache | None = None,
               screen: bool = False) -> list[TextRead]:
    """Text on one frame: the pack's message regions (cheap), plus all screen text when `screen`.

    Regions are relative to the game picture (`game_view`: pillarbox bars removed). A region
    whose font colour is absent costs a subsampled colour test and no OCR call.
    """
    reads: list[TextRead] = []
    view = game_view(frame.image, pack.aspect) if pack.message_regions else frame.image
    for region in pack.message_regions:
        reads += _read_region(view, frame.t, region, engine, pack, cache)
    if screen:
        line_read = any(r.kind is not None for r in reads)
        for raw, conf in engine.read(_without_status_bar(frame.image, pack)):
            r = _to_read(frame.t, raw, conf, "screen", pack, min_snap=pack.screen_snap_threshold)
            if r is None or (r.kind is not None and line_read):
                continue  # the message line was read where the game draws it; this is a worse read of it
            if not any(_key(r.text) == _key(x.text) for x in reads):
                reads.append(r)
    return reads


def _without_status_bar(image: np.ndarray, pack: RulePack) -> np.ndarray:
    """The frame with the pack's status bar blacked out when one is on screen, for the full-screen
    read: `ingest.hud` reads its numbers, and as screen text its labels and digits were 8 of ~11
    lines per frame on the sample clip, each a recognition call, and only noise ("AMMO HEAL" once
    snapped to a game message)."""
    if pack.status_bar is None:
        return image
    from ingest import hud

    view = hud.bar_view(image, pack)
    if view is None:
        return image
    out = image.copy()
    out[int(round(pack.status_bar.box[1] * view.shape[0])):] = 0  # the bar's rows, across the whole width
    return out


@dataclass
class _Run:
    key: str
    reads: list[TextRead]

    @property
    def t0(self) -> float:
        return self.reads[0].t

    @property
    def t1(self) -> float:
        return self.reads[-1].t


def _observation(run: _Run, t_start: float | None = None, source: str = "ocr", weight: float = 1.0) -> TextObservation:
    best = max(run.reads, key=lambda r: r.confidence)
    conf = float(np.mean([r.confidence for r in run.reads])) * weight
    return TextObservation(t_start=run.t0 if t_start is None else t_start, t_end=run.t1, text=best.text,
                           raw=best.raw, region=best.region, confidence=round(conf, 4), source=source,
                           kind=best.kind, label=best.label)


def merge(reads: Iterable[TextRead], pack: RulePack | None = None, max_gap_s: float | None = None) -> list[TextObservation]:
    """Join reads of the same line in neighbouring sampled frames into one observation each.

    Snapped reads join by lexicon entry, unsnapped ones by >= 0.8 character similarity. A read
    of another message ends the run (message A, B, A again = three onsets); unsnapped noise in
    between does not. `max_gap_s`: the largest gap bridged (default: 2.5 sampling intervals,
    estimated from the reads' times).

    When the pack says how long a message stays (`message_ttl_s`) and one text stays longer,
    the game must have re-triggered it (e.g. three missiles picked up in a row show one unchanged
    line): an extra observation with source "ocr+ttl" is added at the most likely re-trigger time.
    """
    reads = sorted(reads, key=lambda r: (r.region, r.t))
    if not reads:
        return []
    if max_gap_s is None:
        times = np.unique([r.t for r in reads])
        step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
        max_gap_s = max(2.5 * step, 0.6)
    step = max_gap_s / 2.5
    ttl = pack.message_ttl_s if pack is not None else None
    out: list[TextObservation] = []
    for region in sorted({r.region for r in reads}):
        rs = [r for r in reads if r.region == region]
        snapped: list[_Run] = []
        loose: list[_Run] = []
        for r in rs:
            if r.label is not None or r.kind is not None:
                cur = snapped[-1] if snapped else None
                if cur is not None and cur.key == r.text and r.t - cur.t1 <= max_gap_s:
                    cur.reads.append(r)
                else:
                    snapped.append(_Run(r.text, [r]))
            else:
                for run in reversed(loose):
                    if r.t - run.t1 <= max_gap_s and similarity(run.key, r.text) >= 0.8:
                        run.reads.append(r)
                        break
                else:
                    loose.append(_Run(r.text, [r]))
        for run in snapped:
            out.append(_observation(run))
            # A single message seen at interval `step` spans at most ~ttl - step between its first
            # and last sampled frame (ttl when its onset falls exactly on a sample); longer means
            # it was re-triggered.
            if ttl and region == "message" and run.t1 - run.t0 > ttl - step / 2:
                out += _retriggers(run, ttl)
        # unsnapped text seen in one frame only is usually a misread: keep it only when confident
        out += [_observation(run) for run in loose if len(run.reads) > 1 or run.reads[0].confidence >= 0.8]
    return sorted(out, key=lambda o: (o.t_start, o.region))


def _retriggers(run: _Run, ttl: float) -> list[TextObservation]:
    """Re-trigger onsets of a line seen for longer than one message lifetime.

    Each re-trigger fell within ttl of the previous onset, and the last one was late enough for
    the line to still show at b; with no more to go on, the estimate is the middle of that window.
    """
    a, b = run.t0, run.t1
    n = max(1, math.ceil((b - a) / ttl) - 1)
    last = (max(a, b - ttl) + min(a + ttl, b)) / 2
    times = [a + (last - a) * (k + 1) / n for k in range(n)]
    return [_observation(run, t_start=round(t, 3), source="ocr+ttl", weight=0.5) for t in times if a < t <= b]
