"""What search returns and what a reasoner consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # `gamekb videos` and `events` print times from here: they need no numpy
    import numpy as np


@dataclass
class Moment:
    """One retrieved moment: a window of at most 15 s of one video, with the evidence found there."""

    video: str  # the file's stem, unique in the library
    video_path: str
    video_id: int
    segment_id: int
    start_s: float
    end_s: float
    score: float
    text: str  # the evidence text of that window (screen text, transcript, event labels)
    keyframe: bytes | None = None  # JPEG of the segment's keyframe
    keyframe_t: float | None = None
    projected: dict[str, np.ndarray] = field(default_factory=dict)  # modality -> (d_llm,) float16
    extra: dict[str, Any] = field(default_factory=dict)
    match: float = 0.0  # share of the question's words this moment holds (retrieval.search.judge), 0..1
    closest: bool = False  # not a match: one of the closest moments, shown on request or when nothing matched

    @property
    def at_s(self) -> float:
        """When the matched thing was first seen or heard (the window opens a little before it)."""
        matched = self.extra.get("matched") or []
        return float(matched[0]["t"]) if matched else float(self.keyframe_t if self.keyframe_t is not None else self.start_s)

    @property
    def citation(self) -> str:
        return f"{self.video}@{format_ts(self.start_s)}"


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


def format_ts(seconds: float) -> str:
    """65.2 -> '01:05'; an hour or more -> 'H:MM:SS'."""
    s = max(0, int(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
