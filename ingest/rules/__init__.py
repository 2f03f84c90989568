"""Game packs: everything that is one game's knowledge, behind one contract (`RulePack`).

A pack tells the OCR and HUD stages where to look (regions in coordinates relative to the game
picture, so any resolution works), which colours its fonts use, the game's message lexicon that
noisy OCR reads are snapped to, its HUD values (where, what range, what they mean), the thresholds
that turn values into events, entity prompts, and the game's own event kinds. Nothing else in
gamekb knows a game: the stages read only the pack they are handed.

`"generic"` is the pack of every game without one: no lexicon and no layout, so the whole screen is
read as text tracks (ingest/screen_text.py) and events are typed from the text itself.

Packs are looked up by name (`get_pack("doom")`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from kb.errors import GamekbError
from kb.kinds import EventKind, register_kind


@dataclass(frozen=True)
class LexiconEntry:
    """One message the game prints, exactly as the game prints it."""

    text: str  # exact message text ("You got the missile launcher!")
    kind: str  # pickup, weapon, key, powerup, armor, health, ammo, secret, locked, ...
    label: str  # canonical short name ("missile launcher"), stored as the event label
    aliases: tuple[str, ...] = ()  # other names players search for ("rocket launcher",)
    game: str = ""  # which game/version prints it ("doom", "freedoom-0.13", ...)


@dataclass(frozen=True)
class Region:
    """A screen rectangle as fractions of frame width/height: x0, y0, x1, y1 in 0..1."""

    name: str
    box: tuple[float, float, float, float]
    colors: tuple[str, ...] = ()  # font colours to isolate, names from ingest.ocr.COLOR_MASKS
    # A band taller than one text line: the line is searched for inside it. `line_height` is the
    # font's height as a fraction of the frame height (Doom's 8-row HUD font: 8/200).
    line_height: float | None = None
    centered: bool = False  # the text is centred horizontally on the screen (a check against textures)
    snapped_only: bool = False  # keep only reads that snap to the lexicon (a noisy region, e.g. over the view)


@dataclass(frozen=True)
class HudValue:
    """A number the HUD always shows at one place."""

    region: Region
    meaning: str  # "health", "armor", "ammo", "score", "lap", ...: what the events of this value mean
    range: tuple[float, float] = (0, 999)  # a read outside it is a misread


@dataclass(frozen=True)
class Thresholds:
    """What turns a HUD series into events (read by ingest.events)."""

    low_health: float | None = 25  # health under this is "low" (None: the game has no such notion)
    damage_drop: float = 15  # health points lost within damage_window_s that make a `damage` event
    damage_window_s: float = 4.0


# Lexicon kinds that are all things the player picked up (their events get kind "pickup").
PICKUP_CATEGORIES = frozenset({"pickup", "weapon", "key", "powerup", "armor", "health", "ammo", "item", "backpack"})

# Typing of one transient line of screen text: (kind, label, payload) or None when it is no event.
Classifier = Callable[[str], "tuple[str, str, dict[str, Any]] | None"]


@dataclass(frozen=True)
class RulePack:
    name: str
    title: str = ""  # what `gamekb games` shows ("Doom, Doom II, Freedoom")
    lexicon: tuple[LexiconEntry, ...] = ()
    message_region: Region | None = None  # where transient HUD messages appear (the main message line)
    # every region transient messages appear in, read in order; defaults to (message_region,), and
    # message_region defaults to the first of these
    message_regions: tuple[Region, ...] = ()
    message_ttl_s: float | None = None  # how long a message stays unless replaced (Doom: 4.0 s)
    hud_values: dict[str, HudValue] = field(default_factory=dict)  # "health", "armor", "ammo", ...
    status_bar: Region | None = None  # the whole status bar, to tell whether one is visible
    # x of the bar's vertical panel borders as fractions of the bar's width: a bar is on screen when
    # strong vertical edges sit at all of them (a menu, a fullscreen HUD or a black frame has none)
    status_bar_borders: tuple[float, ...] = ()
    entity_prompts: tuple[str, ...] = ()  # concepts for an entity detector ("enemy", "key card")
    snap_threshold: float = 0.72  # min character similarity (0..1) for a read to snap to the lexicon
    # a read of the whole screen snaps to a message only this close (text elsewhere is not the
    # message font, and a near miss is usually another line: see ingest.ocr)
    screen_snap_threshold: float = 0.85
    pickup_categories: frozenset[str] = PICKUP_CATEGORIES
    thresholds: Thresholds = Thresholds()
    kinds: tuple[EventKind, ...] = ()  # the game's own event kinds, beside the generic ones (kb.kinds)
    # Read the whole screen as text tracks (the generic path) too; a pack without message regions
    # always does. `classify` types a transient line with the game's knowledge before the generic
    # patterns try (e.g. a kill feed's "X was fragged by Y").
    screen_tracks: bool = False
    classify: Classifier | None = None
    pack_version: str = "1"  # recorded on each video read with this pack

    def __post_init__(self) -> None:
        if not self.message_regions and self.message_region is not None:
            object.__setattr__(self, "message_regions", (self.message_region,))
        elif self.message_regions and self.message_region is None:
            object.__setattr__(self, "message_region", self.message_regions[0])
        elif self.message_regions and self.message_region not in self.message_regions:
            object.__setattr__(self, "message_regions", (self.message_region, *self.message_regions))
        names = [r.name for r in self.message_regions]
        if len(set(names)) != len(names):
            raise ValueError(f"pack {self.name!r}: message region names must be unique, got {names}")

    @property
    def hud_regions(self) -> dict[str, Region]:
        return {name: v.region for name, v in self.hud_values.items()}

    @property
    def reads_screen_tracks(self) -> bool:
        return self.screen_tracks or not self.message_regions

    def aliases_for(self, label: str) -> tuple[str, ...]:
        for e in self.lexicon:
            if e.label == label:
                return e.aliases
        return ()


_PACKS: dict[str, RulePack] = {}
BUILTIN_PACKS = ["ingest.rules.doom"]
_loaded = False


def register_pack(pack: RulePack) -> RulePack:
    for kind in pack.kinds:
        register_kind(kind)
    _PACKS[pack.name] = pack
    return pack


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for mod in BUILTIN_PACKS:
            importlib.import_module(mod)


def packs() -> list[str]:
    _load_builtins()
    return sorted(_PACKS)


def get_pack(name: str | None) -> RulePack:
    """The pack called `name` ("doom", "generic"); None means "generic"."""
    _load_builtins()
    name = name or "generic"
    if name not in _PACKS:
        raise GamekbError(f"unknown rule pack {name!r}; choose one of: {', '.join(sorted(_PACKS))}")
    return _PACKS[name]


register_pack(RulePack(name="generic", title="any game without a pack: screen text tracks, HUD numbers and events typed from the text"))
