"""KnowledgeBase: the one facade over both stores (SQL for what happened when, LanceDB for search).

A video is visible to search, events and ask only once its status is `ready`, which is set in the
same SQL transaction that writes its segments and events, after its LanceDB rows are written.
A crash anywhere before that leaves the video `ingesting` or `pending`: invisible, and redone (its
leftover LanceDB rows deleted first) by the next run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from kb import sql
from kb.config import Settings
from kb.errors import GamekbError, full_path, is_disk_full
from kb.lance import SegmentRow, SegmentTable
from kb.names import name_of, path_of, stored_path
from kb.schema import Entity, Event, IngestRun, Segment, StateSample, Video, saved_id, utcnow

log = logging.getLogger(__name__)

# Crash points (issue 4): places where a process can die mid-ingest. With GAMEKB_FAULT=<name> the
# process exits at once (os._exit: no cleanup, no finally blocks, like kill -9), so tests can
# check that every one of them leaves nothing half-visible and that a rerun repairs it.
CRASH_POINTS = ("identify", "probe", "claim", "watch", "segment", "index", "embed",
                "lance-delete", "lance-add", "lance-index", "sql-rows", "sql-commit")
FAULT_ENV = "GAMEKB_FAULT"
_exit = os._exit  # tests may swap in a raise to crash in-process; the CLI always really exits


def crash_point(name: str) -> None:
    """Exit the process here, with status 86, when GAMEKB_FAULT names this point (tests only)."""
    if os.environ.get(FAULT_ENV) == name:
        _exit(86)


@dataclass
class VideoRecords:
    """Everything ingest produced for one video, written in one go by KnowledgeBase.commit_video."""

    segments: list[Segment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    states: list[StateSample] = field(default_factory=list)
    rows: list[SegmentRow] = field(default_factory=list)  # LanceDB rows
    manifest: dict[str, dict[str, Any]] = field(default_factory=dict)  # column -> model spec
    game: str | None = None  # the game pack the video was read with
    game_score: float | None = None  # 0..1, how well that pack matched when chosen by --game auto; None when named


def _prepare_home(home: Path) -> None:
    """Create the knowledge base's folder; one clear GamekbError when it cannot hold one (a file
    such as /etc/passwd, a folder such as /proc, a read-only place), never a FileExistsError."""
    again = "; name a folder you can write to with --home or GAMEKB_HOME (it is created if missing)"
    if home.exists() and not home.is_dir():
        raise GamekbError(f"the knowledge base folder {home} is a file, not a folder{again}")
    try:
        home.mkdir(parents=True, exist_ok=True)
        (home / "locks").mkdir(exist_ok=True)
        with tempfile.TemporaryFile(dir=home):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc)
        if exc.filename and Path(exc.filename) != home:
            why += f": {exc.filename}"
        raise GamekbError(f"cannot keep a knowledge base in {home} ({why}){again}") from exc


class KnowledgeBase:
    def __init__(self, settings: Settings):
        self.settings = settings
        if settings.db_url is None or settings.lance_uri is None:
            _prepare_home(settings.home)
        self.engine = sql.make_engine(settings.sql_url)
        with self.lock("schema"):
            sql.upgrade(self.engine)
        # queries hold this file lock shared while they run, so that ingest can remove replaced
        # table versions at once when none is running (kb.lance); readers of a table that is not in a
        # local folder may be on other machines, where no file lock reaches: the grace period alone
        local = settings.lance_uri is None or "://" not in settings.lance_uri
        self.segments = SegmentTable(settings.lance_path,
                                     readers_lock=settings.home / "locks" / "lance-readers.lock" if local else None)

    @classmethod
    def open(cls, home: str | Path | None = None) -> "KnowledgeBase":
        return cls(Settings.load(home))

    def session(self):
        return sql.session(self.engine)

    # -- locking ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, name: str, blocking: bool = True) -> Iterator[bool]:
        """An advisory lock, released by the OS or the database server if its holder dies: a file
        lock in the KB home, or a PostgreSQL advisory lock (seen by every machine) when the SQL
        store is PostgreSQL (issue 8).

        Yields False (without holding it) when blocking=False and another process holds it.
        """
        if sql.is_postgres(self.engine):
            with sql.advisory_lock(self.engine, name, blocking) as got:
                yield got
            return
        import fcntl

        lock_dir = self.settings.home / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with open(lock_dir / f"{name}.lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def video_lock(self, sha256: str, blocking: bool = False):
        """The lock an ingest holds on one video (by content hash) for as long as it works on it."""
        return self.lock(f"video-{sha256[:20]}", blocking=blocking)

    # -- videos ----------------------------------------------------------------------------
    def videos(self, status: str | None = None) -> list[Video]:
        with self.session() as s:
            q = select(Video).order_by(col(Video.id))
            if status:
                q = q.where(Video.status == status)
            return list(s.exec(q))

    def video_by_sha(self, sha256: str) -> Video | None:
        with self.session() as s:
            return s.exec(select(Video).where(Video.sha256 == sha256)).first()

    def segment_counts(self) -> dict[int, int]:
        with self.session() as s:
            rows = s.exec(select(Segment.video_id, func.count()).group_by(col(Segment.video_id)))
            return {vid: n for vid, n in rows}

    def resolve_videos(self, names: Sequence[str]) -> list[Video]:
        """Ready videos named by stem (or path); an unknown name is an error that lists the library."""
        ready = self.videos(status="ready")
        out = []
        for name in names:
            match = [v for v in ready if v.name == name or v.path == name or path_of(v.path).name == name]
            if not match:
                lowered = [v for v in ready if v.name.lower() == name.lower()]
                match = lowered
            if not match:
                known = ", ".join(v.name for v in ready[:10]) or "none yet (run gamekb ingest)"
                raise GamekbError(f"no ready video named {name!r}; the library has: {known}")
            out.extend(match)
        return out

    def hidden_ids(self) -> list[int]:
        """Videos that are not ready (ingesting, failed, pending): their LanceDB rows, if any, must
        not be seen. Usually none or a few, so excluding them is cheaper than listing every ready one."""
        with self.session() as s:
            return list(s.exec(select(Video.id).where(Video.status != "ready")))

    def ready_paths(self, ids: Sequence[int]) -> dict[int, str]:
        """{id: path} of those of `ids` that are ready now."""
        if not ids:
            return {}
        with self.session() as s:
            rows = s.exec(select(Video.id, Video.path).where(col(Video.id).in_(list(ids)), Video.status == "ready"))
            return {vid: path for vid, path in rows}

    def ready_names(self) -> list[tuple[str, str | None]]:
        """(name, game) of every ready video, by id."""
        with self.session() as s:
            return list(s.exec(select(Video.name, Video.game).where(Video.status == "ready").order_by(col(Video.id))))

    def games(self) -> list[str]:
        """The game packs the ready videos were read with, sorted."""
        with self.session() as s:
            return sorted({g for g in s.exec(select(Video.game).where(Video.status == "ready").distinct()) if g})

    def ready_ids(self, names: Sequence[str] | None = None, games: Sequence[str] | None = None) -> list[int]:
        """Ids of the ready videos named (all when none are) that were read with one of `games` (any
        game when None). A game no ready video has is an error that lists the library's games."""
        videos = self.resolve_videos(names) if names else self.videos(status="ready")
        if games:
            present = self.games()
            for g in games:
                if g not in present:
                    known = ", ".join(present) or "none yet (run gamekb ingest)"
                    raise GamekbError(f"no ready video of game {g!r}; games in the library: {known}")
            videos = [v for v in videos if v.game in games]
        return [saved_id(v) for v in videos]

    def _unique_name(self, s, stem: str, sha256: str) -> str:
        name, n = stem, 1
        while True:
            other = s.exec(select(Video).where(Video.name == name)).first()
            if other is None or other.sha256 == sha256:
                return name
            n += 1
            name = f"{stem}-{n}"

    def claim(self, path: Path, sha256: str, info: dict[str, Any], profile: str) -> Video:
        """Create the video row (or reset a failed/interrupted one) and mark it `ingesting`.

        Two processes may pick the same new name for different files at once; the loser's insert
        breaks the unique constraint and it tries again with the next free name.
        """
        for attempt in range(5):
            try:
                return self._claim(path, sha256, info, profile)
            except IntegrityError:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _claim(self, path: Path, sha256: str, info: dict[str, Any], profile: str) -> Video:
        with self.session() as s:
            video = s.exec(select(Video).where(Video.sha256 == sha256)).first()
            if video is None:
                video = Video(name=self._unique_name(s, name_of(path), sha256), path=stored_path(path), sha256=sha256)
            video.path = stored_path(path)
            for key, value in info.items():
                setattr(video, key, value)
            video.status, video.error, video.profile, video.updated_at = "ingesting", None, profile, utcnow()
            s.add(video)
            s.commit()
            s.refresh(video)
            return video

    def reset_video(self, video_id: int, reason: str, lance: bool = True) -> None:
        """Make a video invisible and due for redoing: rows removed from both stores, status `pending`.

        lance=False leaves the LanceDB rows to a caller that already holds the Lance lock."""
        self.discard_partial(video_id, lance=lance)
        with self.session() as s:
            video = s.get(Video, video_id)
            video.status, video.error, video.updated_at = "pending", reason[:2000], utcnow()
            s.add(video)
            s.commit()

    def update_path(self, video: Video, path: Path) -> None:
        with self.session() as s:
            v = s.get(Video, video.id)
            v.path, v.updated_at = stored_path(path), utcnow()
            s.add(v)
            s.commit()

    def check_models(self, manifest: dict[str, dict[str, Any]]) -> None:
        """ModelMismatch now, when the LanceDB table was built with other models than these."""
        if self.segments.manifest() is not None:
            self.segments.ensure(manifest)

    def commit_video(self, video_id: int, records: VideoRecords, models: dict[str, Any]) -> None:
        """Write a video's rows to both stores and only then make it visible (status `ready`).

        LanceDB first (delete, then one append: each is one atomic Lance commit), then every SQL row
        and the status in one transaction. A crash between the two leaves Lance rows of a video that
        is not `ready`: search never shows them (it filters on ready ids) and the next ingest of the
        video, or `gamekb doctor --repair`, deletes them. The Lance lock keeps two processes from
        interleaving a delete and an append of the same video, so its rows are never doubled.
        """
        with self.session() as s:
            video = s.get(Video, video_id)
            name = video.name
        with self.lock("lance"):
            self.segments.ensure(records.manifest)
            self.segments.delete_video(video_id)
            crash_point("lance-delete")
            self.segments.add([row.record(video_id, name) for row in records.rows],
                              after_add=lambda: crash_point("lance-add"))
            crash_point("lance-index")
        with self.session() as s:
            self._delete_rows(s, video_id)
            for obj in (*records.segments, *records.events, *records.entities, *records.states):
                obj.video_id = video_id
                s.add(obj)
            video = s.get(Video, video_id)
            video.status, video.models, video.updated_at = "ready", models, utcnow()
            video.game, video.game_score = records.game, records.game_score
            s.add(video)
            s.flush()
            crash_point("sql-rows")  # rows sent, transaction not committed: SQLite rolls it back
            s.commit()
        crash_point("sql-commit")

    def _delete_rows(self, s, video_id: int) -> None:
        for table in (Segment, Event, Entity, StateSample):
            s.exec(delete(table).where(col(table.video_id) == video_id))

    def discard_partial(self, video_id: int, lance: bool = True) -> None:
        """Remove whatever an interrupted ingest of this video left in either store."""
        if lance:
            with self.lock("lance"):
                self.segments.delete_video(video_id)
        with self.session() as s:
            self._delete_rows(s, video_id)
            s.commit()

    def set_aside(self, video_id: int, reason: str) -> None:
        """After a full disk: reset the video to `pending` as far as the disk allows. Whatever cannot
        be written now is harmless: the video is not `ready`, so nothing of it is visible, and the
        next ingest (or gamekb doctor --repair) removes what is left of it."""
        try:
            self.reset_video(video_id, reason)
        except Exception as exc:
            if not self.disk_full(exc):
                raise
            log.debug("could not reset video %s on a full disk", video_id, exc_info=True)

    def disk_full(self, exc: BaseException) -> bool:
        """Whether `exc` means that the disk (of the home, or the database server's) is full."""
        return is_disk_full(exc, self.settings.home)

    def full_at(self, exc: BaseException) -> str:
        """Where the disk that `exc` found full is: the KB home, unless the error names a file
        elsewhere (a temporary folder) or came from a PostgreSQL server."""
        from sqlalchemy.exc import DBAPIError

        name = full_path(exc)
        home = self.settings.home.resolve()
        if name and not Path(name).resolve().is_relative_to(home):
            return str(Path(name).parent)
        chain: BaseException | None = exc
        seen: set[int] = set()
        while chain is not None and id(chain) not in seen:
            seen.add(id(chain))
            if isinstance(chain, DBAPIError) and sql.is_postgres(self.engine):
                return f"the database server ({self.engine.url.render_as_string(hide_password=True)})"
            chain = chain.__cause__ or chain.__context__
        return str(self.settings.home)

    def fail_video(self, video_id: int, error: str) -> None:
        """Mark a video `failed` with its cause, keeping none of its rows in either store."""
        self.discard_partial(video_id)
        with self.session() as s:
            video = s.get(Video, video_id)
            video.status, video.error, video.updated_at = "failed", error[:2000], utcnow()
            s.add(video)
            s.commit()

    # -- events ----------------------------------------------------------------------------
    def events(self, video_ids: Sequence[int] | None = None, kinds: Sequence[str] | None = None,
               t_from: float | None = None, t_to: float | None = None, text: str | None = None,
               limit: int | None = None, offset: int = 0) -> list[tuple[Event, Video]]:
        """Events of ready videos, filtered, `limit` of them after skipping `offset` (the database
        pages: the web API's deep pages read one page, not all before it); every user value travels
        as a bound parameter."""
        # No label or kind holds a NUL; SQLite's LIKE would stop reading the pattern at one (so it
        # would match everything) and PostgreSQL refuses the parameter outright.
        if (text and "\x00" in text) or (kinds and all("\x00" in k for k in kinds)):
            return []
        if kinds:
            kinds = [k for k in kinds if "\x00" not in k]
        with self.session() as s:
            q = select(Event, Video).join(Video, col(Event.video_id) == col(Video.id)).where(Video.status == "ready")
            if video_ids is not None:
                q = q.where(col(Event.video_id).in_(list(video_ids)))
            if kinds:
                q = q.where(col(Event.kind).in_(list(kinds)))
            if t_from is not None:
                q = q.where(Event.t_end >= t_from)
            if t_to is not None:
                q = q.where(Event.t_start <= t_to)
            if text:
                # autoescape: % and _ in the user's text are literal characters, not LIKE wildcards
                q = q.where(func.lower(Event.label).contains(text.lower(), autoescape=True))
            q = q.order_by(col(Video.name), col(Event.t_start), col(Event.id))
            if limit:
                q = q.limit(limit)
            if offset:
                q = q.offset(offset)
            return list(s.exec(q))

    def event_kinds(self) -> list[str]:
        with self.session() as s:
            return sorted(set(s.exec(select(Event.kind).distinct())))

    def state_names(self) -> list[str]:
        """The HUD values the library holds samples of ("health", "armor", a generic game's "score" ...)."""
        with self.session() as s:
            return sorted(set(s.exec(select(StateSample.name).distinct())))

    def states(self, video_id: int) -> list[StateSample]:
        with self.session() as s:
            return list(s.exec(select(StateSample).where(StateSample.video_id == video_id).order_by(col(StateSample.t))))

    # -- ingest runs -------------------------------------------------------------------------
    def start_run(self, profile: str, inputs: int) -> int:
        with self.session() as s:
            run = IngestRun(profile=profile, inputs=inputs)
            s.add(run)
            s.commit()
            s.refresh(run)
            return saved_id(run)

    def finish_run(self, run_id: int, ingested: int, skipped: int, failed: int, summary: dict[str, Any]) -> None:
        """Record how a run ended; on a full disk the record is left unfinished (it is only a log)."""
        try:
            self._finish_run(run_id, ingested, skipped, failed, summary)
        except Exception as exc:
            if not self.disk_full(exc):
                raise
            log.debug("could not record the end of run %s on a full disk", run_id, exc_info=True)

    def _finish_run(self, run_id: int, ingested: int, skipped: int, failed: int, summary: dict[str, Any]) -> None:
        with self.session() as s:
            run = s.get(IngestRun, run_id)
            run.finished_at, run.ingested, run.skipped, run.failed, run.summary = utcnow(), ingested, skipped, failed, summary
            s.add(run)
            s.commit()


