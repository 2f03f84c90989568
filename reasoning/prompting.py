"""Prompt building and citation parsing shared by the model-backed reasoners (qwen3-vl, openai).

The prompt lists every evidence moment with its citation `video@MM:SS`, says which keyframe image
belongs to which moment, and tells the model to end every claim with a citation. After generation,
`parse_citations` maps what the model cited back onto the evidence moments; a citation of a moment
that is not in the evidence (a hallucinated video or time) is dropped.
"""

from __future__ import annotations

import re
from typing import Sequence

from kb.errors import GamekbError
from retrieval.query import parse_ts
from retrieval.types import Answer, Citation, Moment, format_ts

SYSTEM_PROMPT = (
    "You answer questions about gameplay videos using only the evidence moments given to you. "
    "Each moment has a citation written video@MM:SS. End every sentence that states a fact with the "
    "citation of the moment it comes from, exactly as written, for example: The player picks up the "
    "red key card kitchen_run@01:05. If the evidence does not answer the question, say so plainly. "
    "Never invent a citation."
)

# video@MM:SS or video@H:MM:SS; the video name is a file stem (no spaces, no @). Models often wrap
# citations in brackets or parentheses, which the character class excludes.
CITATION_RE = re.compile(r"(?P<video>[^\s@\[\]\(\)\{\},;:\"'`]+)@(?P<ts>\d{1,2}:\d{2}(?::\d{2})?)")
EVIDENCE_CHARS = 600  # per moment; keeps 10 moments well under a 4k-token prompt


def image_moments(evidence: Sequence[Moment], max_images: int) -> list[int]:
    """Indices of the moments whose keyframes go to the model, in evidence order."""
    return [i for i, m in enumerate(evidence) if m.keyframe][:max(0, max_images)]


def evidence_block(evidence: Sequence[Moment], with_images: Sequence[int] = ()) -> str:
    lines = []
    image_no = {i: n + 1 for n, i in enumerate(with_images)}
    for i, m in enumerate(evidence):
        text = " ".join((m.text or "").split())
        if len(text) > EVIDENCE_CHARS:
            text = text[:EVIDENCE_CHARS].rsplit(" ", 1)[0] + " ..."
        picture = f" [image {image_no[i]}]" if i in image_no else ""
        lines.append(f"[{i + 1}] {m.citation} ({format_ts(m.start_s)}-{format_ts(m.end_s)}){picture}: "
                     f"{text or '(no text found in this moment)'}")
    return "\n".join(lines)


def user_prompt(question: str, evidence: Sequence[Moment], with_images: Sequence[int] = (),
                prefix_note: str = "") -> str:
    """The user turn: evidence list, then the question, then the citation instruction."""
    if not evidence:
        body = "No evidence moments were found for this question."
    else:
        body = "Evidence moments:\n" + evidence_block(evidence, with_images)
    note = f"\n{prefix_note}" if prefix_note else ""
    return (f"{body}{note}\n\nQuestion: {question.strip()}\n\n"
            "Answer using only these moments and cite each claim as video@MM:SS.")


def _cited_time(ts: str) -> float | None:
    """A cited time in seconds; None for one no clock shows (a model may write 00:75)."""
    try:
        return parse_ts(ts)
    except GamekbError:
        return None


def _match(video: str, t: float | None, evidence: Sequence[Moment]) -> Moment | None:
    if t is None:
        return None
    same_video = [m for m in evidence if m.video == video]
    for m in same_video:  # the exact citation we printed
        if format_ts(m.start_s) == format_ts(t):
            return m
    for m in same_video:  # a time inside one of the moments (models sometimes cite the event's second)
        if m.start_s - 1 <= t <= m.end_s + 1:
            return m
    return None


def parse_citations(text: str, evidence: Sequence[Moment]) -> list[Citation]:
    """Citations in `text`, in order of first appearance, mapped to evidence moments; others dropped."""
    seen, out = set(), []
    for match in CITATION_RE.finditer(text):
        m = _match(match["video"], _cited_time(match["ts"]), evidence)
        if m is None or (m.video, m.start_s) in seen:
            continue
        seen.add((m.video, m.start_s))
        out.append(Citation(video=m.video, video_path=m.video_path, start_s=m.start_s, end_s=m.end_s))
    return out


def unknown_citations(text: str, evidence: Sequence[Moment]) -> list[str]:
    """Citations written in `text` that match no evidence moment (for logging and tests)."""
    return [match.group(0) for match in CITATION_RE.finditer(text)
            if _match(match["video"], _cited_time(match["ts"]), evidence) is None]


def make_answer(text: str, evidence: Sequence[Moment], backend: str) -> Answer:
    return Answer(text=text.strip(), citations=parse_citations(text, evidence), backend=backend)
