"""The default reasoner: no model. It answers with the matching moments themselves, one cited
claim per moment, grouped by video, and says plainly when the library holds nothing relevant."""

from __future__ import annotations

from typing import Iterator, Sequence

from kb import kinds
from kb.registry import register
from retrieval.types import Answer, Citation, Moment


def describe(moment: Moment) -> str:
    matched = moment.extra.get("matched") or []
    if matched:
        parts = [kinds.phrase(m["kind"], m["label"]) for m in matched]
        return "; ".join(parts)
    nearby = moment.extra.get("nearby") or []
    if nearby:
        shown = "; ".join(kinds.phrase(m["kind"], m["label"]) for m in nearby[:4])
        return f"nearby: {shown}"
    return "nothing was read or heard there"


@register("reasoner", "extractive", description="no model: a grounded list of the matching moments, each cited")
class Extractive:
    name = "extractive"

    def __init__(self, **_options):
        pass

    def answer(self, question: str, evidence: Sequence[Moment]) -> Answer:
        strong = [m for m in evidence if m.extra.get("matched")]
        chosen = strong or list(evidence[:3])
        if not chosen:
            return Answer("I found nothing about that in the library.", [], self.name)
        by_video: dict[str, list[Moment]] = {}
        for m in chosen:
            by_video.setdefault(m.video, []).append(m)
        lines = [] if strong else ["Nothing matched exactly; the closest moments:"]
        citations = []
        for video, ms in by_video.items():
            claims = []
            for m in sorted(ms, key=lambda m: m.start_s):
                cite = Citation(m.video, m.video_path, m.start_s, m.end_s)
                citations.append(cite)
                claims.append(f"{describe(m)} [{cite}]")
            lines.append(f"In {video}: " + "; ".join(claims) + ".")
        return Answer("\n".join(lines), citations, self.name)

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        yield self.answer(question, evidence).text
