"""Screen text: read HUD messages and other on-screen text, snap them to the game's lexicon.

Phases, per sampled frame (`read_frame`, cheap and stateless unless given a `RegionCache`):
1. crop each region the rule pack names (the HUD message line first), in coordinates relative to
   the game's picture, so any resolution works (`ingest.ink`);
2. isolate the font colour (an "ink" map: e.g. red minus the other channels for Doom's red
   pixel font), skip the region when it holds too little ink or did not change since the last
   sampled frame, trim to the inked columns and upscale by an integer factor (`ingest.ink`);
3. recognise the line (PP-OCR recognition only; no detector needed since the region *is* the line);
4. clean the text and snap it to the pack's lexicon by character similarity (`ingest.snapping`).
Then `merge` (`ingest.text_merge`) joins repeated reads of the same line over neighbouring frames
into one `TextObservation`; `ingest.stages.MessageStage` drives the two during ingest.

Engines implement `OcrEngine` (ingest/ocr_engines.py) and are registered by name in kb.models.registry
(stage "ocr").
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from ingest.ink import crop, find_band_line, game_view, ink_map, line_image, unstretch
from ingest.ocr_engines import OcrEngine, create_engine  # noqa: F401  (re-exported: ocr.create_engine)
from ingest.rules import Region, RulePack
from ingest.snapping import clean, lexicon_key, snap
from ingest.text_merge import merge  # noqa: F401  (re-exported: the stage reads frames, then merges)
from ingest.types import Frame, TextRead


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
        return bool(union >= self.MIN_FONT_PIXELS
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
            if not any(lexicon_key(r.text) == lexicon_key(x.text) for x in reads):
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


