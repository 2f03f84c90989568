"""The LanceDB segment table: one row per segment, its searchable text, vectors and keyframe.

The table's schema metadata records every model that produced a column (id, dimension, projector
checkpoint); opening it with other models is a ModelMismatch, never silently mixed vectors.

Every write is a new Lance version. The table stays about the size of its live rows (issue 14:
before, every ingest rewrote all rows and kept every old version: 200 two-second clips left 202 MB
for 1.9 MB of rows, in 1,196 versions). After each commit, `maintain`:
 - merges small fragments in tiers: MERGE_FANOUT fragments of about the same size (the same power
   of MERGE_FANOUT rows) become one, so a row is rewritten about log_F(rows) times in its life,
   not once per ingest, and a table holds at most ~F fragments per power of F rows;
 - adds new rows to the indexes as a delta, and merges the deltas of the fragments it merges
   (folding new rows in at every commit rewrote the whole full-text index each time);
 - removes the versions a newer one has replaced. Readers re-read the latest version before every
   query (read_consistency_interval=0), so an old version is needed only by a query that was
   already running when it was replaced. Every query holds a shared lock on a file in the home
   (`reading`) while it runs; when the writer can take that lock exclusively no query is running
   and every replaced version goes at once (the writer holds it for the few milliseconds of the
   cleanup, so no query starts on a version being removed). When a query is running, or the table
   is not in a local folder (readers on other machines hold no lock here), only versions replaced
   more than `grace_s` ago go: a search takes milliseconds, a full scan a few seconds. The grace
   counts from when a version was replaced, not from when it was written: the version a query
   just opened may be hours old.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple, Sequence, Union

from kb.errors import ModelMismatch

if TYPE_CHECKING:
    import numpy as np
    from lance import LanceDataset
    from lancedb.db import DBConnection
    from lancedb.table import Table

    Vector = Union[np.ndarray, Sequence[float]]  # one embedding: (dim,) float32, or float16 for projected vectors

log = logging.getLogger(__name__)

TABLE = "segments"
META_KEY = b"gamekb.models"
# Columns returned by searches: everything but the vectors and the keyframe bytes.
TEXT_COLUMNS = ["video_id", "idx", "video", "start_s", "end_s", "keyframe_s", "text", "moments"]
# ANN index on the text embeddings (bench/search_latency.py, docs/benchmarks.md). Below the row
# threshold an exact flat scan is a few ms and always exact; past it the index keeps search flat in
# library size. Re-trained when the table has grown RETRAIN_GROWTH-fold since it was trained.
VECTOR_COLUMN = "text_vec"
# IVF_FLAT: at 100k x 384-d it built in 11 s with recall@10 1.00 and p50 6.4 ms; IVF_SQ 27 s, 0.96,
# 7.2 ms; IVF_HNSW_SQ 62 s, 0.95, 17 ms; IVF_PQ 158 s, 0.44 (bench/search_latency.py, 2 cores)
VECTOR_INDEX_TYPE = "IVF_FLAT"
VECTOR_INDEX_MIN_ROWS = 50_000
# IVF partitions a vector search probes: lancedb 0.40's default, kept now that pylance reads the
# table (tests/test_lance_reads.py holds both side by side on an indexed table)
LANCEDB_NPROBES = 20
RETRAIN_GROWTH = 4.0
# Fragments merged at once, and the size ratio between tiers: with 8, 1,000 one-row appends left
# at most ~20 fragments, each row rewritten ~3 times (bench/disk_growth.py, docs/benchmarks.md).
MERGE_FANOUT = 8
# Seconds an old version is kept after a newer one replaced it, for queries already running on it
# (see the module docstring): hundreds of times the slowest search (p95 40 ms at 1M segments,
# docs/benchmarks.md). The disk it costs is what a burst of commits rewrites in that time
# (bench/disk_growth.py: "Disk as the library grows"). GAMEKB_LANCE_GRACE_S overrides it.
GRACE_S = 30.0


@dataclass
class Space:
    """What the table's folder holds, in bytes (gamekb doctor)."""

    live_bytes: int  # data, deletion and index files of the latest version
    held_bytes: int  # files only versions replaced less than grace_s ago use: freed by the next cleanup
    dead_bytes: int  # everything else: old versions and leftovers of failed writes, reclaimable now
    versions: int
    fragments: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def grace_s() -> float:
    """GAMEKB_LANCE_GRACE_S, else GRACE_S."""
    value = os.environ.get("GAMEKB_LANCE_GRACE_S")
    return float(value) if value not in (None, "") else GRACE_S


def merge_run(sizes: list[int], fanout: int = MERGE_FANOUT) -> int:
    """How many fragments at the end of the table to merge into one (0: none), given each
    fragment's live rows, oldest first. A fragment's tier is floor(log_fanout(rows)). For the
    lowest tier t that has `fanout` fragments in the run at the end of the table that holds no
    fragment above tier t, that run is merged (smaller fragments in it ride along). Appends of
    equal size thus count in base `fanout`: 8 one-row fragments become one of 8 rows, 8 of those
    one of 64."""
    tiers = [int(math.log(max(n, 1), fanout)) for n in sizes]
    for t in sorted(set(tiers)):
        run, same = 0, 0
        for tier in reversed(tiers):
            if tier > t:
                break
            run, same = run + 1, same + (tier == t)
        if same >= fanout:
            return run
    return 0


class RecordedMoment(NamedTuple):
    """One event as a segment row records it (the `moments` column), for search to narrow a
    segment to what in it matches. Stored as a JSON list in this field order."""

    t_start: float
    t_end: float
    source: str  # ocr, speech, hud, frames, entity ...
    kind: str  # an event kind (kb.kinds)
    label: str
    text: str  # the searchable text the event adds to the segment


def moments_json(moments: Iterable[RecordedMoment]) -> str:
    return json.dumps([list(m) for m in moments], ensure_ascii=False)


def parse_moments(value: str | None) -> list[RecordedMoment]:
    return [RecordedMoment(*m) for m in json.loads(value or "[]")]


@dataclass
class SegmentRow:
    """One segment's row as ingest builds it: every column of the table (`_schema`) but the two
    that kb.store adds when it writes the video (`video_id`, `video`). A vector column is written
    only when the table holds it (the manifest says which: audio and projected vectors are optional)."""

    idx: int  # position in the video; joins to the SQL segment (video_id, idx)
    start_s: float
    end_s: float
    keyframe_s: float  # when the keyframe was sampled
    keyframe: bytes = b""  # JPEG thumbnail
    text: str = ""  # the searchable text: the text of each recorded moment, " . "-joined
    moments: list[RecordedMoment] = field(default_factory=list)  # what happened in the window
    text_vec: Vector | None = None  # the text embedding of its distinct moments
    visual_vec: Vector | None = None  # mean frame descriptor (lite) or SigLIP2 embedding (full)
    temporal_vec: Vector | None = None  # motion features (lite) or VideoMAE embedding (full)
    audio_vec: Vector | None = None  # when the profile has an audio encoder and the video has audio
    projected: dict[str, Vector] = field(default_factory=dict)  # modality -> (d_llm,) float16: the proj_<modality> columns

    def record(self, video_id: int, video: str) -> dict[str, Any]:
        """The row as the table stores it, for the video with this id and name."""
        row: dict[str, Any] = {"video_id": video_id, "video": video, "idx": self.idx, "start_s": self.start_s,
                               "end_s": self.end_s, "keyframe_s": self.keyframe_s, "text": self.text,
                               "moments": moments_json(self.moments), "keyframe": self.keyframe}
        for column in ("text_vec", "visual_vec", "temporal_vec", "audio_vec"):
            if getattr(self, column) is not None:
                row[column] = getattr(self, column)
        row.update({f"proj_{modality}": vec for modality, vec in self.projected.items()})
        return row


@dataclass(frozen=True)
class FoundSegment:
    """A segment row as a search reads it back: the TEXT_COLUMNS, its moments parsed on first use,
    and the score the search gave it (BM25 `_score` of a full-text search, cosine `_distance` of a
    vector search; None for a plain read)."""

    video_id: int
    idx: int
    video: str
    start_s: float
    end_s: float
    keyframe_s: float
    text: str
    moments_json: str
    score: float | None = None
    distance: float | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> "FoundSegment":
        """From a row read with (at least) the TEXT_COLUMNS, by pylance or lancedb."""
        return cls(video_id=row["video_id"], idx=row["idx"], video=row["video"], start_s=row["start_s"],
                   end_s=row["end_s"], keyframe_s=row["keyframe_s"], text=row["text"] or "",
                   moments_json=row["moments"] or "[]", score=row.get("_score"), distance=row.get("_distance"))

    @functools.cached_property
    def moments(self) -> list[RecordedMoment]:
        return parse_moments(self.moments_json)


def _schema(manifest: dict[str, dict[str, Any]]):
    import pyarrow as pa

    cols = [
        pa.field("video_id", pa.int64()),
        pa.field("idx", pa.int32()),
        pa.field("video", pa.string()),
        pa.field("start_s", pa.float64()),
        pa.field("end_s", pa.float64()),
        pa.field("keyframe_s", pa.float64()),
        pa.field("text", pa.string()),
        pa.field("moments", pa.string()),  # JSON of RecordedMoment lists: [[t_start, t_end, source, kind, label, text], ...]
        pa.field("keyframe", pa.binary()),  # JPEG
    ]
    for column, spec in sorted(manifest.items()):
        value_type = pa.float16() if spec.get("dtype") == "float16" else pa.float32()
        cols.append(pa.field(column, pa.list_(value_type, int(spec["dim"]))))
    return pa.schema(cols, metadata={META_KEY: json.dumps(manifest, sort_keys=True).encode()})


class SegmentTable:
    """The segment table. Writes go through lancedb, reads through pylance (`_latest`): importing
    lancedb costs ~1 s of every command's start-up, pylance ~0.15 s, and a search needs only reads
    (issue 15 part 9). `table` (lancedb) is opened on first use, by writers and maintenance."""

    def __init__(self, uri: str, grace: float | None = None, readers_lock: Path | None = None):
        self.uri = uri
        self.grace_s = grace_s() if grace is None else grace
        self.readers_lock = readers_lock  # held shared by every query (`reading`); None: no such lock
        self._db: DBConnection | None = None
        self._table: Table | None = None
        self._ds: LanceDataset | None = None  # the pylance dataset readers last saw (its caches carry over to newer versions)

    # -- opening ---------------------------------------------------------------------------
    @property
    def db(self):
        """The lancedb connection (for writing)."""
        if self._db is None:
            from datetime import timedelta

            import lancedb

            # interval 0: every read sees the latest version, including another process's writes (issue 4)
            self._db = lancedb.connect(self.uri, read_consistency_interval=timedelta(0))
        return self._db

    @property
    def table(self):
        if self._table is None and TABLE in self._table_names():
            self._table = self.db.open_table(TABLE)
        return self._table

    def _table_names(self) -> list[str]:
        names = self.db.list_tables()
        return list(getattr(names, "tables", names))

    @property
    def dataset_uri(self) -> str:
        """Where lancedb keeps the table's Lance dataset (lancedb.table._table_path)."""
        if "://" not in self.uri:
            return os.path.join(self.uri, f"{TABLE}.lance")
        from urllib.parse import urlparse

        parsed = urlparse(f"{self.uri.rstrip('/')}/{TABLE}.lance")
        if parsed.scheme == "s3+ddb":
            parsed = parsed._replace(scheme="s3")
        return parsed._replace(query="").geturl()

    def _latest(self):
        """The table's latest version as a pylance dataset, None when there is no table yet. Read
        again before every query, as lancedb's read_consistency_interval=0 does; call it inside
        `reading` so that the writer keeps the version it returns."""
        import lance

        if self._ds is None:
            try:
                self._ds = lance.dataset(self.dataset_uri)
            except ValueError:  # "Dataset at path ... was not found"
                return None
            return self._ds
        self._ds = self._ds.checkout_version(self._ds.latest_version)  # keeps the index caches
        return self._ds

    def manifest(self) -> dict[str, dict[str, Any]] | None:
        with self.reading():
            ds = self._latest()
        if ds is None:
            return None
        meta = ds.schema.metadata or {}
        return json.loads(meta[META_KEY]) if META_KEY in meta else {}

    def ensure(self, manifest: dict[str, dict[str, Any]]) -> None:
        """Create the table for these models, or check that it was built with them."""
        existing = self.manifest()
        if existing is None:
            self._table = self.db.create_table(TABLE, schema=_schema(manifest), exist_ok=True)
            existing = self.manifest() or {}
        if existing != manifest:
            diff = [f"{c}: {existing.get(c, {}).get('model')} (dim {existing.get(c, {}).get('dim')}) "
                    f"vs {manifest.get(c, {}).get('model')} (dim {manifest.get(c, {}).get('dim')})"
                    for c in sorted(set(existing) | set(manifest)) if existing.get(c) != manifest.get(c)]
            raise ModelMismatch("this knowledge base was built with other models (" + "; ".join(diff) +
                                "); use the same --profile/models, or a new --home for the new models")

    # -- writing ---------------------------------------------------------------------------
    def delete_video(self, video_id: int) -> None:
        # a delete that matches nothing still writes a version; most ingests are of new videos
        if self.table is not None and self.count(video_id):
            self.table.delete(f"video_id = {int(video_id)}")

    def add(self, rows: list[dict[str, Any]], after_add=None) -> None:
        if rows:
            self.table.add(rows)
            if after_add is not None:
                after_add()  # a crash point between the append and the index refresh (kb.store)
            self.refresh_index()

    def refresh_index(self) -> None:
        """Build the full-text index once; then merge small fragments, add new rows to the indexes
        and remove replaced versions (`maintain`)."""
        t = self.table
        has_fts = any("text" in (getattr(i, "columns", None) or []) for i in t.list_indices())
        if not has_fts:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t.create_fts_index("text", replace=True, with_position=False)
        self.maintain()
        self.ensure_vector_index()

    def maintain(self) -> None:
        """Merge the small fragments at the end of the table when MERGE_FANOUT of a tier have
        gathered, add new rows to the indexes, and remove versions replaced more than grace_s ago.
        The caller holds the Lance writer lock (kb.store)."""
        ds = self.table.to_lance()
        fragments = ds.get_fragments()
        run = merge_run([f.count_rows() for f in fragments])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not run:  # the new rows join each index as a delta of their own
                ds.optimize.optimize_indices(num_indices_to_merge=0)
            else:
                # First the index deltas of the run's fragments become one (Lance merges only
                # fragments that one index delta covers), then the fragments. Index deltas thus
                # follow the fragments' tiers, and the whole index is never rewritten at once.
                ids = {f.fragment_id for f in fragments[len(fragments) - run:]}
                deltas: dict[str, int] = {}
                for index in ds.list_indices():
                    covered = set(index.get("fragment_ids") or ())
                    deltas.setdefault(index["name"], 0)
                    deltas[index["name"]] += bool(covered) and covered <= ids
                for name, n in deltas.items():  # the newest n deltas, and the rows no index holds yet
                    ds.optimize.optimize_indices(index_names=[name], num_indices_to_merge=n)
                    ds = self.table.to_lance()
                keep = [f.fragment_id for f in fragments[: len(fragments) - run]]
                ds.optimize.compact_files(excluded_fragment_ids=keep, materialize_deletions_threshold=0.5)
        self.cleanup()

    # -- who is reading ------------------------------------------------------------------------
    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the readers' lock shared while one query runs, so that the writer keeps the version
        it reads. A lock file that cannot be opened (a read-only home) means no writer either."""
        fh = self._open_readers_lock()
        if fh is None:
            yield
            return
        import fcntl

        with fh:
            fcntl.flock(fh, fcntl.LOCK_SH)  # waits only while a cleanup runs (milliseconds)
            yield

    @contextlib.contextmanager
    def _alone(self) -> Iterator[bool]:
        """True, holding the readers' lock exclusively, when no query is running now."""
        fh = self._open_readers_lock()
        if fh is None:
            yield False
            return
        import fcntl

        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True

    def _open_readers_lock(self):
        if self.readers_lock is None:
            return None
        try:
            self.readers_lock.parent.mkdir(parents=True, exist_ok=True)
            return open(self.readers_lock, "a")  # a new open file per query: flock is per open file
        except OSError:
            return None

    def _replaced(self, before: float) -> tuple[list[int], int]:
        """(versions replaced by a newer one before `before` (epoch seconds), number of versions)."""
        versions = sorted(self.table.to_lance().versions(), key=lambda v: v["version"])
        old = [a["version"] for a, b in zip(versions, versions[1:]) if b["timestamp"].timestamp() < before]
        return old, len(versions)

    def cleanup(self, delete_unverified: bool = False) -> int:
        """Remove the replaced versions no running query can be reading (all of them when none is
        running, else those replaced more than grace_s ago) and the files only they use; returns
        the bytes freed. delete_unverified also removes what failed writes left (a full disk, a
        crash) before Lance's own 7 days: only while no other process writes (the Lance lock)."""
        if self.table is None:
            return 0
        with self._alone() as alone:
            old, n_versions = self._replaced(time.time() - (0 if alone else self.grace_s))
            if not old and not delete_unverified:
                return 0
            # `versions` names exactly the replaced ones; with none, every version is retained (Lance's
            # older_than would count from when a version was written, not from when it was replaced)
            which = {"versions": old} if old else {"retain_versions": n_versions}
            stats = self.table.to_lance().cleanup_old_versions(**which, delete_unverified=delete_unverified,
                                                               error_if_tagged_old_versions=False)
            return int(getattr(stats, "bytes_removed", 0) or 0)

    def space(self) -> Space:
        """Live, held and dead bytes of the table's folder (reads only; works on a full disk)."""
        root = os.path.join(self.uri, f"{TABLE}.lance")
        if self.table is None or not os.path.isdir(root):
            return Space(0, 0, 0, 0, 0)
        import lance

        sizes = {os.path.relpath(os.path.join(d, f), root): os.path.getsize(os.path.join(d, f))
                 for d, _, files in os.walk(root) for f in files}
        latest = self.table.to_lance()
        old, n_versions = self._replaced(time.time() - self.grace_s)
        held_versions = [v["version"] for v in latest.versions() if v["version"] not in old and v["version"] != latest.version]
        live = _files(latest, sizes) | _version_files(latest.version, sizes)
        held: set[str] = set()
        for v in held_versions:
            held |= _files(lance.dataset(root, version=v), sizes) | _version_files(v, sizes)
        held -= live
        total = sum(sizes.values())
        live_b = sum(sizes[f] for f in live)
        held_b = sum(sizes[f] for f in held)
        return Space(live_b, held_b, total - live_b - held_b, n_versions, len(latest.get_fragments()))

    def ensure_vector_index(self, column: str = VECTOR_COLUMN, force: bool = False) -> str | None:
        """Build the ANN index on `column` once the table is big enough, and re-train it as it grows.

        Below VECTOR_INDEX_MIN_ROWS a flat scan is fast enough and no index is kept. Past it an
        IVF index with ~sqrt(rows) partitions is trained; rows added later are folded in by
        `maintain` (and searched flat until then, so results stay complete), and once the table
        has grown RETRAIN_GROWTH-fold since training the partitions are re-trained. The partition
        count is part of the index name, so no other bookkeeping is needed. Returns the index name.
        """
        t = self.table
        if t is None or column not in t.schema.names:
            return None
        rows = t.count_rows()
        mine = [i for i in t.list_indices() if (getattr(i, "name", "") or "").startswith(f"{column}_ann_p")]
        if rows < VECTOR_INDEX_MIN_ROWS and not force:
            return mine[0].name if mine else None
        partitions = max(1, int(round(rows ** 0.5)))
        if mine:
            trained = int(mine[0].name.rsplit("_p", 1)[1])
            if partitions ** 2 < RETRAIN_GROWTH * trained ** 2 and not force:
                return mine[0].name
        name = f"{column}_ann_p{partitions}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t.create_index(metric="cosine", vector_column_name=column, index_type=VECTOR_INDEX_TYPE,
                           num_partitions=partitions, replace=True, name=name)
            for old in mine:
                if old.name != name:
                    t.drop_index(old.name)
        log.info("trained %s index %s on %d rows", VECTOR_INDEX_TYPE, name, rows)
        return name

    # -- reading ---------------------------------------------------------------------------
    def count(self, video_id: int | None = None) -> int:
        with self.reading():
            ds = self._latest()
            return 0 if ds is None else ds.count_rows(None if video_id is None else f"video_id = {int(video_id)}")

    # -- consistency (gamekb doctor) ------------------------------------------------------------
    def video_counts(self) -> dict[int, tuple[int, int]]:
        """video_id -> (rows, distinct idx): rows > distinct means duplicated segments."""
        with self.reading():
            ds = self._latest()
            if ds is None:
                return {}
            t = ds.to_table(columns=["video_id", "idx"])
        out: dict[int, set[int]] = {}
        counts: dict[int, int] = {}
        for vid, idx in zip(t["video_id"].to_pylist(), t["idx"].to_pylist()):
            out.setdefault(vid, set()).add(idx)
            counts[vid] = counts.get(vid, 0) + 1
        return {vid: (counts[vid], len(ix)) for vid, ix in out.items()}

    def has_fts(self) -> bool:
        with self.reading():
            ds = self._latest()
            return ds is None or any("text" in (i.field_names or []) for i in ds.describe_indices())

    def fts(self, query: str, where: str | None, limit: int) -> list[FoundSegment]:
        """The rows whose text best matches `query` (BM25), best first."""
        if not query.strip():
            return []
        from kb.fts_words import needs_lancedb

        if needs_lancedb(query):  # a word Lance 13 (lancedb) and Lance 14 (pylance) read differently
            return self._fts_lancedb(query, where, limit)
        with self.reading():
            ds = self._latest()
            if ds is None:
                return []
            try:
                rows = ds.to_table(columns=[*TEXT_COLUMNS, "_score"], full_text_query={"query": query, "columns": ["text"]},
                                   filter=where, prefilter=True, limit=limit, disable_scoring_autoprojection=True).to_pylist()
            except ValueError as exc:  # as lancedb's: a query that tokenises to nothing searchable
                log.debug("fts query %r gave %s", query, exc)
                return []
        return [FoundSegment.of(r) for r in rows]

    def _fts_lancedb(self, query: str, where: str | None, limit: int) -> list[FoundSegment]:
        if self.table is None:
            return []
        q = self.table.search(query, query_type="fts", fts_columns="text").select([*TEXT_COLUMNS, "_score"])
        if where:
            q = q.where(where, prefilter=True)
        try:
            with self.reading():
                return [FoundSegment.of(r) for r in q.limit(limit).to_list()]
        except ValueError as exc:  # a query that tokenises to nothing searchable
            log.debug("fts query %r gave %s", query, exc)
            return []

    def vector(self, column: str, vector, where: str | None, limit: int) -> list[FoundSegment]:
        """The `limit` rows whose `column` vector is nearest `vector` (cosine), nearest first."""
        with self.reading():
            ds = self._latest()
            if ds is None:
                return []
            # nprobes: what lancedb 0.40 searched with (an ANN index exists past VECTOR_INDEX_MIN_ROWS)
            nearest = {"column": column, "q": vector, "k": limit, "metric": "cosine", "nprobes": LANCEDB_NPROBES}
            rows = ds.to_table(columns=[*TEXT_COLUMNS, "_distance"], nearest=nearest, filter=where, prefilter=True,
                               disable_scoring_autoprojection=True).to_pylist()
        return [FoundSegment.of(r) for r in rows]

    def found(self, where: str | None, limit: int) -> list[FoundSegment]:
        """The rows `where` holds, unranked (a search with nothing to rank by)."""
        return [FoundSegment.of(r) for r in self.rows(where, TEXT_COLUMNS, limit)]

    def rows(self, where: str | None, columns: Iterable[str] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        with self.reading():
            ds = self._latest()
            if ds is None:
                return []
            return ds.to_table(columns=None if columns is None else list(columns), filter=where, limit=limit).to_pylist()


def _files(ds, sizes: dict[str, int]) -> set[str]:
    """The files (relative to the table folder) that one version's rows and indexes use."""
    out: set[str] = set()
    for frag in ds.get_fragments():
        meta = frag.metadata
        out |= {f"data/{f.path}" for f in meta.files}
        if meta.deletion_file is not None:
            out.add(meta.deletion_file.path(meta.id))
    uuids = {str(i["uuid"]) for i in ds.list_indices()}
    out |= {f for f in sizes if f.startswith("_indices/") and f.split("/")[1] in uuids}
    return {f for f in out if f in sizes}


def _version_files(version: int, sizes: dict[str, int]) -> set[str]:
    """The manifest of one version (either naming scheme: v, or u64::MAX - v) and its transaction
    file (named after the version it was read at, v - 1)."""
    names = {f"_versions/{version}.manifest", f"_versions/{2 ** 64 - 1 - version}.manifest"}
    txn = {f for f in sizes if f.startswith(f"_transactions/{version - 1}-")}
    return (names & sizes.keys()) | txn
