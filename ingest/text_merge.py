"""Merging: the lines read off single frames joined into one `TextObservation` per showing.

Reads of the same line on neighbouring sampled frames are one observation (snapped reads join by
lexicon entry, unsnapped ones by character similarity); a message that stays on screen longer than
the game's message lifetime was re-triggered, and gets extra observations (`source="ocr+ttl"`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ingest.rules import RulePack
from ingest.snapping import similarity
from ingest.types import TextObservation, TextRead


@dataclass
class _Run:
    key: str
    reads: list[TextRead]

    @property
    def t0(self) -> float:
        return self.reads[0].t

    @property
    def t1(self) -> float:
        return self.reads[-1].t


def _observation(run: _Run, t_start: float | None = None, source: str = "ocr", weight: float = 1.0) -> TextObservation:
    best = max(run.reads, key=lambda r: r.confidence)
    conf = float(np.mean([r.confidence for r in run.reads])) * weight
    return TextObservation(t_start=run.t0 if t_start is None else t_start, t_end=run.t1, text=best.text,
                           raw=best.raw, region=best.region, confidence=round(conf, 4), source=source,
                           kind=best.kind, label=best.label)


def merge(reads: Iterable[TextRead], pack: RulePack | None = None, max_gap_s: float | None = None) -> list[TextObservation]:
    """Join reads of the same line in neighbouring sampled frames into one observation each.

    Snapped reads join by lexicon entry, unsnapped ones by >= 0.8 character similarity. A read
    of another message ends the run (message A, B, A again = three onsets); unsnapped noise in
    between does not. `max_gap_s`: the largest gap bridged (default: 2.5 sampling intervals,
    estimated from the reads' times).

    When the pack says how long a message stays (`message_ttl_s`) and one text stays longer,
    the game must have re-triggered it (e.g. three missiles picked up in a row show one unchanged
    line): an extra observation with source "ocr+ttl" is added at the most likely re-trigger time.
    """
    reads = sorted(reads, key=lambda r: (r.region, r.t))
    if not reads:
        return []
    if max_gap_s is None:
        times = np.unique([r.t for r in reads])
        step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
        max_gap_s = max(2.5 * step, 0.6)
    step = max_gap_s / 2.5
    ttl = pack.message_ttl_s if pack is not None else None
    out: list[TextObservation] = []
    for region in sorted({r.region for r in reads}):
        rs = [r for r in reads if r.region == region]
        snapped: list[_Run] = []
        loose: list[_Run] = []
        for r in rs:
            if r.label is not None or r.kind is not None:
                cur = snapped[-1] if snapped else None
                if cur is not None and cur.key == r.text and r.t - cur.t1 <= max_gap_s:
                    cur.reads.append(r)
                else:
                    snapped.append(_Run(r.text, [r]))
            else:
                for run in reversed(loose):
                    if r.t - run.t1 <= max_gap_s and similarity(run.key, r.text) >= 0.8:
                        run.reads.append(r)
                        break
                else:
                    loose.append(_Run(r.text, [r]))
        for run in snapped:
            out.append(_observation(run))
            # A single message seen at interval `step` spans at most ~ttl - step between its first
            # and last sampled frame (ttl when its onset falls exactly on a sample); longer means
            # it was re-triggered.
            if ttl and region == "message" and run.t1 - run.t0 > ttl - step / 2:
                out += _retriggers(run, ttl)
        # unsnapped text seen in one frame only is usually a misread: keep it only when confident
        out += [_observation(run) for run in loose if len(run.reads) > 1 or run.reads[0].confidence >= 0.8]
    return sorted(out, key=lambda o: (o.t_start, o.region))


def _retriggers(run: _Run, ttl: float) -> list[TextObservation]:
    """Re-trigger onsets of a line seen for longer than one message lifetime.

    Each re-trigger fell within ttl of the previous onset, and the last one was late enough for
    the line to still show at b; with no more to go on, the estimate is the middle of that window.
    """
    a, b = run.t0, run.t1
    n = max(1, math.ceil((b - a) / ttl) - 1)
    last = (max(a, b - ttl) + min(a + ttl, b)) / 2
    times = [a + (last - a) * (k + 1) / n for k in range(n)]
    return [_observation(run, t_start=round(t, 3), source="ocr+ttl", weight=0.5) for t in times if a < t <= b]
