"""Records that flow between ingest stages.

Every stage takes and returns these plain dataclasses, so a stage can be run, tested and replaced on
its own. Times are seconds from the start of the video.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One sampled video frame."""

    t: float  # presentation time, seconds
    image: np.ndarray  # H x W x 3, uint8, RGB


@dataclass(frozen=True)
class TextObservation:
    """Text read off the screen, merged across the consecutive frames that showed it."""

    t_start: float  # first sampled frame that showed it, seconds
    t_end: float  # last sampled frame that showed it, seconds
    text: str  # cleaned text; the canonical lexicon line when it was snapped to one
    raw: str  # what the OCR engine read, before cleaning and snapping
    region: str  # where on screen: "message" (HUD message line), "screen" (anywhere else), ...
    confidence: float  # 0..1
    source: str = "ocr"
    kind: str | None = None  # lexicon kind when snapped ("pickup", "secret", "locked", ...)
    label: str | None = None  # lexicon label when snapped ("missile launcher", ...)


@dataclass(frozen=True)
class TextRead:
    """One line read off one frame, before `ingest.text_merge.merge` joins the frames that showed it."""

    t: float
    text: str  # lexicon text when snapped, else cleaned OCR text
    raw: str
    region: str  # "message", "screen", ...
    confidence: float  # 0..1: OCR confidence x snap similarity when snapped
    kind: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class SpeechObservation:
    """One spoken phrase, placed in time by word timestamps."""

    t_start: float
    t_end: float
    text: str
    confidence: float  # 0..1, mean word probability
    source: str = "speech"
    uncertain: bool = False  # heard with low word probabilities: kept, shown with a "(?)" mark
    unsure_words: tuple[str, ...] = ()  # the words of an uncertain phrase heard least clearly


@dataclass(frozen=True)
class GameState:
    """HUD values read from one frame, e.g. {"health": 58, "armor": 0, "ammo": 104}."""

    t: float
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class EventRecord:
    """A typed thing that happened, before it is written to the SQL event table."""

    t_start: float
    t_end: float
    kind: str  # pickup, damage, death, secret, locked, speech, text, scene, ...
    label: str  # short human label: "missile launcher", "health 58 -> 16"
    source: str  # ocr, speech, hud, visual, entity
    confidence: float = 1.0
    value: float | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()  # other names players use for it ("rocket launcher")
