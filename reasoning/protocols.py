"""The Reasoner interface: a question plus retrieved moments in, an answer with citations out.

A backend also says what it needs, so that the faces (cli.py, reasoning/web) and the use cases
(reasoning/usecases.py) never decide by its name: `wants_media` (load each moment's keyframe and
projected vectors for it) and `reports_progress` (its constructor takes `progress`, a callable that
shows what a slow model load is doing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Iterator, Protocol, Sequence

from retrieval.types import Moment, format_ts


@dataclass(frozen=True)
class Citation:
    video: str
    video_path: str
    start_s: float
    end_s: float

    def __str__(self) -> str:
        return f"{self.video}@{format_ts(self.start_s)}"


@dataclass
class Answer:
    text: str  # every claim ends with its citation, written video@MM:SS
    citations: list[Citation]
    backend: str = "extractive"
    dropped: list[str] = field(default_factory=list)  # citations the model wrote that cite no evidence moment


class Reasoner(Protocol):
    name: str
    # Keyframes and projected vectors are read from LanceDB for every evidence moment when true
    # (retrieval.evidence.attach_media): they cost a query per moment, so a text-only backend says no.
    wants_media: ClassVar[bool]
    # The constructor takes `progress: Callable[[str], None]`, called with a line while a model loads.
    reports_progress: ClassVar[bool]

    def answer(self, question: str, evidence: Sequence[Moment]) -> Answer:
        """Answer from the evidence only; every claim cites video@MM:SS of a moment it came from."""

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        """Yield the answer text as it is produced (chat uses this); the last chunk completes it."""
