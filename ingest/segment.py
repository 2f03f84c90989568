"""Segments: fixed windows of at most `segment_s`, snapped to scene cuts."""

from __future__ import annotations

from typing import Sequence


def windows(duration_s: float, cuts: Sequence[float], segment_s: float = 10.0,
            min_segment_s: float = 3.0) -> list[tuple[float, float]]:
    """Cover [0, duration) with ordered, non-overlapping windows no longer than segment_s.

    A window ends at the first scene cut at least min_segment_s after its start, else after segment_s.
    """
    if duration_s <= 0:
        return []
    cuts = sorted(c for c in cuts if 0 < c < duration_s)
    out: list[tuple[float, float]] = []
    start = 0.0
    while start < duration_s - 1e-6:
        end = min(next_end(start, cuts, segment_s, min_segment_s), duration_s)
        if duration_s - end < min_segment_s * 0.5:  # do not leave a sliver at the end
            end = duration_s if duration_s - start <= segment_s + min_segment_s * 0.5 else end
        out.append((round(start, 3), round(end, 3)))
        start = end
    return out


def next_end(start: float, cuts: Sequence[float], segment_s: float, min_segment_s: float) -> float:
    """Where the window that starts at `start` ends, before the end-of-video rule: the first cut
    (in sorted `cuts`) at least min_segment_s after its start, else start + segment_s. Shared with
    the streaming segmenter (ingest.stream.SegmentWindows), which decides windows as frames arrive."""
    end = start + segment_s
    for c in cuts:
        if start + min_segment_s <= c < end:
            return c
    return end


def index_of(t: float, spans: Sequence[tuple[float, float]]) -> int:
    """The window holding time t (the last one for t past the end)."""
    for i, (a, b) in enumerate(spans):
        if a <= t < b:
            return i
    return max(0, len(spans) - 1) if t >= 0 else 0
