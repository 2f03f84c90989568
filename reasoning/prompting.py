"""Prompt building and citation parsing shared by the model-backed reasoners (qwen3-vl, openai).

The prompt lists every evidence moment with its citation `video@MM:SS`, says which keyframe image
belongs to which moment, and tells the model to end every claim with a citation. After generation,
`parse_citations` maps what the model cited back onto the evidence moments; a citation of a moment
that is not in the evidence (a hallucinated video or time) is dropped.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, Sequence

from kb.errors import GamekbError
from reasoning.protocols import Answer, Citation
from retrieval.query import parse_ts
from retrieval.types import Moment, format_ts

# No concrete citation in here: small models copy an example citation ("kitchen_run@01:05") into
# their answers as if it were evidence (issue 13). The format is described, the real ones are listed
# in the user turn, and parse_citations drops whatever cites no evidence moment.
SYSTEM_PROMPT = (
    "You answer questions about gameplay videos using only the evidence moments given to you. "
    "Each moment starts with its citation: the video name, an @ sign and the time as MM:SS. End every "
    "sentence that states a fact with the citation of the moment it comes from, copied exactly from "
    "the evidence list. If the evidence does not answer the question, say so plainly. "
    "Never invent a citation."
)

# video@MM:SS or video@H:MM:SS; the video name is a file stem (no spaces, no @). Models often wrap
# citations in brackets or parentheses, which the character class excludes.
_VIDEO = r"[^\s@\[\]\(\)\{\},;:\"'`]+"
_TS = r"@(?P<ts>\d{1,2}:\d{2}(?::\d{2})?)"
CITATION_RE = re.compile(rf"(?P<video>{_VIDEO}){_TS}")


def _citations_re(evidence: Sequence[Moment], spaced: bool = False) -> re.Pattern:
    """CITATION_RE that also knows the evidence's own video names, which may hold spaces or
    brackets ("arena run@00:06"); `spaced`: a match takes the blanks before it along (to drop it)."""
    names = sorted({m.video for m in evidence if not re.fullmatch(_VIDEO, m.video)}, key=len, reverse=True)
    video = "|".join([*map(re.escape, names), _VIDEO])
    return re.compile(("[ \t]*" if spaced else "") + rf"(?P<video>{video}){_TS}")
EVIDENCE_CHARS = 600  # per moment; keeps 10 moments well under a 4k-token prompt


def image_moments(evidence: Sequence[Moment], max_images: int) -> list[int]:
    """Indices of the moments whose keyframes go to the model, in evidence order."""
    return [i for i, m in enumerate(evidence) if m.keyframe][:max(0, max_images)]


def keyframes(evidence: Sequence[Moment], with_images: Sequence[int]) -> list[bytes]:
    """The JPEG keyframes of the moments `image_moments` chose, in that order."""
    return [jpeg for jpeg in (evidence[i].keyframe for i in with_images) if jpeg]


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
    for match in _citations_re(evidence).finditer(text):
        m = _match(match["video"], _cited_time(match["ts"]), evidence)
        if m is None or (m.video, m.start_s) in seen:
            continue
        seen.add((m.video, m.start_s))
        out.append(Citation(video=m.video, video_path=m.video_path, start_s=m.start_s, end_s=m.end_s))
    return out


def unknown_citations(text: str, evidence: Sequence[Moment]) -> list[str]:
    """Citations written in `text` that match no evidence moment (for logging and tests)."""
    return [match.group(0) for match in _citations_re(evidence).finditer(text)
            if _match(match["video"], _cited_time(match["ts"]), evidence) is None]


def drop_unknown_citations(text: str, evidence: Sequence[Moment]) -> tuple[str, list[str]]:
    """`text` without the citations that match no evidence moment (invented, or copied from an
    example), and those citations. Brackets left empty and the space before a dropped citation go too."""
    dropped: list[str] = []

    def keep(match: re.Match) -> str:
        if _match(match["video"], _cited_time(match["ts"]), evidence) is not None:
            return match.group(0)
        dropped.append(match.group(0).strip())
        return ""

    out = _citations_re(evidence, spaced=True).sub(keep, text)
    if dropped:
        out = re.sub(r"[ \t]*[\(\[][ \t]*(?:,[ \t]*)*[\)\]]", "", out)  # "(ghost@00:10)" -> ""
        out = re.sub(r"[ \t]*,[ \t]*([\)\]])", r"\1", out)  # "(e1m1@00:10, ghost@01:00)" -> "(e1m1@00:10)"
    return out, dropped


_TIME_RE = re.compile(r"(?<![\d:@])(\d{1,2}:\d{2})(?![\d:])")
_BOUNDARY_RE = re.compile(r"[.!?](?=\s|$)|\n")


def supporting(sentence: str, evidence: Sequence[Moment], most: int = 3) -> list[Moment]:
    """The evidence moments a sentence states, by what matched there (the label: "minigun",
    "pump-action shotgun", a spoken line), by a HUD value with its name ("health ... 58"), or by
    the second of one of them written out ("at 00:53"); at most `most`, in evidence order."""
    low = " ".join(sentence.lower().split())
    times = set(_TIME_RE.findall(low))
    out = []
    for m in evidence:
        said = any(h.label and h.label.lower() in low for h in m.matched)
        for state in m.state:
            value = re.escape(f"{state.value:g}")
            said = said or (state.name.lower() in low and re.search(rf"(?<![\d.]){value}(?!\d)", low) is not None)
        when = {format_ts(h.t) for h in m.matched} | {format_ts(s.t) for s in m.state}
        if said or times & when:
            out.append(m)
    return out[:most]


class CitationGuard:
    """Drops unknown citations from a stream of text pieces as they pass, and with `attach`, ends a
    sentence that cites nothing with the citations of the evidence moments it states (`supporting`).

    A citation holds no whitespace (but for the spaces of an evidence video's name), so text is let
    through up to its last whitespace and the rest (the space, a comma before it, and a word that may
    still grow into a citation) waits for the next piece; `dropped` lists what was taken out and
    `attached` what was added. The user sees the answer word by word, never a citation that is then
    withdrawn. Small models often state the right facts and cite nothing (issue 13): `attach` gives
    those claims the citations of the moments they come from, and only those.
    """

    def __init__(self, evidence: Sequence[Moment], attach: bool = False) -> None:
        self.evidence = evidence
        self.attach = attach
        self.dropped: list[str] = []
        self.attached: list[str] = []
        self.text = ""  # everything let through
        self._held = ""
        self._sentence = ""  # let through since the last sentence ended
        self._cites = _citations_re(evidence)
        # the first words of each evidence video name that holds spaces ("arena" of "arena run"):
        # text ending in one of them is held back, as the rest of a citation may follow
        self._starts = sorted({" ".join(m.video.split(" ")[:k]) for m in evidence if " " in m.video
                               for k in range(1, len(m.video.split(" ")))}, key=len, reverse=True)

    def _let(self, text: str, final: bool = False) -> str:
        clean, dropped = drop_unknown_citations(text, self.evidence)
        self.dropped += dropped
        if self.attach:
            clean = self._ground(clean, final)
        self.text += clean
        return clean

    def _cite(self, sentence: str) -> str:
        if not sentence.strip() or any(_match(c["video"], _cited_time(c["ts"]), self.evidence)
                                       for c in self._cites.finditer(sentence)):
            return ""
        cites = [m.citation for m in supporting(sentence, self.evidence)]
        self.attached += cites
        return "".join(f" [{c}]" for c in cites)

    def _ground(self, text: str, final: bool) -> str:
        """`text` with citations put before the end of each sentence that has none."""
        out, pos = [], 0
        for end in _BOUNDARY_RE.finditer(text):
            self._sentence += text[pos:end.start()]
            out.append(text[pos:end.start()] + self._cite(self._sentence) + end.group(0))
            self._sentence, pos = "", end.end()
        self._sentence += text[pos:]
        out.append(text[pos:])
        if final:
            out.append(self._cite(self._sentence))
            self._sentence = ""
        return "".join(out)

    def feed(self, piece: str) -> str:
        self._held += piece
        cut = max(self._held.rfind(" "), self._held.rfind("\n"), self._held.rfind("\t"))
        for start in self._starts:
            before = self._held[:cut]
            if before.endswith(start) and (len(before) == len(start) or not before[-len(start) - 1].isalnum()):
                cut -= len(start)
                while cut > 0 and self._held[cut - 1] in " \t":  # the blank before goes with it
                    cut -= 1
                break
        if cut <= 0:
            return ""
        ready, self._held = self._held[:cut], self._held[cut:]
        comma = len(ready) - len(ready.rstrip(",;"))  # "(e1m1@00:10, ghost@00:10)": the comma goes with it
        if comma:
            ready, self._held = ready[:-comma], ready[-comma:] + self._held
        return self._let(ready)

    def close(self) -> str:
        rest, self._held = self._held, ""
        return self._let(rest, final=True)

    def filter(self, pieces: Iterable[str]) -> Iterator[str]:
        for piece in pieces:
            if out := self.feed(piece):
                yield out
        if out := self.close():
            yield out


def make_answer(text: str, evidence: Sequence[Moment], backend: str) -> Answer:
    """The answer with unknown citations taken out of its text and counted in `dropped`."""
    clean, dropped = drop_unknown_citations(text, evidence)
    return Answer(text=clean.strip(), citations=parse_citations(clean, evidence), backend=backend, dropped=dropped)
