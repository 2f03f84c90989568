"""Per-game rule packs: what a game's HUD looks like and which messages it can show.

A `RulePack` tells the OCR and HUD stages where to look (regions in coordinates relative to the
frame, so any resolution works), which colours its fonts use, and the game's message lexicon that
noisy OCR reads are snapped to. Packs are looked up by name: `get_pack("doom")`. `"generic"` has no
lexicon and no layout, so only general screen text is read.

A third-party pack registers itself exactly like the built-ins:

    register_pack(RulePack(name="quake", ...))
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from kb.errors import GamekbError


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
class RulePack:
    name: str
    lexicon: tuple[LexiconEntry, ...] = ()
    message_region: Region | None = None  # where transient HUD messages appear (the main message line)
    # every region transient messages appear in, read in order; defaults to (message_region,), and
    # message_region defaults to the first of these
    message_regions: tuple[Region, ...] = ()
    message_ttl_s: float | None = None  # how long a message stays unless replaced (Doom: 4.0 s)
    hud_regions: dict[str, Region] = field(default_factory=dict)  # "health", "armor", "ammo", ...
    status_bar: Region | None = None  # the whole status bar, to tell whether one is visible
    entity_prompts: tuple[str, ...] = ()  # concepts for an entity detector ("enemy", "key card")
    snap_threshold: float = 0.72  # min character similarity (0..1) for a read to snap to the lexicon

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

    def aliases_for(self, label: str) -> tuple[str, ...]:
        for e in self.lexicon:
            if e.label == label:
                return e.aliases
        return ()


_PACKS: dict[str, RulePack] = {}
BUILTIN_PACKS = ["ingest.rules.doom"]
_loaded = False


def register_pack(pack: RulePack) -> RulePack:
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


register_pack(RulePack(name="generic"))
