"""The timeline indexer: screen text, speech, HUD game state and scene cuts -> typed events.

Game-agnostic rules live here; what is game-specific (the message lexicon, where the HUD numbers
sit) comes from the rule pack in ingest/rules/.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from ingest.types import EventRecord, GameState, SpeechObservation, TextObservation

# Lexicon kinds that are all things the player picked up.
PICKUP_KINDS = {"pickup", "weapon", "key", "powerup", "armor", "health", "ammo", "item", "backpack"}
DAMAGE_DROP = 15  # health points lost within DAMAGE_WINDOW_S that make a `damage` event
DAMAGE_WINDOW_S = 4.0
LOW_HEALTH = 25  # health under this is "low": the streamer's "this is bad" zone

# Words added to each kind's searchable text, so that plain-English questions reach them.
KIND_WORDS = {
    "pickup": "picked up got pickup",
    "secret": "secret found revealed",
    "locked": "locked door need key",
    "damage": "took damage hurt hit health dropped",
    "low_health": "low health low on health nearly dead",
    "death": "died death dead killed game over",
    "speech": "said",
    "scene": "scene change",
}


def text_events(observations: Sequence[TextObservation],
                aliases_for: Callable[[str], tuple[str, ...]] = lambda _label: ()) -> list[EventRecord]:
    out = []
    for o in observations:
        if o.kind:
            kind = "pickup" if o.kind in PICKUP_KINDS else o.kind
            label = o.label or o.text
            aliases = tuple(aliases_for(label))
            out.append(EventRecord(o.t_start, o.t_end, kind, label, "ocr", o.confidence,
                                   payload={"text": o.text, "raw": o.raw, "category": o.kind}, aliases=aliases))
        elif o.region == "message":
            out.append(EventRecord(o.t_start, o.t_end, "text", o.text, "ocr", o.confidence, payload={"raw": o.raw}))
    return out


def speech_events(phrases: Sequence[SpeechObservation], names: Sequence[str] = (),
                  aliases_for: Callable[[str], tuple[str, ...]] = lambda _label: ()) -> list[EventRecord]:
    """One event per phrase; game item names Whisper misheard ("Angel Rider" for angle grinder)
    are added as aliases so that searching the item finds the commentary too."""
    out = []
    for p in phrases:
        heard = mentions(p.text, names)
        aliases = tuple(dict.fromkeys(a for n in heard for a in (n, *aliases_for(n))))
        out.append(EventRecord(p.t_start, p.t_end, "speech", p.text, "speech", p.confidence, aliases=aliases,
                               payload={"mentions": heard} if heard else {}))
    return out


MENTION_SIMILARITY = 0.8  # character similarity of a spoken n-gram to a game name; 0.75 let "the gun" match "shotgun"


def mentions(text: str, names: Sequence[str]) -> list[str]:
    """Game names (lexicon labels) a transcript says, allowing for misheard spellings."""
    from difflib import SequenceMatcher

    spoken = re.findall(r"[a-z0-9%'-]+", text.lower())
    found = []
    for name in names:
        n = len(name.split())
        grams = {" ".join(spoken[i:i + k]) for k in {n, n + 1} for i in range(max(0, len(spoken) - k + 1))}
        if name in grams or any(len(g) >= 5 and SequenceMatcher(None, name, g).ratio() >= MENTION_SIMILARITY
                                for g in grams):
            found.append(name)
    return found


def _clean_series(states: Sequence[GameState], key: str) -> list[tuple[float, float]]:
    """(t, value) for one HUD value with single-frame misreads removed (median of 3 neighbours)."""
    pts = [(s.t, float(s.values[key])) for s in states if key in s.values]
    if len(pts) < 3:
        return pts
    out = [pts[0]]
    for (_, a), (t, b), (_, c) in zip(pts, pts[1:], pts[2:]):
        out.append((t, sorted((a, b, c))[1]))
    out.append(pts[-1])
    return out


def health_events(states: Sequence[GameState]) -> list[EventRecord]:
    series = _clean_series(states, "health")
    out: list[EventRecord] = []
    episode: tuple[float, float, float, float] | None = None  # t0, h0, t1, h1
    was_low = False
    for i, (t, h) in enumerate(series):
        recent = [v for (tt, v) in series[max(0, i - 8):i] if t - tt <= DAMAGE_WINDOW_S]
        peak = max(recent, default=h)
        if peak - h >= DAMAGE_DROP:
            if episode and t - episode[2] <= DAMAGE_WINDOW_S:
                episode = (episode[0], episode[1], t, h)
            else:
                if episode:
                    out.append(_damage(episode))
                # from the last sample still at the peak: the health was intact until then
                t0 = next(tt for (tt, v) in reversed(series[max(0, i - 8):i]) if v == peak and t - tt <= DAMAGE_WINDOW_S)
                episode = (t0, peak, t, h)
        if 0 < h < LOW_HEALTH and not was_low:
            out.append(EventRecord(t, t, "low_health", f"health low ({h:g}%)", "hud", value=h))
        was_low = 0 < h < LOW_HEALTH
        if h <= 0 and (i + 1 == len(series) or series[i + 1][1] <= 0) and not any(e.kind == "death" for e in out[-1:]):
            out.append(EventRecord(t, t, "death", "player died (health 0)", "hud", value=0.0))
    if episode:
        out.append(_damage(episode))
    return sorted(out, key=lambda e: e.t_start)


def _damage(ep: tuple[float, float, float, float]) -> EventRecord:
    t0, h0, t1, h1 = ep
    return EventRecord(t0, t1, "damage", f"health {h0:g} -> {h1:g}", "hud", value=h0 - h1,
                       payload={"from": h0, "to": h1})


def scene_events(cuts: Sequence[float]) -> list[EventRecord]:
    return [EventRecord(t, t, "scene", "scene change", "visual") for t in cuts]


def build(texts: Sequence[TextObservation], phrases: Sequence[SpeechObservation], states: Sequence[GameState],
          cuts: Sequence[float], extra: Sequence[EventRecord] = (),
          aliases_for: Callable[[str], tuple[str, ...]] = lambda _label: (),
          names: Sequence[str] = ()) -> list[EventRecord]:
    events = [*text_events(texts, aliases_for), *speech_events(phrases, names, aliases_for), *health_events(states),
              *scene_events(cuts), *extra]
    return sorted(events, key=lambda e: (e.t_start, e.kind))


def searchable(event: EventRecord) -> str:
    """The text an event contributes to its segment's full-text and vector index."""
    parts = [event.kind.replace("_", " "), event.label]
    if event.payload.get("text") and event.payload["text"] != event.label:
        parts.append(event.payload["text"])
    parts.extend(event.aliases)
    if event.kind in KIND_WORDS and event.kind != "speech":
        parts.append(KIND_WORDS[event.kind])
    category = event.payload.get("category")
    if event.kind == "pickup" and category in PICKUP_KINDS and category != "pickup":
        parts.append(category)  # "what weapons did I get?" finds "You got the angle grinder!"
    return " ".join(p for p in parts if p)
