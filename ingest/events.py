"""The timeline indexer: screen text, speech, HUD game state and scene cuts -> typed events.

Game-agnostic rules live here; what is game-specific (the message lexicon, which lexicon categories
are pickups, the health thresholds) comes from the game pack in ingest/rules/, and the words each
kind is searched with from the kind registry (kb/kinds.py).
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from ingest.rules import PICKUP_CATEGORIES, Classifier, Thresholds
from ingest.types import EventRecord, GameState, SpeechObservation, TextObservation
from ingest.words import readable, shorthand
from kb import kinds


def text_events(observations: Sequence[TextObservation],
                aliases_for: Callable[[str], tuple[str, ...]] = lambda _label: (),
                pickup_categories: frozenset[str] = PICKUP_CATEGORIES,
                classify: Classifier | None = None) -> list[EventRecord]:
    """Events of the OCR observations: a line snapped to the lexicon by its entry; an unsnapped
    line of a message region by the pack's `classify` (lines with a name or number in them:
    Hedgewars' "Thorn is short of a raft" -> death of Thorn), else as text when it is the main
    message line. Full-screen reads ("screen") are left to the lexicon: a caption read there too
    would be a second event."""
    out = []
    for o in observations:
        typed = classify(o.text) if classify is not None and not o.kind and o.region != "screen" else None
        if o.kind:
            kind = "pickup" if o.kind in pickup_categories else o.kind
            label = o.label or o.text
            aliases = tuple(aliases_for(label))
            out.append(EventRecord(o.t_start, o.t_end, kind, label, "ocr", o.confidence,
                                   payload={"text": o.text, "raw": o.raw, "category": o.kind}, aliases=aliases))
        elif typed is not None:
            kind, label, extra = typed
            out.append(EventRecord(o.t_start, o.t_end, kind, label, "ocr", o.confidence,
                                   payload={"text": o.text, "raw": o.raw, **extra, "typed_by": "pack"},
                                   aliases=tuple(aliases_for(label))))
        elif o.region == "message" and readable(o.text):
            # an unknown line in the message region is kept when it reads as words: a misread of a
            # texture ("ICKEG USHAU IEAUTHACE") would reach answers and snippets as if it were said
            out.append(EventRecord(o.t_start, o.t_end, "text", o.text, "ocr", o.confidence, payload={"raw": o.raw}))
    return out


def speech_events(phrases: Sequence[SpeechObservation], names: Sequence[str] = (),
                  aliases_for: Callable[[str], tuple[str, ...]] = lambda _label: ()) -> list[EventRecord]:
    """One event per phrase; game item names Whisper misheard ("Angel Rider" for angle grinder)
    are added as aliases so that searching the item finds the commentary too. A phrase heard with
    low word probabilities stays searchable by its words, and its label carries the `UNCERTAIN`
    mark, so every listing (search, ask, events, the web page) shows it as a guess."""
    out = []
    for p in phrases:
        heard = mentions(p.text, names)
        aliases = tuple(dict.fromkeys(a for n in heard for a in (n, *aliases_for(n))))
        payload: dict = {"mentions": heard} if heard else {}
        label = p.text
        if getattr(p, "uncertain", False):
            label = f"{UNCERTAIN} {p.text}"
            payload.update(uncertain=True, text=p.text, unsure_words=list(p.unsure_words))
        out.append(EventRecord(p.t_start, p.t_end, "speech", label, "speech", p.confidence, aliases=aliases,
                               payload=payload))
    return out


UNCERTAIN = "(?)"  # prefix of a speech label whose words were not clearly heard


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


def despike(values: Sequence[float]) -> list[float]:
    """Single misreads removed: each reading becomes the median of itself and its two neighbours
    (the first and last stay), so a value unlike both neighbours ("9:51" read "9840") is dropped."""
    values = list(values)
    if len(values) < 3:
        return values
    return [values[0], *(sorted(values[i - 1:i + 2])[1] for i in range(1, len(values) - 1)), values[-1]]


def _clean_series(states: Sequence[GameState], key: str) -> list[tuple[float, float]]:
    """(t, value) for one HUD value with single-frame misreads removed (`despike`)."""
    pts = [(s.t, float(s.values[key])) for s in states if key in s.values]
    return list(zip([t for t, _ in pts], despike([v for _, v in pts])))


def health_events(states: Sequence[GameState], thresholds: Thresholds = Thresholds(),
                  key: str = "health") -> list[EventRecord]:
    """`damage` for drops, `low_health` when under the pack's low mark, `death` at 0."""
    drop, window, low = thresholds.damage_drop, thresholds.damage_window_s, thresholds.low_health
    series = _clean_series(states, key)
    out: list[EventRecord] = []
    episode: tuple[float, float, float, float] | None = None  # t0, h0, t1, h1
    was_low = False
    for i, (t, h) in enumerate(series):
        recent = [v for (tt, v) in series[max(0, i - 8):i] if t - tt <= window]
        peak = max(recent, default=h)
        if peak - h >= drop:
            if episode and t - episode[2] <= window:
                episode = (episode[0], episode[1], t, h)
            else:
                if episode:
                    out.append(_damage(episode))
                # from the last sample still at the peak: the health was intact until then
                t0 = next(tt for (tt, v) in reversed(series[max(0, i - 8):i]) if v == peak and t - tt <= window)
                episode = (t0, peak, t, h)
        is_low = low is not None and 0 < h < low
        if is_low and not was_low:
            out.append(EventRecord(t, t, "low_health", f"health low ({h:g}%)", "hud", value=h))
        was_low = is_low
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
          names: Sequence[str] = (), thresholds: Thresholds = Thresholds(),
          pickup_categories: frozenset[str] = PICKUP_CATEGORIES,
          health_keys: Sequence[str] = ("health",), classify: Classifier | None = None) -> list[EventRecord]:
    """Every event of one video. `health_keys`: the state series that mean health (a pack's HUD
    value with meaning "health"; the generic path's series labelled so). `classify`: the pack's
    typing of message lines that did not snap to its lexicon."""
    health = [e for key in health_keys for e in health_events(states, thresholds, key)]
    events = [*text_events(texts, aliases_for, pickup_categories, classify),
              *speech_events(phrases, names, aliases_for),
              *health, *scene_events(cuts), *extra]
    return sorted(events, key=lambda e: (e.t_start, e.kind))


def searchable(event: EventRecord) -> str:
    """The text an event contributes to its segment's full-text and vector index."""
    parts = [event.kind.replace("_", " "), event.label]
    if event.payload.get("text") and event.payload["text"] != event.label:
        parts.append(event.payload["text"])
    parts.extend(event.aliases)
    if event.kind != "speech":
        parts.append(kinds.get(event.kind).words)
        if event.kind in ("chat", "text"):
            parts.append(shorthand(event.label))  # "gl" is "good luck" (but a pickup's "GL" is a grenade launcher)
    category = event.payload.get("category")
    if event.kind == "pickup" and category and category != "pickup":
        parts.append(category)  # "what weapons did I get?" finds "You got the angle grinder!"
    return " ".join(p for p in parts if p)
