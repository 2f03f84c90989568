"""Event kinds: the one list of what can happen in a video, read by every stage and face.

An `EventKind` says what a kind is called, the words a player searches for it with, how an answer
phrases it, and where the timeline draws it. The generic kinds below cover any game; a game pack
adds its own (`RulePack.kinds`, registered when the pack loads). A kind nobody registered (an old
library, a pack that is no longer installed) still works everywhere: `get` gives it plain defaults.

Storage holds this list (not ingest or reasoning) because both sides read it: ingest to type and
index events, retrieval and reasoning to phrase answers and draw timelines.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

OTHER_COLOUR = "#9e9e9e"
# Packs register their kinds when they load. The faces that never touch ingest (ask, the web page,
# the timeline) still need them, so the first read loads the installed packs and stages (entry-point
# groups, kb/plugins.py) and registers the kinds they declare, as kb.models.registry loads backends.
PLUGIN_GROUPS = ("gamekb.games", "gamekb.stages")
_packs_loaded = False
_lock = threading.RLock()  # the web app's threads: the others wait until the packs are in


@dataclass(frozen=True)
class EventKind:
    name: str  # stored in event.kind ("pickup", "kill", ...)
    words: str = ""  # added to the searchable text, so plain-English questions reach the event
    phrase: str = "{label}"  # how an answer says it; {label} is the event's label
    lane: int = 100  # timeline order, top to bottom (lower first); kinds with equal lanes sort by name
    colour: str = OTHER_COLOUR  # timeline mark colour (page and PNG)
    description: str = ""  # one sentence; also what the generic path compares unknown text with
    on_timeline: bool = True  # scene cuts are not drawn: there are hundreds
    # `words` name what an event of the kind may be, one of them ("round lap level ... match race"):
    # a lap is no match, so a question's word found only among them says less (retrieval.search)
    alternatives: bool = False


_KINDS: dict[str, EventKind] = {}


def register_kind(kind: EventKind, replace: bool = False) -> EventKind:
    """Add a kind. A pack that re-registers a generic kind keeps the generic one unless `replace`."""
    if replace or kind.name not in _KINDS:
        _KINDS[kind.name] = kind
    return _KINDS[kind.name]


def _load_packs() -> None:
    global _packs_loaded
    if _packs_loaded:
        return
    with _lock:
        if not _packs_loaded:
            _packs_loaded = True  # set first: a pack that reads kinds while it loads must not recurse
            from kb.plugins import entries

            for group in PLUGIN_GROUPS:
                for entry in entries(group):
                    try:
                        obj = entry.load()
                        obj = obj() if callable(obj) and not hasattr(obj, "kinds") and group == "gamekb.games" else obj
                    except Exception:  # a broken plug-in: the ingest side says so (ingest.rules)
                        continue
                    for kind in getattr(obj, "kinds", ()) or ():
                        if isinstance(kind, EventKind):
                            register_kind(kind)


def get(name: str) -> EventKind:
    """The registered kind, or plain defaults for a kind nobody registered."""
    _load_packs()
    return _KINDS.get(name) or EventKind(name, words=name.replace("_", " "), phrase=f"{name.replace('_', ' ')}: {{label}}")


def all_kinds() -> list[EventKind]:
    _load_packs()
    return sorted(_KINDS.values(), key=lambda k: (k.lane, k.name))


def names() -> list[str]:
    return [k.name for k in all_kinds()]


def phrase(kind: str, label: str) -> str:
    return get(kind).phrase.format(label=label)


# The generic kinds: what happens in most games, whatever their genre.
for _k in (
    EventKind("pickup", "picked up got pickup", "you picked up {label}", 10, "#4caf50",
              "the player picked up, collected or received an item, weapon, ammo, health or armor"),
    EventKind("kill", "kill killed frag fragged eliminated defeated enemy", "a kill: {label}", 12, "#e040fb",
              "a player or enemy was killed, fragged, eliminated or defeated"),
    EventKind("death", "died death dead killed game over", "a death: {label}", 14, "#b71c1c",
              "the player died, was killed, drowned or lost a life; game over"),
    EventKind("damage", "took damage hurt hit health dropped", "you took damage ({label})", 16, "#ef5350",
              "health was lost or damage was dealt; a damage number"),
    EventKind("low_health", "low health low on health nearly dead", "you were low on health ({label})", 18, "#ff7043",
              "health fell low"),
    EventKind("objective", "objective mission checkpoint captured completed goal",
              "objective: {label}", 20, "#26c6da",
              "an objective, mission or checkpoint was reached, captured or completed", alternatives=True),
    EventKind("round", "round lap level wave stage turn match race start begin",
              "round/level: {label}", 22, "#5c6bc0",
              "a round, lap, level, wave, stage or turn started or ended; the match began or ended", alternatives=True),
    EventKind("achievement", "achievement unlocked trophy award record streak bonus",
              "achievement: {label}", 24, "#ffca28",
              "an achievement, trophy, award, new record, streak or bonus", alternatives=True),
    EventKind("secret", "secret found revealed", "you found a secret ({label})", 26, "#ffd54f",
              "a secret area was found"),
    EventKind("locked", "locked door need key", "you hit a locked door: {label}", 28, "#ff9800",
              "a locked door or object needs a key"),
    EventKind("hud", "hud value changed", "{label}", 30, "#8d6e63",
              "a number on the HUD changed"),
    EventKind("speech", "said", 'you said "{label}"', 40, "#42a5f5", "someone spoke"),
    EventKind("chat", "chat said says message wrote", 'chat: "{label}"', 42, "#29b6f6",
              "a chat line or line of dialogue on screen: a name, a colon, what they said"),
    EventKind("text", "", 'the screen read "{label}"', 50, "#ab47bc", "text shown on screen"),
    EventKind("appear", "appeared", "{label} appeared", 60, "#26a69a", "an entity came into view"),
    EventKind("disappear", "disappeared", "{label} disappeared", 62, "#78909c", "an entity left the view"),
    EventKind("scene", "scene change", "scene change", 90, OTHER_COLOUR, "a camera cut", on_timeline=False),
):
    register_kind(_k)
GENERIC = frozenset(_KINDS)  # the kinds of every game, as opposed to one pack's ("weapon", "crate")
