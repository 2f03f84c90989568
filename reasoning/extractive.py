"""The default reasoner: no model. It answers with the matching moments themselves, one cited
claim per moment, grouped by video, in the shape the question asks for: a number for "how many",
a list for "which", the HUD value for "how much health", the best match first otherwise. It says
plainly when nothing in the library matches, and offers the closest moments only as such."""

from __future__ import annotations

from typing import Iterator, Sequence

from kb import kinds
from kb.models.registry import register
from retrieval.query import parse
from retrieval.types import Answer, Citation, Moment, format_ts


def describe(moment: Moment) -> str:
    matched = moment.extra.get("matched") or []
    if matched:
        parts = [kinds.phrase(m["kind"], m["label"]) for m in matched]
        return "; ".join(parts)
    state = moment.extra.get("state") or []
    if state:
        return "; ".join(f"{s['name']} {s['value']:g}" for s in state)
    nearby = moment.extra.get("nearby") or []
    if nearby:
        shown = "; ".join(kinds.phrase(m["kind"], m["label"]) for m in nearby[:4])
        return f"nearby: {shown}"
    return "nothing was read or heard there"


def _label(moment: Moment) -> str:
    matched = moment.extra.get("matched") or [{"label": describe(moment), "source": ""}]
    label = matched[0]["label"]
    return f'"{label}"' if matched[0]["source"] == "speech" else label


def _plural(n: int, noun: str | None) -> str:
    """1 time, 3 times; 1 weapon, 3 weapons (the noun as the question wrote it, singular or plural)."""
    noun = noun or "time"
    singular = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    plural = singular + ("es" if singular.endswith(("ch", "sh", "x", "ss")) else "s")
    return f"1 {singular}" if n == 1 else f"{n} {plural}"


@register("reasoner", "extractive", description="no model: a grounded list of the matching moments, each cited")
class Extractive:
    name = "extractive"

    def __init__(self, **_options):
        pass

    def answer(self, question: str, evidence: Sequence[Moment]) -> Answer:
        q = parse(question)
        matches = [m for m in evidence if not m.closest]
        asked = q.text or question.strip()
        if not matches:
            near = [m for m in evidence if m.match > 0]
            if not near:
                return Answer(f"Nothing in the library matches “{asked}”.", [], self.name)
            text, cites = self._claims(near, lambda ms: [(describe(m), [m]) for m in sorted(ms, key=lambda m: m.start_s)])
            return Answer(f"Nothing matched “{asked}” exactly; the closest moments:\n{text}", cites, self.name)
        if any(m.extra.get("state") for m in matches):
            return self._state(matches)
        if q.count:
            return self._count(matches, q.noun)
        if q.listing:
            return self._list(matches, q.noun)
        # the best matches first ("pump-action shotgun" before "shotgun shells"), then in time order
        text, cites = self._claims(matches, lambda ms: [(describe(m), [m]) for m in
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

    def _count(self, matches: Sequence[Moment], noun: str | None) -> Answer:
        """How many: the number per video (and in all), each counted moment cited."""
        by_time = sorted(matches, key=lambda m: (m.video, m.start_s))
        text, cites = self._claims(by_time, lambda ms: [(describe(m), [m]) for m in ms],
                                   head=lambda video, ms: f"{_plural(len(ms), noun)} in {video}: ")
        videos = {m.video for m in matches}
        total = f"{_plural(len(matches), noun)} in all.\n" if len(videos) > 1 else ""
        return Answer(total + text, cites, self.name)

    def _list(self, matches: Sequence[Moment], noun: str | None) -> Answer:
        """Which: each different thing once per video, with every moment it was seen cited."""
        def items(ms):
            groups: dict[str, list[Moment]] = {}
            for m in sorted(ms, key=lambda m: m.start_s):
                groups.setdefault(_label(m), []).append(m)
            return list(groups.items())

        def head(video, ms):
            return f"In {video}, {_plural(len(items(ms)), noun or 'match')}: "

        text, cites = self._claims(sorted(matches, key=lambda m: (m.video, m.start_s)), items, head)
        return Answer(text, cites, self.name)

    def _state(self, matches: Sequence[Moment]) -> Answer:
        """A HUD value: what it read at each matching moment, or its course over a video."""
        def items(ms):
            out = []
            for m in sorted(ms, key=lambda m: m.start_s):
                for s in m.extra.get("state") or []:
                    role = s.get("role")
                    where = f"at {format_ts(s['t'])}" if role in (None, "at") else f"{role}, at {format_ts(s['t'])}"
                    what = f", when {describe(m)}" if m.extra.get("matched") else ""
                    out.append((f"{s['name']} {s['value']:g} ({where}{what})", [m]))
                if not m.extra.get("state"):
                    out.append((f"{describe(m)}: no HUD value was read then", [m]))
            return out

        text, cites = self._claims(matches, items)
        return Answer(text, cites, self.name)

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        yield self.answer(question, evidence).text
