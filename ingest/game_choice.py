"""`--game auto`: which pack reads this video, scored on its first sampled frames.

Phases (`choose`):
1. cheap, no OCR: a pack with a status bar scores the share of frames that show it (panel borders
   where the pack says they are); a clear majority picks the pack at once;
2. otherwise the screen text of a few of the frames (the message regions of each pack, and one
   full-screen read per frame) is matched against each pack's lexicon and `classify`: a pack
   scores by the different lines it knows (a label on every frame is one line, and a line of one
   word, which may be a word of any game, counts half);
3. the best pack at or above `MIN_SCORE` wins; none means the generic path.
The frames come from the pipeline's own decode (the first `FRAMES` sampled frames): no second
pass over the file, and the Doom path pays only the status-bar test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ingest.rules import RulePack, get_pack, packs
from ingest.types import Frame

FRAMES = 20  # sampled frames looked at: 10 s at the default 2 fps
MIN_SCORE = 0.5
BAR_SHARE = 0.6  # a status bar in this share of the frames is enough on its own
TEXT_FRAMES = 4  # frames whose whole screen is read in phase 2 (~0.1-0.2 s each)
TEXT_HITS = 2  # different lines the pack knows that make a full score
ONE_WORD = 0.5  # what a line of one word counts for


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
        # the different lines the pack knows, each counted once (a label on every frame is one line):
        # typed reads of its message regions, and screen lines its lexicon or `classify` knows; a
        # line of one word counts half ("Rubber" of another game's HUD is a Hedgewars weapon too)
        known = {snapping.lexicon_key(r.text): 1.0 for f in sample for r in (ocr.read_frame(f, engine, p) if p.message_regions else [])
                 if r.kind is not None}
        for lines in screen:
            for line in lines:
                if snapping.lexicon_key(line) not in known and _knows(p, line):
                    known[snapping.lexicon_key(line)] = 1.0 if len(line.split()) >= 2 else ONE_WORD
        scores[p.name] = max(scores.get(p.name, 0.0), min(1.0, sum(known.values()) / TEXT_HITS))
    best = max(scores, key=scores.__getitem__)
    if scores[best] >= MIN_SCORE:
        return Choice(get_pack(best), round(scores[best], 3), scores)
    return Choice(get_pack("generic"), round(1.0 - scores[best], 3), scores)


def _knows(pack: RulePack, line: str) -> bool:
    from ingest import snapping

    if pack.classify is not None and pack.classify(line) is not None:
        return True
    entry, score = snapping.snap(line, pack)
    return entry is not None and score >= pack.screen_snap_threshold
