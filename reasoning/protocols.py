"""The Reasoner interface: a question plus retrieved moments in, an answer with citations out."""

from __future__ import annotations

from typing import Iterator, Protocol, Sequence

from retrieval.types import Answer, Moment


class Reasoner(Protocol):
    name: str

    def answer(self, question: str, evidence: Sequence[Moment]) -> Answer:
        """Answer from the evidence only; every claim cites video@MM:SS of a moment it came from."""

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        """Yield the answer text as it is produced (chat uses this); the last chunk completes it."""
