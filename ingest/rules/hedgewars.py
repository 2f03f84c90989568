"""Hedgewars 1.0 (turn-based artillery): its captions, typed, and two HUD numbers.

What it reads. Hedgewars shows its messages as captions at the top centre: bold white text
(DejaVu Sans Bold) in a black box with a thin white frame, the active team's colour for its
weapon. Several captions stack downwards, one per caption group (game state, weapon, message,
shots left...), each in the next slot; a slot is a fixed band, read as its own region.

The words. Every caption is a string of the game's English locale, copied verbatim into
`hedgewars_en.txt` next to this file (an excerpt of Data/Locale/en.txt of Debian's hedgewars-data
1.0.2-6; GPL-2, (c) 2004-2018 Andrey Korotaev and the Hedgewars Project; see
/usr/share/doc/hedgewars-data/copyright). Lines without a placeholder (weapon names, crate
announcements, round starts) are the lexicon that OCR reads snap to. Lines naming a hedgehog or a
number ("%1 is short of a raft", "%1 remaining") cannot be snapped whole: `classify` types them
from their template, also when the read has a letter or two wrong.
"""

from __future__ import annotations

import functools
import re
from difflib import SequenceMatcher
from importlib.resources import files
from typing import Any

from ingest.rules import HudValue, LexiconEntry, Region, RulePack, Thresholds
from kb.kinds import EventKind

LOCALE_FILE = "hedgewars_en.txt"


@functools.lru_cache(maxsize=1)
def locale() -> dict[str, tuple[str, ...]]:
    """The locale excerpt: key ("02:01") -> its strings in file order (event keys repeat: one
    joke per line, the game picks one at random)."""
    out: dict[str, list[str]] = {}
    for line in files(__package__).joinpath(LOCALE_FILE).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(\d\d:\d\d)=(.+)$", line)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2).strip())
    return {k: tuple(v) for k, v in out.items()}


# Names players use for the weapons (the game's own name is the label, lower-cased).
_WEAPON_ALIASES: dict[str, tuple[str, ...]] = {
    "grenade": ("hand grenade",), "bazooka": ("rocket launcher", "rocket"), "homing bee": ("bee",),
    "pick hammer": ("jackhammer",), "rope": ("ninja rope",), "mine": ("land mine",),
    "desert eagle": ("deagle", "pistol", "handgun"), "dynamite": ("tnt",), "baseball bat": ("bat",),
    "shoryuken": ("fire punch", "dragon punch", "uppercut"), "air attack": ("airstrike", "air strike"),
    "blow torch": ("blowtorch",), "teleportation": ("teleport",), "switch hedgehog": ("switch hog",),
    "watermelon bomb": ("melon", "watermelon", "melon bomb"),
    "hellish hand-grenade": ("holy hand grenade", "hhg"), "rc plane": ("remote control plane",),
    "sniper rifle": ("sniper",), "molotov cocktail": ("molotov",),
    "portable portal device": ("portal gun", "portal"), "piano strike": ("piano",),
    "old limburger": ("gas bomb", "stink bomb"), "minigun": ("machine gun",), "freezer": ("ice gun",),
}
_CRATES = {"02:05": ("health crate", ("health pack", "first aid kit", "medkit")),
           "02:06": ("ammo crate", ("weapon crate",)),
           "02:07": ("utility crate", ("tool crate",))}
# Placeholder-free lines of the game-message and event sections: (key, kind, label).
_MESSAGES = (("01:01", "round", "draw"), ("01:06", "round", "sudden death"),
             ("01:12", "round", "last round till sudden death"), ("01:36", "round", "everyone wins"),
             ("02:02", "round", "round start"), ("02:04", "round", "draw"),
             ("02:00", "death", "a hedgehog"), ("02:01", "death", "a hedgehog"))
_ROUND_ALIASES = {"round start": ("match start", "game start", "start of the game"),
                  "sudden death": ("water rises",), "draw": ("tie", "nobody wins")}

# Lines with a placeholder, by key: (kind, what happened). %1 is a hedgehog's (or team's) name,
# or a number for 01:07 and 01:13.
_TEMPLATES: dict[str, tuple[str, str]] = {
    "02:00": ("death", "killed"), "02:01": ("death", "drowned"), "02:14": ("death", "kamikaze"),
    "02:17": ("death", "king killed"), "02:10": ("kill", "home run"),
    "02:09": ("damage", "hurt himself"), "02:12": ("damage", "poisoned"),
    "01:02": ("round", "wins"), "02:03": ("round", "wins"), "01:14": ("round", "turn"),
    "02:08": ("round", "skipped turn"), "02:16": ("round", "out of time"),
    "01:07": ("shot", "remaining"), "01:13": ("round", "sudden death countdown"),
}
_NUMBER_KEYS = {"01:07", "01:13"}


def _lexicon() -> tuple[LexiconEntry, ...]:
    loc = locale()
    out: dict[str, LexiconEntry] = {}
    for text in loc["00:52"]:  # "No weapon selected": the caption of a turn started unarmed (no weapon of a list)
        out[text] = LexiconEntry(text, "round", "turn start, no weapon selected", ("unarmed", "no weapon"), "hedgewars")
    for key in sorted(k for k in loc if k.startswith("00:") and k not in ("00:13", "00:52")):  # 00:13 is "sec"
        for text in loc[key]:
            label = text.lower()
            out.setdefault(text, LexiconEntry(text, "weapon", label, _WEAPON_ALIASES.get(label, ()), "hedgewars"))
    for key, (label, aliases) in _CRATES.items():
        for text in loc[key]:
            if text in out and out[text].label != label:  # "Supplies!" announces a health or an ammo crate
                out[text] = LexiconEntry(text, "crate", "crate", ("supply crate",), "hedgewars")
            else:
                out.setdefault(text, LexiconEntry(text, "crate", label, aliases, "hedgewars"))
    for key, kind, label in _MESSAGES:
        for text in loc[key]:
            if "%" not in text:
                out.setdefault(text, LexiconEntry(text, kind, label, _ROUND_ALIASES.get(label, ()), "hedgewars"))
    return tuple(out.values())


LEXICON = _lexicon()


# ---------------------------------------------------------------------------------------------
# classify: lines with a name or a number in them
# ---------------------------------------------------------------------------------------------

class _Template:
    def __init__(self, key: str, text: str):
        self.key, self.text = key, text
        self.kind, self.what = _TEMPLATES[key]
        parts = [re.escape(p) for p in text.split("%1")]
        name = r"(?P<name>\d{1,3})" if key in _NUMBER_KEYS else r"(?P<name>\S.{0,39}?)"
        self.regex = re.compile("^" + parts[0] + name + "(?P=name)".join(parts[1:]) + "$", re.IGNORECASE)
        self.fixed = text.replace("%1", "\0").lower()  # \0 never occurs in a read
        self.fixed_len = len(self.fixed) - self.fixed.count("\0")


@functools.lru_cache(maxsize=1)
def _templates() -> tuple[_Template, ...]:
    loc = locale()
    return tuple(_Template(key, text) for key in _TEMPLATES for text in loc[key] if "%1" in text)


@functools.lru_cache(maxsize=1)
def _weapons() -> dict[str, str]:
    return {e.text.lower(): e.label for e in LEXICON if e.kind == "weapon"}


@functools.lru_cache(maxsize=1)
def _exact() -> dict[str, LexiconEntry]:
    return {_norm(e.text): e for e in LEXICON}


def _norm(text: str) -> str:
    # the locale writes a typographic ellipsis and quotes; OCR reads ASCII
    text = text.replace("…", "...").replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


FUZZY_MIN = 0.85  # share of a template's fixed characters a read must match in order
FUZZY_MIN_FIXED = 10  # shorter templates ("%1 fails") are matched exactly only
_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "i": "1", "|": "1", "S": "5", "s": "5",
                         "B": "8", "Z": "2", "z": "2"})


def _fuzzy(text: str, t: _Template) -> tuple[float, str] | None:
    """(score, name) when `text` reads as template `t` with a few characters wrong, else None.
    The name is what lies between the fixed text matched before and after the placeholder."""
    if t.fixed_len < FUZZY_MIN_FIXED:
        return None
    m = SequenceMatcher(None, text.lower(), t.fixed, autojunk=False)
    need = 2 * FUZZY_MIN * t.fixed_len / (len(text) + len(t.fixed))  # ratio = 2 * matched / total length
    if m.real_quick_ratio() < need or m.quick_ratio() < need:
        return None
    blocks = m.get_matching_blocks()
    # in runs of 2 characters or more: a long line of another game holds the template's letters
    # scattered ("A treaty containing 1 clause was agreed upon" has those of "<name> drowned")
    score = sum(n for _, _, n in blocks if n >= 2) / t.fixed_len
    if score < FUZZY_MIN:
        return None
    i, j, n = [b for b in blocks if b[2]][-1]
    if len(text) - (i + n) > 3 + len(t.fixed) - (j + n):
        return None  # the line goes on past the template's end: another game's sentence
    s = t.fixed.index("\0")
    lo = max((i + n for i, j, n in blocks if n and j + n <= s), default=0)
    hi = min((i for i, j, n in blocks if n and j > s), default=len(text))
    name = text[lo:hi].strip(" ,.!?")
    return (score, name) if name else None


def _typed(t: _Template, name: str, text: str) -> tuple[str, str, dict[str, Any]] | None:
    if t.key in _NUMBER_KEYS:
        digits = name.translate(_DIGITS)
        if not digits.isdigit():
            return None
        n = int(digits)
        if t.key == "01:07":
            return "shot", f"{n} shot{'' if n == 1 else 's'} left", {"remaining": n, "text": text}
        return "round", f"{n} rounds till sudden death", {"rounds_to_sudden_death": n, "text": text}
    if len(name) > 40 or not re.search(r"[A-Za-z0-9]", name):
        return None
    payload: dict[str, Any] = {"text": text}
    if t.kind == "death":  # "Thorn drowned": the cause is what players search for ("who drowned?")
        return "death", f"{name} {t.what}", {**payload, "hedgehog": name, "cause": t.what}
    if t.kind == "damage":
        return "damage", name, {**payload, "hedgehog": name, "cause": t.what}
    if t.kind == "kill":
        return "kill", f"home run by {name}", {**payload, "hedgehog": name, "cause": t.what}
    label = {"wins": f"{name} wins", "turn": f"turn of {name}", "skipped turn": f"{name} skipped a turn",
             "out of time": f"{name} ran out of time"}[t.what]
    return "round", label, {**payload, ("winner" if t.what == "wins" else "hedgehog"): name}


# A weapon caption: the weapon, then its fuse and bounciness when it has them ("Grenade, 3 sec").
_WEAPON_CAPTION = re.compile(r"^(?P<weapon>[^,]+?)\s*(?P<sec>,\s*(?P<fuse>\S{1,2}?)?\s*sec\w*)?"
                             r"\s*(?:,\s*(?P<bounce>\w+)\s+Bounce)?$", re.IGNORECASE)


def _weapon(text: str) -> tuple[str, str, dict[str, Any]] | None:
    m = _WEAPON_CAPTION.match(text)
    if not m or not (m.group("sec") or m.group("bounce")):
        return None
    weapons = _weapons()
    name = _norm(m.group("weapon"))
    label = weapons.get(name)
    if label is None:
        best = max(weapons, key=lambda w: SequenceMatcher(None, name, w, autojunk=False).ratio())
        if SequenceMatcher(None, name, best, autojunk=False).ratio() < 0.8:
            return None
        label = weapons[best]
    payload: dict[str, Any] = {"text": text}
    fuse = (m.group("fuse") or "").translate(_DIGITS)
    if fuse.isdigit():
        payload["fuse_s"] = int(fuse)
    if m.group("bounce"):
        payload["bounce"] = m.group("bounce").lower()
    return "weapon", label, payload


@functools.lru_cache(maxsize=4096)
def classify(text: str) -> tuple[str, str, dict[str, Any]] | None:
    """Type one caption read: (kind, label, payload), or None when it is none of the game's lines.

    A line of the lexicon (case and spacing aside) gives its entry; a weapon with its fuse
    ("Watermelon Bomb, 3 sec") gives the weapon; a line of a template gives its kind, with the
    name in it as label for deaths ("Thorn is short of a raft" -> death, "Thorn"). Templates
    match exactly first, then with a few characters misread (at least 85% of their fixed text in
    order, for templates with ten or more fixed characters).
    """
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) < 2:
        return None
    entry = _exact().get(_norm(text))
    if entry is not None:
        return entry.kind, entry.label, {"text": entry.text}
    weapon = _weapon(text)
    if weapon is not None:
        return weapon
    for t in _templates():
        m = t.regex.match(text)
        if m:
            typed = _typed(t, m.group("name"), text)
            if typed is not None:
                return typed
    best: tuple[float, int, _Template, str] | None = None
    for t in _templates():
        got = _fuzzy(text, t)
        if got is not None and (best is None or (got[0], t.fixed_len) > best[:2]):
            best = (got[0], t.fixed_len, t, got[1])
    near, score = _nearest_line(text)
    if near is not None and (best is None or score >= best[0]):
        return near.kind, near.label, {"text": near.text}
    return _typed(best[2], best[3], text) if best is not None else None


LINE_MIN = 0.85  # similarity (difflib ratio, case aside) of a misread to a placeholder-free line


def _nearest_line(text: str) -> tuple[LexiconEntry | None, float]:
    """The lexicon line `text` is a misread of (one the OCR stage did not snap: the pack's snap
    threshold is high so that a death line never snaps to a look-alike), with its similarity."""
    a = _norm(text)
    best, best_score = None, LINE_MIN
    for b, entry in _exact().items():
        m = SequenceMatcher(None, a, b, autojunk=False)
        if m.real_quick_ratio() >= best_score and m.quick_ratio() >= best_score and m.ratio() >= best_score:
            best, best_score = entry, m.ratio()
    return best, best_score


# ---------------------------------------------------------------------------------------------
# Regions (measured on 1280x720 footage of Hedgewars 1.0.2)
# ---------------------------------------------------------------------------------------------

# Captions are drawn centred, from y = 8 px down, each box 32 px tall (frame rows 8 and 39) with
# 2 px between boxes: slot k spans rows 8 + 34k .. 39 + 34k. Each slot is one region, a crop of
# rows 6 + 34k .. 41 + 34k (the neighbouring boxes' frames stay outside it), read through the
# "framed_centred" ink: only the inside of a framed box centred on the screen counts, so the
# scene behind, name tags and the stacked boxes above and below do not. Three slots: the clip never
# stacks more than two; a third holds e.g. a game-state line above a weapon and its shots left. The
# top slot is named "message" like Doom's line: an unsnapped read there still becomes a text event.
# Why slots, not one band with `line_height` (ink.find_band_line): a band gives one line, the
# strongest, so stacked captions would be lost; and the band search looks at every 3rd row at 720p,
# which drops the 1-px frame that tells a caption box from the scene. (A band with the "white" ink
# found the white captions, frame rows included, but not the red or green team's weapon captions.)
# The game draws its HUD in screen pixels at any window size (no scaling), so these fractions hold
# for 720p recordings (and any resize of one); a 1080p capture puts the captions higher in the
# frame and the slots miss them. Two faults of the OCR stage cost this pack recall (docs/ocr.md):
# ink.unstretch squeezes a 16:9 game's text to 4:3, and RegionCache takes a short caption in a
# wide slot for no change.
_H = 720


def _slot(k: int) -> Region:
    return Region("message" if k == 0 else f"message{k + 1}", (0.05, (6 + 34 * k) / _H, 0.95, (42 + 34 * k) / _H),
                  colors=("framed_centred",))


CAPTION_SLOTS = tuple(_slot(k) for k in range(3))

# HUD: the active hedgehog's health (top right: a red cross, then the number in the team colour in
# a framed box whose right edge is at x=1262, rows 11..28) and the turn timer (bottom left: yellow
# digits in a framed box, rows 672..703, centred near x=64; counts down from the turn time and
# is hidden after the attack). Both crops are one box tall and contain the box's middle column
# for one to three digits.
HOG_HEALTH = HudValue(Region("hog_health", (1230 / 1280, 9 / _H, 1272 / 1280, 31 / _H), colors=("framed",)),
                      "active hedgehog health", (1, 999))
TURN_TIME = HudValue(Region("turn_time", (20 / 1280, 669 / _H, 108 / 1280, 707 / _H), colors=("framed",)),
                     "turn time left", (0, 999))

KINDS = (
    EventKind("weapon", "weapon selected chose armed aims attack attacked fired with", "weapon: {label}", 11,
              "#7e57c2", "a player selected or fired a weapon"),
    EventKind("crate", "crate dropped drop parachute box supplies delivery health crate ammo crate utility crate",
              "a {label} dropped in", 13, "#66bb6a", "a crate (health, ammo or utility) parachuted in"),
    EventKind("shot", "shots left remaining shots ammo left fired shot", "{label}", 15, "#ffa726",
              "a shot of a multi-shot weapon was fired; how many are left"),
)

# Registered by discovery: the entry point `hedgewars = "ingest.rules.hedgewars:HEDGEWARS_PACK"`
HEDGEWARS_PACK = RulePack(
    name="hedgewars",
    title="Hedgewars 1.0 (captions at the top centre, 720p layout; hedgehog health and turn timer)",
    lexicon=LEXICON,
    message_regions=CAPTION_SLOTS,
    # game-state captions stay 2.2 s, others 1.4 s + 3 ms per pixel of width (uCaptions.pas):
    # up to ~3.5 s for the widest line
    message_ttl_s=3.5,
    # Captions are clean text that PP-OCR reads nearly letter for letter; a read that is still 10%
    # off is more often another line: "7 rounds till Sudden Death!" is 0.85 like "Last round till
    # Sudden Death!", "Thorn is short of a raft" 0.70 like a crate line. Such reads stay unsnapped
    # for `classify`, which knows the lines with names and numbers.
    snap_threshold=0.9,
    screen_snap_threshold=0.9,
    hud_values={"hog_health": HOG_HEALTH, "turn_time": TURN_TIME},
    # the health shown is the active hedgehog's, which changes hands every turn: no player health,
    # so no damage or low-health events from it (deaths come from the captions)
    thresholds=Thresholds(low_health=None),
    pickup_categories=frozenset(),  # a weapon caption is a selection, a crate caption a drop: no pickups
    kinds=KINDS,
    classify=classify,
    entity_prompts=("hedgehog", "health crate", "weapon crate", "mine", "barrel", "water", "explosion",
                    "grave", "parachute"),
)
