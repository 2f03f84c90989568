"""`gamekb doctor`: check the SQL store and the LanceDB table against each other, and repair.

What a healthy library looks like (issue 4): every `ready` video has exactly one LanceDB row per SQL
segment (no duplicates), no other video has rows in either store beyond its `video` row, no video
is left `ingesting` by a process that died (its lock is free), and the full-text index exists.

Repairs never touch a healthy ready video: orphan LanceDB rows are deleted, a ready video whose
rows disagree is reset to `pending` (invisible; the next `gamekb ingest` of the file redoes it),
a stale `ingesting` video is reset the same way, and a missing full-text index is rebuilt.
A video whose lock is held by a running ingest is left alone.

Dead space (issue 14): LanceDB files no version in use needs (versions replaced before the
grace period, what failed writes left) are reported once they are at least a tenth of the live
data and 1 MiB, and --repair removes them first of all, so that a repair on a full disk has room.
On a full disk SQLite (in WAL mode) cannot open the library at all; --repair then first reclaims
the dead space without it (`reclaim_without_sql`), which may be what filled the disk, and tries
again. A repair that finds no space stops with DiskFull, saying how far it got.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func
from sqlmodel import col, select

from kb.errors import DiskFull
from kb.lance import Space
from kb.schema import Event, Segment, Video, saved_id
from kb.store import KnowledgeBase

DEAD_MIN_BYTES = 1 << 20  # below this, dead space is not worth a finding (a few old manifests)
DEAD_MIN_SHARE = 0.1  # nor below this share of the live data: normal ingest keeps it near 0


@dataclass
class Finding:
    # lance-orphan | lance-duplicates | missing-lance-rows | row-count-mismatch | stale-ingesting | sql-leftovers | missing-fts | dead-space
    check: str
    detail: str
    video: str | None = None
    video_id: int | None = None
    repaired: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def space(kb: KnowledgeBase) -> Space:
    """How much of the LanceDB folder is live data, held for running readers, and dead."""
    return kb.segments.space()


def reclaim_without_sql(settings) -> int:
    """Remove the LanceDB table's dead space with only the Lance writer lock (a file lock in the
    home: the SQL store is SQLite when a full home disk keeps it from opening). Bytes freed."""
    import fcntl

    from kb.lance import SegmentTable

    lock = settings.home / "locks" / "lance.lock"
    if not lock.exists():
        return 0
    with open(lock, "r") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            table = SegmentTable(settings.lance_path, readers_lock=settings.home / "locks" / "lance-readers.lock")
            return table.cleanup(delete_unverified=True)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def check(kb: KnowledgeBase, repair: bool = False) -> list[Finding]:
    """Every inconsistency found (and, with repair=True, fixed)."""
    found: list[Finding] = []
    with kb.lock("lance"):  # no ingest writes Lance rows while we compare
        videos = {saved_id(v): v for v in kb.videos()}
        lance = kb.segments.video_counts()
        with kb.session() as s:
            sql_segments = dict(s.exec(select(Segment.video_id, func.count()).group_by(col(Segment.video_id))).all())
            sql_events = dict(s.exec(select(Event.video_id, func.count()).group_by(col(Event.video_id))).all())
        busy = {vid for vid, v in videos.items() if v.status == "ingesting" and _locked(kb, v.sha256)}

        for vid, (rows, distinct) in sorted(lance.items()):
            v = videos.get(vid)
            if v is None:
                found.append(Finding("lance-orphan", f"{rows} LanceDB rows for video id {vid}, which SQL does not know",
                                     None, vid))
            elif v.status != "ready" and vid not in busy:
                found.append(Finding("lance-orphan", f"{rows} LanceDB rows for a video that is {v.status}", v.name, vid))
            elif v.status == "ready" and rows != distinct:
                found.append(Finding("lance-duplicates", f"{rows} LanceDB rows for {distinct} segments", v.name, vid))
            elif v.status == "ready" and distinct != sql_segments.get(vid, 0):
                found.append(Finding("row-count-mismatch", f"{distinct} LanceDB rows but {sql_segments.get(vid, 0)} "
                                     "SQL segments", v.name, vid))
        for vid, v in sorted(videos.items()):
            if v.status == "ready" and vid not in lance:
                found.append(Finding("missing-lance-rows", f"ready with {sql_segments.get(vid, 0)} SQL segments but no "
                                     "LanceDB rows", v.name, vid))
            elif v.status == "ingesting" and vid not in busy:
                found.append(Finding("stale-ingesting", "left `ingesting` by a process that is no longer running",
                                     v.name, vid))
            elif v.status != "ready" and vid not in busy and (sql_segments.get(vid) or sql_events.get(vid)):
                found.append(Finding("sql-leftovers", f"{sql_segments.get(vid, 0)} segments and {sql_events.get(vid, 0)} "
                                     f"events of a video that is {v.status}", v.name, vid))
        if lance and not kb.segments.has_fts():
            found.append(Finding("missing-fts", "the LanceDB table has no full-text index on `text`"))
        room = space(kb)
        if room.dead_bytes >= max(DEAD_MIN_BYTES, DEAD_MIN_SHARE * room.live_bytes):
            found.insert(0, Finding("dead-space", f"{mb(room.dead_bytes)} of old versions and leftovers beside "
                                    f"{mb(room.live_bytes)} of live data ({room.versions} versions)"))

        if repair:
            # dead space first: it only deletes files, so it works on a full disk and makes room
            freed = kb.segments.cleanup(delete_unverified=True)
            for i, f in enumerate(found):
                try:
                    _repair(kb, f, videos, freed)
                except Exception as exc:
                    if not kb.disk_full(exc):
                        raise
                    where = kb.full_at(exc)
                    raise DiskFull(f"disk full at {where}: {i} of {len(found)} problems repaired; free space and "
                                   "run gamekb doctor --repair again", where=where) from None
    return found


def _locked(kb: KnowledgeBase, sha256: str) -> bool:
    with kb.video_lock(sha256) as mine:
        return not mine


def _repair(kb: KnowledgeBase, f: Finding, videos: dict[int, Video], freed: int) -> None:
    # The Lance lock is already held by check(); KnowledgeBase methods that take it would block,
    # so Lance deletions go straight to the table here.
    v = videos.get(f.video_id) if f.video_id is not None else None
    if f.check == "dead-space":
        f.detail += f"; {mb(freed)} freed"
    elif f.check == "missing-fts":
        kb.segments.refresh_index()
    elif f.check == "lance-orphan" and f.video_id is not None and (v is None or v.status != "ingesting"):
        kb.segments.delete_video(f.video_id)
    elif v is not None:  # a ready video whose stores disagree, a stale ingest, leftovers: redo it
        kb.segments.delete_video(saved_id(v))
        kb.reset_video(saved_id(v), f"reset by gamekb doctor: {f.detail}", lance=False)
    f.repaired = True
