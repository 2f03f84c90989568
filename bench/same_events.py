"""Do two libraries hold the same events and HUD samples? For refactors that must not change what
ingest finds: ingest the same clips with the old and the new code into two homes, then compare.

Example (the stage driver, issue 15):
    git worktree add /tmp/old 82e86fd && (cd /tmp/old && python -m cli ingest CLIPS --home /tmp/kb-old)
    python -m cli ingest CLIPS --home /tmp/kb-new
    python bench/same_events.py /tmp/kb-old /tmp/kb-new
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def contents(home: Path) -> dict[str, set[tuple]]:
    from sqlmodel import select

    from kb.schema import Event, StateSample, Video
    from kb.store import KnowledgeBase

    kb = KnowledgeBase.open(home)
    with kb.session() as s:
        names = {v.id: Path(v.path).name for v in s.exec(select(Video))}
        events = {(names[e.video_id], e.t_start, e.t_end, e.kind, e.label, e.value) for e in s.exec(select(Event))}
        states = {(names[x.video_id], x.t, x.name, x.value) for x in s.exec(select(StateSample))}
    return {"events": events, "states": states}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    args = ap.parse_args()
    a, b = contents(args.a), contents(args.b)
    same = True
    for what in a:
        only_a, only_b = sorted(a[what] - b[what]), sorted(b[what] - a[what])
        print(f"{what}: {len(a[what])} in {args.a}, {len(b[what])} in {args.b}; "
              f"{len(only_a)} only in the first, {len(only_b)} only in the second")
        for row in only_a[:10]:
            print("  -", row)
        for row in only_b[:10]:
            print("  +", row)
        same = same and not only_a and not only_b
    print("identical" if same else "different")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
