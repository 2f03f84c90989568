"""What search returns and what a reasoner consumes (what a reasoner returns, Answer and Citation,
is in reasoning/protocols.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `gamekb videos` and `events` print times from here: they need no numpy
    import numpy as np


# a counter on the HUD ("1/3" laps, "5/8" turns) the generic path saw change: "top-right 1/3 -> 2/3"
COUNTER_CHANGE = re.compile(r"^(?P<name>\S+) \d+/(?P<of>\d+) -> (?P<n>\d+)/(?P=of)$")


@dataclass(frozen=True)
class Matched:
    """One recorded event in a moment's window (kb.lance.RecordedMoment, without its text): what
    matched the question there, or, in `Moment.nearby`, what else happened there."""

    t: float  # when it was first seen or heard, seconds into the video
    source: str  # what read it: ocr, speech, hud, frames, entity ...
    kind: str  # its event kind (kb.kinds)
    label: str  # what it was: "minigun", a spoken line


@dataclass(frozen=True)
class StateValue:
    """A HUD value stored for a moment (a state sample): health 58 at 00:53."""

    name: str  # "health", "clock", or where an unlabelled number stayed ("bottom-left")
    value: float
    t: float  # when it was read, seconds into the video
    role: str | None = None  # of a value's course over a video: first | lowest | highest | last | at | drop
    before: float | None = None  # a drop's value just before it ("90 -> 14")


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
    match: float = 0.0  # share of the question's words this moment holds (retrieval.search.judge), 0..1
    closest: bool = False  # not a match: one of the closest moments, shown on request or when nothing matched
    matched: list[Matched] = field(default_factory=list)  # what matched in the window (a closest moment: the nearest thing)
    # a closest moment: everything recorded in its window; a match for "who ...?" whose own line names
    # no one ("Winner:"): the text the screen read with it (retrieval.evidence._read_with)
    nearby: list[Matched] = field(default_factory=list)
    state: list[StateValue] = field(default_factory=list)  # HUD values read when the matched thing happened
    same_thing: bool = False  # search's verdict: it may count as a match (not "missile" for "missile launcher")
    around: str | None = None  # speech gathered around another moment (retrieval.evidence): that moment's citation
    # a death a "You fragged X" line told: the one the view follows, who killed there (retrieval.evidence._you)
    you: str | None = None

    @property
    def at_s(self) -> float:
        """When the matched thing was first seen or heard (the window opens a little before it)."""
        if self.matched:
            return float(self.matched[0].t)
        return float(self.keyframe_t if self.keyframe_t is not None else self.start_s)

    @property
    def citation(self) -> str:
        return f"{self.video}@{format_ts(self.start_s)}"


def format_clock(value: float) -> str:
    """A game clock as its screen shows it (stored as seconds): 591 -> '9:51', a race timer's
    94.35 -> '1:34.35', an hour or more -> 'H:MM:SS'."""
    whole = int(value)
    h, m, sec = whole // 3600, whole // 60 % 60, whole % 60
    shown = f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
    if value != whole:  # a race timer's hundredths
        shown += f"{value - whole:.2f}"[1:]
    return shown


def format_ts(seconds: float) -> str:
    """65.2 -> '01:05'; an hour or more -> 'H:MM:SS'."""
    s = max(0, int(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
