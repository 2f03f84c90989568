"""Evidence for ask/chat: the best moments for a question, from every matching video when the
question is about the whole library, with keyframes and projected vectors attached for reasoners
that use them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kb.store import KnowledgeBase
from retrieval.query import parse
from retrieval.search import Filters, search
from retrieval.types import Moment

PER_VIDEO = 2  # moments per video for a cross-video question


def gather(kb: KnowledgeBase, question: str, limit: int = 6, filters: Filters | None = None,
           with_media: bool = False) -> list[Moment]:
    q = parse(question)
    f = filters or Filters()
    if q.cross_video and not (f.videos or q.video):
        moments = []
        of_games = set(kb.ready_ids(games=f.games)) if f.games else None
        for video in kb.videos(status="ready"):
            if of_games is not None and video.id not in of_games:
                continue
            per = replace(f, videos=[video.name])
            found = [m for m in search(kb, q, limit=PER_VIDEO, filters=per) if m.extra.get("matched")]
            moments.extend(found)
        moments.sort(key=lambda m: (m.video, m.start_s))
    else:
        moments = search(kb, q, limit=limit, filters=f)
    if with_media:
        attach_media(kb, moments)
    return moments


def attach_media(kb: KnowledgeBase, moments: list[Moment]) -> None:
    """Load each moment's keyframe JPEG and projected vectors from LanceDB."""
    manifest = kb.segments.manifest() or {}
    proj_cols = [c for c in manifest if c.startswith("proj_")]
    for m in moments:
        rows = kb.segments.rows(f"video_id = {int(m.video_id)} AND idx = {int(m.segment_id)}",
                                columns=["keyframe", *proj_cols], limit=1)
        if not rows:
            continue
        m.keyframe = rows[0].get("keyframe")
        m.projected = {c[len("proj_"):]: np.asarray(rows[0][c], dtype=np.float16) for c in proj_cols
                       if rows[0].get(c) is not None}
