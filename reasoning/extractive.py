"""The default reasoner: no model. It answers with the matching moments themselves, one cited
claim per moment, grouped by video, in the shape the question asks for: a number for "how many",
a list for "which", the HUD value for "how much health", the best match first otherwise. It says
plainly when nothing in the library matches, and offers the closest moments only as such."""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from kb import kinds
from kb.models.registry import register
from kb.schema import clock_series, unlabelled_series
from reasoning.protocols import Answer, Citation
from retrieval.obituaries import killer_of, same_name, victim_of
from retrieval.query import ANCHOR, HUD_WORDS, Query, parse
from retrieval.types import COUNTER_CHANGE, Moment, format_clock, format_ts

CLOSEST_SHOWN = 6  # closest moments an answer that found no match offers, the nearest first


def describe(moment: Moment) -> str:
    if moment.matched:
        parts = [kinds.phrase(m.kind, m.label) for m in moment.matched]
        return "; ".join(parts) + _read_with(moment) + _followed(moment)
    if moment.state:
        return "; ".join(_shown_state(s.name, s.value) for s in moment.state)
    if moment.nearby:
        shown = "; ".join(kinds.phrase(m.kind, m.label) for m in moment.nearby[:4])
        return f"nearby: {shown}"
    return "nothing was read or heard there"


def _read_with(moment: Moment) -> str:
    """' (read with it: "Windows")': a match whose line names no one ("Winner:"), and the text the
    screen read with it (retrieval.evidence._read_with); '' for any other moment."""
    if not moment.nearby or moment.closest:
        return ""
    return " (read with it: " + "; ".join(f'"{m.label}"' for m in moment.nearby[:3]) + ")"


def _followed(moment: Moment) -> str:
    """' (the player on screen: Sarge)': a line that speaks of "you" or names no one ("1st place
    with 10"), seen by a spectator whose kill lines told whom the view follows (`Moment.you`)."""
    if not moment.you or any(same_name(w, moment.you) for m in moment.matched for w in re.findall(r"[^\W\d_]{3,}", m.label)):
        return ""
    return f" (the player on screen: {moment.you})"


def _counted(moment: Moment, q: Query) -> str | None:
    """"lap 2 began: the counter at top-right went 1/3 -> 2/3": a HUD counter's change found for a
    numbered thing the question names (retrieval.evidence._counter_reached), said as what it is taken for."""
    if not moment.matched or moment.matched[0].kind != "hud":
        return None
    hit = moment.matched[0]
    m = COUNTER_CHANGE.match(hit.label)
    asked = next(iter(q.numbered), None)
    if not m or not asked or m.group("n") != asked[1]:
        return None
    return f"{asked[0]} {asked[1]} began: the counter at {m.group('name')} went {hit.label[len(m.group('name')) + 1:]}"


def _shown_state(name: str, value: float) -> str:
    """"health 58", "clock 9:51" (stored as seconds), "the number at bottom-left 82" (a HUD number
    the generic path found with no label beside it, named by where it is)."""
    if clock_series(name) and value >= 0:
        return f"{name} {format_clock(value)}"
    if unlabelled_series(name):  # "top-right'": the second number found there
        nth = len(name) - len(name.rstrip("'"))
        which = ("", "second ", "third ")[nth] if nth < 3 else f"{nth + 1}th "
        return f"the {which}number at {name.rstrip(chr(39))} {value:g}"
    return f"{name} {value:g}"


NAMED_SHARE = 0.6  # "which cities ...": when this share of the lines found begin with a name, the names are the answer


def _subject(moment: Moment) -> str | None:
    """The name a line found begins with, when it is one: "Napoli" of "Napoli grows to size 2.",
    "Hawk03" of "Hawk03: blew myself up"; not a word that names no one ("You", "The": NOT_SUBJECTS)."""
    if not moment.matched or moment.matched[0].source == "speech":
        return None
    m = re.match(r"\s*(?:\(\?\)\s*)?([A-Z][\w-]{2,})\b", moment.matched[0].label or "")
    return m.group(1) if m and m.group(1).lower() not in NOT_SUBJECTS else None


# the first words of lines about no one thing ("You steal ...", "The Incas have ...", "New fastest lap")
NOT_SUBJECTS = frozenset("""you your the a an we our my this that these those there it he she they his her their its
new no not all one some any press go get use wave round lap level turn game match player team final""".split())


def _label(moment: Moment) -> str:
    if not moment.matched:
        return describe(moment)
    hit = moment.matched[0]
    return f'"{hit.label}"' if hit.source == "speech" else str(hit.label) + _read_with(moment) + _followed(moment)


def _plural(n: int, noun: str | None) -> str:
    """1 time, 3 times; 1 weapon, 3 weapons (the noun as the question wrote it, singular or plural)."""
    noun = noun or "time"
    singular = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    plural = singular + ("es" if singular.endswith(("ch", "sh", "x", "ss")) else "s")
    return f"1 {singular}" if n == 1 else f"{n} {plural}"


@register("reasoner", "extractive", description="no model: a grounded list of the matching moments, each cited")
class Extractive:
    name = "extractive"
    wants_media = False  # it reads the moments' text and events only
    reports_progress = False  # nothing to load

    def __init__(self, **_options):
        pass

    def answer(self, question: str, evidence: Sequence[Moment]) -> Answer:
        q = parse(question)
        matches = [m for m in evidence if not m.closest]
        # the question as asked, less a moment's address ("demo1@00:40"): a stretch it names stays
        # ("what happened after 5:00?" is not "what happened?")
        asked = " ".join(ANCHOR.sub(" ", question).split()) or q.text or question.strip()
        if not matches:
            # the few nearest (a question that lists, "who won the round?", gathers up to 50)
            near = sorted((m for m in evidence if m.match > 0), key=lambda m: -m.match)[:CLOSEST_SHOWN]
            if not near:
                return Answer(f"Nothing in the library matches “{asked}”.", [], self.name)
            text, cites = self._claims(near, lambda ms: [(describe(m), [m]) for m in sorted(ms, key=lambda m: m.start_s)])
            return Answer(f"Nothing matched “{asked}” exactly; the closest moments:\n{text}", cites, self.name)
        if q.length:
            return self._length(matches)
        if q.which_game and all(m.segment_id == -1 and not m.matched for m in matches):
            text, cites = self._claims(matches, lambda ms: [(m.text, [m]) for m in ms])  # "read as doom, ..."
            return Answer(text, cites, self.name)
        if any(m.state for m in matches):
            return self._state(matches, q)
        if q.most:
            tally = self._tally(matches, q.most)
            if tally is not None:
                return tally
        if q.count:
            return self._count(matches, q.noun)
        if q.listing:
            return self._list(matches, q.noun)
        # the best matches first ("pump-action shotgun" before "shotgun shells"), then in time order
        text, cites = self._claims(matches, lambda ms: [(_counted(m, q) or describe(m), [m]) for m in
                                                        sorted(ms, key=lambda m: (-round(m.match, 1), m.start_s))])
        return Answer(text, cites, self.name)

    def _claims(self, moments: Sequence[Moment], items, head=lambda video, ms: f"In {video}: ") -> tuple[str, list[Citation]]:
        """One line per video: `items(moments of that video)` gives (claim, moments it cites) pairs."""
        by_video: dict[str, list[Moment]] = {}
        for m in moments:
            by_video.setdefault(m.video, []).append(m)
        lines, citations = [], []
        for video, ms in by_video.items():
            claims = []
            for claim, cited in items(ms):
                cs = [Citation(m.video, m.video_path, m.start_s, m.end_s) for m in cited]
                citations.extend(cs)
                claims.append(f"{claim} " + " ".join(f"[{c}]" for c in cs))
            lines.append(head(video, ms) + "; ".join(claims) + ".")
        return "\n".join(lines), citations

    def _length(self, matches: Sequence[Moment]) -> Answer:
        """How long: each video's length, and what its clock read at its first and last sight."""
        def items(ms):
            out = []
            for m in ms:
                read = [f"{format_clock(s.value)} at {format_ts(s.t)}" for s in m.state]
                clock = "its clock read " + " and ".join(read) if read else ""
                out.append((f"the video runs {format_ts(m.end_s)}" + (f" ({clock})" if clock else ""), [m]))
            return out

        text, cites = self._claims(matches, items)
        return Answer(text, cites, self.name)

    def _count(self, matches: Sequence[Moment], noun: str | None) -> Answer:
        """How many: the number per video (and in all), each counted moment cited."""
        by_time = sorted(matches, key=lambda m: (m.video, m.start_s))
        text, cites = self._claims(by_time, lambda ms: [(describe(m), [m]) for m in ms],
                                   head=lambda video, ms: f"{_plural(len(ms), noun)} in {video}: ")
        videos = {m.video for m in matches}
        total = f"{_plural(len(matches), noun)} in all.\n" if len(videos) > 1 else ""
        return Answer(total + text, cites, self.name)

    def _tally(self, matches: Sequence[Moment], most: str) -> Answer | None:
        """Who got the most kills (or died the most): per video, each name the kill and death lines
        give as the killer (or the one killed), most first, every line cited. None when no line names anyone."""
        pick = killer_of if most == "kill" else victim_of
        # a death a spectator's "You fragged X" told is the followed player's kill, whatever name the feed read
        who = {id(m): m.you if m.you and most == "kill" else name for m in matches
               if m.matched and (name := pick(m.matched[0].label, m.matched[0].kind))}
        named = [m for m in matches if id(m) in who]
        if not named:
            return None

        def items(ms):
            groups: dict[str, list[Moment]] = {}
            for m in sorted(ms, key=lambda m: m.start_s):
                name = who[id(m)]
                key = next((k for k in groups if same_name(k, name)), name)  # OCR's "Sarqe" is Sarge
                groups.setdefault(key, []).append(m)
            ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0].lower()))
            return [(f"{'you' if name.lower() == 'you' else name}: {_plural(len(ms), most)}", ms) for name, ms in ranked]

        what = "kills by who made them" if most == "kill" else "deaths by who was killed"
        text, cites = self._claims(sorted(named, key=lambda m: (m.video, m.start_s)), items,
                                   head=lambda video, ms: f"In {video}, {what}, as the kill and death lines read: ")
        return Answer(text, cites, self.name)

    def _list(self, matches: Sequence[Moment], noun: str | None) -> Answer:
        """Which: each different thing once per video, with every moment it was seen cited. Where
        the lines are about things they name first ("Napoli grows to size 2.", "Napoli grows to
        size 3.", "Milano grows to size 3."), "which cities grew?" asks for the names: each is one
        thing (not where the lines are kills and deaths, whose first name is either side)."""
        grouped: dict[str, tuple[list, int]] = {}  # video -> (its groups, how many things they are)

        def group(video: str, ms: Sequence[Moment]) -> tuple[list, int]:
            if video not in grouped:
                subjects = {id(m): s for m in ms if (s := _subject(m))} if noun else {}
                named = list(subjects.values())
                names = subjects if len(named) >= NAMED_SHARE * len(ms) and len(set(named)) < len(named) and not any(
                    m.matched and m.matched[0].kind in ("kill", "death") for m in ms) else {}
                groups: dict[str, list[Moment]] = {}
                for m in sorted(ms, key=lambda m: (id(m) not in names, m.start_s)):  # the names first, then the rest
                    groups.setdefault(names.get(id(m)) or _label(m), []).append(m)
                # (counted by their names: a line read without one is no other city)
                grouped[video] = list(groups.items()), len(set(names.values())) if names else len(groups)
            return grouped[video]

        def head(video, ms):
            return f"In {video}, {_plural(group(video, ms)[1], noun or 'match')}: "

        text, cites = self._claims(sorted(matches, key=lambda m: (m.video, m.start_s)), lambda ms: group(ms[0].video, ms)[0], head)
        return Answer(text, cites, self.name)

    def _state(self, matches: Sequence[Moment], q: Query) -> Answer:
        """A HUD value: what it read at each matching moment, or its course over a video."""
        def items(ms):
            out = []
            for m in sorted(ms, key=lambda m: m.start_s):
                for s in m.state:
                    where = f"at {format_ts(s.t)}" if s.role in (None, "at") else f"{s.role}, at {format_ts(s.t)}"
                    what = f", when {describe(m)}" if m.matched else ""
                    if s.role == "drop" and s.before is not None:  # its biggest fall: "90 -> 14"
                        out.append((f"{_shown_state(s.name, s.before)} -> {s.value:g} (its biggest drop, at {format_ts(s.t)})", [m]))
                        continue
                    out.append((f"{_shown_state(s.name, s.value)} ({where}{what})", [m]))
                if not m.state:  # (a damage line tells the value itself: "health 58 -> 28")
                    damage = m.matched and m.matched[0].kind == "damage"
                    out.append((describe(m) if damage else f"{describe(m)}: no HUD value was read then", [m]))
            return out

        asked = next((w for w in q.words if w in HUD_WORDS), None)

        def head(video, ms):
            # a game whose HUD labels nothing (retrieval.evidence._unlabelled): say so, per video
            names = {s.name for m in ms for s in m.state}
            if asked and names and all(unlabelled_series(n) for n in names):
                return f"In {video}, no number on screen is labelled {asked}; the numbers that stayed at one place read: "
            return f"In {video}: "

        text, cites = self._claims(matches, items, head)
        return Answer(text, cites, self.name)

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        yield self.answer(question, evidence).text
