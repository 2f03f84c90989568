"""`--game auto`: which pack reads this video, scored on its first sampled frames.

Phases (`choose`):
1. cheap, no OCR: a pack with a status bar scores the share of frames that show it (panel borders
   where the pack says they are); a clear majority picks the pack at once;
2. otherwise the screen text of a few of the frames (the message regions of each pack, and one
   full-screen read per frame) is matched against each pack's lexicon and `classify`: a pack
   scores by the different lines it knows that come and go (a HUD label of another game that
   happens to be a word of this one, on every frame, is not evidence);
3. the best pack at or above `MIN_SCORE` wins; none means the generic path.
The frames come from the pipeline's own decode (the first `FRAMES` sampled frames): no second
pass over the file, and the Doom path pays only the status-bar test.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ingest.rules import RulePack, get_pack, packs
from ingest.types import Frame

FRAMES = 20  # sampled frames looked at: 10 s at the default 2 fps
MIN_SCORE = 0.5
BAR_SHARE = 0.6  # a status bar in this share of the frames is enough on its own
TEXT_FRAMES = 4  # frames whose whole screen is read in phase 2 (~0.1-0.2 s each)
TEXT_HITS = 2  # different lines the pack knows, each shown in at most half the frames, that make a full score


@dataclass(frozen=True)
class Choice:
    pack: RulePack
    score: float | None  # None when the user named the pack
    scores: dict[str, float]

    @property
    def name(self) -> str:
        return self.pack.name


def named(name: str) -> Choice:
    return Choice(get_pack(name), None, {})


def choose(frames: Sequence[Frame], engine, candidates: Sequence[RulePack] | None = None) -> Choice:
    from ingest import hud, ocr, snapping

    pool = [p for p in (candidates if candidates is not None else [get_pack(n) for n in packs()]) if p.name != "generic"]
    scores: dict[str, float] = {}
    if not frames or not pool:
        return Choice(get_pack("generic"), 0.0, scores)
    for p in pool:
        if p.status_bar is not None and p.status_bar_borders:
            scores[p.name] = sum(hud.bar_view(f.image, p) is not None for f in frames) / len(frames)
    best = max(scores, key=scores.__getitem__, default=None)
    if best is not None and scores[best] >= BAR_SHARE:
        return Choice(get_pack(best), round(scores[best], 3), scores)
    step = max(1, len(frames) // TEXT_FRAMES)
    sample = list(frames)[step // 2::step][:TEXT_FRAMES]
    screen = [[snapping.clean(raw) for raw, conf in engine.read(f.image) if conf >= 0.6] for f in sample]
    for p in pool:
        # what the pack knows, per frame: its message regions' typed reads, and screen lines that
        # snap to its lexicon or that its `classify` types
        known = [{_key(r.text) for r in (ocr.read_frame(f, engine, p) if p.message_regions else []) if r.kind is not None}
                 | {_key(line) for line in lines if _knows(p, line)} for f, lines in zip(sample, screen)]
        # lines that come and go, each counted once: a label on every frame ("Rubber" of another
        # game's HUD, a weapon in this one) says less than two different messages
        seen = Counter(k for keys in known for k in keys)
        evidence = [k for k, n in seen.items() if n <= max(1, len(sample) // 2)]
        scores[p.name] = max(scores.get(p.name, 0.0), min(1.0, len(evidence) / TEXT_HITS))
    best = max(scores, key=scores.__getitem__)
    if scores[best] >= MIN_SCORE:
        return Choice(get_pack(best), round(scores[best], 3), scores)
    return Choice(get_pack("generic"), round(1.0 - scores[best], 3), scores)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _knows(pack: RulePack, line: str) -> bool:
    from ingest import snapping

    if pack.classify is not None and pack.classify(line) is not None:
        return True
    entry, score = snapping.snap(line, pack)
    return entry is not None and score >= pack.screen_snap_threshold
