"""Game packs: everything that is one game's knowledge, behind one contract (`RulePack`).

A pack tells the OCR and HUD stages where to look (regions in coordinates relative to the game
picture, so any resolution works), which colours its fonts use, the game's message lexicon that
noisy OCR reads are snapped to, its HUD values (where, what range, what they mean), the thresholds
that turn values into events, entity prompts, and the game's own event kinds. Nothing else in
gamekb knows a game: the stages read only the pack they are handed.

`"generic"` is the pack of every game without one: no lexicon and no layout, so the whole screen is
read as text tracks (ingest/screen_text.py) and events are typed from the text itself.

Packs are looked up by name (`get_pack("doom")`, `packs()`). They are found through the Python
entry-point group `gamekb.games`: built-ins are declared there like any third-party pack (and also
listed in BUILTIN_PACKS, for a checkout whose installed metadata is stale). An entry point names a
`RulePack` or a zero-argument callable returning one. `pack_source(name)` says where a pack came from.
"""

from __future__ import annotations

import logging
import threading
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
    colors: tuple[str, ...] = ()  # font colours to isolate, names from ingest.ink.COLOR_MASKS
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
    # message font, and a near miss is usually another line: see ingest.snapping)
    screen_snap_threshold: float = 0.85
    pickup_categories: frozenset[str] = PICKUP_CATEGORIES
    thresholds: Thresholds = Thresholds()
    kinds: tuple[EventKind, ...] = ()  # the game's own event kinds, beside the generic ones (kb.kinds)
    # Read the whole screen as text tracks (the generic path) too; a pack without message regions
    # always does. `classify` types a transient line with the game's knowledge before the generic
    # patterns try (e.g. a kill feed's "X was fragged by Y").
    screen_tracks: bool = False
    classify: Classifier | None = None
    pack_version: str = "1"  # the pack's own version, shown by `gamekb games`
    # The game's own picture aspect when recordings commonly differ from it: Doom draws a 4:3
    # picture that a 16:9 recording pillarboxes or stretches, so its regions are fractions of the
    # 4:3 picture and its pixel font is unstretched before recognition. None: the frame is the picture.
    aspect: float | None = None

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

    def vocabulary(self) -> tuple[str, ...]:
        """Words a player says about this game, most useful first, to bias speech recognition:
        the item labels, then the entity prompts, then the other names (aliases)."""
        words = [e.label for e in self.lexicon if e.kind not in ("secret", "locked")]
        words += list(self.entity_prompts)
        words += [a for e in self.lexicon for a in e.aliases]
        return tuple(dict.fromkeys(w for w in words if w))

    def aliases_for(self, label: str) -> tuple[str, ...]:
        for e in self.lexicon:
            if e.label == label:
                return e.aliases
        return ()


# The built-in packs: the same lines as `[project.entry-points."gamekb.games"]` in pyproject.toml
# (tests/test_game_plugins.py checks they agree). They load through the same entry-point loader as
# a plugin's; listing them here too keeps a source checkout working when the installed metadata is
# older than the code (a pack added without `pip install -e .` again). Adding a pack: one line
# here, one line in pyproject.toml.
BUILTIN_PACKS: dict[str, str] = {
    "generic": "ingest.rules:GENERIC_PACK",
    "doom": "ingest.rules.doom:DOOM_PACK",
    "hedgewars": "ingest.rules.hedgewars:HEDGEWARS_PACK",
}
ENTRY_POINT_GROUP = "gamekb.games"
_OWN_DISTRIBUTION = "gamekb"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackSource:
    """Where a pack came from: built into gamekb, a plugin distribution, or `register_pack` at runtime."""

    origin: str  # "built-in", "plugin" or "runtime"
    entry_point: str = ""  # "ingest.rules.doom:DOOM_PACK"
    distribution: str | None = None  # the plugin's distribution name ("gamekb-mygame"); None otherwise
    version: str | None = None  # that distribution's version

    def __str__(self) -> str:
        if self.origin == "plugin":
            return f"{self.distribution} {self.version}" if self.version else str(self.distribution)
        return "built-in" if self.origin == "built-in" else "registered at runtime"

    @property
    def owner(self) -> str:
        """Who holds a name, for messages: "the built-in pack", "the pack from gamekb-x 1.0"."""
        return f"the {self} pack" if self.origin == "built-in" else f"the pack from {self}"


_PACKS: dict[str, RulePack] = {}
_SOURCES: dict[str, PackSource] = {}
_lock = threading.RLock()  # the web app's threads may ask for a pack at once
_discovered = False


def register_pack(pack: RulePack, source: PackSource | None = None) -> RulePack:
    """Make `pack` available by name (and its event kinds known). Installed packs are registered by
    discovery (entry points); call this only for a pack built at runtime."""
    for kind in pack.kinds:
        register_kind(kind)
    with _lock:
        _PACKS[pack.name] = pack
        _SOURCES[pack.name] = source or PackSource("runtime")
    return pack


def _as_pack(obj: Any, where: str) -> RulePack:
    """An entry point's object: a RulePack, or a zero-argument callable returning one."""
    if not isinstance(obj, RulePack) and callable(obj):
        obj = obj()
    if not isinstance(obj, RulePack):
        raise TypeError(f"{where} gives a {type(obj).__name__}, not a RulePack or a function returning one")
    return obj


def _load(ep: Any, source: PackSource) -> None:
    pack = _as_pack(ep.load(), ep.value)
    if pack.name != ep.name:
        log.info("entry point %r (%s) holds the pack %r; it is listed as %r", ep.name, ep.value, pack.name, pack.name)
    taken = _SOURCES.get(pack.name)
    if taken is not None and _PACKS[pack.name] is not pack:
        raise ValueError(f"the name {pack.name!r} is taken by {taken.owner}")
    register_pack(pack, source)


def _plugin_entry_points() -> list[Any]:
    from kb.plugins import installed

    try:
        eps = installed(ENTRY_POINT_GROUP)
    except Exception as exc:  # an installed distribution with unreadable metadata must not stop gamekb
        log.warning("could not read the installed game packs (entry points %s): %s", ENTRY_POINT_GROUP, exc)
        return []
    return sorted(eps, key=lambda ep: (_distribution(ep)[0], ep.name))


def _distribution(ep: Any) -> tuple[str, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "an unknown distribution", None
    return dist.metadata["Name"] or dist.name, dist.version


def _discover() -> None:
    """Register the built-in packs, then every plugin of the `gamekb.games` entry-point group, once
    per process. A plugin that fails to load, or whose name is taken, is skipped with a warning."""
    global _discovered
    with _lock:
        if _discovered:
            return
        _discovered = True  # first: a pack module that asks for a pack while importing must not recurse
        from importlib.metadata import EntryPoint

        for name, value in BUILTIN_PACKS.items():  # a broken built-in is a bug: let it raise
            _load(EntryPoint(name, value, ENTRY_POINT_GROUP), PackSource("built-in", value))
        for ep in _plugin_entry_points():
            dist, version = _distribution(ep)
            own = dist.lower().replace("_", "-") == _OWN_DISTRIBUTION
            where = f"game pack {ep.name!r} ({ep.value}) from {dist}" + (f" {version}" if version else "")
            if own and _SOURCES.get(ep.name, PackSource("")).origin == "built-in":
                continue  # a built-in, listed in the installed metadata as well
            if not own and ep.name in _PACKS:
                log.warning("%s is refused: the name %r is taken by %s; rename its entry point",
                            where, ep.name, _SOURCES[ep.name].owner)
                continue
            source = PackSource("built-in", ep.value) if own else PackSource("plugin", ep.value, dist, version)
            try:
                _load(ep, source)
            except Exception as exc:  # a plugin's own bug must never stop gamekb: skip it, say why
                log.warning("%s is skipped: it failed to load: %s: %s", where, type(exc).__name__, exc)


def packs() -> list[str]:
    """The names of every available pack, built-in and installed, sorted."""
    _discover()
    return sorted(_PACKS)


def get_pack(name: str | None) -> RulePack:
    """The pack called `name` ("doom", "generic"); None means "generic"."""
    _discover()
    name = name or "generic"
    if name not in _PACKS:
        raise GamekbError(f"unknown game pack {name!r}; choose one of: {', '.join(sorted(_PACKS))}")
    return _PACKS[name]


def pack_source(name: str) -> PackSource:
    """Where the pack called `name` came from (built-in, or a plugin's distribution and version)."""
    get_pack(name)
    return _SOURCES[name]


def check_game(name: str) -> str:
    """`name` when it is "auto" or an available pack; else the one-line error that lists the choices."""
    if name == "auto" or name in packs():
        return name
    raise GamekbError(f"unknown game {name!r}; choose auto or one of: {', '.join(packs())}")


def pack_summary(name: str) -> dict[str, Any]:
    """What `gamekb games` shows of one pack."""
    pack, source = get_pack(name), pack_source(name)
    return {"name": pack.name, "title": pack.title, "source": str(source), "origin": source.origin,
            "distribution": source.distribution, "version": source.version, "entry_point": source.entry_point,
            "pack_version": pack.pack_version, "lexicon": len(pack.lexicon), "hud_values": sorted(pack.hud_values),
            "kinds": [k.name for k in pack.kinds]}


GENERIC_PACK = RulePack(name="generic", title="any game without a pack: screen text tracks, HUD numbers and events typed from the text",
                        # what an entity detector looks for in any game's picture
                        entity_prompts=("player", "character", "enemy", "weapon", "vehicle", "item", "door"))
