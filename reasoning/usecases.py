"""What the two faces do, written once (issue 15 part 4). `cli.py` parses a command line and prints;
`reasoning/web/app.py` parses a request and sends JSON; both call these and shape nothing else.

- `reasoner(name, options, progress)`  the reasoner backend, its model loaded
- `evidence` / `ask` / `stream`        a question -> the moments it is about -> the answer (chat asks
                                       `stream` once a line); the moments carry keyframes and projected
                                       vectors when the backend declares `wants_media`
- `events`, `keyframe`                 the event table filtered; a segment's keyframe
- `*_row`                              the rows of `--json`, which the web API extends with ids and links

What a backend needs is what it declares (reasoning.protocols.Reasoner: `wants_media`,
`reports_progress`), never its name: a third-party reasoner gets the same treatment as a built-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from kb.names import path_of
from kb.schema import saved_id
from kb.store import KnowledgeBase
from reasoning.extractive import describe
from reasoning.protocols import Answer, Citation, Reasoner
from retrieval.search import Filters
from retrieval.types import Moment

__all__ = ["Streamed", "ask", "citation_row", "describe", "event_row", "events", "evidence", "hit_details", "hit_row",
           "keyframe", "reasoner", "shown_path", "stream", "video_rows"]


# -- ask and chat -------------------------------------------------------------------------------

def reasoner(name: str = "extractive", options: dict[str, Any] | None = None,
             progress: Callable[[str], None] | None = None) -> Reasoner:
    """The reasoner `name` with `options`, its model read now (a backend that `reports_progress`
    tells `progress` what it is doing meanwhile, unless the options name a progress of their own)."""
    from kb.models import registry

    options = dict(options or {})
    if progress is not None and getattr(registry.get("reasoner", name).factory, "reports_progress", False):
        options.setdefault("progress", progress)
    engine = registry.create("reasoner", name, **options)
    if hasattr(engine, "load"):
        engine.load()
    return engine


def evidence(kb: KnowledgeBase, question: str, engine: Reasoner, limit: int = 6,
             filters: Filters | None = None) -> list[Moment]:
    """The moments that answer the question (retrieval.evidence), with the media the reasoner wants.
    A backend that does not declare `wants_media` gets them, as every reasoner but the built-in
    text-only ones always did."""
    from retrieval.evidence import gather

    return gather(kb, question, limit=limit, filters=filters, with_media=getattr(engine, "wants_media", True))


def ask(kb: KnowledgeBase, question: str, engine: Reasoner, limit: int = 6, filters: Filters | None = None) -> Answer:
    """The whole answer at once, its citations parsed (`gamekb ask --json`, POST /api/ask)."""
    return engine.answer(question, evidence(kb, question, engine, limit, filters))


@dataclass
class Streamed:
    """An answer as the reasoner writes it: iterate over it for the text; once it is read, `dropped`
    lists the citations of no evidence moment that were taken out of it."""

    engine: Reasoner
    chunks: Iterator[str]
    moments: list[Moment] = field(default_factory=list)  # the evidence it answers from

    def __iter__(self) -> Iterator[str]:
        return iter(self.chunks)

    def citations(self, text: str) -> list[Citation]:
        """The citations of the finished text, each one a moment of the evidence."""
        from reasoning.prompting import parse_citations

        return parse_citations(text, self.moments)

    @property
    def dropped(self) -> list[str]:
        return list(getattr(self.engine, "last_dropped", None) or [])


def stream(kb: KnowledgeBase, question: str, engine: Reasoner, limit: int = 6, filters: Filters | None = None) -> Streamed:
    """The answer as it is written (`gamekb ask`, each line of `gamekb chat`). The evidence is
    gathered before this returns, so a bad filter is an error here, before any text."""
    moments = evidence(kb, question, engine, limit, filters)
    return Streamed(engine, iter(engine.stream(question, moments)), moments)


# -- the event table and media ------------------------------------------------------------------

def events(kb: KnowledgeBase, filters: Filters, text: str | None = None, limit: int | None = None,
           offset: int = 0) -> list[tuple[Any, Any]]:
    """(event, video) pairs of ready videos, filtered; an unknown video or game is an error that
    lists the library's."""
    ids = kb.ready_ids(filters.videos, filters.games) if filters.videos or filters.games else None
    return kb.events(ids, filters.kinds, filters.t_from, filters.t_to, text, limit, offset=offset)


def keyframe(kb: KnowledgeBase, video_id: int, segment_id: int) -> bytes | None:
    """A segment's keyframe JPEG, or None when the library holds none."""
    rows = kb.segments.rows(f"video_id = {int(video_id)} AND idx = {int(segment_id)}", columns=["keyframe"], limit=1)
    return (rows[0].get("keyframe") or None) if rows else None


# -- rows: the fields of --json, the same in the web API ----------------------------------------

def shown_path(path: str, full: bool = True) -> str:
    """The stored path, or only the file name (a server that others can reach shows no paths)."""
    return path if full else path_of(path).name


def video_rows(kb: KnowledgeBase, status: str | None = None, full_paths: bool = True) -> list[dict[str, Any]]:
    counts = kb.segment_counts()
    return [{"id": v.id, "video": v.name, "video_path": shown_path(v.path, full_paths), "status": v.status,
             "duration_s": round(v.duration_s, 2), "segments": counts.get(saved_id(v), 0), "game": v.game,
             "game_score": None if v.game_score is None else round(v.game_score, 3)} for v in kb.videos(status=status)]


def event_row(e, v) -> dict[str, Any]:
    return {"video": v.name, "t_start": e.t_start, "t_end": e.t_end, "kind": e.kind, "label": e.label,
            "value": e.value, "source": e.source}


def hit_row(m: Moment, full_paths: bool = True) -> dict[str, Any]:
    return {"video": m.video, "video_path": shown_path(m.video_path, full_paths), "start_s": m.start_s, "end_s": m.end_s,
            "score": round(m.score, 5), "text": m.text, "match": not m.closest}


def hit_details(kb: KnowledgeBase, m: Moment) -> dict[str, Any]:
    """What a result card shows beyond hit_row: what matched in words, the screen text read and the
    words said in its window, where it is and when the matched thing happened."""
    screen: list[str] = []
    said: list[str] = []
    for e, _v in kb.events([m.video_id], t_from=m.start_s, t_to=m.end_s):
        if e.source == "ocr":
            line = (e.payload or {}).get("text") or e.label
            if line not in screen:
                screen.append(line)
        elif e.source == "speech" and e.label not in said:
            said.append(e.label)
    return {"video_id": m.video_id, "segment_id": m.segment_id, "keyframe_t": m.keyframe_t, "citation": m.citation,
            "description": describe(m), "screen_text": screen, "transcript": said, "at_s": round(m.at_s, 2)}


def citation_row(c: Citation, full_paths: bool = True) -> dict[str, Any]:
    return {"video": c.video, "video_path": shown_path(c.video_path, full_paths), "start_s": c.start_s, "end_s": c.end_s}
